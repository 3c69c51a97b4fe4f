// scriptbridge engine: the JavaScript half of the bridge between Python and a runner.
//
// Python talks to a runner only through `__sb.pump(key, input)`: one eval that starts new
// invocations, delivers finished host calls and cancels timed-out invocations, and returns
// every message JavaScript queued meanwhile as one JSON array (the outbox). Messages queued
// later, by timers and promise continuations, ring the doorbell: a notification that makes
// Python pump again. Each outbox entry is one JSON text:
//   {"t":"done","i":ID[,"e":ERROR][,"r":RESULT]}   an invocation's first callback call
//   {"t":"log","i":ID|null,"k":KIND|null,"l":LEVEL,"m":TEXT}  a console line or engine warning
//   {"t":"call","c":CALL,"i":ID|null,"n":NAME,"a":ARGS}  an asynchronous host call
//
// Start-up has two steps (see runner.boot_blank and Runner._adopt). This file runs in the
// first, with `__sb_boot` holding what every runner shares, and ends by handing Python the
// `hooks` object (`__sb.hooks()`), into which Python puts its two notifications. A connection
// then adopts the runner with `__sb.adopt(...)`: its key, configuration, limits, host modules
// and scripts.
(function () {
  "use strict";
  const boot = globalThis.__sb_boot;
  delete globalThis.__sb_boot;
  // Python's notifications: hooks.sync answers a synchronous call in place, hooks.bell asks
  // Python to pump. Set by Python (_bridge.Isolate.attach) before any script runs.
  const hooks = { shared: null, sync: null, bell: null };

  // Captured now, so that a script overwriting these globals cannot break the bridge.
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const NativeError = Error;
  const hasOwn = Object.prototype.hasOwnProperty;
  const slice = Array.prototype.slice;
  const fromCharCode = String.fromCharCode;
  const indirectEval = globalThis.eval;
  const G = globalThis;

  // Per invocation: console lines kept, and characters kept of one line.
  const MAX_LINES = 1000;
  const MAX_LINE_CHARS = 8192;

  const outbox = [];
  let handedHooks = false;
  let adopted = false;
  let runnerKey = null; // set by adopt
  let timeoutMs = 0; // set by adopt
  let inEntry = false;
  let bellRung = false;
  let current = null; // the invocation whose code runs synchronously right now
  const factories = Object.create(null); // script kind -> function(console, timers..., require)
  const invocations = new Map(); // id -> invocation record, until it is done or cancelled
  const pendingCalls = new Map(); // host call id -> {inv, done}
  let nextCall = 1;
  // Work deferred by module facades (host.defer): run at the end of the pump that is running,
  // or of the next one, like Node's process.nextTick. At most MAX_DEFERRED per pump.
  const deferred = [];
  const MAX_DEFERRED = 10000;
  // util.format, from the node prelude, resolved on first use (it loads on demand).
  let formatter = null;
  function format(args) {
    if (formatter === null) formatter = G.__sb_format;
    return String(formatter(args));
  }

  function post(text) {
    outbox[outbox.length] = text;
    if (!inEntry && !bellRung) {
      bellRung = true;
      hooks.bell();
    }
  }

  function engineLog(inv, level, message) {
    post(stringify({ t: "log", i: inv ? inv.id : null, k: inv ? inv.kind : null, l: level, m: message }));
  }

  function safeText(value) {
    try {
      return typeof value === "string" ? value : format([value]);
    } catch (_) {
      return "[a value that cannot be shown]";
    }
  }

  // An error as Python reads it. Never throws, whatever the script threw or called back with.
  function describeError(err) {
    try {
      if (err === null || typeof err !== "object") return { name: "Error", message: safeText(err) };
      const out = {
        name: typeof err.name === "string" && err.name ? err.name : "Error",
        message: typeof err.message === "string" ? err.message : safeText(err),
      };
      if (err.code !== undefined && err.code !== null) out.code = String(err.code);
      if (typeof err.stack === "string") out.stack = scriptFrames(err.stack);
      const data = {};
      let extra = false;
      for (const key of Object.keys(err)) {
        if (key === "name" || key === "message" || key === "code" || key === "stack") continue;
        const value = err[key];
        if (value === undefined || typeof value === "function") continue;
        data[key] = value;
        extra = true;
      }
      if (extra) {
        try {
          stringify(data);
          out.data = data;
        } catch (_) {
          // Extra fields that are not JSON (cycles, BigInt) are dropped, the error is kept.
        }
      }
      return out;
    } catch (_) {
      return { name: "Error", message: "the script failed with an error that cannot be read" };
    }
  }

  // An Error for a description Python sent ({name, message, code}).
  function toError(description) {
    const err = new NativeError(String(description.message));
    if (description.name) err.name = String(description.name);
    if (description.code !== undefined && description.code !== null) err.code = description.code;
    return err;
  }

  // The script's frames only: the engine's own (its files are node:internal/scriptbridge,
  // the pump eval is <anonymous>) mean nothing to the script's author. On a script's first
  // line, columns are shifted by the factory that wraps it (see runner._wrap).
  const firstLineOffsets = new Map(); // script filename -> columns to take off on line 1
  function scriptFrames(stack) {
    return stack
      .split("\n")
      .filter((line) => !/^\s+at .*(node:internal\/scriptbridge|<anonymous>:1:\d+\)?$)/.test(line))
      .map((line) =>
        line.replace(/([^\s()]+):1:(\d+)(\)?)$/, (whole, file, column, paren) => {
          const offset = firstLineOffsets.get(file);
          return offset === undefined ? whole : `${file}:1:${Math.max(1, column - offset)}${paren}`;
        }),
      )
      .join("\n");
  }

  function finish(inv, err, result) {
    if (inv.done) {
      const what = inv.cancelled ? "after the invocation timed out" : "more than once";
      engineLog(inv, "warn", `callback was called ${what}; this call is ignored`);
      return;
    }
    let text;
    if (err) {
      text = stringify({ t: "done", i: inv.id, e: describeError(err) });
    } else if (result === undefined || result === null) {
      text = stringify({ t: "done", i: inv.id });
    } else {
      try {
        text = stringify({ t: "done", i: inv.id, r: result });
      } catch (e) {
        const message = `the result passed to callback cannot be converted to JSON: ${safeText(e && e.message)}`;
        text = stringify({ t: "done", i: inv.id, e: { name: "TypeError", message } });
      }
    }
    inv.done = true;
    invocations.delete(inv.id);
    reportDropped(inv);
    if (inv.timers.length) {
      // Timers may outlive the callback (Auth0's do too), but not the invocation's deadline.
      const left = Math.max(1, inv.started + timeoutMs - Date.now());
      G.setTimeout(() => clearTimers(inv), left);
    }
    post(text);
  }

  function uncaught(inv, err) {
    if (inv === null) {
      engineLog(null, "error", `Uncaught ${safeText(err && err.stack ? err.stack : err)}`);
    } else if (inv.done) {
      engineLog(inv, "error", `Uncaught after callback: ${safeText(err && err.stack ? err.stack : err)}`);
    } else {
      finish(inv, err === undefined || err === null || err === false ? new NativeError(`uncaught ${err}`) : err);
    }
  }

  // Runs `work` on behalf of `inv`: attributes host calls and uncaught errors to it.
  function within(inv, work) {
    const previous = current;
    current = inv;
    try {
      work();
    } catch (err) {
      uncaught(inv, err);
    } finally {
      current = previous;
    }
  }

  function bind(inv, fn) {
    if (typeof fn !== "function") return fn;
    return function () {
      const self = this;
      const args = arguments;
      within(inv, () => fn.apply(self, args));
    };
  }

  function reportDropped(inv) {
    if (inv.dropped > 0) {
      engineLog(inv, "warn", `${inv.dropped} console lines past the first ${MAX_LINES} were dropped`);
      inv.dropped = 0;
    }
  }

  // Per-invocation console and timers: the script's function is instantiated per invocation
  // with these as lexical bindings, so output is attributed even after an `await`.
  // `owner` is an invocation record, or a function returning one (for the global console).
  function makeConsole(owner) {
    const emit = (level) =>
      function () {
        const inv = typeof owner === "function" ? owner() : owner;
        if (inv.lines >= MAX_LINES) {
          inv.dropped++;
          return;
        }
        inv.lines++;
        let message;
        try {
          message = format(slice.call(arguments));
        } catch (e) {
          message = `[console.${level} could not format its arguments: ${safeText(e && e.message)}]`;
        }
        if (message.length > MAX_LINE_CHARS) {
          const cut = message.length - MAX_LINE_CHARS;
          message = `${message.slice(0, MAX_LINE_CHARS)}... [${cut} more characters]`;
        }
        post(stringify({ t: "log", i: inv.id, k: inv.kind, l: level, m: message }));
      };
    const timers = Object.create(null);
    const log = emit("info");
    return {
      log,
      info: log,
      warn: emit("warn"),
      error: emit("error"),
      debug: emit("debug"),
      trace: emit("debug"),
      dir: log,
      assert(condition, ...rest) {
        if (!condition) emit("error").apply(null, ["Assertion failed", ...rest]);
      },
      time(label = "default") {
        timers[label] = Date.now();
      },
      timeEnd(label = "default") {
        if (label in timers) {
          log(`${label}: ${Date.now() - timers[label]}ms`);
          delete timers[label];
        }
      },
      group: log,
      groupEnd() {},
      table: log,
    };
  }

  function makeTimers(inv) {
    const track = (id) => {
      inv.timers.push(id);
      return id;
    };
    return [
      (fn, ms, ...args) => track(G.setTimeout(bind(inv, fn), ms, ...args)),
      (fn, ms, ...args) => track(G.setInterval(bind(inv, fn), ms, ...args)),
      (fn, ...args) => track(G.setImmediate(bind(inv, fn), ...args)),
    ];
  }

  function clearTimers(inv) {
    for (const id of inv.timers) {
      G.clearTimeout(id);
      G.clearInterval(id);
    }
    inv.timers.length = 0;
  }

  function newInvocation(id, kind) {
    return { id, kind, done: false, cancelled: false, timers: [], started: Date.now(), lines: 0, dropped: 0 };
  }

  // The global console, for code outside a script's own scope (module facades, npm packages,
  // process.emitWarning): lines go to the invocation running now, or to none. Its cap for
  // lines outside any invocation is reset at every pump.
  const unattributed = newInvocation(null, null);
  Object.defineProperty(G, "console", {
    value: makeConsole(() => current || unattributed),
    writable: true,
    configurable: true,
    enumerable: false,
  });

  function start(spec) {
    const [id, kind, args] = spec;
    const inv = newInvocation(id, kind);
    invocations.set(id, inv);
    const callback = function (err, result) {
      finish(inv, err, result);
    };
    const [setTimeout, setInterval, setImmediate] = makeTimers(inv);
    within(inv, () => {
      const fn = factories[kind](makeConsole(inv), setTimeout, setInterval, setImmediate, G.require);
      args.push(callback);
      const returned = fn.apply(undefined, args);
      if (returned !== null && typeof returned === "object" && typeof returned.then === "function") {
        // An async script that rejects without calling back ends now, with that error.
        returned.then(undefined, (err) => uncaught(inv, err));
      }
    });
  }

  function deliver(entry) {
    const pending = pendingCalls.get(entry[0]);
    if (pending === undefined) return;
    pendingCalls.delete(entry[0]);
    const err = entry[1] ? toError(entry[1]) : null;
    within(pending.inv, () => pending.done(err, entry[2]));
  }

  function cancel(id) {
    const inv = invocations.get(id);
    if (inv === undefined) return;
    inv.done = true;
    inv.cancelled = true;
    invocations.delete(id);
    clearTimers(inv);
    reportDropped(inv);
  }

  function runDeferred() {
    for (let n = 0; n < MAX_DEFERRED && deferred.length > 0; n++) {
      const item = deferred.shift();
      within(item.inv, item.work);
    }
  }

  // Each item on its own: one that fails (a bug of ours) cannot hold up the others.
  function each(items, handle) {
    for (const item of items) {
      try {
        handle(item);
      } catch (err) {
        engineLog(null, "error", `scriptbridge could not process a pump item: ${safeText(err)}`);
      }
    }
  }

  // The compiled scripts, wrapped as factories so that console and timers are per-invocation
  // bindings; the script text is an expression that evaluates to its function (the name is
  // ignored: Auth0 binds scripts by position). Called by each script's own eval (runner._wrap).
  function define(kind, filename, firstLineOffset, factory) {
    if (adopted) throw new TypeError("scripts are defined at start-up only");
    firstLineOffsets.set(filename, firstLineOffset);
    // Anything a script does at top level (after its function) runs here, once per runner.
    const loading = newInvocation(null, kind);
    const noop = () => undefined;
    const probe = factory(makeConsole(loading), noop, noop, noop, G.require);
    if (typeof probe !== "function") {
      const got = probe === null ? "null" : typeof probe;
      throw new TypeError(`the ${kind} script must be a function, but its text evaluates to ${got}`);
    }
    factories[kind] = factory;
  }

  // A bridged module's facade, a CommonJS-style function(module, exports, require, host)
  // evaluated on first require(); its host object reaches only its own module's functions.
  function defineModule(name, factory) {
    const prefix = name + ".";
    const scoped = Object.freeze({
      call: (fn, args, done) => host.call(prefix + fn, args, done),
      promise: (fn, args) => host.promise(prefix + fn, args),
      defer: (work) => host.defer(work),
      callSync: (fn, args) => exchange(prefix + fn, args),
    });
    moduleFactories[name] = (module, exports, require) => factory(module, exports, require, scoped);
  }

  const bridge = Object.freeze({
    // The only entry point Python calls after start-up. input = [starts, deliveries, cancels].
    // The key is the runner's secret, so a script calling this gets nowhere. (Scripts share
    // this realm and could still subvert built-ins the bridge uses; every invocation on a
    // runner belongs to the same connection, whose scripts are one team's code.)
    pump(key, input) {
      if (runnerKey === null || key !== runnerKey) {
        throw new TypeError("__sb.pump is scriptbridge's own");
      }
      inEntry = true;
      bellRung = false;
      unattributed.lines = 0;
      try {
        each(input[2], cancel);
        each(input[1], deliver);
        each(input[0], start);
        runDeferred();
      } finally {
        inEntry = false;
      }
      if (deferred.length > 0) {
        // Past this pump's share: the bell brings the next pump.
        bellRung = true;
        hooks.bell();
      }
      const out = "[" + outbox.join(",") + "]";
      outbox.length = 0;
      return out;
    },

    // Start-up, end of the first step: the hooks object, once.
    hooks() {
      if (handedHooks) throw new TypeError("already handed over");
      handedHooks = true;
      hooks.shared = shared;
      return hooks;
    },

    // Start-up, second step: the connection adopts this runner. `modules` are [name, version,
    // facade source]; `globals` are [global name, module spec, method to call or null];
    // `scripts` are [kind, filename, wrapped source] (see runner._wrap).
    adopt(key, configuration, bufferBytes, timeout, modules, globals, scripts) {
      if (adopted || !handedHooks) throw new TypeError("not a blank runner");
      runnerKey = key;
      timeoutMs = timeout;
      boot.setBufferCap(bufferBytes);
      const frozen = Object.freeze(Object.assign(Object.create(null), configuration));
      Object.defineProperty(G, "configuration", { value: frozen, enumerable: false });
      for (const [name, version, source] of modules) {
        const factory = indirectEval(
          `(function (module, exports, require, host) {\n${source}\n})\n` +
            `//# sourceURL=node:internal/scriptbridge/modules/${name}`,
        );
        defineModule(name, factory);
        moduleVersions[name] = version;
      }
      // Globals that stand for modules (`request`, and with node12_globals Auth0's old magic
      // globals): each requires its module on first use.
      for (const [name, spec, call] of globals) {
        if (hasOwn.call(G, name)) continue;
        // Only for modules this connection has: a bridged one, or a package in node_modules.
        if (!(spec in moduleFactories) && exchange("modules.resolve", [spec, null]) === null) continue;
        Object.defineProperty(G, name, {
          configurable: true,
          enumerable: false,
          get() {
            let value = require(spec);
            if (call) value = value[call].bind(value);
            Object.defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });
            return value;
          },
          set(value) {
            Object.defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });
          },
        });
      }
      for (const [kind, , wrapped] of scripts) {
        try {
          indirectEval(wrapped);
        } catch (err) {
          throw new NativeError(`scriptbridge: the ${kind} script failed to load: ${safeText(err)}`);
        }
      }
      adopted = true;
    },

    define,
  });

  // Synchronous exchange with Python through the shared buffer: bytes 0-3 hold the answer's
  // length and 4-7 the request's (native byte order), in UTF-16 code units from byte 8 on.
  // Python writes the answer's length last, so 0xFFFFFFFF left there means nobody answered.
  const shared = new boot.UncountedSharedArrayBuffer(boot.syncBufferBytes);
  const lengths = new boot.Uint32Array(shared, 0, 2);
  const units = new boot.Uint16Array(shared, 8);
  function exchange(name, args) {
    const request = stringify([name, args]);
    if (request.length > units.length) {
      throw new RangeError(`synchronous host call ${name}: arguments too large`);
    }
    for (let i = 0; i < request.length; i++) units[i] = request.charCodeAt(i);
    lengths[1] = request.length;
    lengths[0] = 0xffffffff;
    hooks.sync();
    const length = lengths[0];
    if (length === 0xffffffff) {
      throw new NativeError(`synchronous host call ${name} was not answered`);
    }
    // Read code by code: subarray() would go through limits.js's typed-array constructors.
    let text = "";
    for (let i = 0; i < length; i++) text += fromCharCode(units[i]);
    const answer = parse(text);
    if (answer.e) throw toError(answer.e);
    return answer.v;
  }

  // The host-call interface behind module facades (never given to scripts directly).
  const host = {
    // Asynchronous: done(err, value) runs later, in a pump, attributed to the caller. After an
    // `await` the caller is unknown to JavaScript; when only one invocation is in flight on
    // this runner it can only be that one.
    call(name, args, done) {
      const id = nextCall++;
      let inv = current;
      if (inv === null && invocations.size === 1) inv = invocations.values().next().value;
      pendingCalls.set(id, { inv, done });
      post(stringify({ t: "call", c: id, i: inv ? inv.id : null, n: name, a: args }));
      return id;
    },
    // Runs work() later in this pump (or the next one), attributed as call's done is: for a
    // facade that can answer without Python, but must still answer asynchronously.
    defer(work) {
      let inv = current;
      if (inv === null && invocations.size === 1) inv = invocations.values().next().value;
      deferred.push({ inv, work });
      if (!inEntry && !bellRung) {
        bellRung = true;
        hooks.bell();
      }
    },
    promise(name, args) {
      return new Promise((resolve, reject) => {
        host.call(name, args, (err, value) => (err ? reject(err) : resolve(value)));
      });
    },
  };

  // Node's globals load on first use (boot.lazy: global -> prelude files, in order). Until then
  // each is an accessor; the file's own definition replaces it. A file that fails to load is
  // tried again on the next use.
  const loadedFiles = new Set();
  function loadFiles(files) {
    for (const file of files) {
      if (loadedFiles.has(file)) continue;
      const source = exchange("prelude.source", [file]);
      indirectEval(`${source}\n//# sourceURL=node:internal/scriptbridge/${file}`);
      loadedFiles.add(file);
    }
  }
  for (const name of Object.keys(boot.lazy)) {
    if (hasOwn.call(G, name)) continue;
    const files = boot.lazy[name];
    const accessor = {
      configurable: true,
      enumerable: false,
      get() {
        loadFiles(files);
        const now = Object.getOwnPropertyDescriptor(G, name);
        if (now && now.get === accessor.get) {
          throw new NativeError(`scriptbridge: loading ${files.join(", ")} did not define ${name}`);
        }
        return G[name];
      },
      set(value) {
        Object.defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });
      },
    };
    Object.defineProperty(G, name, accessor);
  }

  // require(): bridged modules first (registered at adopt), then pure-JavaScript packages
  // from the connection's node_modules directory, resolved and read by Python
  // (node/resolver.py) through the synchronous channel. `name@1.2.3` (Auth0's pinned form)
  // is accepted; the pin is ignored, with a warning once when it differs from the version of
  // the API the bridge follows.
  const moduleFactories = Object.create(null); // bridged module name -> factory
  const moduleVersions = Object.create(null); // bridged module name -> API version it follows
  const moduleCache = Object.create(null); // bridged name or file id -> module record
  const warnedPins = new Set();
  const PINNED = /^((?:@[^/@]+\/)?[^/@]+)@([^/]+)$/;

  function notFound(spec) {
    const provided = Object.keys(moduleFactories).sort();
    const err = new NativeError(
      `Cannot find module '${spec}'\n` +
        (provided.length
          ? `scriptbridge provides: ${provided.join(", ")}; other packages load from the ` +
            "connection's node_modules directory (setting node_modules)"
          : "scriptbridge provides no modules to this connection"),
    );
    err.code = "MODULE_NOT_FOUND";
    return err;
  }

  function loadBridged(name) {
    const module = { exports: {}, id: name, loaded: false };
    moduleCache[name] = module;
    try {
      moduleFactories[name](module, module.exports, require);
    } catch (err) {
      delete moduleCache[name];
      throw err;
    }
    module.loaded = true;
    return module.exports;
  }

  function loadFile(found) {
    const [id, source, isJson] = found;
    const cached = moduleCache["file:" + id];
    if (cached !== undefined) return cached.exports; // includes a cycle's partial exports
    const module = { exports: {}, id, filename: id, loaded: false, children: [] };
    moduleCache["file:" + id] = module;
    try {
      if (isJson) {
        module.exports = parse(source);
      } else {
        const wrapper = indirectEval(
          `(function (exports, require, module, __filename, __dirname) {${source}\n})\n` +
            `//# sourceURL=node_modules/${id}`,
        );
        const dirname = id.includes("/") ? id.slice(0, id.lastIndexOf("/")) : "";
        wrapper.call(module.exports, module.exports, requireFrom(id), module, id, dirname);
      }
    } catch (err) {
      delete moduleCache["file:" + id];
      throw err;
    }
    module.loaded = true;
    return module.exports;
  }

  function requireFrom(parent) {
    const local = function require(spec) {
      if (typeof spec !== "string") {
        const err = new TypeError(`The "id" argument must be of type string. Received ${safeText(spec)}`);
        err.code = "ERR_INVALID_ARG_TYPE";
        throw err;
      }
      let name = spec.startsWith("node:") ? spec.slice(5) : spec;
      const pinned = PINNED.exec(name);
      if (pinned !== null && pinned[1] in moduleFactories) {
        name = pinned[1];
        const follows = moduleVersions[name];
        if (follows && pinned[2].split(".")[0] !== follows.split(".")[0] && !warnedPins.has(spec)) {
          warnedPins.add(spec);
          engineLog(current, "warn", `require('${spec}'): scriptbridge provides ${name} with the API of version ${follows}, not ${pinned[2]}`);
        }
      }
      if (name in moduleFactories) {
        return name in moduleCache ? moduleCache[name].exports : loadBridged(name);
      }
      const wanted = pinned !== null ? pinned[1] : spec;
      const found = exchange("modules.resolve", [wanted, parent]);
      if (found === null) throw notFound(spec);
      return loadFile(found);
    };
    return local;
  }
  const require = requireFrom(null);
  Object.defineProperty(G, "require", { value: require, writable: true, configurable: true });

  Object.defineProperty(G, "__sb", { value: bridge });

  // Globals of Auth0's sandbox (`configuration` comes with adopt).
  Object.defineProperty(G, "global", { value: G, writable: true, configurable: true });

  function defineError(name, build) {
    const ctor = function (...args) {
      if (!(this instanceof ctor)) return new ctor(...args);
      const fields = build(...args);
      const self = Reflect.construct(NativeError, [fields.message], new.target || ctor);
      for (const key of Object.keys(fields)) {
        if (key !== "message") self[key] = fields[key];
      }
      NativeError.captureStackTrace(self, ctor);
      return self;
    };
    ctor.prototype = Object.create(NativeError.prototype, {
      constructor: { value: ctor, writable: true, configurable: true },
      name: { value: name, writable: true, configurable: true },
    });
    Object.defineProperty(ctor, "name", { value: name });
    Object.defineProperty(G, name, { value: ctor, writable: true, configurable: true });
  }
  const text = (value, fallback) => (value === undefined ? fallback : String(value));
  defineError("WrongUsernameOrPasswordError", (userNameOrEmail, message) => ({
    message: text(message, "Wrong email or password."),
    user_id: userNameOrEmail === undefined || userNameOrEmail === null ? null : String(userNameOrEmail),
  }));
  defineError("ValidationError", (code, message) => ({
    code: text(code, "validation_error"),
    message: text(message, text(code, "validation_error")),
  }));
  defineError("UnauthorizedError", (message) => ({
    code: "unauthorized",
    message: text(message, "Unauthorized"),
  }));
})();
