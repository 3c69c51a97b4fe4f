"""SqliteStore's script console lines: kept under the hub's ids, read in id order after an id
or a time, pruned by count and age, and the highest id remembered through pruning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scriptbridge.store import SqliteStore

from .samples import script_line


async def test_lines_come_back_as_written_in_id_order(store: SqliteStore) -> None:
    lines = [script_line(n, message=f"ünïcode ✓ {n}") for n in (3, 1, 2)]
    assert await store.add_script_logs(lines) == 3
    read = await store.script_logs(after_id=None, since=None, limit=10)
    assert read == sorted(lines, key=lambda line: line.id)


async def test_after_id_since_and_limit_select_lines(store: SqliteStore) -> None:
    old = [script_line(n, age=dt.timedelta(hours=2)) for n in range(1, 4)]
    new = [script_line(n) for n in range(4, 9)]
    await store.add_script_logs(old + new)

    def ids(lines: list) -> list[int]:  # type: ignore[type-arg]
        return [line.id for line in lines]

    assert ids(await store.script_logs(after_id=5, since=None, limit=100)) == [6, 7, 8]
    assert ids(await store.script_logs(after_id=None, since=None, limit=2)) == [1, 2]
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert ids(await store.script_logs(after_id=None, since=an_hour_ago, limit=100)) == [
        4,
        5,
        6,
        7,
        8,
    ]
    assert ids(await store.script_logs(after_id=6, since=an_hour_ago, limit=1)) == [7]
    assert await store.script_logs(after_id=8, since=None, limit=100) == []
    with pytest.raises(ValueError, match="limit"):
        await store.script_logs(after_id=None, since=None, limit=-1)


async def test_a_taken_id_is_skipped_and_the_rest_kept(store: SqliteStore) -> None:
    """Another process sharing the store wrote that id first: its line stays."""
    await store.add_script_logs([script_line(1, message="first")])
    kept = await store.add_script_logs([script_line(1, message="second"), script_line(2)])
    assert kept == 1
    read = await store.script_logs(after_id=None, since=None, limit=10)
    assert [(line.id, line.message) for line in read] == [(1, "first"), (2, "line 2")]
    assert await store.add_script_logs([]) == 0


async def test_pruning_keeps_the_newest_by_count_and_drops_the_old_by_age(
    store: SqliteStore,
) -> None:
    await store.add_script_logs(
        [script_line(n, age=dt.timedelta(hours=3)) for n in range(1, 3)]
        + [script_line(n) for n in range(3, 11)]
    )
    assert await store.prune_script_logs(100, 3600) == 2  # the two 3-hour-old lines
    assert await store.prune_script_logs(5, 3600) == 3  # 8 left, keep the newest 5
    read = await store.script_logs(after_id=None, since=None, limit=100)
    assert [line.id for line in read] == [6, 7, 8, 9, 10]
    assert await store.prune_script_logs(5, 3600) == 0
    assert await store.prune_script_logs(1, 3600) == 4
    with pytest.raises(ValueError, match="max_count"):
        await store.prune_script_logs(0, 3600)


async def test_the_last_id_survives_pruning_and_reopening(db_path: Path) -> None:
    async with SqliteStore.open(db_path) as store:
        assert await store.last_script_log_id() == 0
        await store.add_script_logs([script_line(n, age=dt.timedelta(days=2)) for n in (1, 2)])
        assert await store.last_script_log_id() == 2
        assert await store.prune_script_logs(10, 60) == 2
        assert await store.script_logs(after_id=None, since=None, limit=10) == []
    async with SqliteStore.open(db_path) as store:
        assert await store.last_script_log_id() == 2
