"""Host modules: JavaScript facades that scripts require(), backed by Python functions.

Every Python function a script can reach is registered here, through a HostModule; nothing
else is callable from JavaScript. Review this list as the engine's attack surface.

Asynchronous functions run on the event loop and answer the facade's callback later.
Synchronous functions run on the runner's own thread while its JavaScript waits: they must be
quick, must not touch the event loop, and must be thread-safe (hashing, random bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

AsyncHostFunction = Callable[[list[Any]], Coroutine[Any, Any, Any]]
SyncHostFunction = Callable[[list[Any]], Any]


@dataclass(frozen=True)
class HostModule:
    """A module scripts can ``require(name)``.

    ``source`` is the body of a CommonJS module, run once per runner on first require, with
    ``module``, ``exports``, ``require`` and ``host`` in scope. ``host.call(fn, args, done)``
    and ``host.promise(fn, args)`` reach ``functions[fn]``; ``host.callSync(fn, args)`` reaches
    ``sync_functions[fn]``. Arguments and results are JSON values. ``host.defer(work)`` runs
    ``work()`` at the end of the current pump, attributed like a host call's callback: for an
    answer the facade has without Python that must still come asynchronously.
    """

    name: str
    source: str
    functions: Mapping[str, AsyncHostFunction] = field(default_factory=dict)
    sync_functions: Mapping[str, SyncHostFunction] = field(default_factory=dict)
    #: The version of the npm package whose API the facade follows ("5.1.1"); a script that
    #: pins another major version (``require('bcrypt@3.0.8')``) gets a warning once.
    version: str = ""
    #: Resources the functions share (an HTTP session, database pools): entered by the engine
    #: before the first connection loads, exited when the engine closes.
    lifespan: Callable[[], AbstractAsyncContextManager[Any]] | None = None


class HostRegistry:
    """All host functions by qualified name (``module.function``), built once."""

    def __init__(self, modules: tuple[HostModule, ...] = ()) -> None:
        names = [m.name for m in modules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"host modules registered twice: {', '.join(duplicates)}")
        self.modules = modules
        self._async = {f"{m.name}.{n}": f for m in modules for n, f in m.functions.items()}
        self._sync = {f"{m.name}.{n}": f for m in modules for n, f in m.sync_functions.items()}

    def async_function(self, qualified: str) -> AsyncHostFunction | None:
        return self._async.get(qualified)

    def sync_function(self, qualified: str) -> SyncHostFunction | None:
        return self._sync.get(qualified)


def describe_host_error(error: BaseException) -> dict[str, Any]:
    """How a host function's exception reaches JavaScript: an Error with this name, message
    and code."""
    out: dict[str, Any] = {"name": type(error).__name__, "message": str(error)}
    code = getattr(error, "code", None)
    if isinstance(code, str | int) and not isinstance(code, bool):
        out["code"] = code
    return out
