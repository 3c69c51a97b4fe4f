"""A profile a login or get_user script returned, turned into a user of the store."""

from __future__ import annotations

from typing import Any, Final

from scriptbridge.store import PROFILE_COLUMNS, MigratedBy, NewUser, root_id

#: Keys of a profile that are not attributes: the id, the fields with columns of their own,
#: and anything that looks like a credential. Scripts that spread a whole database row into
#: the profile would otherwise copy the legacy password hash into the new store.
_NOT_ATTRIBUTES: Final = frozenset(
    {
        "user_id",
        "id",
        "_id",
        "email",
        "username",
        "email_verified",
        "user_metadata",
        "app_metadata",
        "metadata",
        "identities",
        "blocked",
        "logins_count",
        "last_login",
        "last_ip",
        "created_at",
        "updated_at",
        *PROFILE_COLUMNS,
    }
)
_CREDENTIAL_WORDS: Final = ("password", "passwd", "hash", "salt", "secret")


class ProfileError(ValueError):
    """A profile the store cannot take; the message says what to change in the script."""


def new_user_from_profile(
    connection: str,
    profile: dict[str, Any],
    *,
    password_hash: str | None,
    migrated_by: MigratedBy,
    requires_username: bool,
    fallback_email: str | None = None,
) -> NewUser:
    """The user to create from a profile (whose ``user_id`` the engine has checked).

    ``fallback_email`` is the identifier the user typed, used when the profile has no email
    and the identifier is one.
    """
    email = _optional_text(profile, "email")
    if email is None and fallback_email is not None and "@" in fallback_email:
        email = fallback_email
    username = _optional_text(profile, "username")
    if requires_username and username is None:
        raise ProfileError(
            "the connection requires usernames, but the profile has no username; "
            "add username to the profile the script returns"
        )
    user_metadata = _metadata(profile, "user_metadata")
    app_metadata = _metadata(profile, "app_metadata")
    if not app_metadata and "metadata" in profile:  # older Auth0 docs' name for app_metadata
        app_metadata = _metadata(profile, "metadata")
    columns = {key: _optional_text(profile, key) for key in PROFILE_COLUMNS}
    return NewUser(
        user_id=root_id(str(profile["user_id"])),
        connection=connection,
        email=email,
        username=username,
        email_verified=profile.get("email_verified") is True,
        password_hash=password_hash,
        migrated_by=migrated_by,
        name=columns["name"],
        nickname=columns["nickname"],
        given_name=columns["given_name"],
        family_name=columns["family_name"],
        picture=columns["picture"],
        attributes={
            key: value
            for key, value in profile.items()
            if key not in _NOT_ATTRIBUTES and not _looks_like_credential(key)
        },
        user_metadata=user_metadata,
        app_metadata=app_metadata,
    )


def _looks_like_credential(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _CREDENTIAL_WORDS)


def _optional_text(profile: dict[str, Any], key: str) -> str | None:
    value = profile.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ProfileError(f"its {key} must be a string, not {_json_type(value)}")
    return str(value)


def _metadata(profile: dict[str, Any], key: str) -> dict[str, Any]:
    value = profile.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProfileError(f"its {key} must be an object, not {_json_type(value)}")
    return value


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a number" if isinstance(value, int | float) else type(value).__name__
