"""TextEncoder, TextDecoder, atob and btoa, checked against Node's outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Run = Callable[[str], Any]


def test_text_encoder_encodes_utf8_into_a_uint8array(js: Run) -> None:
    assert js(
        "(() => { const b = new TextEncoder().encode('a€😀\\ud800');"
        " return [Object.prototype.toString.call(b), Buffer.isBuffer(b), Array.from(b),"
        " new TextEncoder().encode().length, new TextEncoder().encoding]; })()"
    ) == [
        "[object Uint8Array]",
        False,
        [97, 226, 130, 172, 240, 159, 152, 128, 239, 191, 189],
        0,
        "utf-8",
    ]


def test_encode_into_writes_only_whole_characters(js: Run) -> None:
    assert js(
        "(() => { const d = new Uint8Array(5); const r = new TextEncoder().encodeInto('a€😀', d);"
        " return [r, Array.from(d)]; })()"
    ) == [{"read": 2, "written": 4}, [97, 226, 130, 172, 0]]


def test_encode_into_needs_a_uint8array(error: Run) -> None:
    assert error("new TextEncoder().encodeInto('a', [])")["message"] == (
        'The "dest" argument must be an instance of Uint8Array. Received an instance of Array'
    )


def test_text_decoder_round_trips_utf8(js: Run) -> None:
    assert js("new TextDecoder().decode(new TextEncoder().encode('héllo €😀'))") == "héllo €😀"


def test_text_decoder_accepts_array_buffers_and_any_view(js: Run) -> None:
    assert js(
        "[new TextDecoder().decode(new Uint8Array([104, 105]).buffer),"
        " new TextDecoder().decode(new DataView(new Uint8Array([0, 104, 105]).buffer, 1)),"
        " new TextDecoder().decode(Buffer.from('hé')), new TextDecoder().decode()]"
    ) == ["hi", "hi", "hé", ""]


def test_text_decoder_replaces_invalid_utf8(js: Run) -> None:
    assert js("new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0xe2, 0x82]))") == (
        "a\ufffd\ufffd"
    )


def test_fatal_decoder_throws_on_invalid_data(error: Run) -> None:
    assert error("new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xff]))") == {
        "name": "TypeError",
        "message": "The encoded data was not valid for encoding utf-8",
        "code": "ERR_ENCODING_INVALID_ENCODED_DATA",
        "isError": True,
    }
    assert (
        error("new TextDecoder('utf-16le', {fatal: true}).decode(new Uint8Array([0, 0xd8]))")[
            "message"
        ]
        == "The encoded data was not valid for encoding utf-16le"
    )


def test_bom_is_stripped_unless_ignore_bom(js: Run) -> None:
    bom_a = "new Uint8Array([0xef, 0xbb, 0xbf, 0x61])"
    assert js(
        f"[new TextDecoder().decode({bom_a}),"
        f" new TextDecoder('utf-8', {{ignoreBOM: true}}).decode({bom_a}),"
        " new TextDecoder().ignoreBOM, new TextDecoder().fatal]"
    ) == ["a", "\ufeffa", False, False]


def test_streaming_keeps_incomplete_characters_for_the_next_call(run: Run) -> None:
    assert run(
        "const d = new TextDecoder(); const out = [];"
        " out.push(d.decode(new Uint8Array([0xe2, 0x82]), {stream: true}));"
        " out.push(d.decode(new Uint8Array([0xac])));"
        " out.push(d.decode(new Uint8Array([0xef, 0xbb]), {stream: true}));"
        " out.push(d.decode(new Uint8Array([0xbf, 0x62]), {stream: true}));"
        " out.push(d.decode(new Uint8Array([0xef, 0xbb, 0xbf])));"
        " out.push(d.decode(new Uint8Array([0xef, 0xbb, 0xbf])));"
        " return out;"
    ) == ["", "€", "", "b", "\ufeff", ""]


def test_utf16le_decoding_with_streaming_and_a_trailing_odd_byte(run: Run) -> None:
    assert run(
        "const u = new TextDecoder('utf-16le'); const out = [];"
        " out.push(u.decode(new Uint8Array([0x61]), {stream: true}));"
        " out.push(u.decode(new Uint8Array([0, 0x3d, 0xd8]), {stream: true}));"
        " out.push(u.decode(new Uint8Array([0x00, 0xde])));"
        " out.push(u.decode(new Uint8Array([0x61])));"
        " out.push(new TextDecoder('utf-16le').decode(new Uint8Array("
        "   [0xff, 0xfe, 0x61, 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8, 0x62])));"
        " return out;"
    ) == ["", "a", "😀", "\ufffd", "a😀\ufffd"]


# What the Encoding Standard's windows-1252 (the 'latin1' label) gives for 0x80-0x9F.
WINDOWS_1252_HIGH = [
    0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x2C6, 0x2030, 0x160, 0x2039, 0x152, 0x8D, 0x17D, 0x8F,
    0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178,
]  # fmt: skip


def test_latin1_label_decodes_as_windows_1252(js: Run) -> None:
    assert (
        js(
            "[...new TextDecoder('latin1')"
            ".decode(Uint8Array.from({length: 32}, (_, i) => 0x80 + i))]"
            ".map((c) => c.codePointAt(0))"
        )
        == WINDOWS_1252_HIGH
    )
    assert js("new TextDecoder('latin1').decode(new Uint8Array([0x68, 0xe9]))") == "hé"


def test_windows_1252_table_agrees_with_pythons_codec() -> None:
    undefined_in_cp1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    for byte, code in zip(range(0x80, 0xA0), WINDOWS_1252_HIGH, strict=True):
        if byte not in undefined_in_cp1252:
            assert bytes([byte]).decode("cp1252") == chr(code)


@pytest.mark.parametrize(
    ("label", "encoding"),
    [
        ("utf8", "utf-8"),
        (" UTF-8 ", "utf-8"),
        ("unicode-1-1-utf-8", "utf-8"),
        ("utf-16", "utf-16le"),
        ("ucs-2", "utf-16le"),
        ("Latin1", "windows-1252"),
        ("ascii", "windows-1252"),
        ("iso-8859-1", "windows-1252"),
    ],
)
def test_text_decoder_labels(js: Run, label: str, encoding: str) -> None:
    assert js(f"new TextDecoder({label!r}).encoding") == encoding


def test_unknown_label_is_a_range_error(error: Run) -> None:
    assert error("new TextDecoder('nope')") == {
        "name": "RangeError",
        "message": 'The "nope" encoding is not supported',
        "code": "ERR_ENCODING_NOT_SUPPORTED",
        "isError": True,
    }


def test_decode_rejects_non_buffers(error: Run) -> None:
    assert error("new TextDecoder().decode('x')")["message"] == (
        'The "input" argument must be an instance of ArrayBuffer or ArrayBufferView. '
        "Received type string ('x')"
    )


def test_atob_is_forgiving_about_whitespace_and_padding(js: Run) -> None:
    assert js("[atob(' YW Jj\\n'), atob('YQ=='), atob('YQ'), atob('YQ\\f'), atob(null)]") == [
        "abc",
        "a",
        "a",
        "a",
        "\u009e\u00e9e",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("YQ=", "Invalid character"),
        ("YQ===", "Invalid character"),
        ("=YQ=", "Invalid character"),
        ("YQ-_", "Invalid character"),
        ("YQ\u00a0", "Invalid character"),
        ("Y", "The string to be decoded is not correctly encoded."),
    ],
)
def test_atob_rejects_bad_input_with_an_invalid_character_error(
    error: Run, data: str, message: str
) -> None:
    assert error(f"atob({data!r})") == {
        "name": "InvalidCharacterError",
        "message": message,
        "code": 5,
        "isError": True,
    }


def test_btoa_encodes_latin1_text(js: Run) -> None:
    assert js("[btoa('\\xff\\xfe'), btoa(null), btoa(undefined), btoa('')]") == [
        "//4=",
        "bnVsbA==",
        "dW5kZWZpbmVk",
        "",
    ]


def test_btoa_rejects_characters_above_0xff(js: Run, error: Run) -> None:
    assert error("btoa('€')") == {
        "name": "InvalidCharacterError",
        "message": "Invalid character",
        "code": 5,
        "isError": True,
    }
    assert js("(() => { try { btoa('€') } catch (e) { return e instanceof DOMException } })()")


def test_atob_and_btoa_need_an_argument(error: Run) -> None:
    for call in ("atob()", "btoa()"):
        assert error(call) == {
            "name": "TypeError",
            "message": 'The "input" argument must be specified',
            "code": "ERR_MISSING_ARGS",
            "isError": True,
        }
