// require('events'): Node's EventEmitter (the module itself), with the static helpers once,
// on, getEventListeners, listenerCount and setMaxListeners/getMaxListeners.
//
// EventEmitter is a function, not a class, so that the old pattern of calling it on a
// subclass instance (`EventEmitter.call(this)` with util.inherits) works. Listeners are kept
// as Node keeps them, in `_events` (one function, or an array of them) and `_eventsCount`,
// which some packages read. Differences from Node: no domains, no EventTarget support in
// once/on beyond addEventListener, and warnings go through process.emitWarning.
'use strict';

void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
const { errors } = globalThis.__sb_internals;
const { inspect } = globalThis.__sb_util;

const kCapture = Symbol('kCapture');
const kShapeMode = Symbol('shapeMode');
const kRejection = Symbol.for('nodejs.rejection');
const errorMonitor = Symbol('events.errorMonitor');
let defaultMaxListeners = 10;

function checkListener(listener) {
  errors.validateFunction(listener, 'listener');
}

function checkMaxListeners(value, name) {
  if (typeof value !== 'number') throw errors.invalidArgType(name, 'of type number', value);
  if (!(value >= 0)) throw errors.outOfRange(name, '>= 0', value);
}

function abortError(reason) {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  if (reason !== undefined) error.cause = reason;
  return error;
}

function EventEmitter(opts) {
  EventEmitter.init.call(this, opts);
}

EventEmitter.prototype._events = undefined;
EventEmitter.prototype._eventsCount = 0;
EventEmitter.prototype._maxListeners = undefined;
EventEmitter.prototype[kCapture] = false;

EventEmitter.init = function init(opts) {
  if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
    this._events = { __proto__: null };
    this._eventsCount = 0;
    this[kShapeMode] = false;
  } else {
    this[kShapeMode] = true;
  }
  this._maxListeners = this._maxListeners || undefined;
  if (opts && opts.captureRejections) {
    if (typeof opts.captureRejections !== 'boolean') {
      throw errors.nodeError(
        TypeError, 'ERR_INVALID_ARG_TYPE',
        'The "options.captureRejections" property must be of type boolean.' +
          errors.received(opts.captureRejections),
      );
    }
    this[kCapture] = true;
  } else {
    this[kCapture] = EventEmitter.prototype[kCapture];
  }
};

function maxListenersOf(emitter) {
  return emitter._maxListeners === undefined ? defaultMaxListeners : emitter._maxListeners;
}

// A listener that returned a promise: with captureRejections, its rejection becomes an
// 'error' event (or a call of the emitter's Symbol.for('nodejs.rejection') method).
function captureRejection(emitter, result, type, args) {
  if (result === null || typeof result !== 'object' || typeof result.then !== 'function') return;
  result.then(undefined, (error) => process.nextTick(() => {
    if (typeof emitter[kRejection] === 'function') {
      emitter[kRejection](error, type, ...args);
      return;
    }
    const previous = emitter[kCapture];
    try {
      emitter[kCapture] = false; // a rejecting 'error' listener must not loop
      emitter.emit('error', error);
    } finally {
      emitter[kCapture] = previous;
    }
  }));
}

function unhandledError(value) {
  let shown;
  try {
    shown = inspect(value);
  } catch {
    shown = value;
  }
  const error = errors.nodeError(Error, 'ERR_UNHANDLED_ERROR', `Unhandled error. (${shown})`);
  error.context = value;
  return error;
}

function addListener(emitter, type, listener, prepend) {
  checkListener(listener);
  let events = emitter._events;
  if (events === undefined) {
    events = emitter._events = { __proto__: null };
    emitter._eventsCount = 0;
  } else if (events.newListener !== undefined) {
    emitter.emit('newListener', type, listener.listener ? listener.listener : listener);
    events = emitter._events; // a newListener listener may have replaced it
  }
  const existing = events[type];
  if (existing === undefined) {
    events[type] = listener;
    emitter._eventsCount++;
    return emitter;
  }
  let list = existing;
  if (typeof existing === 'function') {
    list = events[type] = prepend ? [listener, existing] : [existing, listener];
  } else if (prepend) {
    list.unshift(listener);
  } else {
    list.push(listener);
  }
  const max = maxListenersOf(emitter);
  if (max > 0 && list.length > max && !list.warned) {
    list.warned = true;
    const warning = new Error(
      `Possible EventEmitter memory leak detected. ${list.length} ${String(type)} listeners ` +
        `added to ${inspect(emitter, { depth: -1 })}. MaxListeners is ${max}. ` +
        'Use emitter.setMaxListeners() to increase limit',
    );
    warning.name = 'MaxListenersExceededWarning';
    warning.emitter = emitter;
    warning.type = type;
    warning.count = list.length;
    process.emitWarning(warning);
  }
  return emitter;
}

function onceWrapper(...args) {
  if (this.fired) return undefined;
  this.target.removeListener(this.type, this.wrapFn);
  this.fired = true;
  return this.listener.apply(this.target, args);
}

function onceWrap(target, type, listener) {
  const state = { fired: false, wrapFn: undefined, target, type, listener };
  const wrapped = onceWrapper.bind(state);
  wrapped.listener = listener;
  state.wrapFn = wrapped;
  return wrapped;
}

const methods = {
  setMaxListeners(n) {
    checkMaxListeners(n, 'setMaxListeners');
    this._maxListeners = n;
    return this;
  },

  getMaxListeners() {
    return maxListenersOf(this);
  },

  emit(type, ...args) {
    const events = this._events;
    let unhandled = type === 'error';
    if (events !== undefined) {
      if (unhandled && events[errorMonitor] !== undefined) this.emit(errorMonitor, ...args);
      unhandled = unhandled && events.error === undefined;
    } else if (!unhandled) {
      return false;
    }
    if (unhandled) {
      const error = args[0];
      if (error instanceof Error) throw error;
      throw unhandledError(error);
    }
    const handler = events[type];
    if (handler === undefined) return false;
    for (const listener of typeof handler === 'function' ? [handler] : handler.slice()) {
      const result = listener.apply(this, args);
      if (this[kCapture] && result !== undefined) captureRejection(this, result, type, args);
    }
    return true;
  },

  addListener(type, listener) {
    return addListener(this, type, listener, false);
  },

  prependListener(type, listener) {
    return addListener(this, type, listener, true);
  },

  once(type, listener) {
    checkListener(listener);
    this.on(type, onceWrap(this, type, listener));
    return this;
  },

  prependOnceListener(type, listener) {
    checkListener(listener);
    this.prependListener(type, onceWrap(this, type, listener));
    return this;
  },

  removeListener(type, listener) {
    checkListener(listener);
    const events = this._events;
    if (events === undefined) return this;
    const list = events[type];
    if (list === undefined) return this;
    if (list === listener || list.listener === listener) {
      this._eventsCount--;
      if (this[kShapeMode]) {
        events[type] = undefined;
      } else if (this._eventsCount === 0) {
        this._events = { __proto__: null };
      } else {
        delete events[type];
        if (events.removeListener) this.emit('removeListener', type, list.listener || listener);
      }
      return this;
    }
    if (typeof list === 'function') return this;
    let position = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i].listener === listener) {
        position = i;
        break;
      }
    }
    if (position < 0) return this;
    list.splice(position, 1);
    if (list.length === 1) events[type] = list[0];
    if (events.removeListener !== undefined) this.emit('removeListener', type, listener);
    return this;
  },

  removeAllListeners(type) {
    const events = this._events;
    if (events === undefined) return this;
    const all = arguments.length === 0;
    if (events.removeListener === undefined) {
      // Nobody listens for removals: drop them at once.
      if (all) {
        this._events = { __proto__: null };
        this._eventsCount = 0;
      } else if (events[type] !== undefined) {
        if (--this._eventsCount === 0) this._events = { __proto__: null };
        else delete events[type];
      }
      return this;
    }
    if (all) {
      for (const key of Reflect.ownKeys(events)) {
        if (key !== 'removeListener') this.removeAllListeners(key);
      }
      this.removeAllListeners('removeListener');
      this._events = { __proto__: null };
      this._eventsCount = 0;
      return this;
    }
    const listeners = events[type];
    if (typeof listeners === 'function') {
      this.removeListener(type, listeners);
    } else if (listeners !== undefined) {
      for (let i = listeners.length - 1; i >= 0; i--) this.removeListener(type, listeners[i]);
    }
    return this;
  },

  listeners(type) {
    return listenersOf(this, type, true);
  },

  rawListeners(type) {
    return listenersOf(this, type, false);
  },

  listenerCount(type, listener) {
    const events = this._events;
    const handler = events === undefined ? undefined : events[type];
    if (handler === undefined) return 0;
    const list = typeof handler === 'function' ? [handler] : handler;
    if (listener === undefined || listener === null) return list.length;
    return list.filter((l) => l === listener || l.listener === listener).length;
  },

  eventNames() {
    return this._eventsCount > 0 ? Reflect.ownKeys(this._events) : [];
  },
};
methods.on = methods.addListener;
methods.off = methods.removeListener;

function listenersOf(emitter, type, unwrap) {
  const events = emitter._events;
  const handler = events === undefined ? undefined : events[type];
  if (handler === undefined) return [];
  const list = typeof handler === 'function' ? [handler] : handler;
  return unwrap ? list.map((l) => l.listener || l) : list.slice();
}

const ORDER = [
  'setMaxListeners', 'getMaxListeners', 'emit', 'addListener', 'on', 'prependListener', 'once',
  'prependOnceListener', 'removeListener', 'off', 'removeAllListeners', 'listeners',
  'rawListeners', 'listenerCount', 'eventNames',
];
for (const name of ORDER) {
  Object.defineProperty(EventEmitter.prototype, name, {
    value: methods[name], writable: true, configurable: true, enumerable: true,
  });
}

// ---- Static helpers ---------------------------------------------------------------------

function validateSignal(signal) {
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw errors.invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
}

function validateEmitter(emitter) {
  if (emitter === null || typeof emitter !== 'object' ||
      (typeof emitter.on !== 'function' && typeof emitter.addEventListener !== 'function')) {
    throw errors.invalidArgType('emitter', 'an instance of EventEmitter', emitter);
  }
}

function listen(emitter, name, listener, once) {
  if (typeof emitter.on === 'function') {
    if (once) emitter.once(name, listener);
    else emitter.on(name, listener);
  } else {
    emitter.addEventListener(name, listener, { once });
  }
}

function unlisten(emitter, name, listener) {
  if (typeof emitter.removeListener === 'function') emitter.removeListener(name, listener);
  else emitter.removeEventListener(name, listener);
}

// Resolves with the arguments of the next `name` event; rejects on an 'error' event first.
async function once(emitter, name, options = {}) {
  validateEmitter(emitter);
  const signal = options === null ? undefined : options.signal;
  validateSignal(signal);
  if (signal && signal.aborted) throw abortError(signal.reason);
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      unlisten(emitter, name, onEvent);
      cleanup();
      reject(error);
    };
    const onEvent = (...args) => {
      if (name !== 'error') unlisten(emitter, 'error', onError);
      cleanup();
      resolve(args);
    };
    const onAbort = () => {
      unlisten(emitter, name, onEvent);
      if (name !== 'error') unlisten(emitter, 'error', onError);
      reject(abortError(signal.reason));
    };
    const cleanup = () => signal && signal.removeEventListener('abort', onAbort);
    listen(emitter, name, onEvent, true);
    if (name !== 'error' && typeof emitter.on === 'function') listen(emitter, 'error', onError, true);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

// An async iterator over `event`'s arguments arrays; an 'error' event makes it throw.
function on(emitter, event, options = {}) {
  validateEmitter(emitter);
  const signal = options === null ? undefined : options.signal;
  validateSignal(signal);
  if (signal && signal.aborted) throw abortError(signal.reason);
  const unconsumed = [];
  const waiting = [];
  let failure = null;
  let finished = false;

  const onEvent = (...args) => {
    const next = waiting.shift();
    if (next) next.resolve({ value: args, done: false });
    else unconsumed.push(args);
  };
  const onError = (error) => {
    const next = waiting.shift();
    if (next) next.reject(error);
    else failure = error;
    iterator.return();
  };
  const onAbort = () => onError(abortError(signal.reason));

  const iterator = Object.setPrototypeOf({
    next() {
      if (unconsumed.length > 0) return Promise.resolve({ value: unconsumed.shift(), done: false });
      if (failure !== null) {
        const error = failure;
        failure = null;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      unlisten(emitter, event, onEvent);
      if (event !== 'error' && typeof emitter.on === 'function') unlisten(emitter, 'error', onError);
      if (signal) signal.removeEventListener('abort', onAbort);
      finished = true;
      for (const next of waiting.splice(0)) next.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      if (!(error instanceof Error)) {
        throw errors.invalidArgType('EventEmitter.AsyncIterator', 'an instance of Error', error);
      }
      failure = error;
      unlisten(emitter, event, onEvent);
      if (event !== 'error' && typeof emitter.on === 'function') unlisten(emitter, 'error', onError);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  }, Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype));

  listen(emitter, event, onEvent, false);
  if (event !== 'error' && typeof emitter.on === 'function') listen(emitter, 'error', onError, false);
  if (signal) signal.addEventListener('abort', onAbort, { once: true });
  return iterator;
}

function getEventListeners(emitter, name) {
  return typeof emitter.listeners === 'function' ? emitter.listeners(name) : [];
}

function getMaxListeners(emitter) {
  return typeof emitter.getMaxListeners === 'function' ? emitter.getMaxListeners() : defaultMaxListeners;
}

function setMaxListeners(n = defaultMaxListeners, ...targets) {
  checkMaxListeners(n, 'n');
  if (targets.length === 0) {
    defaultMaxListeners = n;
    return;
  }
  for (const target of targets) {
    if (typeof target.setMaxListeners !== 'function') {
      throw errors.invalidArgType('eventTargets', 'an instance of EventEmitter or EventTarget', target);
    }
    target.setMaxListeners(n);
  }
}

function listenerCount(emitter, type) {
  return typeof emitter.listenerCount === 'function'
    ? emitter.listenerCount(type) : methods.listenerCount.call(emitter, type);
}

Object.defineProperties(EventEmitter, {
  defaultMaxListeners: {
    enumerable: true,
    get: () => defaultMaxListeners,
    set(value) {
      checkMaxListeners(value, 'defaultMaxListeners');
      defaultMaxListeners = value;
    },
  },
  captureRejections: {
    enumerable: true,
    get: () => EventEmitter.prototype[kCapture],
    set(value) {
      if (typeof value !== 'boolean') {
        throw errors.invalidArgType('EventEmitter.captureRejections', 'of type boolean', value);
      }
      EventEmitter.prototype[kCapture] = value;
    },
  },
});

Object.assign(EventEmitter, {
  once, on, getEventListeners, getMaxListeners, EventEmitter, usingDomains: false,
  captureRejectionSymbol: kRejection, errorMonitor, setMaxListeners, listenerCount,
});
module.exports = EventEmitter;
