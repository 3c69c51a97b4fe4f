// The one implementation of every text encoding the prelude speaks. Buffer (buffer.js),
// TextEncoder/TextDecoder/atob/btoa (text.js) and URL percent-coding (url.js) all call it.
// Defines: `__sb_internals.codec`. Byte arrays are made with whatever `Uint8Array` is global at
// call time, so an engine-installed size cap applies to them too.
(function () {
  'use strict';

  const errors = globalThis.__sb_internals.errors;

  // Build a string from UTF-16 code units without overflowing the call stack.
  function fromCodeUnits(units) {
    let text = '';
    for (let i = 0; i < units.length; i += 0x2000) {
      text += String.fromCharCode.apply(null, units.slice(i, i + 0x2000));
    }
    return text;
  }

  // Node's encoding names, any case; returns the canonical name or undefined if unknown.
  const ENCODINGS = new Map([
    ['utf8', 'utf8'], ['utf-8', 'utf8'],
    ['hex', 'hex'],
    ['base64', 'base64'], ['base64url', 'base64url'],
    ['ucs2', 'utf16le'], ['ucs-2', 'utf16le'], ['utf16le', 'utf16le'], ['utf-16le', 'utf16le'],
    ['latin1', 'latin1'], ['binary', 'latin1'],
    ['ascii', 'ascii'],
  ]);

  function normalizeEncoding(encoding) {
    if (encoding === undefined || encoding === null || encoding === '') {
      return 'utf8';
    }
    return ENCODINGS.get(String(encoding).toLowerCase());
  }

  function encodingOrThrow(encoding) {
    const name = normalizeEncoding(encoding);
    if (name === undefined) {
      throw errors.nodeError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
    }
    return name;
  }

  // ---- UTF-8 ------------------------------------------------------------------------------

  // The code point at `i`, with a lone surrogate read as U+FFFD (as V8 and Node encode it).
  function codePointAt(text, i) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) {
      return unit;
    }
    if (unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        return 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      }
    }
    return 0xfffd;
  }

  function utf8Size(point) {
    return point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }

  function utf8Length(text) {
    let length = 0;
    for (let i = 0; i < text.length; i++) {
      const point = codePointAt(text, i);
      length += utf8Size(point);
      if (point > 0xffff) {
        i++;
      }
    }
    return length;
  }

  // Write whole characters of `text` into bytes[offset, end); returns [unitsRead, bytesWritten].
  function utf8Write(text, bytes, offset, end) {
    let at = offset;
    let i = 0;
    for (; i < text.length; i++) {
      const point = codePointAt(text, i);
      const size = utf8Size(point);
      if (at + size > end) {
        break;
      }
      if (size === 1) {
        bytes[at++] = point;
      } else {
        const lead = [0, 0, 0xc0, 0xe0, 0xf0][size];
        bytes[at++] = lead | (point >> (6 * (size - 1)));
        for (let shift = 6 * (size - 2); shift >= 0; shift -= 6) {
          bytes[at++] = 0x80 | ((point >> shift) & 0x3f);
        }
      }
      if (point > 0xffff) {
        i++;
      }
    }
    return [i, at - offset];
  }

  function utf8Encode(text) {
    const bytes = new Uint8Array(utf8Length(text));
    utf8Write(text, bytes, 0, bytes.length);
    return bytes;
  }

  function invalidData(encoding) {
    return errors.nodeError(
      TypeError, 'ERR_ENCODING_INVALID_ENCODED_DATA',
      `The encoded data was not valid for encoding ${encoding}`,
    );
  }

  // The WHATWG UTF-8 decoder: each maximal invalid subsequence becomes one U+FFFD (or throws
  // when `fatal`). With `stream`, an incomplete sequence at the end is left unread.
  // Returns [text, endOfWhatWasRead].
  function utf8DecodePartial(bytes, start, end, fatal, stream) {
    const units = [];
    let needed = 0;
    let seen = 0;
    let point = 0;
    let lower = 0x80;
    let upper = 0xbf;
    let sequenceStart = start;
    const fail = () => {
      if (fatal) {
        throw invalidData('utf-8');
      }
      units.push(0xfffd);
    };
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      if (needed === 0) {
        sequenceStart = i;
        if (byte < 0x80) {
          units.push(byte);
        } else if (byte >= 0xc2 && byte <= 0xdf) {
          needed = 1;
          point = byte & 0x1f;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          lower = byte === 0xe0 ? 0xa0 : 0x80; // no overlong forms
          upper = byte === 0xed ? 0x9f : 0xbf; // no surrogates
          needed = 2;
          point = byte & 0x0f;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          lower = byte === 0xf0 ? 0x90 : 0x80;
          upper = byte === 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
          needed = 3;
          point = byte & 0x07;
        } else {
          fail();
        }
        continue;
      }
      if (byte < lower || byte > upper) {
        needed = seen = point = 0;
        lower = 0x80;
        upper = 0xbf;
        fail();
        i--; // this byte may start the next character
        continue;
      }
      lower = 0x80;
      upper = 0xbf;
      point = (point << 6) | (byte & 0x3f);
      if (++seen === needed) {
        if (point > 0xffff) {
          point -= 0x10000;
          units.push(0xd800 + (point >> 10), 0xdc00 + (point & 0x3ff));
        } else {
          units.push(point);
        }
        needed = seen = point = 0;
      }
    }
    if (needed !== 0) {
      if (stream) {
        return [fromCodeUnits(units), sequenceStart];
      }
      fail();
    }
    return [fromCodeUnits(units), end];
  }

  function utf8Decode(bytes, start = 0, end = bytes.length, fatal = false) {
    return utf8DecodePartial(bytes, start, end, fatal, false)[0];
  }

  // ---- Single-byte and UTF-16 -------------------------------------------------------------

  function latin1Encode(text) {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      bytes[i] = text.charCodeAt(i); // the store keeps the low 8 bits, as Node does
    }
    return bytes;
  }

  function singleByteDecode(bytes, start, end, mask) {
    const units = new Array(end - start);
    for (let i = start; i < end; i++) {
      units[i - start] = bytes[i] & mask;
    }
    return fromCodeUnits(units);
  }

  function latin1Decode(bytes, start = 0, end = bytes.length) {
    return singleByteDecode(bytes, start, end, 0xff);
  }

  // Node's 'ascii' decoding drops the high bit; encoding is the same as latin1.
  function asciiDecode(bytes, start = 0, end = bytes.length) {
    return singleByteDecode(bytes, start, end, 0x7f);
  }

  function utf16leEncode(text) {
    const bytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      bytes[2 * i] = unit & 0xff;
      bytes[2 * i + 1] = unit >> 8;
    }
    return bytes;
  }

  // Raw code units, lone surrogates kept; a trailing odd byte is ignored.
  function utf16leDecode(bytes, start = 0, end = bytes.length) {
    const units = [];
    for (let i = start; i + 1 < end; i += 2) {
      units.push(bytes[i] | (bytes[i + 1] << 8));
    }
    return fromCodeUnits(units);
  }

  // ---- Hex --------------------------------------------------------------------------------

  const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

  function hexEncode(bytes, start = 0, end = bytes.length) {
    const pairs = new Array(Math.max(end - start, 0));
    for (let i = start; i < end; i++) {
      pairs[i - start] = HEX_PAIRS[bytes[i]];
    }
    return pairs.join('');
  }

  // "68 69 ... 3 more bytes": spaced hex of the first `limit` bytes, as Node shows bytes.
  function hexPreview(bytes, limit) {
    const shown = Math.min(bytes.length, limit);
    const hex = hexEncode(bytes, 0, shown).replace(/(..)(?!$)/g, '$1 ');
    const more = bytes.length - shown;
    return more > 0 ? `${hex} ... ${more} more byte${more > 1 ? 's' : ''}` : hex;
  }

  // Node stops at the first pair that is not two hex digits and drops a trailing odd digit.
  function hexDecode(text) {
    const pairs = /^(?:[0-9a-fA-F]{2})*/.exec(text)[0];
    const bytes = new Uint8Array(pairs.length / 2);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(pairs.substr(2 * i, 2), 16);
    }
    return bytes;
  }

  // ---- Base64 -----------------------------------------------------------------------------

  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // Decoding accepts both alphabets, as Node does.
  const SEXTETS = new Map();
  for (let i = 0; i < 64; i++) {
    SEXTETS.set(BASE64[i], i);
    SEXTETS.set(BASE64URL[i], i);
  }

  // base64url output has no padding (Node's rule).
  function base64Encode(bytes, start = 0, end = bytes.length, url = false) {
    const alphabet = url ? BASE64URL : BASE64;
    const parts = [];
    let chunk = '';
    for (let i = start; i < end; i += 3) {
      const triple = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      const available = Math.min(end - i, 3);
      for (let k = 0; k < 4; k++) {
        if (k <= available) {
          chunk += alphabet[(triple >> (18 - 6 * k)) & 0x3f];
        } else if (!url) {
          chunk += '=';
        }
      }
      if (chunk.length >= 0x4000) {
        parts.push(chunk);
        chunk = '';
      }
    }
    parts.push(chunk);
    return parts.join('');
  }

  // Node's lenient decoder: characters outside both alphabets are skipped and the first '='
  // ends the data; leftover bits that do not fill a byte are dropped.
  function base64Decode(text) {
    const sextets = [];
    for (const char of text) {
      if (char === '=') {
        break;
      }
      const value = SEXTETS.get(char);
      if (value !== undefined) {
        sextets.push(value);
      }
    }
    const bytes = new Uint8Array(Math.floor((sextets.length * 6) / 8));
    let bits = 0;
    let buffered = 0;
    let at = 0;
    for (const value of sextets) {
      buffered = (buffered << 6) | value;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[at++] = (buffered >> bits) & 0xff;
        buffered &= (1 << bits) - 1;
      }
    }
    return bytes;
  }

  // ---- Dispatch by Node encoding name -----------------------------------------------------

  function encode(text, encoding) {
    switch (encodingOrThrow(encoding)) {
      case 'utf8': return utf8Encode(text);
      case 'hex': return hexDecode(text);
      case 'base64':
      case 'base64url': return base64Decode(text);
      case 'utf16le': return utf16leEncode(text);
      default: return latin1Encode(text); // latin1, ascii
    }
  }

  function decode(bytes, encoding, start = 0, end = bytes.length) {
    switch (encodingOrThrow(encoding)) {
      case 'utf8': return utf8Decode(bytes, start, end);
      case 'hex': return hexEncode(bytes, start, end);
      case 'base64': return base64Encode(bytes, start, end, false);
      case 'base64url': return base64Encode(bytes, start, end, true);
      case 'utf16le': return utf16leDecode(bytes, start, end);
      case 'latin1': return latin1Decode(bytes, start, end);
      default: return asciiDecode(bytes, start, end);
    }
  }

  // Node's Buffer.byteLength: an estimate for base64 (padding aside), exact otherwise.
  function byteLength(text, encoding) {
    switch (encodingOrThrow(encoding)) {
      case 'utf8': return utf8Length(text);
      case 'hex': return text.length >>> 1;
      case 'base64':
      case 'base64url': {
        let length = text.length;
        while (length > 0 && text[length - 1] === '=' && text.length - length < 2) {
          length--;
        }
        return (length * 3) >>> 2;
      }
      case 'utf16le': return text.length * 2;
      default: return text.length;
    }
  }

  globalThis.__sb_internals.codec = Object.freeze({
    normalizeEncoding, encodingOrThrow, invalidData,
    utf8Length, utf8Write, utf8Encode, utf8Decode, utf8DecodePartial,
    latin1Encode, latin1Decode, utf16leEncode, utf16leDecode,
    hexEncode, hexDecode, hexPreview, base64Encode, base64Decode, BASE64,
    encode, decode, byteLength,
  });
})();
