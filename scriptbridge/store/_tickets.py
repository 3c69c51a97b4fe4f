"""The statements on ``tickets``: the single-use password-change tickets a user redeems to
set a password.

Each function runs inside the caller's transaction (a Tx); redeeming a ticket also creates or
changes its user, so SqliteStore.redeem_ticket puts those statements in one transaction.
"""

from __future__ import annotations

import datetime as dt

from scriptbridge.store._schema import optional_stamp, stamp, ticket_from, to_json
from scriptbridge.store._transaction import Tx
from scriptbridge.store.records import Ticket, UserId


async def add(tx: Tx, ticket: Ticket) -> None:
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


async def get(tx: Tx, ticket_id: str) -> Ticket | None:
    row = await tx.row("SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,))
    return None if row is None else ticket_from(row)


async def mark_used(tx: Tx, ticket_id: str, user_id: UserId, moment: dt.datetime) -> None:
    """Mark the ticket used by ``user_id`` at ``moment``."""
    # A ticket that migrates a user becomes that user's: it goes when the user does.
    await tx.run(
        "UPDATE tickets SET used_at = ?, user_id = coalesce(user_id, ?) WHERE ticket_id = ?",
        (stamp(moment), user_id, ticket_id),
    )
