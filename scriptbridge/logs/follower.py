"""The client side of a service's log stream (``GET /logs/stream``): it gets a Management API
token, opens the stream with the filters, and follows it for as long as it is iterated.

A stream that breaks (the service restarts, the network drops) is opened again after a
backoff (0.2 s, doubling up to 5 s), resuming after the last event handed out, with
``Last-Event-ID``: no event is lost or handed out twice. A token that the stream refuses (it
expired) is renewed. A service that cannot be reached is tried again and again, with a
notice each time. What asking again will not change (wrong credentials, a missing scope, a
filter the service refuses) is a :class:`~scriptbridge.errors.LogStreamRefusedError`.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Final

import aiohttp

from scriptbridge.errors import LogStreamRefusedError
from scriptbridge.logs.sse import ServerSentEvent, SseParser

__all__ = ["DroppedNotice", "StreamEvent", "StreamQuery", "follow", "since_seconds"]

#: The first wait before opening the stream again, and the longest.
BACKOFF: Final = (0.2, 5.0)
#: The service sends a heartbeat comment every few seconds; a stream silent this long is dead.
SILENCE_SECONDS: Final = 60.0
#: How long a connection may take to open, and a token to come.
CONNECT_SECONDS: Final = 10.0
TOKEN_SECONDS: Final = 30.0
_DURATION: Final = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def since_seconds(since: str) -> int | None:
    """The seconds a duration such as ``30s``, ``10m``, ``2h`` or ``1d`` stands for; None
    when ``since`` is not a duration (an event id is a plain number)."""
    match = _DURATION.fullmatch(since)
    if match is None:
        return None
    return int(match[1]) * _UNIT_SECONDS[match[2]]


@dataclass(frozen=True)
class StreamQuery:
    """The query of the stream: which events, and from when (``since``: a duration such as
    ``10m``, or an event id, after which to replay)."""

    connection: str | None = None
    script: str | None = None
    #: The lowest level: debug, info, warn or error.
    level: str | None = None
    invocation: str | None = None
    q: str | None = None
    since: str | None = None

    def params(self) -> dict[str, str]:
        names = ("connection", "script", "level", "invocation", "q", "since")
        return {name: value for name in names if (value := getattr(self, name)) is not None}


@dataclass(frozen=True)
class StreamEvent:
    """One event of the stream: its id, and its fields as the service sent them (``id``,
    ``time``, ``level``, ``connection``, ``script``, ``invocation_id``, ``subject``,
    ``message``)."""

    id: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class DroppedNotice:
    """The service dropped ``count`` events for this subscriber: it fell behind."""

    count: int


@dataclass
class _Position:
    """Where a stream that breaks resumes: after the last event handed out, or, before the
    first, far enough back to cover the time since it was opened."""

    since: str | None
    last_id: str | None = None
    opened_at: float | None = None

    def query(self, filters: StreamQuery) -> tuple[dict[str, str], dict[str, str]]:
        """The query parameters and headers to open the stream with."""
        params = filters.params()
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.last_id is not None:
            params.pop("since", None)
            headers["Last-Event-ID"] = self.last_id
        elif self.opened_at is not None:
            # Nothing arrived yet: ask for what came since the stream was first opened (an
            # event id given as --since still says exactly where to resume).
            back = None if self.since is None else since_seconds(self.since)
            if self.since is None or back is not None:
                elapsed = math.ceil(time.monotonic() - self.opened_at)
                params["since"] = f"{elapsed + (back or 0)}s"
        return params, headers


async def follow(
    url: str,
    client_id: str,
    client_secret: str,
    filters: StreamQuery,
    *,
    notice: Callable[[str], None],
) -> AsyncIterator[StreamEvent | DroppedNotice]:
    """The events of the log stream of the service at ``url`` (ending in /), until the
    iteration stops; ``notice`` hears, in a sentence, each time the stream is opened again
    and why."""
    timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=CONNECT_SECONDS, sock_read=SILENCE_SECONDS
    )
    position = _Position(filters.since)
    token: str | None = None
    delay = BACKOFF[0]
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            try:
                fresh = token is None
                if token is None:
                    token = await _token(session, url, client_id, client_secret)
                params, headers = position.query(filters)
                headers["Authorization"] = f"Bearer {token}"
                async with session.get(
                    f"{url}logs/stream", params=params, headers=headers
                ) as response:
                    if response.status == 401 and not fresh:
                        token = None  # it expired: renew it, and open the stream again now
                        continue
                    await _check(response, "GET /logs/stream")
                    if position.opened_at is None:
                        position.opened_at = time.monotonic()
                    parser = SseParser()
                    async for chunk in response.content.iter_any():
                        delay = BACKOFF[0]
                        for event in parser.feed(chunk):
                            if event.type not in ("log", "dropped"):
                                continue  # a type this client does not know
                            item = _item(event)
                            if item is None:
                                notice(f"skipped an event the service sent malformed: {event}")
                                continue
                            if isinstance(item, StreamEvent):
                                position.last_id = item.id
                            yield item
                problem = "the service ended the stream"
            except _PassingError as retry:
                problem = str(retry)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                problem = _describe(exc, url)
            notice(f"{problem}; connecting again in {delay:g} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF[1])


def _item(event: ServerSentEvent) -> StreamEvent | DroppedNotice | None:
    """What a log or dropped event stands for; None when it is malformed."""
    try:
        data = json.loads(event.data)
        if event.type == "log" and event.id is not None and isinstance(data, dict):
            return StreamEvent(event.id, data)
        if event.type == "dropped":
            return DroppedNotice(int(data["dropped"]))
    except (ValueError, TypeError, KeyError):
        return None
    return None


class _PassingError(Exception):
    """The service answered with an error that may pass (a 5xx)."""


async def _token(
    session: aiohttp.ClientSession, url: str, client_id: str, client_secret: str
) -> str:
    """A Management API token for the client (client_credentials)."""
    body = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "audience": f"{url}api/v2/",
    }
    async with session.post(
        f"{url}oauth/token", json=body, timeout=aiohttp.ClientTimeout(total=TOKEN_SECONDS)
    ) as response:
        await _check(response, f"a token for the client {client_id}")
        text = await response.text(errors="replace")
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str):
        raise LogStreamRefusedError(url, response.status, "the token answer has no access_token")
    return token


async def _check(response: aiohttp.ClientResponse, asked: str) -> None:
    """Return when the response is a success; raise _PassingError for a server error, and
    LogStreamRefusedError for a refusal, in the words of the service's error body."""
    if response.status < 400:
        return
    text = await response.text(errors="replace")
    reason = _reason(text) or response.reason or "no reason given"
    if response.status >= 500:
        origin = response.url.origin()
        raise _PassingError(f"{origin} answered {response.status} to {asked}: {reason}")
    if response.status == 404 and asked.startswith("GET "):
        reason = "no log stream here; is it a scriptbridge service, of a version that has one?"
    raise LogStreamRefusedError(str(response.url.origin()), response.status, f"{asked}: {reason}")


def _reason(text: str) -> str | None:
    """The message of an error body: the Management API's or the OAuth endpoints' shape."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:200] or None
    if not isinstance(body, dict):
        return None
    for key in ("message", "error_description", "error"):
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


def _describe(exc: BaseException, url: str) -> str:
    """A broken connection in a few words, without a traceback."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot reach {url}: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"cannot reach {url}: it did not answer within {CONNECT_SECONDS:g} s"
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return f"the stream from {url} went silent for {SILENCE_SECONDS:g} s"
    if isinstance(exc, TimeoutError):
        return f"{url} did not answer in time"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return f"lost the stream from {url}"
    return f"lost the stream from {url}: {exc}"
