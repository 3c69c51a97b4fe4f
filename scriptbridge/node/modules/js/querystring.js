// require('querystring'): Node's legacy query-string parser and serialiser. parse and
// stringify look up `escape` and `unescape` on the module when called, so a script that
// replaces them changes both, as in Node.
'use strict';

void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
const { errors } = globalThis.__sb_internals;
const qs = module.exports;

// Characters escape() leaves as they are (those encodeURIComponent leaves too).
const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;
const HEX = '0123456789ABCDEF';
const hexByte = (byte) => `%${HEX[byte >> 4]}${HEX[byte & 15]}`;

function uriError() {
  return errors.nodeError(URIError, 'ERR_INVALID_URI', 'URI malformed');
}

// Percent-encodes UTF-8 like encodeURIComponent, except as Node does with surrogates: any
// surrogate takes the next code unit as its pair (a lone one at the end is an error).
function escape(value) {
  const text = typeof value === 'string' ? value : String(value);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out += UNRESERVED.test(text[i]) ? text[i] : hexByte(code);
    } else if (code < 0x800) {
      out += hexByte(0xc0 | (code >> 6)) + hexByte(0x80 | (code & 63));
    } else if (code < 0xd800 || code >= 0xe000) {
      out += hexByte(0xe0 | (code >> 12)) + hexByte(0x80 | ((code >> 6) & 63)) +
        hexByte(0x80 | (code & 63));
    } else {
      if (++i >= text.length) throw uriError();
      code = 0x10000 + (((code & 0x3ff) << 10) | (text.charCodeAt(i) & 0x3ff));
      out += hexByte(0xf0 | (code >> 18)) + hexByte(0x80 | ((code >> 12) & 63)) +
        hexByte(0x80 | ((code >> 6) & 63)) + hexByte(0x80 | (code & 63));
    }
  }
  return out;
}

// Decodes %XX escapes (and '+' as a space when asked) into bytes; other characters become
// their code unit's low byte, as in Node.
function unescapeBuffer(text, decodeSpaces) {
  text = String(text);
  const bytes = Buffer.alloc(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes[length++] = parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      bytes[length++] = char === '+' && decodeSpaces ? 0x20 : text.charCodeAt(i);
    }
  }
  return bytes.subarray(0, length);
}

function unescape(text, decodeSpaces) {
  try {
    return decodeURIComponent(text);
  } catch {
    return unescapeBuffer(text, decodeSpaces).toString();
  }
}

function primitiveText(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && isFinite(value)) return `${value}`;
  if (typeof value === 'bigint') return `${value}`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return '';
}

function stringify(object, sep, eq, options) {
  sep = sep || '&';
  eq = eq || '=';
  if (object === null || typeof object !== 'object') return '';
  const custom = options && typeof options.encodeURIComponent === 'function';
  const encode = custom ? options.encodeURIComponent : qs.escape;
  const convert = (value) => {
    if (custom || encode !== escape) return encode(primitiveText(value));
    if (typeof value === 'string') return value.length > 0 ? encode(value) : '';
    // Numbers are their own encoding, except that 1e21 and above have a '+'.
    if (typeof value === 'number' && isFinite(value) && Math.abs(value) >= 1e21) {
      return encode(`${value}`);
    }
    return primitiveText(value);
  };
  const fields = [];
  for (const key of Object.keys(object)) {
    const value = object[key];
    const prefix = convert(key) + eq;
    for (const item of Array.isArray(value) ? value : [value]) {
      fields.push(prefix + convert(item));
    }
  }
  return fields.join(sep);
}

// Splits on `sep` (at most maxKeys pieces, 1000 by default, 0 for no limit); each piece is a
// key and, after the first `eq`, a value. Empty pieces are skipped; a repeated key's values
// become an array. '+' is a space; undecodable escapes stay as they are.
function parse(text, sep, eq, options) {
  const result = { __proto__: null };
  if (typeof text !== 'string' || text.length === 0) return result;
  sep = sep ? String(sep) : '&';
  eq = eq ? String(eq) : '=';
  let maxKeys = 1000;
  if (options && typeof options.maxKeys === 'number') maxKeys = options.maxKeys;
  const decoder = options && typeof options.decodeURIComponent === 'function'
    ? options.decodeURIComponent : qs.unescape;
  const custom = decoder !== unescape;
  const decode = (part) => {
    if (!custom && !/[%+]/.test(part)) return part;
    const spaced = part.replace(/\+/g, '%20');
    try {
      return decoder(spaced);
    } catch {
      return qs.unescape(spaced, true);
    }
  };
  let pieces = text.split(sep);
  if (maxKeys > 0) pieces = pieces.slice(0, maxKeys);
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    const at = piece.indexOf(eq);
    const key = decode(at === -1 ? piece : piece.slice(0, at));
    const value = at === -1 ? '' : decode(piece.slice(at + eq.length));
    const existing = result[key];
    if (existing === undefined) {
      result[key] = value;
    } else if (Array.isArray(existing)) {
      existing.push(value);
    } else {
      result[key] = [existing, value];
    }
  }
  return result;
}

Object.assign(qs, {
  unescapeBuffer, unescape, escape, stringify, encode: stringify, parse, decode: parse,
});
