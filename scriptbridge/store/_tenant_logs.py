"""The statements on ``logs``: the tenant log events the Management API serves, each under
the next log id.

Log ids are a counter (``log_sequence``) written as 24 zero-padded digits, so they increase as
strings too. Each function runs inside the caller's transaction (a Tx), so an event is
appended in the same transaction as the change it records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from scriptbridge.store._schema import log_from, stamp, to_json
from scriptbridge.store._transaction import Tx
from scriptbridge.store.records import NewLog, TenantLog

_LOG_ID_DIGITS = 24


async def append(tx: Tx, event: NewLog, moment: dt.datetime) -> TenantLog:
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


async def after(tx: Tx, log_id: str | None, limit: int) -> list[TenantLog]:
    """Up to ``limit`` events in log-id order, those after ``log_id`` when given."""
    rows = await tx.rows(
        "SELECT * FROM logs WHERE log_id > ? ORDER BY log_id LIMIT ?",
        ("" if log_id is None else log_id, limit),  # every id is > ''
    )
    return [log_from(row) for row in rows]
