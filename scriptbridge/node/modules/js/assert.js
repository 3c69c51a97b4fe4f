// require('assert'): Node's assertion functions and AssertionError; assert.strict is the
// strict flavour. Deep comparisons come from _comparisons.js and AssertionError from
// _assertion_error.js, which precede this file.
//
// Differences from Node: a failed assert(value) without a message says "false == true" (Node
// quotes the call's source when it can read the file); when an assertion is given a message,
// the message is all there is (as in Node 18, which Auth0 runs); there is no CallTracker.
'use strict';

const { inspect } = globalThis.__sb_util;
const { errors, types } = globalThis.__sb_internals;

const isRegExp = (value) => value !== null && typeof value === 'object' &&
  types.kindOf(value) === 'RegExp';
const isError = (value) => Error.isError(value) || value instanceof Error;
const isObjectLike = (value) => typeof value === 'object' && value !== null;
const NO_EXCEPTION = Symbol('no exception');

function innerFail(details) {
  if (details.message instanceof Error) throw details.message;
  throw new AssertionError(details);
}

// ---- Assertions ---------------------------------------------------------------------------

function innerOk(fn, argumentCount, value, message) {
  if (value) return;
  let generated = message == null;
  if (argumentCount === 0) {
    message = 'No value argument passed to `assert.ok()`';
    generated = true;
  } else if (message instanceof Error) {
    throw message;
  }
  const error = new AssertionError({
    actual: value, expected: true, message, operator: '==', stackStartFn: fn,
  });
  error.generatedMessage = generated;
  throw error;
}

function ok(...args) {
  innerOk(ok, args.length, ...args);
}

function requireTwo(count) {
  if (count < 2) {
    throw errors.missingArgs('"actual" and "expected" arguments');
  }
}

const bothNaN = (a, b) => Number.isNaN(a) && Number.isNaN(b);

// Comparison assertions: fail when `passes(actual, expected)` is false.
function comparison(name, operator, passes) {
  const assertion = {
    [name](actual, expected, message) {
      requireTwo(arguments.length);
      if (!passes(actual, expected)) {
        innerFail({ actual, expected, message, operator, stackStartFn: assertion });
      }
    },
  }[name];
  return assertion;
}

const equal = comparison('equal', '==', (a, b) => a == b || bothNaN(a, b));
const notEqual = comparison('notEqual', '!=', (a, b) => !(a == b || bothNaN(a, b)));
const strictEqual = comparison('strictEqual', 'strictEqual', Object.is);
const notStrictEqual = comparison('notStrictEqual', 'notStrictEqual', (a, b) => !Object.is(a, b));
const deepEqual = comparison('deepEqual', 'deepEqual', (a, b) => isDeepEqual(a, b, false));
const notDeepEqual = comparison(
  'notDeepEqual', 'notDeepEqual', (a, b) => !isDeepEqual(a, b, false));
const deepStrictEqual = comparison(
  'deepStrictEqual', 'deepStrictEqual', (a, b) => isDeepEqual(a, b, true));
const notDeepStrictEqual = comparison(
  'notDeepStrictEqual', 'notDeepStrictEqual', (a, b) => !isDeepEqual(a, b, true));

let warnedFail = false;

function fail(actual, expected, message, operator, stackStartFn) {
  const count = arguments.length;
  let generated = false;
  if (count === 0 || (count === 1 && actual == null)) {
    message = 'Failed';
    generated = true;
  } else if (count === 1) {
    message = actual;
    actual = undefined;
  } else {
    if (!warnedFail) {
      warnedFail = true;
      process.emitWarning(
        'assert.fail() with more than one argument is deprecated. Please use ' +
          'assert.strictEqual() instead or only pass a message.',
        'DeprecationWarning', 'DEP0094',
      );
    }
    if (count === 2) operator = '!=';
  }
  if (message instanceof Error) throw message;
  const error = new AssertionError({
    actual, expected, message, operator: operator === undefined ? 'fail' : operator,
    stackStartFn: stackStartFn || fail,
  });
  if (generated) error.generatedMessage = true;
  throw error;
}

// The expected error's keys of an object; the regular expressions among them stand for
// the actual strings they match, so that only real differences show in the diff.
class Comparison {
  constructor(object, keys, actual) {
    for (const key of keys) {
      if (!(key in object)) continue;
      const matched = actual !== undefined && typeof actual[key] === 'string' &&
        isRegExp(object[key]) && object[key].exec(actual[key]) !== null;
      this[key] = matched ? actual[key] : object[key];
    }
  }
}

function invalidErrorArgument(value) {
  return errors.invalidArgType(
    'error', 'of type function or an instance of Error, RegExp, or Object', value);
}

function ambiguous(reason) {
  return errors.nodeError(
    TypeError, 'ERR_AMBIGUOUS_ARGUMENT', `The "error/message" argument is ambiguous. ${reason}`);
}

function failWith(actual, expected, message, generated, fn) {
  const error = new AssertionError({ actual, expected, message, operator: fn.name, stackStartFn: fn });
  error.generatedMessage = generated;
  throw error;
}

// Whether `actual` (what was thrown or rejected) is the error `expected` describes; throws an
// AssertionError saying why when it is not.
function checkError(actual, expected, message, fn) {
  if (typeof expected !== 'function') {
    if (isRegExp(expected)) {
      const text = String(actual);
      if (expected.exec(text) !== null) return;
      failWith(actual, expected, message ||
        `The input did not match the regular expression ${inspect(expected)}. ` +
          `Input:\n\n${inspect(text)}\n`, !message, fn);
    }
    if (!isObjectLike(actual)) {
      const error = new AssertionError({
        actual, expected, message, operator: 'deepStrictEqual', stackStartFn: fn,
      });
      error.operator = fn.name;
      throw error;
    }
    const keys = Object.keys(expected);
    if (expected instanceof Error) {
      keys.push('name', 'message');
    } else if (keys.length === 0) {
      throw errors.nodeError(
        TypeError, 'ERR_INVALID_ARG_VALUE',
        `The argument 'error' may not be an empty object. Received ${inspect(expected)}`,
      );
    }
    const sortedKeys = [...new Set(keys)].sort();
    for (const key of keys) {
      if (typeof actual[key] === 'string' && isRegExp(expected[key]) &&
          expected[key].exec(actual[key]) !== null) {
        continue;
      }
      if (key in actual && isDeepEqual(actual[key], expected[key], true)) continue;
      if (message) innerFail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
      const error = new AssertionError({
        actual: new Comparison(actual, sortedKeys),
        expected: new Comparison(expected, sortedKeys, actual),
        operator: 'deepStrictEqual',
        stackStartFn: fn,
      });
      error.actual = actual;
      error.expected = expected;
      error.operator = fn.name;
      throw error;
    }
    return;
  }
  if (expected.prototype !== undefined && actual instanceof expected) return;
  if (Object.prototype.isPrototypeOf.call(Error, expected)) {
    if (!message) {
      message = `The error is expected to be an instance of "${expected.name}". Received `;
      if (isError(actual)) {
        const name = (actual.constructor && actual.constructor.name) || actual.name;
        message += expected.name === name
          ? 'an error with identical name but a different prototype.' : `"${name}"`;
        if (actual.message) message += `\n\nError message:\n\n${actual.message}`;
      } else {
        message += `"${inspect(actual, { depth: -1 })}"`;
      }
      failWith(actual, expected, message, true, fn);
    }
    failWith(actual, expected, message, false, fn);
  }
  const result = Reflect.apply(expected, {}, [actual]);
  if (result === true) return;
  if (!message) {
    const name = expected.name ? `"${expected.name}" ` : '';
    message = `The ${name}validation function is expected to return "true". ` +
      `Received ${inspect(result)}`;
    if (isError(actual)) message += `\n\nCaught error:\n\n${actual}`;
    failWith(actual, expected, message, true, fn);
  }
  failWith(actual, expected, message, false, fn);
}

function expectError(fn, actual, error, message, argumentCount) {
  if (typeof error === 'string') {
    if (argumentCount === 3) throw invalidErrorArgument(error);
    if (isObjectLike(actual)) {
      if (actual.message === error) {
        throw ambiguous(`The error message "${actual.message}" is identical to the message.`);
      }
    } else if (actual === error) {
      throw ambiguous(`The error "${actual}" is identical to the message.`);
    }
    message = error;
    error = undefined;
  } else if (error != null && typeof error !== 'object' && typeof error !== 'function') {
    throw invalidErrorArgument(error);
  }
  if (actual === NO_EXCEPTION) {
    let details = error && error.name ? ` (${error.name})` : '';
    details += message ? `: ${message}` : '.';
    const what = fn === rejects ? 'rejection' : 'exception';
    innerFail({
      actual: undefined, expected: error, operator: fn.name,
      message: `Missing expected ${what}${details}`, stackStartFn: fn,
    });
  }
  if (error) checkError(actual, error, message, fn);
}

function matchesError(actual, expected) {
  if (typeof expected !== 'function') {
    if (isRegExp(expected)) return expected.exec(String(actual)) !== null;
    throw errors.invalidArgType(
      'expected', 'of type function or an instance of RegExp', expected);
  }
  if (expected.prototype !== undefined && actual instanceof expected) return true;
  if (Object.prototype.isPrototypeOf.call(Error, expected)) return false;
  return Reflect.apply(expected, {}, [actual]) === true;
}

function expectNoError(fn, actual, error, message) {
  if (actual === NO_EXCEPTION) return;
  if (typeof error === 'string') {
    message = error;
    error = undefined;
  }
  if (!error || matchesError(actual, error)) {
    const details = message ? `: ${message}` : '.';
    const what = fn === doesNotReject ? 'rejection' : 'exception';
    innerFail({
      actual, expected: error, operator: fn.name, stackStartFn: fn,
      message: `Got unwanted ${what}${details}\nActual message: "${actual && actual.message}"`,
    });
  }
  throw actual;
}

function thrownBy(fn) {
  errors.validateFunction(fn, 'fn');
  try {
    fn();
  } catch (error) {
    return error;
  }
  return NO_EXCEPTION;
}

const isThenable = (value) => types.kindOf(value) === 'Promise' || (isObjectLike(value) &&
  typeof value.then === 'function' && typeof value.catch === 'function');

async function rejectionOf(promiseFn) {
  let promise = promiseFn;
  if (typeof promiseFn === 'function') {
    promise = promiseFn();
    if (!isThenable(promise)) {
      const got = errors.received(promise).replace(/^ Received /, '');
      throw errors.nodeError(
        TypeError, 'ERR_INVALID_RETURN_VALUE',
        `Expected instance of Promise to be returned from the "promiseFn" function but got ${got}.`,
      );
    }
  } else if (!isThenable(promiseFn)) {
    throw errors.invalidArgType(
      'promiseFn', 'of type function or an instance of Promise', promiseFn);
  }
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return NO_EXCEPTION;
}

function throws(fn, error, message) {
  expectError(throws, thrownBy(fn), error, message, arguments.length);
}

async function rejects(promiseFn, error, message) {
  expectError(rejects, await rejectionOf(promiseFn), error, message, arguments.length);
}

function doesNotThrow(fn, error, message) {
  expectNoError(doesNotThrow, thrownBy(fn), error, message);
}

async function doesNotReject(promiseFn, error, message) {
  expectNoError(doesNotReject, await rejectionOf(promiseFn), error, message);
}

function ifError(value) {
  if (value === null || value === undefined) return;
  let message = 'ifError got unwanted exception: ';
  if (isObjectLike(value) && typeof value.message === 'string') {
    message += value.message.length === 0 && value.constructor
      ? value.constructor.name : value.message;
  } else {
    message += inspect(value);
  }
  throw new AssertionError({
    actual: value, expected: null, operator: 'ifError', message, stackStartFn: ifError,
  });
}

function internalMatch(string, regexp, message, fn) {
  if (!isRegExp(regexp)) throw errors.invalidArgType('regexp', 'an instance of RegExp', regexp);
  const wanted = fn === match;
  if (typeof string === 'string' && (regexp.exec(string) !== null) === wanted) return;
  if (message instanceof Error) throw message;
  let text = message;
  if (!text) {
    text = typeof string !== 'string'
      ? `The "string" argument must be of type string. Received type ${typeof string} ` +
        `(${inspect(string)})`
      : `The input ${wanted ? 'did not match' : 'was expected to not match'} the regular ` +
        `expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`;
  }
  failWith(string, regexp, text, !message, fn);
}

function match(string, regexp, message) {
  internalMatch(string, regexp, message, match);
}

function doesNotMatch(string, regexp, message) {
  internalMatch(string, regexp, message, doesNotMatch);
}

// ---- The module ---------------------------------------------------------------------------

const assert = ok;
Object.assign(assert, {
  fail, AssertionError, ok, equal, notEqual, deepEqual, notDeepEqual, deepStrictEqual,
  notDeepStrictEqual, strictEqual, notStrictEqual, throws, rejects, doesNotThrow,
  doesNotReject, ifError, match, doesNotMatch,
});

function strict(...args) {
  innerOk(strict, args.length, ...args);
}
Object.assign(strict, assert, {
  equal: strictEqual,
  deepEqual: deepStrictEqual,
  notEqual: notStrictEqual,
  notDeepEqual: notDeepStrictEqual,
});
strict.strict = strict;
assert.strict = strict;

module.exports = assert;
