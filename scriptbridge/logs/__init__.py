"""The log stream: every console line of every script, numbered, fanned out to subscribers
through bounded queues, and kept in the store for replay (hub.py); its client (follower.py,
over sse.py). And the service's own structured lines: structlog configured once (setup.py),
with request and invocation ids bound to every line (context.py)."""

from __future__ import annotations

from scriptbridge.logs.context import REQUEST_ID_HEADER, invocation, request_ids
from scriptbridge.logs.filters import LEVELS, LogFilter
from scriptbridge.logs.follower import (
    DroppedNotice,
    StreamEvent,
    StreamQuery,
    follow,
    since_seconds,
)
from scriptbridge.logs.hub import LogHub
from scriptbridge.logs.setup import configure_logging
from scriptbridge.logs.subscription import Dropped, Item, Subscription
from scriptbridge.store import ScriptLogRecord

__all__ = [
    "LEVELS",
    "REQUEST_ID_HEADER",
    "Dropped",
    "DroppedNotice",
    "Item",
    "LogFilter",
    "LogHub",
    "ScriptLogRecord",
    "StreamEvent",
    "StreamQuery",
    "Subscription",
    "configure_logging",
    "follow",
    "invocation",
    "request_ids",
    "since_seconds",
]
