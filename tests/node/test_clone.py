"""structuredClone, checked against what Node's (V8's) structured clone gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Run = Callable[[str], Any]


def test_primitives_come_back_unchanged(js: Run) -> None:
    assert js(
        "[structuredClone(1), structuredClone('s'), structuredClone(true), structuredClone(null),"
        " String(structuredClone(10n)), Object.is(structuredClone(-0), -0),"
        " Number.isNaN(structuredClone(NaN)), structuredClone(undefined) === undefined]"
    ) == [1, "s", True, None, "10", True, True, True]


def test_plain_objects_and_arrays_are_deep_copies(run: Run) -> None:
    assert run(
        "const o = {a: {b: [1, {c: 2}]}}; const c = structuredClone(o); c.a.b[1].c = 3;"
        " return [o.a.b[1].c, c.a.b[1].c, c !== o, c.a.b !== o.a.b];"
    ) == [2, 3, True, True]


def test_cycles_and_shared_references_are_preserved(run: Run) -> None:
    assert run(
        "const o = {}; o.self = o; o.list = [o, o]; const c = structuredClone(o);"
        " const shared = {k: 1}; const d = structuredClone({a: shared, b: shared});"
        " const m = new Map(); m.set('me', m); const cm = structuredClone(m);"
        " return [c.self === c, c.list[0] === c, c !== o, d.a === d.b, d.a !== shared,"
        "   cm.get('me') === cm];"
    ) == [True, True, True, True, True, True]


def test_built_in_types_keep_their_type(run: Run) -> None:
    assert run(
        "const tag = (v) => Object.prototype.toString.call(structuredClone(v));"
        " return [tag(new Date(5)), tag(/a+/gi), tag(new Map([[1, 2]])), tag(new Set([1])),"
        "   tag(new ArrayBuffer(2)), tag(new Float32Array(2)),"
        "   tag(new DataView(new ArrayBuffer(1))),"
        "   tag(new Number(3)), tag(new String('s')), tag(new Boolean(false)), tag(Object(2n)),"
        "   tag(new RangeError('r'))];"
    ) == [
        "[object Date]",
        "[object RegExp]",
        "[object Map]",
        "[object Set]",
        "[object ArrayBuffer]",
        "[object Float32Array]",
        "[object DataView]",
        "[object Number]",
        "[object String]",
        "[object Boolean]",
        "[object BigInt]",
        "[object Error]",
    ]


def test_values_inside_built_in_types_are_cloned(run: Run) -> None:
    assert run(
        "const key = {k: 1}; const m = structuredClone(new Map([[key, [1]]]));"
        " const [[k, v]] = m; const re = /a+/gi; re.lastIndex = 3; const r = structuredClone(re);"
        " return [k !== key, k.k, v, structuredClone(new Date(5)).getTime(), r.source, r.flags,"
        "   r.lastIndex, [...structuredClone(new Set([1, 'a']))],"
        "   structuredClone(new Number(3)) + 0,"
        "   Array.from(structuredClone(new Float32Array([1.5, 2])))];"
    ) == [True, 1, [1], 5, "a+", "gi", 0, [1, "a"], 3, [1.5, 2]]


def test_views_on_one_buffer_still_share_it(run: Run) -> None:
    assert run(
        "const ab = new ArrayBuffer(8); const u = new Uint8Array(ab, 2, 4);"
        " const d = new DataView(ab);"
        " const r = structuredClone({u, d}); r.u[0] = 7;"
        " return [r.u.buffer === r.d.buffer, r.u.buffer !== ab, r.u.byteOffset, r.u.length,"
        "   r.d.getUint8(2), new Uint8Array(ab)[2]];"
    ) == [True, True, 2, 4, 7, 0]


def test_a_buffer_comes_back_as_a_uint8array(js: Run) -> None:
    assert js(
        "(() => { const c = structuredClone(Buffer.from('hi'));"
        " return [Buffer.isBuffer(c), c instanceof Uint8Array, Array.from(c)]; })()"
    ) == [False, True, [104, 105]]


def test_class_instances_become_plain_objects_with_own_enumerable_data(js: Run) -> None:
    assert js(
        "(() => { class P { #p = 1; constructor() { this.a = 1 } get g() { return 2 } }"
        " const c = structuredClone(Object.assign(new P(), {[Symbol('s')]: 1}));"
        " return [Object.getPrototypeOf(c) === Object.prototype, Object.keys(c),"
        " Object.getOwnPropertySymbols(c).length]; })()"
    ) == [True, ["a"], 0]


def test_arrays_keep_holes_and_extra_properties(js: Run) -> None:
    assert js(
        "(() => { const a = [1, , 3]; a.x = 4; const c = structuredClone(a);"
        " return [c.length, 1 in c, c.x, Array.isArray(c)]; })()"
    ) == [3, False, 4, True]


def test_errors_keep_type_message_stack_and_cause(run: Run) -> None:
    assert run(
        "const e = new RangeError('bad', {cause: {deep: 1}}); e.extra = 1;"
        " const c = structuredClone(e);"
        " const renamed = new Error('x'); renamed.name = 'TypeError';"
        " class Custom extends Error { constructor() { super('x'); this.name = 'Custom' } }"
        " return [c instanceof RangeError, c.message, c.cause, c.extra, c.stack === e.stack,"
        "   Object.getOwnPropertyNames(c), structuredClone(renamed) instanceof TypeError,"
        "   structuredClone(new Custom()).name,"
        "   Object.getOwnPropertyNames(structuredClone(new Error()))];"
    ) == [
        True,
        "bad",
        {"deep": 1},
        None,
        True,
        ["stack", "message", "cause"],
        True,
        "Error",
        ["stack"],
    ]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("() => {}", "() => {} could not be cloned."),
        ("function foo() {}", "function foo() {} could not be cloned."),
        ("{a: function foo() {}}", "function foo() {} could not be cloned."),
        ("Symbol('x')", "Symbol(x) could not be cloned."),
        ("{s: Symbol('y')}", "Symbol(y) could not be cloned."),
        ("Object(Symbol('q'))", "[object Symbol] could not be cloned."),
        ("new WeakMap()", "#<WeakMap> could not be cloned."),
        ("new WeakSet()", "#<WeakSet> could not be cloned."),
        ("new WeakRef({})", "#<WeakRef> could not be cloned."),
        ("Promise.resolve()", "#<Promise> could not be cloned."),
    ],
)
def test_uncloneable_values_throw_data_clone_error(
    error: Run, expression: str, message: str
) -> None:
    assert error(f"structuredClone({expression})") == {
        "name": "DataCloneError",
        "message": message,
        "code": 25,
        "isError": True,
    }


def test_symbol_keys_are_skipped_not_rejected(js: Run) -> None:
    assert js("structuredClone({[Symbol('k')]: 1, s: 1})") == {"s": 1}


def test_transfer_detaches_the_original_buffer(run: Run) -> None:
    assert run(
        "const t = new ArrayBuffer(4); new Uint8Array(t)[0] = 9;"
        " const r = structuredClone(t, {transfer: [t]});"
        " return [t.byteLength, r.byteLength, new Uint8Array(r)[0]];"
    ) == [0, 4, 9]


@pytest.mark.parametrize(
    ("expression", "name", "message"),
    [
        ("structuredClone()", "TypeError", "The value argument must be specified"),
        (
            "structuredClone(1, 1)",
            "TypeError",
            "The options argument must be either an object or undefined",
        ),
        (
            "structuredClone(1, {transfer: 1})",
            "TypeError",
            "Optional transferList argument must be an iterable",
        ),
        (
            "structuredClone(1, {transfer: [1]})",
            "TypeError",
            "Found invalid object in transferList",
        ),
        (
            "(() => { const b = new ArrayBuffer(1); structuredClone(b, {transfer: [b, b]}) })()",
            "DataCloneError",
            "Transfer list contains duplicate ArrayBuffer",
        ),
    ],
)
def test_bad_arguments_throw_like_node(
    error: Run, expression: str, name: str, message: str
) -> None:
    thrown = error(expression)
    assert (thrown["name"], thrown["message"]) == (name, message)
