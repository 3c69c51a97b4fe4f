"""Legacy mode (import mode off): every operation runs its script against the legacy store,
and scriptbridge keeps a profile record of each user, without a password."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import bcrypt
import pytest
from auth0.authentication import Database, GetToken
from auth0.authentication.exceptions import Auth0Error
from service_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTION,
    LEGACY_SCRIPTS,
    Service,
    legacy_rows,
    sdk,
    service,
    write_config,
)

from scriptbridge import migration
from scriptbridge.engine import KINDS
from scriptbridge.errors import ScriptFailedError

ALL_KINDS = tuple(KINDS)


@pytest.fixture
async def legacy(tmp_path: Path, legacy_db: Path) -> AsyncIterator[Service]:
    config = write_config(tmp_path, legacy_db, kinds=ALL_KINDS, connection="import_mode = false")
    async with service(config, legacy_db) as running:
        yield running


def invocations(running: Service) -> dict[str, int]:
    return {
        kind: stats.invocations
        for (connection, kind), stats in running.services.stats.items()
        if connection == CONNECTION
    }


def tokens_of(running: Service) -> GetToken:
    return GetToken(running.domain, CLIENT_ID, client_secret=CLIENT_SECRET, protocol="http")


def set_legacy_password(running: Service, email: str, password: str) -> None:
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    with contextlib.closing(sqlite3.connect(running.legacy_db)) as db:
        db.execute("UPDATE users SET password_hash = ? WHERE email = ?", (hashed, email))
        db.commit()


async def test_every_login_runs_the_login_script(legacy: Service) -> None:
    client = tokens_of(legacy)
    await sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)
    set_legacy_password(legacy, "jane@example.com", "changed elsewhere")
    answer = await sdk(client.login, "jane@example.com", "changed elsewhere", realm=CONNECTION)
    assert answer["access_token"]
    with pytest.raises(Auth0Error) as old:
        await sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)
    assert old.value.status_code == 403
    assert invocations(legacy) == {"login": 3}
    user = await legacy.services.store.find_user(CONNECTION, "jane@example.com")
    assert user is not None
    assert user.migrated_by == "legacy"
    assert user.password_hash is None
    assert user.logins_count == 2


async def test_signup_runs_get_user_then_create_then_login(legacy: Service) -> None:
    created = await sdk(
        Database(legacy.domain, CLIENT_ID, protocol="http").signup,
        "frank@example.com",
        "frank's password",
        CONNECTION,
        user_metadata={"plan": "gold"},
    )
    assert invocations(legacy) == {"get_user": 1, "create": 1, "login": 1}
    row = legacy_rows(legacy.legacy_db)["frank@example.com"]
    assert bcrypt.checkpw(b"frank's password", row["password_hash"].encode())
    assert row["plan"] == "gold"
    assert created["_id"] == str(row["id"])
    user = await legacy.services.store.get_user(f"auth0|{row['id']}")  # type: ignore[arg-type]
    assert user is not None
    assert user.password_hash is None


async def test_signup_of_a_legacy_user_is_refused_before_create(legacy: Service) -> None:
    with pytest.raises(Auth0Error) as refused:
        await sdk(
            Database(legacy.domain, CLIENT_ID, protocol="http").signup,
            "bob@example.com",
            "whatever",
            CONNECTION,
        )
    assert refused.value.error_code == "invalid_signup"
    assert invocations(legacy) == {"get_user": 1}


async def test_a_password_reset_runs_change_password(legacy: Service) -> None:
    await sdk(
        Database(legacy.domain, CLIENT_ID, protocol="http").change_password,
        "carol@example.com",
        CONNECTION,
    )
    [(_, _, url)] = await legacy.services.store.messages("carol@example.com")
    found = re.search(r"ticket=([A-Za-z0-9_-]+)", url)
    assert found
    ticket = found.group(1)
    status, _ = await legacy.post(
        "lo/reset",
        data={"ticket": ticket, "newPassword": "carol 2.0", "confirmNewPassword": "carol 2.0"},
    )
    assert status == 200
    assert invocations(legacy) == {"get_user": 1, "change_password": 1}
    row = legacy_rows(legacy.legacy_db)["carol@example.com"]
    assert bcrypt.checkpw(b"carol 2.0", row["password_hash"].encode())
    answer = await sdk(tokens_of(legacy).login, "carol@example.com", "carol 2.0", realm=CONNECTION)
    assert answer["access_token"]


async def logged_in(running: Service, email: str, password: str) -> migration.Services:
    await sdk(tokens_of(running).login, email, password, realm=CONNECTION)
    return running.services


async def test_email_verification_runs_verify(legacy: Service) -> None:
    svc = await logged_in(legacy, "bob@example.com", "battery staple")
    user = await svc.store.find_user(CONNECTION, "bob@example.com")
    assert user is not None
    assert not user.email_verified
    verified = await migration.verify_email(svc, svc.connection(CONNECTION), user)
    assert verified.email_verified
    assert legacy_rows(legacy.legacy_db)["bob@example.com"]["email_verified"] == 1
    assert invocations(legacy)["verify"] == 1


async def test_deletion_runs_delete_with_the_bare_id(legacy: Service) -> None:
    svc = await logged_in(legacy, "dave@example.com", "hunter2hunter2")
    user = await svc.store.find_user(CONNECTION, "dave@example.com")
    assert user is not None
    await migration.delete_user(svc, svc.connection(CONNECTION), user, None)
    assert "dave@example.com" not in legacy_rows(legacy.legacy_db)
    assert await svc.store.get_user(user.user_id) is None
    assert invocations(legacy)["delete"] == 1
    assert "sdu" in [log.type for log in await svc.store.logs()]


async def test_an_email_change_runs_change_email(legacy: Service) -> None:
    svc = await logged_in(legacy, "jane@example.com", "correct horse")
    user = await svc.store.find_user(CONNECTION, "jane@example.com")
    assert user is not None
    changed = await migration.change_email(
        svc, svc.connection(CONNECTION), user, "jane.doe@example.com", True
    )
    assert changed.email == "jane.doe@example.com"
    rows = legacy_rows(legacy.legacy_db)
    assert "jane@example.com" not in rows
    assert rows["jane.doe@example.com"]["email_verified"] == 1
    assert invocations(legacy)["change_email"] == 1


async def test_a_change_password_that_reports_nothing_is_not_a_change(
    tmp_path: Path, legacy_db: Path
) -> None:
    """callback() from change_password means "not changed", for an operator's change as for
    the reset page."""
    scripts = tmp_path / "silent"
    scripts.mkdir()
    for kind in ("login", "get_user"):
        (scripts / f"{kind}.js").write_text((LEGACY_SCRIPTS / f"{kind}.js").read_text())
    (scripts / "change_password.js").write_text(
        "function changePassword(email, newPassword, callback) { callback(); }"
    )
    config = write_config(
        tmp_path,
        legacy_db,
        scripts=scripts,
        kinds=("login", "get_user", "change_password"),
        connection="import_mode = false",
    )
    async with service(config, legacy_db) as running:
        svc = await logged_in(running, "jane@example.com", "correct horse")
        user = await svc.store.find_user(CONNECTION, "jane@example.com")
        assert user is not None
        with pytest.raises(ScriptFailedError, match="the password was not changed"):
            await migration.set_password(svc, svc.connection(CONNECTION), user, "new one")
