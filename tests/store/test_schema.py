"""The store's schema migrations: forward steps, counted in PRAGMA user_version."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from scriptbridge.errors import ScriptbridgeError
from scriptbridge.store import NewLog, SqliteStore, now
from scriptbridge.store._schema import STEPS, migrate, new_user_columns
from scriptbridge.store.query import Match, Page

from .samples import new_user, script_line

TABLES = {
    "users",
    "tickets",
    "signing_keys",
    "failures",
    "log_sequence",
    "logs",
    "messages",
    "connection_states",
    "script_stats",
    "script_logs",
}


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    async with aiosqlite.connect(db_path, isolation_level=None) as connection:
        yield connection


async def version(db: aiosqlite.Connection) -> int:
    rows = list(await db.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def tables(db: aiosqlite.Connection) -> set[str]:
    rows = await db.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in rows} - {"sqlite_sequence"}


async def test_a_new_store_is_migrated_from_version_0_to_the_newest(db_path: Path) -> None:
    async with SqliteStore.open(db_path):
        pass
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (len(STEPS),)
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()
    assert names >= TABLES


async def test_migrate_reports_the_version_it_found(db: aiosqlite.Connection) -> None:
    assert await migrate(db, "test.db") == 0
    assert await migrate(db, "test.db") == len(STEPS)  # up to date: nothing to run
    assert await version(db) == len(STEPS)
    assert await tables(db) == TABLES


async def test_migrate_runs_only_the_missing_steps_in_order(db: aiosqlite.Connection) -> None:
    one = ("CREATE TABLE a (x INTEGER)", "INSERT INTO a VALUES (1)")
    two = ("ALTER TABLE a ADD COLUMN y INTEGER DEFAULT 2", "INSERT INTO a (x) VALUES (3)")
    three = ("CREATE TABLE b AS SELECT x + y AS z FROM a",)
    assert await migrate(db, "test.db", [one]) == 0
    assert await version(db) == 1
    assert await migrate(db, "test.db", [one, two, three]) == 1  # `one` does not run again
    assert await version(db) == 3
    assert list(await db.execute_fetchall("SELECT x, y FROM a ORDER BY x")) == [(1, 2), (3, 2)]
    assert list(await db.execute_fetchall("SELECT z FROM b ORDER BY z")) == [(3,), (5,)]


async def test_a_failing_step_leaves_the_store_at_its_old_version(
    db: aiosqlite.Connection,
) -> None:
    one = ("CREATE TABLE a (x INTEGER)",)
    broken = ("CREATE TABLE c (x INTEGER)", "INSERT INTO nowhere VALUES (1)")
    await migrate(db, "test.db", [one])
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        await migrate(db, "test.db", [one, ("CREATE TABLE b (x INTEGER)",), broken])
    assert await version(db) == 1
    assert await tables(db) == {"a"}
    assert not db.in_transaction


async def test_migrate_refuses_a_newer_schema(db: aiosqlite.Connection) -> None:
    await db.execute("PRAGMA user_version = 7")
    with pytest.raises(
        ScriptbridgeError, match=r"newer scriptbridge \(schema 7, this one knows 1\)"
    ):
        await migrate(db, "test.db", [("CREATE TABLE a (x INTEGER)",)])
    assert await tables(db) == set()


async def test_a_version_1_store_gains_search_indexes_states_and_stats(db_path: Path) -> None:
    """Upgrading keeps the users, and the new tables work at once."""
    columns = new_user_columns(new_user("1"), now())
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        await migrate(db, "test.db", STEPS[:1])
        await db.execute(
            f"INSERT INTO users ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            tuple(columns.values()),
        )
    async with SqliteStore.open(db_path) as store:
        found, total = await store.search_users(Match("email", "JANE@example.com"), Page())
        assert ([user.bare_id for user in found], total) == (["1"], 1)
        await store.add_script_stats([("legacy-db", "login", 1, 0, 0)])
        assert await store.script_stats("legacy-db") == {"login": (1, 0, 0)}
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (len(STEPS),)
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert names >= {"connection_states", "users_created", "users_migrated", "logs_date"}


async def test_a_version_2_store_gains_the_script_log_table(db_path: Path) -> None:
    """Upgrading keeps the tenant log, and script lines are kept at once, their ids going on
    from 1."""
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        await migrate(db, "test.db", STEPS[:2])
    async with SqliteStore.open(db_path) as store:
        await store.append_log(NewLog("s"))
        assert await store.last_script_log_id() == 0
        assert await store.add_script_logs([script_line(1)]) == 1
        assert await store.last_script_log_id() == 1
        assert [log.type for log in await store.logs()] == ["s"]
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (len(STEPS),)
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert names >= {"script_logs", "script_logs_time"}
