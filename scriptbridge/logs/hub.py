"""LogHub: every console line of every script, numbered, fanned out to subscribers and kept
in the store for replay.

``publish`` runs on the event loop, called by the engine for each line; it never waits. It
gives the line the next id, queues it for the store, and offers it to each subscriber's
bounded queue (a full queue loses the line for that subscriber alone, and counts it). A
background task writes the queued lines in batches and prunes the store to the retention
settings. Ids carry on from the store's highest after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import time
from collections import deque
from types import TracebackType
from typing import Final

import structlog

from scriptbridge.engine import LogEvent
from scriptbridge.logs.filters import LogFilter
from scriptbridge.logs.subscription import Replay, Subscription
from scriptbridge.settings import LogsSettings
from scriptbridge.store import ScriptLogId, ScriptLogRecord, Store

_log = structlog.get_logger("scriptbridge.logs")

#: The longest a line waits before it is written, in seconds.
FLUSH_SECONDS: Final = 0.1
#: Lines written in one transaction; this many waiting are written at once.
BATCH: Final = 500
#: The least time between two prunes after writes, and the most between two prunes at all.
_PRUNE_AFTER_WRITES: Final = 1.0
_PRUNE_ANYWAY: Final = 60.0
#: A UTF-16 surrogate left alone in a JavaScript string (json.loads pairs up the others).
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class LogHub:
    """The stream of the scripts' console lines. ``async with LogHub(store, settings) as
    hub``: on exit, subscriptions end and every line published is written."""

    def __init__(
        self,
        store: Store,
        settings: LogsSettings,
        *,
        flush_seconds: float = FLUSH_SECONDS,
        batch: int = BATCH,
    ) -> None:
        self._store = store
        self._settings = settings
        self._flush_seconds = flush_seconds
        self._batch = batch
        self._last_id = 0
        # Lines not yet written; past the retention count, the oldest would be pruned anyway.
        self._unwritten: deque[ScriptLogRecord] = deque(maxlen=settings.retention_events)
        self._writing: list[ScriptLogRecord] = []  # the batch being written
        self._write_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._subscribers: set[Subscription] = set()
        self._accepting = False  # subscribers, until close_subscriptions
        self._open = False
        self._writer: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LogHub:
        self._last_id = await self._store.last_script_log_id()
        await self._prune()
        self._open = self._accepting = True
        self._writer = asyncio.create_task(self._write_loop(), name="log-hub-writer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close_subscriptions()
        self._open = False
        self._wake.set()
        if self._writer is not None:
            await self._writer  # it writes what is left, then ends
            self._writer = None

    @property
    def last_id(self) -> ScriptLogId:
        """The id of the last line published (or, before any, the store's highest)."""
        return ScriptLogId(self._last_id)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, event: LogEvent) -> None:
        """Number ``event``, queue it for the store, and offer it to every subscriber."""
        self._last_id += 1
        record = ScriptLogRecord(
            id=ScriptLogId(self._last_id),
            time=dt.datetime.fromtimestamp(event.time, dt.UTC),
            level=event.level,
            connection=event.connection,
            script=event.kind,
            invocation_id=event.invocation_id,
            subject=None if event.subject is None else _text(event.subject),
            message=_text(event.message),
        )
        if self._open:
            self._unwritten.append(record)
            if len(self._unwritten) >= self._batch:
                self._wake.set()
        for subscriber in self._subscribers:
            subscriber.offer(record)

    def subscribe(
        self,
        selection: LogFilter | None = None,
        *,
        after_id: int | None = None,
        since: dt.datetime | None = None,
    ) -> Subscription:
        """The lines matching ``selection`` published from now on, preceded, when
        ``after_id`` or ``since`` is given, by the kept lines with a greater id or a time at
        or after ``since``. Close the subscription when done (or use ``async with``)."""
        replay = None
        if after_id is not None or since is not None:
            replay = Replay(
                self._store,
                after_id=after_id,
                since=since,
                until=self._last_id,
                unwritten=[*self._writing, *self._unwritten],
            )
        subscription = Subscription(
            selection or LogFilter(),
            self._settings.subscriber_queue,
            replay,
            self._subscribers.discard,
        )
        if self._accepting:
            self._subscribers.add(subscription)
        else:
            subscription.close()
        return subscription

    def close_subscriptions(self) -> None:
        """End every subscription, and refuse new ones (they start closed): the service is
        stopping, and its streams must not hold it up. Lines are still kept."""
        self._accepting = False
        for subscription in list(self._subscribers):
            subscription.close()

    async def flush(self) -> None:
        """Write every line published so far."""
        async with self._write_lock:
            while self._unwritten:
                count = min(len(self._unwritten), self._batch)
                self._writing = [self._unwritten.popleft() for _ in range(count)]
                try:
                    kept = await self._store.add_script_logs(self._writing)
                except Exception:
                    _log.exception("script_logs_not_written", lines=count)
                else:
                    if kept < count:
                        # Their ids were taken: another process sharing the store wrote them.
                        _log.warning("script_logs_ids_taken", lines=count - kept)
                finally:
                    self._writing = []

    async def _write_loop(self) -> None:
        wrote = False
        last_prune = time.monotonic()
        while self._open:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._flush_seconds):
                    await self._wake.wait()
            self._wake.clear()
            wrote = wrote or bool(self._unwritten)
            await self.flush()
            since_prune = time.monotonic() - last_prune
            if (wrote and since_prune >= _PRUNE_AFTER_WRITES) or since_prune >= _PRUNE_ANYWAY:
                await self._prune()
                wrote, last_prune = False, time.monotonic()
        await self.flush()
        await self._prune()

    async def _prune(self) -> None:
        try:
            await self._store.prune_script_logs(
                self._settings.retention_events, self._settings.retention_hours * 3600
            )
        except Exception:
            _log.exception("script_logs_not_pruned")


def _text(text: str) -> str:
    """``text`` as Node writes it to a UTF-8 stream: a lone surrogate becomes U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)
