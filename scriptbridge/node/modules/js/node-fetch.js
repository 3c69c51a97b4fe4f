// require('node-fetch'): node-fetch 2's fetch(url | URL | Request, init) over the Python
// backend, with Headers, Request, Response and FetchError. The module is the fetch function
// itself, with `.default` pointing to it, as node-fetch 2's CommonJS export is.
// Not supported: bodies as streams or Blobs, response.body as a stream, AbortSignal (ignored).

const USER_AGENT = 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

class FetchError extends Error {
  constructor(message, type, systemError) {
    super(message);
    this.name = 'FetchError';
    this.type = type;
    if (systemError && systemError.code !== undefined) {
      this.code = this.errno = systemError.code;
    }
  }
}

function checkName(name) {
  name = String(name);
  if (!TOKEN.test(name)) throw new TypeError(`${name} is not a legal HTTP header name`);
  return name.toLowerCase();
}

class Headers {
  #map = new Map(); // lower-case name -> values

  constructor(init) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      for (const [name, values] of Object.entries(init.raw())) for (const v of values) this.append(name, v);
    } else if (typeof init[Symbol.iterator] === 'function') {
      for (const pair of init) {
        const items = [...pair];
        if (items.length !== 2) throw new TypeError('Each header pair must be a name/value tuple');
        this.append(items[0], items[1]);
      }
    } else if (typeof init === 'object') {
      for (const name of Object.keys(init)) this.append(name, init[name]);
    } else {
      throw new TypeError('Provided initializer must be an object');
    }
  }

  append(name, value) {
    const key = checkName(name);
    const values = this.#map.get(key);
    if (values) values.push(String(value));
    else this.#map.set(key, [String(value)]);
  }

  set(name, value) {
    this.#map.set(checkName(name), [String(value)]);
  }

  get(name) {
    const values = this.#map.get(checkName(name));
    return values ? values.join(', ') : null;
  }

  has(name) {
    return this.#map.has(checkName(name));
  }

  delete(name) {
    this.#map.delete(checkName(name));
  }

  forEach(callback, thisArg) {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  *entries() {
    for (const name of [...this.#map.keys()].sort()) yield [name, this.#map.get(name).join(', ')];
  }

  *keys() {
    for (const [name] of this.entries()) yield name;
  }

  *values() {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  // node-fetch's extension: every value of every header, set-cookie's included.
  raw() {
    const out = {};
    for (const [name, values] of this.#map) out[name] = values.slice();
    return out;
  }

  get [Symbol.toStringTag]() {
    return 'Headers';
  }
}

// The body a script gave, as a string, a Buffer or null, with its default content type.
function extractBody(body) {
  if (body === undefined || body === null) return [null, null];
  if (typeof body === 'string') return [body, 'text/plain;charset=UTF-8'];
  if (body instanceof URLSearchParams) return [body.toString(), 'application/x-www-form-urlencoded;charset=UTF-8'];
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return [wireBytes(body), null];
  return [String(body), 'text/plain;charset=UTF-8'];
}

// The body methods of Request and Response (each body can be read once).
class Body {
  #bytes;
  #used = false;
  #url;

  constructor(bytes, url) {
    this.#bytes = bytes;
    this.#url = url;
  }

  get bodyUsed() {
    return this.#used;
  }

  _consume() {
    if (this.#used) return Promise.reject(new TypeError(`body used already for: ${this.#url}`));
    this.#used = true;
    const bytes = this.#bytes;
    if (bytes === null) return Promise.resolve(Buffer.alloc(0));
    return Promise.resolve(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  }

  _bytes() {
    return this.#bytes;
  }

  buffer() {
    return this._consume();
  }

  arrayBuffer() {
    return this._consume().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }

  text() {
    return this._consume().then((b) => b.toString('utf8'));
  }

  json() {
    return this._consume().then((b) => {
      try {
        return JSON.parse(b.toString('utf8'));
      } catch (err) {
        throw new FetchError(`invalid json response body at ${this.#url} reason: ${err.message}`, 'invalid-json');
      }
    });
  }
}

class Request extends Body {
  constructor(input, init = {}) {
    const source = input instanceof Request ? input : null;
    const url = new URL(source ? source.url : String(input));
    const method = String(init.method || (source ? source.method : 'GET')).toUpperCase();
    let bytes = init.body !== undefined ? init.body : source ? source._bytes() : null;
    if (bytes !== null && bytes !== undefined && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError('Request with GET/HEAD method cannot have body');
    }
    const [content, type] = extractBody(bytes);
    super(content, url.href);
    this.url = url.href;
    this.method = method;
    this.headers = new Headers(init.headers !== undefined ? init.headers : source ? source.headers : undefined);
    if (type !== null && !this.headers.has('Content-Type')) this.headers.set('Content-Type', type);
    const pick = (key, fallback) => (init[key] !== undefined ? init[key] : source ? source[key] : fallback);
    this.redirect = pick('redirect', 'follow');
    this.follow = pick('follow', 20);
    this.timeout = pick('timeout', 0);
    this.compress = pick('compress', true);
    this.agent = pick('agent', undefined);
    this.signal = pick('signal', null);
  }

  clone() {
    return new Request(this);
  }
}

class Response extends Body {
  constructor(body = null, init = {}) {
    const [content, type] = extractBody(body);
    super(content, init.url || '');
    this.url = init.url || '';
    this.status = init.status === undefined ? 200 : init.status;
    this.statusText = init.statusText || '';
    this.headers = new Headers(init.headers);
    if (type !== null && !this.headers.has('Content-Type')) this.headers.set('Content-Type', type);
    this.redirected = Boolean(init.redirected);
    this.type = 'default';
  }

  get ok() {
    return this.status >= 200 && this.status < 300;
  }

  clone() {
    if (this.bodyUsed) throw new Error('cannot clone body after it is used');
    return new Response(this._bytes(), this);
  }
}

function fetch(input, init) {
  return new Promise((resolve, reject) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('Only HTTP(S) protocols are supported');
    }
    const headers = request.headers;
    if (!headers.has('Accept')) headers.set('Accept', '*/*');
    if (!headers.has('User-Agent')) headers.set('User-Agent', USER_AGENT);
    if (request.compress && !headers.has('Accept-Encoding')) headers.set('Accept-Encoding', 'gzip,deflate');
    const agent = typeof request.agent === 'function' ? request.agent(url) : request.agent;
    const pairs = [];
    for (const [name, values] of Object.entries(headers.raw())) for (const v of values) pairs.push([name, v]);
    const spec = {
      method: request.method,
      url: request.url,
      headers: pairs,
      ...wireBody(request._bytes()),
      timeout: request.timeout > 0 ? request.timeout : null,
      redirect: request.redirect === 'follow' ? 'follow' : 'manual',
      maxRedirects: request.follow,
      tls: tlsOptions(agent ? agent.options : globalAgentOptions()),
    };
    sendRequest(spec, (err, res) => {
      if (err) {
        if (isTimeout(err)) {
          reject(new FetchError(`network timeout at: ${request.url}`, 'request-timeout'));
        } else if (err.code === 'ERR_TOO_MANY_REDIRECTS') {
          reject(new FetchError(`maximum redirect reached at: ${request.url}`, 'max-redirect'));
        } else {
          const cause = nodeError(err);
          reject(cause.name === 'TimeoutError' ? cause
            : new FetchError(`request to ${request.url} failed, reason: ${cause.message}`, 'system', cause));
        }
        return;
      }
      const responseHeaders = new Headers(res.headers);
      if (REDIRECT_STATUSES.has(res.status) && responseHeaders.has('location')) {
        if (request.redirect === 'error') {
          reject(new FetchError(`uri requested responds with a redirect, redirect mode is set to error: ${request.url}`, 'no-redirect'));
          return;
        }
        // In manual mode node-fetch 2 makes Location absolute.
        responseHeaders.set('Location', new URL(responseHeaders.get('location'), res.url).href);
      }
      resolve(new Response(res.body, {
        url: res.url, status: res.status, statusText: res.statusText, headers: responseHeaders, redirected: res.redirected,
      }));
    });
  });
}

fetch.isRedirect = (code) => REDIRECT_STATUSES.has(code);
fetch.default = fetch;
fetch.Headers = Headers;
fetch.Request = Request;
fetch.Response = Response;
fetch.FetchError = FetchError;

module.exports = fetch;
