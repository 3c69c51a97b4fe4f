// require('string_decoder'): StringDecoder, which decodes a stream of byte chunks into text
// without breaking a character split across chunks. Like Node's, it holds back the bytes of a
// character a chunk leaves unfinished (UTF-8, a UTF-16 code unit or a high surrogate, a base64
// triple) until the next write completes them or end() flushes them.
'use strict';

void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
const { errors } = globalThis.__sb_internals;

const ENCODINGS = {
  utf8: 'utf8', 'utf-8': 'utf8', ucs2: 'utf16le', 'ucs-2': 'utf16le', utf16le: 'utf16le',
  'utf-16le': 'utf16le', latin1: 'latin1', binary: 'latin1', base64: 'base64',
  base64url: 'base64url', hex: 'hex', ascii: 'ascii',
};

function normalizeEncoding(encoding) {
  if (encoding === undefined || encoding === null || encoding === '') return 'utf8';
  const name = ENCODINGS[String(encoding).toLowerCase()];
  if (name === undefined) {
    throw errors.nodeError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
  }
  return name;
}

function bytesOf(view) {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

// The length of the UTF-8 sequence a lead byte starts (0 for a byte that starts none).
function sequenceLength(byte) {
  if ((byte & 0xe0) === 0xc0) return 2;
  if ((byte & 0xf0) === 0xe0) return 3;
  if ((byte & 0xf8) === 0xf0) return 4;
  return 0;
}

const isContinuation = (byte) => (byte & 0xc0) === 0x80;

// [bytes to hold back, bytes still missing] at the end of a chunk.
function unfinished(encoding, bytes) {
  const length = bytes.length;
  switch (encoding) {
    case 'utf8':
      for (let back = 1; back <= Math.min(3, length); back++) {
        if (isContinuation(bytes[length - back])) continue;
        const need = sequenceLength(bytes[length - back]);
        return need > back ? [back, need - back] : [0, 0];
      }
      return [0, 0];
    case 'utf16le':
      if (length % 2 === 1) return [1, 1];
      if (length >= 2 && bytes[length - 1] >= 0xd8 && bytes[length - 1] <= 0xdb) return [2, 2];
      return [0, 0];
    case 'base64':
    case 'base64url':
      return length % 3 === 0 ? [0, 0] : [length % 3, 3 - (length % 3)];
    default:
      return [0, 0];
  }
}

class StringDecoder {
  #pending = Buffer.alloc(0); // the held bytes of an unfinished character
  #missing = 0; // bytes that character still needs

  constructor(encoding) {
    this.encoding = normalizeEncoding(encoding);
  }

  write(buf) {
    if (typeof buf === 'string') return buf;
    if (!ArrayBuffer.isView(buf)) {
      throw errors.invalidArgType('buf', 'an instance of Buffer, TypedArray, or DataView', buf);
    }
    let bytes = bytesOf(buf);
    let out = '';
    if (this.#missing > 0) {
      // First finish the held character. In UTF-8 a byte that cannot continue it ends it
      // (as replacement characters) and is decoded with the rest.
      let taken = 0;
      while (taken < bytes.length && taken < this.#missing &&
             (this.encoding !== 'utf8' || isContinuation(bytes[taken]))) {
        taken++;
      }
      this.#pending = Buffer.concat([this.#pending, bytes.subarray(0, taken)]);
      this.#missing -= taken;
      bytes = bytes.subarray(taken);
      if (this.#missing > 0 && bytes.length === 0) return '';
      out = this.#pending.toString(this.encoding);
      this.#pending = Buffer.alloc(0);
      this.#missing = 0;
    }
    const [held, missing] = unfinished(this.encoding, bytes);
    if (held > 0) {
      this.#pending = Buffer.from(bytes.subarray(bytes.length - held));
      this.#missing = missing;
    }
    return out + bytes.subarray(0, bytes.length - held).toString(this.encoding);
  }

  end(buf) {
    let out = buf === undefined ? '' : this.write(buf);
    let pending = this.#pending;
    if (this.encoding === 'utf16le' && pending.length % 2 === 1) {
      pending = pending.subarray(0, pending.length - 1); // half a code unit is dropped
    }
    out += pending.toString(this.encoding);
    this.#pending = Buffer.alloc(0);
    this.#missing = 0;
    return out;
  }
}

module.exports = { StringDecoder };
