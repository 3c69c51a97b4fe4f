// require('util'): promisify, callbackify, format, inspect, deprecate, inherits,
// isDeepStrictEqual (from _comparisons.js, which precedes this file), types, the legacy
// is* checks, TextEncoder and TextDecoder. format and inspect are the prelude's, the ones the
// console uses. Differences from Node: debuglog never logs (there is no NODE_DEBUG), and
// types.isProxy, isExternal, isModuleNamespaceObject, isKeyObject and isCryptoKey are false.
'use strict';

const { format, formatWithOptions, inspect } = globalThis.__sb_util;
const { errors, types: brands } = globalThis.__sb_internals;

const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');

function promisify(original) {
  errors.validateFunction(original, 'original');
  if (original[kCustomPromisify]) {
    const custom = original[kCustomPromisify];
    if (typeof custom !== 'function') {
      throw errors.nodeError(
        TypeError, 'ERR_INVALID_ARG_TYPE',
        `The "util.promisify.custom" property must be of type function.${errors.received(custom)}`,
      );
    }
    return Object.defineProperty(custom, kCustomPromisify, {
      value: custom, enumerable: false, writable: false, configurable: true,
    });
  }
  // The promise settles with the callback's first two arguments: (error, value).
  function promisified(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [...args, (error, value) => {
        if (error) reject(error);
        else resolve(value);
      }]);
    });
  }
  Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
  Object.defineProperty(promisified, kCustomPromisify, {
    value: promisified, enumerable: false, writable: false, configurable: true,
  });
  Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
  return promisified;
}
promisify.custom = kCustomPromisify;

function callbackify(original) {
  errors.validateFunction(original, 'original');
  function callbackified(...args) {
    const last = args.pop();
    if (typeof last !== 'function') {
      throw errors.nodeError(
        TypeError, 'ERR_INVALID_ARG_TYPE',
        `The last argument must be of type function.${errors.received(last)}`,
      );
    }
    const callback = last.bind(this);
    Reflect.apply(original, this, args).then(
      (value) => process.nextTick(callback, null, value),
      (reason) => {
        if (!reason) {
          const wrapped = errors.nodeError(
            Error, 'ERR_FALSY_VALUE_REJECTION', 'Promise was rejected with falsy value',
          );
          wrapped.reason = reason;
          reason = wrapped;
        }
        process.nextTick(callback, reason);
      },
    );
  }
  const descriptors = Object.getOwnPropertyDescriptors(original);
  if (descriptors.length && typeof descriptors.length.value === 'number') {
    descriptors.length.value++;
  }
  if (descriptors.name && typeof descriptors.name.value === 'string') {
    descriptors.name.value += 'Callbackified';
  }
  Object.setPrototypeOf(callbackified, Object.getPrototypeOf(original));
  Object.defineProperties(callbackified, descriptors);
  return callbackified;
}

// Warnings of a deprecation code are emitted once, whichever function carries the code.
const warnedCodes = new Set();

function deprecate(fn, message, code) {
  errors.validateFunction(fn, 'fn');
  if (process.noDeprecation === true) return fn;
  let warned = false;
  function deprecated(...args) {
    if (!warned) {
      warned = true;
      if (code === undefined || !warnedCodes.has(code)) {
        if (code !== undefined) warnedCodes.add(code);
        if (typeof process.emitWarning === 'function') {
          process.emitWarning(message, 'DeprecationWarning', code);
        }
      }
    }
    return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
  }
  Object.setPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) {
    throw errors.invalidArgType('ctor', 'of type function', ctor);
  }
  if (superCtor === undefined || superCtor === null) {
    throw errors.invalidArgType('superCtor', 'of type function', superCtor);
  }
  if (superCtor.prototype === undefined) {
    throw errors.nodeError(
      TypeError, 'ERR_INVALID_ARG_TYPE',
      'The "superCtor.prototype" property must be of type object.' +
        errors.received(superCtor.prototype),
    );
  }
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

function isDeepStrictEqual(a, b) {
  return isDeepEqual(a, b, true);
}

// debuglog(section) gives a logger that is never enabled here.
function debuglog() {
  const logger = () => undefined;
  logger.enabled = false;
  return logger;
}

// ANSI escape sequences: CSI (colours, cursor moves), OSC (titles, links) and two-character
// escapes.
const ANSI = /[\u001b\u009b]\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

function stripVTControlCharacters(text) {
  if (typeof text !== 'string') throw errors.invalidArgType('str', 'of type string', text);
  return text.replace(ANSI, '');
}

function toUSVString(text) {
  return String(text).toWellFormed();
}

function extend(target, source) {
  if (source === null || typeof source !== 'object') return target;
  for (const key of Object.keys(source)) target[key] = source[key];
  return target;
}

// ---- util.types ---------------------------------------------------------------------------

const tagOf = (value) => Object.prototype.toString.call(value).slice(8, -1);
// The tag V8 gives objects of an internal kind, unless a toStringTag property overrides it.
const builtinTag = (value, tag) =>
  isObject(value) && tagOf(value) === tag && !(Symbol.toStringTag in value);
const isObject = (value) => value !== null && typeof value === 'object';
// kindOf names a built-in kind of object (or of primitive, which these checks exclude).
const kindIs = (kind) => (value) => isObject(value) && brands.kindOf(value) === kind;
const typedArrayIs = (name) => (value) => brands.typedArrayName(value) === name;
const functionTagIs = (...tags) => (value) =>
  typeof value === 'function' && tags.includes(tagOf(value));
const objectTagIs = (...tags) => (value) =>
  value !== null && typeof value === 'object' && tags.includes(tagOf(value));
const never = () => false;
const isNativeError = (value) =>
  typeof Error.isError === 'function' ? Error.isError(value) : builtinTag(value, 'Error');
const BOXED = ['Number', 'String', 'Boolean', 'BigInt', 'Symbol'];

const types = {
  isExternal: never,
  isDate: kindIs('Date'),
  isArgumentsObject: (value) => builtinTag(value, 'Arguments'),
  isBigIntObject: kindIs('BigInt'),
  isBooleanObject: kindIs('Boolean'),
  isNumberObject: kindIs('Number'),
  isStringObject: kindIs('String'),
  isSymbolObject: kindIs('Symbol'),
  isNativeError,
  isRegExp: kindIs('RegExp'),
  isAsyncFunction: functionTagIs('AsyncFunction', 'AsyncGeneratorFunction'),
  isGeneratorFunction: functionTagIs('GeneratorFunction', 'AsyncGeneratorFunction'),
  isGeneratorObject: objectTagIs('Generator', 'AsyncGenerator'),
  isPromise: kindIs('Promise'),
  isMap: kindIs('Map'),
  isSet: kindIs('Set'),
  isMapIterator: objectTagIs('Map Iterator'),
  isSetIterator: objectTagIs('Set Iterator'),
  isWeakMap: kindIs('WeakMap'),
  isWeakSet: kindIs('WeakSet'),
  isArrayBuffer: kindIs('ArrayBuffer'),
  isDataView: (value) => ArrayBuffer.isView(value) && brands.typedArrayName(value) === undefined,
  isSharedArrayBuffer: kindIs('SharedArrayBuffer'),
  isProxy: never,
  isModuleNamespaceObject: never,
  isAnyArrayBuffer: (value) => isObject(value) && brands.kindOf(value).endsWith('ArrayBuffer'),
  isBoxedPrimitive: (value) => isObject(value) && BOXED.includes(brands.kindOf(value)),
  isArrayBufferView: (value) => ArrayBuffer.isView(value),
  isTypedArray: (value) => brands.typedArrayName(value) !== undefined,
  isUint8Array: typedArrayIs('Uint8Array'),
  isUint8ClampedArray: typedArrayIs('Uint8ClampedArray'),
  isUint16Array: typedArrayIs('Uint16Array'),
  isUint32Array: typedArrayIs('Uint32Array'),
  isInt8Array: typedArrayIs('Int8Array'),
  isInt16Array: typedArrayIs('Int16Array'),
  isInt32Array: typedArrayIs('Int32Array'),
  isFloat32Array: typedArrayIs('Float32Array'),
  isFloat64Array: typedArrayIs('Float64Array'),
  isBigInt64Array: typedArrayIs('BigInt64Array'),
  isBigUint64Array: typedArrayIs('BigUint64Array'),
  isKeyObject: never,
  isCryptoKey: never,
};

module.exports = {
  callbackify,
  debuglog,
  debug: debuglog,
  deprecate,
  format,
  formatWithOptions,
  inherits,
  inspect,
  isDeepStrictEqual,
  promisify,
  stripVTControlCharacters,
  toUSVString,
  types,
  _extend: extend,
  // The legacy checks Node still exports.
  isArray: Array.isArray,
  isBoolean: (value) => typeof value === 'boolean',
  isBuffer: (value) => Buffer.isBuffer(value),
  isNull: (value) => value === null,
  isNullOrUndefined: (value) => value === null || value === undefined,
  isNumber: (value) => typeof value === 'number',
  isString: (value) => typeof value === 'string',
  isSymbol: (value) => typeof value === 'symbol',
  isUndefined: (value) => value === undefined,
  isRegExp: types.isRegExp,
  isObject,
  isDate: types.isDate,
  isError: (value) => isNativeError(value) || value instanceof Error,
  isFunction: (value) => typeof value === 'function',
  isPrimitive: (value) => value === null || (typeof value !== 'object' && typeof value !== 'function'),
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
};
