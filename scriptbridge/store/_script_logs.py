"""The statements on ``script_logs``: the scripts' console lines, kept under the ids the log
hub gave them so that the log stream can replay them, and pruned by count and age.

Each function runs inside the caller's transaction (a Tx).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from scriptbridge.store._schema import script_log_columns, script_log_from, stamp
from scriptbridge.store._transaction import Tx
from scriptbridge.store.records import ScriptLogId, ScriptLogRecord


async def add(tx: Tx, records: Sequence[ScriptLogRecord]) -> int:
    """Insert the lines, skipping any whose id is taken; how many were kept."""
    return await tx.run_many(
        "INSERT OR IGNORE INTO script_logs (id, time, level, connection, script,"
        " invocation_id, subject, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [script_log_columns(record) for record in records],
    )


async def after(
    tx: Tx, after_id: int | None, since: dt.datetime | None, limit: int
) -> list[ScriptLogRecord]:
    rows = await tx.rows(
        "SELECT * FROM script_logs WHERE id > ? AND time >= ? ORDER BY id LIMIT ?",
        (after_id or 0, "" if since is None else stamp(since), limit),
    )
    return [script_log_from(row) for row in rows]


async def prune(tx: Tx, max_count: int, cutoff: dt.datetime) -> int:
    """Delete the lines beyond the newest ``max_count`` and those older than ``cutoff``; how
    many went."""
    # The subquery is the oldest id to keep by count; NULL (keep all) with fewer lines.
    return await tx.run(
        "DELETE FROM script_logs WHERE time < ? OR id < (SELECT id FROM script_logs"
        " ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (stamp(cutoff), max_count - 1),
    )


async def last_id(tx: Tx) -> ScriptLogId:
    """The highest id ever kept: AUTOINCREMENT's counter remembers it through pruning."""
    row = await tx.row(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'script_logs'),"
        " 0), coalesce((SELECT max(id) FROM script_logs), 0))"
    )
    assert row is not None  # a SELECT without FROM always returns its row
    return ScriptLogId(int(row[0]))
