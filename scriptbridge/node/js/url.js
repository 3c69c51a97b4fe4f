// WHATWG URL and URLSearchParams, on the parser in urlparser.js.
// Defines: URL, URLSearchParams.
(function () {
  'use strict';

  const { defineGlobal, errors, urlParser } = globalThis.__sb_internals;
  const {
    DEFAULT_PORTS, FRAGMENT_SET, QUERY_SET, SPECIAL_QUERY_SET, USERINFO_SET,
    isSpecial, percentEncode, formEncode, formParse,
    parse, parsePath, setHostAndPort, serialize, pathname,
  } = urlParser;
  const CUSTOM_INSPECT = Symbol.for('nodejs.util.inspect.custom');

  function invalidUrl(input, base) {
    const error = errors.nodeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
    error.input = input;
    if (base !== undefined) error.base = base;
    return error;
  }

  const toUSV = (value) => String(value).toWellFormed();

  // ---- URLSearchParams ----------------------------------------------------------------------

  // Both classes reach into each other's private state through these, set in static blocks.
  let setQueryFromParams;
  let setParamsFromQuery;

  class URLSearchParams {
    #list = []; // [name, value] pairs, in order
    #url = null; // the URL these parameters belong to, kept in sync both ways

    // From a query string ('?' optional), an iterable of [name, value] pairs, or an object.
    constructor(init = '') {
      if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
        const iterator = init[Symbol.iterator];
        if (iterator === undefined) {
          for (const key of Object.keys(init)) {
            this.#list.push([toUSV(key), toUSV(init[key])]);
          }
          return;
        }
        if (typeof iterator !== 'function') {
          throw errors.nodeError(TypeError, 'ERR_ARG_NOT_ITERABLE', 'Query pairs must be iterable');
        }
        for (const pair of init) {
          const items = pair !== null && typeof pair === 'object' &&
            typeof pair[Symbol.iterator] === 'function' ? [...pair] : [];
          if (items.length !== 2) {
            throw errors.nodeError(
              TypeError, 'ERR_INVALID_TUPLE',
              'Each query pair must be an iterable [name, value] tuple',
            );
          }
          this.#list.push([toUSV(items[0]), toUSV(items[1])]);
        }
        return;
      }
      const text = init === null ? '' : toUSV(init);
      this.#list = formParse(text.startsWith('?') ? text.slice(1) : text);
    }

    static {
      setParamsFromQuery = (params, url, query) => {
        params.#url = url;
        params.#list = query === null ? [] : formParse(query);
      };
    }

    #update() {
      if (this.#url !== null) setQueryFromParams(this.#url, this.toString());
    }

    get size() {
      return this.#list.length;
    }

    append(name, value) {
      if (arguments.length < 2) throw errors.missingArgs('"name" and "value" arguments');
      this.#list.push([toUSV(name), toUSV(value)]);
      this.#update();
    }

    delete(name, value) {
      if (arguments.length < 1) throw errors.missingArgs('"name" argument');
      const key = toUSV(name);
      const only = value === undefined ? null : toUSV(value);
      this.#list = this.#list.filter(([n, v]) => n !== key || (only !== null && v !== only));
      this.#update();
    }

    get(name) {
      if (arguments.length < 1) throw errors.missingArgs('"name" argument');
      const pair = this.#list.find(([n]) => n === toUSV(name));
      return pair ? pair[1] : null;
    }

    getAll(name) {
      if (arguments.length < 1) throw errors.missingArgs('"name" argument');
      return this.#list.filter(([n]) => n === toUSV(name)).map(([, v]) => v);
    }

    has(name, value) {
      if (arguments.length < 1) throw errors.missingArgs('"name" argument');
      const key = toUSV(name);
      return this.#list.some(([n, v]) => n === key && (value === undefined || v === toUSV(value)));
    }

    // Replaces the first pair with this name and drops the others, or appends.
    set(name, value) {
      if (arguments.length < 2) throw errors.missingArgs('"name" and "value" arguments');
      const key = toUSV(name);
      const index = this.#list.findIndex(([n]) => n === key);
      if (index === -1) {
        this.#list.push([key, toUSV(value)]);
      } else {
        this.#list[index] = [key, toUSV(value)];
        this.#list = this.#list.filter(([n], i) => n !== key || i <= index);
      }
      this.#update();
    }

    // A stable sort by name, comparing UTF-16 code units.
    sort() {
      this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.#update();
    }

    forEach(callback, thisArg = undefined) {
      errors.validateFunction(callback, 'callback');
      for (let i = 0; i < this.#list.length; i++) {
        const [name, value] = this.#list[i];
        callback.call(thisArg, value, name, this);
      }
    }

    *#iterate(pick) {
      for (let i = 0; i < this.#list.length; i++) yield pick(this.#list[i]);
    }

    entries() {
      return this.#iterate(([name, value]) => [name, value]);
    }

    keys() {
      return this.#iterate(([name]) => name);
    }

    values() {
      return this.#iterate(([, value]) => value);
    }

    [Symbol.iterator]() {
      return this.entries();
    }

    toString() {
      return this.#list.map(([n, v]) => `${formEncode(n)}=${formEncode(v)}`).join('&');
    }

    get [Symbol.toStringTag]() {
      return 'URLSearchParams';
    }

    // Node shows URLSearchParams { 'a' => '1' }.
    [CUSTOM_INSPECT](depth, options, inspect) {
      const shown = this.#list.map(([n, v]) => `${inspect(n)} => ${inspect(v)}`);
      return shown.length === 0 ? 'URLSearchParams {}' : `URLSearchParams { ${shown.join(', ')} }`;
    }
  }

  // ---- URL --------------------------------------------------------------------------------

  class URL {
    #record;
    #params = new URLSearchParams();

    constructor(url, base) {
      if (arguments.length === 0) throw errors.missingArgs('"url" argument');
      let baseRecord = null;
      if (base !== undefined) {
        baseRecord = parse(toUSV(base), null);
        if (baseRecord === null) throw invalidUrl(toUSV(url), toUSV(base));
      }
      this.#set(url, baseRecord, base);
    }

    #set(url, baseRecord, base) {
      const record = parse(toUSV(url), baseRecord);
      if (record === null) throw invalidUrl(toUSV(url), base === undefined ? base : toUSV(base));
      this.#record = record;
      setParamsFromQuery(this.#params, this, record.query);
    }

    static {
      setQueryFromParams = (url, query) => {
        url.#record.query = query === '' ? null : query;
      };
    }

    static canParse(url, base) {
      const baseRecord = base === undefined ? null : parse(toUSV(base), null);
      return (base === undefined || baseRecord !== null) && parse(toUSV(url), baseRecord) !== null;
    }

    get href() {
      return serialize(this.#record);
    }

    set href(value) {
      this.#set(value, null, undefined);
    }

    get origin() {
      const { scheme, host, port } = this.#record;
      if (!isSpecial(scheme) || scheme === 'file') return 'null';
      return `${scheme}://${host}${port !== null ? `:${port}` : ''}`;
    }

    get protocol() {
      return `${this.#record.scheme}:`;
    }

    // Only switches between two special schemes, or between two non-special ones.
    set protocol(value) {
      const match = /^([a-zA-Z][a-zA-Z0-9+\-.]*)/.exec(toUSV(value));
      const record = this.#record;
      if (!match) return;
      const scheme = match[1].toLowerCase();
      if (isSpecial(scheme) !== isSpecial(record.scheme) ||
          (scheme === 'file' && (record.username || record.password || record.port !== null))) {
        return;
      }
      record.scheme = scheme;
      if (record.port === DEFAULT_PORTS[scheme]) record.port = null;
    }

    get username() {
      return this.#record.username;
    }

    set username(value) {
      if (this.#hasCredentials()) this.#record.username = percentEncode(toUSV(value), USERINFO_SET);
    }

    get password() {
      return this.#record.password;
    }

    set password(value) {
      if (this.#hasCredentials()) this.#record.password = percentEncode(toUSV(value), USERINFO_SET);
    }

    #hasCredentials() {
      const { host, scheme } = this.#record;
      return host !== null && host !== '' && scheme !== 'file';
    }

    get host() {
      const { host, port } = this.#record;
      return host === null ? '' : host + (port !== null ? `:${port}` : '');
    }

    set host(value) {
      this.#setHost(toUSV(value), true);
    }

    get hostname() {
      return this.#record.host === null ? '' : this.#record.host;
    }

    set hostname(value) {
      this.#setHost(toUSV(value), false);
    }

    #setHost(text, withPort) {
      const record = this.#record;
      if (typeof record.path === 'string') return;
      const special = isSpecial(record.scheme);
      const end = text.search(special ? /[/\\?#]/ : /[/?#]/);
      const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(end === -1 ? text : text.slice(0, end));
      // hostname takes no port; a special URL keeps its host rather than lose it.
      if (!match || (match[2] !== undefined && !withPort) || (match[1] === '' && special)) return;
      const copy = { ...record };
      const portText = match[2] === undefined ? undefined : /^[0-9]*/.exec(match[2])[0];
      if (setHostAndPort(copy, match[1], portText)) {
        record.host = copy.host;
        if (portText) record.port = copy.port;
      }
    }

    get port() {
      return this.#record.port === null ? '' : String(this.#record.port);
    }

    // Leading digits count; a default port clears it.
    set port(value) {
      const record = this.#record;
      if (!this.#hasCredentials()) return;
      const text = toUSV(value);
      if (text === '') {
        record.port = null;
        return;
      }
      const digits = /^[0-9]+/.exec(text);
      const port = digits && parseInt(digits[0], 10);
      if (port !== null && port <= 65535) {
        record.port = port === DEFAULT_PORTS[record.scheme] ? null : port;
      }
    }

    get pathname() {
      return pathname(this.#record);
    }

    set pathname(value) {
      const record = this.#record;
      if (typeof record.path === 'string') return;
      const text = toUSV(value);
      const special = isSpecial(record.scheme);
      const absolute = text.startsWith('/') || (special && text.startsWith('\\'));
      record.path = text === '' && !special
        ? [] : parsePath(absolute ? text.slice(1) : text, special, []);
    }

    get search() {
      const query = this.#record.query;
      return query === null || query === '' ? '' : `?${query}`;
    }

    set search(value) {
      const text = toUSV(value);
      const set = isSpecial(this.#record.scheme) ? SPECIAL_QUERY_SET : QUERY_SET;
      this.#record.query = text === '' ? null : percentEncode(text.replace(/^\?/, ''), set);
      setParamsFromQuery(this.#params, this, this.#record.query);
    }

    get searchParams() {
      return this.#params;
    }

    get hash() {
      const fragment = this.#record.fragment;
      return fragment === null || fragment === '' ? '' : `#${fragment}`;
    }

    set hash(value) {
      const text = toUSV(value);
      this.#record.fragment = text === ''
        ? null : percentEncode(text.replace(/^#/, ''), FRAGMENT_SET);
    }

    toString() {
      return this.href;
    }

    toJSON() {
      return this.href;
    }

    get [Symbol.toStringTag]() {
      return 'URL';
    }

    // Node lists the components: URL { href: '...', origin: '...', ... }.
    [CUSTOM_INSPECT](depth, options, inspect) {
      if (typeof depth === 'number' && depth < 0) return this;
      const shown = {};
      for (const key of ['href', 'origin', 'protocol', 'username', 'password', 'host',
        'hostname', 'port', 'pathname', 'search', 'searchParams', 'hash']) {
        shown[key] = this[key];
      }
      return `URL ${inspect(shown, options)}`;
    }
  }

  defineGlobal('URL', URL);
  defineGlobal('URLSearchParams', URLSearchParams);
})();
