"""The identity store's tables, built by forward migrations, and how records sit in them.

``STEPS[n]`` takes a database from schema version n to n + 1, and ``PRAGMA user_version`` keeps
the version. Opening a store runs the steps it lacks, all in one transaction, so a store is at
one released version or another, never between two. A released step is never edited: a change
of schema is a new step appended to ``STEPS``.

How values are kept: times are UTC ISO-8601 text of fixed width with microseconds
(``2024-01-01T10:00:00.000000Z``), so they sort and compare as strings; JSON values
(profile attributes, metadata, ticket profiles, log details) are JSON text; ``*_key``
columns hold the lowercased email, username or identifier that lookups and uniqueness use,
while ``email`` and ``username`` keep them as given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite

from scriptbridge.errors import ScriptbridgeError
from scriptbridge.store.records import (
    UNSET,
    NewUser,
    ScriptLogId,
    ScriptLogRecord,
    TenantLog,
    Ticket,
    User,
    UserChanges,
    UserId,
)

#: One migration step: statements run in order.
Step = tuple[str, ...]

_VERSION_1: Step = (
    """
    CREATE TABLE users (
        user_id        TEXT PRIMARY KEY,
        connection     TEXT NOT NULL,
        email          TEXT,
        email_key      TEXT,
        username       TEXT,
        username_key   TEXT,
        email_verified INTEGER NOT NULL CHECK (email_verified IN (0, 1)),
        password_hash  TEXT,
        name           TEXT,
        nickname       TEXT,
        given_name     TEXT,
        family_name    TEXT,
        picture        TEXT,
        attributes     TEXT NOT NULL,
        user_metadata  TEXT NOT NULL,
        app_metadata   TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        last_login     TEXT,
        last_ip        TEXT,
        logins_count   INTEGER NOT NULL DEFAULT 0,
        blocked        INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
        migrated_by    TEXT NOT NULL
                       CHECK (migrated_by IN ('login', 'get_user', 'native', 'legacy')),
        migrated_at    TEXT
    )
    """,
    # NULLs never collide in a UNIQUE index: users without an email or username are fine.
    "CREATE UNIQUE INDEX users_email ON users (connection, email_key)",
    "CREATE UNIQUE INDEX users_username ON users (connection, username_key)",
    """
    CREATE TABLE tickets (
        ticket_id  TEXT PRIMARY KEY,
        connection TEXT NOT NULL,
        email      TEXT NOT NULL,
        user_id    TEXT REFERENCES users (user_id) ON DELETE CASCADE,
        profile    TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        result_url TEXT,
        used_at    TEXT
    )
    """,
    "CREATE INDEX tickets_user ON tickets (user_id)",
    """
    CREATE TABLE signing_keys (
        kid         TEXT PRIMARY KEY,
        private_pem TEXT NOT NULL,
        created_at  TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE failures (
        connection     TEXT NOT NULL,
        identifier_key TEXT NOT NULL,
        ip             TEXT NOT NULL,
        count          INTEGER NOT NULL,
        last_at        TEXT NOT NULL,
        PRIMARY KEY (connection, identifier_key, ip)
    ) WITHOUT ROWID
    """,
    # Log ids come from a counter of their own, so an id is never handed out twice, even
    # once old events are pruned.
    """
    CREATE TABLE log_sequence (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        last INTEGER NOT NULL
    )
    """,
    "INSERT INTO log_sequence (id, last) VALUES (1, 0)",
    """
    CREATE TABLE logs (
        log_id      TEXT PRIMARY KEY,
        date        TEXT NOT NULL,
        type        TEXT NOT NULL,
        description TEXT,
        connection  TEXT,
        client_id   TEXT,
        client_name TEXT,
        ip          TEXT,
        user_agent  TEXT,
        user_id     TEXT,
        user_name   TEXT,
        details     TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE messages (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT NOT NULL,
        recipient  TEXT NOT NULL,
        body       TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX messages_recipient ON messages (recipient)",
)

_VERSION_2: Step = (
    # What the Management API set on a connection (scripts, options): a JSON object.
    """
    CREATE TABLE connection_states (
        connection TEXT PRIMARY KEY,
        state      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID
    """,
    # Running totals of script invocations, added to in batches.
    """
    CREATE TABLE script_stats (
        connection  TEXT NOT NULL,
        kind        TEXT NOT NULL,
        invocations INTEGER NOT NULL,
        errors      INTEGER NOT NULL,
        timeouts    INTEGER NOT NULL,
        PRIMARY KEY (connection, kind)
    ) WITHOUT ROWID
    """,
    # The default orders of the user and log searches, and the migration summary.
    "CREATE INDEX users_created ON users (created_at, user_id)",
    "CREATE INDEX users_migrated ON users (connection, migrated_at)",
    "CREATE INDEX logs_date ON logs (date, log_id)",
)

_VERSION_3: Step = (
    # Scripts' console lines, for the log stream's replay. The log hub gives the ids;
    # AUTOINCREMENT keeps the highest id ever written in sqlite_sequence, so ids go on
    # increasing after a restart even when retention has pruned every line.
    """
    CREATE TABLE script_logs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        time          TEXT NOT NULL,
        level         TEXT NOT NULL,
        connection    TEXT NOT NULL,
        script        TEXT,
        invocation_id TEXT,
        subject       TEXT,
        message       TEXT NOT NULL
    )
    """,
    "CREATE INDEX script_logs_time ON script_logs (time)",
)

#: Every step, oldest first; ``len(STEPS)`` is the schema version this scriptbridge writes.
STEPS: tuple[Step, ...] = (_VERSION_1, _VERSION_2, _VERSION_3)


async def migrate(db: aiosqlite.Connection, where: str, steps: Sequence[Step] = STEPS) -> int:
    """Run the steps the database at ``where`` lacks, in one transaction; return the version
    it was at. Raises ScriptbridgeError for a database of a newer schema than ``steps``."""
    await db.execute("BEGIN IMMEDIATE")  # before reading the version: one migrator at a time
    try:
        version = await _user_version(db)
        if version > len(steps):
            raise ScriptbridgeError(
                f"the store {where} was written by a newer scriptbridge (schema {version}, "
                f"this one knows {len(steps)}); upgrade scriptbridge to open it"
            )
        for number, step in enumerate(steps[version:], start=version + 1):
            for statement in step:
                await db.execute(statement)
            # PRAGMA takes no parameters; ``number`` is an int counted here.
            await db.execute(f"PRAGMA user_version = {number:d}")
    except BaseException:
        await db.rollback()
        raise
    await db.commit()
    return version


async def _user_version(db: aiosqlite.Connection) -> int:
    rows = list(await db.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


# -- records <-> columns ------------------------------------------------------------------------

_JSON_FIELDS = frozenset({"attributes", "user_metadata", "app_metadata"})
_KEYED_FIELDS = frozenset({"email", "username"})


def new_user_columns(user: NewUser, moment: dt.datetime) -> dict[str, Any]:
    """The ``users`` row of a user created at ``moment``, by column name."""
    created = stamp(moment)
    migrated = user.migrated_by in ("login", "get_user")  # moved here from the legacy store
    return {
        "user_id": user.user_id,
        "connection": user.connection,
        "email": user.email,
        "email_key": key(user.email),
        "username": user.username,
        "username_key": key(user.username),
        "email_verified": user.email_verified,
        "password_hash": user.password_hash,
        "name": user.name,
        "nickname": user.nickname,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "picture": user.picture,
        "attributes": to_json(user.attributes),
        "user_metadata": to_json(user.user_metadata),
        "app_metadata": to_json(user.app_metadata),
        "created_at": created,
        "updated_at": created,
        "migrated_by": user.migrated_by,
        "migrated_at": created if migrated else None,
    }


def changed_columns(changes: UserChanges, moment: dt.datetime) -> dict[str, Any]:
    """The ``users`` columns ``changes`` sets (its fields that are not UNSET), by name, and
    ``updated_at``."""
    columns: dict[str, Any] = {}
    for change in dataclasses.fields(changes):
        value = getattr(changes, change.name)
        if value is UNSET:
            continue
        columns[change.name] = to_json(value) if change.name in _JSON_FIELDS else value
        if change.name in _KEYED_FIELDS:
            columns[f"{change.name}_key"] = key(value)
    columns["updated_at"] = stamp(moment)
    return columns


def user_from(row: sqlite3.Row) -> User:
    return User(
        user_id=UserId(row["user_id"]),
        connection=row["connection"],
        email=row["email"],
        username=row["username"],
        email_verified=bool(row["email_verified"]),
        password_hash=row["password_hash"],
        name=row["name"],
        nickname=row["nickname"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        picture=row["picture"],
        attributes=json.loads(row["attributes"]),
        user_metadata=json.loads(row["user_metadata"]),
        app_metadata=json.loads(row["app_metadata"]),
        created_at=from_stamp(row["created_at"]),
        updated_at=from_stamp(row["updated_at"]),
        last_login=optional_from_stamp(row["last_login"]),
        last_ip=row["last_ip"],
        logins_count=row["logins_count"],
        blocked=bool(row["blocked"]),
        migrated_by=row["migrated_by"],
        migrated_at=optional_from_stamp(row["migrated_at"]),
    )


def ticket_from(row: sqlite3.Row) -> Ticket:
    return Ticket(
        ticket_id=row["ticket_id"],
        connection=row["connection"],
        email=row["email"],
        user_id=None if row["user_id"] is None else UserId(row["user_id"]),
        profile=None if row["profile"] is None else json.loads(row["profile"]),
        created_at=from_stamp(row["created_at"]),
        expires_at=from_stamp(row["expires_at"]),
        result_url=row["result_url"],
        used_at=optional_from_stamp(row["used_at"]),
    )


def log_from(row: sqlite3.Row) -> TenantLog:
    return TenantLog(
        log_id=row["log_id"],
        date=from_stamp(row["date"]),
        type=row["type"],
        description=row["description"],
        connection=row["connection"],
        client_id=row["client_id"],
        client_name=row["client_name"],
        ip=row["ip"],
        user_agent=row["user_agent"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        details=json.loads(row["details"]),
    )


def script_log_columns(record: ScriptLogRecord) -> tuple[Any, ...]:
    """The ``script_logs`` row of a console line, in the table's column order."""
    return (
        record.id,
        stamp(record.time),
        record.level,
        record.connection,
        record.script,
        record.invocation_id,
        record.subject,
        record.message,
    )


def script_log_from(row: sqlite3.Row) -> ScriptLogRecord:
    return ScriptLogRecord(
        id=ScriptLogId(row["id"]),
        time=from_stamp(row["time"]),
        level=row["level"],
        connection=row["connection"],
        script=row["script"],
        invocation_id=row["invocation_id"],
        subject=row["subject"],
        message=row["message"],
    )


def key(value: str | None) -> str | None:
    """What an email or username is matched by: Python's lowercase, so non-ASCII letters
    match too (SQLite's lower() and NOCASE fold ASCII only)."""
    return None if value is None else value.lower()


def to_json(value: Any) -> str:
    # ASCII escapes: a lone surrogate (JavaScript strings may hold one) survives the trip;
    # no NaN or Infinity, which JSON has not.
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def stamp(moment: dt.datetime) -> str:
    """A time as the store keeps it: UTC, fixed width, microseconds; sorts as it compares."""
    if moment.tzinfo is None:
        raise ValueError(f"the store keeps timezone-aware times only, not {moment!r}")
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def optional_stamp(moment: dt.datetime | None) -> str | None:
    return None if moment is None else stamp(moment)


def from_stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def optional_from_stamp(text: str | None) -> dt.datetime | None:
    return None if text is None else from_stamp(text)
