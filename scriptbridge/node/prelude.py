"""The JavaScript prelude that gives scripts Node's globals inside a bare V8 isolate.

Each file in ``js/`` is a plain script, evaluated in the global scope in the order of
``PRELUDE_FILES``; each wraps its internals in an IIFE and defines only its own globals.
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
    folder = resources.files("scriptbridge.node").joinpath("js")
    return "\n".join(folder.joinpath(name).read_text(encoding="utf-8") for name in PRELUDE_FILES)
