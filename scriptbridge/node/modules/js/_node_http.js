// Node's http and https client over the Python backend: request() and get() with a
// ClientRequest, an IncomingMessage that emits the whole body as one 'data' chunk, and Agent /
// globalAgent (whose options carry TLS settings). `nodeHttp('https:')` builds one module.
// Not supported: servers, sockets ('socket' is never emitted), 'upgrade'/'connect', trailers,
// and a request that outlives its timeout (after 'timeout' it ends with an error).

function nodeHttp(protocol) {
  const defaultPort = protocol === 'https:' ? 443 : 80;

  class Agent extends Emitter {
    constructor(options) {
      super();
      this.options = Object.assign({ path: null }, options);
      this.defaultPort = defaultPort;
      this.protocol = protocol;
      this.keepAlive = Boolean(this.options.keepAlive);
      this.maxSockets = this.options.maxSockets || Infinity;
      this.maxFreeSockets = this.options.maxFreeSockets || 256;
      this.requests = {};
      this.sockets = {};
      this.freeSockets = {};
    }

    destroy() {}
  }

  const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

  class IncomingMessage extends Emitter {
    #body;
    #encoding = null;
    #flowing = false;
    #done = false;

    constructor(res, req) {
      super();
      this.#body = res.body;
      this.statusCode = res.status;
      this.statusMessage = res.statusText;
      this.headers = nodeHeaders(res.headers);
      this.rawHeaders = rawHeaders(res.headers);
      this.trailers = {};
      this.rawTrailers = [];
      this.httpVersion = '1.1';
      this.httpVersionMajor = 1;
      this.httpVersionMinor = 1;
      this.complete = false;
      this.aborted = false;
      this.url = '';
      this.method = null;
      this.req = req;
    }

    setEncoding(encoding) {
      this.#encoding = encoding || 'utf8';
      return this;
    }

    // As a readable stream, the body flows once a 'data' listener is added or resume() runs.
    on(event, listener) {
      super.on(event, listener);
      if (event === 'data') this.resume();
      return this;
    }

    resume() {
      if (!this.#flowing) {
        this.#flowing = true;
        Promise.resolve().then(() => this.#flow());
      }
      return this;
    }

    pause() {
      return this;
    }

    #chunk() {
      return this.#encoding === null ? this.#body : this.#body.toString(this.#encoding);
    }

    #flow() {
      if (this.#done) return;
      this.#done = true;
      if (this.#body.length > 0) this.emit('data', this.#chunk());
      this.complete = true;
      this.emit('end');
      this.emit('close');
    }

    pipe(destination) {
      this.on('data', (chunk) => destination.write(chunk));
      this.on('end', () => {
        if (typeof destination.end === 'function') destination.end();
      });
      return destination;
    }

    async *[Symbol.asyncIterator]() {
      if (this.#done) return;
      this.#done = true;
      this.#flowing = true;
      if (this.#body.length > 0) yield this.#chunk();
      this.complete = true;
      this.emit('end');
    }

    destroy() {
      this.#done = true;
      return this;
    }
  }

  class ClientRequest extends Emitter {
    #headers = new Map(); // lower-case name -> [name, value]
    #chunks = [];
    #url;
    #tls;
    #timeout = null;
    #settled = false;

    constructor(options, callback) {
      super();
      const agent = options.agent === undefined || options.agent === null ? globalAgent : options.agent;
      const wanted = options.protocol || (agent && agent.protocol) || protocol;
      if (wanted !== protocol) {
        const error = new TypeError(`Protocol "${wanted}" not supported. Expected "${protocol}"`);
        error.code = 'ERR_INVALID_PROTOCOL';
        throw error;
      }
      const hostname = String(options.hostname || options.host || 'localhost').replace(/^\[|\]$/g, '');
      const port = options.port || options.defaultPort || (agent && agent.defaultPort) || defaultPort;
      this.path = options.path || '/';
      if (/[\u0000-\u0020]/.test(this.path)) {
        const error = new TypeError('Request path contains unescaped characters');
        error.code = 'ERR_UNESCAPED_CHARACTERS';
        throw error;
      }
      this.method = String(options.method || 'GET').toUpperCase();
      this.host = hostname;
      this.protocol = protocol;
      this.aborted = false;
      this.destroyed = false;
      this.finished = false;
      this.reusedSocket = false;
      this.#url = new URL(`${protocol}//${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}${this.path}`).href;
      this.#tls = protocol === 'https:' ? tlsOptions(options, agent ? agent.options : null) : null;
      const headers = options.headers || {};
      for (const name of Object.keys(headers)) {
        if (headers[name] !== undefined) this.setHeader(name, headers[name]);
      }
      if (options.auth && !this.hasHeader('authorization')) {
        const text = String(options.auth);
        const colon = text.indexOf(':');
        this.setHeader('Authorization', colon === -1 ? basicAuth(text, '') : basicAuth(text.slice(0, colon), text.slice(colon + 1)));
      }
      if (typeof options.timeout === 'number') this.setTimeout(options.timeout);
      if (typeof callback === 'function') this.once('response', callback);
    }

    setHeader(name, value) {
      this.#headers.set(String(name).toLowerCase(), [String(name), value]);
      return this;
    }

    getHeader(name) {
      const entry = this.#headers.get(String(name).toLowerCase());
      return entry === undefined ? undefined : entry[1];
    }

    hasHeader(name) {
      return this.#headers.has(String(name).toLowerCase());
    }

    removeHeader(name) {
      this.#headers.delete(String(name).toLowerCase());
    }

    getHeaders() {
      const out = {};
      for (const [key, [, value]] of this.#headers) out[key] = value;
      return out;
    }

    getHeaderNames() {
      return [...this.#headers.keys()];
    }

    flushHeaders() {}

    setNoDelay() {
      return this;
    }

    setSocketKeepAlive() {
      return this;
    }

    setTimeout(ms, callback) {
      this.#timeout = ms > 0 ? ms : null;
      if (typeof callback === 'function') this.once('timeout', callback);
      return this;
    }

    write(chunk, encoding, callback) {
      if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
      if (this.finished) {
        const error = new Error('write after end');
        error.code = 'ERR_STREAM_WRITE_AFTER_END';
        Promise.resolve().then(() => this.emit('error', error));
        return false;
      }
      if (chunk !== undefined && chunk !== null) {
        this.#chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding || 'utf8') : wireBytes(chunk));
      }
      if (typeof callback === 'function') Promise.resolve().then(callback);
      return true;
    }

    end(chunk, encoding, callback) {
      if (typeof chunk === 'function') [callback, chunk] = [chunk, undefined];
      if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
      if (this.finished) return this;
      if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
      this.finished = true;
      if (typeof callback === 'function') this.once('finish', callback);
      // Sent once the caller's synchronous code is done: `https.get(..).setTimeout(..)` and
      // listeners added after end() still count.
      Promise.resolve().then(() => this.#send());
      Promise.resolve().then(() => this.emit('finish'));
      return this;
    }

    #send() {
      if (this.#settled) return;
      const body = this.#chunks.length ? Buffer.concat(this.#chunks) : null;
      const spec = {
        method: this.method,
        url: this.#url,
        headers: [...this.#headers.values()].flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v) => [name, String(v)])),
        ...wireBody(body),
        timeout: this.#timeout,
        redirect: 'manual',
        maxRedirects: 0,
        tls: this.#tls,
      };
      sendRequest(spec, (err, res) => this.#finish(err, res));
    }

    #finish(err, res) {
      if (this.#settled) return;
      if (err) {
        if (isTimeout(err)) {
          this.emit('timeout');
          if (this.#settled) return; // the handler destroyed or aborted the request
        }
        this.#settled = true;
        this.destroyed = true;
        const error = isTimeout(err) ? hangUp() : nodeError(err);
        this.emit('error', error);
        this.emit('close');
        return;
      }
      this.#settled = true;
      const message = new IncomingMessage(res, this);
      this.res = message;
      if (!this.emit('response', message)) message.resume();
    }

    abort() {
      if (this.aborted) return;
      this.aborted = true;
      this.#settled = true;
      this.destroyed = true;
      Promise.resolve().then(() => {
        this.emit('abort');
        this.emit('close');
      });
    }

    destroy(error) {
      if (this.#settled) return this;
      this.#settled = true;
      this.destroyed = true;
      Promise.resolve().then(() => {
        this.emit('error', error || hangUp());
        this.emit('close');
      });
      return this;
    }
  }

  function hangUp() {
    const error = new Error('socket hang up');
    error.code = 'ECONNRESET';
    return error;
  }

  // (url | URL | options, [options], [callback]) as Node's http.request takes them.
  function requestOptions(input, options, callback) {
    if (typeof input === 'string' || input instanceof URL) {
      const url = new URL(String(input));
      const fromUrl = {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname + url.search,
        href: url.href,
      };
      if (url.username !== '') fromUrl.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      if (typeof options === 'function') return [fromUrl, options];
      return [Object.assign(fromUrl, options), callback];
    }
    if (typeof options === 'function') return [Object.assign({}, input), options];
    return [Object.assign({}, input), callback];
  }

  function request(input, options, callback) {
    const [merged, cb] = requestOptions(input, options, callback);
    return new ClientRequest(merged, cb);
  }

  function get(input, options, callback) {
    const req = request(input, options, callback);
    req.end();
    return req;
  }

  return { Agent, ClientRequest, IncomingMessage, globalAgent, request, get };
}
