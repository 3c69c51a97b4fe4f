// AssertionError and the messages assert generates. Not a module of its own: assert's source
// is _comparisons.js, this file and assert.js (see pure.py); this defines `AssertionError`.
//
// A failed comparison explains itself as Node's does: short values side by side, others as a
// diff of their util.inspect output. Differences from Node: the diff is a plain line diff whose
// object keys are not sorted, and long ones are not shortened.
'use strict';

const AssertionError = (() => {
  const { inspect } = globalThis.__sb_util;
  const { errors } = globalThis.__sb_internals;
  const isObjectLike = (value) => typeof value === 'object' && value !== null;

  const HEADERS = {
    deepStrictEqual: 'Expected values to be strictly deep-equal:',
    strictEqual: 'Expected values to be strictly equal:',
    strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
    deepEqual: 'Expected values to be loosely deep-equal:',
    notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
    notStrictEqual: 'Expected "actual" to be strictly unequal to:',
    notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
    notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
    notDeepEqualUnequal: 'Expected values not to be loosely deep-equal:',
    sameStructure: 'Values have same structure but are not reference-equal:',
  };

  function inspectValue(value) {
    return inspect(value, {
      compact: false, customInspect: false, depth: 1000, maxArrayLength: Infinity,
      breakLength: Infinity,
    });
  }

  const shorten = (text) => (text.length > 512 ? `${text.slice(0, 509)}...` : text);

  // Lines of `actual` ('+ ') and `expected` ('- ') around their longest common subsequence
  // ('  '); a trailing comma does not make lines differ.
  function lineDiff(actualLines, expectedLines) {
    const same = (a, b) => a === b || a.replace(/,$/, '') === b.replace(/,$/, '');
    const n = actualLines.length;
    const m = expectedLines.length;
    if (n * m > 1e6) {
      return [...actualLines.map((l) => `+ ${l}`), ...expectedLines.map((l) => `- ${l}`)].join('\n');
    }
    const lcs = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = same(actualLines[i], expectedLines[j])
          ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const out = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && same(actualLines[i], expectedLines[j]) &&
          lcs[i][j] === lcs[i + 1][j + 1] + 1) {
        out.push(`  ${expectedLines[j]}`);
        i++;
        j++;
      } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.push(`+ ${actualLines[i++]}`);
      } else {
        out.push(`- ${expectedLines[j++]}`);
      }
    }
    return out.join('\n');
  }

  // strictEqual and deepStrictEqual: short values side by side, others as a diff.
  function diffMessage(actual, expected, operator) {
    const bothObjects = (isObjectLike(actual) && isObjectLike(expected)) ||
      (typeof actual === 'function' && typeof expected === 'function');
    const header = operator === 'strictEqual' && bothObjects
      ? HEADERS.strictEqualObject : HEADERS[operator];
    const a = inspectValue(actual);
    const b = inspectValue(expected);
    if (a === b) return `${HEADERS.sameStructure}\n\n${a}\n`;
    let indicator = '';
    if (!a.includes('\n') && !b.includes('\n')) {
      if (a.length + b.length <= 12) {
        if (!isObjectLike(actual) && !isObjectLike(expected) && (actual !== 0 || expected !== 0)) {
          return `${header}\n\n${a} !== ${b}\n`;
        }
      } else if (header !== HEADERS.strictEqualObject && a.length + b.length < 80) {
        let at = 0;
        while (a[at] === b[at]) at++;
        if (at > 2) indicator = `\n  ${' '.repeat(at)}^`; // points at the first difference
      }
    }
    return `${header}\n+ actual - expected\n\n${lineDiff(a.split('\n'), b.split('\n'))}${indicator}`;
  }

  function generatedMessage(actual, expected, operator) {
    if (operator === 'deepStrictEqual' || operator === 'strictEqual') {
      return diffMessage(actual, expected, operator);
    }
    if (operator === 'notDeepStrictEqual' || operator === 'notStrictEqual') {
      const header = operator === 'notStrictEqual' &&
        (isObjectLike(actual) || typeof actual === 'function')
        ? HEADERS.notStrictEqualObject : HEADERS[operator];
      const shown = inspectValue(actual);
      if (shown.includes('\n')) return `${header}\n\n${shown}\n`;
      return `${header}${shown.length > 5 ? '\n\n' : ' '}${shown}`;
    }
    const a = shorten(inspectValue(actual));
    const b = shorten(inspectValue(expected));
    if (operator === 'deepEqual') {
      return `${HEADERS.deepEqual}\n\n${a}\n\nshould loosely deep-equal\n\n${b}`;
    }
    if (operator === 'notDeepEqual') {
      if (a === b) return `${HEADERS.notDeepEqual}\n\n${a}`;
      return `${HEADERS.notDeepEqualUnequal}\n\n${a}\n\nshould not loosely deep-equal\n\n${b}`;
    }
    return `${a} ${operator} ${b}`;
  }

  class AssertionError extends Error {
    constructor(options) {
      if (options === null || typeof options !== 'object') {
        throw errors.invalidArgType('options', 'of type object', options);
      }
      const { message, actual, expected, operator, stackStartFn } = options;
      super(message != null ? String(message) : generatedMessage(actual, expected, operator));
      this.generatedMessage = message == null;
      this.code = 'ERR_ASSERTION';
      this.actual = actual;
      this.expected = expected;
      this.operator = operator;
      // The stack's first line reads as Node's: "AssertionError [ERR_ASSERTION]: ...".
      const name = { writable: true, configurable: true, enumerable: false };
      Object.defineProperty(this, 'name', { ...name, value: 'AssertionError [ERR_ASSERTION]' });
      Error.captureStackTrace(this, stackStartFn);
      void this.stack;
      Object.defineProperty(this, 'name', { ...name, value: 'AssertionError' });
    }

    toString() {
      return `${this.name} [${this.code}]: ${this.message}`;
    }
  }

  return AssertionError;
})();
