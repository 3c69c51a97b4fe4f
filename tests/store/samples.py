"""Records the store tests build users, tickets and script lines from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from scriptbridge.store import (
    NewUser,
    ScriptLogId,
    ScriptLogLevel,
    ScriptLogRecord,
    Ticket,
    UserId,
    now,
    root_id,
)


def new_user(
    bare_id: str = "1",
    *,
    connection: str = "legacy-db",
    email: str | None = "jane@example.com",
    username: str | None = None,
    **fields: Any,
) -> NewUser:
    """A user of ``connection`` migrated at login, with a bcrypt-shaped hash."""
    defaults: dict[str, Any] = {
        "email_verified": True,
        "password_hash": "$2b$04$" + "x" * 53,
        "migrated_by": "login",
    }
    return NewUser(
        user_id=root_id(bare_id),
        connection=connection,
        email=email,
        username=username,
        **(defaults | fields),
    )


def ticket(
    ticket_id: str = "t1",
    *,
    user_id: UserId | None = None,
    email: str = "jane@example.com",
    connection: str = "legacy-db",
    lifetime: dt.timedelta = dt.timedelta(minutes=5),
    profile: dict[str, Any] | None = None,
) -> Ticket:
    """A fresh, unused ticket (an expired one for a negative ``lifetime``)."""
    issued = now()
    return Ticket(
        ticket_id=ticket_id,
        connection=connection,
        email=email,
        user_id=user_id,
        profile=profile,
        created_at=issued,
        expires_at=issued + lifetime,
        result_url="https://app.example.com/done",
    )


def script_line(
    line_id: int,
    *,
    age: dt.timedelta = dt.timedelta(0),
    level: ScriptLogLevel = "info",
    message: str | None = None,
) -> ScriptLogRecord:
    """Console line ``line_id`` of a login, printed ``age`` ago."""
    return ScriptLogRecord(
        id=ScriptLogId(line_id),
        time=now() - age,
        level=level,
        connection="legacy-db",
        script="login",
        invocation_id=f"inv-{line_id}",
        subject="jane@example.com",
        message=f"line {line_id}" if message is None else message,
    )
