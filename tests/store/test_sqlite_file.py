"""SqliteStore's file: opening, persistence, a crash mid-write, a cancelled write."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from scriptbridge.errors import ScriptbridgeError
from scriptbridge.store import NewLog, SqliteStore, UserChanges, root_id
from scriptbridge.store._schema import STEPS

from .samples import new_user

#: Creates users, each with metadata derived from its number, until it is killed.
WRITER = """
import asyncio, sys
from scriptbridge.store import NewUser, SqliteStore, root_id

async def main():
    async with SqliteStore.open(sys.argv[1]) as store:
        for n in range(10**9):
            await store.create_user(NewUser(
                user_id=root_id(f"u{n}"), connection="legacy-db", email=f"u{n}@example.com",
                username=None, email_verified=False, password_hash=None, migrated_by="login",
                user_metadata={"n": n, "padding": "x" * 4000}, app_metadata={"n": -n},
            ))
            if n == 50:
                print("writing", flush=True)

asyncio.run(main())
"""


async def test_reopened_store_keeps_its_data(db_path: Path) -> None:
    async with SqliteStore.open(db_path) as store:
        created = await store.create_user(new_user(user_metadata={"a": [1]}))
        first_log = await store.append_log(NewLog("s"))
        await store.add_failure("legacy-db", "jane@example.com", "203.0.113.7")
    async with SqliteStore.open(db_path) as store:
        assert await store.get_user(created.user_id) == created
        assert await store.logs() == [first_log]
        assert await store.failures("legacy-db", "jane@example.com", "203.0.113.7") == 1
        assert (await store.append_log(NewLog("s"))).log_id > first_log.log_id


async def test_store_file_is_in_wal_mode(db_path: Path) -> None:
    async with SqliteStore.open(db_path):
        pass
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


async def test_in_memory_store_works() -> None:
    async with SqliteStore.open(":memory:") as store:
        await store.create_user(new_user())
        assert await store.count_users() == 1


async def test_store_of_a_newer_scriptbridge_is_refused_untouched(db_path: Path) -> None:
    newer = len(STEPS) + 1
    with sqlite3.connect(db_path) as db:
        db.execute(f"PRAGMA user_version = {newer}")
    db.close()
    with pytest.raises(ScriptbridgeError) as raised:
        async with SqliteStore.open(db_path):
            pass
    assert str(raised.value) == (
        f"the store {db_path} was written by a newer scriptbridge (schema {newer}, this one "
        f"knows {len(STEPS)}); upgrade scriptbridge to open it"
    )
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (newer,)
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    db.close()


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"this is not a database, it is a text file" * 100)
    return path


async def test_a_file_that_is_not_a_database_is_refused_clearly(text_file: Path) -> None:
    expected = f"cannot open the store {re.escape(str(text_file))}: .*not a database"
    with pytest.raises(ScriptbridgeError, match=expected):
        async with SqliteStore.open(text_file):
            pass


async def test_a_store_in_a_missing_directory_is_refused_clearly(tmp_path: Path) -> None:
    where = tmp_path / "missing" / "store.db"
    with pytest.raises(ScriptbridgeError, match=f"cannot open the store {re.escape(str(where))}"):
        async with SqliteStore.open(where):
            pass


async def test_store_is_unusable_once_closed(db_path: Path) -> None:
    async with SqliteStore.open(db_path) as store:
        pass
    with pytest.raises(ValueError, match="closed"):
        await store.count_users()


async def test_cancelled_writes_leave_no_partial_user_and_the_store_usable(
    store: SqliteStore,
) -> None:
    """Cancelled at any point of its transaction (or after), a write is whole or absent."""
    for steps in range(30):
        user = new_user(f"c{steps}", email=f"c{steps}@example.com", user_metadata={"n": steps})
        task = asyncio.create_task(store.create_user(user))
        await asyncio.sleep(steps * 0.00005)  # a ladder of moments across the transaction
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        created = await store.get_user(user.user_id)
        assert created is None or created.user_metadata == {"n": steps}
        changed = await store.update_user(root_id("nobody"), UserChanges(name="x"))
        assert changed is None  # the next transaction begins cleanly
    assert await store.create_user(new_user("after")) is not None


async def test_a_killed_writer_leaves_only_whole_users(db_path: Path) -> None:
    """SIGKILL in the middle of a stream of creates: every user row the file keeps is
    complete, and the database passes its integrity check."""
    async with SqliteStore.open(db_path):
        pass  # created (and migrated) before the writer starts
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(db_path), stdout=asyncio.subprocess.PIPE
    )
    assert writer.stdout is not None
    assert await asyncio.wait_for(writer.stdout.readline(), 10) == b"writing\n"
    await asyncio.sleep(0.05)
    writer.kill()
    await writer.communicate()
    assert writer.returncode == -9

    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    async with SqliteStore.open(db_path) as store:
        count = await store.count_users()
        assert count > 50
        for n in range(count):
            user = await store.get_user(root_id(f"u{n}"))
            assert user is not None, f"user {n} of {count} is missing"
            assert user.user_metadata == {"n": n, "padding": "x" * 4000}
            assert user.app_metadata == {"n": -n}
