"""The statements on ``users``: read, find, create, change, count and delete users, record
their logins, and sum up how a connection's users were migrated.

Each function runs inside the caller's transaction (a Tx). A violated unique constraint
becomes DuplicateUserError here, naming the field that collided.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any, get_args

from scriptbridge.errors import DuplicateUserError
from scriptbridge.store._schema import (
    changed_columns,
    new_user_columns,
    optional_from_stamp,
    stamp,
    user_from,
)
from scriptbridge.store._transaction import Tx
from scriptbridge.store.records import MigratedBy, NewUser, User, UserChanges, UserId

#: The field each unique constraint of ``users`` guards, by the column SQLite's message names.
_UNIQUE_FIELDS = {
    "users.user_id": "user_id",
    "users.email_key": "email",
    "users.username_key": "username",
}


async def get(tx: Tx, user_id: str) -> User | None:
    row = await tx.row("SELECT * FROM users WHERE user_id = ?", (user_id,))
    return None if row is None else user_from(row)


async def find(tx: Tx, connection: str, identifier: str) -> User | None:
    """The connection's user whose email or username is ``identifier`` (any case)."""
    key = identifier.lower()
    row = await tx.row(
        "SELECT * FROM users WHERE connection = ? AND (email_key = ? OR username_key = ?)"
        " ORDER BY email_key IS ? DESC LIMIT 1",  # an email match before a username one
        (connection, key, key, key),
    )
    return None if row is None else user_from(row)


async def create(tx: Tx, user: NewUser, moment: dt.datetime) -> User:
    columns = new_user_columns(user, moment)
    names = ", ".join(columns)  # new_user_columns' names, never input
    with _duplicates(user.connection):
        await tx.run(
            f"INSERT INTO users ({names}) VALUES ({', '.join('?' * len(columns))})",
            tuple(columns.values()),
        )
    created = await get(tx, user.user_id)
    assert created is not None  # inserted just above, in this transaction
    return created


async def update(tx: Tx, user_id: UserId, changes: UserChanges, moment: dt.datetime) -> User | None:
    current = await tx.row("SELECT connection FROM users WHERE user_id = ?", (user_id,))
    if current is None:
        return None
    columns = changed_columns(changes, moment)
    assignments = ", ".join(f"{name} = ?" for name in columns)  # UserChanges' fields only
    with _duplicates(current["connection"]):
        await tx.run(
            f"UPDATE users SET {assignments} WHERE user_id = ?", (*columns.values(), user_id)
        )
    return await get(tx, user_id)


async def record_login(tx: Tx, user_id: UserId, ip: str | None, moment: dt.datetime) -> User | None:
    changed = await tx.run(
        "UPDATE users SET logins_count = logins_count + 1, last_login = ?, last_ip = ?"
        " WHERE user_id = ?",
        (stamp(moment), ip, user_id),
    )
    return await get(tx, user_id) if changed else None


async def delete(tx: Tx, user_id: UserId) -> bool:
    # The user's tickets go with it: ON DELETE CASCADE.
    return await tx.run("DELETE FROM users WHERE user_id = ?", (user_id,)) > 0


async def count(tx: Tx, connection: str | None) -> int:
    if connection is None:
        row = await tx.row("SELECT count(*) FROM users")
    else:
        row = await tx.row("SELECT count(*) FROM users WHERE connection = ?", (connection,))
    assert row is not None  # count(*) always returns a row
    return int(row[0])


async def migration_summary(tx: Tx, connection: str) -> dict[str, Any]:
    """``total`` counts all the connection's users, ``by`` splits them by how they came
    (every kind of MigratedBy, 0 when none came so). Several statements: run it in a
    snapshot, so that they agree."""
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
    last = await tx.row("SELECT max(migrated_at) FROM users WHERE connection = ?", (connection,))
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
