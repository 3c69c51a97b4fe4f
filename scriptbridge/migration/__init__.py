"""The migration flows of Auth0's custom-database connections: import mode (users move into
the store on first login, signup check or password reset) and legacy mode (every operation
runs its script)."""

from __future__ import annotations

from scriptbridge.migration.account import (
    change_email,
    change_username,
    delete_user,
    set_blocked,
    set_password,
    verify_email,
)
from scriptbridge.migration.guard import Guard
from scriptbridge.migration.login import ScriptUnauthorizedError, login
from scriptbridge.migration.outbox import Outbox, StoreOutbox
from scriptbridge.migration.password import (
    REQUEST_ANSWER,
    complete_change,
    issue_ticket,
    legacy_profile,
    request_change,
    usable_ticket,
)
from scriptbridge.migration.services import Caller, ScriptStats, Services
from scriptbridge.migration.signup import signup

__all__ = [
    "REQUEST_ANSWER",
    "Caller",
    "Guard",
    "Outbox",
    "ScriptStats",
    "ScriptUnauthorizedError",
    "Services",
    "StoreOutbox",
    "change_email",
    "change_username",
    "complete_change",
    "delete_user",
    "issue_ticket",
    "legacy_profile",
    "login",
    "request_change",
    "set_blocked",
    "set_password",
    "signup",
    "usable_ticket",
    "verify_email",
]
