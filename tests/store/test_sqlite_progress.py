"""SqliteStore's migration summary, saved connection states and script statistics."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

from scriptbridge.store import SqliteStore

from .samples import new_user


def migrated_at(db_path: Path, moments: dict[str, str]) -> None:
    """Set users' migration times (by bare id) through a connection of its own."""
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        for bare_id, moment in moments.items():
            raw.execute(
                "UPDATE users SET migrated_at = ? WHERE user_id = ?", (moment, f"auth0|{bare_id}")
            )


async def test_migration_summary_counts_by_script_and_utc_day(
    store: SqliteStore, db_path: Path
) -> None:
    for bare_id, migrated_by in (
        ("1", "login"),
        ("2", "login"),
        ("3", "get_user"),
        ("4", "login"),
        ("5", "native"),
    ):
        await store.create_user(
            new_user(bare_id, email=f"u{bare_id}@x.com", migrated_by=migrated_by)
        )
    await store.create_user(new_user("6", email="u6@x.com", connection="other-db"))
    migrated_at(
        db_path,
        {
            "1": "2024-01-01T00:00:00.000000Z",
            "2": "2024-01-01T23:59:59.999999Z",
            "3": "2024-01-01T12:00:00.000000Z",
            "4": "2024-01-03T08:00:00.000000Z",
            "6": "2024-02-01T08:00:00.000000Z",
        },
    )
    assert await store.migration_summary("legacy-db") == {
        "total": 5,
        "by": {"login": 3, "get_user": 1, "native": 1, "legacy": 0},
        "per_day": [
            {"date": "2024-01-01", "login": 2, "get_user": 1},
            {"date": "2024-01-03", "login": 1, "get_user": 0},
        ],
        "last_migrated_at": dt.datetime(2024, 1, 3, 8, tzinfo=dt.UTC),
    }


async def test_migration_summary_of_an_empty_connection(store: SqliteStore) -> None:
    await store.create_user(new_user("1", migrated_by="native"))
    assert await store.migration_summary("nowhere") == {
        "total": 0,
        "by": {"login": 0, "get_user": 0, "native": 0, "legacy": 0},
        "per_day": [],
        "last_migrated_at": None,
    }
    summary = await store.migration_summary("legacy-db")
    assert (summary["total"], summary["per_day"], summary["last_migrated_at"]) == (1, [], None)


async def test_connection_state_is_saved_replaced_and_kept(db_path: Path) -> None:
    state = {"scripts": {"login": "function login(e, p, cb) { cb(null, null); }"}, "n": [1, "é"]}
    async with SqliteStore.open(db_path) as store:
        assert await store.connection_state("legacy-db") is None
        await store.save_connection_state("legacy-db", state)
        assert await store.connection_state("legacy-db") == state
        assert await store.connection_state("other-db") is None
        await store.save_connection_state("legacy-db", {"import_mode": False})
    async with SqliteStore.open(db_path) as reopened:
        assert await reopened.connection_state("legacy-db") == {"import_mode": False}


async def test_script_stats_add_up_per_connection_and_kind(store: SqliteStore) -> None:
    assert await store.script_stats("legacy-db") == {}
    await store.add_script_stats([])
    await store.add_script_stats(
        [
            ("legacy-db", "login", 5, 1, 0),
            ("legacy-db", "get_user", 2, 0, 1),
            ("other", "login", 7, 7, 7),
        ]
    )
    await store.add_script_stats([("legacy-db", "login", 3, 2, 1)])
    assert await store.script_stats("legacy-db") == {"get_user": (2, 0, 1), "login": (8, 3, 1)}
    assert await store.script_stats("other") == {"login": (7, 7, 7)}
