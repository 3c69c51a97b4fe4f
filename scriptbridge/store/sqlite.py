"""The identity store on SQLite, through aiosqlite.

One connection is the one writer. An asyncio lock lends it to one Store method at a time, for
one short transaction, so transactions never interleave on it; WAL lets other processes (the
CLI, the sqlite3 shell) read meanwhile. Writes begin with ``BEGIN IMMEDIATE``, taking the
database's write lock before they read, so no other process can slip in between a check and
the write it guards. The tables, and how records are kept in them, are in _schema.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, get_args

import aiosqlite

from scriptbridge.errors import DuplicateUserError, ScriptbridgeError
from scriptbridge.store._compiler import FUNCTIONS, LOGS, USERS, Compiler
from scriptbridge.store._schema import (
    changed_columns,
    from_stamp,
    log_from,
    migrate,
    new_user_columns,
    optional_from_stamp,
    optional_stamp,
    script_log_columns,
    script_log_from,
    stamp,
    ticket_from,
    to_json,
    user_from,
)
from scriptbridge.store.base import Store
from scriptbridge.store.query import Page, Query
from scriptbridge.store.records import (
    MigratedBy,
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
_LOG_ID_DIGITS = 24

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

#: The field each unique constraint of ``users`` guards, by the column SQLite's message names.
_UNIQUE_FIELDS = {
    "users.user_id": "user_id",
    "users.email_key": "email",
    "users.username_key": "username",
}


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
    async def _reading(self) -> AsyncIterator[_Tx]:
        """The connection for reads: one statement each, so no transaction of their own."""
        async with self._lock:
            yield _Tx(self._db)

    @contextlib.asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[_Tx]:
        """The connection for reads of several statements that must see one state of the
        database: one read transaction (another process may write between statements)."""
        async with self._lock:
            await self._db.execute("BEGIN")
            try:
                yield _Tx(self._db)
            finally:
                await asyncio.shield(self._db.rollback())  # it only read: nothing to keep

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[_Tx]:
        """One write transaction: committed when the block ends, rolled back if it raises
        (or is cancelled)."""
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield _Tx(self._db)
                await self._db.commit()
            except BaseException:
                # Shielded: a second cancellation still leaves the rollback queued, ahead of
                # any statement of the next transaction. A no-op when no transaction is open.
                await asyncio.shield(self._db.rollback())
                raise

    # -- users -----------------------------------------------------------------------------

    async def get_user(self, user_id: UserId) -> User | None:
        async with self._reading() as tx:
            return await _get_user(tx, user_id)

    async def find_user(self, connection: str, identifier: str) -> User | None:
        key = identifier.lower()
        async with self._reading() as tx:
            row = await tx.row(
                "SELECT * FROM users WHERE connection = ? AND (email_key = ? OR username_key = ?)"
                " ORDER BY email_key IS ? DESC LIMIT 1",  # an email match before a username one
                (connection, key, key, key),
            )
        return None if row is None else user_from(row)

    async def create_user(self, user: NewUser, *, event: NewLog | None = None) -> User:
        moment = now()
        async with self._writing() as tx:
            created = await _create_user(tx, user, moment)
            if event is not None:
                await _append_log(tx, event, moment)
            return created

    async def update_user(self, user_id: UserId, changes: UserChanges) -> User | None:
        async with self._writing() as tx:
            return await _update_user(tx, user_id, changes, now())

    async def record_login(self, user_id: UserId, ip: str | None) -> User | None:
        async with self._writing() as tx:
            changed = await tx.run(
                "UPDATE users SET logins_count = logins_count + 1, last_login = ?, last_ip = ?"
                " WHERE user_id = ?",
                (stamp(now()), ip, user_id),
            )
            return await _get_user(tx, user_id) if changed else None

    async def delete_user(self, user_id: UserId) -> bool:
        async with self._writing() as tx:
            # The user's tickets go with it: ON DELETE CASCADE.
            return await tx.run("DELETE FROM users WHERE user_id = ?", (user_id,)) > 0

    async def count_users(self, connection: str | None = None) -> int:
        async with self._reading() as tx:
            if connection is None:
                row = await tx.row("SELECT count(*) FROM users")
            else:
                row = await tx.row("SELECT count(*) FROM users WHERE connection = ?", (connection,))
        assert row is not None  # count(*) always returns a row
        return int(row[0])

    async def search_users(
        self, query: Query, page: Page, *, connection: str | None = None
    ) -> tuple[list[User], int]:
        if connection is None:
            rows, total = await self._search(USERS, query, page)
        else:
            rows, total = await self._search(USERS, query, page, ("users.connection", connection))
        return [user_from(row) for row in rows], total

    async def migration_summary(self, connection: str) -> dict[str, Any]:
        """``total`` counts all the connection's users, ``by`` splits them by how they came
        (every kind of MigratedBy, 0 when none came so)."""
        async with self._snapshot() as tx:
            by_rows = await tx.rows(
                "SELECT migrated_by, count(*) FROM users WHERE connection = ? GROUP BY migrated_by",
                (connection,),
            )
            day_rows = await tx.rows(
                "SELECT substr(migrated_at, 1, 10) AS day, sum(migrated_by = 'login'),"
                " sum(migrated_by = 'get_user') FROM users"
                " WHERE connection = ? AND migrated_at IS NOT NULL GROUP BY day ORDER BY day",
                (connection,),
            )
            last = await tx.row(
                "SELECT max(migrated_at) FROM users WHERE connection = ?", (connection,)
            )
        by: dict[str, int] = dict.fromkeys(get_args(MigratedBy), 0)
        by.update({row[0]: int(row[1]) for row in by_rows})
        assert last is not None  # max() always returns a row
        return {
            "total": sum(by.values()),
            "by": by,
            "per_day": [
                {"date": row[0], "login": int(row[1]), "get_user": int(row[2])} for row in day_rows
            ],
            "last_migrated_at": optional_from_stamp(last[0]),
        }

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

    # -- password-change tickets -----------------------------------------------------------

    async def add_ticket(self, ticket: Ticket) -> None:
        async with self._writing() as tx:
            await tx.run(
                "INSERT INTO tickets (ticket_id, connection, email, user_id, profile, created_at,"
                " expires_at, result_url, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ticket.ticket_id,
                    ticket.connection,
                    ticket.email,
                    ticket.user_id,
                    None if ticket.profile is None else to_json(ticket.profile),
                    stamp(ticket.created_at),
                    stamp(ticket.expires_at),
                    ticket.result_url,
                    optional_stamp(ticket.used_at),
                ),
            )

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        async with self._reading() as tx:
            row = await tx.row("SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,))
        return None if row is None else ticket_from(row)

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
            row = await tx.row("SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,))
            if row is None:
                return None
            ticket = ticket_from(row)
            if ticket.used_at is not None or ticket.expires_at <= moment:
                return None
            user: User | None
            if create is not None:
                user = await _create_user(tx, create, moment)
            else:
                assert change is not None  # one of the two, checked above
                user = await _update_user(tx, *change, moment)
            if user is None:  # the user to change is gone; nothing was written
                return None
            # A ticket that migrates a user becomes that user's: it goes when the user does.
            await tx.run(
                "UPDATE tickets SET used_at = ?, user_id = coalesce(user_id, ?)"
                " WHERE ticket_id = ?",
                (stamp(moment), user.user_id, ticket_id),
            )
            for identifier in {ticket.email, user.email, user.username}:
                if identifier is None:
                    continue
                await _clear_failures(tx, ticket.connection, identifier, None)
            if event is not None:
                await _append_log(tx, event, moment)
            return user

    # -- signing keys ----------------------------------------------------------------------

    async def signing_keys(self) -> list[SigningKey]:
        async with self._reading() as tx:
            rows = await tx.rows(
                "SELECT kid, private_pem, created_at FROM signing_keys"
                " ORDER BY created_at DESC, rowid DESC"
            )
        return [
            SigningKey(
                kid=row["kid"],
                private_pem=row["private_pem"],
                created_at=from_stamp(row["created_at"]),
            )
            for row in rows
        ]

    async def add_signing_key(self, key: SigningKey) -> None:
        async with self._writing() as tx:
            await tx.run(
                "INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)",
                (key.kid, key.private_pem, stamp(key.created_at)),
            )

    # -- failed login attempts -------------------------------------------------------------

    async def add_failure(self, connection: str, identifier: str, ip: str) -> int:
        key = (connection, identifier.lower(), ip)
        async with self._writing() as tx:
            await tx.run(
                "INSERT INTO failures (connection, identifier_key, ip, count, last_at)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT (connection, identifier_key, ip)"
                " DO UPDATE SET count = count + 1, last_at = excluded.last_at",
                (*key, stamp(now())),
            )
            return await _failures(tx, *key)

    async def failures(self, connection: str, identifier: str, ip: str) -> int:
        async with self._reading() as tx:
            return await _failures(tx, connection, identifier.lower(), ip)

    async def clear_failures(self, connection: str, identifier: str, ip: str | None = None) -> None:
        async with self._writing() as tx:
            await _clear_failures(tx, connection, identifier, ip)

    # -- tenant log events and the outbox ---------------------------------------------------

    async def append_log(self, event: NewLog) -> TenantLog:
        async with self._writing() as tx:
            return await _append_log(tx, event, now())

    async def logs(self, *, after: str | None = None, limit: int = 100) -> list[TenantLog]:
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        async with self._reading() as tx:
            rows = await tx.rows(
                "SELECT * FROM logs WHERE log_id > ? ORDER BY log_id LIMIT ?",
                ("" if after is None else after, limit),  # every id is > ''
            )
        return [log_from(row) for row in rows]

    async def search_logs(self, query: Query, page: Page) -> tuple[list[TenantLog], int]:
        rows, total = await self._search(LOGS, query, page)
        return [log_from(row) for row in rows], total

    # -- scripts' console lines ---------------------------------------------------------------

    async def add_script_logs(self, records: Sequence[ScriptLogRecord]) -> int:
        if not records:
            return 0
        async with self._writing() as tx:
            return await tx.run_many(
                "INSERT OR IGNORE INTO script_logs (id, time, level, connection, script,"
                " invocation_id, subject, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [script_log_columns(record) for record in records],
            )

    async def script_logs(
        self, *, after_id: int | None, since: dt.datetime | None, limit: int
    ) -> list[ScriptLogRecord]:
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        async with self._reading() as tx:
            rows = await tx.rows(
                "SELECT * FROM script_logs WHERE id > ? AND time >= ? ORDER BY id LIMIT ?",
                (after_id or 0, "" if since is None else stamp(since), limit),
            )
        return [script_log_from(row) for row in rows]

    async def prune_script_logs(self, max_count: int, max_age_seconds: float) -> int:
        if max_count < 1:
            raise ValueError(f"max_count must be 1 or more, not {max_count}")
        cutoff = stamp(now() - dt.timedelta(seconds=max_age_seconds))
        async with self._writing() as tx:
            # The subquery is the oldest id to keep by count; NULL (keep all) with fewer lines.
            return await tx.run(
                "DELETE FROM script_logs WHERE time < ? OR id < (SELECT id FROM script_logs"
                " ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (cutoff, max_count - 1),
            )

    async def last_script_log_id(self) -> ScriptLogId:
        async with self._reading() as tx:
            row = await tx.row(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'script_logs'),"
                " 0), coalesce((SELECT max(id) FROM script_logs), 0))"
            )
        assert row is not None  # a SELECT without FROM always returns its row
        return ScriptLogId(int(row[0]))

    # -- connections changed over the Management API ----------------------------------------

    async def connection_state(self, connection: str) -> dict[str, Any] | None:
        async with self._reading() as tx:
            row = await tx.row(
                "SELECT state FROM connection_states WHERE connection = ?", (connection,)
            )
        if row is None:
            return None
        state: dict[str, Any] = json.loads(row[0])
        return state

    async def save_connection_state(self, connection: str, state: dict[str, Any]) -> None:
        async with self._writing() as tx:
            await tx.run(
                "INSERT INTO connection_states (connection, state, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (connection) DO UPDATE"
                " SET state = excluded.state, updated_at = excluded.updated_at",
                (connection, to_json(state), stamp(now())),
            )

    # -- script statistics -------------------------------------------------------------------

    async def add_script_stats(self, counts: list[tuple[str, str, int, int, int]]) -> None:
        if not counts:
            return
        async with self._writing() as tx:
            for connection, kind, invocations, errors, timeouts in counts:
                await tx.run(
                    "INSERT INTO script_stats (connection, kind, invocations, errors, timeouts)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (connection, kind) DO UPDATE"
                    " SET invocations = invocations + excluded.invocations,"
                    " errors = errors + excluded.errors, timeouts = timeouts + excluded.timeouts",
                    (connection, kind, invocations, errors, timeouts),
                )

    async def script_stats(self, connection: str) -> dict[str, tuple[int, int, int]]:
        async with self._reading() as tx:
            rows = await tx.rows(
                "SELECT kind, invocations, errors, timeouts FROM script_stats"
                " WHERE connection = ? ORDER BY kind",
                (connection,),
            )
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}

    async def add_message(self, kind: str, recipient: str, body: str) -> None:
        async with self._writing() as tx:
            await tx.run(
                "INSERT INTO messages (kind, recipient, body, created_at) VALUES (?, ?, ?, ?)",
                (kind, recipient, body, stamp(now())),
            )

    async def messages(self, recipient: str | None = None) -> list[tuple[str, str, str]]:
        async with self._reading() as tx:
            if recipient is None:
                rows = await tx.rows("SELECT kind, recipient, body FROM messages ORDER BY seq")
            else:
                rows = await tx.rows(
                    "SELECT kind, recipient, body FROM messages WHERE recipient = ? ORDER BY seq",
                    (recipient,),
                )
        return [(row[0], row[1], row[2]) for row in rows]


def _probe(path: Path | str) -> None:
    """Open and close the file once, so that a path SQLite cannot open fails here: after a
    failed ``aiosqlite.connect`` its worker thread still runs, and ends on its own later."""
    sqlite3.connect(path).close()


class _Tx:
    """The connection, lent to one transaction (or one read) by the store's lock."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def rows(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._db.execute_fetchall(sql, parameters))

    async def row(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.rows(sql, parameters)
        return rows[0] if rows else None

    async def run(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        """Execute a write; the number of rows it changed."""
        async with self._db.execute(sql, parameters) as cursor:
            return cursor.rowcount

    async def run_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> int:
        """Execute a write once per row of parameters; the number of rows changed in all."""
        cursor = await self._db.executemany(sql, rows)
        try:
            return cursor.rowcount  # summed over the rows
        finally:
            await cursor.close()


# -- statements more than one method runs ---------------------------------------------------


async def _get_user(tx: _Tx, user_id: str) -> User | None:
    row = await tx.row("SELECT * FROM users WHERE user_id = ?", (user_id,))
    return None if row is None else user_from(row)


async def _create_user(tx: _Tx, user: NewUser, moment: dt.datetime) -> User:
    columns = new_user_columns(user, moment)
    names = ", ".join(columns)  # new_user_columns' names, never input
    with _duplicates(user.connection):
        await tx.run(
            f"INSERT INTO users ({names}) VALUES ({', '.join('?' * len(columns))})",
            tuple(columns.values()),
        )
    created = await _get_user(tx, user.user_id)
    assert created is not None  # inserted just above, in this transaction
    return created


async def _update_user(
    tx: _Tx, user_id: UserId, changes: UserChanges, moment: dt.datetime
) -> User | None:
    current = await tx.row("SELECT connection FROM users WHERE user_id = ?", (user_id,))
    if current is None:
        return None
    columns = changed_columns(changes, moment)
    assignments = ", ".join(f"{name} = ?" for name in columns)  # UserChanges' fields only
    with _duplicates(current["connection"]):
        await tx.run(
            f"UPDATE users SET {assignments} WHERE user_id = ?", (*columns.values(), user_id)
        )
    return await _get_user(tx, user_id)


async def _failures(tx: _Tx, connection: str, key: str, ip: str) -> int:
    row = await tx.row(
        "SELECT count FROM failures WHERE connection = ? AND identifier_key = ? AND ip = ?",
        (connection, key, ip),
    )
    return 0 if row is None else int(row[0])


async def _clear_failures(tx: _Tx, connection: str, identifier: str, ip: str | None) -> None:
    if ip is None:
        await tx.run(
            "DELETE FROM failures WHERE connection = ? AND identifier_key = ?",
            (connection, identifier.lower()),
        )
    else:
        await tx.run(
            "DELETE FROM failures WHERE connection = ? AND identifier_key = ? AND ip = ?",
            (connection, identifier.lower(), ip),
        )


@contextlib.contextmanager
def _duplicates(connection: str) -> Iterator[None]:
    """Turn a violated unique constraint of ``users`` into DuplicateUserError."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        message = str(error)  # "UNIQUE constraint failed: users.connection, users.email_key"
        if message.startswith("UNIQUE constraint failed:"):
            for column, field in _UNIQUE_FIELDS.items():
                if column in message:
                    raise DuplicateUserError(connection, field) from error
        raise


async def _append_log(tx: _Tx, event: NewLog, moment: dt.datetime) -> TenantLog:
    """Insert ``event`` with the next log id, inside the caller's transaction."""
    details = to_json(event.details)
    await tx.run("UPDATE log_sequence SET last = last + 1")
    row = await tx.row("SELECT last FROM log_sequence")
    assert row is not None  # the migration inserts the one row
    log_id = f"{row[0]:0{_LOG_ID_DIGITS}d}"
    await tx.run(
        "INSERT INTO logs (log_id, date, type, description, connection, client_id,"
        " client_name, ip, user_agent, user_id, user_name, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            log_id,
            stamp(moment),
            event.type,
            event.description,
            event.connection,
            event.client_id,
            event.client_name,
            event.ip,
            event.user_agent,
            event.user_id,
            event.user_name,
            details,
        ),
    )
    # details as a copy, as a read would give it
    stored = dataclasses.replace(event, details=json.loads(details))
    return TenantLog(log_id=log_id, date=moment, **vars(stored))
