"""The identity store on SQLite, through aiosqlite.

One connection is the one writer. An asyncio lock lends it to one Store method at a time, for
one short transaction, so transactions never interleave on it; WAL lets other processes (the
CLI, the sqlite3 shell) read meanwhile. Writes begin with ``BEGIN IMMEDIATE``, taking the
database's write lock before they read, so no other process can slip in between a check and
the write it guards. The tables, and how records are kept in them, are in _schema.py.

SqliteStore decides which transaction each method runs in; the statements it runs there are
functions of that transaction, one module per group of tables: _users.py, _tickets.py,
_failures.py, _tenant_logs.py, _script_logs.py and _service_state.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from scriptbridge.errors import ScriptbridgeError
from scriptbridge.store import (
    _failures,
    _script_logs,
    _service_state,
    _tenant_logs,
    _tickets,
    _users,
)
from scriptbridge.store._compiler import FUNCTIONS, LOGS, USERS, Compiler
from scriptbridge.store._schema import log_from, migrate, user_from
from scriptbridge.store._transaction import Tx
from scriptbridge.store.base import Store
from scriptbridge.store.query import Page, Query
from scriptbridge.store.records import (
    NewLog,
    NewUser,
    ScriptLogId,
    ScriptLogRecord,
    SigningKey,
    TenantLog,
    Ticket,
    User,
    UserChanges,
    UserId,
    now,
)

_BUSY_TIMEOUT_MS = 5_000

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    # In WAL mode, NORMAL skips the fsync at each commit, not the atomicity: a commit is
    # written to the WAL whole and checksummed, and recovery replays only whole commits. A
    # killed process loses nothing (the OS has the pages); a power cut may lose the last few
    # commits, whole, never half of one.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS:d}",
)


class SqliteStore(Store):
    """The Store on one SQLite file (or ``":memory:"``). Open it with ``SqliteStore.open``."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, path: Path | str) -> AsyncIterator[SqliteStore]:
        """Open the store at ``path``, creating it or bringing its schema up to date, and
        close it on exit. Raises ScriptbridgeError when the file cannot be used."""
        try:
            await asyncio.to_thread(_probe, path)
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise ScriptbridgeError(f"cannot open the store {path}: {error}") from error
        try:
            try:
                db.row_factory = sqlite3.Row
                for pragma in _PRAGMAS:
                    await db.execute(pragma)
                for name, (arity, function) in FUNCTIONS.items():
                    await db.create_function(name, arity, function, deterministic=True)
                await migrate(db, str(path))
            except sqlite3.Error as error:
                raise ScriptbridgeError(f"cannot open the store {path}: {error}") from error
            yield cls(db)
        finally:
            await db.close()

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[Tx]:
        """The connection for reads: one statement each, so no transaction of their own."""
        async with self._lock:
            yield Tx(self._db)

    @contextlib.asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[Tx]:
        """The connection for reads of several statements that must see one state of the
        database: one read transaction (another process may write between statements)."""
        async with self._lock:
            await self._db.execute("BEGIN")
            try:
                yield Tx(self._db)
            finally:
                await asyncio.shield(self._db.rollback())  # it only read: nothing to keep

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[Tx]:
        """One write transaction: committed when the block ends, rolled back if it raises
        (or is cancelled)."""
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield Tx(self._db)
                await self._db.commit()
            except BaseException:
                # Shielded: a second cancellation still leaves the rollback queued, ahead of
                # any statement of the next transaction. A no-op when no transaction is open.
                await asyncio.shield(self._db.rollback())
                raise

    async def _search(
        self,
        compiler: Compiler,
        query: Query,
        page: Page,
        equal: tuple[str, Any] | None = None,
    ) -> tuple[list[sqlite3.Row], int]:
        """One page of ``compiler.table``'s rows matching ``query`` (and ``column = value``
        for ``equal``, a column named here), and how many match in all."""
        if page.offset < 0 or page.limit < 0:
            raise ValueError(f"offset and limit must be 0 or more, not {page}")
        where, parameters = compiler.where(query)  # QueryError before touching the database
        order = compiler.order_by(page.sort)
        if equal is not None:
            where = f"({where}) AND {equal[0]} = ?"
            parameters.append(equal[1])
        table = compiler.table  # the compiler's own table name, never input
        async with self._snapshot() as tx:
            rows = await tx.rows(
                f"SELECT * FROM {table} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                (*parameters, page.limit, page.offset),
            )
            count = await tx.row(f"SELECT count(*) FROM {table} WHERE {where}", parameters)
        assert count is not None  # count(*) always returns a row
        return rows, int(count[0])

    # -- users -----------------------------------------------------------------------------

    async def get_user(self, user_id: UserId) -> User | None:
        async with self._reading() as tx:
            return await _users.get(tx, user_id)

    async def find_user(self, connection: str, identifier: str) -> User | None:
        async with self._reading() as tx:
            return await _users.find(tx, connection, identifier)

    async def create_user(self, user: NewUser, *, event: NewLog | None = None) -> User:
        moment = now()
        async with self._writing() as tx:
            created = await _users.create(tx, user, moment)
            if event is not None:
                await _tenant_logs.append(tx, event, moment)
            return created

    async def update_user(self, user_id: UserId, changes: UserChanges) -> User | None:
        async with self._writing() as tx:
            return await _users.update(tx, user_id, changes, now())

    async def record_login(self, user_id: UserId, ip: str | None) -> User | None:
        async with self._writing() as tx:
            return await _users.record_login(tx, user_id, ip, now())

    async def delete_user(self, user_id: UserId) -> bool:
        async with self._writing() as tx:
            return await _users.delete(tx, user_id)

    async def count_users(self, connection: str | None = None) -> int:
        async with self._reading() as tx:
            return await _users.count(tx, connection)

    async def search_users(
        self, query: Query, page: Page, *, connection: str | None = None
    ) -> tuple[list[User], int]:
        if connection is None:
            rows, total = await self._search(USERS, query, page)
        else:
            rows, total = await self._search(USERS, query, page, ("users.connection", connection))
        return [user_from(row) for row in rows], total

    async def migration_summary(self, connection: str) -> dict[str, Any]:
        async with self._snapshot() as tx:
            return await _users.migration_summary(tx, connection)

    # -- password-change tickets -----------------------------------------------------------

    async def add_ticket(self, ticket: Ticket) -> None:
        async with self._writing() as tx:
            await _tickets.add(tx, ticket)

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        async with self._reading() as tx:
            return await _tickets.get(tx, ticket_id)

    async def redeem_ticket(
        self,
        ticket_id: str,
        *,
        create: NewUser | None = None,
        change: tuple[UserId, UserChanges] | None = None,
        event: NewLog | None = None,
    ) -> User | None:
        if (create is None) == (change is None):
            raise ValueError("redeem_ticket takes exactly one of create= and change=")
        moment = now()
        async with self._writing() as tx:
            ticket = await _tickets.get(tx, ticket_id)
            if ticket is None or ticket.used_at is not None or ticket.expires_at <= moment:
                return None
            user: User | None
            if create is not None:
                user = await _users.create(tx, create, moment)
            else:
                assert change is not None  # one of the two, checked above
                user = await _users.update(tx, *change, moment)
            if user is None:  # the user to change is gone; nothing was written
                return None
            await _tickets.mark_used(tx, ticket_id, user.user_id, moment)
            for identifier in {ticket.email, user.email, user.username}:
                if identifier is None:
                    continue
                await _failures.clear(tx, ticket.connection, identifier, None)
            if event is not None:
                await _tenant_logs.append(tx, event, moment)
            return user

    # -- signing keys ----------------------------------------------------------------------

    async def signing_keys(self) -> list[SigningKey]:
        async with self._reading() as tx:
            return await _service_state.signing_keys(tx)

    async def add_signing_key(self, key: SigningKey) -> None:
        async with self._writing() as tx:
            await _service_state.add_signing_key(tx, key)

    # -- failed login attempts -------------------------------------------------------------

    async def add_failure(self, connection: str, identifier: str, ip: str) -> int:
        async with self._writing() as tx:
            return await _failures.add(tx, connection, identifier, ip, now())

    async def failures(self, connection: str, identifier: str, ip: str) -> int:
        async with self._reading() as tx:
            return await _failures.count(tx, connection, identifier, ip)

    async def clear_failures(self, connection: str, identifier: str, ip: str | None = None) -> None:
        async with self._writing() as tx:
            await _failures.clear(tx, connection, identifier, ip)

    # -- tenant log events -----------------------------------------------------------------

    async def append_log(self, event: NewLog) -> TenantLog:
        async with self._writing() as tx:
            return await _tenant_logs.append(tx, event, now())

    async def logs(self, *, after: str | None = None, limit: int = 100) -> list[TenantLog]:
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        async with self._reading() as tx:
            return await _tenant_logs.after(tx, after, limit)

    async def search_logs(self, query: Query, page: Page) -> tuple[list[TenantLog], int]:
        rows, total = await self._search(LOGS, query, page)
        return [log_from(row) for row in rows], total

    # -- scripts' console lines ---------------------------------------------------------------

    async def add_script_logs(self, records: Sequence[ScriptLogRecord]) -> int:
        if not records:
            return 0
        async with self._writing() as tx:
            return await _script_logs.add(tx, records)

    async def script_logs(
        self, *, after_id: int | None, since: dt.datetime | None, limit: int
    ) -> list[ScriptLogRecord]:
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        async with self._reading() as tx:
            return await _script_logs.after(tx, after_id, since, limit)

    async def prune_script_logs(self, max_count: int, max_age_seconds: float) -> int:
        if max_count < 1:
            raise ValueError(f"max_count must be 1 or more, not {max_count}")
        cutoff = now() - dt.timedelta(seconds=max_age_seconds)
        async with self._writing() as tx:
            return await _script_logs.prune(tx, max_count, cutoff)

    async def last_script_log_id(self) -> ScriptLogId:
        async with self._reading() as tx:
            return await _script_logs.last_id(tx)

    # -- connections changed over the Management API ----------------------------------------

    async def connection_state(self, connection: str) -> dict[str, Any] | None:
        async with self._reading() as tx:
            return await _service_state.connection_state(tx, connection)

    async def save_connection_state(self, connection: str, state: dict[str, Any]) -> None:
        async with self._writing() as tx:
            await _service_state.save_connection_state(tx, connection, state, now())

    # -- script statistics -------------------------------------------------------------------

    async def add_script_stats(self, counts: list[tuple[str, str, int, int, int]]) -> None:
        if not counts:
            return
        async with self._writing() as tx:
            await _service_state.add_script_stats(tx, counts)

    async def script_stats(self, connection: str) -> dict[str, tuple[int, int, int]]:
        async with self._reading() as tx:
            return await _service_state.script_stats(tx, connection)

    # -- the outbox's messages ---------------------------------------------------------------

    async def add_message(self, kind: str, recipient: str, body: str) -> None:
        async with self._writing() as tx:
            await _service_state.add_message(tx, kind, recipient, body, now())

    async def messages(self, recipient: str | None = None) -> list[tuple[str, str, str]]:
        async with self._reading() as tx:
            return await _service_state.messages(tx, recipient)


def _probe(path: Path | str) -> None:
    """Open and close the file once, so that a path SQLite cannot open fails here: after a
    failed ``aiosqlite.connect`` its worker thread still runs, and ends on its own later."""
    sqlite3.connect(path).close()
