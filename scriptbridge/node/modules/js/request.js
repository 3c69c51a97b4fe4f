// require('request'): the callback API of request 2.88 over the Python backend.
// request(uri | options, [options], callback(err, response, body)), the verb functions and
// request.defaults(). Not supported: streaming bodies and pipe(), multipart/formData, oauth,
// aws, hawk, httpSignature, digest auth, and cookies (request.jar() is a jar that keeps none).

const BODY_METHODS_NOT_FOLLOWED = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// request's argument forms: (uri, cb), (uri, options, cb), (options, cb).
function initParams(uri, options, callback) {
  if (typeof options === 'function') callback = options;
  let params;
  if (options !== null && typeof options === 'object') {
    params = Object.assign({}, options, { uri });
  } else if (typeof uri === 'string' || uri instanceof URL) {
    params = { uri };
  } else {
    params = Object.assign({}, uri);
  }
  params.callback = callback || params.callback;
  return params;
}

class Request extends Emitter {
  constructor(params) {
    super();
    this.method = String(params.method || 'GET').toUpperCase();
    this.headers = Object.assign({}, params.headers);
    this.callback = typeof params.callback === 'function' ? params.callback : null;
    this.aborted = false;
    this.response = undefined;
    this._json = Boolean(params.json);
    this._encoding = params.encoding;
    let spec;
    try {
      spec = this._spec(params);
    } catch (err) {
      Promise.resolve().then(() => this._fail(err));
      return;
    }
    sendRequest(spec, (err, res) => this._finish(err, res, spec));
  }

  hasHeader(name) {
    return headerKey(this.headers, name) !== undefined;
  }

  setHeader(name, value) {
    const key = headerKey(this.headers, name);
    if (key !== undefined) delete this.headers[key];
    this.headers[name] = value;
  }

  getHeader(name) {
    const key = headerKey(this.headers, name);
    return key === undefined ? undefined : this.headers[key];
  }

  abort() {
    this.aborted = true;
    this.emit('abort');
  }

  _spec(params) {
    let uri = params.uri !== undefined ? params.uri : params.url;
    if (params.baseUrl !== undefined && typeof uri === 'string') {
      uri = String(params.baseUrl).replace(/\/+$/, '') + '/' + uri.replace(/^\/+/, '');
    }
    if (uri === undefined || uri === null || uri === '') {
      throw new Error('options.uri is a required argument');
    }
    let url;
    try {
      url = new URL(String(uri));
    } catch (err) {
      throw new Error(`Invalid URI "${uri}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`Invalid protocol: ${url.protocol}`);
    }
    this.uri = url;
    if (url.username !== '' && !this.hasHeader('authorization')) {
      this.setHeader('authorization', basicAuth(decodeURIComponent(url.username), decodeURIComponent(url.password)));
    }
    url.username = '';
    url.password = '';
    if (params.qs !== undefined && params.qs !== null) {
      const query = typeof params.qs === 'string' ? params.qs : qsStringify(params.qs, params.useQuerystring);
      if (query !== '') url.search = url.search === '' ? query : `${url.search.slice(1)}&${query}`;
    }

    let body = params.body;
    if (params.form !== undefined && params.form !== null) {
      if (!/^application\/x-www-form-urlencoded\b/.test(this.getHeader('content-type') || '')) {
        this.setHeader('content-type', 'application/x-www-form-urlencoded');
      }
      body = typeof params.form === 'string' ? params.form : qsStringify(params.form, params.useQuerystring);
    }
    if (params.formData !== undefined || params.multipart !== undefined) {
      throw new Error('scriptbridge: request\'s formData and multipart options are not supported');
    }
    if (params.json) {
      if (!this.hasHeader('accept')) this.setHeader('accept', 'application/json');
      if (typeof params.json !== 'boolean') {
        body = JSON.stringify(params.json);
        if (!this.hasHeader('content-type')) this.setHeader('content-type', 'application/json');
      } else if (body !== undefined && params.form === undefined) {
        body = JSON.stringify(body);
        if (!this.hasHeader('content-type')) this.setHeader('content-type', 'application/json');
      }
    }
    if (body !== undefined && body !== null && typeof body === 'object' &&
        !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer)) {
      throw new Error('Argument error, options.body.');
    }
    if (this.method === 'HEAD' && body !== undefined && body !== null && body !== '') {
      throw new Error('HTTP HEAD requests MUST NOT include a request body.');
    }

    const auth = params.auth;
    if (auth && typeof auth === 'object') {
      if (auth.bearer !== undefined) {
        const token = typeof auth.bearer === 'function' ? auth.bearer() : auth.bearer;
        this.setHeader('authorization', `Bearer ${token}`);
      } else {
        const user = auth.user !== undefined ? auth.user : auth.username;
        const pass = auth.pass !== undefined ? auth.pass : auth.password;
        this.setHeader('authorization', basicAuth(user === undefined ? '' : user, pass === undefined ? '' : pass));
      }
    }
    if (params.gzip && !this.hasHeader('accept-encoding')) this.setHeader('accept-encoding', 'gzip, deflate');

    const agentOptions = params.agent && typeof params.agent === 'object' ? params.agent.options : null;
    const tls = tlsOptions(
      params.agent || params.agentOptions ? null : globalAgentOptions(),
      agentOptions,
      params.agentOptions,
      params,
    ) || {};
    if (params.strictSSL === false) tls.rejectUnauthorized = false;

    // request follows redirects of GET-like requests; others only with followAllRedirects.
    const follow = params.followAllRedirects === true ||
      (params.followRedirect !== false && !BODY_METHODS_NOT_FOLLOWED.has(this.method));
    return {
      method: this.method,
      url: url.href,
      headers: headerPairs(this.headers),
      ...wireBody(body),
      timeout: typeof params.timeout === 'number' ? params.timeout : null,
      redirect: follow ? 'follow' : 'manual',
      maxRedirects: typeof params.maxRedirects === 'number' ? params.maxRedirects : 10,
      tls: Object.keys(tls).length ? tls : null,
    };
  }

  _fail(err) {
    if (this.aborted) return;
    if (this.listenerCount('error') > 0 || this.callback === null) this.emit('error', err);
    if (this.callback !== null) this.callback(err);
  }

  _finish(err, res, spec) {
    if (this.aborted) return;
    if (err) {
      const error = nodeError(err);
      if (isTimeout(err)) {
        error.message = 'ETIMEDOUT';
        error.connect = false;
      }
      this._fail(error);
      return;
    }
    let body;
    if (this._encoding === null) {
      body = res.body;
    } else {
      body = res.body.toString(this._encoding || 'utf8');
    }
    if (this._json) {
      if (typeof body === 'string' && body.charCodeAt(0) === 0xfeff) body = body.slice(1);
      if (body.length === 0) {
        body = undefined;
      } else {
        try {
          body = JSON.parse(body);
        } catch (parseError) {
          // request leaves a body that is not JSON as it came
        }
      }
    }
    const response = new IncomingResponse(res, spec, body);
    this.response = response;
    this.emit('response', response);
    if (this.listenerCount('data') > 0 && res.body.length > 0) this.emit('data', res.body);
    this.emit('end');
    if (this.callback !== null) this.callback(null, response, body);
    this.emit('complete', response, body);
  }
}

// What the callback gets as `response`: an http.IncomingMessage's fields plus `body`.
class IncomingResponse extends Emitter {
  constructor(res, spec, body) {
    super();
    this.statusCode = res.status;
    this.statusMessage = res.statusText;
    this.headers = nodeHeaders(res.headers);
    this.rawHeaders = rawHeaders(res.headers);
    this.httpVersion = '1.1';
    this.url = '';
    this.body = body;
    this.request = { uri: new URL(res.url), href: res.url, method: spec.method, headers: spec.headers };
  }

  toJSON() {
    return {
      statusCode: this.statusCode,
      body: this.body,
      headers: this.headers,
      request: { uri: this.request.uri.href, method: this.request.method, headers: this.request.headers },
    };
  }
}

function request(uri, options, callback) {
  if (typeof uri === 'undefined') throw new Error('undefined is not a valid uri or options object.');
  return new Request(initParams(uri, options, callback));
}

// Deep-merges plain objects (so default headers and per-call headers combine), as
// request.defaults does.
function isPlain(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function mergeDeep(base, extra) {
  const out = Object.assign({}, base);
  for (const key of Object.keys(extra)) {
    out[key] = isPlain(out[key]) && isPlain(extra[key]) ? mergeDeep(out[key], extra[key]) : extra[key];
  }
  return out;
}

const VERBS = { get: 'GET', head: 'HEAD', options: 'OPTIONS', post: 'POST', put: 'PUT', patch: 'PATCH', del: 'DELETE', delete: 'DELETE' };

function jar() {
  return { setCookie() {}, getCookieString() { return ''; }, getCookies() { return []; } };
}

// Adds the verb functions, defaults(), jar() and cookie() to a request function.
function decorate(send) {
  for (const verb of Object.keys(VERBS)) {
    send[verb] = function verbRequest(uri, options, callback) {
      const params = initParams(uri, options, callback);
      params.method = VERBS[verb];
      return send(params, params.callback);
    };
  }
  send.defaults = (defaults) => {
    if (defaults === null || typeof defaults !== 'object') defaults = {};
    return decorate(function requestWithDefaults(uri, options, callback) {
      const params = initParams(uri, options, callback);
      return send(mergeDeep(defaults, params), params.callback);
    });
  };
  send.jar = jar;
  send.cookie = (text) => text;
  send.Request = Request;
  return send;
}

module.exports = decorate(request);
