"""Buffer, checked against the outputs Node 18/20 gives for the same calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from py_mini_racer import MiniRacer

from scriptbridge.node import prelude_source

Run = Callable[[str], Any]

TEXT = "héllo €😀"
# The bytes of 'hé€😀' in UTF-8, decoded with each encoding.
BYTES = "[0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]"


@pytest.mark.parametrize(
    ("encoding", "hex_bytes"),
    [
        ("utf8", "68c3a96c6c6f20e282acf09f9880"),
        ("utf-8", "68c3a96c6c6f20e282acf09f9880"),
        ("UTF8", "68c3a96c6c6f20e282acf09f9880"),
        ("hex", ""),  # 'h' is not a hex digit: nothing decodes
        ("base64", "865968"),  # only h, l, l, o are base64 characters
        ("base64url", "865968"),
        ("ucs2", "6800e9006c006c006f002000ac203dd800de"),
        ("ucs-2", "6800e9006c006c006f002000ac203dd800de"),
        ("utf16le", "6800e9006c006c006f002000ac203dd800de"),
        ("utf-16le", "6800e9006c006c006f002000ac203dd800de"),
        ("latin1", "68e96c6c6f20ac3d00"),
        ("binary", "68e96c6c6f20ac3d00"),
        ("ascii", "68e96c6c6f20ac3d00"),
    ],
)
def test_from_string_encodes_with_each_encoding(js: Run, encoding: str, hex_bytes: str) -> None:
    assert js(f"Buffer.from({json.dumps(TEXT)}, {json.dumps(encoding)}).toString('hex')") == (
        hex_bytes
    )


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf8", "hé€😀"),
        ("hex", "68c3a9e282acf09f9880"),
        ("base64", "aMOp4oKs8J+YgA=="),
        ("base64url", "aMOp4oKs8J-YgA"),
        ("ucs2", "\uc368\ue2a9\uac82\u9ff0\u8098"),
        ("utf16le", "\uc368\ue2a9\uac82\u9ff0\u8098"),
        ("latin1", "h\u00c3\u00a9\u00e2\u0082\u00ac\u00f0\u009f\u0098\u0080"),
        ("binary", "h\u00c3\u00a9\u00e2\u0082\u00ac\u00f0\u009f\u0098\u0080"),
        ("ascii", "hC)b\u0002,p\u001f\u0018\u0000"),
    ],
)
def test_to_string_decodes_with_each_encoding(js: Run, encoding: str, text: str) -> None:
    assert js(f"Buffer.from({BYTES}).toString({json.dumps(encoding)})") == text


@pytest.mark.parametrize("encoding", ["utf8", "base64", "base64url", "hex", "ucs2"])
def test_non_ascii_text_round_trips(js: Run, encoding: str) -> None:
    enc = json.dumps(encoding)
    expression = f"""Buffer.from(Buffer.from({json.dumps(TEXT)}).toString({enc}), {enc})
        .toString()"""
    assert js(expression) == TEXT


def test_utf8_decoding_replaces_each_invalid_sequence_with_one_replacement_char(js: Run) -> None:
    bad = "[0xc3, 0x28, 0xe2, 0x82, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0x80, 0xff, 0x61, 0xf0]"
    assert js(f"Buffer.from({bad}).toString()") == "\ufffd(\ufffd😀\ufffd\ufffd\ufffd\ufffda\ufffd"


def test_lone_surrogates_encode_as_replacement_chars(js: Run) -> None:
    assert js("Buffer.from('\\ud800x\\udc00').toString('hex')") == "efbfbd78efbfbd"


def test_hex_decoding_stops_at_first_invalid_pair(js: Run) -> None:
    assert js(
        "['abz1', 'abc', 'zz12', 'AB'].map((s) => Buffer.from(s, 'hex').toString('hex'))"
    ) == [
        "ab",
        "ab",
        "",
        "ab",
    ]


def test_base64_decoding_skips_whitespace_and_stops_at_padding(js: Run) -> None:
    inputs = "['YQ==YQ==', 'YW Jj\\nZA', 'YWJj-_8', 'Y', 'YQ', 'YQ=', '=YQ']"
    assert js(f"{inputs}.map((s) => Buffer.from(s, 'base64').toString('hex'))") == [
        "61",
        "61626364",
        "616263fbff",
        "",
        "61",
        "61",
        "",
    ]


def test_base64url_encoding_has_no_padding(js: Run) -> None:
    assert js(
        "[Buffer.from([0xfb, 0xff]).toString('base64url'), "
        "Buffer.from([0xfb, 0xff]).toString('base64')]"
    ) == ["-_8", "+/8="]


def test_byte_length_per_encoding(js: Run) -> None:
    assert js(
        "[Buffer.byteLength('YQ==', 'base64'), Buffer.byteLength('YQ', 'base64'),"
        " Buffer.byteLength('abc', 'hex'), Buffer.byteLength('é😀\\ud800'),"
        " Buffer.byteLength('ab', 'ucs2'), Buffer.byteLength('abc', 'nonsense'),"
        " Buffer.byteLength(new ArrayBuffer(7))]"
    ) == [1, 1, 1, 9, 4, 3, 7]


def test_unknown_encoding_is_a_type_error_with_nodes_message(error: Run) -> None:
    assert error("Buffer.from('a', 'nope')") == {
        "name": "TypeError",
        "message": "Unknown encoding: nope",
        "code": "ERR_UNKNOWN_ENCODING",
        "isError": True,
    }
    assert error("Buffer.from('abc').toString('bad')")["message"] == "Unknown encoding: bad"


def test_object_prototype_names_are_not_encodings(error: Run) -> None:
    assert error("Buffer.from('a', 'constructor')")["message"] == "Unknown encoding: constructor"


def test_is_encoding_accepts_node_names_only(js: Run) -> None:
    assert js(
        "['utf8', 'UTF-8', 'hex', 'binary', 'ucs-2', 'latin-1', 'utf16', '', null]"
        ".map((e) => Buffer.isEncoding(e))"
    ) == [True, True, True, True, True, False, False, False, False]


def test_from_accepts_arrays_array_likes_and_buffer_json(js: Run) -> None:
    assert js(
        "[Buffer.from([257, -1, 'a']), Buffer.from({type: 'Buffer', data: [1, 2]}),"
        " Buffer.from(new Uint16Array([1, 258])), Buffer.from({length: 2, 0: 5}),"
        " Buffer.from(new String('ab')), Buffer.from({[Symbol.toPrimitive]: () => 'pp'})]"
        ".map((b) => b.toString('hex'))"
    ) == ["01ff00", "0102", "0102", "0500", "6162", "7070"]


def test_from_array_buffer_shares_memory_and_checks_bounds(run: Run, error: Run) -> None:
    assert run(
        "const ab = new ArrayBuffer(4); const b = Buffer.from(ab, 1, 2); b[0] = 9;"
        " return [new Uint8Array(ab)[1], b.length, Buffer.from(ab, 3).length];"
    ) == [9, 2, 1]
    assert error("Buffer.from(new ArrayBuffer(4), 5)")["message"] == (
        '"offset" is outside of buffer bounds'
    )
    assert error("Buffer.from(new ArrayBuffer(4), 1, 5)")["code"] == "ERR_BUFFER_OUT_OF_BOUNDS"


def test_from_copies_a_buffer_or_uint8array(run: Run) -> None:
    assert run(
        "const a = Buffer.from('ab'); const b = Buffer.from(a); b[0] = 0x7a;"
        " const u = new Uint8Array([1]); const c = Buffer.from(u); c[0] = 2;"
        " return [a.toString(), u[0], c instanceof Buffer];"
    ) == ["ab", 1, True]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "Buffer.from(5)",
            'The "value" argument must not be of type number. Received type number (5)',
        ),
        (
            "Buffer.from({})",
            "The first argument must be of type string or an instance of Buffer, ArrayBuffer, "
            "or Array or an Array-like Object. Received an instance of Object",
        ),
        (
            "Buffer.from(null)",
            "The first argument must be of type string or an instance of Buffer, ArrayBuffer, "
            "or Array or an Array-like Object. Received null",
        ),
        (
            "Buffer.alloc('5')",
            "The \"size\" argument must be of type number. Received type string ('5')",
        ),
    ],
)
def test_invalid_arguments_are_type_errors_with_nodes_messages(
    error: Run, expression: str, message: str
) -> None:
    assert error(expression) == {
        "name": "TypeError",
        "message": message,
        "code": "ERR_INVALID_ARG_TYPE",
        "isError": True,
    }


def test_legacy_constructor_forms_work_with_and_without_new(js: Run) -> None:
    assert js(
        "[new Buffer('aGk=', 'base64'), Buffer('hi'), new Buffer(3), new Buffer('\\xff\\xfe',"
        " 'binary'), Buffer([1, 2])].map((b) => [b instanceof Buffer, b.toString('hex')])"
    ) == [[True, "6869"], [True, "6869"], [True, "000000"], [True, "fffe"], [True, "0102"]]


def test_buffer_is_a_uint8array_subclass(js: Run) -> None:
    assert js(
        "[Buffer.alloc(1) instanceof Uint8Array, Object.getPrototypeOf(Buffer.prototype) ==="
        " Uint8Array.prototype, Buffer.isBuffer(Buffer.alloc(1)),"
        " Buffer.isBuffer(new Uint8Array(1)), Buffer.of(1, 2) instanceof Buffer,"
        " Buffer.from('ab').map((x) => x + 1) instanceof Buffer]"
    ) == [True, True, True, False, True, True]


def test_buffer_extends_the_uint8array_that_is_global_when_the_prelude_runs() -> None:
    mr = MiniRacer()
    try:
        mr.eval(
            "class CappedUint8Array extends Uint8Array {"
            "  constructor(...args) {"
            "    if (typeof args[0] === 'number' && args[0] > 16) throw new RangeError('cap');"
            "    super(...args);"
            "  }"
            "}"
            "globalThis.Uint8Array = CappedUint8Array;"
        )
        mr.eval(prelude_source())
        assert mr.execute(
            "[Buffer.alloc(1) instanceof CappedUint8Array, Buffer.from('hi').toString(),"
            " (() => { try { Buffer.alloc(17) } catch (e) { return e.message } })()]"
        ) == [True, "hi", "cap"]
    finally:
        mr.close()


def test_alloc_fills_with_numbers_strings_and_buffers(js: Run) -> None:
    assert js(
        "[Buffer.alloc(3, ''), Buffer.alloc(5, 'ab'), Buffer.alloc(4, 'e98', 'hex'),"
        " Buffer.alloc(3, 257), Buffer.alloc(3).fill('€'), Buffer.from([1, 2, 3]).fill(0xab, 1),"
        " Buffer.alloc(5).fill('ab', 1, 'latin1'), Buffer.alloc(4).fill(Buffer.from([1, 2, 3])),"
        " Buffer.alloc(2).fill(true), Buffer.allocUnsafe(2)].map((b) => b.toString('hex'))"
    ) == [
        "000000",
        "6162616261",
        "e9e9e9e9",
        "010101",
        "e282ac",
        "01abab",
        "0061626162",
        "01020301",
        "0101",
        "0000",
    ]


def test_alloc_rejects_negative_sizes_and_unencodable_fills(error: Run) -> None:
    assert error("Buffer.alloc(-1)") == {
        "name": "RangeError",
        "message": 'The value of "size" is out of range. It must be >= 0 && <= 4294967296. '
        "Received -1",
        "code": "ERR_OUT_OF_RANGE",
        "isError": True,
    }
    assert error("Buffer.alloc(3, 'zz', 'hex')")["message"] == (
        "The argument 'value' is invalid. Received 'zz'"
    )


def test_concat_joins_and_pads_or_truncates_to_total_length(js: Run) -> None:
    assert js(
        "[Buffer.concat([Buffer.from('a'), new Uint8Array([98])]),"
        " Buffer.concat([Buffer.from('abc')], 2), Buffer.concat([Buffer.from('a')], 3),"
        " Buffer.concat([])].map((b) => b.toString('hex'))"
    ) == ["6162", "6162", "610000", ""]


def test_concat_checks_its_list(error: Run) -> None:
    assert error("Buffer.concat('x')")["message"] == (
        "The \"list\" argument must be an instance of Array. Received type string ('x')"
    )
    assert error("Buffer.concat([1])")["message"] == (
        'The "list[0]" argument must be an instance of Buffer or Uint8Array. '
        "Received type number (1)"
    )


def test_compare_and_equals(js: Run, error: Run) -> None:
    assert js(
        "[Buffer.from('abc').compare(Buffer.from('abd')), Buffer.from('b').compare("
        "Buffer.from('abc'), 1), Buffer.compare(Buffer.from('ab'), Buffer.from('a')),"
        " Buffer.from('ab').equals(new Uint8Array([97, 98])), Buffer.from('ab').equals("
        "Buffer.from('abc')), [Buffer.from('b'), Buffer.from('a')].sort(Buffer.compare)"
        ".map(String)]"
    ) == [-1, -1, 1, True, False, ["a", "b"]]
    assert error("Buffer.alloc(2).equals('x')")["message"] == (
        'The "otherBuffer" argument must be an instance of Buffer or Uint8Array. '
        "Received type string ('x')"
    )


def test_to_json_and_json_stringify(js: Run) -> None:
    assert js("JSON.stringify({b: Buffer.from('hi')})") == (
        '{"b":{"type":"Buffer","data":[104,105]}}'
    )


def test_to_string_takes_start_and_end(js: Run) -> None:
    assert js(
        "[Buffer.alloc(2).toString('utf8', 5), Buffer.from('abc').toString('utf8', -1, 2),"
        " Buffer.from('abc').toString(undefined, 1), Buffer.from('abcdef').toString('hex', 1,"
        " 100), String(Buffer.from('hé')), `${Buffer.from('x')}`]"
    ) == ["", "ab", "bc", "6263646566", "hé", "x"]


def test_slice_and_subarray_share_memory_and_return_buffers(run: Run) -> None:
    assert run(
        "const x = Buffer.from('abcdef'); const y = x.slice(1, 3); y[0] = 0x7a;"
        " const z = x.subarray(-2); z[1] = 0x21;"
        " return [x.toString(), y instanceof Buffer, z instanceof Buffer, y.toString()];"
    ) == ["azcde!", True, True, "zc"]


def test_write_handles_offsets_lengths_and_encodings(run: Run) -> None:
    assert run(
        "const b = Buffer.alloc(6);"
        " return [Buffer.alloc(4).write('zz', 'hex'), Buffer.alloc(4).write('abzz', 'hex'),"
        "   Buffer.alloc(3).write('a€'), Buffer.alloc(3).write('abcd', 'ucs2'),"
        "   Buffer.alloc(5).write('abcd', 1, 'latin1'), Buffer.alloc(5).write('abcd', 1, 2),"
        "   b.write('xy', 'hex'), b.write('ab', 4), b.toString('hex')];"
    ) == [0, 1, 1, 2, 4, 2, 0, 2, "000000006162"]


def test_write_rejects_an_offset_past_the_end(error: Run) -> None:
    assert error("Buffer.alloc(2).write('a', 3)")["message"] == (
        'The value of "offset" is out of range. It must be >= 0 && <= 2. Received 3'
    )


def test_reads_and_writes_integers_and_floats(run: Run) -> None:
    assert run(
        "const c = Buffer.alloc(8);"
        " const w = [c.writeUInt32BE(0xdeadbeef), c.writeInt32LE(-2, 4)];"
        " return [w, c.toString('hex'), c.readUInt32BE(0), c.readInt32LE(4), c.readUint32LE(0),"
        "   c.readInt16BE(0), c.readUInt16LE(2), c.readInt8(0), c.readUInt8(7)];"
    ) == [[4, 8], "deadbeeffeffffff", 3735928559, -2, 4022250974, -8531, 61374, -34, 255]
    assert run(
        "const f = Buffer.alloc(8); f.writeDoubleBE(1.5); const hex = f.toString('hex');"
        " f.writeFloatLE(0.5, 4); const half = f.readFloatLE(4);"
        " f.writeBigUInt64LE(2n ** 63n);"
        " return [hex, half, String(f.readBigInt64LE()), String(f.readBigUint64LE())];"
    ) == ["3ff8000000000000", 0.5, "-9223372036854775808", "9223372036854775808"]


def test_variable_width_integers(run: Run) -> None:
    assert run(
        "const b = Buffer.alloc(6); b.writeIntLE(-123456789, 0, 5); const le = b.toString('hex');"
        " const back = b.readIntLE(0, 5); b.writeUIntBE(0x123456789a, 0, 5);"
        " return [le, back, b.toString('hex'), b.readUintBE(0, 5),"
        "   Buffer.from([1, 2, 3, 4, 5, 6]).readUIntBE(0, 6),"
        "   Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).readIntLE(0, 6),"
        "   Buffer.from([0x80, 0, 0]).readIntBE(0, 3)];"
    ) == ["eb32a4f8ff00", -123456789, "123456789a00", 78187493530, 1108152157446, -1, -8388608]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("Buffer.alloc(2).readUInt32BE(0)", "Attempt to access memory outside buffer bounds"),
        (
            "Buffer.alloc(8).readUInt32BE(5)",
            'The value of "offset" is out of range. It must be >= 0 and <= 4. Received 5',
        ),
        (
            "Buffer.alloc(8).readUInt32BE(1.5)",
            'The value of "offset" is out of range. It must be an integer. Received 1.5',
        ),
        (
            "Buffer.alloc(8).writeUInt32BE(2 ** 32)",
            'The value of "value" is out of range. It must be >= 0 and <= 4294967295. '
            "Received 4294967296",
        ),
        (
            "Buffer.alloc(8).writeInt8(-129)",
            'The value of "value" is out of range. It must be >= -128 and <= 127. Received -129',
        ),
        (
            "Buffer.alloc(8).writeBigInt64BE(2n ** 63n)",
            'The value of "value" is out of range. It must be >= -(2n ** 63n) and < 2n ** 63n. '
            "Received 9_223_372_036_854_775_808n",
        ),
        (
            "Buffer.alloc(8).writeUIntBE(2 ** 40, 0, 5)",
            'The value of "value" is out of range. It must be >= 0 and < 2 ** 40. '
            "Received 1_099_511_627_776",
        ),
        (
            "Buffer.alloc(8).writeUIntBE(1, 0, 7)",
            'The value of "byteLength" is out of range. It must be >= 1 and <= 6. Received 7',
        ),
    ],
)
def test_number_access_errors_match_node(error: Run, expression: str, message: str) -> None:
    assert error(expression)["message"] == message


def test_copy_between_buffers(run: Run) -> None:
    assert run(
        "const s = Buffer.from('hello'); const t = Buffer.alloc(4);"
        " const counts = [s.copy(t, 1, 1), s.copy(t, 5), s.copy(t, 0, 4, 2)];"
        " const overlap = Buffer.from('abcdef'); overlap.copy(overlap, 2, 0, 4);"
        " return [counts, t.toString('hex'), overlap.toString()];"
    ) == [[3, 0, 0], "00656c6c", "ababcd"]


def test_index_of_last_index_of_and_includes(js: Run) -> None:
    assert js(
        "[Buffer.from('abcabc').indexOf('c', -2), Buffer.from('abcabc').lastIndexOf('b'),"
        " Buffer.from('abcabc').lastIndexOf('b', 3), Buffer.from('abc').indexOf(''),"
        " Buffer.from('abc').indexOf('', 5), Buffer.from('abc').indexOf(98, 'utf8'),"
        " Buffer.from('abc').indexOf(Buffer.from('bc')), Buffer.from('a€b').indexOf('€'),"
        " Buffer.from('aYQ').indexOf('YQ==', 0, 'base64'), Buffer.from([255]).indexOf(-1),"
        " Buffer.from('abc').lastIndexOf('b', NaN), Buffer.from('abc').lastIndexOf('a', -5),"
        " Buffer.from('abc').indexOf('a', 10), Buffer.from('abc').includes('bc'),"
        " Buffer.from('abc').includes('x')]"
    ) == [5, 4, 1, 0, 3, 1, 1, 1, 0, 0, 1, -1, -1, True, False]


def test_swap_reverses_byte_order_in_place(js: Run, error: Run) -> None:
    assert js(
        "[Buffer.from('abcd').swap16(), Buffer.from('abcd').swap32(),"
        " Buffer.from('abcdefgh').swap64()].map(String)"
    ) == ["badc", "dcba", "hgfedcba"]
    assert error("Buffer.alloc(3).swap16()")["message"] == (
        "Buffer size must be a multiple of 16-bits"
    )
