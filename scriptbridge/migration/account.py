"""Operations on a known user: email verification, deletion and email change. In legacy mode
each runs its script first (verify, delete, change_email); in import mode the store decides,
and an email change asks get_user whether the legacy store has the new address."""

from __future__ import annotations

from scriptbridge.errors import (
    ScriptFailedError,
    UserExistsError,
)
from scriptbridge.migration.services import Caller, Services, confirm, failure, strong_enough
from scriptbridge.passwords import hash_password
from scriptbridge.settings import ConnectionSettings
from scriptbridge.store import User, UserChanges


async def verify_email(svc: Services, connection: ConnectionSettings, user: User) -> User:
    """Mark the user's email verified; legacy mode asks the verify script first."""
    if not connection.import_mode and user.email:
        await confirm(svc, connection, "verify", [user.email], "the email was not verified")
    updated = await svc.store.update_user(user.user_id, UserChanges(email_verified=True))
    return updated or user


async def delete_user(
    svc: Services, connection: ConnectionSettings, user: User, caller: Caller | None
) -> None:
    """Delete the user; legacy mode runs the delete script (with the id without ``auth0|``)
    first, and keeps the user when it fails."""
    if not connection.import_mode:
        outcome = await svc.invoke(connection, "delete", [user.bare_id])
        if outcome.status in ("error", "timeout"):
            await svc.event(
                "fdu",
                caller,
                connection=connection.name,
                user_id=user.user_id,
                description=str(failure(connection, "delete", outcome)),
            )
            raise failure(connection, "delete", outcome)
    await svc.store.delete_user(user.user_id)
    await svc.event(
        "du",
        caller,
        connection=connection.name,
        user_id=user.user_id,
        user_name=user.email,
        description="Deleted user",
    )
    await svc.event(
        "sdu",
        caller,
        connection=connection.name,
        user_id=user.user_id,
        user_name=user.email,
        description="User deleted",
    )


async def change_email(
    svc: Services, connection: ConnectionSettings, user: User, new_email: str, verified: bool
) -> User:
    """Give the user a new email address."""
    if connection.import_mode:
        await _legacy_store_must_not_know(svc, connection, user, new_email)
    elif user.email:
        await confirm(
            svc,
            connection,
            "change_email",
            [user.email, new_email, verified],
            "the email was not changed",
        )
    updated = await svc.store.update_user(
        user.user_id, UserChanges(email=new_email, email_verified=verified)
    )
    return updated or user


async def change_username(
    svc: Services, connection: ConnectionSettings, user: User, new_username: str
) -> User:
    """Give the user a new username; in import mode get_user must not know it."""
    if connection.import_mode:
        await _legacy_store_must_not_know(svc, connection, user, new_username)
    updated = await svc.store.update_user(user.user_id, UserChanges(username=new_username))
    return updated or user


async def set_password(
    svc: Services, connection: ConnectionSettings, user: User, new_password: str
) -> User:
    """An operator's password change: stored here (import mode) or by change_password."""
    strong_enough(connection, new_password, email=user.email, username=user.username)
    if not connection.import_mode:
        if not user.email:
            raise ScriptFailedError(
                connection.name, "change_password", "the user has no email to pass to it"
            )
        await confirm(
            svc,
            connection,
            "change_password",
            [user.email, new_password],
            "the password was not changed",
            secrets=(new_password,),
        )
        return user
    password_hash = await hash_password(new_password, svc.rounds)
    updated = await svc.store.update_user(user.user_id, UserChanges(password_hash=password_hash))
    return updated or user


async def set_blocked(
    svc: Services, connection: ConnectionSettings, user: User, blocked: bool
) -> User:
    """Block or unblock; unblocking also lifts brute-force blocks from every IP."""
    updated = await svc.store.update_user(user.user_id, UserChanges(blocked=blocked))
    if not blocked:
        await svc.guard.forget(connection.name, (user.email, user.username))
    return updated or user


async def _legacy_store_must_not_know(
    svc: Services, connection: ConnectionSettings, user: User, identifier: str
) -> None:
    """Refuse an email or username the legacy store gives to someone else (the user's own
    legacy record, as in a change of case only, is no conflict)."""
    outcome = await svc.invoke(connection, "get_user", [identifier])
    if outcome.status == "result":
        if str(outcome.result.get("user_id")) != user.bare_id:
            raise UserExistsError("user_exists")
    elif outcome.status != "no_result":
        raise failure(connection, "get_user", outcome)
