// require('url'): the WHATWG URL and URLSearchParams (the globals), Node's legacy API (parse,
// format, resolve, resolveObject and the Url object, from _legacy_url.js, which precedes this
// file), and fileURLToPath, pathToFileURL and urlToHttpOptions for POSIX paths. Not provided:
// domainToASCII and domainToUnicode.
'use strict';

void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
const { errors } = globalThis.__sb_internals;
const path = require('path');

// A WHATWG URL, recognised as Node does: an href and a protocol, no legacy auth or path.
const isURL = (value) => Boolean(value && value.href && value.protocol &&
  value.auth === undefined && value.path === undefined);

function urlFormat(urlObject, options) {
  if (typeof urlObject === 'string') return urlParse(urlObject).format();
  if (urlObject === null || typeof urlObject !== 'object') {
    throw errors.nodeError(
      TypeError, 'ERR_INVALID_ARG_TYPE',
      'The "urlObject" argument must be one of type object or string.' +
        errors.received(urlObject),
    );
  }
  if (!isURL(urlObject)) return Url.prototype.format.call(urlObject);
  const { fragment = true, search = true, auth = true } = options || {};
  const copy = new URL(urlObject.href);
  if (!fragment) copy.hash = '';
  if (!search) copy.search = '';
  if (!auth) {
    copy.username = '';
    copy.password = '';
  }
  return copy.href;
}

function urlResolve(source, relative) {
  return urlParse(source, false, true).resolve(relative);
}

function urlResolveObject(source, relative) {
  if (!source) return relative;
  return urlParse(source, false, true).resolveObject(relative);
}

function fileURLToPath(value) {
  let url = value;
  if (typeof value === 'string') {
    url = new URL(value);
  } else if (!isURL(value)) {
    throw errors.invalidArgType('path', 'of type string or an instance of URL', value);
  }
  if (url.protocol !== 'file:') {
    throw errors.nodeError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  }
  if (url.hostname !== '') {
    throw errors.nodeError(
      TypeError, 'ERR_INVALID_FILE_URL_HOST',
      'File URL host must be "localhost" or empty on linux',
    );
  }
  if (/%2f/i.test(url.pathname)) {
    throw errors.nodeError(
      TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters',
    );
  }
  return decodeURIComponent(url.pathname);
}

// Characters the URL pathname setter would keep as they are but that mean something else in
// a URL (or are lost), escaped first.
const PATH_ESCAPES = { '%': '%25', '\\': '%5C', '\n': '%0A', '\r': '%0D', '\t': '%09' };

function pathToFileURL(filepath) {
  if (typeof filepath !== 'string') throw errors.invalidArgType('path', 'of type string', filepath);
  let resolved = path.resolve(filepath);
  if (filepath.endsWith('/') && !resolved.endsWith('/')) resolved += '/';
  const url = new URL('file://');
  url.pathname = resolved.replace(/[%\\\n\r\t]/g, (char) => PATH_ESCAPES[char]);
  return url;
}

function urlToHttpOptions(url) {
  const options = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ''}${url.search || ''}`,
    href: url.href,
  };
  if (url.port !== '') options.port = Number(url.port);
  if (url.username || url.password) {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  return options;
}

module.exports = {
  Url,
  parse: urlParse,
  resolve: urlResolve,
  resolveObject: urlResolveObject,
  format: urlFormat,
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  pathToFileURL,
  fileURLToPath,
  urlToHttpOptions,
};
