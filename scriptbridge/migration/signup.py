"""Signing a new user up: refused when the store or the legacy store knows the user; else
created here (import mode) or by the create script (legacy mode)."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from scriptbridge.errors import (
    ApiError,
    DuplicateUserError,
    InvalidRequestError,
    ScriptFailedError,
    UserExistsError,
    UsernameExistsError,
)
from scriptbridge.migration.login import upsert_profile_record
from scriptbridge.migration.profile import ProfileError, new_user_from_profile
from scriptbridge.migration.services import Caller, Services, failure, strong_enough
from scriptbridge.passwords import hash_password
from scriptbridge.settings import ConnectionSettings
from scriptbridge.store import NewUser, User, root_id


async def signup(
    svc: Services,
    connection: ConnectionSettings,
    *,
    email: str,
    password: str,
    username: str | None,
    profile: dict[str, str],
    user_metadata: dict[str, Any],
    caller: Caller,
) -> User:
    """The new user. ``profile`` holds the optional name fields of Auth0's signup body."""
    try:
        user = await _signup(
            svc, connection, email, password, username, profile, user_metadata, caller
        )
    except ApiError as error:
        await svc.event(
            "fs", caller, connection=connection.name, user_name=email, description=str(error)
        )
        raise
    await svc.event(
        "ss",
        caller,
        connection=connection.name,
        user_id=user.user_id,
        user_name=email,
        description="Successful signup",
    )
    return user


async def _signup(
    svc: Services,
    connection: ConnectionSettings,
    email: str,
    password: str,
    username: str | None,
    profile: dict[str, str],
    user_metadata: dict[str, Any],
    caller: Caller,
) -> User:
    if connection.requires_username and not username:
        raise InvalidRequestError("missing username for a connection that requires usernames")
    strong_enough(connection, password, email=email, username=username)
    exists = UserExistsError(connection.signup_exists_error)
    if await svc.store.find_user(connection.name, email) is not None:
        raise exists
    if username and await svc.store.find_user(connection.name, username) is not None:
        raise UsernameExistsError()
    for identifier in (email, username):
        if identifier and await _legacy_store_knows(svc, connection, identifier):
            raise exists
    if not connection.import_mode:
        return await _create_in_legacy_store(
            svc, connection, email, password, username, profile, user_metadata, caller
        )
    new = NewUser(
        user_id=root_id(secrets.token_hex(12)),
        connection=connection.name,
        email=email,
        username=username,
        email_verified=False,
        password_hash=await hash_password(password, svc.rounds),
        migrated_by="native",
        user_metadata=user_metadata,
        name=profile.get("name"),
        nickname=profile.get("nickname"),
        given_name=profile.get("given_name"),
        family_name=profile.get("family_name"),
        picture=profile.get("picture"),
    )
    try:
        return await svc.store.create_user(new)
    except DuplicateUserError as duplicate:  # a concurrent signup or first login won
        raise (UsernameExistsError() if duplicate.field == "username" else exists) from None


async def _legacy_store_knows(
    svc: Services, connection: ConnectionSettings, identifier: str
) -> bool:
    outcome = await svc.invoke(connection, "get_user", [identifier])
    if outcome.status == "result":
        return True
    if outcome.status == "no_result":
        return False
    raise failure(connection, "get_user", outcome)


async def _create_in_legacy_store(
    svc: Services,
    connection: ConnectionSettings,
    email: str,
    password: str,
    username: str | None,
    profile: dict[str, str],
    user_metadata: dict[str, Any],
    caller: Caller,
) -> User:
    """Legacy mode: the create script stores the user, then the login script must accept it."""
    user: dict[str, Any] = {
        "email": email,
        "password": password,
        "tenant": "scriptbridge",
        "client_id": caller.client_id,
        "connection": connection.name,
        **profile,
    }
    if username:
        user["username"] = username
    if user_metadata:
        user["user_metadata"] = user_metadata
    created = await svc.invoke(connection, "create", [user])
    error = created.error
    if error is not None and (error.code == "user_exists" or "exists" in error.message.lower()):
        raise UserExistsError(connection.signup_exists_error)
    if created.status in ("error", "timeout"):
        raise failure(connection, "create", created, secrets=(password,))
    logged_in = await svc.invoke(connection, "login", [email, password])
    if logged_in.status != "result":
        raise ScriptFailedError(
            connection.name,
            "login",
            "it did not accept the user the create script just created; login and create "
            "must agree on where users are stored",
        )
    try:
        new = new_user_from_profile(
            connection.name,
            dict(logged_in.result),
            password_hash=None,
            migrated_by="legacy",
            requires_username=connection.requires_username,
            fallback_email=email,
        )
    except ProfileError as error:
        raise ScriptFailedError(
            connection.name, "login", f"the profile it returned cannot be stored: {error}"
        ) from None
    new = dataclasses.replace(new, user_metadata=new.user_metadata or user_metadata)
    return await upsert_profile_record(svc, new)
