"""require('mysql'), require('mysql2') and require('mysql2/promise') for scripts: the npm
drivers' API (js/mysql.js) over aiomysql connection pools.

Scripts create a connection on every call and never end it. Python therefore keeps ONE
bounded aiomysql pool per target (host, port, user, password, database), shared by every
invocation of every connection on the engine, and each query borrows a pooled connection for
just that query. The facade formats each statement in JavaScript, with the npm drivers'
escaping rules, so the server receives fully formatted SQL, as from node-mysql (no prepared
statements). A JavaScript connection whose query leaves a transaction open (``BEGIN``,
``START TRANSACTION``, ``beginTransaction()``, ``SET autocommit=0``) *pins* its pooled
connection: it keeps it until the transaction ends, until ``end()``/``release()``, or until
the pin has been idle for ``pin_idle_seconds`` (an invocation ends without telling its host
modules, so an idle pin stands for "the invocation is over"); a released pin is rolled back.

Session state outside a transaction (user variables, ``LAST_INSERT_ID()`` in a later query,
temporary tables) does not carry from one query to the next, since each may run on another
pooled connection; ``results.insertId`` does carry the inserted id.

A query cut off at its invocation's deadline closes its connection, which is never returned
to the pool, and the server is told to kill the query.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno as errno_codes
import itertools
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

# Neither aiomysql nor PyMySQL ships type information.
import aiomysql  # type: ignore[import-untyped]
import pymysql  # type: ignore[import-untyped]
from pymysql.constants import CR, ER, FIELD_TYPE, SERVER_STATUS  # type: ignore[import-untyped]
from pymysql.converters import conversions, through  # type: ignore[import-untyped]

from scriptbridge.engine import HostModule

#: Above this, an integer is not exact as a JavaScript number; it crosses as {"$big": digits}.
_MAX_SAFE = 2**53 - 1

_Target = tuple[str, int, str, str, str]

#: Server error numbers by node-mysql's code names (ER_NO_SUCH_TABLE, ...).
_ER_NAMES = {v: f"ER_{k}" for k, v in vars(ER).items() if k.isupper() and isinstance(v, int)}
_CR_NAMES = {v: k for k, v in vars(CR).items() if k.startswith("CR_") and isinstance(v, int)}
_LOST = {CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST}


def _date(text: str) -> dict[str, str]:
    return {"$date": text}


#: Decoders like node-mysql's: DECIMAL and TIME stay strings; dates are built in JavaScript.
_DECODERS: dict[Any, Any] = {
    **conversions,
    FIELD_TYPE.DECIMAL: through,
    FIELD_TYPE.NEWDECIMAL: through,
    FIELD_TYPE.TIME: through,
    FIELD_TYPE.DATE: _date,
    FIELD_TYPE.DATETIME: _date,
    FIELD_TYPE.TIMESTAMP: _date,
}


class MysqlError(Exception):
    """A failure the facade reports as a node-mysql error (code, errno, sqlMessage, fatal)."""

    def __init__(self, code: str, message: str, errno: int | None = None, *, fatal: bool):
        self.code = code
        self.errno = errno
        self.sql_message = message
        self.fatal = fatal
        super().__init__(message)

    def describe(self) -> dict[str, Any]:
        return {"code": self.code, "errno": self.errno, "message": str(self), "fatal": self.fatal}


def _translate(exc: BaseException, target: _Target) -> MysqlError:
    """node-mysql's error for a pymysql/aiomysql exception."""
    host, port = target[0], target[1]
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return MysqlError("ENOTFOUND", f"getaddrinfo ENOTFOUND {host}", fatal=True)
        if isinstance(cause, TimeoutError) and cause is not exc:
            return MysqlError("ETIMEDOUT", "connect ETIMEDOUT", fatal=True)
        if isinstance(cause, OSError) and cause.errno is not None:
            name = errno_codes.errorcode.get(cause.errno, "ECONNRESET")
            return MysqlError(name, f"connect {name} {host}:{port}", -cause.errno, fatal=True)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, pymysql.MySQLError) and exc.args and isinstance(exc.args[0], int):
        number, message = exc.args[0], str(exc.args[1]) if len(exc.args) > 1 else ""
        if number in _LOST:
            return MysqlError("PROTOCOL_CONNECTION_LOST", message, number, fatal=True)
        code = _ER_NAMES.get(number) or _CR_NAMES.get(number) or "UNKNOWN_CODE_PLEASE_REPORT"
        fatal = number >= 2000 or number == ER.ACCESS_DENIED_ERROR
        return MysqlError(code, message, number, fatal=fatal)
    return MysqlError("PROTOCOL_ERROR", str(exc) or type(exc).__name__, fatal=True)


def _wire(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE:
        return {"$big": str(value)}
    return value


@dataclass
class _Pin:
    """A pooled connection kept by one JavaScript connection during its transaction."""

    pool: aiomysql.Pool
    target: _Target
    connection: aiomysql.Connection
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    expiry: asyncio.TimerHandle | None = None


@dataclass
class _Backend:
    """The engine's pools, the pinned connections, and the background clean-ups."""

    pool_size: int
    pin_idle_seconds: float
    pools: dict[_Target, asyncio.Future[aiomysql.Pool]] = field(default_factory=dict)
    pins: dict[int, _Pin] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    chores: set[asyncio.Task[None]] = field(default_factory=set)
    users: int = 0

    # -- host functions: each returns {"error": ...} or its result, never raises a MySQL error

    async def connect(self, args: list[Any]) -> Any:
        target, timeout = _target(args[0])
        try:
            pool = await self._pool(target, timeout)
            connection = await pool.acquire()
        except Exception as exc:
            return {"error": _translate(exc, target).describe()}
        thread_id = connection.thread_id()
        pool.release(connection)
        return {"threadId": thread_id}

    async def query(self, args: list[Any]) -> Any:
        """[config, pin or null, sql, may pin] -> {results, fields, pin} or {error, pin}."""
        config, pin_id, sql, may_pin = args[0], args[1], str(args[2]), bool(args[3])
        pin = self.pins.get(int(pin_id)) if pin_id is not None else None
        if pin is not None:
            async with pin.lock:
                return await self._on_pin(int(pin_id), pin, sql)
        target, timeout = _target(config)
        try:
            pool = await self._pool(target, timeout)
            connection = await pool.acquire()
        except Exception as exc:
            return {"error": _translate(exc, target).describe(), "pin": None}
        try:
            out = await _execute(connection, sql)
        except Exception as exc:
            error = _translate(exc, target)
            if error.fatal or connection.closed:
                self._abandon(pool, target, connection, cancelled=False)
            else:
                pool.release(connection)  # aiomysql closes it if a transaction is open
            return {"error": error.describe(), "pin": None}
        except BaseException:
            self._abandon(pool, target, connection, cancelled=True)
            raise
        if may_pin and _holds_session(connection):
            new_id = next(self.ids)
            self.pins[new_id] = _Pin(pool, target, connection)
            self._touch(new_id)
            return {**out, "pin": new_id}
        pool.release(connection)
        return {**out, "pin": None}

    async def release(self, args: list[Any]) -> None:
        """End a pin (connection.end(), destroy(), release()): roll back and give it back."""
        pin = self.pins.pop(int(args[0]), None)
        if pin is not None:
            async with pin.lock:
                await self._unpin(pin)

    # -- internals ---------------------------------------------------------------------------

    async def _on_pin(self, pin_id: int, pin: _Pin, sql: str) -> Any:
        try:
            out = await _execute(pin.connection, sql)
        except Exception as exc:
            error = _translate(exc, pin.target)
            if error.fatal or pin.connection.closed:
                self._drop(pin_id, pin)
                self._abandon(pin.pool, pin.target, pin.connection, cancelled=False)
                return {"error": error.describe(), "pin": None}
            out = {"error": error.describe()}  # e.g. a duplicate key: the transaction goes on
        except BaseException:
            self._drop(pin_id, pin)
            self._abandon(pin.pool, pin.target, pin.connection, cancelled=True)
            raise
        if _holds_session(pin.connection):
            self._touch(pin_id)
            return {**out, "pin": pin_id}
        self._drop(pin_id, pin)  # COMMIT or ROLLBACK: back to the pool
        pin.pool.release(pin.connection)
        return {**out, "pin": None}

    def _drop(self, pin_id: int, pin: _Pin) -> None:
        self.pins.pop(pin_id, None)
        self._cancel_expiry(pin)

    def _abandon(
        self,
        pool: aiomysql.Pool,
        target: _Target,
        connection: aiomysql.Connection,
        *,
        cancelled: bool,
    ) -> None:
        """Close a connection left in an unknown state; it only frees its slot in the pool.
        One cut off mid-query (its invocation's deadline) also has its query killed."""
        connection.close()
        pool.release(connection)
        if cancelled:  # the id the server gave the connection outlives it
            self._chore(_kill(target, connection.thread_id()))

    async def _unpin(self, pin: _Pin) -> None:
        self._cancel_expiry(pin)
        try:
            await pin.connection.rollback()
            if not pin.connection.get_autocommit():
                await pin.connection.autocommit(True)
        except Exception:
            pin.connection.close()
        pin.pool.release(pin.connection)

    def _touch(self, pin_id: int) -> None:
        pin = self.pins[pin_id]
        self._cancel_expiry(pin)
        loop = asyncio.get_running_loop()
        pin.expiry = loop.call_later(self.pin_idle_seconds, self._expire, pin_id)

    def _expire(self, pin_id: int) -> None:
        pin = self.pins.get(pin_id)
        if pin is not None and not pin.lock.locked():
            del self.pins[pin_id]
            self._chore(self._unpin(pin))
        elif pin is not None:
            self._touch(pin_id)

    @staticmethod
    def _cancel_expiry(pin: _Pin) -> None:
        if pin.expiry is not None:
            pin.expiry.cancel()
            pin.expiry = None

    def _chore(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.chores.add(task)
        task.add_done_callback(self.chores.discard)

    async def _pool(self, target: _Target, connect_timeout: float) -> aiomysql.Pool:
        opening = self.pools.get(target)
        if opening is None:
            host, port, user, password, database = target
            opening = asyncio.ensure_future(
                aiomysql.create_pool(
                    minsize=0,
                    maxsize=self.pool_size,
                    host=host,
                    port=port,
                    user=user,
                    password=password,
                    db=database or None,
                    charset="utf8mb4",
                    autocommit=True,
                    conv=_DECODERS,
                    connect_timeout=connect_timeout,
                    pool_recycle=3600,
                )
            )
            self.pools[target] = opening
        try:
            return await asyncio.shield(opening)
        except BaseException:
            if opening.done() and self.pools.get(target) is opening:
                del self.pools[target]
            raise

    async def aclose(self) -> None:
        pins, self.pins = list(self.pins.values()), {}
        for pin in pins:
            self._cancel_expiry(pin)
            pin.connection.close()
            pin.pool.release(pin.connection)
        for task in list(self.chores):
            task.cancel()
        await asyncio.gather(*self.chores, return_exceptions=True)
        pools, self.pools = self.pools, {}
        for opening in pools.values():
            with contextlib.suppress(Exception):
                pool = await opening
                pool.close()
                await pool.wait_closed()


def _target(config: Any) -> tuple[_Target, float]:
    if not isinstance(config, dict):
        raise TypeError("a mysql connection needs a configuration object or URL")
    host = str(config.get("host") or "localhost")
    port = int(config.get("port") or 3306)
    target = (
        host,
        port,
        str(config.get("user") or ""),
        str(config.get("password") or ""),
        str(config.get("database") or ""),
    )
    timeout = float(config.get("connectTimeout") or 10000) / 1000
    return target, timeout


def _holds_session(connection: aiomysql.Connection) -> bool:
    """True while the connection is inside a transaction or has autocommit turned off."""
    status = connection.server_status or 0
    in_transaction = bool(status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)
    return in_transaction or not status & SERVER_STATUS.SERVER_STATUS_AUTOCOMMIT


async def _execute(connection: aiomysql.Connection, sql: str) -> dict[str, Any]:
    cursor = await connection.cursor()
    await cursor.execute(sql)  # no arguments: pymysql sends the text unchanged
    if cursor.description is not None:
        names = [d[0] for d in cursor.description]
        rows = [
            {n: _wire(v) for n, v in zip(names, row, strict=True)}
            for row in await cursor.fetchall()
        ]
        fields = [{"name": d[0], "type": d[1]} for d in cursor.description]
        return {"rows": rows, "fields": fields}
    result = connection._result  # affected rows, insert id, message: what OkPacket reports
    message = (getattr(result, "message", None) or b"").decode("utf-8", "replace")
    changed = re.search(r"Changed: (\d+)", message)
    return {
        "ok": {
            "fieldCount": 0,
            "affectedRows": cursor.rowcount if cursor.rowcount >= 0 else 0,
            "insertId": _wire(cursor.lastrowid or 0),
            "serverStatus": connection.server_status,
            "warningCount": getattr(result, "warning_count", 0) or 0,
            "message": message,
            "protocol41": True,
            "changedRows": int(changed.group(1)) if changed else 0,
        }
    }


async def _kill(target: _Target, thread_id: int) -> None:
    """Stop the query of a connection that was cut off (best effort, own connection)."""
    host, port, user, password, _ = target
    with contextlib.suppress(Exception):
        connection = await aiomysql.connect(
            host=host, port=port, user=user, password=password, connect_timeout=5
        )
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(f"KILL {int(thread_id)}")
        finally:
            connection.close()


@cache
def _facade() -> str:
    folder = resources.files("scriptbridge.node.modules").joinpath("js")
    return "\n".join(folder.joinpath(f).read_text() for f in ("_emitter.js", "mysql.js"))


def mysql_modules(pool_size: int = 10, pin_idle_seconds: float = 30.0) -> tuple[HostModule, ...]:
    """The modules ``mysql``, ``mysql2`` and ``mysql2/promise``, sharing one set of pools
    (``pool_size`` server connections at most per target) that closes with the engine."""
    backend = _Backend(pool_size=pool_size, pin_idle_seconds=pin_idle_seconds)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        backend.users += 1
        try:
            yield
        finally:
            backend.users -= 1
            if backend.users == 0:
                await backend.aclose()

    functions = {"connect": backend.connect, "query": backend.query, "release": backend.release}

    def module(name: str, flavor: str, version: str, export: str) -> HostModule:
        prelude = f'const FLAVOR = "{flavor}";\n'
        suffix = f"\nmodule.exports = {export};"
        return HostModule(
            name=name,
            version=version,
            source=prelude + _facade() + suffix,
            functions=functions,
            lifespan=lifespan,
        )

    return (
        module("mysql", "mysql", "2.18.1", "mysql"),
        module("mysql2", "mysql2", "3.11.0", "mysql"),
        module("mysql2/promise", "mysql2", "3.11.0", "mysql.promiseApi"),
    )
