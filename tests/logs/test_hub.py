"""LogHub on a real SQLite store: numbering, fan-out through bounded queues, drop accounting,
filters, replay without gaps or repeats, batched writes, retention, and subscriptions that
leave no trace when closed."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import structlog

from scriptbridge.engine import InvocationId, LogEvent, ScriptKind
from scriptbridge.logs import Dropped, Item, LogFilter, LogHub, ScriptLogRecord, Subscription
from scriptbridge.settings import LogsSettings
from scriptbridge.store import SqliteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore.open(tmp_path / "store.db") as opened:
        yield opened


@pytest.fixture
async def hub(store: SqliteStore) -> AsyncIterator[LogHub]:
    async with LogHub(store, LogsSettings(subscriber_queue=5), flush_seconds=0.01) as opened:
        yield opened
        assert opened.subscribers == 0, "a subscription was left open"


def line(
    message: str = "hello",
    *,
    level: Any = "info",
    connection: str = "legacy-db",
    kind: ScriptKind | None = "login",
    invocation: str | None = "inv-1",
    subject: str | None = "jane@example.com",
) -> LogEvent:
    return LogEvent(
        level=level,
        message=message,
        connection=connection,
        kind=kind,
        invocation_id=None if invocation is None else InvocationId(invocation),
        subject=subject,
    )


def publish(hub: LogHub, *messages: str) -> None:
    for message in messages:
        hub.publish(line(message))


async def take(subscription: Subscription, count: int) -> list[Item]:
    """The next ``count`` items, failing rather than waiting forever."""
    async with asyncio.timeout(2):
        return [item for item in [await subscription.get() for _ in range(count)] if item]


def messages(items: Sequence[Item]) -> list[str]:
    return [item.message if isinstance(item, ScriptLogRecord) else f"<{item}>" for item in items]


async def nothing_more(subscription: Subscription) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await subscription.get()


async def test_a_subscriber_gets_each_line_live_with_its_fields(hub: LogHub) -> None:
    async with hub.subscribe() as subscription:
        assert hub.subscribers == 1
        hub.publish(line("hello {a: 1}", level="warn", invocation="inv-7"))
        [record] = await take(subscription, 1)
    assert hub.subscribers == 0
    assert isinstance(record, ScriptLogRecord)
    assert record.id == hub.last_id == 1
    assert record.as_json() == {
        "id": 1,
        "time": record.as_json()["time"],
        "level": "warn",
        "connection": "legacy-db",
        "script": "login",
        "invocation_id": "inv-7",
        "subject": "jane@example.com",
        "message": "hello {a: 1}",
    }
    sent = dt.datetime.strptime(record.as_json()["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs(sent.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


async def test_each_subscriber_gets_every_line_in_order(hub: LogHub) -> None:
    async with hub.subscribe() as first, hub.subscribe() as second:
        publish(hub, "a", "b", "c")
        assert messages(await take(first, 3)) == ["a", "b", "c"]
        assert messages(await take(second, 3)) == ["a", "b", "c"]


async def test_a_full_queue_drops_lines_for_that_subscriber_and_says_how_many(
    hub: LogHub,
) -> None:
    """Queue of 5: the 6th to 12th lines are lost to the stalled subscriber, which learns it
    just before line 13; a subscriber that keeps up loses nothing."""
    async with hub.subscribe() as stalled, hub.subscribe() as keeping_up:
        for n in range(1, 13):
            hub.publish(line(f"line {n}"))
            assert messages(await take(keeping_up, 1)) == [f"line {n}"]
        assert stalled.dropped == 7
        assert messages(await take(stalled, 5)) == [f"line {n}" for n in range(1, 6)]
        hub.publish(line("line 13"))
        got = await take(stalled, 2)
        assert got == [Dropped(7), got[1]]
        assert messages(got[1:]) == ["line 13"]
        await nothing_more(stalled)
        assert keeping_up.dropped == 0


async def test_lines_lost_at_the_end_are_reported_once_the_queue_drains(hub: LogHub) -> None:
    async with hub.subscribe() as stalled:
        publish(hub, *(f"line {n}" for n in range(1, 9)))
        got = await take(stalled, 6)
        assert messages(got[:5]) == [f"line {n}" for n in range(1, 6)]
        assert got[5] == Dropped(3)
        await nothing_more(stalled)


async def test_take_gives_what_is_queued_at_once_and_the_loss_after_it(hub: LogHub) -> None:
    """What a stream sends in one write: the lines queued, oldest first, then how many were
    lost once no line is left before the gap."""
    async with hub.subscribe() as stalled:
        publish(hub, *(f"line {n}" for n in range(1, 9)))  # a queue of 5: 3 lost
        assert messages(stalled.take(3)) == ["line 1", "line 2", "line 3"]
        rest = stalled.take(10)
        assert messages(rest[:2]) == ["line 4", "line 5"]
        assert rest[2:] == [Dropped(3)]
        assert stalled.take(10) == []
        publish(hub, "line 9")
        assert messages(stalled.take(10)) == ["line 9"]
        await nothing_more(stalled)


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (LogFilter(), ["a", "b", "c", "d", "e"]),
        (LogFilter(connection="other-db"), ["b"]),
        (LogFilter(script="get_user"), ["c"]),
        (LogFilter(level="warn"), ["d", "e"]),
        (LogFilter(level="error"), ["e"]),
        (LogFilter(invocation_id="inv-9"), ["e"]),
        (LogFilter(text="NEEDLE"), ["a", "d"]),
        (LogFilter(level="warn", text="needle"), ["d"]),
    ],
    ids=["all", "connection", "script", "warn", "error", "invocation", "text", "combined"],
)
async def test_filters_select_lines(hub: LogHub, selection: LogFilter, expected: list[str]) -> None:
    async with hub.subscribe(selection) as subscription:
        hub.publish(line("a needle", level="debug", subject=None))
        hub.publish(line("b", connection="other-db"))
        hub.publish(line("c", kind="get_user"))
        hub.publish(line("d Needle", level="warn"))
        hub.publish(line("e", level="error", invocation="inv-9"))
        got = await take(subscription, len(expected))
        await nothing_more(subscription)
    assert [message.split()[0] for message in messages(got)] == expected


async def test_the_text_filter_ignores_case_and_an_unknown_level_is_refused() -> None:
    record = ScriptLogRecord(
        id=1,  # type: ignore[arg-type]
        time=dt.datetime.now(dt.UTC),
        level="info",
        connection="c",
        script=None,
        invocation_id=None,
        subject=None,
        message="Connected to PostgreSQL",
    )
    assert LogFilter(text="postgresql").matches(record)
    assert not LogFilter(text="mysql").matches(record)
    with pytest.raises(ValueError, match="level must be one of"):
        LogFilter(level="fatal")  # type: ignore[arg-type]


async def test_replay_after_an_id_joins_stored_unwritten_and_live_lines(
    store: SqliteStore, hub: LogHub
) -> None:
    publish(hub, *(f"line {n}" for n in range(1, 7)))
    await hub.flush()
    publish(hub, *(f"line {n}" for n in range(7, 11)))  # not written yet
    assert len(await store.script_logs(after_id=None, since=None, limit=100)) == 6
    async with hub.subscribe(after_id=3) as subscription:
        publish(hub, "line 11")  # live: after the replay, once
        got = await take(subscription, 8)
        await nothing_more(subscription)
    assert messages(got) == [f"line {n}" for n in range(4, 12)]
    assert [item.id for item in got if isinstance(item, ScriptLogRecord)] == list(range(4, 12))


class _SlowWrites(SqliteStore):
    """A store whose writes of script lines hold until released: a write in flight."""

    def __init__(self, store: SqliteStore) -> None:
        super().__init__(store._db)
        self.release = asyncio.Event()
        self.writing = asyncio.Event()

    async def add_script_logs(self, records: Sequence[ScriptLogRecord]) -> int:
        self.writing.set()
        await self.release.wait()
        return await super().add_script_logs(records)


async def test_replay_during_a_write_in_flight_misses_nothing(store: SqliteStore) -> None:
    slow = _SlowWrites(store)
    async with LogHub(slow, LogsSettings(), flush_seconds=0.01) as hub:
        publish(hub, "line 1", "line 2", "line 3")
        await slow.writing.wait()  # lines 1-3 are being written
        publish(hub, "line 4")
        async with hub.subscribe(after_id=0) as subscription:
            slow.release.set()
            publish(hub, "line 5")
            got = await take(subscription, 5)
            await nothing_more(subscription)
    assert messages(got) == [f"line {n}" for n in range(1, 6)]
    assert [r.id for r in await store.script_logs(after_id=None, since=None, limit=9)] == [
        1,
        2,
        3,
        4,
        5,
    ]


async def test_replay_since_a_time_skips_older_lines(store: SqliteStore) -> None:
    async with LogHub(store, LogsSettings()) as hub:
        hub.publish(
            LogEvent(
                "info", "old", "legacy-db", "login", None, time=dt.datetime.now().timestamp() - 600
            )
        )
        publish(hub, "new 1")
        await hub.flush()
        publish(hub, "new 2")
        since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        async with hub.subscribe(since=since) as subscription:
            assert messages(await take(subscription, 2)) == ["new 1", "new 2"]
            await nothing_more(subscription)


async def test_replay_applies_the_filter(hub: LogHub) -> None:
    hub.publish(line("skip me", level="debug"))
    hub.publish(line("keep me", level="error"))
    await hub.flush()
    async with hub.subscribe(LogFilter(level="warn"), after_id=0) as subscription:
        assert messages(await take(subscription, 1)) == ["keep me"]
        await nothing_more(subscription)


async def test_replay_reads_the_store_page_by_page(hub: LogHub) -> None:
    publish(hub, *(f"line {n}" for n in range(1, 1201)))
    await hub.flush()
    async with hub.subscribe(after_id=0) as subscription:
        got = [await subscription.get() for _ in range(1200)]
        await nothing_more(subscription)
    assert messages([item for item in got if item]) == [f"line {n}" for n in range(1, 1201)]


async def test_lines_are_written_in_batches_within_the_flush_interval(
    store: SqliteStore, hub: LogHub
) -> None:
    publish(hub, "a", "b")
    await asyncio.sleep(0.2)
    assert [r.message for r in await store.script_logs(after_id=0, since=None, limit=9)] == [
        "a",
        "b",
    ]


async def test_ids_carry_on_after_a_restart_even_once_pruned(store: SqliteStore) -> None:
    settings = LogsSettings(retention_events=2)
    async with LogHub(store, settings) as hub:
        publish(hub, "a", "b", "c")
    # Closing wrote every line and pruned to the newest two.
    assert [r.id for r in await store.script_logs(after_id=0, since=None, limit=9)] == [2, 3]
    async with LogHub(store, settings) as hub:
        assert hub.last_id == 3
        publish(hub, "d")
        assert hub.last_id == 4
    await store.prune_script_logs(1, 0)  # every line
    assert await store.script_logs(after_id=0, since=None, limit=9) == []
    async with LogHub(store, settings) as hub:
        assert hub.last_id == 4


async def test_retention_prunes_by_age(store: SqliteStore) -> None:
    async with LogHub(store, LogsSettings(retention_hours=1)) as hub:
        hub.publish(
            LogEvent(
                "info", "old", "legacy-db", "login", None, time=dt.datetime.now().timestamp() - 7200
            )
        )
        publish(hub, "new")
    assert [r.message for r in await store.script_logs(after_id=0, since=None, limit=9)] == ["new"]


async def test_a_lone_surrogate_is_written_as_node_writes_it(
    store: SqliteStore, hub: LogHub
) -> None:
    async with hub.subscribe() as subscription:
        hub.publish(line("half \ud83d a smile", subject="\udfff@example.com"))
        [record] = await take(subscription, 1)
    await hub.flush()
    [stored] = await store.script_logs(after_id=0, since=None, limit=9)
    assert stored == record
    assert (stored.message, stored.subject) == ("half \ufffd a smile", "\ufffd@example.com")


async def test_closing_the_hub_ends_subscriptions_and_refuses_new_ones(
    store: SqliteStore,
) -> None:
    async with LogHub(store, LogsSettings()) as hub:
        subscription = hub.subscribe()
        waiting = asyncio.create_task(subscription.get())
        await asyncio.sleep(0)
        hub.close_subscriptions()
        assert await waiting is None
        assert subscription.closed
        assert hub.subscribers == 0
        late = hub.subscribe()
        assert late.closed
        assert [item async for item in late] == []
        publish(hub, "still kept")
    assert len(await store.script_logs(after_id=0, since=None, limit=9)) == 1


async def test_a_failed_write_is_logged_and_the_hub_goes_on(store: SqliteStore) -> None:
    class Failing(SqliteStore):
        fail = True

        async def add_script_logs(self, records: Sequence[ScriptLogRecord]) -> int:
            if self.fail:
                self.fail = False
                raise OSError("disk full")
            return await super().add_script_logs(records)

    with structlog.testing.capture_logs() as captured:
        async with LogHub(Failing(store._db), LogsSettings()) as hub:
            publish(hub, "lost")
            await hub.flush()
            publish(hub, "kept")
    assert [e["event"] for e in captured] == ["script_logs_not_written"]
    assert [r.message for r in await store.script_logs(after_id=0, since=None, limit=9)] == ["kept"]
