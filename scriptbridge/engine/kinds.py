"""The kinds of action script and the positional arguments each receives (Auth0's contract)."""

from __future__ import annotations

from typing import Final, Literal, get_args

ScriptKind = Literal[
    "login",
    "get_user",
    "create",
    "verify",
    "change_password",
    "delete",
    "change_email",
    "count_users",
]

KINDS: Final[tuple[ScriptKind, ...]] = get_args(ScriptKind)

#: The arguments before the callback (and before ``context`` when the connection passes one).
ARGUMENTS: Final[dict[ScriptKind, tuple[str, ...]]] = {
    "login": ("email", "password"),
    "get_user": ("email",),
    "create": ("user",),
    "verify": ("email",),
    "change_password": ("email", "new_password"),
    "delete": ("id",),
    "change_email": ("email", "new_email", "verified"),
    # A scriptbridge extension, not an Auth0 kind: `function countUsers(callback)` answers how
    # many users the legacy store holds, for the migration's progress figure.
    "count_users": (),
}

#: Kinds whose successful result is a user profile that must identify the user.
PROFILE_KINDS: Final[frozenset[ScriptKind]] = frozenset({"login", "get_user"})


def is_kind(name: str) -> bool:
    return name in ARGUMENTS
