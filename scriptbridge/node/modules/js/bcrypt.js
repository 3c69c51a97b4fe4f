// require('bcrypt') and require('bcryptjs'): npm bcrypt's API; Python hashes (bcrypt.py).
// Argument checks, their messages and the call forms follow npm bcrypt 5/6: a callback gets
// its error asynchronously, the promise form rejects with it, the *Sync forms throw it.
'use strict';

// Only the first 72 UTF-8 bytes of a password count. They come from at most its first 72
// UTF-16 code units; one more keeps a surrogate pair at the edge whole.
const PASSWORD_UNITS = 73;
const PASSWORD_BYTES = 72;

function isData(value) {
  return typeof value === 'string' || (value !== null && typeof value === 'object' && Buffer.isBuffer(value));
}

// A password as the host protocol carries it: a string, or {bytes: base64} for a Buffer.
function wire(value) {
  if (typeof value === 'string') {
    return value.length > PASSWORD_UNITS ? value.slice(0, PASSWORD_UNITS) : value;
  }
  return { bytes: value.subarray(0, PASSWORD_BYTES).toString('base64') };
}

// Python's BcryptError carries node's message; the script sees a plain Error, as in node.
function nodeError(err) {
  return err && err.name === 'BcryptError' ? new Error(err.message) : err;
}

function syncCall(fn, args) {
  try {
    return host.callSync(fn, args);
  } catch (err) {
    throw nodeError(err);
  }
}

// Calls back (err, value) once Python answers; node passes `undefined`, not null, for no error.
function asyncCall(fn, args, cb) {
  host.call(fn, args, (err, value) => (err ? cb(nodeError(err)) : cb(undefined, value)));
}

// Calls back with an argument error asynchronously, as node does (process.nextTick there).
function failLater(cb, message) {
  const err = new Error(message);
  host.call('defer', [], () => cb(err));
}

function promised(fn, self, args) {
  return new Promise((resolve, reject) => {
    fn.apply(self, [...args, (err, value) => (err ? reject(err) : resolve(value))]);
  });
}

const CB_NOT_FUNCTION = 'cb must be a function or null to return a Promise';

// node: falsy rounds mean 10; the C code then reads them as an 8-bit count, clamped to 4..31.
function checkRounds(rounds) {
  if (!rounds) return 10;
  if (typeof rounds !== 'number') throw new Error('rounds must be a number');
  if (rounds < 0) throw new Error('rounds must be a positive integer');
  return Math.min(31, Math.max(4, (rounds | 0) & 0xff));
}

function checkMinor(minor) {
  if (!minor) return 'b';
  if (minor !== 'a' && minor !== 'b') throw new Error('minor must be either "a" or "b"');
  return minor;
}

function genSaltSync(rounds, minor) {
  return syncCall('gen_salt', [checkRounds(rounds), checkMinor(minor)]);
}

function genSalt(rounds, minor, cb) {
  if (typeof rounds === 'function') {
    [cb, rounds, minor] = [rounds, 10, 'b'];
  } else if (typeof minor === 'function') {
    [cb, minor] = [minor, 'b'];
  }
  if (!cb) return promised(genSalt, this, [rounds, minor]);
  let checked;
  try {
    checked = [checkRounds(rounds), checkMinor(minor)];
  } catch (err) {
    return failLater(cb, err.message);
  }
  asyncCall('gen_salt', checked, cb);
}

const HASH_TYPES = 'data must be a string or Buffer and salt must either be a salt string or a number of rounds';

function isSalt(salt) {
  return typeof salt === 'string' || typeof salt === 'number';
}

// A salt string as it is, or rounds as genSalt reads them.
function saltOrRounds(salt) {
  return typeof salt === 'number' ? checkRounds(salt) : salt;
}

function hashSync(data, salt) {
  if (data == null || salt == null) throw new Error('data and salt arguments required');
  if (!isData(data) || !isSalt(salt)) throw new Error(HASH_TYPES);
  return syncCall('hash', [wire(data), saltOrRounds(salt)]);
}

function hash(data, salt, cb) {
  if (typeof data === 'function') return failLater(data, HASH_TYPES);
  if (typeof salt === 'function') return failLater(salt, HASH_TYPES);
  if (cb && typeof cb !== 'function') return Promise.reject(new Error(CB_NOT_FUNCTION));
  if (!cb) return promised(hash, this, [data, salt]);
  if (data == null || salt == null) return failLater(cb, 'data and salt arguments required');
  if (!isData(data) || !isSalt(salt)) return failLater(cb, HASH_TYPES);
  let rounds;
  try {
    rounds = saltOrRounds(salt);
  } catch (err) {
    return failLater(cb, err.message);
  }
  asyncCall('hash', [wire(data), rounds], cb);
}

function compareSync(data, hash) {
  if (data == null || hash == null) throw new Error('data and hash arguments required');
  if (!isData(data) || typeof hash !== 'string') {
    throw new Error('data must be a string or Buffer and hash must be a string');
  }
  return syncCall('compare', [wire(data), hash]);
}

function compare(data, hash, cb) {
  if (typeof data === 'function') return failLater(data, 'data and hash arguments required');
  if (typeof hash === 'function') return failLater(hash, 'data and hash arguments required');
  if (cb && typeof cb !== 'function') return Promise.reject(new Error(CB_NOT_FUNCTION));
  if (!cb) return promised(compare, this, [data, hash]);
  if (data == null || hash == null) return failLater(cb, 'data and hash arguments required');
  if (!isData(data) || typeof hash !== 'string') return failLater(cb, 'data and hash must be strings');
  asyncCall('compare', [wire(data), hash], cb);
}

// The cost a hash or salt names: "$", a version, an optional minor, "$", then the number.
function getRounds(hash) {
  if (hash == null) throw new Error('hash argument required');
  if (typeof hash !== 'string') throw new Error('hash must be a string');
  const match = /^\$[^$]?[^$]?\$/.exec(hash);
  const rounds = match === null ? 0 : parseInt(hash.slice(match[0].length), 10);
  if (!(rounds > 0)) throw new Error('invalid hash provided');
  return rounds;
}

module.exports = { genSaltSync, genSalt, hashSync, hash, compareSync, compare, getRounds };
