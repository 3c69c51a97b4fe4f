"""util.format and util.inspect (what console.log prints), checked against Node 20's output.

The expected strings were produced by running the same expressions under Node with
util.format/util.inspect; here they run against __sb_util.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from py_mini_racer import MiniRacer

Run = Callable[[str], Any]

FORMATS = [
    (
        "format('%s %d %i %f %j %O %c %% %x', 'str', 42.5, 42.5, '3.5', {a: 1}, {c: 2}, 'css')",
        'str 42.5 42 3.5 {"a":1} { c: 2 }  % %x',
    ),
    (
        "format('%o', {b: [1]})",
        "{ b: [ 1, [length]: 1 ] }",
    ),
    (
        "format('%s', {a: {b: {c: 1}}})",
        "{ a: [Object] }",
    ),
    (
        "format('%s', [1, [2, [3]]])",
        "[ 1, [Array] ]",
    ),
    (
        "format('%s', -0)",
        "-0",
    ),
    (
        "format('%s', 5n)",
        "5n",
    ),
    (
        "format('%s', Symbol('x'))",
        "Symbol(x)",
    ),
    (
        "format('%s', null)",
        "null",
    ),
    (
        "format('%s', Buffer.from('hi'))",
        "hi",
    ),
    (
        "format('%s', new URL('http://a/'))",
        "http://a/",
    ),
    (
        "format('%s', {toString() { return 'own' }})",
        "own",
    ),
    (
        "format('%s', new (class Foo { toString() { return 'foo!' } })())",
        "foo!",
    ),
    (
        "format('%s', new (class Bar {})())",
        "Bar {}",
    ),
    (
        "format('%s', new Date(0))",
        "1970-01-01T00:00:00.000Z",
    ),
    (
        "format('%s', () => 1)",
        "() => 1",
    ),
    (
        "format('%d', '0x10')",
        "16",
    ),
    (
        "format('%i', '0x10')",
        "16",
    ),
    (
        "format('%i', 42.9)",
        "42",
    ),
    (
        "format('%d', 5n)",
        "5n",
    ),
    (
        "format('%d', Symbol())",
        "NaN",
    ),
    (
        "format('%d', {})",
        "NaN",
    ),
    (
        "format('%d', '42abc')",
        "NaN",
    ),
    (
        "format('%f', '3.5e2x')",
        "350",
    ),
    (
        "format('%j', (() => { const c = {}; c.c = c; return c })())",
        "[Circular]",
    ),
    (
        "format('%j', undefined)",
        "undefined",
    ),
    (
        "format('%s %%', 'a')",
        "a %",
    ),
    (
        "format('%%', 'x')",
        "% x",
    ),
    (
        "format('%s:%s', 'a')",
        "a:%s",
    ),
    (
        "format('%x %s', 1)",
        "%x 1",
    ),
    (
        "format('a%', 1)",
        "a% 1",
    ),
    (
        "format('%c%s', 'color: red', 'x')",
        "x",
    ),
    (
        "format('a', 'b', 1, {x: 'y'})",
        "a b 1 { x: 'y' }",
    ),
    (
        "format(1, 'a')",
        "1 a",
    ),
    (
        "format(null, 'b')",
        "null b",
    ),
    (
        "format()",
        "",
    ),
    (
        "format('')",
        "",
    ),
    (
        "format('', 'x')",
        " x",
    ),
    (
        "format('%s')",
        "%s",
    ),
    (
        "format({a: 1}, [1, 2], 'raw string', 'x\\ny')",
        "{ a: 1 } [ 1, 2 ] raw string x\ny",
    ),
]

INSPECTIONS = [
    (
        "inspect({a: 1, b: 'x', c: [1, 2, 3]})",
        "{ a: 1, b: 'x', c: [ 1, 2, 3 ] }",
    ),
    (
        "inspect({a: {b: {c: {d: 1}}}})",
        "{ a: { b: { c: [Object] } } }",
    ),
    (
        "inspect({a: {b: {c: {}}}})",
        "{ a: { b: { c: {} } } }",
    ),
    (
        "inspect([[[[1]]]])",
        "[ [ [ [Array] ] ] ]",
    ),
    (
        "inspect((() => { const o = {a: 1}; o.self = o; o.arr = [o]; return o })())",
        "<ref *1> { a: 1, self: [Circular *1], arr: [ [Circular *1] ] }",
    ),
    (
        "inspect((() => { const a = {}; const b = {a}; a.b = b; return [a, b] })())",
        "[\n"
        "  <ref *1> { b: { a: [Circular *1] } },\n"
        "  <ref *2> { a: <ref *1> { b: [Circular *2] } }\n"
        "]",
    ),
    (
        "inspect(Array.from({length: 30}, (_, i) => i))",
        "[\n"
        "   0,  1,  2,  3,  4,  5,  6,  7,  8,\n"
        "   9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
        "  18, 19, 20, 21, 22, 23, 24, 25, 26,\n"
        "  27, 28, 29\n"
        "]",
    ),
    (
        "inspect(Array.from({length: 120}, (_, i) => i))",
        "[\n"
        "   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,\n"
        "  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,\n"
        "  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n"
        "  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,\n"
        "  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,\n"
        "  60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,\n"
        "  72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,\n"
        "  84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,\n"
        "  96, 97, 98, 99,\n"
        "  ... 20 more items\n"
        "]",
    ),
    (
        "inspect(['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'g', 'hh'])",
        "[\n  'a',     'bb',\n  'ccc',   'dddd',\n  'eeeee', 'ffffff',\n  'g',     'hh'\n]",
    ),
    (
        "inspect(Array.from({length: 101}, () => 'x'))",
        "[\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',\n"
        "  'x', 'x', 'x', 'x',\n"
        "  ... 1 more item\n"
        "]",
    ),
    (
        "inspect({a: 'x'.repeat(30), b: 'y'.repeat(30), c: 1})",
        "{\n"
        "  a: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n"
        "  b: 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy',\n"
        "  c: 1\n"
        "}",
    ),
    (
        "inspect({a: 'x'.repeat(20), b: 'y'.repeat(20), c: 1})",
        "{ a: 'xxxxxxxxxxxxxxxxxxxx', b: 'yyyyyyyyyyyyyyyyyyyy', c: 1 }",
    ),
    (
        "inspect(new Map([['a', 1], [{x: 1}, [2]]]))",
        "Map(2) { 'a' => 1, { x: 1 } => [ 2 ] }",
    ),
    (
        "inspect(new Set([1, 'a']))",
        "Set(2) { 1, 'a' }",
    ),
    (
        "inspect(new Map())",
        "Map(0) {}",
    ),
    (
        "inspect([1, , 3, , , 6])",
        "[ 1, <1 empty item>, 3, <2 empty items>, 6 ]",
    ),
    (
        "inspect(Object.assign([1, 2], {foo: 'bar'}))",
        "[ 1, 2, foo: 'bar' ]",
    ),
    (
        "inspect(Object.create(null))",
        "[Object: null prototype] {}",
    ),
    (
        "inspect(Object.assign(Object.create(null), {a: 1}))",
        "[Object: null prototype] { a: 1 }",
    ),
    (
        "inspect([new (class Foo { constructor() { this.x = 1 } })()])",
        "[ Foo { x: 1 } ]",
    ),
    (
        "inspect(class Bar extends Map {})",
        "[class Bar extends Map]",
    ),
    (
        "inspect(class {})",
        "[class (anonymous)]",
    ),
    (
        "inspect(function () {})",
        "[Function (anonymous)]",
    ),
    (
        "inspect(function named() {})",
        "[Function: named]",
    ),
    (
        "inspect(() => {})",
        "[Function (anonymous)]",
    ),
    (
        "inspect(async function af() {})",
        "[AsyncFunction: af]",
    ),
    (
        "inspect(function* g() {})",
        "[GeneratorFunction: g]",
    ),
    (
        "inspect(async function* ag() {})",
        "[AsyncGeneratorFunction: ag]",
    ),
    (
        "inspect(Object.assign(function f() {}, {x: 1}))",
        "[Function: f] { x: 1 }",
    ),
    (
        "inspect([new Date(0), new Date(NaN), /a\\/b/gi])",
        "[ 1970-01-01T00:00:00.000Z, Invalid Date, /a\\/b/gi ]",
    ),
    (
        "inspect([null, undefined, true, 1.5, -0, 10n, Symbol('s'), Symbol()])",
        "[\n"
        "  null,      undefined,\n"
        "  true,      1.5,\n"
        "  -0,        10n,\n"
        "  Symbol(s), Symbol()\n"
        "]",
    ),
    (
        "inspect(['it\\'s', 'say \"hi\"', 'both \\' \" ', 'all \\' \" `', "
        "'nl\\n\\t\\x01\\x7f', '\\ud800', 'é😀'])",
        "[\n"
        '  "it\'s",\n'
        "  'say \"hi\"',\n"
        "  `both ' \" `,\n"
        "  'all \\' \" `',\n"
        "  'nl\\n\\t\\x01\\x7F',\n"
        "  '\\ud800',\n"
        "  'é😀'\n"
        "]",
    ),
    (
        "inspect({'a-b': 1, valid_id: 2, [Symbol('sym')]: 3, '1': 4, 'ünï': 5, "
        "__proto__x: 6, ['__proto__']: 7})",
        "{\n"
        "  '1': 4,\n"
        "  'a-b': 1,\n"
        "  valid_id: 2,\n"
        "  'ünï': 5,\n"
        "  __proto__x: 6,\n"
        "  ['__proto__']: 7,\n"
        "  [Symbol(sym)]: 3\n"
        "}",
    ),
    (
        "inspect([new Number(3), new String('ab'), new Boolean(false), Object(1n), "
        "Object(Symbol('q'))])",
        "[\n"
        "  [Number: 3],\n"
        "  [String: 'ab'],\n"
        "  [Boolean: false],\n"
        "  [BigInt: 1n],\n"
        "  [Symbol: Symbol(q)]\n"
        "]",
    ),
    (
        "inspect([Buffer.from('hi'), Buffer.alloc(0)])",
        "[ <Buffer 68 69>, <Buffer > ]",
    ),
    (
        "inspect(Buffer.alloc(60))",
        "<Buffer 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
        "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
        "00 ... 10 more bytes>",
    ),
    (
        "inspect([new Uint8Array([1, 2, 3]), new Float64Array(2), new "
        "BigInt64Array([1n, -2n]), new Uint8Array(0)])",
        "[\n"
        "  Uint8Array(3) [ 1, 2, 3 ],\n"
        "  Float64Array(2) [ 0, 0 ],\n"
        "  BigInt64Array(2) [ 1n, -2n ],\n"
        "  Uint8Array(0) []\n"
        "]",
    ),
    (
        "inspect(new ArrayBuffer(3))",
        "ArrayBuffer { [Uint8Contents]: <00 00 00>, byteLength: 3 }",
    ),
    (
        "inspect(new DataView(new ArrayBuffer(2)))",
        "DataView {\n"
        "  byteLength: 2,\n"
        "  byteOffset: 0,\n"
        "  buffer: ArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 }\n"
        "}",
    ),
    (
        "inspect(new WeakMap())",
        "WeakMap { <items unknown> }",
    ),
    (
        "inspect({get a() { return 1 }, set b(v) {}, get c() { return 1 }, set c(v) {}})",
        "{ a: [Getter], b: [Setter], c: [Getter/Setter] }",
    ),
    (
        "inspect({f: function named() {}, g() {}, h: () => {}})",
        "{ f: [Function: named], g: [Function: g], h: [Function: h] }",
    ),
    (
        "inspect({m: new Map([[1, 1]]), s: new Set([1]), a: [1], o: {x: 1}, n: "
        "Object.create(null), c: new (class Q { constructor() { this.z = 1 } })()}, {depth: 0})",
        "{\n"
        "  m: [Map],\n"
        "  s: [Set],\n"
        "  a: [Array],\n"
        "  o: [Object],\n"
        "  n: [Object: null prototype] {},\n"
        "  c: [Q]\n"
        "}",
    ),
    (
        "inspect('a'.repeat(10005)).slice(-30)",
        "aaaaaaaa'... 5 more characters",
    ),
    (
        "inspect({a: {b: {c: {d: {}}}}}, {depth: 5})",
        "{\n  a: { b: { c: { d: {} } } }\n}",
    ),
    (
        "inspect([1, [2, [3, [4, [5]]]]], {depth: null})",
        "[\n  1,\n  [\n    2,\n    [ 3, [ 4, [ 5 ] ] ]\n  ]\n]",
    ),
    (
        "inspect({a: {b: {}}}, {compact: false})",
        "{\n  a: {\n    b: {}\n  }\n}",
    ),
    (
        "inspect([1, 2, 3], {maxArrayLength: 1})",
        "[ 1, ... 2 more items ]",
    ),
    (
        "inspect(new Set([1, 2, 3]), {maxArrayLength: 2})",
        "Set(3) { 1, 2, ... 1 more item }",
    ),
    (
        "inspect({ arr: Array.from({length: 30}, (_, i) => i * 1000) })",
        "{\n"
        "  arr: [\n"
        "        0,  1000,  2000,  3000,  4000,\n"
        "     5000,  6000,  7000,  8000,  9000,\n"
        "    10000, 11000, 12000, 13000, 14000,\n"
        "    15000, 16000, 17000, 18000, 19000,\n"
        "    20000, 21000, 22000, 23000, 24000,\n"
        "    25000, 26000, 27000, 28000, 29000\n"
        "  ]\n"
        "}",
    ),
    (
        "inspect(Array.from({length: 8}, (_, i) => ({ id: i })))",
        "[\n"
        "  { id: 0 }, { id: 1 },\n"
        "  { id: 2 }, { id: 3 },\n"
        "  { id: 4 }, { id: 5 },\n"
        "  { id: 6 }, { id: 7 }\n"
        "]",
    ),
    (
        "inspect(new (class Foo2 { constructor() { this.a = 1 } get "
        "[Symbol.toStringTag]() { return 'Tagged' } })())",
        "Foo2 [Tagged] { a: 1 }",
    ),
    (
        "inspect(new URLSearchParams('a=1&b=2'))",
        "URLSearchParams { 'a' => '1', 'b' => '2' }",
    ),
    (
        "inspect(new URLSearchParams())",
        "URLSearchParams {}",
    ),
    (
        "inspect(new URL('https://u:p@h.com:8/p?q=1#f'))",
        "URL {\n"
        "  href: 'https://u:p@h.com:8/p?q=1#f',\n"
        "  origin: 'https://h.com:8',\n"
        "  protocol: 'https:',\n"
        "  username: 'u',\n"
        "  password: 'p',\n"
        "  host: 'h.com:8',\n"
        "  hostname: 'h.com',\n"
        "  port: '8',\n"
        "  pathname: '/p',\n"
        "  search: '?q=1',\n"
        "  searchParams: URLSearchParams { 'q' => '1' },\n"
        "  hash: '#f'\n"
        "}",
    ),
    (
        "inspect({u: new URL('http://h/')})",
        "{\n"
        "  u: URL {\n"
        "    href: 'http://h/',\n"
        "    origin: 'http://h',\n"
        "    protocol: 'http:',\n"
        "    username: '',\n"
        "    password: '',\n"
        "    host: 'h',\n"
        "    hostname: 'h',\n"
        "    port: '',\n"
        "    pathname: '/',\n"
        "    search: '',\n"
        "    searchParams: URLSearchParams {},\n"
        "    hash: ''\n"
        "  }\n"
        "}",
    ),
    (
        "inspect((function () { return arguments })(1, 'a'))",
        "[Arguments] { '0': 1, '1': 'a' }",
    ),
]


@pytest.fixture
def util(racer: MiniRacer) -> Run:
    """Evaluate an expression with `format` and `inspect` bound to the prelude's util."""
    racer.eval("var format = __sb_util.format, inspect = __sb_util.inspect;")
    return lambda expression: racer.execute(expression)


@pytest.mark.parametrize(("expression", "expected"), FORMATS, ids=[e for e, _ in FORMATS])
def test_format_matches_node(util: Run, expression: str, expected: str) -> None:
    assert util(expression) == expected


@pytest.mark.parametrize(("expression", "expected"), INSPECTIONS, ids=[e for e, _ in INSPECTIONS])
def test_inspect_matches_node(util: Run, expression: str, expected: str) -> None:
    assert util(expression) == expected


def test_sb_format_takes_an_array_of_arguments(js: Run) -> None:
    assert js("__sb_format(['%s=%d', 'n', 5, {a: [1]}])") == "n=5 { a: [ 1 ] }"


def test_errors_print_as_their_stack_with_extra_properties(util: Run) -> None:
    assert (
        util(
            "(() => { const e = new Error('boom'); e.code = 'E1';"
            " e.stack = 'Error: boom\\n    at f (a.js:1:2)'; return inspect(e); })()"
        )
        == "Error: boom\n    at f (a.js:1:2) {\n  code: 'E1'\n}"
    )


def test_error_stack_is_indented_inside_objects(util: Run) -> None:
    assert util(
        "(() => { const e = new Error('nested');"
        " e.stack = 'Error: nested\\n    at foo (file.js:1:1)';"
        " return inspect({e, arr: [e]}); })()"
    ) == (
        "{\n  e: Error: nested\n      at foo (file.js:1:1),\n"
        "  arr: [\n    Error: nested\n        at foo (file.js:1:1)\n  ]\n}"
    )


def test_error_without_stack_frames_is_bracketed(util: Run) -> None:
    assert util(
        "(() => { const e = new Error('nostack'); e.stack = 'Error: nostack';"
        " return [inspect(e), inspect({e})]; })()"
    ) == ["[Error: nostack]", "{ e: [Error: nostack] }"]


def test_error_subclasses_name_their_constructor(util: Run) -> None:
    assert util(
        "(() => { class MyTypeError extends TypeError {}"
        " class NamedError extends Error { constructor(m) { super(m); this.name = 'OtherError' } }"
        " function VE(msg) { this.name = 'ValidationError'; this.message = msg;"
        "   Error.captureStackTrace(this, VE); }"
        " VE.prototype = Object.create(Error.prototype); VE.prototype.constructor = VE;"
        " const first = (v) => inspect(v).split('\\n')[0];"
        " return [first(new MyTypeError('m')), first(new NamedError('n')), first(new VE('dup'))];"
        " })()"
    ) == ["MyTypeError: m", "NamedError [OtherError]: n", "VE [ValidationError]: dup"]


def test_error_cause_is_shown(util: Run) -> None:
    assert util(
        "inspect(new Error('c', {cause: 'why'})).split('\\n').filter((l) => !l.includes(' at '))"
    ) == ["Error: c", "  [cause]: 'why'", "}"]


def test_format_percent_s_of_an_error_is_its_stack(util: Run) -> None:
    assert (
        util(
            "(() => { const e = new TypeError('t'); e.stack = 'TypeError: t\\n    at x (y:1:1)';"
            " return format('%s', e); })()"
        )
        == "TypeError: t\n    at x (y:1:1)"
    )


def test_promises_print_with_an_unknown_state(util: Run) -> None:
    assert util("inspect(Promise.resolve(4))") == "Promise { <state unknown> }"


def test_custom_inspect_symbol_is_honoured(util: Run) -> None:
    assert (
        util(
            "inspect({ inner: { [Symbol.for('nodejs.util.inspect.custom')]: (depth) =>"
            " `custom at depth ${depth}` } })"
        )
        == "{ inner: custom at depth 1 }"
    )
