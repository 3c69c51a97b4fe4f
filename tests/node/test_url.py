"""URL and URLSearchParams, checked against Node's WHATWG URL outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

Run = Callable[[str], Any]

# (input, base, href) as Node 20 parses them.
HREFS = [
    (
        "https://user:pa ss@EXAMPLE.com:443/a/./b/../c d?q=1 2&x='#frag ment",
        None,
        "https://user:pa%20ss@example.com/a/c%20d?q=1%202&x=%27#frag%20ment",
    ),
    ("http://example.com:80/", None, "http://example.com/"),
    ("http://example.com:8080", None, "http://example.com:8080/"),
    ("HTTPS://Example.COM", None, "https://example.com/"),
    ('http://a/^{}|`<>"', None, "http://a/^%7B%7D|%60%3C%3E%22"),
    ('http://a/?^{}|`<>"', None, "http://a/?^{}|`%3C%3E%22"),
    ('http://a/#^{}|`<>"', None, "http://a/#^{}|%60%3C%3E%22"),
    ("../x?y#z", "http://h/a/b/c", "http://h/a/x?y#z"),
    ("//other/p", "https://h/a", "https://other/p"),
    ("?q", "http://h/a/b?old#f", "http://h/a/b?q"),
    ("#f", "http://h/a?q", "http://h/a?q#f"),
    ("/abs", "http://h/a/b", "http://h/abs"),
    ("", "http://h/a?q#f", "http://h/a?q"),
    ("http:foo", "http://h/a/b", "http://h/a/foo"),
    ("https:foo", "http://h/a/b", "https://foo/"),
    ("http://h/a/%2e/b/%2E%2e/c", None, "http://h/a/c"),
    ("http://h\\a\\b", None, "http://h/a/b"),
    ("  http://h/\t\nx  ", None, "http://h/x"),
    ("mailto:Someone@Example.com", None, "mailto:Someone@Example.com"),
    ("urn:isbn:123", None, "urn:isbn:123"),
    ("foo://Host/p a", None, "foo://Host/p%20a"),
    ("foo:/p", None, "foo:/p"),
    ("data:text/plain,hi there", None, "data:text/plain,hi there"),
    ("http://0x7f.1/", None, "http://127.0.0.1/"),
    ("http://127.1", None, "http://127.0.0.1/"),
    ("http://[0:0:0:0:0:0:0:1]:8080/", None, "http://[::1]:8080/"),
    ("http://[2001:db8::1:0:0:1]/", None, "http://[2001:db8::1:0:0:1]/"),
    ("http://[::ffff:1.2.3.4]/", None, "http://[::ffff:102:304]/"),
    ("http://h:/p", None, "http://h/p"),
    ("file:///etc/passwd", None, "file:///etc/passwd"),
    ("file://host/share", None, "file://host/share"),
    ("http://ex%41mple.com/", None, "http://example.com/"),
    ("http://h/ü?ü#ü", None, "http://h/%C3%BC?%C3%BC#%C3%BC"),
    ("ws://h:80/", None, "ws://h/"),
    ("wss://h:443/", None, "wss://h/"),
    ("ftp://h:21/", None, "ftp://h/"),
    ("http://u@h/", None, "http://u@h/"),
    ("http://:p@h/", None, "http://:p@h/"),
    ("http://@h/", None, "http://h/"),
    ("http://h/?", None, "http://h/?"),
    ("http://h/#", None, "http://h/#"),
    ("http://h?a#b", None, "http://h/?a#b"),
    ("http://h/a%zzb", None, "http://h/a%zzb"),
    ("https://h/foo/..", None, "https://h/"),
    ("https://h/foo/.", None, "https://h/foo/"),
    ("https://h/..", None, "https://h/"),
    (
        "https://api.example.com/v1/users?email=a%40b.com&x=1",
        None,
        "https://api.example.com/v1/users?email=a%40b.com&x=1",
    ),
]


@pytest.mark.parametrize(("url", "base", "href"), HREFS)
def test_parses_and_serialises_like_node(js: Run, url: str, base: str | None, href: str) -> None:
    args = json.dumps(url) + ("" if base is None else f", {json.dumps(base)}")
    assert js(f"new URL({args}).href") == href


def test_components_of_an_https_url(js: Run) -> None:
    assert js(
        "(() => { const u = new URL('https://user:pa%20ss@API.example.com:8443/v1/a%20b?q=1#top');"
        " return ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname',"
        " 'port', 'pathname', 'search', 'hash'].map((key) => u[key]); })()"
    ) == [
        "https://user:pa%20ss@api.example.com:8443/v1/a%20b?q=1#top",
        "https://api.example.com:8443",
        "https:",
        "user",
        "pa%20ss",
        "api.example.com:8443",
        "api.example.com",
        "8443",
        "/v1/a%20b",
        "?q=1",
        "#top",
    ]


def test_non_special_urls_have_a_null_origin(js: Run) -> None:
    assert js(
        "['mailto:a@b.c', 'urn:isbn:1', 'file:///x', 'foo://h/p'].map((u) => new URL(u).origin)"
    ) == ["null", "null", "null", "null"]


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://a b/", None),
        ("http://", None),
        ("http://h:99999/", None),
        ("http://h:x/", None),
        ("nothing", None),
        ("x", "mailto:a"),
        ("http://1.2.3.4.5/", None),
        ("http://256.0.0.1/", None),
        ("http://[::1/", None),
        ("http://[1:2:3:4:5:6:7:8:9]/", None),
        ("http://h<>/", None),
        # IDNA is not implemented: Node would give http://xn--mnchen-3ya.de/
        ("http://münchen.de/", None),
    ],
)
def test_invalid_url_is_a_type_error(error: Run, url: str, base: str | None) -> None:
    args = json.dumps(url) + ("" if base is None else f", {json.dumps(base)}")
    assert error(f"new URL({args})") == {
        "name": "TypeError",
        "message": "Invalid URL",
        "code": "ERR_INVALID_URL",
        "isError": True,
    }


def test_invalid_url_error_carries_input_and_base(js: Run) -> None:
    assert js(
        "(() => { try { new URL('x', 'nope') } catch (e) { return [e.input, e.base] } })()"
    ) == ["x", "nope"]


def test_url_needs_an_argument(error: Run) -> None:
    assert error("new URL()")["message"] == 'The "url" argument must be specified'


def test_can_parse(js: Run) -> None:
    assert js(
        "[URL.canParse('x'), URL.canParse('x', 'http://h'), URL.canParse('http://h'),"
        " URL.canParse('x', 'nope')]"
    ) == [False, True, True, False]


def test_to_string_and_to_json_give_href(js: Run) -> None:
    assert js(
        "[String(new URL('http://h/x')), JSON.stringify({u: new URL('http://h/x')}),"
        " new URL(new URL('http://h/y')).href, Object.prototype.toString.call(new URL('http://h'))]"
    ) == ["http://h/x", '{"u":"http://h/x"}', "http://h/y", "[object URL]"]


def test_setters_update_the_url(run: Run) -> None:
    assert run(
        "const u = new URL('https://h/p?x=1'); const out = [];"
        " u.hash = 'frag'; u.pathname = 'a b/c'; u.port = '8443'; u.hostname = 'Other.COM';"
        " u.username = 'me@x'; u.password = 'p:w'; out.push(u.href);"
        " u.port = '443'; u.protocol = 'http'; out.push(u.href);"
        " u.protocol = 'foo'; out.push(u.href);"
        " u.host = 'h2:99'; out.push(u.href);"
        " u.href = 'http://new/'; out.push(u.href);"
        " return out;"
    ) == [
        "https://me%40x:p%3Aw@other.com:8443/a%20b/c?x=1#frag",
        "http://me%40x:p%3Aw@other.com/a%20b/c?x=1#frag",
        "http://me%40x:p%3Aw@other.com/a%20b/c?x=1#frag",
        "http://me%40x:p%3Aw@h2:99/a%20b/c?x=1#frag",
        "http://new/",
    ]


def test_setters_clear_and_ignore_invalid_values(run: Run) -> None:
    assert run(
        "const v = new URL('http://h:8080/p?q#h'); const out = [];"
        " v.port = ''; v.search = ''; v.hash = ''; out.push(v.href);"
        " v.port = '12ab'; v.host = 'x:'; out.push(v.href);"
        " v.hostname = 'y:5'; out.push(v.href);"
        " v.port = '99999'; out.push(v.href);"
        " v.search = 'a=b c'; out.push(v.href, v.searchParams.get('a'));"
        " v.pathname = '/x/../y'; out.push(v.pathname);"
        " return out;"
    ) == [
        "http://h/p",
        "http://x:12/p",
        "http://x:12/p",
        "http://x:12/p",
        "http://x:12/p?a=b%20c",
        "b c",
        "/y",
    ]


def test_href_setter_rejects_invalid_urls(error: Run) -> None:
    assert error("new URL('http://h/').href = 'bad'")["message"] == "Invalid URL"


def test_search_params_and_search_are_linked_both_ways(run: Run) -> None:
    assert run(
        "const u = new URL('https://h/p?x=1'); const out = [];"
        " u.searchParams.append('y', 'a b'); out.push(u.href);"
        " u.search = '?k=v'; out.push(u.searchParams.get('k'), [...u.searchParams.keys()]);"
        " u.searchParams.delete('k'); out.push(u.href);"
        " u.href = 'http://new/?z=9'; out.push(u.searchParams.get('z'));"
        " const same = u.searchParams === u.searchParams; out.push(same);"
        " return out;"
    ) == ["https://h/p?x=1&y=a+b", "v", ["k"], "https://h/p", "9", True]


def test_search_params_parse_form_encoding(js: Run) -> None:
    assert js("[...new URLSearchParams('?a=1&b=x+y%20z&&c&=d&a=2&e=%zz&f=%C3%A9&g=%FF')]") == [
        ["a", "1"],
        ["b", "x y z"],
        ["c", ""],
        ["", "d"],
        ["a", "2"],
        ["e", "%zz"],
        ["f", "é"],
        ["g", "\ufffd"],
    ]


def test_search_params_serialise_with_plus_for_spaces(js: Run) -> None:
    assert js(
        "[new URLSearchParams('?a=1&b=x+y%20z&&c&=d&e=%zz&g=%FF').toString(),"
        " new URLSearchParams({a: 'x y', 'b&': '=é~*-._!\\'()', c: undefined, d: null})"
        ".toString()]"
    ) == [
        "a=1&b=x+y+z&c=&=d&e=%25zz&g=%EF%BF%BD",
        "a=x+y&b%26=%3D%C3%A9%7E*-._%21%27%28%29&c=undefined&d=null",
    ]


def test_search_params_from_pairs_maps_and_other_params(js: Run) -> None:
    assert js(
        "[new URLSearchParams([['a', '1'], ['a', '2']]).getAll('a'),"
        " new URLSearchParams(new Map([['k', 'v']])).toString(),"
        " new URLSearchParams(new URLSearchParams('x=1')).toString(),"
        " new URLSearchParams(null).toString(), new URLSearchParams(undefined).toString(),"
        " new URLSearchParams().size]"
    ) == [["1", "2"], "k=v", "x=1", "", "", 0]


def test_search_params_methods(run: Run) -> None:
    assert run(
        "const q = new URLSearchParams('z=1&a=2&z=0&b=3'); const out = [];"
        " q.sort(); out.push(q.toString());"
        " q.set('z', 'new'); out.push(q.toString());"
        " q.delete('a'); out.push(q.toString(), q.has('b'), q.has('b', '4'), q.has('b', '3'));"
        " out.push(q.get('nope'), q.getAll('nope'), q.size);"
        " q.append('b', '4'); q.delete('b', '3'); out.push(q.toString());"
        " return out;"
    ) == [
        "a=2&b=3&z=1&z=0",
        "a=2&b=3&z=new",
        "b=3&z=new",
        True,
        False,
        True,
        None,
        [],
        2,
        "z=new&b=4",
    ]


def test_search_params_iteration(run: Run) -> None:
    assert run(
        "const it = new URLSearchParams('a=1&b=2'); const order = [];"
        " it.forEach(function (v, k, o) { order.push(k + v, o === it, this.t); }, {t: 'T'});"
        " return [order, [...it.entries()], [...it.keys()], [...it.values()], [...it],"
        "   Object.prototype.toString.call(it)];"
    ) == [
        ["a1", True, "T", "b2", True, "T"],
        [["a", "1"], ["b", "2"]],
        ["a", "b"],
        ["1", "2"],
        [["a", "1"], ["b", "2"]],
        "[object URLSearchParams]",
    ]


@pytest.mark.parametrize(
    ("expression", "message", "code"),
    [
        (
            "new URLSearchParams([[1]])",
            "Each query pair must be an iterable [name, value] tuple",
            "ERR_INVALID_TUPLE",
        ),
        (
            "new URLSearchParams([1])",
            "Each query pair must be an iterable [name, value] tuple",
            "ERR_INVALID_TUPLE",
        ),
        (
            "new URLSearchParams({[Symbol.iterator]: 5})",
            "Query pairs must be iterable",
            "ERR_ARG_NOT_ITERABLE",
        ),
        (
            "new URLSearchParams().append('a')",
            'The "name" and "value" arguments must be specified',
            "ERR_MISSING_ARGS",
        ),
        (
            "new URLSearchParams().get()",
            'The "name" argument must be specified',
            "ERR_MISSING_ARGS",
        ),
        (
            "new URLSearchParams().forEach(1)",
            'The "callback" argument must be of type function. Received type number (1)',
            "ERR_INVALID_ARG_TYPE",
        ),
    ],
)
def test_search_params_errors_match_node(
    error: Run, expression: str, message: str, code: str
) -> None:
    assert error(expression) == {
        "name": "TypeError",
        "message": message,
        "code": code,
        "isError": True,
    }
