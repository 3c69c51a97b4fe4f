"""The live part of every log stream: one writer, on one clock, for all the streams.

A stream first replays what its subscriber missed (api/stream.py writes that through its
response), then hands its subscription to the Fanout, and no task runs for it any more.
When lines are queued for any stream, the fanout's next tick writes, for each stream, every
event queued for it in one write straight to its connection, in the response's HTTP/1.1
chunk framing. A tick comes at once after an idle spell and at most every GATHER_SECONDS
under load (longer with many streams: see WRITES_PER_SECOND), so each write carries many
lines. A stream then costs one send per tick, rather than a task's wake-up, a timer and
aiohttp's write path (bench/bench_stream.py measures it).

A stream whose connection already holds HIGH_WATER_BYTES unsent is skipped: its lines wait
in its subscription's bounded queue, which loses (and counts) what does not fit, so the
writer never waits for a slow subscriber. One timer, every PROBE_SECONDS, ends the streams
whose client went away, and cuts off those whose client has taken nothing for
SEND_TIMEOUT_SECONDS while lines waited.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from aiohttp import HttpVersion11, web

from scriptbridge.logs import Item, Subscription

_log = structlog.get_logger("scriptbridge.api")

#: The least time between two writes to a stream, in seconds: lines that come faster wait
#: for the next tick and go out together.
GATHER_SECONDS = 0.025
#: The most writes per second over all the streams. Each costs the event loop about as much
#: as a send (some 10 µs), so with many streams the ticks spread out (100 streams: one
#: every 100 ms) and what the fanout costs stays bounded, whatever the number of subscribers.
WRITES_PER_SECOND = 1000
#: The most events sent to one stream in one write.
BATCH = 256
#: Bytes unsent on a connection past which its stream gets no more writes until they drain.
HIGH_WATER_BYTES = 64 * 1024
#: Seconds between two checks that the streams' clients are still connected and reading.
PROBE_SECONDS = 1.0
#: Seconds a stream's lines may wait for a client that takes nothing before it is cut off.
SEND_TIMEOUT_SECONDS = 120.0


@dataclass(eq=False, slots=True)
class _Live:
    transport: asyncio.Transport
    chunked: bool
    subscription: Subscription
    ended: asyncio.Future[None]
    #: Since when (loop time) lines have waited for a connection that holds too much unsent.
    blocked_since: float | None = field(default=None)


class Fanout:
    """Sends the live lines of every stream handed to it with :meth:`run`; ``encode`` gives
    an item's event as bytes."""

    def __init__(self, encode: Callable[[Item], bytes]) -> None:
        self._encode = encode
        self._streams: dict[Subscription, _Live] = {}
        self._tick: asyncio.TimerHandle | None = None
        self._last_tick = -math.inf
        self._probe: asyncio.TimerHandle | None = None

    def run(self, request: web.Request, subscription: Subscription) -> asyncio.Future[None]:
        """Send ``subscription``'s lines to ``request``'s client from now on (the response's
        headers are sent, and the replay is over). The future is done when the stream has
        ended: the subscription closed and its last lines sent, the client gone, or cut off."""
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()
        transport = request.transport
        if transport is None or transport.is_closing() or subscription.closed:
            ended.set_result(None)
            return ended
        chunked = request.version >= HttpVersion11
        self._streams[subscription] = _Live(transport, chunked, subscription, ended)
        subscription.listen(self._wake)
        self._wake()  # for the lines that came during the replay
        if self._probe is None:
            self._probe = loop.call_later(PROBE_SECONDS, self._check)
        return ended

    def close(self) -> None:
        """End every stream now, unsent lines and all (the service is stopping)."""
        for live in list(self._streams.values()):
            self._end(live)
        for timer in (self._tick, self._probe):
            if timer is not None:
                timer.cancel()
        self._tick = self._probe = None

    def _wake(self, subscription: Subscription | None = None) -> None:
        """Lines are queued (or a subscription closed): have the next tick come, at once
        unless one came less than GATHER_SECONDS ago, or at once anyway when a queue is
        half full (it would soon lose lines)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._tick is not None:
            if self._tick.when() <= now or subscription is None or not subscription.filling:
                return
            self._tick.cancel()
            due = now
        else:
            period = max(GATHER_SECONDS, len(self._streams) / WRITES_PER_SECOND)
            due = max(now, self._last_tick + period)
        self._tick = loop.call_at(due, self._send)

    def _send(self) -> None:
        loop = asyncio.get_running_loop()
        self._tick = None
        self._last_tick = now = loop.time()
        again = False
        for live in list(self._streams.values()):
            try:
                again = self._send_to(live, now) or again
            except Exception:
                # One stream's failure must not stop the others: that one ends, and its
                # client reconnects with Last-Event-ID.
                _log.exception("log_stream_write_failed")
                live.transport.abort()
                self._end(live)
        if again:
            self._wake()

    def _send_to(self, live: _Live, now: float) -> bool:
        """Write ``live``'s queued lines, if its connection takes them; True when it has
        lines left for the next tick."""
        transport, subscription = live.transport, live.subscription
        if transport.is_closing():
            self._end(live)
            return False
        if transport.get_write_buffer_size() >= HIGH_WATER_BYTES:
            if subscription.closed:
                # The service is stopping and the client is behind: it is not waited for
                # (nor is the end of the response, which would wait for the bytes unsent).
                # The lines it missed are kept, and its reconnect replays them.
                transport.abort()
                self._end(live)
                return False
            if subscription.pending and live.blocked_since is None:
                live.blocked_since = now
            return subscription.pending
        live.blocked_since = None
        items = subscription.take(BATCH)
        if items:
            data = b"".join(map(self._encode, items))
            if live.chunked:
                data = b"%x\r\n%b\r\n" % (len(data), data)
            transport.write(data)
        if subscription.pending:
            return True
        if subscription.closed:
            self._end(live)  # its last lines are written
        return False

    def _check(self) -> None:
        """Every PROBE_SECONDS while streams run: end those whose client went away, and cut
        off those whose lines have waited SEND_TIMEOUT_SECONDS."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        for live in list(self._streams.values()):
            blocked = live.blocked_since
            if live.transport.is_closing():
                self._end(live)
            elif blocked is not None and now - blocked >= SEND_TIMEOUT_SECONDS:
                live.transport.abort()  # a stalled client never drains: do not wait for it
                self._end(live)
        self._probe = loop.call_later(PROBE_SECONDS, self._check) if self._streams else None

    def forget(self, subscription: Subscription) -> None:
        """End ``subscription``'s stream now, if it runs here (its handler is leaving)."""
        live = self._streams.get(subscription)
        if live is not None:
            self._end(live)

    def _end(self, live: _Live) -> None:
        if self._streams.pop(live.subscription, None) is None:
            return
        live.subscription.close()
        if not live.ended.done():
            live.ended.set_result(None)
