"""The service's connections as they are now: the configuration file's, with what the
Management API changed on top.

Changes (scripts, import mode, configuration, requires_username) are kept in the store, so
they outlive a restart and reach every process sharing the store: each process re-reads the
saved state every few seconds (``refresh``) and reloads a connection whose state changed.
A change to the scripts is checked by loading them into V8 first; a script that does not
parse changes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from scriptbridge.engine import KINDS, Engine, Script, ScriptKind
from scriptbridge.settings import ConnectionSettings, Settings, load_connection_spec
from scriptbridge.store import Store

#: The two stubs of Auth0's migration guide that end a migration (also in scripts/noop/).
NOOP_SCRIPTS: Final[Mapping[ScriptKind, str]] = {
    "login": "function login (email, password, callback) {\n  return callback(null, null);\n}\n",
    "get_user": "function getByEmail (email, callback) {\n  return callback(null, null);\n}\n",
}


def connection_id(name: str) -> str:
    """A stable id in Auth0's form (``con_`` and 16 characters) for a connection name."""
    return "con_" + hashlib.sha256(name.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Live:
    """One connection as it runs: its settings (overrides applied) and its scripts' text."""

    settings: ConnectionSettings
    scripts: Mapping[ScriptKind, str]
    state: Mapping[str, Any]

    @property
    def id(self) -> str:
        return connection_id(self.settings.name)


class Connections:
    """Every connection of the service, by name and by id."""

    def __init__(self, settings: Settings, store: Store, engine: Engine) -> None:
        self._configured = {c.name: c for c in settings.connections}
        self._store = store
        self._engine = engine
        self._live: dict[str, Live] = {}

    async def load(self) -> None:
        """Load every connection into the engine, with its saved state; raises
        ScriptParseError (and loads nothing more) when a script does not parse."""
        for name in self._configured:
            await self._apply(name, await self._store.connection_state(name) or {})

    async def refresh(self) -> list[str]:
        """Reload the connections whose saved state another process changed; their names."""
        changed = []
        for name, live in self._live.items():
            state = await self._store.connection_state(name) or {}
            if state != live.state:
                await self._apply(name, state)
                changed.append(name)
        return changed

    def get(self, name: str) -> ConnectionSettings | None:
        live = self._live.get(name)
        return None if live is None else live.settings

    def live(self, name: str) -> Live | None:
        return self._live.get(name)

    def by_id(self, connection_id_: str) -> Live | None:
        return next((live for live in self._live.values() if live.id == connection_id_), None)

    def all(self) -> list[Live]:
        return list(self._live.values())

    async def change(self, name: str, changes: Mapping[str, Any]) -> Live:
        """Apply ``changes`` (keys: scripts, import_mode, requires_username, configuration)
        over the saved state, load the result, then save it."""
        current = self._live[name]
        state = dict(current.state)
        for key, value in changes.items():
            if key == "scripts":
                state["scripts"] = {**state.get("scripts", {}), **value}
            elif key == "configuration":
                state["configuration"] = dict(value)
            else:
                state[key] = value
        live = await self._apply(name, state)
        await self._store.save_connection_state(name, state)
        return live

    async def _apply(self, name: str, state: Mapping[str, Any]) -> Live:
        configured = self._configured[name]
        settings = dataclasses.replace(
            configured,
            import_mode=state.get("import_mode", configured.import_mode),
            requires_username=state.get("requires_username", configured.requires_username),
            configuration=state.get("configuration", configured.configuration),
        )
        spec = load_connection_spec(configured)
        scripts: dict[ScriptKind, Script] = dict(spec.scripts)
        for kind, source in state.get("scripts", {}).items():
            if kind in KINDS and source:
                scripts[kind] = Script(kind, source, f"{kind}.js (set over the API)")
            elif kind in KINDS:
                scripts.pop(kind, None)
        spec = dataclasses.replace(
            spec, scripts=scripts, configuration=dict(settings.configuration)
        )
        await self._engine.load(spec)
        live = Live(
            settings=settings,
            scripts={kind: script.source for kind, script in scripts.items()},
            state=dict(state),
        )
        self._live[name] = live
        return live
