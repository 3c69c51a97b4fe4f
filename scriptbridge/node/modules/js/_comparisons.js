// Deep equality as Node's util and assert compare values. Not a module of its own: util's and
// assert's sources start with this file (see pure.py), which defines `isDeepEqual(a, b,
// strict)`: strict is util.isDeepStrictEqual and assert.deepStrictEqual, loose assert.deepEqual.
//
// Strict: primitives by Object.is, objects need the same prototype, enumerable symbol keys
// count. Loose: primitives by ==, prototypes ignored, NaN equals NaN. Both: the same
// Object.prototype.toString tag, the same own enumerable keys with deep-equal values, and
// by kind: dates by time, regular expressions by source, flags and lastIndex, errors by name,
// message, cause and errors, typed arrays by bytes (loose float arrays by ==), sets and maps
// by one-to-one deep matching, boxed primitives by value. A pair met again while it is being
// compared (a cycle) counts as equal.
'use strict';

const isDeepEqual = (() => {
  void globalThis.__sb_util; // loads the prelude's shared internals
  const { types } = globalThis.__sb_internals;
  const tagOf = (value) => Object.prototype.toString.call(value);
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const isEnumerable = (object, key) => Object.prototype.propertyIsEnumerable.call(object, key);
  const isIndex = (key) => /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
  const isError = (value) => Error.isError ? Error.isError(value) : value instanceof Error;
  const BOXED = new Set(['Number', 'String', 'Boolean', 'BigInt', 'Symbol']);

  function equal(a, b, strict, stack) {
    if (a === b) return a !== 0 || !strict || Object.is(a, b);
    if (strict) {
      if (typeof a !== 'object') return typeof a === 'number' && a !== a && b !== b;
      if (typeof b !== 'object' || a === null || b === null) return false;
      if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    } else {
      if (a === null || typeof a !== 'object') {
        return (b === null || typeof b !== 'object') && (a == b || (a !== a && b !== b));
      }
      if (b === null || typeof b !== 'object') return false;
    }
    for (const [x, y] of stack) {
      if (x === a && y === b) return true;
    }
    stack.push([a, b]);
    try {
      return objectsEqual(a, b, strict, stack);
    } finally {
      stack.pop();
    }
  }

  // Own enumerable keys; symbols only when strict, array indices left out when asked.
  function keysOf(object, strict, skipIndices) {
    let keys = Object.keys(object);
    if (skipIndices) keys = keys.filter((key) => !isIndex(key));
    if (strict) {
      for (const symbol of Object.getOwnPropertySymbols(object)) {
        if (isEnumerable(object, symbol)) keys.push(symbol);
      }
    }
    return keys;
  }

  function propertiesEqual(a, b, strict, stack, skipIndices) {
    const keys = keysOf(a, strict, skipIndices);
    if (keys.length !== keysOf(b, strict, skipIndices).length) return false;
    return keys.every((key) => isEnumerable(b, key)) &&
      keys.every((key) => equal(a[key], b[key], strict, stack));
  }

  function elementsEqual(a, b, strict, stack) {
    for (let i = 0; i < a.length; i++) {
      const present = hasOwn(a, i);
      if (present !== hasOwn(b, i)) return false;
      if (present && !equal(a[i], b[i], strict, stack)) return false;
    }
    return true;
  }

  function bytesEqual(a, b) {
    if (a.byteLength !== b.byteLength) return false;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) return false;
    }
    return true;
  }

  const bytesOfView = (view) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

  function viewsEqual(a, b, strict) {
    const name = types.typedArrayName(a);
    if (!strict && (name === 'Float32Array' || name === 'Float64Array')) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) return false;
      }
      return true;
    }
    return bytesEqual(bytesOfView(a), bytesOfView(b));
  }

  // Items of `a` that `b` lacks must each deep-equal a different item `b` has and `a` lacks.
  function setsEqual(a, b, strict, stack) {
    const unmatched = [...a].filter((item) => !b.has(item));
    for (const item of b) {
      if (a.has(item)) continue;
      const at = unmatched.findIndex((candidate) => equal(candidate, item, strict, stack));
      if (at === -1) return false;
      unmatched.splice(at, 1);
    }
    return unmatched.length === 0;
  }

  // Likewise for entries: a key both maps have needs deep-equal values; the other entries
  // are matched one to one by deep-equal key and value.
  function mapsEqual(a, b, strict, stack) {
    const matches = (map, key, value) =>
      map.has(key) && equal(value, map.get(key), strict, stack);
    const unmatched = [...a].filter(([key, value]) => !matches(b, key, value));
    for (const [key, value] of b) {
      if (a.has(key) && equal(a.get(key), value, strict, stack)) continue;
      const at = unmatched.findIndex(([k, v]) =>
        equal(k, key, strict, stack) && equal(v, value, strict, stack));
      if (at === -1) return false;
      unmatched.splice(at, 1);
    }
    return unmatched.length === 0;
  }

  function errorsEqual(a, b, strict, stack) {
    if (!isError(b) || a.message !== b.message || a.name !== b.name) return false;
    for (const key of ['cause', 'errors']) {
      if (hasOwn(a, key) !== hasOwn(b, key)) return false;
      if (hasOwn(a, key) && !equal(a[key], b[key], strict, stack)) return false;
    }
    return true;
  }

  function objectsEqual(a, b, strict, stack) {
    const tag = tagOf(a);
    if (tag !== tagOf(b)) return false;
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
      return propertiesEqual(a, b, strict, stack, true) && elementsEqual(a, b, strict, stack);
    }
    if (tag === '[object Object]') return propertiesEqual(a, b, strict, stack, false);
    const kind = types.kindOf(a);
    const kindOfB = types.kindOf(b);
    if (kind === 'Date') {
      if (kindOfB !== 'Date' || a.getTime() !== b.getTime()) return false;
    } else if (kind === 'RegExp') {
      if (kindOfB !== 'RegExp' || a.source !== b.source || a.flags !== b.flags ||
          a.lastIndex !== b.lastIndex) {
        return false;
      }
    } else if (isError(a) || a instanceof Error) {
      if (!errorsEqual(a, b, strict, stack)) return false;
    } else if (ArrayBuffer.isView(a)) {
      if (!ArrayBuffer.isView(b) || !viewsEqual(a, b, strict)) return false;
      return propertiesEqual(a, b, strict, stack, true);
    } else if (kind === 'Set' || kind === 'Map') {
      if (kindOfB !== kind || a.size !== b.size) return false;
      if (!(kind === 'Set' ? setsEqual : mapsEqual)(a, b, strict, stack)) return false;
    } else if (kind.endsWith('ArrayBuffer')) {
      if (kindOfB !== kind || !bytesEqual(new Uint8Array(a), new Uint8Array(b))) return false;
    } else if (BOXED.has(kind)) {
      if (kindOfB !== kind || !Object.is(a.valueOf(), b.valueOf())) return false;
    } else if (kindOfB !== kind || Array.isArray(b) || ArrayBuffer.isView(b) || isError(b)) {
      return false;
    }
    return propertiesEqual(a, b, strict, stack, false);
  }

  return (a, b, strict) => equal(a, b, strict, []);
})();
