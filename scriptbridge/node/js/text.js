// The WHATWG Encoding API and the DOM's base64 helpers, on top of codec.js.
// Defines: TextEncoder, TextDecoder, atob, btoa.
(function () {
  'use strict';

  const { defineGlobal, errors, codec, types } = globalThis.__sb_internals;

  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }

    encode(input = '') {
      return codec.utf8Encode(String(input));
    }

    // Writes whole characters only; `read` counts UTF-16 code units, `written` bytes.
    encodeInto(source, destination) {
      if (!types.isUint8Array(destination)) {
        throw errors.invalidArgType('dest', 'an instance of Uint8Array', destination);
      }
      const [read, written] = codec.utf8Write(String(source), destination, 0, destination.length);
      return { read, written };
    }
  }

  // Labels from the WHATWG Encoding Standard for the three encodings supported here.
  const LABELS = {
    'utf-8': ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8',
      'x-unicode20utf8'],
    'utf-16le': ['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16',
      'utf-16le'],
    // 'latin1' and 'ascii' name windows-1252 in the standard (and in Node 18 with ICU).
    'windows-1252': ['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819',
      'iso-8859-1', 'iso-ir-100', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1',
      'latin1', 'us-ascii', 'windows-1252', 'x-cp1252'],
  };
  const ENCODING_OF_LABEL = new Map();
  for (const [encoding, labels] of Object.entries(LABELS)) {
    labels.forEach((label) => ENCODING_OF_LABEL.set(label, encoding));
  }

  // windows-1252 differs from latin1 only in 0x80-0x9F.
  const WINDOWS_1252_HIGH = [
    0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039,
    0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
  ];

  function windows1252Decode(bytes) {
    return codec.latin1Decode(bytes).replace(
      /[\x80-\x9f]/g, (char) => String.fromCharCode(WINDOWS_1252_HIGH[char.charCodeAt(0) - 0x80]),
    );
  }

  function bytesOf(input) {
    if (input === undefined) {
      return new Uint8Array(0);
    }
    if (types.isAnyArrayBuffer(input)) {
      return new Uint8Array(input);
    }
    if (ArrayBuffer.isView(input)) {
      return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    }
    throw errors.invalidArgType(
      'input', 'an instance of ArrayBuffer or ArrayBufferView', input,
    );
  }

  class TextDecoder {
    #encoding;
    #fatal;
    #ignoreBOM;
    #pending = new Uint8Array(0); // bytes of an incomplete character kept by `stream`
    #started = false; // output has begun, so a BOM is no longer stripped

    constructor(label = 'utf-8', options = {}) {
      const name = String(label).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase();
      const encoding = ENCODING_OF_LABEL.get(name);
      if (encoding === undefined) {
        throw errors.nodeError(
          RangeError, 'ERR_ENCODING_NOT_SUPPORTED', `The "${label}" encoding is not supported`,
        );
      }
      this.#encoding = encoding;
      this.#fatal = Boolean(options && options.fatal);
      this.#ignoreBOM = Boolean(options && options.ignoreBOM);
    }

    get encoding() {
      return this.#encoding;
    }

    get fatal() {
      return this.#fatal;
    }

    get ignoreBOM() {
      return this.#ignoreBOM;
    }

    // With {stream: true}, an incomplete character at the end waits for the next call.
    decode(input, options = {}) {
      const stream = Boolean(options && options.stream);
      let bytes = bytesOf(input);
      if (this.#pending.length > 0) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending);
        joined.set(bytes, this.#pending.length);
        bytes = joined;
      }
      let text;
      let used = bytes.length;
      if (this.#encoding === 'utf-8') {
        [text, used] = codec.utf8DecodePartial(bytes, 0, bytes.length, this.#fatal, stream);
      } else if (this.#encoding === 'utf-16le') {
        [text, used] = this.#decodeUtf16(bytes, stream);
      } else {
        text = windows1252Decode(bytes);
      }
      this.#pending = bytes.slice(used);
      if (!this.#started && text.length > 0) {
        this.#started = true;
        if (!this.#ignoreBOM && text.charCodeAt(0) === 0xfeff) {
          text = text.slice(1);
        }
      }
      if (!stream) {
        this.#started = false;
      }
      return text;
    }

    #decodeUtf16(bytes, stream) {
      let used = bytes.length & ~1;
      // A lead surrogate at the very end may be completed by the next chunk.
      if (stream && used >= 2 && (bytes[used - 1] & 0xfc) === 0xd8) {
        used -= 2;
      }
      if (stream) {
        return [this.#wellFormed(codec.utf16leDecode(bytes, 0, used), 'utf-16le'), used];
      }
      let text = codec.utf16leDecode(bytes, 0, used);
      // An odd byte left over, or a lead surrogate just before it, is one error at the end.
      if (used < bytes.length) {
        const last = text.charCodeAt(text.length - 1);
        text = (last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text) + '\ufffd';
        if (this.#fatal) {
          throw codec.invalidData('utf-16le');
        }
      }
      return [this.#wellFormed(text, 'utf-16le'), bytes.length];
    }

    #wellFormed(text, encoding) {
      if (text.isWellFormed()) {
        return text;
      }
      if (this.#fatal) {
        throw codec.invalidData(encoding);
      }
      return text.toWellFormed();
    }
  }

  // The forgiving-base64 decode of the HTML standard: whitespace is ignored, padding is
  // optional, and anything else outside the alphabet is an InvalidCharacterError.
  function atob(data) {
    if (arguments.length === 0) throw errors.missingArgs('"input" argument');
    let text = String(data).replace(/[\t\n\f\r ]/g, '');
    if (text.length % 4 === 0) {
      text = text.replace(/==?$/, '');
    }
    for (const char of text) {
      if (!codec.BASE64.includes(char)) {
        throw new DOMException('Invalid character', 'InvalidCharacterError');
      }
    }
    if (text.length % 4 === 1) {
      throw new DOMException(
        'The string to be decoded is not correctly encoded.', 'InvalidCharacterError',
      );
    }
    return codec.latin1Decode(codec.base64Decode(text));
  }

  // Each character must fit in a byte (latin1), as in the DOM.
  function btoa(data) {
    if (arguments.length === 0) throw errors.missingArgs('"input" argument');
    const text = String(data);
    if (/[^\x00-\xff]/.test(text)) {
      throw new DOMException('Invalid character', 'InvalidCharacterError');
    }
    return codec.base64Encode(codec.latin1Encode(text));
  }

  defineGlobal('TextEncoder', TextEncoder);
  defineGlobal('TextDecoder', TextDecoder);
  defineGlobal('atob', atob);
  defineGlobal('btoa', btoa);
})();
