// require('path'): Node's POSIX path functions (scripts run as on Linux). The working directory
// is '/', as process.cwd() says. path.posix is the module itself; there is no path.win32.
'use strict';

void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
const { errors } = globalThis.__sb_internals;

function validateString(value, name) {
  if (typeof value !== 'string') throw errors.invalidArgType(name, 'of type string', value);
}

// The segments of `path` with '.' and empty ones dropped and '..' applied; '..' that would
// climb above the start are kept only when the path is relative.
function normalizeSegments(path, relative) {
  const out = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') {
      out.push(segment);
    } else if (out.length > 0 && out[out.length - 1] !== '..') {
      out.pop();
    } else if (relative) {
      out.push('..');
    }
  }
  return out.join('/');
}

function resolve(...paths) {
  let resolved = '';
  let absolute = false;
  for (let i = paths.length - 1; i >= -1 && !absolute; i--) {
    const path = i >= 0 ? paths[i] : process.cwd();
    validateString(path, `paths[${i}]`);
    if (path.length === 0) continue;
    resolved = `${path}/${resolved}`;
    absolute = path[0] === '/';
  }
  const normalized = normalizeSegments(resolved, !absolute);
  if (absolute) return `/${normalized}`;
  return normalized.length > 0 ? normalized : '.';
}

function normalize(path) {
  validateString(path, 'path');
  if (path.length === 0) return '.';
  const absolute = path[0] === '/';
  const trailing = path[path.length - 1] === '/';
  let normalized = normalizeSegments(path, !absolute);
  if (normalized.length === 0) {
    if (absolute) return '/';
    return trailing ? './' : '.';
  }
  if (trailing) normalized += '/';
  return absolute ? `/${normalized}` : normalized;
}

function isAbsolute(path) {
  validateString(path, 'path');
  return path.length > 0 && path[0] === '/';
}

function join(...paths) {
  let joined;
  for (const path of paths) {
    validateString(path, 'path');
    if (path.length > 0) joined = joined === undefined ? path : `${joined}/${path}`;
  }
  return joined === undefined ? '.' : normalize(joined);
}

function relative(from, to) {
  validateString(from, 'from');
  validateString(to, 'to');
  if (from === to) return '';
  const fromParts = resolve(from).split('/').filter(Boolean);
  const toParts = resolve(to).split('/').filter(Boolean);
  let common = 0;
  while (common < fromParts.length && common < toParts.length &&
         fromParts[common] === toParts[common]) {
    common++;
  }
  const ups = fromParts.slice(common).map(() => '..');
  return [...ups, ...toParts.slice(common)].join('/');
}

function toNamespacedPath(path) {
  return path;
}

// [start, end) of the last segment, trailing slashes excluded ([0, 0] when there is none).
function lastSegment(path) {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  return end === 0 ? [0, 0] : [path.lastIndexOf('/', end - 1) + 1, end];
}

function dirname(path) {
  validateString(path, 'path');
  if (path.length === 0) return '.';
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  const slash = path.lastIndexOf('/', end - 1);
  if (slash === -1) return '.';
  if (slash === 0) return '/';
  if (slash === 1 && path[0] === '/') return '//'; // as Node: a second leading slash stays
  return path.slice(0, slash);
}

function basename(path, suffix) {
  if (suffix !== undefined) validateString(suffix, 'suffix');
  validateString(path, 'path');
  const [start, end] = lastSegment(path);
  const base = path.slice(start, end);
  if (suffix === undefined || suffix.length === 0 || suffix.length > path.length) return base;
  if (suffix === path) return '';
  if (base.endsWith(suffix)) return base.slice(0, base.length - suffix.length) || base;
  // As Node: a segment that is the tail of a longer suffix keeps its trailing slashes.
  return suffix.endsWith(base) ? path.slice(start) : base;
}

// The extension of a segment: from its last dot, unless that dot starts it ('.bashrc', '..').
function extensionOf(base) {
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || base === '..') return '';
  return base.slice(dot);
}

function extname(path) {
  validateString(path, 'path');
  const [start, end] = lastSegment(path);
  return extensionOf(path.slice(start, end));
}

function parse(path) {
  validateString(path, 'path');
  const parsed = { root: '', dir: '', base: '', ext: '', name: '' };
  if (path.length === 0) return parsed;
  const absolute = path[0] === '/';
  if (absolute) parsed.root = '/';
  const [start, end] = lastSegment(path);
  parsed.base = path.slice(start, end);
  parsed.ext = extensionOf(parsed.base);
  parsed.name = parsed.base.slice(0, parsed.base.length - parsed.ext.length);
  if (start > 1) {
    parsed.dir = path.slice(0, start - 1);
  } else if (absolute) {
    parsed.dir = '/';
  }
  return parsed;
}

function format(pathObject) {
  if (pathObject === null || typeof pathObject !== 'object') {
    throw errors.invalidArgType('pathObject', 'of type object', pathObject);
  }
  const dir = pathObject.dir || pathObject.root;
  let base = pathObject.base;
  if (!base) {
    const ext = pathObject.ext || '';
    base = `${pathObject.name || ''}${ext && ext[0] !== '.' ? '.' : ''}${ext}`;
  }
  if (!dir) return base;
  return dir === pathObject.root ? `${dir}${base}` : `${dir}/${base}`;
}

const path = {
  resolve, normalize, isAbsolute, join, relative, toNamespacedPath, dirname, basename, extname,
  format, parse, sep: '/', delimiter: ':', posix: null, _makeLong: toNamespacedPath,
};
path.posix = path;
module.exports = path;
