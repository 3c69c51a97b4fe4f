// Node's legacy URL parser: the Url object with parse, format, resolve and resolveObject. Not
// a module of its own: url's source is this file and url.js (see pure.py); this defines `Url`
// and `urlParse`.
//
// The rules are Node's lenient, historical ones, which many packages still rely on: hosts end
// at the first character that cannot be in one, unsafe characters in the rest are escaped,
// backslashes before the query are slashes. Difference from Node: hostnames outside ASCII are
// lowercased but not converted to punycode.
'use strict';

const { Url, urlParse } = (() => {
  void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
  const { errors } = globalThis.__sb_internals;
  const querystring = require('querystring');

  const PROTOCOL = /^[a-z0-9.+-]+:/i;
  const PORT = /:[0-9]*$/;
  const HOST_WITH_AUTH = /^\/\/[^@/]+@[^@/]+/;
  const SIMPLE_PATH = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/;
  const EDGE_WHITESPACE = /^[ \t\r\n\f\u00a0\ufeff]+|[ \t\r\n\f\u00a0\ufeff]+$/g;
  // Never part of a host; the first of them ends it (unless an '@' follows: then it was auth).
  const NON_HOST = new Set('\t\n\r "%\';<>\\^`{|}');
  const HOST_END = new Set('#/?');
  const FORBIDDEN_HOST = /[\0\t\n\r #%/:<>?@[\\\]^|]/;
  const FORBIDDEN_IPV6_HOST = /[\0\t\n\r #%/<>?@\\^|]/;
  const HOSTNAME_MAX = 255;
  // Escaped in the path, query and hash even where encodeURIComponent would not.
  const AUTO_ESCAPE = /[\t\n\r "'<>\\^`{|}]/g;

  const HOSTLESS = new Set(['javascript', 'javascript:']);
  const UNSAFE = HOSTLESS;
  const SLASHED = new Set(['http', 'https', 'ftp', 'gopher', 'file', 'ws', 'wss']
    .flatMap((name) => [name, `${name}:`]));

  const isIpv6Hostname = (hostname) => hostname.startsWith('[') && hostname.endsWith(']');

  function invalidUrl(input) {
    const error = errors.nodeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
    error.input = input;
    return error;
  }

  function Url() {
    this.protocol = null;
    this.slashes = null;
    this.auth = null;
    this.host = null;
    this.port = null;
    this.hostname = null;
    this.hash = null;
    this.search = null;
    this.query = null;
    this.pathname = null;
    this.path = null;
    this.href = null;
  }

  function urlParse(url, parseQueryString, slashesDenoteHost) {
    if (url instanceof Url) return url;
    const parsed = new Url();
    parsed.parse(url, parseQueryString, slashesDenoteHost);
    return parsed;
  }

  // Takes the query off the end of `rest` into search and query (parsed when asked).
  function splitQuery(self, rest, parseQueryString) {
    const hash = rest.indexOf('#');
    if (hash !== -1) {
      self.hash = rest.slice(hash);
      rest = rest.slice(0, hash);
    }
    const question = rest.indexOf('?');
    if (question !== -1) {
      self.search = rest.slice(question);
      self.query = rest.slice(question + 1);
      if (parseQueryString) self.query = querystring.parse(self.query);
      rest = rest.slice(0, question);
    } else if (parseQueryString) {
      self.search = null;
      self.query = { __proto__: null };
    }
    return rest;
  }

  // The host: everything up to the first character that cannot be in one (after the last '@',
  // which ends the auth part). Returns what follows it.
  function parseAuthority(self, rest, url) {
    let atSign = -1;
    let nonHost = -1;
    for (let i = 0; i < rest.length; i++) {
      const char = rest[i];
      if (HOST_END.has(char)) {
        if (nonHost === -1) nonHost = i;
        break;
      }
      if (NON_HOST.has(char)) {
        if (nonHost === -1) nonHost = i;
      } else if (char === '@') {
        atSign = i;
        nonHost = -1;
      }
    }
    if (atSign !== -1) self.auth = decodeURIComponent(rest.slice(0, atSign));
    const start = atSign + 1;
    if (nonHost === -1) {
      self.host = rest.slice(start);
      rest = '';
    } else {
      self.host = rest.slice(start, nonHost);
      rest = rest.slice(nonHost);
    }
    self.parseHost();
    if (typeof self.hostname !== 'string') self.hostname = '';
    const ipv6 = isIpv6Hostname(self.hostname);
    if (!ipv6) {
      // A character that cannot be in a hostname starts the path instead.
      const bad = self.hostname.search(/[/\\#?:]/);
      if (bad !== -1) {
        if (self.hostname[bad] === ':' && typeof process.emitWarning === 'function') {
          process.emitWarning(
            `The URL ${url} is invalid. Future versions of Node.js will throw an error.`,
            'DeprecationWarning', 'DEP0170',
          );
        }
        rest = `/${self.hostname.slice(bad)}${rest}`;
        self.hostname = self.hostname.slice(0, bad);
      }
    }
    self.hostname = self.hostname.length > HOSTNAME_MAX ? '' : self.hostname.toLowerCase();
    if (self.hostname !== '' && (ipv6 ? FORBIDDEN_IPV6_HOST : FORBIDDEN_HOST).test(self.hostname)) {
      throw invalidUrl(url);
    }
    self.host = self.hostname + (self.port ? `:${self.port}` : '');
    if (ipv6) {
      self.hostname = self.hostname.slice(1, -1);
      if (rest[0] !== '/') rest = `/${rest}`;
    }
    return rest;
  }

  Url.prototype.parse = function parse(url, parseQueryString, slashesDenoteHost) {
    if (typeof url !== 'string') throw errors.invalidArgType('url', 'of type string', url);
    // Trimmed; backslashes before the query or hash are slashes, as browsers read them.
    let rest = url.replace(EDGE_WHITESPACE, '');
    const split = rest.search(/[?#]/);
    const head = split === -1 ? rest : rest.slice(0, split);
    rest = head.replace(/\\/g, '/') + (split === -1 ? '' : rest.slice(split));

    if (!slashesDenoteHost && !rest.includes('#') && !head.includes('@')) {
      const simple = SIMPLE_PATH.exec(rest);
      if (simple) {
        this.path = rest;
        this.href = rest;
        this.pathname = simple[1];
        if (simple[2]) {
          this.search = simple[2];
          this.query = parseQueryString
            ? querystring.parse(this.search.slice(1)) : this.search.slice(1);
        } else if (parseQueryString) {
          this.search = null;
          this.query = { __proto__: null };
        }
        return this;
      }
    }

    const protocolMatch = PROTOCOL.exec(rest);
    let protocol;
    let lowerProtocol;
    if (protocolMatch) {
      protocol = protocolMatch[0];
      lowerProtocol = protocol.toLowerCase();
      this.protocol = lowerProtocol;
      rest = rest.slice(protocol.length);
    }

    let slashes = false;
    if (slashesDenoteHost || protocol || HOST_WITH_AUTH.test(rest)) {
      slashes = rest.startsWith('//');
      if (slashes && !(protocol && HOSTLESS.has(lowerProtocol))) {
        rest = rest.slice(2);
        this.slashes = true;
      }
    }

    // As Node, the protocol as written (not lowercased) decides whether a host follows.
    if (!HOSTLESS.has(lowerProtocol) && (slashes || (protocol && !SLASHED.has(protocol)))) {
      rest = parseAuthority(this, rest, url);
    }

    if (!UNSAFE.has(lowerProtocol)) {
      rest = rest.replace(AUTO_ESCAPE, (char) => encodeURIComponent(char).replace(/'/, '%27'));
    }
    rest = splitQuery(this, rest, parseQueryString);
    if (rest.length > 0) this.pathname = rest;
    if (SLASHED.has(lowerProtocol) && this.hostname && !this.pathname) this.pathname = '/';
    if (this.pathname || this.search) this.path = (this.pathname || '') + (this.search || '');
    this.href = this.format();
    return this;
  };

  Url.prototype.parseHost = function parseHost() {
    let host = this.host;
    const port = PORT.exec(host);
    if (port) {
      if (port[0] !== ':') this.port = port[0].slice(1);
      host = host.slice(0, host.length - port[0].length);
    }
    if (host) this.hostname = host;
  };

  Url.prototype.format = function format() {
    let auth = this.auth || '';
    if (auth) auth = `${encodeURIComponent(auth).replace(/%3A/gi, ':')}@`;
    let protocol = this.protocol || '';
    let pathname = (this.pathname || '').replace(/[#?]/g, encodeURIComponent);
    let hash = this.hash || '';
    let host = '';
    if (this.host) {
      host = auth + this.host;
    } else if (this.hostname) {
      const hostname = this.hostname;
      host = auth + (hostname.includes(':') && !isIpv6Hostname(hostname) ? `[${hostname}]` : hostname);
      if (this.port) host += `:${this.port}`;
    }
    let query = '';
    if (this.query !== null && typeof this.query === 'object') {
      query = querystring.stringify(this.query);
    }
    let search = this.search || (query && `?${query}`) || '';
    if (protocol && !protocol.endsWith(':')) protocol += ':';
    // Only slashed protocols get '//' (others when they had it); file: always does.
    if (this.slashes || SLASHED.has(protocol)) {
      if (this.slashes || host) {
        if (pathname && pathname[0] !== '/') pathname = `/${pathname}`;
        host = `//${host}`;
      } else if (protocol.startsWith('file')) {
        host = '//';
      }
    }
    search = search.replace(/#/g, '%23');
    if (hash && hash[0] !== '#') hash = `#${hash}`;
    if (search && search[0] !== '?') search = `?${search}`;
    return protocol + host + pathname + search + hash;
  };

  Url.prototype.resolve = function resolve(relative) {
    return this.resolveObject(urlParse(relative, false, true)).format();
  };

  function copyInto(target, source, except) {
    for (const key of Object.keys(source)) {
      if (key !== except) target[key] = source[key];
    }
  }

  // For a protocol without slashes (mailto:, a custom one), the host lives in the path.
  function takeHost(result) {
    if (result.host && result.host.indexOf('@') > 0) {
      const [auth, host] = result.host.split('@');
      result.auth = auth;
      result.host = result.hostname = host;
    }
  }

  function finish(result) {
    if (result.pathname !== null || result.search !== null) {
      result.path = (result.pathname || '') + (result.search || '');
    }
    result.href = result.format();
    return result;
  }

  // Resolves `relative` against this URL as a browser resolves a link, with Node's legacy rules.
  Url.prototype.resolveObject = function resolveObject(relative) {
    if (typeof relative === 'string') relative = urlParse(relative, false, true);
    const result = new Url();
    copyInto(result, this);
    result.hash = relative.hash;
    if (relative.href === '') {
      result.href = result.format();
      return result;
    }

    // Protocol-relative ('//host/path'): everything but the protocol comes from `relative`.
    if (relative.slashes && !relative.protocol) {
      copyInto(result, relative, 'protocol');
      if (SLASHED.has(result.protocol) && result.hostname && !result.pathname) {
        result.path = result.pathname = '/';
      }
      result.href = result.format();
      return result;
    }

    if (relative.protocol && relative.protocol !== result.protocol) {
      // Another protocol: an absolute URL, except that a slashed one may omit its slashes
      // ('http:path' against an https: base).
      if (!SLASHED.has(relative.protocol)) {
        copyInto(result, relative);
        result.href = result.format();
        return result;
      }
      result.protocol = relative.protocol;
      if (!relative.host && !/^file:?$/.test(relative.protocol) && !HOSTLESS.has(relative.protocol)) {
        const segments = (relative.pathname || '').split('/');
        while (segments.length && !(relative.host = segments.shift()));
        if (!relative.host) relative.host = '';
        if (!relative.hostname) relative.hostname = '';
        if (segments[0] !== '') segments.unshift('');
        if (segments.length < 2) segments.unshift('');
        result.pathname = segments.join('/');
      } else {
        result.pathname = relative.pathname;
      }
      result.search = relative.search;
      result.query = relative.query;
      result.host = relative.host || '';
      result.auth = relative.auth;
      result.hostname = relative.hostname || relative.host;
      result.port = relative.port;
      if (result.pathname || result.search) {
        result.path = (result.pathname || '') + (result.search || '');
      }
      result.slashes = result.slashes || relative.slashes;
      result.href = result.format();
      return result;
    }

    const sourceAbsolute = Boolean(result.pathname && result.pathname[0] === '/');
    const relativeAbsolute = Boolean(relative.host ||
      (relative.pathname && relative.pathname[0] === '/'));
    let mustEndAbsolute = relativeAbsolute || sourceAbsolute ||
      Boolean(result.host && relative.pathname);
    const removeAllDots = mustEndAbsolute;
    let segments = (result.pathname && result.pathname.split('/')) || [];
    const relativeSegments = (relative.pathname && relative.pathname.split('/')) || [];
    const hostInPath = Boolean(result.protocol && !SLASHED.has(result.protocol));

    if (hostInPath) {
      result.hostname = '';
      result.port = null;
      if (result.host) {
        if (segments[0] === '') segments[0] = result.host;
        else segments.unshift(result.host);
      }
      result.host = '';
      if (relative.protocol) {
        relative.hostname = null;
        relative.port = null;
        if (relative.host) {
          if (relativeSegments[0] === '') relativeSegments[0] = relative.host;
          else relativeSegments.unshift(relative.host);
        }
        relative.host = null;
      }
      mustEndAbsolute = mustEndAbsolute && (relativeSegments[0] === '' || segments[0] === '');
    }

    if (relativeAbsolute) {
      // An absolute path (or a host): it replaces the path.
      if (relative.host || relative.host === '') {
        if (result.host !== relative.host) result.auth = null;
        result.host = relative.host;
        result.port = relative.port;
      }
      if (relative.hostname || relative.hostname === '') {
        if (result.hostname !== relative.hostname) result.auth = null;
        result.hostname = relative.hostname;
      }
      result.search = relative.search;
      result.query = relative.query;
      segments = relativeSegments;
    } else if (relativeSegments.length) {
      // A relative path: it replaces the last segment.
      segments.pop();
      segments = segments.concat(relativeSegments);
      result.search = relative.search;
      result.query = relative.query;
    } else if (relative.search !== null && relative.search !== undefined) {
      // Only a query: the path stays.
      if (hostInPath) {
        result.hostname = result.host = segments.shift();
        takeHost(result);
      }
      result.search = relative.search;
      result.query = relative.query;
      return finish(result);
    }

    if (!segments.length) {
      // No path left: the URL is its host and query.
      result.pathname = null;
      result.path = result.search ? `/${result.search}` : null;
      result.href = result.format();
      return result;
    }

    // Applying '.' and '..'; a last segment of '.', '..' or '' leaves a trailing slash.
    let last = segments[segments.length - 1];
    const trailingSlash = Boolean((result.host || relative.host || segments.length > 1) &&
      (last === '.' || last === '..')) || last === '';
    let up = 0;
    for (let i = segments.length - 1; i >= 0; i--) {
      last = segments[i];
      if (last === '.') {
        segments.splice(i, 1);
      } else if (last === '..') {
        segments.splice(i, 1);
        up++;
      } else if (up) {
        segments.splice(i, 1);
        up--;
      }
    }
    if (!mustEndAbsolute && !removeAllDots) {
      for (; up > 0; up--) segments.unshift('..');
    }
    if (mustEndAbsolute && segments[0] !== '' && (!segments[0] || segments[0][0] !== '/')) {
      segments.unshift('');
    }
    if (trailingSlash && !segments.join('/').endsWith('/')) segments.push('');

    const isAbsolute = segments[0] === '' || Boolean(segments[0] && segments[0][0] === '/');
    if (hostInPath) {
      result.hostname = result.host = isAbsolute ? '' : segments.length ? segments.shift() : '';
      takeHost(result);
    }
    mustEndAbsolute = mustEndAbsolute || Boolean(result.host && segments.length);
    if (mustEndAbsolute && !isAbsolute) segments.unshift('');
    if (segments.length > 0) {
      result.pathname = segments.join('/');
    } else {
      result.pathname = null;
      result.path = null;
    }
    result.auth = relative.auth || result.auth;
    result.slashes = result.slashes || relative.slashes;
    return finish(result);
  };

  return { Url, urlParse };
})();
