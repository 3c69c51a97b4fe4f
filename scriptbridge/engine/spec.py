"""What the engine needs to know about a connection: its scripts, configuration and limits."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scriptbridge.engine.kinds import ScriptKind
from scriptbridge.errors import ScriptFileError

#: Globals every connection has: 22 surveyed scripts use `request` without require(), and
#: Node 18's `fetch` is node-fetch's API.
ALWAYS_GLOBALS: dict[str, tuple[str, str | None]] = {
    "request": ("request", None),
    "fetch": ("node-fetch", None),
}

#: With node12_globals, the "magic" globals of Auth0's Node 12 runtime, defined on first use
#: from their modules: `postgres(conString, cb)` is `pg.connect`; `mysql({...})` is the
#: module itself (callable); `_` is lodash from the connection's node_modules.
NODE12_GLOBALS: dict[str, tuple[str, str | None]] = {
    **ALWAYS_GLOBALS,
    "bcrypt": ("bcrypt", None),
    "crypto": ("crypto", None),
    "mysql": ("mysql", None),
    "pg": ("pg", None),
    "postgres": ("pg", "connect"),
    "_": ("lodash", None),
    "uuid": ("uuid", None),
    "querystring": ("querystring", None),
}

#: Auth0 allows 100 KB per script; we refuse what is clearly not a script.
MAX_SCRIPT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Script:
    """The literal source of one action script."""

    kind: ScriptKind
    source: str
    filename: str


@dataclass(frozen=True)
class Limits:
    """Per-connection limits on each invocation and each runner."""

    #: Auth0 gives a script about 20 seconds.
    timeout_seconds: float = 20.0
    #: Hard limit on each runner's V8 heap; a script past it gets an error, not a dead process.
    memory_mb: int = 128
    #: Cap on live ArrayBuffer/typed-array memory per runner, which V8's heap limit misses.
    buffer_mb: int = 64
    #: How long a runner may stay unresponsive after a deadline miss before it is replaced.
    probe_seconds: float = 1.0


@dataclass(frozen=True)
class ConnectionSpec:
    """A connection as the engine runs it."""

    name: str
    scripts: Mapping[ScriptKind, Script]
    configuration: Mapping[str, str] = field(default_factory=dict)
    #: Insert Auth0's ``context`` object before the callback.
    context_argument: bool = False
    limits: Limits = field(default_factory=Limits)
    #: V8 runners (isolates, one thread each) for this connection; 0 means one per CPU core.
    runners: int = 0
    #: A directory of npm packages the scripts may require (pure JavaScript only).
    node_modules: Path | None = None
    #: Predefine the module globals of Auth0's Node 12 runtime (see MODULE_GLOBALS).
    node12_globals: bool = False

    def module_globals(self) -> list[tuple[str, str, str | None]]:
        """Globals that stand for modules: (global, module, method to call or None)."""
        chosen = NODE12_GLOBALS if self.node12_globals else ALWAYS_GLOBALS
        return [(name, *target) for name, target in chosen.items()]

    def runner_count(self) -> int:
        return self.runners if self.runners > 0 else max(1, os.cpu_count() or 1)


def load_script(path: Path, kind: ScriptKind) -> Script:
    """Read a script file; errors name the file and what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScriptFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ScriptFileError(path, "it is a directory") from None
    except OSError as exc:
        raise ScriptFileError(path, exc.strerror or str(exc)) from None
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptFileError(path, f"larger than {MAX_SCRIPT_BYTES // 1024} KiB")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScriptFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return Script(kind=kind, source=source, filename=path.name)
