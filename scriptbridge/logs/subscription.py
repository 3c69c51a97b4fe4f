"""One subscriber's view of the stream: first the lines it missed (replayed from the store),
then live ones from a bounded queue that never makes the publisher wait."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

from scriptbridge.logs.filters import LogFilter
from scriptbridge.store import ScriptLogRecord, Store


@dataclass(frozen=True)
class Dropped:
    """``count`` lines were lost to this subscriber here: its queue was full when they came."""

    count: int


#: What a subscription yields.
Item = ScriptLogRecord | Dropped


class Subscription:
    """Lines matching ``filter``: the replayed ones in id order, then the live ones, without a
    gap or a repeat between the two, and a Dropped marker where lines were lost.

    Made by LogHub.subscribe, which registers it at once; closing it (``close``, or leaving
    ``async with``) unregisters it. ``get`` (or ``async for``) is for one consumer.
    """

    def __init__(
        self,
        selection: LogFilter,
        capacity: int,
        replay: Replay | None,
        on_close: Callable[[Subscription], None],
    ) -> None:
        self.filter = selection
        #: Lines lost to this subscriber in all.
        self.dropped = 0
        self._capacity = capacity
        self._half = (capacity + 1) // 2
        self._replay = replay
        self._on_close = on_close
        self._selective = not selection.selects_all
        self._items: deque[Item] = deque()
        self._markers = 0  # the Dropped markers in _items (the rest are lines)
        self._unreported = 0  # lost since the last marker queued
        self._wake = asyncio.Event()
        self._listener: Callable[[Subscription], None] | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def replaying(self) -> bool:
        """True while missed lines are still to be replayed (``take`` gives none then)."""
        return self._replay is not None

    @property
    def filling(self) -> bool:
        """True once the queue is half full: time to take lines before it loses some."""
        return len(self._items) - self._markers >= self._half

    @property
    def pending(self) -> bool:
        """True when ``take`` would give something."""
        return self._replay is None and bool(self._items or self._unreported)

    def listen(self, listener: Callable[[Subscription], None]) -> None:
        """Have ``listener(self)`` called, on the publisher's turn, when a line is queued
        while none was, when the queue becomes half full, and when the subscription closes:
        for a consumer that takes lines (``take``) without a task waiting on ``get``."""
        self._listener = listener

    def offer(self, record: ScriptLogRecord) -> None:
        """A live line, from the publisher: queued if it matches and there is room, else
        counted as lost. Never waits. (It runs once per line and subscriber: keep it lean.)"""
        if self._closed or (self._selective and not self.filter.matches(record)):
            return
        items = self._items
        queued = len(items) - self._markers
        if queued >= self._capacity:
            self._unreported += 1
            self.dropped += 1
            return
        if not items:
            self._wake.set()  # a get may be waiting: it waits only on an empty queue
            if self._listener is not None:
                self._listener(self)
        if self._unreported:
            items.append(Dropped(self._unreported))
            self._markers += 1
            self._unreported = 0
        items.append(record)
        if queued + 1 == self._half and self._listener is not None:
            self._listener(self)

    async def get(self) -> Item | None:
        """The next line or marker; None once closed and drained. Cancelling it (a timeout
        around it) loses nothing."""
        if self._replay is not None:
            replayed = await self.replayed(1)
            if replayed:
                return replayed[0]
        while True:
            item = self._next_queued()
            if item is not None or self._closed:
                return item
            self._wake.clear()
            await self._wake.wait()

    async def replayed(self, limit: int) -> list[ScriptLogRecord]:
        """Up to ``limit`` of the missed lines still to be replayed, in id order; none once
        the replay is over (the live lines follow, from ``take`` or ``get``)."""
        taken: list[ScriptLogRecord] = []
        while self._replay is not None and not self._closed and len(taken) < limit:
            record = await self._replay.next()
            if record is None:
                self._replay = None
            elif self.filter.matches(record):
                taken.append(record)
        return taken

    def take(self, limit: int) -> list[Item]:
        """Up to ``limit`` of the live lines and markers queued, at once and without waiting
        (none while lines are still to be replayed): what ``get`` would give next."""
        if self._replay is not None:
            return []
        items = self._items
        if len(items) <= limit:
            taken = list(items)
            items.clear()
        else:
            taken = [items.popleft() for _ in range(limit)]
        if self._markers:
            self._markers -= sum(1 for item in taken if type(item) is Dropped)
        if self._unreported and not items and len(taken) < limit:
            taken.append(Dropped(self._unreported))
            self._unreported = 0
        return taken

    def _next_queued(self) -> Item | None:
        if self._items:
            item = self._items.popleft()
            if type(item) is Dropped:
                self._markers -= 1
            return item
        if self._unreported:
            lost, self._unreported = self._unreported, 0
            return Dropped(lost)
        return None

    def close(self) -> None:
        """Stop receiving lines and unregister; a waiting ``get`` ends with what is queued."""
        if not self._closed:
            self._closed = True
            self._replay = None
            self._wake.set()
            self._on_close(self)
            if self._listener is not None:
                self._listener(self)

    def __aiter__(self) -> AsyncIterator[Item]:
        return self

    async def __anext__(self) -> Item:
        item = await self.get()
        if item is None:
            raise StopAsyncIteration
        return item

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Replay:
    """The lines a new subscriber asked to see again: those the store keeps, merged in id
    order with those not written yet, up to ``until`` (the last id published when it
    subscribed: later lines reach it live)."""

    #: Lines read from the store at a time.
    PAGE = 500

    def __init__(
        self,
        store: Store,
        *,
        after_id: int | None,
        since: dt.datetime | None,
        until: int,
        unwritten: Iterable[ScriptLogRecord],
    ) -> None:
        self._store = store
        self._cursor = after_id or 0
        self._since = since
        self._until = until
        self._stored: deque[ScriptLogRecord] = deque()
        self._store_done = False
        self._unwritten = deque(
            record
            for record in unwritten
            if self._cursor < record.id <= until and (since is None or record.time >= since)
        )

    async def next(self) -> ScriptLogRecord | None:
        """The next missed line, or None when there are no more."""
        if not self._stored and not self._store_done:
            await self._read_page()
        stored = self._stored[0] if self._stored else None
        pending = self._unwritten[0] if self._unwritten else None
        if pending is not None and (stored is None or pending.id <= stored.id):
            self._unwritten.popleft()
            if stored is not None and stored.id == pending.id:
                self._stored.popleft()  # written meanwhile: the same line
            return pending
        if stored is not None:
            return self._stored.popleft()
        return None

    async def _read_page(self) -> None:
        page = await self._store.script_logs(
            after_id=self._cursor, since=self._since, limit=self.PAGE
        )
        if len(page) < self.PAGE or page[-1].id >= self._until:
            self._store_done = True
        if page:
            self._cursor = page[-1].id
        self._stored.extend(record for record in page if record.id <= self._until)
