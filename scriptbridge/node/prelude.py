"""The JavaScript prelude that gives scripts Node's globals inside a bare V8 isolate.

Each file in ``js/`` is a plain script, evaluated in the global scope in the order of
``PRELUDE_FILES``; each wraps its internals in an IIFE and defines only its own globals.

A runner evaluates none of them when it starts: each loads on first use of a global it
defines (``LAZY_GLOBALS``), so that a runner is ready in a few milliseconds and does not
carry code its scripts never use.
"""

from __future__ import annotations

import functools
from importlib import resources

# Evaluation order: each file may use what the files before it defined.
PRELUDE_FILES: tuple[str, ...] = (
    "internals.js",  # DOMException, and the hidden __sb_internals the others share
    "codec.js",  # utf-8, utf-16le, latin1, ascii, hex and base64, used by all below
    "buffer.js",  # Buffer
    "text.js",  # TextEncoder, TextDecoder, atob, btoa
    "urlparser.js",  # the WHATWG URL parser behind url.js
    "url.js",  # URL, URLSearchParams
    "process.js",  # process, queueMicrotask, timers
    "clone.js",  # structuredClone
    "inspect.js",  # util.inspect, for format.js
    "format.js",  # util.format: the hidden __sb_format and __sb_util, for the console
)


@functools.cache
def prelude_source() -> str:
    """Return the prelude files joined into one script, in evaluation order."""
    return "\n".join(_read(name) for name in PRELUDE_FILES)


_INTERNALS = ("internals.js",)
_CODEC = (*_INTERNALS, "codec.js")
_TEXT = (*_CODEC, "text.js")
_URL = (*_CODEC, "urlparser.js", "url.js")  # the parser encodes with codec.js
_FORMAT = (*_CODEC, "inspect.js", "format.js")
_PROCESS = (*_INTERNALS, "process.js")

#: Global name -> the files to evaluate, in order, the first time a script reads it.
LAZY_GLOBALS: dict[str, tuple[str, ...]] = {
    "DOMException": _INTERNALS,
    "Buffer": (*_CODEC, "buffer.js"),
    "TextEncoder": _TEXT,
    "TextDecoder": _TEXT,
    "atob": _TEXT,
    "btoa": _TEXT,
    "URL": _URL,
    "URLSearchParams": _URL,
    "structuredClone": (*_INTERNALS, "clone.js"),
    "__sb_format": _FORMAT,
    "__sb_util": _FORMAT,
    **dict.fromkeys(
        (
            "process",
            "queueMicrotask",
            "setTimeout",
            "clearTimeout",
            "setInterval",
            "clearInterval",
            "setImmediate",
            "clearImmediate",
        ),
        _PROCESS,
    ),
}

_LAZY_FILES = frozenset(f for files in LAZY_GLOBALS.values() for f in files)


@functools.cache
def lazy_source(name: str) -> str:
    """The source of one on-demand file; only names in LAZY_GLOBALS are served."""
    if name not in _LAZY_FILES:
        raise LookupError(f"no prelude file {name!r}")
    return _read(name)


def _read(name: str) -> str:
    return resources.files("scriptbridge.node").joinpath("js", name).read_text(encoding="utf-8")
