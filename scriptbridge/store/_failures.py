"""The statements on ``failures``: failed login attempts, counted per connection, identifier
(any case) and ip, which the brute-force protection reads.

Each function runs inside the caller's transaction (a Tx).
"""

from __future__ import annotations

import datetime as dt

from scriptbridge.store._schema import stamp
from scriptbridge.store._transaction import Tx


async def add(tx: Tx, connection: str, identifier: str, ip: str, moment: dt.datetime) -> int:
    """Count one more failed attempt; the count now."""
    key = (connection, identifier.lower(), ip)
    await tx.run(
        "INSERT INTO failures (connection, identifier_key, ip, count, last_at)"
        " VALUES (?, ?, ?, 1, ?) ON CONFLICT (connection, identifier_key, ip)"
        " DO UPDATE SET count = count + 1, last_at = excluded.last_at",
        (*key, stamp(moment)),
    )
    return await _count(tx, *key)


async def count(tx: Tx, connection: str, identifier: str, ip: str) -> int:
    return await _count(tx, connection, identifier.lower(), ip)


async def clear(tx: Tx, connection: str, identifier: str, ip: str | None) -> None:
    """Forget the failures of ``identifier`` from ``ip``, or from every ip when None."""
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


async def _count(tx: Tx, connection: str, key: str, ip: str) -> int:
    row = await tx.row(
        "SELECT count FROM failures WHERE connection = ? AND identifier_key = ? AND ip = ?",
        (connection, key, ip),
    )
    return 0 if row is None else int(row[0])
