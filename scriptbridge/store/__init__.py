"""The identity store: users, tickets, signing keys, failed attempts, tenant logs, scripts'
console lines."""

from __future__ import annotations

from scriptbridge.store.base import Store
from scriptbridge.store.query import Page, Query
from scriptbridge.store.records import (
    PROFILE_COLUMNS,
    UNSET,
    MigratedBy,
    NewLog,
    NewUser,
    ScriptLogId,
    ScriptLogLevel,
    ScriptLogRecord,
    SigningKey,
    TenantLog,
    Ticket,
    User,
    UserChanges,
    UserId,
    iso,
    now,
    root_id,
)
from scriptbridge.store.sqlite import SqliteStore

__all__ = [
    "PROFILE_COLUMNS",
    "UNSET",
    "MigratedBy",
    "NewLog",
    "NewUser",
    "Page",
    "Query",
    "ScriptLogId",
    "ScriptLogLevel",
    "ScriptLogRecord",
    "SigningKey",
    "SqliteStore",
    "Store",
    "TenantLog",
    "Ticket",
    "User",
    "UserChanges",
    "UserId",
    "iso",
    "now",
    "root_id",
]
