// util.format, on inspect.js. Defines (hidden): __sb_format(args), which the engine's console
// calls, and __sb_util = {format, formatWithOptions, inspect} for a future require('util').
(function () {
  'use strict';

  const { defineGlobal, builtinNames, inspect } = globalThis.__sb_internals;
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  // %s prints objects with inspect unless they bring their own toString.
  function hasBuiltinToString(value) {
    if (typeof value.toString !== 'function') return true;
    if (hasOwn(value, 'toString')) return false;
    let owner = value;
    do {
      owner = Object.getPrototypeOf(owner);
    } while (!hasOwn(owner, 'toString'));
    const descriptor = Object.getOwnPropertyDescriptor(owner, 'constructor');
    return descriptor !== undefined && typeof descriptor.value === 'function' &&
      builtinNames.has(descriptor.value.name);
  }

  function toJSON(value) {
    try {
      const json = JSON.stringify(value);
      return json === undefined ? 'undefined' : json;
    } catch (error) {
      if (/circular/i.test(error.message)) return '[Circular]';
      throw error;
    }
  }

  const SPECIFIERS = {
    s: (value, options) => {
      if (typeof value === 'number' || typeof value === 'bigint') return inspect(value);
      if (value !== null && typeof value === 'object' && hasBuiltinToString(value)) {
        return inspect(value, { ...options, depth: 0, colors: false, compact: 3 });
      }
      return String(value);
    },
    // Numbers print as inspect prints them (-0 included); symbols are NaN.
    d: (value) => inspect(typeof value === 'bigint' ? value
      : typeof value === 'symbol' ? NaN : Number(value)),
    i: (value) => inspect(typeof value === 'bigint' ? value
      : typeof value === 'symbol' ? NaN : parseInt(value)),
    f: (value) => inspect(typeof value === 'symbol' ? NaN : parseFloat(value)),
    j: (value) => toJSON(value),
    o: (value, options) =>
      inspect(value, { ...options, showHidden: true, showProxy: true, depth: 4 }),
    O: (value, options) => inspect(value, options),
    c: () => '',
  };

  // A leading format string takes one argument per specifier (%% takes none; a specifier with
  // no argument left stays as written); the rest follow, separated by spaces, strings as they
  // are and anything else through inspect.
  function formatWithOptions(options, ...args) {
    const first = args[0];
    let next = 0;
    let out = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first;
      next = 1;
      let copied = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first[i] !== '%') continue;
        const letter = first[++i];
        let text;
        if (letter === '%') {
          text = '%';
        } else if (next < args.length && hasOwn(SPECIFIERS, letter)) {
          text = SPECIFIERS[letter](args[next++], options);
        } else {
          continue;
        }
        out += first.slice(copied, i - 1) + text;
        copied = i + 1;
      }
      out += first.slice(copied);
    }
    for (; next < args.length; next++) {
      const value = args[next];
      out += (next === 0 ? '' : ' ') +
        (typeof value === 'string' ? value : inspect(value, options));
    }
    return out;
  }

  function format(...args) {
    return formatWithOptions({}, ...args);
  }

  defineGlobal('__sb_format', (args) => formatWithOptions({}, ...args));
  defineGlobal('__sb_util', Object.freeze({ format, formatWithOptions, inspect }));
})();
