// The WHATWG URL parser and serializer behind url.js, working on plain records:
// {scheme, username, password, host, port, path, query, fragment}, where `path` is an array
// of segments, or a string for an opaque path (mailto:x). Defines: `__sb_internals.urlParser`.
//
// Not implemented: IDNA (a host with non-ASCII characters is an Invalid URL here, where Node
// would convert it to punycode), Windows drive letters in file: URLs, blob: origins.
(function () {
  'use strict';

  const internals = globalThis.__sb_internals;
  const codec = internals.codec;
  const DEFAULT_PORTS = { 'ftp': 21, 'file': null, 'http': 80, 'https': 443, 'ws': 80, 'wss': 443 };

  function isSpecial(scheme) {
    return Object.prototype.hasOwnProperty.call(DEFAULT_PORTS, scheme);
  }

  // ---- Percent-encoding -------------------------------------------------------------------

  // The spec's percent-encode sets: C0 controls, non-ASCII, plus these ASCII characters.
  const FRAGMENT_SET = ' "<>`';
  const QUERY_SET = ' "#<>';
  const SPECIAL_QUERY_SET = `${QUERY_SET}'`;
  const PATH_SET = `${QUERY_SET}?\`{}`;
  const USERINFO_SET = `${PATH_SET}/:;=@[\\]^|`;
  const C0_SET = '';

  function hexByte(byte) {
    return `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;
  }

  function percentEncode(text, set) {
    let out = '';
    for (const char of text) {
      const code = char.charCodeAt(0);
      if (code >= 0x20 && code < 0x7f && !set.includes(char)) {
        out += char;
      } else {
        codec.utf8Encode(char).forEach((byte) => { out += hexByte(byte); });
      }
    }
    return out;
  }

  // %XX sequences become bytes; anything else (a stray %, say) is kept as it is.
  function percentDecode(text) {
    const bytes = codec.utf8Encode(text);
    const out = [];
    for (let i = 0; i < bytes.length; i++) {
      const hex = String.fromCharCode(bytes[i + 1], bytes[i + 2]);
      if (bytes[i] === 0x25 && /^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
      } else {
        out.push(bytes[i]);
      }
    }
    return codec.utf8Decode(out);
  }

  // application/x-www-form-urlencoded, as URLSearchParams writes and reads it.
  function formEncode(text) {
    let out = '';
    for (const byte of codec.utf8Encode(text)) {
      const char = String.fromCharCode(byte);
      out += byte === 0x20 ? '+' : /[A-Za-z0-9*\-._]/.test(char) ? char : hexByte(byte);
    }
    return out;
  }

  function formParse(text) {
    const pairs = [];
    for (const part of text.split('&')) {
      if (part === '') continue;
      const at = part.includes('=') ? part.indexOf('=') : part.length;
      const decode = (piece) => percentDecode(piece.replace(/\+/g, ' '));
      pairs.push([decode(part.slice(0, at)), decode(part.slice(at + 1))]);
    }
    return pairs;
  }

  // ---- Hosts ------------------------------------------------------------------------------

  const FORBIDDEN_HOST = /[\0\t\n\r #/:<>?@[\\\]^|]/;
  const FORBIDDEN_DOMAIN = /[\0-\x20#%/:<>?@[\\\]^|\x7f]/;

  function parseIPv4Number(part) {
    if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part, 16);
    if (/^0[0-7]+$/.test(part)) return parseInt(part, 8);
    if (/^(0|[1-9][0-9]*)$/.test(part)) return parseInt(part, 10);
    return NaN;
  }

  // A host whose last dotted part is a number must be an IPv4 address (127.1, 0x7f.1, ...).
  function endsInNumber(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    return /^([0-9]+|0[xX][0-9a-fA-F]*)$/.test(parts[parts.length - 1]);
  }

  function parseIPv4(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    const numbers = parts.map(parseIPv4Number);
    if (parts.length > 4 || numbers.some(Number.isNaN) ||
        numbers.slice(0, -1).some((n) => n > 255) ||
        numbers[numbers.length - 1] >= 256 ** (5 - numbers.length)) {
      return null;
    }
    let address = numbers[numbers.length - 1];
    numbers.slice(0, -1).forEach((n, i) => { address += n * 256 ** (3 - i); });
    return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
  }

  // Eight 16-bit pieces, or null. A dotted IPv4 tail (::ffff:1.2.3.4) fills the last two.
  function parseIPv6(text) {
    const halves = text.split('::');
    if (halves.length > 2) return null;
    const pieces = (part, lastHalf) => {
      if (part === '') return [];
      const out = [];
      const items = part.split(':');
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (lastHalf && i === items.length - 1 && item.includes('.')) {
          const parts = item.split('.');
          const valid = (p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && p < 256;
          if (parts.length !== 4 || !parts.every(valid)) {
            return null;
          }
          out.push(parts[0] * 256 + +parts[1], parts[2] * 256 + +parts[3]);
        } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
          out.push(parseInt(item, 16));
        } else {
          return null;
        }
      }
      return out;
    };
    const head = pieces(halves[0], halves.length === 1);
    const tail = halves.length === 2 ? pieces(halves[1], true) : [];
    if (head === null || tail === null) return null;
    const missing = 8 - head.length - tail.length;
    if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
    return head.concat(new Array(halves.length === 2 ? missing : 0).fill(0), tail);
  }

  // Hex pieces, with the first longest run of two or more zero pieces written as '::'.
  function serializeIPv6(pieces) {
    let best = -1;
    let bestLength = 1;
    for (let i = 0; i < 8; i++) {
      let length = 0;
      while (i + length < 8 && pieces[i + length] === 0) length++;
      if (length > bestLength) [best, bestLength] = [i, length];
    }
    const hex = pieces.map((piece) => piece.toString(16));
    if (best === -1) return hex.join(':');
    return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
  }

  // Returns the serialized host, or null when it is invalid.
  function parseHost(text, special) {
    if (text.startsWith('[')) {
      const pieces = text.endsWith(']') ? parseIPv6(text.slice(1, -1)) : null;
      return pieces && `[${serializeIPv6(pieces)}]`;
    }
    if (!special) {
      return FORBIDDEN_HOST.test(text) ? null : percentEncode(text, C0_SET);
    }
    const domain = percentDecode(text).toLowerCase();
    if (domain === '' || FORBIDDEN_DOMAIN.test(domain) || /[^\x00-\x7f]/.test(domain)) {
      return null; // non-ASCII would need IDNA, which is not implemented
    }
    return endsInNumber(domain) ? parseIPv4(domain) : domain;
  }

  // ---- The parser: input (and base) to a URL record, or null ------------------------------

  // Path segments, resolving '.' and '..' (also written %2e), appended to `path`.
  function parsePath(text, special, path) {
    const segments = text.split(special ? /[/\\]/ : '/');
    segments.forEach((segment, i) => {
      const last = i === segments.length - 1;
      const dots = segment.replace(/%2e/gi, '.');
      if (dots === '..') {
        path.pop();
        if (last) path.push('');
      } else if (dots === '.') {
        if (last) path.push('');
      } else {
        path.push(percentEncode(segment, PATH_SET));
      }
    });
    return path;
  }

  // Splits "path?query#fragment" and fills the record's last three parts.
  function parseTail(record, text, basePath) {
    const hashAt = text.indexOf('#');
    if (hashAt !== -1) {
      record.fragment = percentEncode(text.slice(hashAt + 1), FRAGMENT_SET);
      text = text.slice(0, hashAt);
    }
    const queryAt = text.indexOf('?');
    if (queryAt !== -1) {
      const set = isSpecial(record.scheme) ? SPECIAL_QUERY_SET : QUERY_SET;
      record.query = percentEncode(text.slice(queryAt + 1), set);
      text = text.slice(0, queryAt);
    }
    const special = isSpecial(record.scheme);
    if (basePath) {
      // A relative path: resolved against the base path without its last segment.
      record.path = parsePath(text, special, basePath.slice(0, -1));
    } else {
      // An absolute path: drop the empty segment before its leading slash.
      record.path = text === '' ? (special ? [''] : []) : parsePath(text.slice(1), special, []);
    }
    return record;
  }

  function emptyRecord(scheme) {
    return {
      scheme, username: '', password: '', host: null, port: null,
      path: [], query: null, fragment: null,
    };
  }

  // "userinfo@host:port" then the rest; `text` starts right after the '//'.
  function parseAuthority(scheme, text) {
    const special = isSpecial(scheme);
    const end = text.search(special ? /[/\\?#]/ : /[/?#]/);
    const authority = end === -1 ? text : text.slice(0, end);
    const record = emptyRecord(scheme);
    let hostPort = authority;
    const at = authority.lastIndexOf('@');
    if (at !== -1) {
      const userinfo = authority.slice(0, at);
      const colon = userinfo.includes(':') ? userinfo.indexOf(':') : userinfo.length;
      record.username = percentEncode(userinfo.slice(0, colon), USERINFO_SET);
      record.password = percentEncode(userinfo.slice(colon + 1), USERINFO_SET);
      hostPort = authority.slice(at + 1);
    }
    const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
    if (!match || !setHostAndPort(record, match[1], match[2])) {
      return null;
    }
    if (scheme === 'file' && record.host === 'localhost') {
      record.host = '';
    }
    return parseTail(record, end === -1 ? '' : text.slice(end), null);
  }

  function setHostAndPort(record, hostText, portText) {
    const special = isSpecial(record.scheme);
    const host = hostText === '' && (!special || record.scheme === 'file')
      ? '' : parseHost(hostText, special);
    if (host === null || (portText !== undefined && !/^[0-9]*$/.test(portText))) {
      return false;
    }
    const port = portText ? parseInt(portText, 10) : null;
    if (port > 65535) {
      return false;
    }
    record.host = host;
    record.port = port === DEFAULT_PORTS[record.scheme] ? null : port;
    return true;
  }

  // Input without a scheme of its own (or "http:x" against an http base).
  function parseRelative(text, base) {
    const special = isSpecial(base.scheme);
    const isSlash = (char) => char === '/' || (special && char === '\\');
    if (isSlash(text[0]) && isSlash(text[1])) {
      // Scheme-relative "//host/path"; special schemes skip any further slashes.
      return parseAuthority(base.scheme, special ? text.replace(/^[/\\]+/, '') : text.slice(2));
    }
    const record = { ...base, path: base.path.slice(), fragment: null };
    if (isSlash(text[0])) {
      record.query = null;
      return parseTail(record, text, null);
    }
    if (text === '' || text[0] === '?' || text[0] === '#') {
      // The base's path, with a new query and/or fragment.
      parseTail(record, text, null);
      record.path = base.path.slice();
      return record;
    }
    record.query = null;
    return parseTail(record, text, base.path);
  }

  function parse(input, base) {
    const text = input.replace(/^[\0-\x20]+|[\0-\x20]+$/g, '').replace(/[\t\n\r]/g, '');
    const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(text);
    if (!schemeMatch) {
      if (base === null) return null;
      if (typeof base.path === 'string') {
        // A base with an opaque path (mailto:x) only takes a fragment.
        return text.startsWith('#')
          ? { ...base, fragment: percentEncode(text.slice(1), FRAGMENT_SET) } : null;
      }
      return parseRelative(text, base);
    }
    const scheme = schemeMatch[1].toLowerCase();
    const rest = text.slice(schemeMatch[0].length);
    if (scheme === 'file') {
      if (/^[/\\]{2}/.test(rest)) return parseAuthority(scheme, rest.slice(2));
      const path = `/${rest.replace(/^[/\\]/, '')}`;
      return parseTail({ ...emptyRecord(scheme), host: '' }, path, null);
    }
    if (isSpecial(scheme)) {
      if (base && base.scheme === scheme && !/^[/\\]/.test(rest)) {
        return parseRelative(rest, base);
      }
      return parseAuthority(scheme, rest.replace(/^[/\\]*/, ''));
    }
    if (rest.startsWith('//')) return parseAuthority(scheme, rest.slice(2));
    if (rest.startsWith('/')) return parseTail(emptyRecord(scheme), rest, null);
    // An opaque path, as in mailto: or urn:.
    const opaque = /^[^?#]*/.exec(rest)[0];
    const record = parseTail(emptyRecord(scheme), rest.slice(opaque.length), null);
    record.path = percentEncode(opaque, C0_SET);
    return record;
  }

  function serialize(record, excludeFragment = false) {
    let out = `${record.scheme}:`;
    if (record.host !== null) {
      out += '//';
      if (record.username !== '' || record.password !== '') {
        out += record.username + (record.password !== '' ? `:${record.password}` : '') + '@';
      }
      out += record.host + (record.port !== null ? `:${record.port}` : '');
    }
    out += pathname(record);
    if (record.query !== null) out += `?${record.query}`;
    if (!excludeFragment && record.fragment !== null) out += `#${record.fragment}`;
    return out;
  }

  function pathname(record) {
    if (typeof record.path === 'string') return record.path;
    // "/." keeps a path starting with "//" from reading as a host when there is none.
    const ambiguous = record.host === null && record.path.length > 1 && record.path[0] === '';
    const prefix = ambiguous ? '/.' : '';
    return prefix + record.path.map((segment) => `/${segment}`).join('');
  }

  internals.urlParser = Object.freeze({
    DEFAULT_PORTS, FRAGMENT_SET, QUERY_SET, SPECIAL_QUERY_SET, USERINFO_SET,
    isSpecial, percentEncode, formEncode, formParse,
    parse, parsePath, setHostAndPort, serialize, pathname,
  });
})();
