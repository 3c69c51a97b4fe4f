"""Atomic migration against the real server process: a SIGKILL at any moment of first logins
leaves each user either absent or complete (never partial), the store intact, and every user
able to log in after a restart, once; two server processes on one store migrate a person once.

The legacy store's login script (fixtures/scripts/crash/login.js) returns a rich profile, with
extra attributes and nested metadata, so that "complete" can be checked field by field, and
answers user N after (N % 40) * SPREAD_MS, so that 40 concurrent first logins migrate one
after another over ~0.4 s and a kill at a random moment among them lands between, or inside,
the store's transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import bcrypt
import pytest
from server_process import (
    CRASH_SCRIPTS,
    ServerProcess,
    Servers,
    client_session,
    configure,
)
from service_harness import CONNECTION, build_legacy_store, write_config

from scriptbridge.store import SqliteStore, User, root_id

#: (id, email, password, name, email_verified, plan), as build_legacy_store takes them; the
#: ids run over every value of id % 40, so the answers spread evenly.
USERS = tuple(
    (
        3000 + i,
        f"user{i:02d}@example.com",
        f"password-{i:02d}",
        f"Ada Byron{i:02d}",
        i % 2,
        ("free", "pro", "team")[i % 3],
    )
    for i in range(40)
)
SPREAD_MS = "10"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    with Servers(tmp_path) as servers:
        yield servers


def crash_config(directory: Path, **configuration: str) -> Path:
    """A config over a fresh legacy store of USERS, with the crash fixtures' scripts."""
    directory.mkdir(parents=True, exist_ok=True)
    legacy_db = build_legacy_store(directory / "legacy.db", USERS)
    return configure(write_config(directory, legacy_db, scripts=CRASH_SCRIPTS), **configuration)


def expected_profile(user: tuple[Any, ...]) -> dict[str, Any]:
    """What fixtures/scripts/crash/login.js returns for a legacy user."""
    user_id, email, _, name, verified, plan = user
    given_name, family_name = name.split(" ")
    return {
        "user_id": str(user_id),
        "email": email,
        "email_verified": verified == 1,
        "name": name,
        "nickname": email.split("@")[0],
        "given_name": given_name,
        "family_name": family_name,
        "picture": f"https://legacy.example.com/avatars/{user_id}.png",
        "locale": "en-GB",
        "legacy": {"id": user_id, "plan": plan, "tags": ["imported", "crash-test"]},
        "user_metadata": {
            "plan": plan,
            "preferences": {"theme": "dark", "languages": ["en", "fr"]},
        },
        "app_metadata": {
            "roles": ["member", plan],
            "billing": {
                "customer": f"cus_{user_id}",
                "seats": user_id % 7,
                "trial": plan == "free",
            },
        },
    }


def stored_profile(user: User) -> dict[str, Any]:
    """A stored user in the shape of the profile the script returned."""
    return {
        "user_id": user.bare_id,
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
        "nickname": user.nickname,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "picture": user.picture,
        **user.attributes,
        "user_metadata": user.user_metadata,
        "app_metadata": user.app_metadata,
    }


def assert_complete(user: User, legacy: tuple[Any, ...]) -> None:
    """The user has everything the script returned, and the password typed."""
    assert stored_profile(user) == expected_profile(legacy)
    assert user.connection == CONNECTION
    assert user.migrated_by == "login"
    assert user.password_hash is not None
    assert bcrypt.checkpw(legacy[2].encode(), user.password_hash.encode())


def integrity(store_path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(store_path)) as db:
        return [row[0] for row in db.execute("PRAGMA integrity_check")]


def count_stored(store_path: Path) -> int:
    """Users in the store as another process reads it (0 before the schema exists)."""
    with contextlib.closing(sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)) as db:
        try:
            return int(db.execute("SELECT count(*) FROM users").fetchone()[0])
        except sqlite3.OperationalError:  # no users table yet
            return 0


async def stored_users(store_path: Path) -> dict[str, User]:
    """The store's users of USERS by email, each checked complete and present exactly once,
    and the store checked to hold no other user."""
    assert integrity(store_path) == ["ok"]
    found: dict[str, User] = {}
    async with SqliteStore.open(store_path) as store:
        for legacy in USERS:
            user = await store.get_user(root_id(str(legacy[0])))
            if user is None:
                assert await store.find_user(CONNECTION, legacy[1]) is None
                continue
            assert_complete(user, legacy)
            by_email = await store.find_user(CONNECTION, legacy[1].upper())
            assert by_email is not None
            assert by_email.user_id == user.user_id
            found[legacy[1]] = user
        assert await store.count_users() == len(found)
        logs = await store.logs(limit=1000)
    migrations = [log.user_id for log in logs if log.type == "migration"]
    # The migration event is written with the user, in its transaction: exactly one each.
    assert sorted(migrations) == sorted(user.user_id for user in found.values()), migrations
    return found


async def log_everyone_in(server: ServerProcess) -> dict[str, Any]:
    """Log all USERS in at once; each one's (status, body), or the exception the request
    raised (the server was killed)."""
    async with client_session() as session:
        results = await asyncio.gather(
            *(server.login(session, email, password) for _, email, password, *_ in USERS),
            return_exceptions=True,
        )
    return {user[1]: result for user, result in zip(USERS, results, strict=True)}


async def wait_for_users(store_path: Path, count: int) -> None:
    """Until the store holds ``count`` users (10 s at most)."""
    async with asyncio.timeout(10):
        while True:
            if await asyncio.to_thread(count_stored, store_path) >= count:
                return
            await asyncio.sleep(0.002)


#: The three kills: once this many more users are stored, after a random delay in this window.
#: The first lands while the scripts run, before or at the first migrations; the others among
#: the migrations, early and late.
KILLS = ((0, (0.0, 0.15)), (1, (0.0, 0.1)), (10, (0.0, 0.1)))


async def test_kills_during_first_logins_leave_each_user_absent_or_complete(
    tmp_path: Path, servers: Servers
) -> None:
    """Three times, SIGKILL the server at a random moment of 40 concurrent logins (first
    logins for the users not yet migrated): each time, every login answered was a 200 whose
    user is stored, every stored user is complete and the store passes integrity_check. Then
    a restart on the same store logs all 40 in (200: never "already exists", never a 5xx) and
    each user exists exactly once."""
    config = crash_config(tmp_path, SPREAD_MS=SPREAD_MS)
    store_path = tmp_path / "store.db"
    stored = 0
    for more_users, delay_window in KILLS:
        delay = random.uniform(*delay_window)
        when = f"killed {delay:.3f} s after {stored} + {more_users} users were stored"
        server = await servers.start(config)
        logins = asyncio.create_task(log_everyone_in(server))
        await wait_for_users(store_path, stored + more_users)
        await asyncio.sleep(delay)
        server.kill()
        answers = await logins

        answered = {e for e, answer in answers.items() if not isinstance(answer, BaseException)}
        assert all(answers[email][0] == 200 for email in answered), (answers, when)
        unanswered = [answers[email] for email in answers.keys() - answered]
        assert all(isinstance(error, aiohttp.ClientError) for error in unanswered), when
        survivors = await stored_users(store_path)
        assert answered <= survivors.keys(), when
        if more_users > 0:  # the kill landed among the migrations, not after them all
            assert stored + more_users <= len(survivors) < len(USERS), when
        stored = len(survivors)

    restarted = await servers.start(config)
    answers = await log_everyone_in(restarted)
    failed = {
        email: answer
        for email, answer in answers.items()
        if isinstance(answer, BaseException) or answer[0] != 200
    }
    assert not failed
    assert all(body["access_token"] for _, body in answers.values())
    assert await restarted.stop() == 0, restarted.stderr()

    migrated = await stored_users(store_path)
    assert migrated.keys() == {user[1] for user in USERS}
    assert all(user.logins_count >= 1 for user in migrated.values())


async def test_a_kill_while_the_login_script_waits_creates_no_user_and_a_later_login_migrates(
    tmp_path: Path, servers: Servers
) -> None:
    """SIGKILL while the script of a first login is still waiting (0.6 s) to call back: no user
    is created, and after a restart the same login migrates the user completely."""
    config = crash_config(tmp_path, DELAY_MS="600")
    store_path = tmp_path / "store.db"
    _, email, password, *_ = legacy = USERS[7]

    server = await servers.start(config)
    async with client_session() as session:
        login = asyncio.create_task(server.login(session, email, password))
        await asyncio.sleep(0.3)
        assert not login.done()
        server.kill()
        with pytest.raises(aiohttp.ClientError):
            await login
    assert await stored_users(store_path) == {}

    restarted = await servers.start(config)
    async with client_session() as session:
        status, body = await restarted.login(session, email, password)
    assert status == 200, body
    assert await restarted.stop() == 0, restarted.stderr()
    stored = await stored_users(store_path)
    assert stored.keys() == {email}
    assert_complete(stored[email], legacy)


async def test_two_server_processes_on_one_store_migrate_each_person_once(
    tmp_path: Path, servers: Servers
) -> None:
    """Two server processes share one store file; the same 10 people log in on both at the
    same moment, for the first time: all 20 logins succeed and each person is one user."""
    config = crash_config(tmp_path, DELAY_MS="200")
    store_path = tmp_path / "store.db"
    first = await servers.start(config)
    second = await servers.start(config)
    people = USERS[:10]

    async with client_session() as session:
        answers = await asyncio.gather(
            *(
                server.login(session, email, password)
                for _, email, password, *_ in people
                for server in (first, second)
            )
        )
    assert [status for status, _ in answers] == [200] * 20, answers
    assert [await first.stop(), await second.stop()] == [0, 0]

    stored = await stored_users(store_path)
    assert stored.keys() == {email for _, email, *_ in people}
    assert all(user.logins_count == 2 for user in stored.values())
