"""The demo legacy store, and the default connection's scripts reading it through real V8."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from scriptbridge.demo import demo_users_file, ensure_demo_legacy_store, ensure_embedded_demo
from scriptbridge.engine import Engine, Outcome, ScriptKind
from scriptbridge.node.modules import builtin_modules
from scriptbridge.settings import DEFAULT_CONNECTION, load_connection_spec, load_settings

USERS: list[dict[str, Any]] = json.loads(demo_users_file().read_text("utf-8"))["users"]

JANE = {
    "user_id": "1001",
    "email": "jane@example.com",
    "name": "Jane Doe",
    "nickname": "jane",
    "email_verified": True,
    "user_metadata": {"plan": "pro"},
}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory whose demo legacy store is built once for the module."""
    directory = tmp_path_factory.mktemp("demo")
    assert ensure_demo_legacy_store(directory / "legacy-demo.db", demo_users_file()) is True
    return directory


@pytest.fixture
def in_demo_dir(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test runs in demo_dir, where the embedded default finds the demo store."""
    monkeypatch.chdir(demo_dir)
    return demo_dir


def rows(store: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store) as db:
        query = "SELECT id, email, name, nickname, password_hash, email_verified, plan FROM users"
        return db.execute(query + " ORDER BY id").fetchall()


def test_the_demo_users_are_a_handful_with_their_passwords() -> None:
    emails = [user["email"] for user in USERS]
    assert 3 <= len(USERS) <= 10
    assert {"jane@example.com", "bob@example.com"} <= set(emails)
    assert all(user["password"] for user in USERS)


def test_the_store_holds_every_user_with_a_bcrypt_hash_that_verifies(demo_dir: Path) -> None:
    stored = rows(demo_dir / "legacy-demo.db")
    assert len(stored) == len(USERS)
    for user, row in zip(USERS, stored, strict=True):
        id, email, name, nickname, digest, verified, plan = row
        assert (id, email, name, nickname, plan) == (
            user["id"], user["email"], user["name"], user["nickname"], user["plan"]
        )  # fmt: skip
        assert verified == int(user["email_verified"])
        assert digest.startswith("$2b$10$")
        assert bcrypt.checkpw(user["password"].encode(), digest.encode())


def test_a_second_call_keeps_the_store_it_built(demo_dir: Path) -> None:
    store = demo_dir / "legacy-demo.db"
    before = store.stat()
    assert ensure_demo_legacy_store(store, demo_users_file()) is False
    after = store.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in demo_dir.iterdir()) == ["legacy-demo.db"]


def test_a_failed_build_leaves_no_store_and_no_temporary_file(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    twice = {"id": 1, "email": "same@example.com", "password": "p"}
    users.write_text(json.dumps({"users": [twice, {**twice, "id": 2}]}))
    store = tmp_path / "out" / "legacy-demo.db"
    with pytest.raises(sqlite3.IntegrityError):
        ensure_demo_legacy_store(store, users)
    assert list(store.parent.iterdir()) == []


def test_the_embedded_default_builds_its_demo_store_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert ensure_embedded_demo(settings) is True
    assert len(rows(tmp_path / "legacy-demo.db")) == len(USERS)
    assert ensure_embedded_demo(settings) is False


async def invoke(kind: ScriptKind, *args: str) -> Outcome:
    """Run one of the default connection's scripts on the demo store, as the service would."""
    settings = load_settings(None, {})
    connection = settings.connection(DEFAULT_CONNECTION)
    assert connection is not None
    spec = dataclasses.replace(load_connection_spec(connection), runners=1)
    async with Engine(builtin_modules()) as engine:
        await engine.load(spec)
        return await engine.invoke(connection.name, kind, list(args))


async def test_login_with_the_right_password_gives_the_profile(in_demo_dir: Path) -> None:
    outcome = await invoke("login", "jane@example.com", "correct horse")
    assert outcome.status == "result", outcome.error
    assert outcome.result == JANE


async def test_login_matches_the_email_case_insensitively(in_demo_dir: Path) -> None:
    outcome = await invoke("login", "Bob@Example.COM", "battery staple")
    assert outcome.status == "result", outcome.error
    assert outcome.result["email"] == "bob@example.com"
    assert outcome.result["email_verified"] is False


@pytest.mark.parametrize(
    ("email", "password"),
    [("jane@example.com", "battery staple"), ("nobody@example.com", "correct horse")],
    ids=["wrong-password", "unknown-user"],
)
async def test_login_refuses_with_wrong_username_or_password(
    in_demo_dir: Path, email: str, password: str
) -> None:
    outcome = await invoke("login", email, password)
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "WrongUsernameOrPasswordError"


async def test_get_user_gives_the_profile_without_a_password(in_demo_dir: Path) -> None:
    outcome = await invoke("get_user", "jane@example.com")
    assert outcome.status == "result", outcome.error
    assert outcome.result == JANE


async def test_get_user_of_an_unknown_email_gives_no_result(in_demo_dir: Path) -> None:
    outcome = await invoke("get_user", "nobody@example.com")
    assert outcome.status == "no_result", outcome.error


async def test_a_missing_legacy_store_is_a_script_error_not_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scripts open the store read-only: a wrong path fails instead of creating a file."""
    monkeypatch.chdir(tmp_path)
    outcome = await invoke("get_user", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.code == "SQLITE_CANTOPEN"
    assert not (tmp_path / "legacy-demo.db").exists()
