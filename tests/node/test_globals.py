"""The prelude as a whole: which globals each file defines, and how they are defined."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import pytest
from py_mini_racer import MiniRacer

from scriptbridge.node import prelude_source
from scriptbridge.node.prelude import PRELUDE_FILES

Run = Callable[[str], Any]

# What each file adds to the global object, in evaluation order. setTimeout and clearTimeout
# already exist (mini-racer defines them) and are replaced rather than added.
NEW_GLOBALS = {
    "internals.js": ["DOMException", "__sb_internals"],
    "codec.js": [],
    "buffer.js": ["Buffer"],
    "text.js": ["TextDecoder", "TextEncoder", "atob", "btoa"],
    "urlparser.js": [],
    "url.js": ["URL", "URLSearchParams"],
    "process.js": [
        "clearImmediate",
        "clearInterval",
        "process",
        "queueMicrotask",
        "setImmediate",
        "setInterval",
    ],
    "clone.js": ["structuredClone"],
    "inspect.js": [],
    "format.js": ["__sb_format", "__sb_util"],
}
NEW_SCRIPT_GLOBALS = sorted(
    name for names in NEW_GLOBALS.values() for name in names if not name.startswith("__")
)
HIDDEN = ["__sb_format", "__sb_internals", "__sb_util"]


@pytest.fixture
def bare() -> Iterator[MiniRacer]:
    """A MiniRacer without the prelude."""
    mr = MiniRacer()
    yield mr
    mr.close()


def global_names(mr: MiniRacer) -> set[str]:
    return set(mr.execute("Object.getOwnPropertyNames(globalThis)"))


def test_each_file_defines_only_its_own_globals(bare: MiniRacer) -> None:
    folder = resources.files("scriptbridge.node").joinpath("js")
    assert list(NEW_GLOBALS) == list(PRELUDE_FILES)
    for name in PRELUDE_FILES:
        before = global_names(bare)
        bare.eval(folder.joinpath(name).read_text(encoding="utf-8"))
        assert sorted(global_names(bare) - before) == NEW_GLOBALS[name], name


def test_prelude_source_is_the_files_in_order_and_cached() -> None:
    folder = resources.files("scriptbridge.node").joinpath("js")
    source = prelude_source()
    positions = [
        source.index(folder.joinpath(name).read_text(encoding="utf-8")) for name in PRELUDE_FILES
    ]
    assert positions == sorted(positions)
    assert prelude_source() is source


def test_prelude_replaces_mini_racers_timers(bare: MiniRacer) -> None:
    bare.eval("var originals = [setTimeout, clearTimeout];")
    bare.eval(prelude_source())
    assert bare.execute("[setTimeout !== originals[0], clearTimeout !== originals[1]]") == [
        True,
        True,
    ]


def test_prelude_leaves_console_alone(bare: MiniRacer) -> None:
    bare.eval("var originalConsole = console;")
    bare.eval(prelude_source())
    assert bare.execute("console === originalConsole")


@pytest.mark.parametrize("name", NEW_SCRIPT_GLOBALS)
def test_globals_are_non_enumerable_writable_and_configurable(js: Run, name: str) -> None:
    assert js(f"Object.getOwnPropertyDescriptor(globalThis, {name!r})") | {"value": None} == {
        "value": None,
        "writable": True,
        "enumerable": False,
        "configurable": True,
    }


def test_no_prelude_global_is_enumerable(js: Run) -> None:
    # mini-racer's own `var` declarations are the only enumerable globals.
    assert sorted(js("Object.keys(globalThis)")) == [
        "__timer_manager",
        "clearTimeout",
        "setTimeout",
    ]


def test_scripts_can_replace_globals(js: Run) -> None:
    assert js(
        "(() => { const global = globalThis; global.URL = 'mine'; global.setTimeout = 'too';"
        " delete global.Buffer; return [URL, setTimeout, typeof Buffer]; })()"
    ) == ["mine", "too", "undefined"]


@pytest.mark.parametrize("name", HIDDEN)
def test_engine_helpers_are_hidden_but_deletable(js: Run, name: str) -> None:
    assert js(
        f"(() => {{ const d = Object.getOwnPropertyDescriptor(globalThis, {name!r});"
        f" return [d.enumerable, d.configurable, delete globalThis[{name!r}]]; }})()"
    ) == [False, True, True]


def test_prelude_keeps_working_after_its_hidden_helpers_are_deleted(js: Run) -> None:
    assert js(
        "(() => { delete globalThis.__sb_internals; delete globalThis.__sb_util;"
        " delete globalThis.__sb_format;"
        " return [Buffer.from('hi').toString('base64'), new URL('http://h/a b').pathname,"
        "   (() => { try { Buffer.from(5) } catch (e) { return e.message } })()]; })()"
    ) == [
        "aGk=",
        "/a%20b",
        'The "value" argument must not be of type number. Received type number (5)',
    ]


def test_dom_exception(js: Run) -> None:
    assert js(
        "(() => { const e = new DOMException('m', 'DataCloneError');"
        " const d = new DOMException('x'); const o = new DOMException('y', {name: 'AbortError',"
        " cause: 1}); return [e.name, e.message, e.code, e instanceof Error, String(e),"
        " Object.prototype.toString.call(e), d.name, d.code, o.name, o.code, o.cause,"
        " new DOMException('z', 'constructor').code]; })()"
    ) == [
        "DataCloneError",
        "m",
        25,
        True,
        "DataCloneError: m",
        "[object DOMException]",
        "Error",
        0,
        "AbortError",
        20,
        1,
        0,
    ]
