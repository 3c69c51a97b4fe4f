"""The records the identity store keeps: users, password-change tickets, signing keys, failed
attempts, tenant log events and scripts' console lines. Plain frozen dataclasses; no SQL here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, NewType

#: The id of a script's console line in the log stream: increasing, never reused.
ScriptLogId = NewType("ScriptLogId", int)
#: A console line's level, lowest first.
ScriptLogLevel = Literal["debug", "info", "warn", "error"]
#: A root user id as Auth0 shows it: ``auth0|<id the script returned>``.
UserId = NewType("UserId", str)
#: How a user came into the store.
MigratedBy = Literal["login", "get_user", "native", "legacy"]
#: ``login``/``get_user``: moved from the legacy store by that script (import mode);
#: ``native``: signed up or created here; ``legacy``: a profile record of legacy mode
#: (the legacy store keeps the password).

#: Profile attributes the store keeps in columns of their own; everything else a script
#: returned stays in ``User.attributes``.
PROFILE_COLUMNS = ("name", "nickname", "given_name", "family_name", "picture")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """Auth0's timestamp form: ``2024-01-01T10:00:00.000Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def root_id(bare_id: str) -> UserId:
    return UserId(f"auth0|{bare_id}")


@dataclass(frozen=True)
class User:
    """One user of one connection."""

    user_id: UserId
    connection: str
    email: str | None
    username: str | None
    email_verified: bool
    #: bcrypt hash; None in legacy mode, where the legacy store keeps the password.
    password_hash: str | None = field(repr=False)
    name: str | None
    nickname: str | None
    given_name: str | None
    family_name: str | None
    picture: str | None
    #: Other top-level attributes of the profile the script returned (JSON values).
    attributes: dict[str, Any]
    user_metadata: dict[str, Any]
    app_metadata: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    last_login: dt.datetime | None
    last_ip: str | None
    logins_count: int
    blocked: bool
    migrated_by: MigratedBy
    migrated_at: dt.datetime | None

    @property
    def bare_id(self) -> str:
        """The id without ``auth0|``, as identities and the delete script see it."""
        return self.user_id.split("|", 1)[1]

    def as_auth0(self) -> dict[str, Any]:
        """The user as Auth0's Management API shows it (never the password hash)."""
        shown: dict[str, Any] = {**self.attributes}
        shown.update(
            {
                "user_id": self.user_id,
                "email": self.email,
                "email_verified": self.email_verified,
                "username": self.username,
                "name": self.name,
                "nickname": self.nickname,
                "given_name": self.given_name,
                "family_name": self.family_name,
                "picture": self.picture,
                "user_metadata": self.user_metadata,
                "app_metadata": self.app_metadata,
                "identities": [
                    {
                        "connection": self.connection,
                        "provider": "auth0",
                        "user_id": self.bare_id,
                        "isSocial": False,
                    }
                ],
                "created_at": iso(self.created_at),
                "updated_at": iso(self.updated_at),
                "last_login": None if self.last_login is None else iso(self.last_login),
                "last_ip": self.last_ip,
                "logins_count": self.logins_count,
                "blocked": self.blocked,
            }
        )
        return {key: value for key, value in shown.items() if value is not None}


@dataclass(frozen=True)
class NewUser:
    """A user to create: everything in one transaction, or nothing."""

    user_id: UserId
    connection: str
    email: str | None
    username: str | None
    email_verified: bool
    password_hash: str | None = field(repr=False)
    migrated_by: MigratedBy
    name: str | None = None
    nickname: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)
    app_metadata: dict[str, Any] = field(default_factory=dict)


#: A field left out of an update.
class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class UserChanges:
    """Fields to change on a user; UNSET ones are left alone. Metadata is replaced as given
    (the caller merges, as Auth0 does)."""

    email: str | None = UNSET
    username: str | None = UNSET
    email_verified: bool = UNSET
    password_hash: str | None = UNSET
    name: str | None = UNSET
    nickname: str | None = UNSET
    given_name: str | None = UNSET
    family_name: str | None = UNSET
    picture: str | None = UNSET
    attributes: dict[str, Any] = UNSET
    user_metadata: dict[str, Any] = UNSET
    app_metadata: dict[str, Any] = UNSET
    blocked: bool = UNSET


@dataclass(frozen=True)
class Ticket:
    """A single-use, expiring password-change ticket.

    ``user_id`` is set for a user in the store; for one only the legacy store knows (found by
    get_user), ``user_id`` is None and ``profile`` holds get_user's profile, migrated when the
    ticket is used.
    """

    #: The secret in the ticket's URL: kept out of repr.
    ticket_id: str = field(repr=False)
    connection: str
    email: str
    user_id: UserId | None
    profile: dict[str, Any] | None
    created_at: dt.datetime
    expires_at: dt.datetime
    result_url: str | None = None
    used_at: dt.datetime | None = None


@dataclass(frozen=True)
class SigningKey:
    """An RS256 key the service signs tokens with; the newest one signs."""

    kid: str
    #: Kept out of repr, so that no traceback or log line shows it.
    private_pem: str = field(repr=False)
    created_at: dt.datetime = field(default_factory=now)


@dataclass(frozen=True)
class NewLog:
    """A tenant log event to append; the store gives it its id and date."""

    type: str
    description: str | None = None
    connection: str | None = None
    client_id: str | None = None
    client_name: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TenantLog(NewLog):
    """One stored tenant log event (Auth0's /api/v2/logs entries): the event, with the id
    (increasing) and the time the store gave it."""

    log_id: str
    date: dt.datetime

    def as_auth0(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "log_id": self.log_id,
            "_id": self.log_id,
            "date": iso(self.date),
            "type": self.type,
            "description": self.description,
            "connection": self.connection,
            "client_id": self.client_id,
            "client_name": self.client_name,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "strategy": "auth0",
            "strategy_type": "database",
            "details": self.details,
        }
        return {key: value for key, value in shown.items() if value is not None}


@dataclass(frozen=True)
class ScriptLogRecord:
    """One console line of a script (or an uncaught error of one), as the log stream shows and
    the store keeps it. Its message was redacted before it was recorded."""

    id: ScriptLogId
    time: dt.datetime
    level: ScriptLogLevel
    connection: str
    #: The script kind (login, get_user, ...); None for a line printed while the script loaded.
    script: str | None
    invocation_id: str | None
    #: Who the invocation was about (the email or id its caller named), when known.
    subject: str | None
    message: str

    def as_json(self) -> dict[str, Any]:
        """The line as the stream sends it: every key, ``time`` as ``2024-01-01T10:00:00.000Z``."""
        return {
            "id": self.id,
            "time": iso(self.time),
            "level": self.level,
            "connection": self.connection,
            "script": self.script,
            "invocation_id": self.invocation_id,
            "subject": self.subject,
            "message": self.message,
        }
