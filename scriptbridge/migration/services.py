"""What every flow needs: the store, the engine, the settings, and the ways the flows run a
script and record a tenant log event."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from scriptbridge.connections import Connections
from scriptbridge.engine import Engine, Outcome, ScriptKind
from scriptbridge.errors import (
    InvalidPasswordError,
    PasswordStrengthError,
    ScriptFailedError,
    ScriptNotDefinedError,
    UnknownConnectionApiError,
)
from scriptbridge.logs import LogHub, invocation
from scriptbridge.migration.guard import Guard
from scriptbridge.migration.outbox import Outbox
from scriptbridge.passwords import check_password
from scriptbridge.settings import ConnectionSettings, Settings
from scriptbridge.store import NewLog, Store, TenantLog

_log = structlog.get_logger("scriptbridge.migration")


@dataclass(frozen=True)
class Caller:
    """Who is asking: the end user's address and the client application."""

    ip: str
    user_agent: str | None = None
    client_id: str | None = None
    client_name: str | None = None


@dataclass
class ScriptStats:
    """Invocations of one script kind of one connection since the service started."""

    invocations: int = 0
    errors: int = 0
    timeouts: int = 0


@dataclass
class Services:
    store: Store
    engine: Engine
    settings: Settings
    outbox: Outbox
    #: The public base URL, ending in ``/``.
    issuer: str
    guard: Guard
    connections: Connections
    #: The stream of the scripts' console lines (GET /logs/stream reads it; flows do not).
    log_hub: LogHub
    stats: dict[tuple[str, ScriptKind], ScriptStats] = field(default_factory=dict)
    #: Counts not yet added to the store's totals (see flush_stats).
    unsaved: dict[tuple[str, ScriptKind], ScriptStats] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        """bcrypt's cost for new password hashes."""
        return self.settings.server.bcrypt_rounds

    def connection(self, name: str) -> ConnectionSettings:
        found = self.connections.get(name)
        if found is None:
            raise UnknownConnectionApiError(name)
        return found

    async def flush_stats(self) -> None:
        """Add the invocation counts gathered since the last flush to the store's totals."""
        unsaved, self.unsaved = self.unsaved, {}
        rows: list[tuple[str, str, int, int, int]] = [
            (connection, kind, s.invocations, s.errors, s.timeouts)
            for (connection, kind), s in unsaved.items()
        ]
        if rows:
            await self.store.add_script_stats(rows)

    async def invoke(
        self, connection: ConnectionSettings, kind: ScriptKind, args: list[Any]
    ) -> Outcome:
        """Run one of the connection's scripts; a failure of the engine is an outcome too."""
        started = time.perf_counter()
        try:
            outcome = await self.engine.invoke(
                connection.name,
                kind,
                args,
                context={},
                subject=_subject(kind, args),
                secrets=_secrets(kind, args),
            )
        except ScriptNotDefinedError:
            raise ScriptFailedError(
                connection.name,
                kind,
                f"the connection has no {kind} script; add one under [connections.scripts] "
                "or over the Management API",
            ) from None
        for table in (self.stats, self.unsaved):
            stats = table.setdefault((connection.name, kind), ScriptStats())
            stats.invocations += 1
            stats.errors += outcome.status == "error"
            stats.timeouts += outcome.status == "timeout"
        with invocation(outcome.invocation_id):
            _log.info(
                "script_invoked",
                connection=connection.name,
                kind=kind,
                outcome=outcome.status,
                error=None if outcome.error is None else outcome.error.name,
                elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
            )
        return outcome

    async def event(
        self,
        type_: str,
        caller: Caller | None,
        *,
        connection: str | None = None,
        user_id: str | None = None,
        user_name: str | None = None,
        description: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> TenantLog:
        """Record a tenant log event (Auth0's /api/v2/logs) and log it."""
        logged = await self.store.append_log(
            tenant_event(
                type_,
                caller,
                connection=connection,
                user_id=user_id,
                user_name=user_name,
                description=description,
                details=details,
            )
        )
        await announce(logged)
        return logged


async def confirm(
    svc: Services,
    connection: ConnectionSettings,
    kind: ScriptKind,
    args: list[Any],
    refusal: str,
    *,
    secrets: tuple[str, ...] = (),
) -> None:
    """Run a legacy-mode script that reports whether it did its work, and raise
    ScriptFailedError when it failed or said it did not (``refusal`` says what was not done).

    verify and change_email report done with ``callback(null, true)``; change_password also
    with an object (``{last_password_reset}``), so any result but ``false`` is done for it.
    """
    outcome = await svc.invoke(connection, kind, args)
    if outcome.status in ("error", "timeout"):
        raise failure(connection, kind, outcome, secrets=secrets)
    if kind == "change_password":
        done = outcome.status == "result" and outcome.result is not False
    else:
        done = outcome.result is True
    if not done:
        raise ScriptFailedError(connection.name, kind, f"it reported that {refusal}")


def strong_enough(
    connection: ConnectionSettings,
    password: str,
    *,
    email: str | None = None,
    username: str | None = None,
) -> None:
    """Raise InvalidPasswordError when the connection's policy refuses a new password."""
    try:
        check_password(connection.password_policy, password, email=email, username=username)
    except PasswordStrengthError as weak:
        raise InvalidPasswordError(weak.policy, weak.rules) from None


def _subject(kind: ScriptKind, args: list[Any]) -> str | None:
    """Who an invocation is about: its first argument (create: the new user's email)."""
    if not args:
        return None
    first = args[0]
    if isinstance(first, dict):
        email = first.get("email")
        return email if isinstance(email, str) else None
    return str(first)


def _secrets(kind: ScriptKind, args: list[Any]) -> tuple[str, ...]:
    """The passwords an invocation is given, which its console lines must not show."""
    if kind in ("login", "change_password") and len(args) > 1 and isinstance(args[1], str):
        return (args[1],)
    if kind == "create" and args and isinstance(args[0], dict):
        password = args[0].get("password")
        return (password,) if isinstance(password, str) else ()
    return ()


def tenant_event(
    type_: str,
    caller: Caller | None,
    *,
    connection: str | None = None,
    user_id: str | None = None,
    user_name: str | None = None,
    description: str | None = None,
    details: dict[str, Any] | None = None,
) -> NewLog:
    """A tenant log event to store, possibly in the same transaction as what it records."""
    return NewLog(
        type=type_,
        description=description,
        connection=connection,
        client_id=None if caller is None else caller.client_id,
        client_name=None if caller is None else caller.client_name,
        ip=None if caller is None else caller.ip,
        user_agent=None if caller is None else caller.user_agent,
        user_id=user_id,
        user_name=user_name,
        details=details or {},
    )


async def announce(logged: TenantLog) -> None:
    """Write a stored tenant event to the service log."""
    _log.info(
        "user_migrated" if logged.type == "migration" else "tenant_event",
        type=logged.type,
        log_id=logged.log_id,
        connection=logged.connection,
        user_id=logged.user_id,
        description=logged.description,
    )


def failure(
    connection: ConnectionSettings,
    kind: ScriptKind,
    outcome: Outcome,
    *,
    secrets: tuple[str, ...] = (),
) -> ScriptFailedError:
    """The error a request ends with when a script failed in a way the flow cannot use.

    The script's own error message is passed on, with ``secrets`` (the passwords the script
    was given) blanked out should the script have put them in it.
    """
    if outcome.status == "timeout":
        detail = (
            f"it did not call back within {connection.timeout_seconds:g} s; check that every "
            "path of the script calls callback, and that the legacy store answers"
        )
    elif outcome.error is not None:
        detail = f"{outcome.error.name}: {outcome.error.message}"
    else:
        detail = f"it ended with {outcome.status}"
    for secret in secrets:
        if secret:
            detail = detail.replace(secret, "[redacted]")
    return ScriptFailedError(connection.name, kind, detail)
