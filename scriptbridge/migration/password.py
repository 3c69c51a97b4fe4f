"""Password changes: tickets asked for by the user or issued by an operator, and their
completion, which migrates a user the store does not have yet (import mode) or runs the
change_password script (legacy mode)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from scriptbridge.errors import (
    ApiError,
    DuplicateUserError,
    InvalidTicketError,
    ScriptFailedError,
)
from scriptbridge.migration.login import announce_migration
from scriptbridge.migration.profile import ProfileError, new_user_from_profile
from scriptbridge.migration.services import (
    Caller,
    Services,
    confirm,
    failure,
    strong_enough,
    tenant_event,
)
from scriptbridge.passwords import hash_password
from scriptbridge.settings import ConnectionSettings
from scriptbridge.store import NewUser, Ticket, User, UserChanges, now

#: What /dbconnections/change_password answers, whether or not the user exists.
REQUEST_ANSWER = "We've just sent you an email to reset your password."


async def request_change(
    svc: Services, connection: ConnectionSettings, email: str, caller: Caller
) -> None:
    """Send a reset ticket to a user of the store, or to one the get_user script finds.
    Says nothing about whether the user exists; the tenant log does."""
    try:
        user = await svc.store.find_user(connection.name, email)
        if user is not None and user.email:
            await issue_ticket(svc, connection, email=user.email, user=user)
        else:
            profile = await legacy_profile(svc, connection, email)
            if profile is None:
                await svc.event(
                    "fcpr",
                    caller,
                    connection=connection.name,
                    user_name=email,
                    description="No user with this email in the store or the legacy store",
                )
                return
            await issue_ticket(svc, connection, email=email, profile=profile)
    except ApiError as error:
        await svc.event(
            "fcpr", caller, connection=connection.name, user_name=email, description=str(error)
        )
        return
    await svc.event(
        "scpr",
        caller,
        connection=connection.name,
        user_id=None if user is None else user.user_id,
        user_name=email,
        description="Password change ticket sent",
    )


async def issue_ticket(
    svc: Services,
    connection: ConnectionSettings,
    *,
    email: str,
    user: User | None = None,
    profile: dict[str, Any] | None = None,
    result_url: str | None = None,
    ttl_seconds: int | None = None,
    deliver: bool = True,
) -> str:
    """Create a ticket and return its URL; ``deliver`` sends it through the outbox."""
    created = now()
    lifetime = ttl_seconds or svc.settings.server.ticket_lifetime_seconds
    ticket = Ticket(
        ticket_id=secrets.token_urlsafe(32),
        connection=connection.name,
        email=email,
        user_id=None if user is None else user.user_id,
        profile=profile,
        created_at=created,
        expires_at=created + dt.timedelta(seconds=lifetime),
        result_url=result_url,
    )
    await svc.store.add_ticket(ticket)
    url = f"{svc.issuer}lo/reset?ticket={ticket.ticket_id}#"
    if deliver:
        await svc.outbox.deliver("password_change", email, url)
    return url


async def usable_ticket(svc: Services, ticket_id: str) -> Ticket:
    """The ticket, provided it can still be used; else InvalidTicketError."""
    ticket = await svc.store.get_ticket(ticket_id) if ticket_id else None
    if ticket is None or ticket.used_at is not None or ticket.expires_at <= now():
        raise InvalidTicketError()
    return ticket


async def complete_change(
    svc: Services, ticket_id: str, new_password: str, caller: Caller
) -> Ticket:
    """Set the ticket's user's password to ``new_password``; returns the used ticket."""
    ticket = await usable_ticket(svc, ticket_id)
    connection = svc.connection(ticket.connection)
    try:
        user = await _complete(svc, connection, ticket, new_password)
    except ApiError as error:
        await svc.event(
            "fcp",
            caller,
            connection=connection.name,
            user_id=ticket.user_id,
            user_name=ticket.email,
            description=str(error),
        )
        raise
    await svc.guard.forget(connection.name, (ticket.email, user.username))
    await svc.event(
        "scp",
        caller,
        connection=connection.name,
        user_id=user.user_id,
        user_name=ticket.email,
        description="Password changed",
    )
    return ticket


async def _complete(
    svc: Services, connection: ConnectionSettings, ticket: Ticket, new_password: str
) -> User:
    strong_enough(connection, new_password, email=ticket.email)
    if not connection.import_mode:
        return await _complete_in_legacy_store(svc, connection, ticket, new_password)
    password_hash = await hash_password(new_password, svc.rounds)
    if ticket.user_id is not None:
        done = await svc.store.redeem_ticket(
            ticket.ticket_id, change=(ticket.user_id, UserChanges(password_hash=password_hash))
        )
        if done is None:
            raise InvalidTicketError()
        return done
    # Not migrated yet: get_user's profile now, with the new password (Auth0's reset path).
    profile = await legacy_profile(svc, connection, ticket.email)
    if profile is None:
        raise ScriptFailedError(
            connection.name, "get_user", "it no longer finds the user this ticket was for"
        )
    new = _new_user(connection, profile, password_hash, "get_user", ticket.email)
    event = tenant_event(
        "migration",
        None,
        connection=connection.name,
        user_id=new.user_id,
        user_name=ticket.email,
        description="User migrated from the legacy store by get_user during a password reset",
        details={"script": "get_user"},
    )
    try:
        done = await svc.store.redeem_ticket(ticket.ticket_id, create=new, event=event)
    except DuplicateUserError:  # migrated by a login since the ticket was issued
        done = await svc.store.redeem_ticket(
            ticket.ticket_id, change=(new.user_id, UserChanges(password_hash=password_hash))
        )
        if done is None:
            raise InvalidTicketError() from None
        return done
    if done is None:
        raise InvalidTicketError()
    await announce_migration(done, event)
    return done


async def _complete_in_legacy_store(
    svc: Services, connection: ConnectionSettings, ticket: Ticket, new_password: str
) -> User:
    await confirm(
        svc,
        connection,
        "change_password",
        [ticket.email, new_password],
        "the password was not changed",
        secrets=(new_password,),
    )
    record = (
        await svc.store.get_user(ticket.user_id)
        if ticket.user_id is not None
        else await svc.store.find_user(connection.name, ticket.email)
    )
    if record is not None:
        done = await svc.store.redeem_ticket(
            ticket.ticket_id, change=(record.user_id, UserChanges())
        )
    else:
        profile = ticket.profile or await legacy_profile(svc, connection, ticket.email)
        if profile is None:
            raise InvalidTicketError()
        done = await svc.store.redeem_ticket(
            ticket.ticket_id, create=_new_user(connection, profile, None, "legacy", ticket.email)
        )
    if done is None:
        raise InvalidTicketError()
    return done


async def legacy_profile(
    svc: Services, connection: ConnectionSettings, email: str
) -> dict[str, Any] | None:
    outcome = await svc.invoke(connection, "get_user", [email])
    if outcome.status == "result":
        profile: dict[str, Any] = outcome.result
        return profile
    if outcome.status == "no_result":
        return None
    raise failure(connection, "get_user", outcome)


def _new_user(
    connection: ConnectionSettings,
    profile: dict[str, Any],
    password_hash: str | None,
    migrated_by: str,
    email: str,
) -> NewUser:
    try:
        return new_user_from_profile(
            connection.name,
            profile,
            password_hash=password_hash,
            migrated_by="get_user" if migrated_by == "get_user" else "legacy",
            requires_username=connection.requires_username,
            fallback_email=email,
        )
    except ProfileError as error:
        raise ScriptFailedError(
            connection.name, "get_user", f"the profile it returned cannot be stored: {error}"
        ) from None
