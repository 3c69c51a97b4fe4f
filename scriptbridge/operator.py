"""The operator's commands, without HTTP: a connection's migration status and its disconnection
from the legacy store, and the users of the store (list, search, show, delete).

Each command opens what it needs and closes it before returning: the store alone to read
users, the whole service core (``app.open_services``) to run scripts or change a connection.
A change saved here reaches a running ``scriptbridge serve`` on the same store within a few
seconds (it re-reads the connections' saved state). Nothing here prints: functions return
data and rendered text, and the command line (cli.py) prints them.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from scriptbridge import app, migration
from scriptbridge.connections import NOOP_SCRIPTS, Live
from scriptbridge.engine import KINDS
from scriptbridge.errors import ScriptbridgeError
from scriptbridge.migration.progress import status
from scriptbridge.settings import Settings
from scriptbridge.store import Page, Query, SqliteStore, User, UserId, iso, root_id

#: Characters of the progress bar between its brackets.
BAR_WIDTH: Final = 20
#: Where the status's longer lines wrap.
WIDTH: Final = 100
#: Days of the per-day table, today included.
DAYS: Final = 7
#: The tenant log event's description of a disconnection.
DISCONNECTED: Final = "Connection disconnected from the legacy store"
#: The columns of a users table, as the Management API names the fields.
USER_COLUMNS: Final = (
    "user_id",
    "email",
    "username",
    "migrated_by",
    "created_at",
    "last_login",
    "logins_count",
    "blocked",
)


# -- migration status and disconnect ---------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """One connection's migration progress: ``status`` is the JSON of
    ``GET /api/v2/connections/{id}/migration``; ``disconnected`` says whether the connection's
    login and get_user scripts are the no-op stubs."""

    status: dict[str, Any]
    disconnected: bool


async def migration_status(settings: Settings, names: Sequence[str]) -> list[Progress]:
    """The progress of the connections named (each must exist); runs count_users scripts."""
    async with app.open_services(settings, settings.server.public_url()) as svc:
        return [
            Progress(
                await status(svc, svc.connection(name)),
                _disconnected(svc.connections.live(name)),
            )
            for name in names
        ]


@dataclass(frozen=True)
class Disconnection:
    """What ``disconnect`` did: nothing when the connection already was disconnected, else
    switched the scripts and recorded the tenant log event ``log_id``."""

    connection: str
    changed: bool
    log_id: str | None = None


async def disconnect(settings: Settings, name: str) -> Disconnection:
    """Set the connection's login and get_user scripts to Auth0's no-op stubs, with import
    mode on, and record a ``sapi`` tenant log event; the connection must exist."""
    async with app.open_services(settings, settings.server.public_url()) as svc:
        svc.connection(name)  # UnknownConnectionApiError for a name the settings lack
        if _disconnected(svc.connections.live(name)):
            return Disconnection(name, changed=False)
        await svc.connections.change(name, {"scripts": dict(NOOP_SCRIPTS), "import_mode": True})
        logged = await svc.event(
            "sapi",
            None,
            connection=name,
            description=DISCONNECTED,
            details={"disconnect": True},
        )
        return Disconnection(name, changed=True, log_id=logged.log_id)


def disconnect_warning(progress: Progress) -> str | None:
    """What disconnecting would cost beyond the legacy store's unmigrated users, if anything."""
    legacy = progress.status["users"]["legacy_records"]
    if not legacy:
        return None
    return (
        f"{legacy} users of legacy mode have their password only in the legacy store: once "
        "disconnected, they cannot log in until they reset it"
    )


def render_disconnection(done: Disconnection) -> str:
    if not done.changed:
        return f"{done.connection} was already disconnected from the legacy store; nothing changed."
    return (
        f"Disconnected {done.connection} from the legacy store: its login and get_user scripts "
        f"are the no-op stubs now, and import mode is on (tenant log event {done.log_id}). A "
        "running scriptbridge serve on this store picks the change up within a few seconds."
    )


def _disconnected(live: Live | None) -> bool:
    return (
        live is not None
        and live.settings.import_mode
        and all(live.scripts.get(kind) == source for kind, source in NOOP_SCRIPTS.items())
    )


def render_status(progress: Progress, today: dt.date) -> str:
    """The progress as text: the state, a progress bar, users by how they came, the scripts'
    record and the last ``DAYS`` days (``today``, UTC, the last of them)."""
    answer = progress.status
    users = answer["users"]
    lines = [f"connection {answer['connection']}: {_state(progress)}"]
    rows = [
        ("migrated", _migrated(answer)),
        (
            "in the store",
            f"{users['total']} users: {users['by_login']} by the login script, "
            f"{users['by_get_user']} by get_user (password reset), {users['native']} native",
        ),
    ]
    if users["legacy_records"]:
        rows.append(
            (
                "legacy mode",
                f"{users['legacy_records']} profiles whose password the legacy store keeps",
            )
        )
    rows.append(("last migration", answer["last_migrated_at"] or "none yet"))
    lines += [
        textwrap.fill(f"  {label:<15} {text}", WIDTH, subsequent_indent=" " * 18)
        for label, text in rows
    ]
    lines += ["", *_indent(_scripts_table(answer["scripts"])), ""]
    lines += _indent(_days_table(answer["per_day"], today))
    return "\n".join(lines)


def _state(progress: Progress) -> str:
    if progress.disconnected:
        return "disconnected from the legacy store (no-op login and get_user scripts)"
    if progress.status["import_mode"]:
        return "import mode, users move here at their first login or password reset"
    return "legacy mode, every login asks the legacy store"


def _migrated(answer: Mapping[str, Any]) -> str:
    migrated = answer["users"]["migrated"]
    percent = answer["percent_migrated"]
    if percent is not None:
        return f"{bar(percent)}  {migrated} of {answer['legacy_total']} legacy users"
    why = answer.get("legacy_total_error")
    unknown = (
        f"the legacy total is unknown ({why})"
        if why
        else "the legacy total is unknown: give the connection a count_users script "
        "([connections.scripts] count_users = FILE), a scriptbridge extension: "
        "function countUsers(callback) that calls back with the legacy store's number of users"
    )
    return f"{migrated} users; {unknown}"


def bar(percent: float) -> str:
    """``[#########-----------] 45.0%``."""
    filled = min(BAR_WIDTH, int(BAR_WIDTH * percent / 100))
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {percent:.1f}%"


def _scripts_table(scripts: Mapping[str, Mapping[str, int]]) -> list[str]:
    if not scripts:
        return ["no script has run yet"]
    order = [kind for kind in KINDS if kind in scripts] + sorted(set(scripts) - set(KINDS))
    return table(
        ("script", "invocations", "errors", "timeouts"),
        [
            (kind, *(str(scripts[kind][key]) for key in ("invocations", "errors", "timeouts")))
            for kind in order
        ],
    )


def _days_table(per_day: Iterable[Mapping[str, Any]], today: dt.date) -> list[str]:
    by_date = {day["date"]: day for day in per_day}
    days = [(today - dt.timedelta(days=back)).isoformat() for back in range(DAYS - 1, -1, -1)]
    counts = [(day, by_date.get(day, {})) for day in days]
    return table(
        ("migrated on (UTC)", "by login", "by get_user"),
        [(day, str(n.get("login", 0)), str(n.get("get_user", 0))) for day, n in counts],
    )


# -- users -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserPage:
    """One page of a users search: ``users`` from ``start``, at most ``limit``, of ``total``."""

    users: list[User]
    start: int
    limit: int
    total: int

    def as_json(self) -> dict[str, Any]:
        """As ``GET /api/v2/users?include_totals=true`` answers."""
        return {
            "users": [user.as_auth0() for user in self.users],
            "start": self.start,
            "limit": self.limit,
            "length": len(self.users),
            "total": self.total,
        }


def user_id(text: str) -> UserId:
    """A user id as typed: ``auth0|1001``, or ``1001`` for short."""
    return UserId(text) if "|" in text else root_id(text)


async def find_users(
    settings: Settings, query: Query, page: Page, connection: str | None
) -> UserPage:
    """The users matching ``query`` (of one connection when given); QueryError for a value
    that does not suit its field."""
    async with SqliteStore.open(settings.store.path) as store:
        users, total = await store.search_users(query, page, connection=connection)
    return UserPage(users, page.offset, page.limit, total)


async def find_user(settings: Settings, wanted: UserId) -> User | None:
    async with SqliteStore.open(settings.store.path) as store:
        return await store.get_user(wanted)


@dataclass(frozen=True)
class Deletion:
    """A deleted user; whether the connection's delete script ran (legacy mode), and whether
    the connection is disconnected from the legacy store."""

    user: User
    script_ran: bool
    disconnected: bool


async def delete_user(settings: Settings, wanted: UserId) -> Deletion | None:
    """Delete the user as ``DELETE /api/v2/users/{id}`` does (legacy mode runs the delete
    script first); None when there is no such user. Raises ScriptFailedError when the delete
    script fails, keeping the user."""
    async with app.open_services(settings, settings.server.public_url()) as svc:
        found = await svc.store.get_user(wanted)
        if found is None:
            return None
        connection = svc.connections.get(found.connection)
        if connection is None:
            raise ScriptbridgeError(
                f"user {wanted} belongs to the connection {found.connection!r}, which "
                f"{settings.source} does not have; add the connection back to delete the user"
            )
        await migration.delete_user(svc, connection, found, None)
        return Deletion(
            found,
            script_ran=not connection.import_mode,
            disconnected=_disconnected(svc.connections.live(found.connection)),
        )


def render_users(page: UserPage) -> str:
    """The page as a table, and a line saying which users of how many it shows."""
    if not page.users:
        return "no users" if page.total == 0 else f"no users on this page; {page.total} in all"
    rows = [_user_row(user) for user in page.users]
    last = page.start + len(page.users)
    more = f"; next: --page {last // page.limit}" if last < page.total else ""
    footer = f"users {page.start + 1}-{last} of {page.total}{more}"
    return "\n".join([*table(USER_COLUMNS, rows), footer])


def render_user_row(user: User) -> str:
    """The user as one row of a users table, under its header."""
    return "\n".join(table(USER_COLUMNS, [_user_row(user)]))


def _user_row(user: User) -> tuple[str, ...]:
    return (
        user.user_id,
        user.email or "-",
        user.username or "-",
        user.migrated_by,
        _moment(user.created_at),
        "-" if user.last_login is None else _moment(user.last_login),
        str(user.logins_count),
        "yes" if user.blocked else "no",
    )


def render_user(user: User) -> str:
    """Every field of the user (``as_auth0``, never the password hash), with how it came."""
    shown = user.as_auth0()
    shown["connection"] = user.connection
    shown["migrated_by"] = user.migrated_by
    if user.migrated_at is not None:
        shown["migrated_at"] = iso(user.migrated_at)
    width = max(len(key) for key in shown)
    return "\n".join(f"{key:<{width}}  {_value(value)}" for key, value in shown.items())


def render_deletion(deletion: Deletion) -> str:
    user = deletion.user
    who = f"{user.user_id} ({user.email or user.username})"
    done = f"Deleted {who} of the connection {user.connection} from scriptbridge's store"
    if deletion.script_ran:
        return f"{done} and from the legacy store (the delete script ran)."
    if deletion.disconnected:
        return f"{done} (the connection is disconnected from the legacy store)."
    return (
        f"{done}; the legacy store keeps its record, so the user migrates again at the next "
        "login unless the connection is disconnected."
    )


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _moment(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%MZ")


# -- tables ----------------------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns: numbers to the right, the rest to the left."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = [all(row[i].isdigit() for row in rows) and bool(rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(cells).rstrip()

    return [line(header), *(line(row) for row in rows)]


def _indent(lines: Iterable[str]) -> list[str]:
    return [f"  {line}" if line else line for line in lines]
