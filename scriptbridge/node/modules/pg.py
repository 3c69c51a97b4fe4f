"""require('pg') for scripts: node-postgres's API (js/pg.js) over asyncpg pools.

Scripts open a connection on every call and often never close it (the legacy
``pg.connect(url, (err, client, done) => ...)`` form without ``done()``). So a JavaScript client
owns no server connection: Python keeps **one asyncpg pool per connection target** (connection
string, or host/port/user/password/database/ssl), at most ``max_connections`` connections each,
shared by every invocation of every connection on the engine, and each query borrows a
connection for just that query. A script that never calls ``done()`` or ``end()`` leaks nothing.

Transactions need one connection for several queries: when a query leaves its connection inside
a transaction (``BEGIN``), the connection is *pinned* to the JavaScript client that ran it and
serves that client's next queries, until a query ends the transaction (``COMMIT``,
``ROLLBACK``) or the client is released (``done()``, ``release()``, ``end()``). A pin no query
has used for ``pin_idle_seconds`` is released too (the script called back, timed out or forgot
to commit): releasing rolls the transaction back. A query cut off at its invocation's deadline
is cancelled on the server (asyncpg sends a cancel request) and its connection goes back to the
pool. The pools close with the engine (the module's lifespan).

A connection going back to its pool is reset (asyncpg's reset query: ``RESET ALL``, ``CLOSE
ALL``, ``UNLISTEN *``, advisory locks released; a server round trip) only when it may hold
session state: it was pinned, or a statement it ran mentions ``set``, ``declare``, ``listen``
or ``advisory`` (see :data:`_SESSION_WORDS`). An open transaction is always rolled back.

The query path is the hot one: js/pg.js names a target by the JSON text of its configuration,
which maps to its ``_Target`` and its ready pool without parsing; what a statement needs for
converting parameters and rows is kept per prepared statement (:class:`_Plan`); rows go to
JavaScript as arrays.

Values keep node-postgres's types; see :func:`_wire` (results) and :func:`_parameter`
(parameters).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import decimal
import errno
import itertools
import json
import math
import re
import socket
import ssl
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from scriptbridge.engine import HostModule

#: node-postgres reads these types as strings (so do their arrays).
_STRING_NUMBERS = frozenset({"int8", "numeric"})
_STATUS = re.compile(r"^([A-Za-z]+)(?: (\d+))?(?: (\d+))?")
_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})
#: Types whose values asyncpg returns as JSON-ready Python values node-postgres agrees with.
_AS_IS = frozenset({"int2", "int4", "oid", "text", "varchar", "bpchar", "name", "bool", "citext"})
#: Words of statements that may leave session state asyncpg's reset query clears: SET and
#: set_config (also matches UPDATE ... SET: resetting then is merely cautious), DECLARE (a
#: cursor WITH HOLD), LISTEN, advisory locks.
_SESSION_WORDS = re.compile(r"set|declare|listen|advisory", re.IGNORECASE)
#: Entries kept in the caches of targets and plans before they are emptied.
_CACHE_LIMIT = 1024


class PgError(Exception):
    """A failure as node-postgres reports it: the server's message, SQLSTATE as ``code``."""

    def __init__(self, message: str, code: str | None = None) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class _Target:
    """Where a pool connects: what js/pg.js passes for a client's configuration."""

    dsn: str | None
    host: str | None
    port: int | None
    user: str | None
    password: str | None
    database: str | None
    ssl: str  # JSON of the script's ssl option ("null" when absent)

    @classmethod
    def of(cls, config: Any) -> _Target:
        if not isinstance(config, Mapping):
            raise PgError("pg: a client needs a connection string or a configuration object")
        dsn = config.get("connectionString")
        if dsn is not None and not str(dsn).startswith(("postgres://", "postgresql://")):
            raise PgError(f"pg: connection strings start with postgres://, not {str(dsn)[:20]!r}")

        def text(key: str) -> str | None:
            value = config.get(key)
            return None if value is None else str(value)

        port = config.get("port")
        return cls(
            dsn=None if dsn is None else str(dsn),
            host=text("host"),
            port=None if port in (None, "") else int(port),
            user=text("user"),
            password=text("password"),
            database=text("database"),
            ssl=json.dumps(config.get("ssl"), sort_keys=True),
        )

    def address(self) -> str:
        host, port = self.host, self.port
        if self.dsn is not None:
            parts = urlsplit(self.dsn)
            host, port = parts.hostname, parts.port
        return f"{host or 'localhost'}:{port or 5432}"

    def connect_options(self) -> dict[str, Any]:
        """asyncpg's connect arguments. As in node-postgres, a connection string wins over the
        separate fields."""
        options: dict[str, Any] = {}
        if self.dsn is not None:
            options["dsn"] = self.dsn
        else:
            fields = {
                "host": self.host,
                "port": self.port,
                "user": self.user,
                "password": self.password,
                "database": self.database,
            }
            options.update({k: v for k, v in fields.items() if v is not None})
        tls = _tls(json.loads(self.ssl))
        if tls is not None or self.dsn is None or "sslmode=" not in self.dsn:
            options["ssl"] = tls if tls is not None else False
        return options


def _tls(option: Any) -> ssl.SSLContext | None:
    """node-postgres's ``ssl`` option: false/absent (no TLS), true, or tls.connect options
    (``rejectUnauthorized``, ``ca``)."""
    if not option:
        return None
    context = ssl.create_default_context()
    if isinstance(option, Mapping):
        if option.get("rejectUnauthorized") is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        ca = option.get("ca")
        if isinstance(ca, str):
            context.load_verify_locations(cadata=ca)
    return context


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one prepared statement needs on each query: its parameters' types, and how to
    convert each result column (None: as asyncpg returns it)."""

    parameters: tuple[str, ...]
    columns: tuple[str | None, ...]
    fields: tuple[dict[str, Any], ...]
    touches_session: bool

    @classmethod
    def of(cls, statement: Any, sql: str) -> _Plan:
        attributes = statement._get_attributes()
        kinds = [a.type.name for a in attributes]
        return cls(
            parameters=tuple(t.name for t in statement._get_parameters()),
            columns=tuple(None if k in _AS_IS else k.removesuffix("[]") for k in kinds),
            fields=tuple({"name": a.name, "dataTypeID": a.type.oid} for a in attributes),
            touches_session=_SESSION_WORDS.search(sql) is not None,
        )


@dataclass
class _Pin:
    """A pooled connection held by one JavaScript client for the length of a transaction."""

    pool: asyncpg.Pool
    connection: asyncpg.Connection
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    expiry: asyncio.TimerHandle | None = None


@dataclass
class _Postgres:
    """The shared pools, and the connections pinned to clients in a transaction."""

    max_connections: int
    pin_idle_seconds: float
    pools: dict[_Target, asyncio.Future[asyncpg.Pool]] = field(default_factory=dict)
    #: The pools created, and per pool the server pids of connections to reset on release.
    ready: dict[_Target, asyncpg.Pool] = field(default_factory=dict)
    dirty: dict[_Target, set[int]] = field(default_factory=dict)
    #: js/pg.js's target keys (configuration JSON) -> target and configuration.
    targets: dict[str, tuple[_Target, Mapping[str, Any]]] = field(default_factory=dict)
    plans: dict[Any, _Plan] = field(default_factory=dict)  # prepared statement -> plan
    pins: dict[int, _Pin] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    expiring: set[asyncio.Task[None]] = field(default_factory=set)
    closed: bool = False

    async def connect(self, args: list[Any]) -> None:
        """client.connect(): checks that the target answers, by borrowing a connection, unless
        its pool already holds some (then the queries will tell)."""
        target, config = self._target(args[0])
        pool = await self._pool(target, config)
        if pool.get_size() > 0:
            return
        with _pg_errors(target):
            async with pool.acquire():
                pass

    async def query(self, args: list[Any]) -> dict[str, Any]:
        """[target key, pin | null, sql, values] -> {result, pin}: the pin to use next time."""
        pin_id, sql, values = args[1], str(args[2]), args[3]
        target, config = self._target(args[0])
        pin = self.pins.get(pin_id) if isinstance(pin_id, int) else None
        if pin is not None:
            async with pin.lock:
                if self.pins.get(pin_id) is pin:
                    return await self._on_pin(target, pin_id, pin, sql, values)
            # Released (idle, or by done()) while this query waited: run it unpinned.
        pool = await self._pool(target, config)
        with _pg_errors(target):
            connection = await pool.acquire()
        pinned = False
        try:
            result = await self._run(target, connection, sql, values)
            if connection.is_in_transaction() and not self.closed:
                pinned = True
                self._touched(target, connection)
                new_id = next(self.ids)
                self.pins[new_id] = pin = _Pin(pool, connection)
                self._arm(new_id, pin)
                return {"result": result, "pin": new_id}
            return {"result": result, "pin": None}
        finally:
            if not pinned:
                await pool.release(connection)

    async def _on_pin(
        self, target: _Target, pin_id: int, pin: _Pin, sql: str, values: Any
    ) -> dict[str, Any]:
        self._disarm(pin)
        try:
            result = await self._run(target, pin.connection, sql, values)
        except Exception:
            # A failed statement leaves the transaction open (aborted) until ROLLBACK.
            if pin.connection.is_in_transaction():
                self._arm(pin_id, pin)
                raise
            await self._unpin(pin_id)
            raise
        except BaseException:  # cut off at the deadline: the connection goes back
            await self._unpin(pin_id)
            raise
        if pin.connection.is_in_transaction():
            self._arm(pin_id, pin)
            return {"result": result, "pin": pin_id}
        await self._unpin(pin_id)
        return {"result": result, "pin": None}

    def _target(self, key: Any) -> tuple[_Target, Mapping[str, Any]]:
        """The target and configuration js/pg.js names by ``key``, the configuration's JSON."""
        found = self.targets.get(key) if isinstance(key, str) else None
        if found is None:
            config = json.loads(key) if isinstance(key, str) else key
            found = (_Target.of(config), config)
            if isinstance(key, str):
                if len(self.targets) >= _CACHE_LIMIT:
                    self.targets.clear()
                self.targets[key] = found
        return found

    async def _run(self, target: _Target, connection: Any, sql: str, values: Any) -> dict[str, Any]:
        """One statement: prepared (from the connection's statement cache), its parameters
        converted to the types PostgreSQL expects, its rows to what JavaScript reads."""
        values = values if isinstance(values, list) else []
        with _pg_errors(target):
            try:
                statement = await connection._get_statement(sql, None)
            except asyncpg.PostgresSyntaxError as exc:
                if values or "multiple commands" not in str(exc):
                    raise
                # Several statements in one text: the simple protocol, as node-postgres uses
                # without parameters. Only the last statement's status comes back.
                if _SESSION_WORDS.search(sql) is not None:
                    self._touched(target, connection)
                status = await connection.execute(sql)
                return _result(status, [], ())
            plan = self.plans.get(statement)
            if plan is None:
                if len(self.plans) >= _CACHE_LIMIT:
                    self.plans.clear()
                plan = self.plans[statement] = _Plan.of(statement, sql)
            if plan.touches_session:
                self._touched(target, connection)
            types = plan.parameters
            if len(values) != len(types):
                raise PgError(
                    f"bind message supplies {len(values)} parameters, "
                    f"but prepared statement requires {len(types)}",
                    "08P01",
                )
            parameters = [_parameter(v, t) for v, t in zip(values, types, strict=True)]
            records, status, _ = await connection._execute(
                sql, parameters, 0, None, return_status=True
            )
        columns = plan.columns
        if any(k is not None for k in columns):
            rows = [
                [v if k is None else _wire(v, k) for v, k in zip(r, columns, strict=True)]
                for r in records
            ]
        else:
            rows = [list(r) for r in records]
        return _result(status.decode() if isinstance(status, bytes) else status, rows, plan.fields)

    def _touched(self, target: _Target, connection: Any) -> None:
        """Have ``connection`` reset when it goes back to its pool."""
        dirty = self.dirty.get(target)
        if dirty is not None:
            dirty.add(connection.get_server_pid())

    async def release(self, args: list[Any]) -> None:
        """done() / release() / end(): give a pinned connection back (rolling back)."""
        if args and args[0] is not None:
            await self._unpin(args[0])

    def _arm(self, pin_id: int, pin: _Pin) -> None:
        pin.expiry = asyncio.get_running_loop().call_later(
            self.pin_idle_seconds, self._expire, pin_id
        )

    def _expire(self, pin_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._unpin(pin_id))
        self.expiring.add(task)
        task.add_done_callback(self.expiring.discard)

    @staticmethod
    def _disarm(pin: _Pin) -> None:
        if pin.expiry is not None:
            pin.expiry.cancel()
            pin.expiry = None

    async def _unpin(self, pin_id: Any) -> None:
        pin = self.pins.pop(pin_id, None) if isinstance(pin_id, int) else None
        if pin is None:
            return
        self._disarm(pin)
        # The pool resets the connection (ROLLBACK, RESET ALL) or closes it when that fails.
        with contextlib.suppress(Exception):
            await asyncio.shield(pin.pool.release(pin.connection))

    async def _pool(self, target: _Target, config: Mapping[str, Any]) -> asyncpg.Pool:
        """The target's pool; the first client to reach it sets its size (its ``max``,
        at most ``max_connections``)."""
        if self.closed:
            raise PgError("pg: the engine is closing")
        pool = self.ready.get(target)
        if pool is not None:
            return pool
        creating = self.pools.get(target)
        if creating is None:
            # Stored before it is awaited: concurrent first queries share one pool.
            dirty = self.dirty.setdefault(target, set())
            creating = asyncio.ensure_future(
                asyncpg.create_pool(
                    min_size=0,
                    max_size=_size(config.get("max"), self.max_connections),
                    timeout=10,
                    reset=_reset_when(dirty),
                    **target.connect_options(),
                )
            )
            self.pools[target] = creating
        try:
            with _pg_errors(target):
                pool = await asyncio.shield(creating)
            self.ready[target] = pool
            return pool
        except BaseException:
            if creating.done() and self.pools.get(target) is creating:
                del self.pools[target]  # the next query tries again
            raise

    async def aclose(self) -> None:
        self.closed = True
        if self.expiring:
            await asyncio.gather(*self.expiring, return_exceptions=True)
        for pin_id in list(self.pins):
            await self._unpin(pin_id)
        pools, self.pools = self.pools, {}
        self.ready = {}
        for creating in pools.values():
            with contextlib.suppress(Exception):
                pool = await creating
                try:
                    await asyncio.wait_for(pool.close(), 5)
                except TimeoutError:
                    pool.terminate()


def _size(requested: Any, limit: int) -> int:
    if isinstance(requested, int | float) and not isinstance(requested, bool) and requested >= 1:
        return min(int(requested), limit)
    return limit


def _reset_when(dirty: set[int]) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """A pool's reset: asyncpg has rolled back an open transaction already; the reset query
    runs for connections in ``dirty`` (server pids) only."""

    async def reset(connection: Any) -> None:
        pid = connection.get_server_pid()
        if pid in dirty:
            dirty.discard(pid)
            query = connection.get_reset_query()
            if query:
                await connection.execute(query)

    return reset


def _result(status: str, rows: list[Any], fields: tuple[Any, ...]) -> dict[str, Any]:
    match = _STATUS.match(status)
    command = match.group(1) if match else None
    count = match.group(3) or match.group(2) if match else None
    return {
        "command": command,
        "rowCount": None if count is None else int(count),
        "rows": rows,
        "fields": fields,
    }


@contextlib.contextmanager
def _pg_errors(target: _Target) -> Any:
    """asyncpg's exceptions as node-postgres's errors (SQLSTATE codes, Node's errno names)."""
    try:
        yield
    except asyncpg.PostgresError as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise PgError(message, exc.sqlstate) from None
    except (asyncpg.InterfaceError, asyncpg.ClientConfigurationError) as exc:
        raise PgError(str(exc)) from None
    except ssl.SSLError as exc:
        raise PgError(f"pg: TLS with {target.address()} failed: {exc}", "EPROTO") from None
    except socket.gaierror:
        host = target.address().rsplit(":", 1)[0]
        raise PgError(f"getaddrinfo ENOTFOUND {host}", "ENOTFOUND") from None
    except OSError as exc:
        if isinstance(exc, TimeoutError):
            raise
        name = errno.errorcode.get(exc.errno or 0)
        if name is None:
            name = "ECONNREFUSED" if "refused" in str(exc).lower() else "ECONNRESET"
        raise PgError(f"connect {name} {target.address()}", name) from None


def _wire(value: Any, kind: str) -> Any:
    """A result value as JSON, as node-postgres types it: int8 and numeric as strings, dates
    as {"$date": iso}, bytea as {"$bytes": base64}, json parsed, arrays element by element
    (``kind`` is the type's name, or its elements' for an array)."""
    if value is None or isinstance(value, bool | str):
        if kind in ("json", "jsonb") and isinstance(value, str):
            return json.loads(value)
        return value
    if isinstance(value, int):
        return str(value) if kind in _STRING_NUMBERS else value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$number": str(value)}
    if isinstance(value, decimal.Decimal):
        return format(value, "f") if value.is_finite() else str(value).replace("Inf", "Infinity")
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return {"$date": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": f"{value.isoformat()}T00:00:00+00:00"}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, list | tuple):
        return [_wire(v, kind) for v in value]
    return str(value)  # uuid, time, interval, inet, ... as their text


def _parameter(value: Any, kind: str) -> Any:
    """A JavaScript parameter (as js/pg.js sends it: text, null, {"$date"}, {"$bytes"} or an
    array) as the Python value asyncpg encodes for the parameter's PostgreSQL type."""
    if value is None:
        return None
    if isinstance(value, list):
        element = kind.removesuffix("[]")
        return [_parameter(v, element) for v in value]
    if isinstance(value, Mapping):
        if "$date" in value:
            return _date_parameter(datetime.datetime.fromisoformat(str(value["$date"])), kind)
        if "$bytes" in value:
            raw = base64.b64decode(str(value["$bytes"]))
            return raw if kind == "bytea" else raw.decode("utf-8", "replace")
        value = json.dumps(value)
    text = str(value)
    try:
        return _parse(text, kind)
    except (ValueError, ArithmeticError):
        raise PgError(f'invalid input syntax for type {kind}: "{text}"', "22P02") from None


def _parse(text: str, kind: str) -> Any:
    if kind in ("int2", "int4", "int8", "oid"):
        return int(text.strip())
    if kind in ("float4", "float8"):
        return float(text)
    if kind == "numeric":
        return decimal.Decimal(text.strip())
    if kind == "bool":
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise ValueError(text)
    if kind == "bytea":
        return bytes.fromhex(text[2:]) if text.startswith("\\x") else text.encode()
    if kind in ("timestamp", "timestamptz", "date"):
        return _date_parameter(datetime.datetime.fromisoformat(text.strip()), kind)
    if kind == "uuid":
        return uuid.UUID(text)
    return text


def _date_parameter(moment: datetime.datetime, kind: str) -> Any:
    if kind == "date":
        return moment.date()
    if kind == "timestamp":
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
        return moment
    if kind == "timestamptz":
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
    return moment.isoformat()


@cache
def _facade() -> str:
    folder = resources.files("scriptbridge.node.modules").joinpath("js")
    return "\n".join(folder.joinpath(f).read_text() for f in ("_emitter.js", "pg.js"))


def pg_module(*, max_connections: int = 10, pin_idle_seconds: float = 20.0) -> HostModule:
    """A new ``pg`` module with its own pools (one per engine): at most ``max_connections``
    server connections per connection target; a transaction's connection idle for
    ``pin_idle_seconds`` is rolled back and returned to its pool."""
    postgres = _Postgres(max_connections=max_connections, pin_idle_seconds=pin_idle_seconds)

    return HostModule(
        name="pg",
        version="8.11.3",
        source=_facade(),
        functions={
            "connect": postgres.connect,
            "query": postgres.query,
            "release": postgres.release,
        },
        lifespan=lambda: contextlib.aclosing(postgres),
    )
