"""The statements on what scriptbridge keeps about itself rather than about users: its token
signing keys, each connection's state saved over the Management API and its scripts' running
totals, and the messages the outbox delivered.

Each function runs inside the caller's transaction (a Tx).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from scriptbridge.store._schema import from_stamp, stamp, to_json
from scriptbridge.store._transaction import Tx
from scriptbridge.store.records import SigningKey

# -- signing keys --------------------------------------------------------------------------


async def signing_keys(tx: Tx) -> list[SigningKey]:
    """Every key, newest first."""
    rows = await tx.rows(
        "SELECT kid, private_pem, created_at FROM signing_keys ORDER BY created_at DESC, rowid DESC"
    )
    return [
        SigningKey(
            kid=row["kid"],
            private_pem=row["private_pem"],
            created_at=from_stamp(row["created_at"]),
        )
        for row in rows
    ]


async def add_signing_key(tx: Tx, key: SigningKey) -> None:
    await tx.run(
        "INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)",
        (key.kid, key.private_pem, stamp(key.created_at)),
    )


# -- connections changed over the Management API -------------------------------------------


async def connection_state(tx: Tx, connection: str) -> dict[str, Any] | None:
    row = await tx.row("SELECT state FROM connection_states WHERE connection = ?", (connection,))
    if row is None:
        return None
    state: dict[str, Any] = json.loads(row[0])
    return state


async def save_connection_state(
    tx: Tx, connection: str, state: dict[str, Any], moment: dt.datetime
) -> None:
    await tx.run(
        "INSERT INTO connection_states (connection, state, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (connection) DO UPDATE"
        " SET state = excluded.state, updated_at = excluded.updated_at",
        (connection, to_json(state), stamp(moment)),
    )


# -- script statistics ---------------------------------------------------------------------


async def add_script_stats(tx: Tx, counts: list[tuple[str, str, int, int, int]]) -> None:
    """Add (connection, kind, invocations, errors, timeouts) to the running totals."""
    for connection, kind, invocations, errors, timeouts in counts:
        await tx.run(
            "INSERT INTO script_stats (connection, kind, invocations, errors, timeouts)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (connection, kind) DO UPDATE"
            " SET invocations = invocations + excluded.invocations,"
            " errors = errors + excluded.errors, timeouts = timeouts + excluded.timeouts",
            (connection, kind, invocations, errors, timeouts),
        )


async def script_stats(tx: Tx, connection: str) -> dict[str, tuple[int, int, int]]:
    rows = await tx.rows(
        "SELECT kind, invocations, errors, timeouts FROM script_stats"
        " WHERE connection = ? ORDER BY kind",
        (connection,),
    )
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


# -- the outbox's messages -----------------------------------------------------------------


async def add_message(tx: Tx, kind: str, recipient: str, body: str, moment: dt.datetime) -> None:
    await tx.run(
        "INSERT INTO messages (kind, recipient, body, created_at) VALUES (?, ?, ?, ?)",
        (kind, recipient, body, stamp(moment)),
    )


async def messages(tx: Tx, recipient: str | None) -> list[tuple[str, str, str]]:
    if recipient is None:
        rows = await tx.rows("SELECT kind, recipient, body FROM messages ORDER BY seq")
    else:
        rows = await tx.rows(
            "SELECT kind, recipient, body FROM messages WHERE recipient = ? ORDER BY seq",
            (recipient,),
        )
    return [(row[0], row[1], row[2]) for row in rows]
