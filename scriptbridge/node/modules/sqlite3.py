"""require('sqlite3') for scripts: node-sqlite3's API (js/sqlite3.js) over aiosqlite.

One aiosqlite connection per database file (and access mode) is shared by every invocation of
every connection on the engine: scripts open a Database on each call and never close it, and
this costs them nothing. The connections close with the engine (the module's lifespan).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import aiosqlite

from scriptbridge.engine import HostModule

_READWRITE = 0x00000002
_CREATE = 0x00000004


class SqliteError(Exception):
    """A SQLite failure as node-sqlite3 reports it: ``SQLITE_ERROR: message``, with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


@dataclass
class _Databases:
    """The shared connections, and the handles scripts hold on them."""

    connections: dict[tuple[str, bool], asyncio.Future[aiosqlite.Connection]] = field(
        default_factory=dict
    )
    handles: dict[int, aiosqlite.Connection] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def open(self, args: list[Any]) -> int:
        filename, mode = str(args[0]), int(args[1])
        writable = bool(mode & _READWRITE)
        key = (filename, writable)
        opening = self.connections.get(key)
        if opening is None:
            # Stored before it is awaited: concurrent opens of one file share one connection.
            opening = asyncio.ensure_future(_connect(filename, writable, bool(mode & _CREATE)))
            self.connections[key] = opening
        try:
            connection = await asyncio.shield(opening)
        except BaseException:
            if self.connections.get(key) is opening:
                del self.connections[key]  # the next open tries again
            raise
        handle = next(self.ids)
        self.handles[handle] = connection
        return handle

    def connection(self, handle: Any) -> aiosqlite.Connection:
        try:
            return self.handles[int(handle)]
        except (KeyError, TypeError, ValueError):
            raise SqliteError("SQLITE_MISUSE", "Database is closed") from None

    async def get(self, args: list[Any]) -> Any:
        rows = await self._query(args, one=True)
        return rows[0] if rows else None

    async def all(self, args: list[Any]) -> Any:
        return await self._query(args, one=False)

    async def run(self, args: list[Any]) -> Any:
        connection = self.connection(args[0])
        with _sqlite_errors():
            cursor = await connection.execute(args[1], _parameters(args[2]))
            await connection.commit()
            return {"lastID": cursor.lastrowid, "changes": cursor.rowcount}

    async def exec(self, args: list[Any]) -> Any:
        connection = self.connection(args[0])
        with _sqlite_errors():
            await connection.executescript(args[1])
        return None

    async def close(self, args: list[Any]) -> Any:
        self.handles.pop(int(args[0]), None)
        return None

    async def _query(self, args: list[Any], *, one: bool) -> list[dict[str, Any]]:
        connection = self.connection(args[0])
        with _sqlite_errors():
            async with connection.execute(args[1], _parameters(args[2])) as cursor:
                rows = [await cursor.fetchone()] if one else list(await cursor.fetchall())
                names = [d[0] for d in cursor.description or ()]
        return [{n: _wire(v) for n, v in zip(names, row, strict=True)} for row in rows if row]

    async def aclose(self) -> None:
        connections, self.connections = self.connections, {}
        self.handles.clear()
        for opening in connections.values():
            with contextlib.suppress(Exception):
                await (await opening).close()


async def _connect(filename: str, writable: bool, create: bool) -> aiosqlite.Connection:
    mode = "rw" if writable else "ro"
    if writable and create:
        mode = "rwc"
    target = ":memory:" if filename == ":memory:" else f"file:{filename}?mode={mode}"
    with _sqlite_errors():
        connection = await aiosqlite.connect(target, uri=filename != ":memory:")
    connection.row_factory = None
    return connection


@contextlib.contextmanager
def _sqlite_errors() -> Any:
    try:
        yield
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorname", None) or "SQLITE_ERROR"
        raise SqliteError(code, str(exc)) from None


def _parameters(params: Any) -> Any:
    """node-sqlite3 parameters: a list, or an object whose keys keep their $ : @ prefix."""
    if isinstance(params, dict):
        return {key.lstrip("$:@"): _unwire(value) for key, value in params.items()}
    if isinstance(params, list):
        return [_unwire(value) for value in params]
    return []


def _wire(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return value


def _unwire(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("$bytes"), str):
        return base64.b64decode(value["$bytes"])
    return value


@cache
def _facade() -> str:
    return resources.files("scriptbridge.node.modules").joinpath("js", "sqlite3.js").read_text()


def sqlite3_module() -> HostModule:
    """A new ``sqlite3`` module with its own shared connections (one per engine)."""
    databases = _Databases()

    return HostModule(
        name="sqlite3",
        version="5.1.7",
        source=_facade(),
        functions={
            "open": databases.open,
            "get": databases.get,
            "all": databases.all,
            "run": databases.run,
            "exec": databases.exec,
            "close": databases.close,
        },
        lifespan=lambda: contextlib.aclosing(databases),
    )
