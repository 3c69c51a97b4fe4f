"""The operator commands (``migration status|disconnect``, ``users list|search|show|delete``)
against a legacy SQLite store whose users were migrated in-process through the real login
flow. What they print is checked on real subprocesses; the paths that end before any work
(usage problems, unknown names, --help) run ``cli.main`` in-process, as a subprocess costs a
second or two of start-up each."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import structlog

from scriptbridge import app, cli, loop, migration
from scriptbridge.connections import NOOP_SCRIPTS
from scriptbridge.errors import WrongCredentialsError
from scriptbridge.settings import Settings, load_settings
from scriptbridge.store import SqliteStore, User, UserId

sys.path.insert(0, str(Path(__file__).parent / "service"))
from service_harness import (
    CLIENT_ID,
    CONNECTION,
    LEGACY_USERS,
    build_legacy_store,
    legacy_rows,
    write_config,
)

#: (email, password) of the legacy users, by first name.
PASSWORDS = {email.split("@")[0]: (email, password) for _, email, password, *_ in LEGACY_USERS}
WITH_COUNT_USERS = ("login", "get_user", "count_users")
USER_COLUMNS = [
    "user_id",
    "email",
    "username",
    "migrated_by",
    "created_at",
    "last_login",
    "logins_count",
    "blocked",
]


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The one JSON object on stdout."""
        lines = self.stdout.splitlines()
        assert len(lines) == 1, self.stdout
        return json.loads(lines[0])


def environment() -> dict[str, str]:
    """This environment without SCRIPTBRIDGE_ variables, which would change the settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTBRIDGE_")}


@dataclass(frozen=True)
class Tenant:
    """A configuration, its store and its legacy store."""

    config: Path
    legacy_db: Path

    def run(self, *args: str) -> Run:
        """``scriptbridge ARGS --config CONFIG``, with stdin not a terminal."""
        done = subprocess.run(
            [sys.executable, "-m", "scriptbridge", *args, "--config", str(self.config)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
            env=environment(),
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def call(self, *args: str, terminal: str | None = None) -> Run:
        """The same, in this process, for the quick paths; stdin is not a terminal, unless
        ``terminal`` gives what the operator types at one."""
        out, err = io.StringIO(), io.StringIO()
        saved = structlog.get_config()  # main configures structlog for the command
        try:
            with (
                mock.patch.dict(os.environ, environment(), clear=True),
                mock.patch.object(sys, "stdin", Terminal(terminal) if terminal else io.StringIO()),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
            ):
                try:
                    code = cli.main([*args, "--config", str(self.config)])
                except SystemExit as exited:
                    code = exited.code if isinstance(exited.code, int) else 1
        finally:
            structlog.configure(**saved)
        return Run(code, out.getvalue(), err.getvalue())

    @property
    def settings(self) -> Settings:
        return load_settings(self.config, {})

    def log_in(self, *names: str) -> list[User]:
        """Log the legacy users in, in-process, through the real flow (which migrates them)."""
        return loop.run(_log_in(self.settings, names))

    def user(self, user_id: str) -> User | None:
        return loop.run(_stored_user(self.settings, UserId(user_id)))


class Terminal(io.StringIO):
    """stdin as a terminal the operator types ``text`` at."""

    def isatty(self) -> bool:
        return True


async def _log_in(settings: Settings, names: tuple[str, ...]) -> list[User]:
    async with app.open_services(settings, "http://127.0.0.1:1/") as svc:
        connection = svc.connection(CONNECTION)
        caller = migration.Caller(ip="127.0.0.1")
        return [await migration.login(svc, connection, *PASSWORDS[name], caller) for name in names]


async def _stored_user(settings: Settings, user_id: UserId) -> User | None:
    async with SqliteStore.open(settings.store.path) as store:
        return await store.get_user(user_id)


def make_tenant(
    directory: Path, *, kinds: tuple[str, ...] = WITH_COUNT_USERS, connection: str = ""
) -> Tenant:
    legacy_db = build_legacy_store(directory / "legacy.db")
    return Tenant(write_config(directory, legacy_db, kinds=kinds, connection=connection), legacy_db)


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    """Jane and Bob migrated (in that order), Carol and Dave still only in the legacy store;
    the tests using it only read."""
    made = make_tenant(tmp_path_factory.mktemp("tenant"))
    made.log_in("jane", "bob")
    return made


def assert_one_line_error(run: Run, code: int, *fragments: str) -> None:
    assert run.code == code, run
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run.stderr
    for fragment in fragments:
        assert fragment in run.stderr


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


# -- migration status ------------------------------------------------------------------------


def test_migration_status_shows_the_progress_bar_counts_scripts_and_days(tenant: Tenant) -> None:
    run = tenant.run("migration", "status")

    assert run.code == 0, run
    assert run.stderr == ""  # no library log lines
    out = run.stdout
    assert f"connection {CONNECTION}: import mode" in out
    assert "[##########----------] 50.0%  2 of 4 legacy users" in out
    assert "2 users: 2 by the login script, 0 by get_user (password reset), 0 native" in out
    assert re.search(r"^  last migration  \d{4}-\d\d-\d\dT", out, re.MULTILINE)
    assert re.search(r"^  login +2 +0 +0$", out, re.MULTILINE)
    days = re.findall(r"^  (\d{4}-\d\d-\d\d) +(\d+) +(\d+)$", out, re.MULTILINE)
    assert len(days) == 7
    assert days[-1] == (today(), "2", "0")


def test_migration_status_json_prints_the_apis_progress_object(tenant: Tenant) -> None:
    status = tenant.run("migration", "status", "--connection", CONNECTION, "--json").json()

    assert status["connection"] == CONNECTION
    assert status["users"] == {
        "total": 2,
        "migrated": 2,
        "by_login": 2,
        "by_get_user": 0,
        "native": 0,
        "legacy_records": 0,
    }
    assert status["per_day"] == [{"date": today(), "login": 2, "get_user": 0}]
    assert (status["legacy_total"], status["percent_migrated"]) == (4, 50.0)
    assert status["scripts"]["login"] == {"invocations": 2, "errors": 0, "timeouts": 0}


def test_migration_status_without_count_users_says_how_to_give_the_legacy_total(
    tmp_path: Path,
) -> None:
    run = make_tenant(tmp_path, kinds=("login", "get_user")).run("migration", "status")

    assert run.code == 0, run
    words = " ".join(run.stdout.split())  # the long lines wrap
    assert "0 users; the legacy total is unknown" in words
    assert "count_users script" in words
    assert "function countUsers(callback)" in words
    assert "no script has run yet" in words


def test_migration_status_of_an_unknown_connection_exits_1(tenant: Tenant) -> None:
    run = tenant.call("migration", "status", "--connection", "nope")

    assert_one_line_error(run, 1, "scriptbridge migration status:", "'nope'", CONNECTION)


# -- migration disconnect --------------------------------------------------------------------


def test_disconnect_without_yes_and_without_a_terminal_refuses_and_changes_nothing(
    tenant: Tenant,
) -> None:
    run = tenant.call("migration", "disconnect", "--connection", CONNECTION)

    assert_one_line_error(run, 2, "scriptbridge migration disconnect:", "--yes")
    assert loop.run(_connection_state(tenant.settings)) is None


async def _connection_state(settings: Settings) -> dict[str, Any] | None:
    async with SqliteStore.open(settings.store.path) as store:
        return await store.connection_state(CONNECTION)


def test_disconnect_yes_switches_to_the_noop_scripts_and_a_running_server_follows(
    tmp_path: Path,
) -> None:
    """Migrated users still log in; unmigrated ones get "Wrong email or password."; a server
    started before the disconnection picks it up within seconds."""
    tenant = make_tenant(tmp_path)
    with serving(tenant) as url:
        tenant.log_in("jane")

        run = tenant.run("migration", "disconnect", "--connection", CONNECTION, "--yes")

        assert run.code == 0, run
        assert "[#####---------------] 25.0%  1 of 4 legacy users" in run.stdout
        assert f"Disconnected {CONNECTION} from the legacy store" in run.stdout
        state = loop.run(_connection_state(tenant.settings))
        assert state == {"scripts": dict(NOOP_SCRIPTS), "import_mode": True}
        with pytest.raises(WrongCredentialsError):
            tenant.log_in("dave")
        assert [user.email for user in tenant.log_in("jane")] == ["jane@example.com"]
        assert loop.run(_disconnect_events(tenant.settings)) == [{"disconnect": True}]

        # The server's get_user said "exists" for Bob; once it follows, signup succeeds.
        deadline = time.monotonic() + 8
        while (status := signup(url, PASSWORDS["bob"][0]))[0] != 200:
            assert status[0] == 400, status
            assert time.monotonic() < deadline, "serve did not pick up the disconnection"
            time.sleep(0.2)
        assert password_login(url, *PASSWORDS["carol"])[0] == 403

    again = tenant.call("migration", "disconnect", "--connection", CONNECTION, "--yes")
    assert "already disconnected" in again.stdout


def test_disconnect_on_a_terminal_asks_and_an_answer_of_no_changes_nothing(
    tenant: Tenant,
) -> None:
    run = tenant.call("migration", "disconnect", "--connection", CONNECTION, terminal="n\n")

    assert run.code == 1, run
    assert "[##########----------] 50.0%" in run.stdout  # the status first
    assert f"Disconnect {CONNECTION} from the legacy store? [y/N]" in run.stderr
    assert "nothing done" in run.stderr
    assert loop.run(_connection_state(tenant.settings)) is None


async def _disconnect_events(settings: Settings) -> list[dict[str, Any]]:
    async with SqliteStore.open(settings.store.path) as store:
        events = await store.logs()
    return [
        event.details
        for event in events
        if event.type == "sapi"
        and event.description == "Connection disconnected from the legacy store"
    ]


@contextlib.contextmanager
def serving(tenant: Tenant) -> Iterator[str]:
    """``scriptbridge serve`` on the tenant's configuration; its URL."""
    stderr = (tenant.config.parent / "serve.stderr").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scriptbridge", "serve", "--config", str(tenant.config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=environment(),
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        url = process.stdout.readline().decode().strip() if ready else ""
        assert url.startswith("http://"), (tenant.config.parent / "serve.stderr").read_text()
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        stderr.close()


def post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def signup(url: str, email: str) -> tuple[int, Any]:
    return post(
        url + "dbconnections/signup",
        {"client_id": CLIENT_ID, "connection": CONNECTION, "email": email, "password": "new pw"},
    )


def password_login(url: str, email: str, password: str) -> tuple[int, Any]:
    return post(
        url + "oauth/token",
        {
            "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "client_id": CLIENT_ID,
            "client_secret": "app-secret-0123456789",
            "username": email,
            "password": password,
            "realm": CONNECTION,
        },
    )


# -- users -----------------------------------------------------------------------------------


def test_users_list_shows_a_table_of_the_users_oldest_first(tenant: Tenant) -> None:
    run = tenant.run("users", "list")

    assert run.code == 0, run
    assert run.stderr == ""
    header, jane, bob, footer = run.stdout.splitlines()
    assert header.split() == USER_COLUMNS
    assert jane.split()[:4] == ["auth0|1001", "jane@example.com", "-", "login"]
    assert jane.split()[-2:] == ["1", "no"]
    assert bob.split()[:2] == ["auth0|1002", "bob@example.com"]
    assert footer == "users 1-2 of 2"


def test_users_list_json_pages_as_the_api_with_totals(tenant: Tenant) -> None:
    page = tenant.run(
        "users", "list", "--connection", CONNECTION, "--page", "1", "--per-page", "1", "--json"
    ).json()

    assert {k: v for k, v in page.items() if k != "users"} == {
        "start": 1,
        "limit": 1,
        "length": 1,
        "total": 2,
    }
    assert [user["email"] for user in page["users"]] == ["bob@example.com"]
    assert "password" not in json.dumps(page)


def test_users_search_runs_an_auth0_lucene_query(tenant: Tenant) -> None:
    run = tenant.run("users", "search", 'email:jane* AND user_metadata.plan:"pro"', "--json")

    assert [user["user_id"] for user in run.json()["users"]] == ["auth0|1001"]


def test_users_search_with_an_unsupported_query_exits_2_saying_why(tenant: Tenant) -> None:
    run = tenant.call("users", "search", "jane~")

    assert_one_line_error(run, 2, "scriptbridge users search:", "fuzzy search")


def test_users_show_prints_the_user_as_the_api_without_the_password(tenant: Tenant) -> None:
    shown = tenant.run("users", "show", "auth0|1001", "--json").json()
    text = tenant.run("users", "show", "1001")

    assert shown["user_id"] == "auth0|1001"
    assert shown["email"] == "jane@example.com"
    assert shown["user_metadata"] == {"plan": "pro"}
    assert shown["identities"][0]["connection"] == CONNECTION
    assert not [key for key in shown if "password" in key]
    assert text.code == 0, text
    assert re.search(r"^email +jane@example\.com$", text.stdout, re.MULTILINE)
    assert re.search(r"^migrated_by +login$", text.stdout, re.MULTILINE)
    assert "$2" not in text.stdout  # no bcrypt hash


def test_users_show_of_an_unknown_id_exits_1(tenant: Tenant) -> None:
    run = tenant.call("users", "show", "auth0|999")

    assert_one_line_error(run, 1, "scriptbridge users show:", "auth0|999")


def test_users_delete_asks_for_yes_then_deletes_from_the_store(tmp_path: Path) -> None:
    tenant = make_tenant(tmp_path)
    tenant.log_in("jane", "bob")

    refused = tenant.call("users", "delete", "auth0|1002")
    deleted = tenant.run("users", "delete", "auth0|1002", "--yes")

    assert_one_line_error(refused, 2, "scriptbridge users delete:", "--yes")
    assert deleted.code == 0, deleted
    assert "Deleted auth0|1002 (bob@example.com)" in deleted.stdout
    assert tenant.user("auth0|1002") is None
    assert tenant.user("auth0|1001") is not None
    # import mode: the legacy store keeps Bob, who would migrate again
    assert "bob@example.com" in legacy_rows(tenant.legacy_db)


def test_users_delete_on_a_terminal_deletes_when_the_answer_is_y(tmp_path: Path) -> None:
    tenant = make_tenant(tmp_path)
    tenant.log_in("jane")

    run = tenant.call("users", "delete", "auth0|1001", terminal="y\n")

    assert run.code == 0, run
    assert "Delete auth0|1001 of the connection legacy-db? [y/N]" in run.stderr
    assert run.stdout.splitlines()[1].split()[:2] == ["auth0|1001", "jane@example.com"]
    assert tenant.user("auth0|1001") is None


def test_users_delete_in_legacy_mode_runs_the_delete_script(tmp_path: Path) -> None:
    tenant = make_tenant(tmp_path, kinds=("login", "delete"), connection="import_mode = false")
    tenant.log_in("jane")

    run = tenant.run("users", "delete", "1001", "--yes")

    assert run.code == 0, run
    assert "the delete script ran" in run.stdout
    assert tenant.user("auth0|1001") is None
    assert "jane@example.com" not in legacy_rows(tenant.legacy_db)


# -- help ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        (["migration"], ["status", "disconnect"]),
        (["migration", "status"], ["--config", "--connection", "--json", "Exit status"]),
        (["migration", "disconnect"], ["--config", "--connection", "--yes", "Exit status"]),
        (["users"], ["list", "search", "show", "delete"]),
        (["users", "list"], ["--config", "--connection", "--page", "--per-page", "--json"]),
        (["users", "search"], ["QUERY", "--connection", "--page", "--per-page", "--json"]),
        (["users", "show"], ["ID", "--config", "--json", "Exit status"]),
        (["users", "delete"], ["ID", "--config", "--yes", "Exit status"]),
    ],
    ids=" ".join,
)
def test_help_exits_0_and_mentions_every_option(
    command: list[str], mentions: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process, through the real parser: eight subprocesses would cost seconds."""
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])

    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in mentions:
        assert option in out


def test_top_level_help_lists_the_operator_commands() -> None:
    help_text = cli.build_parser().format_help()

    assert "migration" in help_text
    assert "users" in help_text
