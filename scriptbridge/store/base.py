"""The identity store's interface: what the flows and the APIs may ask of it.

Every method is one short transaction. The SQLite implementation is in sqlite.py; a
PostgreSQL one can follow behind the same interface without touching the flows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from scriptbridge.store.query import Page, Query
from scriptbridge.store.records import (
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
)


class Store(Protocol):
    # -- users -----------------------------------------------------------------------------

    async def get_user(self, user_id: UserId) -> User | None:
        """The user with this root id (``auth0|...``), or None."""

    async def find_user(self, connection: str, identifier: str) -> User | None:
        """The connection's user whose email or username equals ``identifier``, both
        compared case-insensitively; None when there is none."""

    async def create_user(self, user: NewUser, *, event: NewLog | None = None) -> User:
        """Create a user with everything it has, and ``event`` (its migration's tenant log
        event), in one transaction.

        Raises DuplicateUserError when the id, or the email or username within the
        connection, is taken; nothing is written then.
        """

    async def update_user(self, user_id: UserId, changes: UserChanges) -> User | None:
        """Apply the set fields of ``changes`` and bump ``updated_at``; None for an unknown
        user. Raises DuplicateUserError when a new email or username is taken."""

    async def record_login(self, user_id: UserId, ip: str | None) -> User | None:
        """A successful login: ``logins_count`` + 1, ``last_login`` now, ``last_ip``."""

    async def delete_user(self, user_id: UserId) -> bool:
        """Delete the user (and its tickets); False when there was none."""

    async def count_users(self, connection: str | None = None) -> int: ...

    async def search_users(
        self, query: Query, page: Page, *, connection: str | None = None
    ) -> tuple[list[User], int]:
        """The users matching ``query`` (of one connection when given), sorted and paged as
        ``page`` says (by default oldest first), and how many match in all.

        Searchable fields: user_id, email, username, name, nickname, given_name, family_name,
        picture, email_verified, blocked, logins_count, created_at, updated_at, last_login,
        last_ip, migrated_by, migrated_at, identities.connection, identities.user_id,
        identities.provider, user_metadata.PATH and app_metadata.PATH (PATH: dotted keys).
        Raises QueryError for any other field.
        """

    async def migration_summary(self, connection: str) -> dict[str, Any]:
        """How the connection's users came: ``{"total", "by": {migrated_by: count},
        "per_day": [{"date": "YYYY-MM-DD", "login": n, "get_user": n}], "last_migrated_at":
        datetime | None}``, per_day covering the days users were migrated on, oldest first."""

    # -- password-change tickets -----------------------------------------------------------

    async def add_ticket(self, ticket: Ticket) -> None: ...

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        """The ticket whatever its state; the caller checks ``used_at`` and ``expires_at``."""

    async def redeem_ticket(
        self,
        ticket_id: str,
        *,
        create: NewUser | None = None,
        change: tuple[UserId, UserChanges] | None = None,
        event: NewLog | None = None,
    ) -> User | None:
        """In one transaction: mark the ticket used, provided it is unused and unexpired, and
        create ``create`` or apply ``change``; clear the user's failed-attempt counters;
        append ``event``.
        Returns the resulting user, or None (and writes nothing) when the ticket cannot be
        used. Raises DuplicateUserError as create_user does."""

    # -- signing keys ----------------------------------------------------------------------

    async def signing_keys(self) -> list[SigningKey]:
        """Every key, newest first."""

    async def add_signing_key(self, key: SigningKey) -> None: ...

    # -- failed login attempts (brute-force protection) ------------------------------------

    async def add_failure(self, connection: str, identifier: str, ip: str) -> int:
        """Count one more failed attempt for (identifier, ip) and return the count.
        ``identifier`` is compared case-insensitively."""

    async def failures(self, connection: str, identifier: str, ip: str) -> int: ...

    async def clear_failures(self, connection: str, identifier: str, ip: str | None = None) -> None:
        """Forget the failures of ``identifier`` from ``ip``, or from every ip when None."""

    # -- tenant log events and the outbox ---------------------------------------------------

    async def append_log(self, event: NewLog) -> TenantLog:
        """Store an event with the next log id (ids increase as strings) and the time now."""

    async def logs(self, *, after: str | None = None, limit: int = 100) -> list[TenantLog]:
        """Events in log-id order, those after ``after`` when given."""

    async def search_logs(self, query: Query, page: Page) -> tuple[list[TenantLog], int]:
        """Events matching ``query``, sorted and paged (by default newest first), and how many
        match in all. Searchable fields: log_id, date, type, description, connection,
        client_id, client_name, ip, user_agent, user_id, user_name, details.PATH."""

    # -- scripts' console lines (the log stream's replay) --------------------------------------

    async def add_script_logs(self, records: Sequence[ScriptLogRecord]) -> int:
        """Keep console lines under the ids the log hub gave them, in one transaction; return
        how many were kept. A line whose id is already taken (another process sharing the
        store gave it) is skipped."""

    async def script_logs(
        self, *, after_id: int | None, since: dt.datetime | None, limit: int
    ) -> list[ScriptLogRecord]:
        """Up to ``limit`` lines in id order: those with an id above ``after_id`` and a time at
        or after ``since``, each when given."""

    async def prune_script_logs(self, max_count: int, max_age_seconds: float) -> int:
        """Delete the lines beyond the newest ``max_count`` (1 or more) and those older than
        ``max_age_seconds``; return how many went."""

    async def last_script_log_id(self) -> ScriptLogId:
        """The highest id ever kept, pruned or not; 0 for none."""

    # -- connections changed over the Management API ----------------------------------------

    async def connection_state(self, connection: str) -> dict[str, Any] | None:
        """What the Management API last set on the connection (scripts, options), which
        overrides the configuration file; None when nothing was set."""

    async def save_connection_state(self, connection: str, state: dict[str, Any]) -> None:
        """Replace the connection's saved state (a JSON object)."""

    # -- script statistics -------------------------------------------------------------------

    async def add_script_stats(self, counts: list[tuple[str, str, int, int, int]]) -> None:
        """Add (connection, kind, invocations, errors, timeouts) to the running totals."""

    async def script_stats(self, connection: str) -> dict[str, tuple[int, int, int]]:
        """kind → (invocations, errors, timeouts) of the connection, all time."""

    async def add_message(self, kind: str, recipient: str, body: str) -> None:
        """Record a message the outbox delivered (no mail server: the store keeps them)."""

    async def messages(self, recipient: str | None = None) -> list[tuple[str, str, str]]:
        """(kind, recipient, body) of recorded messages, oldest first."""
