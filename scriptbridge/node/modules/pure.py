"""Node's small pure modules: util, events, querystring, url, buffer, assert, path,
string_decoder, timers, timers/promises and os.

Each is JavaScript only, the body of a CommonJS module in ``js/`` (see ``HostModule``), built
on the prelude's globals; none reaches Python, so none adds to the engine's attack surface.
A module's source may be several files joined in order; a file whose name starts with ``_``
is such a part, never a module a script could require: ``_comparisons.js`` (deep equality)
starts both ``util`` and ``assert``, as Node's internal comparisons module serves both;
``_assertion_error.js`` and ``_legacy_url.js`` are the larger halves of ``assert`` and ``url``.
"""

from __future__ import annotations

import functools
from importlib import resources

from scriptbridge.engine import HostModule

#: Module name -> the files of its source, in order.
_SOURCES: dict[str, tuple[str, ...]] = {
    "assert": ("_comparisons.js", "_assertion_error.js", "assert.js"),
    "buffer": ("buffer.js",),
    "events": ("events.js",),
    "os": ("os.js",),
    "path": ("path.js",),
    "querystring": ("querystring.js",),
    "string_decoder": ("string_decoder.js",),
    "timers": ("timers.js",),
    "timers/promises": ("timers_promises.js",),
    "url": ("_legacy_url.js", "url.js"),
    "util": ("_comparisons.js", "util.js"),
}


@functools.cache
def _read(file: str) -> str:
    return (
        resources.files("scriptbridge.node.modules")
        .joinpath("js", file)
        .read_text(encoding="utf-8")
    )


def _module(name: str) -> HostModule:
    return HostModule(name=name, source="\n".join(_read(file) for file in _SOURCES[name]))


#: The modules, to pass to ``Engine(host_modules=...)``.
PURE_MODULES: tuple[HostModule, ...] = tuple(_module(name) for name in _SOURCES)
