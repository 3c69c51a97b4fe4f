"""``GET /logs/stream``: the scripts' console lines as Server-Sent Events, live, filtered, and
replayed from where a subscriber left off.

The wire format, which ``scriptbridge logs tail`` (logs/follower.py) reads; lines end with LF:

- a console line: ``id: <id>``, ``event: log``, ``data: <ScriptLogRecord.as_json() on one
  line>``;
- lines lost to this subscriber because it fell behind: ``event: dropped``,
  ``data: {"dropped": N}``, without an id;
- every HEARTBEAT_SECONDS, the comment ``: ping``.

Each line's event is encoded once, whatever the number of subscribers it goes to. A stream
first replays the lines its subscriber missed, written here as fast as the client reads them;
the live lines then go out through the app's Fanout (api/fanout.py), which writes every
stream's queued lines together, on one clock, with no task per stream.

Query parameters (each optional): ``connection``, ``script`` (a script kind), ``level`` (the
lowest shown: debug, info, warn or error), ``invocation`` (an invocation id), ``q`` (text the
message contains, any case), and ``since``: an event id (the lines after it) or a duration
such as 30s, 10m, 2h or 1d (the lines of that last while). The ``Last-Event-ID`` header, which
a reconnecting EventSource sends, wins over ``since``. Without either, the stream starts
with the next line. It needs a Management API token with ``read:logs``; every refusal is
answered before the stream starts, in the Management API's error shape.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from typing import Final

import structlog
from aiohttp import web
from aiohttp_sse import EventSourceResponse

from scriptbridge.api import fanout
from scriptbridge.api.bearer import authorize
from scriptbridge.api.fanout import BATCH
from scriptbridge.api.keys import FANOUT, LOG_HUB, SERVICES
from scriptbridge.engine import KINDS
from scriptbridge.errors import InvalidQueryStringError
from scriptbridge.logs import LEVELS, Dropped, Item, LogFilter, ScriptLogRecord, Subscription
from scriptbridge.logs.context import REQUEST_ID_HEADER

_log = structlog.get_logger("scriptbridge.api")

routes = web.RouteTableDef()

#: Seconds between two heartbeat comments, which keep an idle stream (and the proxies on its
#: way) open.
HEARTBEAT_SECONDS = 15.0

_DURATION: Final = re.compile(r"([0-9]{1,9})([smhd])")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVENT_ID: Final = re.compile(r"[0-9]{1,18}")


@routes.get("/logs/stream")
async def log_stream(request: web.Request) -> web.StreamResponse:
    authorize(request, "read:logs")
    selection = _selection(request)
    after_id, since = _start(request)
    subscription = request.app[LOG_HUB].subscribe(selection, after_id=after_id, since=since)
    try:
        response = EventSourceResponse(
            sep="\n", ping_interval=HEARTBEAT_SECONDS, send_timeout=fanout.SEND_TIMEOUT_SECONDS
        )
        # The stream sends its headers before request_ids sees the response: add the id here.
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if isinstance(request_id, str):
            response.headers[REQUEST_ID_HEADER] = request_id
        await response.prepare(request)
        async with response:
            await _relay(request, response, subscription)
    finally:
        subscription.close()
    return response


async def _relay(
    request: web.Request, response: EventSourceResponse, subscription: Subscription
) -> None:
    """The missed lines, a write per batch of up to BATCH; then the live ones, through the
    fanout, until the subscription ends or the client goes away."""
    try:
        while batch := await subscription.replayed(BATCH):
            await _write(request, response, b"".join(map(encoded, batch)))
        # Sends the headers if no event has yet: the fanout writes to the connection itself.
        await _write(request, response, b"")
        await request.app[FANOUT].run(request, subscription)
    except ConnectionError:
        return  # the client went away, or stopped reading
    except Exception:
        # Too late for an error answer: the stream has started. The client reconnects with
        # Last-Event-ID and misses nothing.
        _log.exception("log_stream_failed")
    finally:
        request.app[FANOUT].forget(subscription)  # cancelled, say: nothing more is written


async def _write(request: web.Request, response: EventSourceResponse, data: bytes) -> None:
    """Write ``data``, waiting at most SEND_TIMEOUT_SECONDS for the client to take it; a
    client that takes nothing for that long is cut off."""
    try:
        async with asyncio.timeout(fanout.SEND_TIMEOUT_SECONDS):
            await response.write(data)
    except TimeoutError:
        if request.transport is not None:
            request.transport.abort()  # a stalled client never drains: do not wait for it
        raise ConnectionResetError("the client took nothing for too long") from None


def encoded(item: Item) -> bytes:
    if isinstance(item, Dropped):
        return f"event: dropped\ndata: {json.dumps({'dropped': item.count})}\n\n".encode()
    return _log_event(item)


def _log_event(record: ScriptLogRecord) -> bytes:
    """A line's event, encoded once for all the subscribers it goes to: the latest lines'
    events are kept (a subscriber further behind gets its lines encoded again). json.dumps
    escapes every line end, so the data is one line."""
    kept = _ENCODED.get(record.id)
    if kept is not None and kept[0] is record:
        return kept[1]
    data = json.dumps(record.as_json())
    event = f"id: {record.id}\nevent: log\ndata: {data}\n\n".encode()
    if len(_ENCODED) >= _ENCODED_KEPT:
        del _ENCODED[next(iter(_ENCODED))]  # the oldest
    _ENCODED[record.id] = (record, event)
    return event


#: The latest lines' events by id, with the line they encode (ids start again in another
#: store: the line itself tells whether an event is its own).
_ENCODED: dict[int, tuple[ScriptLogRecord, bytes]] = {}
_ENCODED_KEPT: Final = 1024


def _selection(request: web.Request) -> LogFilter:
    query = request.query
    connection = query.get("connection") or None
    if connection is not None and request.app[SERVICES].connections.get(connection) is None:
        names = ", ".join(c.name for c in request.app[SERVICES].settings.connections)
        raise InvalidQueryStringError(
            f"Query validation error: 'connection' names no connection ({connection!r}); "
            f"connections: {names}."
        )
    script = query.get("script") or None
    if script is not None and script not in KINDS:
        raise InvalidQueryStringError(
            f"Query validation error: 'script' must be one of {', '.join(KINDS)}."
        )
    level = query.get("level") or "debug"
    if level not in LEVELS:
        raise InvalidQueryStringError(
            f"Query validation error: 'level' must be one of {', '.join(LEVELS)}."
        )
    return LogFilter(
        connection=connection,
        script=script,
        level=level,
        invocation_id=query.get("invocation") or None,
        text=query.get("q") or None,
    )


def _start(request: web.Request) -> tuple[int | None, dt.datetime | None]:
    """Where the replay starts: (after this event id, at or after this time), or neither."""
    last_event_id = request.headers.get("Last-Event-ID")
    if last_event_id:
        if not _EVENT_ID.fullmatch(last_event_id):
            raise InvalidQueryStringError(
                "The Last-Event-ID header must be the id of an event of this stream."
            )
        return int(last_event_id), None
    since = request.query.get("since") or None
    if since is None:
        return None, None
    if _EVENT_ID.fullmatch(since):
        return int(since), None
    duration = _DURATION.fullmatch(since)
    if duration is None:
        raise InvalidQueryStringError(
            "Query validation error: 'since' must be an event id, or a duration such as 30s, "
            "10m, 2h or 1d."
        )
    seconds = int(duration[1]) * _UNIT_SECONDS[duration[2]]
    try:
        return None, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    except OverflowError:  # before the year 1: every line kept
        return 0, None
