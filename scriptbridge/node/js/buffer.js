// Node's Buffer: a Uint8Array subclass with Node's encodings (codec.js) and byte helpers.
// Defines: Buffer.
(function () {
  'use strict';

  const { defineGlobal, errors, codec, types } = globalThis.__sb_internals;
  // Taken now, not earlier: the engine may have installed a size-capped Uint8Array.
  const Base = globalThis.Uint8Array;
  const MAX_LENGTH = 2 ** 32; // buffer.constants.MAX_LENGTH on 64-bit Node 18
  const INSPECT_MAX_BYTES = 50;
  const BYTES = 'an instance of Buffer or Uint8Array';

  // A function rather than a class so that the legacy `Buffer(x)` works without `new`.
  // Typed-array methods that make new arrays (subarray, map, filter) call it through
  // Symbol.species with (length) or (arrayBuffer, byteOffset, length).
  function Buffer(value, encodingOrOffset, length) {
    if (typeof value === 'number') {
      return Buffer.alloc(value); // Node zero-fills `new Buffer(n)`
    }
    return Buffer.from(value, encodingOrOffset, length);
  }
  Object.setPrototypeOf(Buffer, Base);
  Buffer.prototype = Object.create(Base.prototype, {
    constructor: { value: Buffer, writable: true, configurable: true },
  });

  // A Base instance whose prototype is Buffer.prototype.
  function make(...args) {
    return Reflect.construct(Base, args, Buffer);
  }

  const isBytes = types.isUint8Array;
  const isArrayBuffer = types.isAnyArrayBuffer;

  function outOfBounds(message) {
    return errors.nodeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', message);
  }

  function fromString(text, encoding) {
    const bytes = codec.encode(text, typeof encoding === 'string' ? encoding : 'utf8');
    return make(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  // Buffer.from(arrayBuffer, byteOffset?, length?) shares the memory.
  function fromArrayBuffer(arrayBuffer, byteOffset, length) {
    const offset = byteOffset === undefined ? 0 : +byteOffset || 0;
    const available = arrayBuffer.byteLength - offset;
    if (available < 0) {
      throw outOfBounds('"offset" is outside of buffer bounds');
    }
    let size = length === undefined ? available : +length || 0;
    if (size > available) {
      throw outOfBounds('"length" is outside of buffer bounds');
    }
    size = Math.max(size, 0);
    return make(arrayBuffer, offset, size);
  }

  Buffer.from = function from(value, encodingOrOffset, length) {
    if (typeof value === 'string') {
      return fromString(value, encodingOrOffset);
    }
    if (value !== null && typeof value === 'object') {
      if (isArrayBuffer(value)) {
        return fromArrayBuffer(value, encodingOrOffset, length);
      }
      const primitive = value.valueOf && value.valueOf();
      if (primitive != null && primitive !== value &&
          (typeof primitive === 'string' || typeof primitive === 'object')) {
        return Buffer.from(primitive, encodingOrOffset, length);
      }
      if (isBytes(value)) {
        const copy = make(value.length);
        copy.set(value);
        return copy;
      }
      if (value.length !== undefined || isArrayBuffer(value.buffer)) {
        return typeof value.length === 'number' ? make(value) : make(0);
      }
      if (value.type === 'Buffer' && Array.isArray(value.data)) {
        return make(value.data);
      }
      if (typeof value[Symbol.toPrimitive] === 'function') {
        const text = value[Symbol.toPrimitive]('string');
        if (typeof text === 'string') {
          return fromString(text, encodingOrOffset);
        }
      }
    }
    if (typeof value === 'number') {
      throw errors.nodeError(
        TypeError, 'ERR_INVALID_ARG_TYPE',
        `The "value" argument must not be of type number.${errors.received(value)}`,
      );
    }
    throw errors.nodeError(
      TypeError, 'ERR_INVALID_ARG_TYPE',
      'The first argument must be of type string or an instance of Buffer, ArrayBuffer, ' +
        `or Array or an Array-like Object.${errors.received(value)}`,
    );
  };

  function validateSize(size) {
    if (typeof size !== 'number') throw errors.invalidArgType('size', 'of type number', size);
    if (!(size >= 0 && size <= MAX_LENGTH)) {
      throw errors.outOfRange('size', `>= 0 && <= ${MAX_LENGTH}`, size);
    }
  }

  Buffer.alloc = function alloc(size, fill, encoding) {
    validateSize(size);
    const buffer = make(size);
    if (fill !== undefined && fill !== 0 && size > 0) {
      buffer.fill(fill, encoding);
    }
    return buffer;
  };

  // Unlike Node, memory is always zeroed: there is no pool of stale bytes to hand out.
  Buffer.allocUnsafe = function allocUnsafe(size) {
    validateSize(size);
    return make(size);
  };
  Buffer.allocUnsafeSlow = Buffer.allocUnsafe;
  Buffer.poolSize = 8192;

  Buffer.isBuffer = function isBuffer(value) {
    return value instanceof Buffer;
  };

  Buffer.isEncoding = function isEncoding(encoding) {
    return typeof encoding === 'string' && encoding.length > 0 &&
      codec.normalizeEncoding(encoding) !== undefined;
  };

  // An unknown encoding counts as utf8 here, as in Node.
  Buffer.byteLength = function byteLength(value, encoding) {
    if (isArrayBuffer(value) || ArrayBuffer.isView(value)) {
      return value.byteLength;
    }
    if (typeof value !== 'string') {
      throw errors.invalidArgType(
        'string', 'of type string or an instance of Buffer or ArrayBuffer', value,
      );
    }
    return codec.byteLength(value, codec.normalizeEncoding(encoding) || 'utf8');
  };

  function compareBytes(a, aStart, aEnd, b, bStart, bEnd) {
    const length = Math.min(aEnd - aStart, bEnd - bStart);
    for (let i = 0; i < length; i++) {
      if (a[aStart + i] !== b[bStart + i]) {
        return a[aStart + i] < b[bStart + i] ? -1 : 1;
      }
    }
    const difference = (aEnd - aStart) - (bEnd - bStart);
    return difference === 0 ? 0 : difference < 0 ? -1 : 1;
  }

  Buffer.compare = function compare(buf1, buf2) {
    if (!isBytes(buf1)) throw errors.invalidArgType('buf1', BYTES, buf1);
    if (!isBytes(buf2)) throw errors.invalidArgType('buf2', BYTES, buf2);
    return compareBytes(buf1, 0, buf1.length, buf2, 0, buf2.length);
  };

  // With totalLength the result is cut short or zero-padded to exactly that length.
  Buffer.concat = function concat(list, totalLength) {
    if (!Array.isArray(list)) {
      throw errors.invalidArgType('list', 'an instance of Array', list);
    }
    list.forEach((item, i) => {
      if (!isBytes(item)) throw errors.invalidArgType(`list[${i}]`, BYTES, item);
    });
    const total = totalLength === undefined
      ? list.reduce((sum, item) => sum + item.length, 0)
      : checkInteger(totalLength, 'length', 0, MAX_LENGTH);
    const result = make(total);
    let at = 0;
    for (const item of list) {
      if (at >= total) break;
      result.set(item.subarray(0, total - at), at);
      at += item.length;
    }
    return result;
  };

  // ---- Argument checks shared by the methods ----------------------------------------------

  function checkInteger(value, name, min, max, and = '&&') {
    if (typeof value !== 'number') {
      throw errors.invalidArgType(name, 'of type number', value);
    }
    if (!Number.isInteger(value)) {
      throw errors.outOfRange(name, 'an integer', value);
    }
    if (value < min || value > max) {
      throw errors.outOfRange(name, `>= ${min} ${and} <= ${max}`, value);
    }
    return value;
  }

  // The offset check of the read*/write* methods, with Node's two messages.
  function checkAccess(buffer, offset, size) {
    if (typeof offset !== 'number') {
      throw errors.invalidArgType('offset', 'of type number', offset);
    }
    if (!Number.isInteger(offset)) {
      throw errors.outOfRange('offset', 'an integer', offset);
    }
    if (offset < 0 || offset + size > buffer.length) {
      if (buffer.length < size) {
        throw outOfBounds('Attempt to access memory outside buffer bounds');
      }
      throw errors.outOfRange('offset', `>= 0 and <= ${buffer.length - size}`, offset);
    }
  }

  // ---- Instance methods -------------------------------------------------------------------

  const methods = {
    toString(encoding, start, end) {
      const from = start === undefined || start <= 0 ? 0 : Math.trunc(start) || 0;
      const to = end === undefined || end > this.length ? this.length : Math.trunc(end) || 0;
      if (to <= from) {
        return '';
      }
      return codec.decode(this, encoding === undefined ? 'utf8' : encoding, from, to);
    },

    equals(otherBuffer) {
      if (!isBytes(otherBuffer)) throw errors.invalidArgType('otherBuffer', BYTES, otherBuffer);
      return compareBytes(this, 0, this.length, otherBuffer, 0, otherBuffer.length) === 0;
    },

    compare(target, targetStart = 0, targetEnd = target && target.length,
      sourceStart = 0, sourceEnd = this.length) {
      if (!isBytes(target)) throw errors.invalidArgType('target', BYTES, target);
      checkInteger(targetStart, 'targetStart', 0, target.length);
      checkInteger(targetEnd, 'targetEnd', 0, target.length);
      checkInteger(sourceStart, 'sourceStart', 0, this.length);
      checkInteger(sourceEnd, 'sourceEnd', 0, this.length);
      return compareBytes(this, sourceStart, sourceEnd, target, targetStart, targetEnd);
    },

    toJSON() {
      return { type: 'Buffer', data: Array.from(this) };
    },

    // write(string[, offset[, length]][, encoding]); only whole characters are written.
    write(text, offset, length, encoding) {
      if (typeof text !== 'string') {
        throw errors.invalidArgType('string', 'of type string', text);
      }
      if (typeof offset === 'string') {
        [encoding, offset, length] = [offset, 0, undefined];
      } else if (typeof length === 'string') {
        [encoding, length] = [length, undefined];
      }
      const at = offset === undefined ? 0 : checkInteger(offset, 'offset', 0, this.length);
      const room = this.length - at;
      const count = length === undefined
        ? room : Math.min(checkInteger(length, 'length', 0, MAX_LENGTH), room);
      const name = codec.encodingOrThrow(encoding);
      if (name === 'utf8') {
        return codec.utf8Write(text, this, at, at + count)[1];
      }
      const bytes = codec.encode(text, name);
      const written = Math.min(bytes.length, name === 'utf16le' ? count & ~1 : count);
      this.set(bytes.subarray(0, written), at);
      return written;
    },

    // Unlike Uint8Array#slice, Buffer#slice shares memory (Node's long-standing rule).
    slice(start, end) {
      return this.subarray(start, end);
    },

    copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
      if (!isBytes(target)) throw errors.invalidArgType('target', BYTES, target);
      checkInteger(targetStart, 'targetStart', 0, MAX_LENGTH);
      checkInteger(sourceStart, 'sourceStart', 0, this.length);
      checkInteger(sourceEnd, 'sourceEnd', 0, MAX_LENGTH);
      const count = Math.max(0, Math.min(
        Math.min(sourceEnd, this.length) - sourceStart, target.length - targetStart,
      ));
      if (count > 0) target.set(this.subarray(sourceStart, sourceStart + count), targetStart);
      return count;
    },

    // fill(value[, offset[, end]][, encoding]); the pattern repeats over [offset, end).
    fill(value, offset, end, encoding) {
      if (typeof offset === 'string') {
        [encoding, offset, end] = [offset, undefined, undefined];
      } else if (typeof end === 'string') {
        [encoding, end] = [end, undefined];
      }
      const from = offset === undefined ? 0 : checkInteger(offset, 'offset', 0, MAX_LENGTH);
      const to = end === undefined ? this.length : checkInteger(end, 'end', 0, this.length);
      let pattern;
      if (typeof value === 'string') {
        pattern = value.length === 0 ? [0] : codec.encode(value, encoding);
        if (pattern.length === 0) {
          throw errors.nodeError(
            TypeError, 'ERR_INVALID_ARG_VALUE',
            `The argument 'value' is invalid. Received '${value}'`,
          );
        }
      } else if (isBytes(value)) {
        pattern = value;
      } else {
        return Base.prototype.fill.call(this, Number(value) & 255, from, to);
      }
      for (let i = from; i < to; i++) {
        this[i] = pattern[(i - from) % pattern.length];
      }
      return this;
    },

    indexOf(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, true);
    },

    lastIndexOf(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, false);
    },

    includes(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, true) !== -1;
    },

    swap16() { return swap(this, 2); },
    swap32() { return swap(this, 4); },
    swap64() { return swap(this, 8); },

    // Shown by console.log and util.inspect as <Buffer 68 69>.
    [Symbol.for('nodejs.util.inspect.custom')]() {
      return `<Buffer ${codec.hexPreview(this, INSPECT_MAX_BYTES)}>`;
    },
  };
  methods.toLocaleString = methods.toString;

  function search(buffer, value, byteOffset, encoding, forward) {
    if (typeof byteOffset === 'string') {
      [encoding, byteOffset] = [byteOffset, undefined];
    }
    let needle;
    if (typeof value === 'number') {
      needle = [(value >>> 0) & 255];
    } else if (typeof value === 'string') {
      needle = codec.encode(value, encoding);
    } else if (isBytes(value)) {
      needle = value;
    } else {
      throw errors.invalidArgType(
        'value', 'one of type number or string or an instance of Buffer or Uint8Array', value,
      );
    }
    // A missing or non-numeric offset means "search everything" in either direction.
    const length = buffer.length;
    let start = +byteOffset;
    if (byteOffset === undefined || byteOffset === null || Number.isNaN(start)) {
      start = forward ? 0 : length;
    }
    start = Math.trunc(start);
    if (start < 0) {
      start += length;
    }
    if (needle.length === 0) {
      return Math.max(0, Math.min(start, length));
    }
    const last = length - needle.length;
    const matches = (at) => needle.every((byte, k) => buffer[at + k] === byte);
    if (forward) {
      for (let at = Math.max(start, 0); at <= last; at++) {
        if (matches(at)) return at;
      }
    } else {
      for (let at = Math.min(start, last); at >= 0; at--) {
        if (matches(at)) return at;
      }
    }
    return -1;
  }

  function swap(buffer, size) {
    if (buffer.length % size !== 0) {
      throw errors.nodeError(
        RangeError, 'ERR_INVALID_BUFFER_SIZE', `Buffer size must be a multiple of ${size * 8}-bits`,
      );
    }
    for (let i = 0; i < buffer.length; i += size) {
      buffer.subarray(i, i + size).reverse();
    }
    return buffer;
  }

  // ---- Numbers: read*/write* for fixed widths, and for integers of 1 to 6 bytes -----------

  function viewOf(buffer) {
    return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  // A `bits`-bit integer's range must hold the value, or Node's error names the range.
  function checkValue(value, bits, signed, big) {
    const half = 2n ** BigInt(bits - 1);
    const [min, max] = signed ? [-half, half - 1n] : [0n, 2n * half - 1n];
    if (value < min || value > max) { // a number compares with a bigint exactly
      const n = big ? 'n' : '';
      const range = bits <= 32 ? `>= ${min} and <= ${max}` : signed
        ? `>= -(2${n} ** ${bits - 1}${n}) and < 2${n} ** ${bits - 1}${n}`
        : `>= 0${n} and < 2${n} ** ${bits}${n}`;
      throw errors.outOfRange('value', range, value);
    }
  }

  // Node offers both spellings, e.g. readUInt32BE and readUint32BE.
  function defineNumberMethods(name, suffix, read, write) {
    for (const spelling of new Set([name, name.replace('UInt', 'Uint')])) {
      methods[`read${spelling}${suffix}`] = read;
      methods[`write${spelling}${suffix}`] = write;
    }
  }

  // [Node name, DataView type, size, signed]; floats (signed null) have no range check.
  const NUMBER_TYPES = [
    ['UInt8', 'Uint8', 1, false], ['Int8', 'Int8', 1, true],
    ['UInt16', 'Uint16', 2, false], ['Int16', 'Int16', 2, true],
    ['UInt32', 'Uint32', 4, false], ['Int32', 'Int32', 4, true],
    ['Float', 'Float32', 4, null], ['Double', 'Float64', 8, null],
    ['BigUInt64', 'BigUint64', 8, false], ['BigInt64', 'BigInt64', 8, true],
  ];
  const ENDIANNESS = [['LE', true], ['BE', false]];

  for (const [name, type, size, signed] of NUMBER_TYPES) {
    const big = type.startsWith('Big');
    for (const [suffix, littleEndian] of size === 1 ? [['', false]] : ENDIANNESS) {
      defineNumberMethods(name, suffix, function (offset = 0) {
        checkAccess(this, offset, size);
        return viewOf(this)[`get${type}`](offset, littleEndian);
      }, function (value, offset = 0) {
        const number = big ? value : +value;
        if (signed !== null) checkValue(number, size * 8, signed, big);
        checkAccess(this, offset, size);
        viewOf(this)[`set${type}`](offset, number, littleEndian);
        return offset + size;
      });
    }
  }

  // readUIntBE(offset, byteLength) and the like; `at` finds the i-th most significant byte.
  for (const [suffix, littleEndian] of ENDIANNESS) {
    const at = (offset, byteLength, i) => offset + (littleEndian ? byteLength - 1 - i : i);
    for (const signed of [false, true]) {
      defineNumberMethods(signed ? 'Int' : 'UInt', suffix, function (offset, byteLength) {
        checkInteger(byteLength, 'byteLength', 1, 6, 'and');
        checkAccess(this, offset, byteLength);
        let value = 0;
        for (let i = 0; i < byteLength; i++) value = value * 256 + this[at(offset, byteLength, i)];
        const limit = 2 ** (8 * byteLength);
        return signed && value >= limit / 2 ? value - limit : value;
      }, function (value, offset, byteLength) {
        checkInteger(byteLength, 'byteLength', 1, 6, 'and');
        const number = +value;
        checkValue(number, 8 * byteLength, signed, false);
        checkAccess(this, offset, byteLength);
        let rest = number < 0 ? number + 2 ** (8 * byteLength) : number;
        for (let i = byteLength - 1; i >= 0; i--) {
          this[at(offset, byteLength, i)] = rest % 256;
          rest = Math.floor(rest / 256);
        }
        return offset + byteLength;
      });
    }
  }

  for (const key of Reflect.ownKeys(methods)) {
    Object.defineProperty(Buffer.prototype, key, {
      value: methods[key], writable: true, configurable: true, enumerable: false,
    });
  }

  defineGlobal('Buffer', Buffer);
})();
