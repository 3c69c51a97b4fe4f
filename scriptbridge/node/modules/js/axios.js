// require('axios'): axios 0.27's promise API over the Python backend: axios(config),
// axios(url, config), the verb methods, axios.create(), defaults, interceptors and AxiosError.
// Not supported: custom transformRequest/transformResponse, cancel tokens and AbortSignal,
// proxies, responseType 'stream' (it gives a Buffer, as 'arraybuffer' does), and FormData.

const VERSION = '0.27.2';
const METHODS_WITHOUT_DATA = ['delete', 'get', 'head', 'options'];
const METHODS_WITH_DATA = ['post', 'put', 'patch'];

class AxiosError extends Error {
  constructor(message, code, config, request, response) {
    super(message);
    this.name = 'AxiosError';
    if (code !== undefined) this.code = code;
    this.config = config;
    this.request = request;
    this.response = response;
    this.isAxiosError = true;
  }

  toJSON() {
    return {
      message: this.message,
      name: this.name,
      code: this.code,
      status: this.response ? this.response.status : null,
      config: this.config,
    };
  }
}
AxiosError.ERR_BAD_REQUEST = 'ERR_BAD_REQUEST';
AxiosError.ERR_BAD_RESPONSE = 'ERR_BAD_RESPONSE';
AxiosError.ECONNABORTED = 'ECONNABORTED';
AxiosError.ETIMEDOUT = 'ETIMEDOUT';
AxiosError.ERR_NETWORK = 'ERR_NETWORK';
AxiosError.ERR_FR_TOO_MANY_REDIRECTS = 'ERR_FR_TOO_MANY_REDIRECTS';

function isPlain(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function deepMerge(...sources) {
  const out = {};
  for (const source of sources) {
    if (!isPlain(source)) continue;
    for (const key of Object.keys(source)) {
      const value = source[key];
      out[key] = isPlain(value) ? deepMerge(isPlain(out[key]) ? out[key] : {}, value) : value;
    }
  }
  return out;
}

// axios's mergeConfig: url, method and data come from the second config only; plain objects
// (headers, auth, params) merge deeply; anything else from the second config wins.
function mergeConfig(first, second) {
  first = first || {};
  second = second || {};
  const out = {};
  for (const key of new Set([...Object.keys(first), ...Object.keys(second)])) {
    if (key === 'url' || key === 'method' || key === 'data') {
      if (second[key] !== undefined) out[key] = second[key];
    } else if (isPlain(second[key])) {
      out[key] = deepMerge(isPlain(first[key]) ? first[key] : {}, second[key]);
    } else if (second[key] !== undefined) {
      out[key] = second[key];
    } else if (isPlain(first[key])) {
      out[key] = deepMerge(first[key]);
    } else if (first[key] !== undefined) {
      out[key] = first[key];
    }
  }
  return out;
}

function defaults() {
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  return {
    headers: {
      common: { Accept: 'application/json, text/plain, */*' },
      delete: {}, get: {}, head: {}, options: {},
      post: Object.assign({}, form), put: Object.assign({}, form), patch: Object.assign({}, form),
    },
    timeout: 0,
    maxRedirects: 21,
    maxContentLength: -1,
    maxBodyLength: -1,
    validateStatus: (status) => status >= 200 && status < 300,
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false },
  };
}

// axios's buildURL: params as a query string; arrays as key[]=v, objects as JSON.
function encodeParam(value) {
  return encodeURIComponent(value)
    .replace(/%3A/gi, ':').replace(/%24/g, '$').replace(/%2C/gi, ',')
    .replace(/%20/g, '+').replace(/%5B/gi, '[').replace(/%5D/gi, ']');
}

function serializeParams(params, serializer) {
  if (typeof serializer === 'function') return serializer(params);
  if (params instanceof URLSearchParams) return params.toString();
  const parts = [];
  for (const key of Object.keys(params)) {
    let value = params[key];
    if (value === null || value === undefined) continue;
    let name = key;
    if (Array.isArray(value)) name = key + '[]';
    else value = [value];
    for (let item of value) {
      if (item instanceof Date) item = item.toISOString();
      else if (item !== null && typeof item === 'object') item = JSON.stringify(item);
      parts.push(encodeParam(name) + '=' + encodeParam(item));
    }
  }
  return parts.join('&');
}

function fullUrl(config) {
  let url = config.url === undefined ? '' : String(config.url);
  if (config.baseURL && !/^([a-z][a-z\d+\-.]*:)?\/\//i.test(url)) {
    url = url ? String(config.baseURL).replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '') : String(config.baseURL);
  }
  if (config.params) {
    const query = serializeParams(config.params, config.paramsSerializer);
    if (query) {
      const hash = url.indexOf('#');
      if (hash !== -1) url = url.slice(0, hash);
      url += (url.indexOf('?') === -1 ? '?' : '&') + query;
    }
  }
  return url;
}

// The request body and the headers that go with it, as axios's default transformRequest.
function requestBody(data, headers) {
  const typeKey = headerKey(headers, 'content-type');
  const setType = (type) => {
    if (typeKey === undefined) headers['Content-Type'] = type;
  };
  if (data === undefined || data === null) return null;
  if (data instanceof URLSearchParams) {
    setType('application/x-www-form-urlencoded;charset=utf-8');
    return data.toString();
  }
  if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data;
  if (typeof data === 'object') {
    setType('application/json');
    return JSON.stringify(data);
  }
  return String(data);
}

function responseData(body, responseType, encoding) {
  if (responseType === 'arraybuffer' || responseType === 'stream' || responseType === 'blob') return body;
  const text = body.toString(encoding || 'utf8');
  if (responseType && responseType !== 'json') return text;
  if (text.length === 0) return text;
  try {
    return JSON.parse(text);
  } catch (err) {
    return text;
  }
}

function send(config) {
  return new Promise((resolve, reject) => {
    const method = String(config.method || 'get').toLowerCase();
    // config.headers holds the defaults per method and in `common`, and the script's own
    // headers at the top; the body's content type is set among the latter unless present.
    const nested = config.headers || {};
    const own = {};
    for (const key of Object.keys(nested)) {
      if (key !== 'common' && !METHODS_WITHOUT_DATA.includes(key) && !METHODS_WITH_DATA.includes(key)) {
        own[key] = nested[key];
      }
    }
    const body = requestBody(config.data, own);
    const headers = {};
    for (const source of [nested.common, nested[method], own]) {
      if (!source) continue;
      for (const key of Object.keys(source)) {
        const existing = headerKey(headers, key);
        if (existing !== undefined) delete headers[existing];
        headers[key] = source[key];
      }
    }
    if (body === null) {
      const existing = headerKey(headers, 'content-type');
      if (existing !== undefined) delete headers[existing];
    }
    if (headerKey(headers, 'user-agent') === undefined) headers['User-Agent'] = `axios/${VERSION}`;
    if (config.auth) {
      const existing = headerKey(headers, 'authorization');
      if (existing !== undefined) delete headers[existing];
      headers.Authorization = basicAuth(config.auth.username || '', config.auth.password || '');
    }
    const request = {};
    let url;
    try {
      url = new URL(fullUrl(config));
    } catch (err) {
      reject(new AxiosError(err.message, err.code || 'ERR_INVALID_URL', config, request));
      return;
    }
    const agent = url.protocol === 'https:' ? config.httpsAgent : config.httpAgent;
    const tls = tlsOptions(agent ? agent.options : globalAgentOptions());
    const maxRedirects = typeof config.maxRedirects === 'number' ? config.maxRedirects : 21;
    const spec = {
      method: method.toUpperCase(),
      url: url.href,
      headers: headerPairs(headers),
      ...wireBody(body),
      timeout: config.timeout > 0 ? config.timeout : null,
      redirect: maxRedirects > 0 ? 'follow' : 'manual',
      maxRedirects,
      tls,
    };
    sendRequest(spec, (err, res) => {
      if (err) {
        if (isTimeout(err)) {
          const message = config.timeoutErrorMessage || `timeout of ${config.timeout}ms exceeded`;
          reject(new AxiosError(message, 'ECONNABORTED', config, request));
          return;
        }
        const cause = nodeError(err);
        const code = cause.code === 'ERR_TOO_MANY_REDIRECTS' ? 'ERR_FR_TOO_MANY_REDIRECTS' : cause.code;
        reject(new AxiosError(cause.message, code, config, request));
        return;
      }
      const response = {
        data: responseData(res.body, config.responseType, config.responseEncoding),
        status: res.status,
        statusText: res.statusText,
        headers: nodeHeaders(res.headers),
        config,
        request,
      };
      const validate = config.validateStatus;
      if (!validate || validate(res.status)) {
        resolve(response);
        return;
      }
      const code = [AxiosError.ERR_BAD_REQUEST, AxiosError.ERR_BAD_RESPONSE][Math.floor(res.status / 100) - 4];
      reject(new AxiosError(`Request failed with status code ${res.status}`, code, config, request, response));
    });
  });
}

class InterceptorManager {
  constructor() {
    this.handlers = [];
  }

  use(fulfilled, rejected) {
    this.handlers.push({ fulfilled, rejected });
    return this.handlers.length - 1;
  }

  eject(id) {
    if (this.handlers[id]) this.handlers[id] = null;
  }

  forEach(fn) {
    for (const handler of this.handlers) if (handler !== null) fn(handler);
  }
}

function createInstance(instanceDefaults) {
  const instance = function axios(configOrUrl, config) {
    return instance.request(configOrUrl, config);
  };
  instance.defaults = instanceDefaults;
  instance.interceptors = { request: new InterceptorManager(), response: new InterceptorManager() };
  instance.request = function request(configOrUrl, config) {
    if (typeof configOrUrl === 'string' || configOrUrl instanceof URL) {
      config = Object.assign({}, config, { url: String(configOrUrl) });
    } else {
      config = configOrUrl || {};
    }
    const merged = mergeConfig(instance.defaults, config);
    merged.method = String(merged.method || 'get').toLowerCase();
    const before = [];
    instance.interceptors.request.forEach((h) => before.unshift(h));
    const after = [];
    instance.interceptors.response.forEach((h) => after.push(h));
    let promise = Promise.resolve(merged);
    for (const h of before) promise = promise.then(h.fulfilled, h.rejected);
    promise = promise.then(send);
    for (const h of after) promise = promise.then(h.fulfilled, h.rejected);
    return promise;
  };
  for (const method of METHODS_WITHOUT_DATA) {
    instance[method] = (url, config) =>
      instance.request(Object.assign({}, config, { method, url, data: (config || {}).data }));
  }
  for (const method of METHODS_WITH_DATA) {
    instance[method] = (url, data, config) => instance.request(Object.assign({}, config, { method, url, data }));
  }
  instance.getUri = (config) => fullUrl(mergeConfig(instance.defaults, config));
  instance.create = (config) => createInstance(mergeConfig(instance.defaults, config));
  return instance;
}

const axios = createInstance(defaults());
axios.Axios = createInstance;
axios.AxiosError = AxiosError;
axios.VERSION = VERSION;
axios.isAxiosError = (payload) => payload !== null && typeof payload === 'object' && payload.isAxiosError === true;
axios.isCancel = () => false;
axios.all = (promises) => Promise.all(promises);
axios.spread = (callback) => (values) => callback.apply(null, values);
axios.default = axios;

module.exports = axios;
