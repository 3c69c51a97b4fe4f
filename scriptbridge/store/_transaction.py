"""The store's connection as its statements see it: lent to one transaction (or one read).

SqliteStore's lock decides when a Tx exists and which kind of transaction it is in. The
statement modules (_users.py and its siblings) take a Tx and run their statements on it,
inside that transaction, never beginning or ending one of their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import aiosqlite


class Tx:
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
