// Node's `process` object and its event-loop globals.
// Defines: process, queueMicrotask, setTimeout, clearTimeout, setInterval, clearInterval,
// setImmediate, clearImmediate.
//
// Timers are built on mini-racer's setTimeout/clearTimeout: the engine keeps them out of the
// global scope in `__sb_mr_timers`; a bare MiniRacer has them as globals. Those take only plain
// ids, throw on a delay of 0 and never fire without a delay, so the replacements here normalise
// the delay as Node does and return Node-like handle objects.
(function () {
  'use strict';

  const { defineGlobal, errors } = globalThis.__sb_internals;
  const base = globalThis.__sb_mr_timers || globalThis;
  const originalSetTimeout = base.setTimeout;
  const originalClearTimeout = base.clearTimeout;

  // The Node.js release that scripts see: Auth0 runs custom-database scripts on Node 18.
  const NODE_VERSION = 'v18.20.4';
  const TIMEOUT_MAX = 2 ** 31 - 1;
  // mini-racer's timer cannot wait 0 ms (it throws), so an immediate waits one microsecond.
  const IMMEDIATE_DELAY_MS = 0.001;

  // Microtasks are promise jobs here. Node runs nextTick callbacks before promise jobs; here
  // they share one queue, in order. An exception thrown by the callback becomes a rejected
  // promise nobody handles, where Node would report an uncaught exception.
  function queueMicrotask(callback) {
    errors.validateFunction(callback, 'callback');
    Promise.resolve().then(() => callback());
  }

  function nextTick(callback, ...args) {
    errors.validateFunction(callback, 'callback');
    Promise.resolve().then(() => callback(...args));
  }

  // ---- Timers -----------------------------------------------------------------------------

  // Live timers by id; each entry cancels its timer. Timeouts, intervals and immediates share
  // the ids, so any clear* function clears any of them (Node keeps immediates apart).
  const active = new Map();
  let lastId = 0;
  let idOf; // handle -> id, set in TimerHandle's static block

  class TimerHandle {
    #id = ++lastId;
    #ref = true;

    static {
      idOf = (handle) => (#id in handle ? handle.#id : undefined);
    }

    // ref/unref are recorded only: a pending timer never keeps an invocation alive here.
    ref() {
      this.#ref = true;
      return this;
    }

    unref() {
      this.#ref = false;
      return this;
    }

    hasRef() {
      return this.#ref;
    }
  }

  class Timeout extends TimerHandle {
    #restart;

    constructor(callback, delay, args, repeat) {
      super();
      const id = idOf(this);
      let pending = null; // mini-racer's id for the next run
      const run = () => {
        pending = null;
        if (!active.has(id)) return;
        if (!repeat) active.delete(id);
        try {
          callback.apply(this, args);
        } finally {
          // An interval waits its delay again after each run, as in Node.
          if (repeat && active.has(id)) schedule();
        }
      };
      const schedule = () => {
        pending = originalSetTimeout(run, delay);
      };
      active.set(id, () => {
        active.delete(id);
        if (pending !== null) originalClearTimeout(pending);
        pending = null;
      });
      this.#restart = () => {
        if (!active.has(id)) return;
        if (pending !== null) originalClearTimeout(pending);
        schedule();
      };
      schedule();
    }

    // Starts the wait again from now.
    refresh() {
      this.#restart();
      return this;
    }

    close() {
      clearTimer(this);
      return this;
    }

    // The id, so that `clearTimeout(+timeout)` and `${timeout}` work as in Node.
    [Symbol.toPrimitive]() {
      return idOf(this);
    }
  }

  // Immediates run one per macrotask, in the order they were set, so promise jobs queued by
  // one run before the next.
  const immediates = [];

  function runNextImmediate() {
    const next = immediates.shift();
    if (immediates.length > 0) originalSetTimeout(runNextImmediate, IMMEDIATE_DELAY_MS);
    next();
  }

  class Immediate extends TimerHandle {
    constructor(callback, args) {
      super();
      const id = idOf(this);
      active.set(id, () => active.delete(id));
      immediates.push(() => {
        if (active.delete(id)) callback.apply(this, args);
      });
      if (immediates.length === 1) originalSetTimeout(runNextImmediate, IMMEDIATE_DELAY_MS);
    }
  }

  // Node's rule: a delay that is not a number from 1 to 2 ** 31 - 1 becomes 1.
  function toDelay(after) {
    const delay = after * 1;
    if (delay >= 1 && delay <= TIMEOUT_MAX) {
      return delay;
    }
    if (delay > TIMEOUT_MAX) {
      process.emitWarning(
        `${delay} does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.`,
        'TimeoutOverflowWarning',
      );
    }
    return 1;
  }

  function setTimeout(callback, after, ...args) {
    errors.validateFunction(callback, 'callback');
    return new Timeout(callback, toDelay(after), args, false);
  }

  function setInterval(callback, repeat, ...args) {
    errors.validateFunction(callback, 'callback');
    return new Timeout(callback, toDelay(repeat), args, true);
  }

  function setImmediate(callback, ...args) {
    errors.validateFunction(callback, 'callback');
    return new Immediate(callback, args);
  }

  // Takes a handle, or the id it converts to; anything else is ignored, as in Node.
  function clearTimer(handle) {
    if (handle === null || handle === undefined) return;
    const id = typeof handle === 'object' ? idOf(handle) : Number(handle);
    const cancel = active.get(id);
    if (cancel) cancel();
  }

  // ---- process ----------------------------------------------------------------------------

  const startedAt = Date.now();

  // Millisecond resolution: bare V8 has no finer clock.
  function hrtime(previous) {
    const now = Date.now();
    let seconds = Math.floor(now / 1000);
    let nanoseconds = (now % 1000) * 1e6;
    if (previous !== undefined) {
      if (!Array.isArray(previous)) {
        throw errors.invalidArgType('time', 'an instance of Array', previous);
      }
      if (previous.length !== 2) {
        throw errors.outOfRange('time', '2', previous.length);
      }
      seconds -= previous[0];
      nanoseconds -= previous[1];
      if (nanoseconds < 0) {
        seconds -= 1;
        nanoseconds += 1e9;
      }
    }
    return [seconds, nanoseconds];
  }
  hrtime.bigint = () => BigInt(Date.now()) * 1000000n;

  function memoryUsage() {
    return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  }
  memoryUsage.rss = () => 0;

  // emitWarning(warning[, type[, code]]) or emitWarning(warning, {type, code, detail}).
  function emitWarning(warning, type, code) {
    let detail;
    if (type !== null && typeof type === 'object') {
      ({ type, code, detail } = type);
    }
    let message = String(warning);
    if (warning instanceof Error) {
      type = warning.name;
      message = warning.message;
    }
    const label = `${code ? `[${code}] ` : ''}${type || 'Warning'}`;
    const text = `(node:${process.pid}) ${label}: ${message}${detail ? `\n${detail}` : ''}`;
    const console = globalThis.console;
    if (console && typeof console.warn === 'function') console.warn(text);
  }

  // No process events happen here: listeners are accepted and never called.
  const returnProcess = function () {
    return process;
  };

  const process = {
    title: 'node',
    version: NODE_VERSION,
    versions: { node: NODE_VERSION.slice(1) },
    release: { name: 'node' },
    platform: 'linux',
    arch: 'x64',
    pid: 0,
    ppid: 0,
    argv: [],
    execArgv: [],
    env: {},
    exitCode: undefined,
    cwd: () => '/',
    uptime: () => (Date.now() - startedAt) / 1000,
    hrtime,
    memoryUsage,
    nextTick,
    emitWarning,
    on: returnProcess,
    once: returnProcess,
    off: returnProcess,
    addListener: returnProcess,
    removeListener: returnProcess,
    removeAllListeners: returnProcess,
    prependListener: returnProcess,
    prependOnceListener: returnProcess,
    emit: () => false,
    listeners: () => [],
    listenerCount: () => 0,
    get [Symbol.toStringTag]() {
      return 'process';
    },
  };

  defineGlobal('process', process);
  defineGlobal('queueMicrotask', queueMicrotask);
  defineGlobal('setTimeout', setTimeout);
  defineGlobal('setInterval', setInterval);
  defineGlobal('setImmediate', setImmediate);
  defineGlobal('clearTimeout', function clearTimeout(timeout) {
    clearTimer(timeout);
  });
  defineGlobal('clearInterval', function clearInterval(interval) {
    clearTimer(interval);
  });
  defineGlobal('clearImmediate', function clearImmediate(immediate) {
    clearTimer(immediate);
  });
})();
