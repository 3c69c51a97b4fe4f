// structuredClone, following the HTML structured clone algorithm as V8 implements it for Node.
// Defines: structuredClone.
(function () {
  'use strict';

  const { defineGlobal, errors, types } = globalThis.__sb_internals;
  const isError = Error.isError || ((value) => value instanceof Error);

  // Error types a clone keeps; any other name comes back as a plain Error.
  const ERROR_TYPES = {
    Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
  };
  const UNCLONEABLE = new Set(['WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Promise']);
  const WRAPPERS = { Boolean, Number, String, BigInt };

  function dataCloneError(message) {
    return new DOMException(message, 'DataCloneError');
  }

  function cloneError(value, memory) {
    const name = value.name;
    const known = Object.prototype.hasOwnProperty.call(ERROR_TYPES, name);
    const Type = known ? ERROR_TYPES[name] : Error;
    const message = Object.getOwnPropertyDescriptor(value, 'message');
    const clone = message && 'value' in message ? new Type(String(message.value)) : new Type();
    memory.set(value, clone);
    const stack = value.stack;
    Object.defineProperty(clone, 'stack', {
      value: typeof stack === 'string' ? stack : undefined,
      writable: true, configurable: true, enumerable: false,
    });
    if (Object.prototype.hasOwnProperty.call(value, 'cause')) {
      Object.defineProperty(clone, 'cause', {
        value: cloneValue(value.cause, memory),
        writable: true, configurable: true, enumerable: false,
      });
    }
    return clone;
  }

  // Arrays keep their length (and holes); objects of any class become plain objects. Only own
  // enumerable string keys are copied, so symbols and prototypes are left behind.
  function cloneProperties(value, clone, memory) {
    memory.set(value, clone);
    for (const key of Object.keys(value)) {
      if (Object.prototype.hasOwnProperty.call(value, key)) {
        clone[key] = cloneValue(value[key], memory);
      }
    }
    return clone;
  }

  function cloneView(value, memory) {
    const buffer = cloneValue(value.buffer, memory);
    const name = types.typedArrayName(value);
    // A Buffer comes back as a plain Uint8Array, as in Node.
    return name === undefined
      ? new DataView(buffer, value.byteOffset, value.byteLength)
      : new globalThis[name](buffer, value.byteOffset, value.length);
  }

  function cloneObject(value, memory) {
    const kind = types.kindOf(value);
    if (Object.prototype.hasOwnProperty.call(WRAPPERS, kind)) {
      return Object(WRAPPERS[kind].prototype.valueOf.call(value));
    }
    switch (kind) {
      case 'Symbol': throw dataCloneError('[object Symbol] could not be cloned.');
      case 'Date': return new Date(Date.prototype.getTime.call(value));
      case 'RegExp': return new RegExp(value.source, value.flags);
      case 'ArrayBuffer': return ArrayBuffer.prototype.slice.call(value, 0);
      case 'SharedArrayBuffer': return value; // shared memory stays shared
      case 'Map': {
        const clone = new Map();
        memory.set(value, clone);
        for (const [key, item] of Array.from(Map.prototype.entries.call(value))) {
          clone.set(cloneValue(key, memory), cloneValue(item, memory));
        }
        return clone;
      }
      case 'Set': {
        const clone = new Set();
        memory.set(value, clone);
        for (const item of Array.from(Set.prototype.values.call(value))) {
          clone.add(cloneValue(item, memory));
        }
        return clone;
      }
      default:
        if (UNCLONEABLE.has(kind)) throw dataCloneError(`#<${kind}> could not be cloned.`);
    }
    if (ArrayBuffer.isView(value)) return cloneView(value, memory);
    if (isError(value)) return cloneError(value, memory);
    if (Array.isArray(value)) return cloneProperties(value, new Array(value.length), memory);
    return cloneProperties(value, {}, memory);
  }

  // `memory` maps each original object to its clone, so cycles and shared references survive.
  function cloneValue(value, memory) {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw dataCloneError(`${String(value)} could not be cloned.`);
    }
    if (value === null || typeof value !== 'object') return value;
    if (memory.has(value)) return memory.get(value);
    const clone = cloneObject(value, memory);
    memory.set(value, clone);
    return clone;
  }

  // Transferred ArrayBuffers are copied, then detached from the caller, as after a transfer.
  function transferList(options) {
    if (options === undefined || options === null) return [];
    if (typeof options !== 'object') {
      throw new TypeError('The options argument must be either an object or undefined');
    }
    const transfer = options.transfer;
    if (transfer === undefined) return [];
    if (transfer === null || typeof transfer[Symbol.iterator] !== 'function') {
      throw new TypeError('Optional transferList argument must be an iterable');
    }
    const list = Array.from(transfer);
    list.forEach((item, i) => {
      if (!types.isArrayBuffer(item)) throw new TypeError('Found invalid object in transferList');
      if (list.indexOf(item) !== i) {
        throw dataCloneError('Transfer list contains duplicate ArrayBuffer');
      }
    });
    return list;
  }

  function structuredClone(value, options) {
    if (arguments.length === 0) throw errors.missingArgs('value argument'); // sic: no quotes
    const transfer = transferList(options);
    const clone = cloneValue(value, new Map());
    for (const buffer of transfer) {
      ArrayBuffer.prototype.transfer.call(buffer); // detaches it
    }
    return clone;
  }

  defineGlobal('structuredClone', structuredClone);
})();
