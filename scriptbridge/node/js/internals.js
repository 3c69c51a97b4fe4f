// Runs first. Defines the global DOMException and the hidden `__sb_internals` namespace that
// the other prelude files share: `defineGlobal`, Node-style `errors` and brand checks (`types`)
// here, `codec` from codec.js and `inspect` from inspect.js. Files keep a reference to the
// namespace, so the engine may delete the global once the prelude has run.
(function () {
  'use strict';

  // The V8 built-in constructors, named before the prelude adds its own globals (those the
  // engine will load on demand are accessors until then, and are left out). util.format's
  // %s prints objects whose toString comes from one of these with inspect, as Node does.
  const builtinNames = new Set(
    Object.getOwnPropertyNames(globalThis).filter(
      (name) =>
        /^[A-Z][a-zA-Z0-9]+$/.test(name) &&
        !Object.getOwnPropertyDescriptor(globalThis, name).get,
    ),
  );

  // Non-enumerable like Node's globals, and replaceable by scripts (`global.fetch = ...`).
  function defineGlobal(name, value) {
    const existing = Object.getOwnPropertyDescriptor(globalThis, name);
    if (existing && !existing.configurable) {
      globalThis[name] = value; // a `var` from mini-racer's own setup, e.g. setTimeout
      return;
    }
    Object.defineProperty(globalThis, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  // Legacy numeric codes the WebIDL spec assigns to DOMException names.
  const LEGACY_CODES = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4,
    InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
    NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
    InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
    InvalidNodeTypeError: 24, DataCloneError: 25,
  };

  class DOMException extends Error {
    // new DOMException(message, name) or new DOMException(message, {name, cause}).
    constructor(message = '', options = 'Error') {
      super(String(message));
      let name = options;
      if (options !== null && typeof options === 'object') {
        name = 'name' in options ? options.name : 'Error';
        if ('cause' in options) {
          Object.defineProperty(this, 'cause', {
            value: options.cause, writable: true, configurable: true, enumerable: false,
          });
        }
      }
      Object.defineProperty(this, 'name', {
        value: String(name), writable: true, configurable: true, enumerable: false,
      });
    }

    get code() {
      return Object.prototype.hasOwnProperty.call(LEGACY_CODES, this.name)
        ? LEGACY_CODES[this.name] : 0;
    }

    get [Symbol.toStringTag]() {
      return 'DOMException';
    }
  }

  // Node's errors are the standard types with a `code` property, e.g. ERR_INVALID_ARG_TYPE.
  function nodeError(Type, code, message) {
    const error = new Type(message);
    error.code = code;
    return error;
  }

  // Node writes integers above 2 ** 32 in received values with `_` separators.
  function withSeparators(value) {
    const magnitude = value < 0 ? -value : value;
    let digits = String(magnitude);
    if (magnitude > 2 ** 32 && /^\d+$/.test(digits)) {
      digits = digits.replace(/\B(?=(\d{3})+$)/g, '_');
    }
    return `${value < 0 ? '-' : ''}${digits}${typeof value === 'bigint' ? 'n' : ''}`;
  }

  const internals = { defineGlobal, builtinNames };

  // The "Received ..." tail of Node's argument errors.
  function received(value) {
    if (value === null || value === undefined) {
      return ` Received ${value}`;
    }
    if (typeof value === 'function') {
      return ` Received function ${value.name}`;
    }
    const inspect = internals.inspect; // set by inspect.js, which runs last
    if (typeof value === 'object') {
      const name = value.constructor && value.constructor.name;
      if (name) {
        return ` Received an instance of ${name}`;
      }
      return ` Received ${inspect ? inspect(value, { depth: -1 }) : String(value)}`;
    }
    let shown = inspect ? inspect(value) : String(value);
    if (shown.length > 28) {
      shown = `${shown.slice(0, 25)}...`;
    }
    return ` Received type ${typeof value} (${shown})`;
  }

  function invalidArgType(name, expected, value) {
    return nodeError(
      TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "${name}" argument must be ${expected}.${received(value)}`,
    );
  }

  function outOfRange(name, range, value) {
    const shown = typeof value === 'number' || typeof value === 'bigint'
      ? withSeparators(value) : String(value);
    return nodeError(
      RangeError, 'ERR_OUT_OF_RANGE',
      `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`,
    );
  }

  // `names` as Node words them: '"url" argument', '"name" and "value" arguments'.
  function missingArgs(names) {
    return nodeError(TypeError, 'ERR_MISSING_ARGS', `The ${names} must be specified`);
  }

  function validateFunction(value, name) {
    if (typeof value !== 'function') {
      throw invalidArgType(name, 'of type function', value);
    }
  }

  // Brand checks that hold whichever constructor made the value (the engine replaces
  // ArrayBuffer and the typed arrays with size-capped subclasses, and toStringTag can lie).
  function builtinGetter(object, key) {
    while (!Object.prototype.hasOwnProperty.call(object, key)) {
      object = Object.getPrototypeOf(object); // past any subclass, to the built-in prototype
    }
    return Object.getOwnPropertyDescriptor(object, key).get;
  }
  const typedArrayName = builtinGetter(Int8Array.prototype, Symbol.toStringTag);

  // True when calling the built-in `method` on `value` does not throw.
  function hasBrand(method, value, ...args) {
    try {
      method.call(value, ...args);
      return true;
    } catch {
      return false;
    }
  }

  // For each built-in kind, a method that throws for any object not of that kind.
  const BRANDS = new Map([
    ['Map', builtinGetter(Map.prototype, 'size')],
    ['Set', builtinGetter(Set.prototype, 'size')],
    ['WeakMap', WeakMap.prototype.has],
    ['WeakSet', WeakSet.prototype.has],
    ['WeakRef', WeakRef.prototype.deref],
    ['FinalizationRegistry', FinalizationRegistry.prototype.unregister],
    ['Date', Date.prototype.getTime],
    ['RegExp', builtinGetter(RegExp.prototype, 'source')],
    ['ArrayBuffer', builtinGetter(ArrayBuffer.prototype, 'byteLength')],
    ['SharedArrayBuffer', builtinGetter(SharedArrayBuffer.prototype, 'byteLength')],
    ['Boolean', Boolean.prototype.valueOf],
    ['Number', Number.prototype.valueOf],
    ['String', String.prototype.valueOf],
    ['BigInt', BigInt.prototype.valueOf],
    ['Symbol', Symbol.prototype.valueOf],
  ]);

  // The built-in kind of an object ('Map', 'Date', 'Number', 'Promise', ...) or '' for an
  // ordinary one. The tag names the candidate and the brand confirms it, so ordinary objects
  // cost no exception. A built-in whose toStringTag was replaced counts as ordinary.
  function kindOf(value) {
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    const brand = BRANDS.get(tag);
    if (brand !== undefined) return hasBrand(brand, value, {}) ? tag : '';
    return tag === 'Promise' && value instanceof Promise ? tag : '';
  }

  const types = Object.freeze({
    kindOf,
    // 'Uint8Array', 'Float64Array', ... for typed arrays (Buffers included), else undefined.
    typedArrayName: (value) => typedArrayName.call(value),
    isUint8Array: (value) => typedArrayName.call(value) === 'Uint8Array',
    isArrayBuffer: (value) => kindOf(value) === 'ArrayBuffer',
    isAnyArrayBuffer: (value) => kindOf(value).endsWith('ArrayBuffer'),
  });

  internals.errors = Object.freeze({
    nodeError, received, invalidArgType, outOfRange, missingArgs, validateFunction,
  });
  internals.types = types;
  defineGlobal('DOMException', DOMException);
  defineGlobal('__sb_internals', internals);
})();
