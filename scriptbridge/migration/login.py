"""Logging a user in: from the store when migrated, else through the login script, which
migrates the user (import mode) or is asked every time (legacy mode)."""

from __future__ import annotations

import time

import structlog

from scriptbridge.errors import (
    ApiError,
    BlockedUserError,
    DuplicateUserError,
    ScriptFailedError,
    WrongCredentialsError,
)
from scriptbridge.migration.profile import ProfileError, new_user_from_profile
from scriptbridge.migration.services import Caller, Services, failure, tenant_event
from scriptbridge.passwords import hash_password, verify_password
from scriptbridge.settings import ConnectionSettings
from scriptbridge.store import NewLog, NewUser, User, UserChanges

_log = structlog.get_logger("scriptbridge.migration")


class _RefusedError(WrongCredentialsError):
    """Wrong credentials, with what the tenant log records about them."""

    def __init__(self, log_type: str, user_id: str | None = None) -> None:
        self.log_type = log_type
        self.user_id = user_id
        super().__init__()


class ScriptUnauthorizedError(ApiError):
    """The login script refused the user with UnauthorizedError (e.g. a disabled account)."""

    status = 401
    code = "unauthorized"
    name = "UnauthorizedError"


async def login(
    svc: Services, connection: ConnectionSettings, identifier: str, password: str, caller: Caller
) -> User:
    """The user, logged in; raises WrongCredentialsError, BlockedUserError,
    TooManyAttemptsError or ScriptFailedError."""
    started = time.perf_counter()
    await svc.guard.check(connection.name, identifier, caller.ip)
    try:
        if connection.import_mode:
            user = await _import_mode(svc, connection, identifier, password, caller)
        else:
            user = await _legacy_mode(svc, connection, identifier, password)
        if user.blocked:
            raise BlockedUserError()
    except _RefusedError as refused:
        await svc.event(
            refused.log_type,
            caller,
            connection=connection.name,
            user_id=refused.user_id,
            user_name=identifier,
            description="Wrong email or password.",
        )
        if await svc.guard.failed(connection.name, identifier, caller.ip):
            await svc.event(
                "limit_wc",
                caller,
                connection=connection.name,
                user_id=refused.user_id,
                user_name=identifier,
                description="Blocked account after too many failed login attempts from one IP",
            )
        await svc.guard.pad(connection.name, started)
        raise
    except ApiError as error:
        await svc.event(
            "f", caller, connection=connection.name, user_name=identifier, description=str(error)
        )
        raise
    await svc.guard.succeeded(connection.name, identifier, caller.ip)
    logged_in = await svc.store.record_login(user.user_id, caller.ip)
    user = logged_in or user
    await svc.event(
        "s",
        caller,
        connection=connection.name,
        user_id=user.user_id,
        user_name=identifier,
        description="Successful login",
    )
    return user


async def _import_mode(
    svc: Services, connection: ConnectionSettings, identifier: str, password: str, caller: Caller
) -> User:
    stored = await svc.store.find_user(connection.name, identifier)
    if stored is not None and stored.password_hash is not None:
        if not await verify_password(password, stored.password_hash):
            raise _RefusedError("fp", stored.user_id)
        return stored
    profile = await _run_login_script(svc, connection, identifier, password)
    new = _new_user(connection, profile, await hash_password(password, svc.rounds), identifier)
    event = tenant_event(
        "migration",
        caller,
        connection=connection.name,
        user_id=new.user_id,
        user_name=identifier,
        description="User migrated from the legacy store by the login script",
        details={"script": "login"},
    )
    try:
        user = await svc.store.create_user(new, event=event)
    except DuplicateUserError:
        return await _already_migrated(svc, connection, new, identifier, password)
    await announce_migration(user, event)
    return user


async def announce_migration(user: User, event: NewLog) -> None:
    """Log a migration whose tenant event was stored with the user."""
    _log.info(
        "user_migrated",
        connection=event.connection,
        user_id=user.user_id,
        script=event.details.get("script"),
    )


async def _already_migrated(
    svc: Services, connection: ConnectionSettings, new: NewUser, identifier: str, password: str
) -> User:
    """The user the script found is in the store after all: another first login of the same
    person won the race, or the store has a legacy-mode record of the user."""
    existing = await svc.store.get_user(new.user_id) or await svc.store.find_user(
        connection.name, identifier
    )
    if existing is not None and existing.user_id == new.user_id:
        if existing.password_hash is None:
            updated = await svc.store.update_user(
                existing.user_id, UserChanges(password_hash=new.password_hash)
            )
            if updated is not None:
                return updated
        elif await verify_password(password, existing.password_hash):
            return existing
    raise ScriptFailedError(
        connection.name,
        "login",
        "the profile it returned collides with another user in the store (the same user_id, "
        "email or username); make login return the same user_id for the same person",
    )


async def _legacy_mode(
    svc: Services, connection: ConnectionSettings, identifier: str, password: str
) -> User:
    """Import mode off: the script decides every time; the store keeps a profile record."""
    profile = await _run_login_script(svc, connection, identifier, password)
    new = _new_user(connection, profile, None, identifier)
    return await upsert_profile_record(svc, new)


async def upsert_profile_record(svc: Services, new: NewUser) -> User:
    """Create or refresh the profile record of a legacy-mode user (no password)."""
    existing = await svc.store.get_user(new.user_id)
    if existing is None:
        try:
            return await svc.store.create_user(new)
        except DuplicateUserError:
            existing = await svc.store.get_user(new.user_id)
            if existing is None:
                raise
    updated = await svc.store.update_user(
        existing.user_id,
        UserChanges(
            email=new.email,
            username=new.username,
            email_verified=new.email_verified,
            name=new.name,
            nickname=new.nickname,
            given_name=new.given_name,
            family_name=new.family_name,
            picture=new.picture,
            attributes=new.attributes,
        ),
    )
    return updated or existing


async def _run_login_script(
    svc: Services, connection: ConnectionSettings, identifier: str, password: str
) -> dict[str, object]:
    outcome = await svc.invoke(connection, "login", [identifier, password])
    if outcome.status == "result":
        profile: dict[str, object] = outcome.result
        return profile
    if outcome.status == "no_result":
        raise _RefusedError("fu")
    error = outcome.error
    if error is not None and error.name == "WrongUsernameOrPasswordError":
        named = error.data.get("user_id")
        raise _RefusedError("fp" if named else "fu", None if not named else f"auth0|{named}")
    if error is not None and error.name == "UnauthorizedError":
        raise ScriptUnauthorizedError(error.message.replace(password, "[redacted]"))
    raise failure(connection, "login", outcome, secrets=(password,))


def _new_user(
    connection: ConnectionSettings,
    profile: dict[str, object],
    password_hash: str | None,
    identifier: str,
) -> NewUser:
    try:
        return new_user_from_profile(
            connection.name,
            dict(profile),
            password_hash=password_hash,
            migrated_by="login" if password_hash is not None else "legacy",
            requires_username=connection.requires_username,
            fallback_email=identifier,
        )
    except ProfileError as error:
        raise ScriptFailedError(
            connection.name, "login", f"the profile it returned cannot be stored: {error}"
        ) from None
