// require('crypto'): Node's hashes, HMACs, key derivation and random bytes; Python computes
// them (crypto.py). Bytes cross to Python as base64. A hash buffers its updates here and
// crosses once, at digest(); pbkdf2 and scrypt with a callback run in a Python worker thread,
// their *Sync forms on the runner's own thread. Argument checks, error codes and messages
// follow Node 18-22.
'use strict';

// ---- Node-style errors -----------------------------------------------------------------

function nodeError(Type, code, message) {
  const err = new Type(message);
  err.code = code;
  return err;
}

// " Received ...", as Node describes a wrong argument.
function received(value) {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  if (typeof value === 'object') {
    const ctor = value.constructor;
    return ctor && ctor.name ? ` Received an instance of ${ctor.name}` : ' Received an object';
  }
  let shown = typeof value === 'string' ? `'${value}'` : typeof value === 'bigint' ? `${value}n` : String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

function invalidArgType(name, expected, value) {
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}.${received(value)}`);
}

function outOfRange(name, range, value) {
  return nodeError(
    RangeError,
    'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${value}`,
  );
}

function validateString(value, name) {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
}

function validateFunction(value, name) {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

function validateInteger(value, name, min, max) {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
}

const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

// ---- bytes ------------------------------------------------------------------------------

const BYTES_TYPES = 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView';

function isBinary(value) {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer;
}

// A Buffer over the bytes of binary data (sharing them), or of a string in `encoding`.
function bytesOf(value, name, encoding, expected = BYTES_TYPES) {
  if (typeof value === 'string') {
    return Buffer.from(value, Buffer.isEncoding(encoding) ? encoding : 'utf8');
  }
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (isBinary(value)) return Buffer.from(value);
  throw invalidArgType(name, expected, value);
}

const b64 = (bytes) => bytes.toString('base64');
const fromB64 = (text) => Buffer.from(text, 'base64');

// A digest as Node returns it: a string in a known encoding, otherwise a Buffer.
function encodeOutput(text, encoding) {
  if (encoding === 'base64') return text;
  const bytes = fromB64(text);
  return encoding && encoding !== 'buffer' && Buffer.isEncoding(encoding) ? bytes.toString(encoding) : bytes;
}

// ---- digests ----------------------------------------------------------------------------

// Names Node (OpenSSL 3) accepts, lower-cased, -> the canonical name Python knows.
const DIGESTS = Object.create(null);
for (const [canonical, ...aliases] of [
  ['md5', 'rsa-md5', 'ssl3-md5'],
  ['sha1', 'rsa-sha1', 'sha-1', 'ssl3-sha1'],
  ['sha224', 'rsa-sha224', 'sha-224', 'sha2-224'],
  ['sha256', 'rsa-sha256', 'sha-256', 'sha2-256'],
  ['sha384', 'rsa-sha384', 'sha-384', 'sha2-384'],
  ['sha512', 'rsa-sha512', 'sha-512', 'sha2-512'],
  ['sha512-224', 'rsa-sha512/224', 'sha-512/224', 'sha2-512/224'],
  ['sha512-256', 'rsa-sha512/256', 'sha-512/256', 'sha2-512/256'],
  ['sha3-224', 'rsa-sha3-224'],
  ['sha3-256', 'rsa-sha3-256'],
  ['sha3-384', 'rsa-sha3-384'],
  ['sha3-512', 'rsa-sha3-512'],
  ['blake2b512', 'blake2b-512'],
  ['blake2s256', 'blake2s-256'],
]) {
  DIGESTS[canonical] = canonical;
  for (const alias of aliases) DIGESTS[alias] = canonical;
}

function digestName(name) {
  return typeof name === 'string' ? DIGESTS[name.toLowerCase()] : undefined;
}

function invalidDigest(name) {
  return nodeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${name}`);
}

// The canonical names, and the RSA- ones in Node's spelling ("RSA-SHA512/224").
function getHashes() {
  return Object.keys(DIGESTS)
    .filter((name) => DIGESTS[name] === name || name.startsWith('rsa-'))
    .map((name) => (name.startsWith('rsa-') ? `RSA-${name.slice(4).toUpperCase()}` : name))
    .sort();
}

// ---- Hash and Hmac ----------------------------------------------------------------------

function finalized() {
  return nodeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
}

function chunkOf(data, encoding) {
  if (typeof data === 'string') {
    const name = Buffer.isEncoding(encoding) ? encoding : 'utf8';
    if (name.toLowerCase() === 'hex' && data.length % 2 !== 0) {
      throw nodeError(
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        `The argument 'encoding' is invalid for data of length ${data.length}. Received '${encoding}'`,
      );
    }
    return Buffer.from(data, name);
  }
  if (!ArrayBuffer.isView(data)) {
    throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  }
  // A copy: Node hashes at update(), so later changes to the caller's bytes do not count.
  return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

// What Hash and Hmac share: updates are buffered, and digested in one crossing to Python.
class Digest {
  constructor(algorithm, key) {
    this._algorithm = algorithm;
    this._key = key; // base64, for an Hmac; null for a Hash
    this._chunks = [];
    this._finalized = false;
  }

  update(data, inputEncoding) {
    if (this._finalized) throw finalized();
    this._chunks.push(chunkOf(data, inputEncoding));
    return this;
  }

  _digest(outputEncoding) {
    this._finalized = true;
    const data = b64(Buffer.concat(this._chunks));
    this._chunks = null;
    return encodeOutput(host.callSync('digest', [this._algorithm, this._key, data]), outputEncoding);
  }
}

class Hash extends Digest {
  digest(outputEncoding) {
    if (this._finalized) throw finalized();
    return this._digest(outputEncoding);
  }

  copy() {
    if (this._finalized) throw finalized();
    const copy = new Hash(this._algorithm, null);
    copy._chunks = this._chunks.slice();
    return copy;
  }
}

class Hmac extends Digest {
  // A second digest() gives empty output instead of an error, as in Node.
  digest(outputEncoding) {
    if (this._finalized) return encodeOutput('', outputEncoding);
    return this._digest(outputEncoding);
  }
}

function createHash(algorithm, options) {
  validateString(algorithm, 'algorithm');
  const name = digestName(algorithm);
  if (name === undefined) throw new Error('Digest method not supported');
  return new Hash(name, null);
}

const KEY_TYPES =
  'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey';

function createHmac(hmac, key, options) {
  validateString(hmac, 'hmac');
  const encoding = options && options.encoding;
  const keyBytes = bytesOf(key, 'key', encoding, KEY_TYPES);
  const name = digestName(hmac);
  if (name === undefined) throw invalidDigest(hmac);
  return new Hmac(name, b64(keyBytes));
}

// crypto.hash(algorithm, data[, outputEncoding]): one-shot, hex by default (Node 21.7+).
function hash(algorithm, data, outputEncoding = 'hex') {
  validateString(algorithm, 'algorithm');
  if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
    throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  }
  return createHash(algorithm).update(data).digest(outputEncoding);
}

// ---- key derivation ---------------------------------------------------------------------

function pbkdf2Args(password, salt, iterations, keylen, digest) {
  validateString(digest, 'digest');
  const passwordBytes = bytesOf(password, 'password');
  const saltBytes = bytesOf(salt, 'salt');
  validateInteger(iterations, 'iterations', 1, INT32_MAX);
  validateInteger(keylen, 'keylen', 0, INT32_MAX);
  const name = digestName(digest);
  if (name === undefined) throw invalidDigest(digest);
  return [name, b64(passwordBytes), b64(saltBytes), iterations, keylen];
}

function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  if (typeof digest === 'function') [callback, digest] = [digest, undefined];
  const args = pbkdf2Args(password, salt, iterations, keylen, digest);
  validateFunction(callback, 'callback');
  host.call('pbkdf2', args, (err, key) => (err ? callback(err) : callback(null, fromB64(key))));
}

function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  return fromB64(host.callSync('pbkdf2', pbkdf2Args(password, salt, iterations, keylen, digest)));
}

const SCRYPT_DEFAULTS = Object.freeze({ N: 16384, r: 8, p: 1, maxmem: 32 << 20 });

function invalidScrypt(reason) {
  return nodeError(RangeError, 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS', `Invalid scrypt params: ${reason}`);
}

// One of an option's two names (N or cost, ...), as an unsigned 32-bit integer; 0 = default.
function scryptOption(options, name, alias) {
  let value = 0;
  if (options[name] !== undefined) {
    value = options[name];
    validateInteger(value, name, 0, UINT32_MAX);
  }
  if (options[alias] !== undefined) {
    if (options[name] !== undefined) {
      throw nodeError(
        TypeError,
        'ERR_INCOMPATIBLE_OPTION_PAIR',
        `Option "${name}" cannot be used in combination with option "${alias}"`,
      );
    }
    value = options[alias];
    validateInteger(value, alias, 0, UINT32_MAX);
  }
  return value;
}

// The checks OpenSSL's EVP_PBE_scrypt makes, so that both forms fail at the call, as in Node.
function scryptArgs(password, salt, keylen, options) {
  const passwordBytes = bytesOf(password, 'password');
  const saltBytes = bytesOf(salt, 'salt');
  validateInteger(keylen, 'keylen', 0, INT32_MAX);
  let { N, r, p, maxmem } = SCRYPT_DEFAULTS;
  if (options !== null && options !== undefined) {
    N = scryptOption(options, 'N', 'cost') || N;
    r = scryptOption(options, 'r', 'blockSize') || r;
    p = scryptOption(options, 'p', 'parallelization') || p;
    if (options.maxmem !== undefined) {
      validateInteger(options.maxmem, 'maxmem', 0, Number.MAX_SAFE_INTEGER);
      maxmem = options.maxmem || maxmem;
    }
  }
  if (N < 2 || (N & (N - 1)) !== 0) throw invalidScrypt('N must be a power of 2 greater than 1');
  if (16 * r <= 63 && N >= 2 ** (16 * r)) throw invalidScrypt('N is too large for r');
  if (p > Math.floor((2 ** 30 - 1) / r)) throw invalidScrypt('p * r is too large');
  if (128 * r * (N + 2) + 128 * r * p > maxmem) throw invalidScrypt('memory limit exceeded');
  return [b64(passwordBytes), b64(saltBytes), keylen, N, r, p, maxmem];
}

function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === 'function') [callback, options] = [options, undefined];
  const args = scryptArgs(password, salt, keylen, options);
  validateFunction(callback, 'callback');
  host.call('scrypt', args, (err, key) => (err ? callback(err) : callback(null, fromB64(key))));
}

function scryptSync(password, salt, keylen, options) {
  return fromB64(host.callSync('scrypt', scryptArgs(password, salt, keylen, options)));
}

// ---- random -----------------------------------------------------------------------------

// Bytes per synchronous call: their base64 fills half of the synchronous channel.
const RANDOM_CHUNK = 196608;

function randomSize(size) {
  if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
  if (Number.isNaN(size) || size < 0 || size > INT32_MAX) throw outOfRange('size', `>= 0 && <= ${INT32_MAX}`, size);
  return size >>> 0;
}

function randomBytes(size, callback) {
  size = randomSize(size);
  if (callback !== undefined) {
    validateFunction(callback, 'callback');
    host.call('random_bytes', [size], (err, bytes) => (err ? callback(err) : callback(null, fromB64(bytes))));
    return undefined;
  }
  if (size <= RANDOM_CHUNK) return fromB64(host.callSync('random_bytes', [size]));
  const chunks = [];
  for (let left = size; left > 0; left -= RANDOM_CHUNK) {
    chunks.push(fromB64(host.callSync('random_bytes', [Math.min(left, RANDOM_CHUNK)])));
  }
  return Buffer.concat(chunks, size);
}

function randomUUID(options) {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalidArgType('options', 'of type object', options);
  }
  return host.callSync('random_uuid', []);
}

// ---- comparison -------------------------------------------------------------------------

function timingSafeEqual(buf1, buf2) {
  const expected = 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView';
  if (!isBinary(buf1)) throw invalidArgType('buf1', expected, buf1);
  if (!isBinary(buf2)) throw invalidArgType('buf2', expected, buf2);
  const a = bytesOf(buf1, 'buf1');
  const b = bytesOf(buf2, 'buf2');
  if (a.length !== b.length) {
    throw nodeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length');
  }
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

// ---- constants --------------------------------------------------------------------------

// OpenSSL 3's values, as Node 18+ reports them; scripts pass SSL_OP_* to https.Agent's
// secureOptions (SSL_OP_LEGACY_SERVER_CONNECT in Auth0's Node 18 migration guide).
const constants = Object.freeze({
  SSL_OP_ALL: 2147485776,
  SSL_OP_ALLOW_NO_DHE_KEX: 1024,
  SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION: 262144,
  SSL_OP_CIPHER_SERVER_PREFERENCE: 4194304,
  SSL_OP_CISCO_ANYCONNECT: 32768,
  SSL_OP_COOKIE_EXCHANGE: 8192,
  SSL_OP_CRYPTOPRO_TLSEXT_BUG: 2147483648,
  SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS: 2048,
  SSL_OP_LEGACY_SERVER_CONNECT: 4,
  SSL_OP_NO_COMPRESSION: 131072,
  SSL_OP_NO_ENCRYPT_THEN_MAC: 524288,
  SSL_OP_NO_QUERY_MTU: 4096,
  SSL_OP_NO_RENEGOTIATION: 1073741824,
  SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION: 65536,
  SSL_OP_NO_SSLv2: 0,
  SSL_OP_NO_SSLv3: 33554432,
  SSL_OP_NO_TICKET: 16384,
  SSL_OP_NO_TLSv1: 67108864,
  SSL_OP_NO_TLSv1_1: 268435456,
  SSL_OP_NO_TLSv1_2: 134217728,
  SSL_OP_NO_TLSv1_3: 536870912,
  SSL_OP_PRIORITIZE_CHACHA: 2097152,
  SSL_OP_TLS_ROLLBACK_BUG: 8388608,
  RSA_PKCS1_PADDING: 1,
  RSA_NO_PADDING: 3,
  RSA_PKCS1_OAEP_PADDING: 4,
  RSA_PKCS1_PSS_PADDING: 6,
});

module.exports = {
  constants,
  createHash,
  createHmac,
  getHashes,
  hash,
  pbkdf2,
  pbkdf2Sync,
  randomBytes,
  randomUUID,
  scrypt,
  scryptSync,
  timingSafeEqual,
};
