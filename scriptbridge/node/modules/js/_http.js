// Shared by the HTTP facades (request, axios, node-fetch, https, http): the call to Python's
// `fetch` (http.py documents its JSON), a small event emitter, query-string encoding, Node's
// handling of response headers and the TLS options scripts pass. Every facade's source starts
// with this file, so each facade has its own copy of these helpers and nothing else is shared.
'use strict';


// ---- the backend --------------------------------------------------------------------------

// Sends one request; done(err, response) runs later, with the body as a Buffer. `err` is the
// Python error as the engine delivers it (name, message, code); see isTimeout/nodeError.
function sendRequest(spec, done) {
  host.call('fetch', [spec], (err, raw) => {
    if (err) {
      done(err, null);
      return;
    }
    done(null, {
      status: raw.status,
      statusText: raw.statusText,
      headers: raw.headers, // [[name, value], ...] as received, duplicates kept
      body: Buffer.from(raw.body, 'base64'),
      url: raw.url,
      redirected: raw.redirected,
    });
  });
}

// The request's own timeout passed (not the invocation's deadline, which keeps its error).
function isTimeout(err) {
  return err != null && err.name === 'HttpTimeoutError';
}

// The backend's error as Node's libraries show it: a plain Error (a TypeError for a bad
// argument) with Node's code.
function nodeError(err) {
  if (err == null || typeof err !== 'object') return new Error(String(err));
  if (err.name === 'TimeoutError') return err; // the invocation's deadline
  const Ctor = err.name === 'InvalidHttpRequestError' ? TypeError : Error;
  const out = new Ctor(err.message);
  if (err.code !== undefined) out.code = err.code;
  return out;
}

// A body as the backend takes it: text as is, bytes as base64.
function wireBody(body) {
  if (body === undefined || body === null) return { body: null, base64: false };
  if (typeof body === 'string') return { body, base64: false };
  if (body instanceof ArrayBuffer) body = Buffer.from(body);
  if (ArrayBuffer.isView(body)) {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return { body: bytes.toString('base64'), base64: true };
  }
  return { body: String(body), base64: false };
}

// ---- query strings ------------------------------------------------------------------------

// RFC 3986 percent-encoding, as the `qs` package does it (encodeURIComponent plus !'()*).
function encodeComponent(value) {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function scalarText(value) {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

// An object as a query string, the way request's `qs`/`form` do (the `qs` package): nested
// objects as a[b]=c, arrays as a[0]=x (or a=x&a=y when `repeat`), null as `a=`, undefined
// left out.
function qsStringify(object, repeat) {
  const parts = [];
  const add = (key, value) => {
    if (value === undefined || typeof value === 'function') return;
    if (value === null) {
      parts.push(encodeComponent(key) + '=');
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => add(repeat ? key : `${key}[${i}]`, item));
    } else if (typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
      for (const sub of Object.keys(value)) add(`${key}[${sub}]`, value[sub]);
    } else {
      parts.push(encodeComponent(key) + '=' + encodeComponent(scalarText(value)));
    }
  };
  if (object !== null && typeof object === 'object') {
    for (const key of Object.keys(object)) add(key, object[key]);
  }
  return parts.join('&');
}

// ---- headers ------------------------------------------------------------------------------

// Request headers as [name, value] pairs from an object whose values may be arrays.
function headerPairs(headers) {
  const pairs = [];
  if (headers === null || typeof headers !== 'object') return pairs;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) pairs.push([name, String(item)]);
    else pairs.push([name, String(value)]);
  }
  return pairs;
}

// The key of `headers` that names `name`, in any case, or undefined.
function headerKey(headers, name) {
  const lower = name.toLowerCase();
  return Object.keys(headers).find((key) => key.toLowerCase() === lower);
}

// Headers whose repeats Node drops, keeping the first (see IncomingMessage#_addHeaderLine).
const SINGLE_HEADERS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

function setOwn(object, key, value) {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

// Response headers as Node gives them: lower-case names; repeats joined with ', ' ('; ' for
// cookie), set-cookie always an array, and single-valued headers keeping the first.
function nodeHeaders(pairs) {
  const out = {};
  for (const [raw, value] of pairs) {
    const name = raw.toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(out, name)) {
      setOwn(out, name, name === 'set-cookie' ? [value] : value);
    } else if (name === 'set-cookie') {
      out[name].push(value);
    } else if (!SINGLE_HEADERS.has(name)) {
      out[name] += (name === 'cookie' ? '; ' : ', ') + value;
    }
  }
  return out;
}

function rawHeaders(pairs) {
  const flat = [];
  for (const [name, value] of pairs) flat.push(name, value);
  return flat;
}

function basicAuth(user, password) {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

// ---- TLS ----------------------------------------------------------------------------------

const TLS_KEYS = [
  'key', 'cert', 'ca', 'passphrase', 'rejectUnauthorized', 'rejectUnhauthorized', 'secureOptions',
];

function pemText(value) {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(pemText).filter((v) => v !== null).join('\n');
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return wireBytes(value).toString('utf8');
  return String(value);
}

function wireBytes(value) {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

// The TLS options of several sources (an agent's options, the request's options), later
// sources winning, as the backend's `tls` object; null when there are none.
function tlsOptions(...sources) {
  const merged = {};
  for (const source of sources) {
    if (source === null || typeof source !== 'object') continue;
    for (const key of TLS_KEYS) if (source[key] !== undefined) merged[key] = source[key];
  }
  if (Object.keys(merged).length === 0) return null;
  return {
    key: pemText(merged.key),
    cert: pemText(merged.cert),
    ca: pemText(merged.ca),
    passphrase: merged.passphrase == null ? null : String(merged.passphrase),
    rejectUnauthorized: merged.rejectUnauthorized !== false,
    rejectUnhauthorized: merged.rejectUnhauthorized !== false,
    secureOptions: typeof merged.secureOptions === 'number' ? merged.secureOptions : 0,
  };
}

// https.globalAgent.options, which Node applies to requests that name no agent (scripts set
// `https.globalAgent.options.ca`); null when the https module is not registered.
function globalAgentOptions() {
  try {
    return require('https').globalAgent.options;
  } catch (err) {
    return null;
  }
}
