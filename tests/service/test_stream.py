"""GET /logs/stream against the running service: logins whose scripts print strings, objects,
errors and secrets, and what a subscriber receives over HTTP: the fields, the filters, replay
after a reconnect, drop accounting for a stalled subscriber, redaction, the token it needs,
and subscriptions that end with their clients and with the service."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from server_process import Servers, client_session
from service_harness import (
    ALL_SCOPES,
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTION,
    Service,
    call,
    management_token,
    service,
    write_config,
)

from scriptbridge.api import fanout
from scriptbridge.api import stream as stream_api
from scriptbridge.engine import LogEvent

OTHER = "other-db"
DB_PASSWORD = "s3cr3t-DB-pa55"
PASSWORD = "hunter2-Pa55word!"
#: Lines the "many" login prints, and the characters of each.
MANY = 50
FILLER = 8000

LOGIN = f"""
function login(email, password, callback) {{
  console.log('login of ' + email);
  if (email.startsWith('objects')) {{
    console.log({{ user: email, nested: {{ deep: [1, 2, 3] }}, n: 42 }});
    console.debug('a debug line');
    console.info('an info line');
    console.warn('a warning about', email);
    console.error('an error line');
  }} else if (email.startsWith('secret')) {{
    console.log('db password ' + configuration.DB_PASSWORD + ', password ' + password);
    console.log({{ password: password, db: configuration.DB_PASSWORD }});
    callback(new Error('no luck with ' + password));
    return;
  }} else if (email.startsWith('throws')) {{
    throw new Error('legacy db unreachable');
  }} else if (email.startsWith('many')) {{
    // One line every 2 ms, so that a subscriber that reads keeps up.
    const filler = 'x'.repeat({FILLER});
    let i = 0;
    const next = () => {{
      i += 1;
      console.log('line ' + i + ' ' + filler);
      if (i < {MANY}) return setTimeout(next, 2);
      callback(null, {{ user_id: email, email: email }});
    }};
    return next();
  }}
  callback(null, {{ user_id: email, email: email }});
}}
"""
GET_USER = """
function getUser(email, callback) {
  console.log('get_user of ' + email);
  callback(null);
}
"""


def configure(tmp_path: Path, legacy_db: Path, *, logs: str = "") -> Path:
    """Two connections running the scripts above, DB_PASSWORD in their configuration, and
    ``logs`` lines in [logs]."""
    scripts = tmp_path / "scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "login.js").write_text(LOGIN)
    (scripts / "get_user.js").write_text(GET_USER)
    config = write_config(tmp_path, legacy_db, scripts=scripts, scopes=ALL_SCOPES)
    config.write_text(
        config.read_text()
        + f"""DB_PASSWORD = "{DB_PASSWORD}"

[[connections]]
name = "{OTHER}"
runners = 1
[connections.scripts]
login = "{scripts / "login.js"}"
get_user = "{scripts / "get_user.js"}"

[logs]
{logs}
"""
    )
    return config


@pytest.fixture
async def streaming(tmp_path: Path, legacy_db: Path) -> AsyncIterator[Service]:
    async with service(configure(tmp_path, legacy_db), legacy_db) as running:
        yield running
        await unsubscribed(running)  # every subscription of the test ended with its client


@pytest.fixture(autouse=True)
def prompt_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream notices its client left within 50 ms, not a second."""
    monkeypatch.setattr(fanout, "PROBE_SECONDS", 0.05)


@dataclass
class Event:
    """One event as it came over the wire: its field lines, and comments before it."""

    lines: list[str]
    comments: list[str] = field(default_factory=list)

    def field(self, name: str) -> str | None:
        values = [line.split(": ", 1)[1] for line in self.lines if line.startswith(name + ": ")]
        assert len(values) <= 1, self.lines
        return values[0] if values else None

    @property
    def type(self) -> str | None:
        return self.field("event")

    @property
    def data(self) -> Any:
        data = self.field("data")
        assert data is not None, self.lines
        return json.loads(data)


class Events:
    """The events of one open stream, parsed here from the raw lines."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self._unread = b""

    async def line(self) -> str:
        """The next line, without its LF (the only line end the service writes)."""
        while b"\n" not in self._unread:
            chunk = await self.response.content.readany()
            assert chunk, "the stream ended"
            self._unread += chunk
        raw, self._unread = self._unread.split(b"\n", 1)
        assert not raw.endswith(b"\r")
        return raw.decode("utf-8")

    async def next(self, wait: float = 5) -> Event:
        lines: list[str] = []
        comments: list[str] = []
        async with asyncio.timeout(wait):
            while True:
                text = await self.line()
                if text.startswith(":"):
                    comments.append(text)
                elif text:
                    lines.append(text)
                elif lines:
                    return Event(lines, comments)

    async def logs(self, count: int) -> list[dict[str, Any]]:
        """The data of the next ``count`` events, each checked to be a well-formed log event."""
        found = []
        for _ in range(count):
            event = await self.next()
            assert event.type == "log", event.lines
            data = event.data
            assert event.lines == [f"id: {data['id']}", "event: log", f"data: {json.dumps(data)}"]
            found.append(data)
        return found

    async def quiet(self, seconds: float = 0.2) -> None:
        """Nothing more arrives for a while."""
        with pytest.raises(TimeoutError):
            await self.next(wait=seconds)


@contextlib.asynccontextmanager
async def subscribe(
    running: Service,
    token: str,
    session: aiohttp.ClientSession | None = None,
    headers: dict[str, str] | None = None,
    **params: str,
) -> AsyncIterator[Events]:
    async with contextlib.AsyncExitStack() as stack:
        if session is None:
            session = await stack.enter_async_context(aiohttp.ClientSession())
        response = await stack.enter_async_context(
            session.get(
                running.url + "logs/stream",
                params=params,
                headers={"Authorization": f"Bearer {token}", **(headers or {})},
            )
        )
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"] == "text/event-stream"
        yield Events(response)


async def unsubscribed(running: Service) -> None:
    """Wait, up to 2 s, until the service's log hub has no subscriber left."""
    async with asyncio.timeout(2):
        while running.services.log_hub.subscribers:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.02)


async def log_in(running: Service, email: str, connection: str = CONNECTION) -> int:
    status, _ = await running.password_login(email, PASSWORD, realm=connection)
    return status


async def test_each_console_line_arrives_with_its_fields(streaming: Service) -> None:
    token = await management_token(streaming)
    async with subscribe(streaming, token) as events:
        assert await log_in(streaming, "objects@example.com") == 200
        lines = await events.logs(6)
        await events.quiet()
    assert [(line["level"], line["message"]) for line in lines] == [
        ("info", "login of objects@example.com"),
        ("info", "{ user: 'objects@example.com', nested: { deep: [ 1, 2, 3 ] }, n: 42 }"),
        ("debug", "a debug line"),
        ("info", "an info line"),
        ("warn", "a warning about objects@example.com"),
        ("error", "an error line"),
    ]
    first = lines[0]
    assert set(first) == {
        "id",
        "time",
        "level",
        "connection",
        "script",
        "invocation_id",
        "subject",
        "message",
    }
    ids = [line["id"] for line in lines]
    assert ids == list(range(ids[0], ids[0] + 6))
    for line in lines:
        assert line["connection"] == CONNECTION
        assert line["script"] == "login"
        assert line["subject"] == "objects@example.com"
        assert line["invocation_id"] == first["invocation_id"]
        assert line["time"].endswith("Z")
        assert len(line["time"]) == len("2024-01-01T10:00:00.000Z")
    assert first["invocation_id"]


async def test_an_uncaught_error_is_an_error_line(streaming: Service) -> None:
    token = await management_token(streaming)
    async with subscribe(streaming, token) as events:
        assert await log_in(streaming, "throws@example.com") == 401
        login, error = await events.logs(2)
    assert login["message"] == "login of throws@example.com"
    assert error["level"] == "error"
    assert error["message"].startswith("Error: legacy db unreachable\n")
    assert "login.js:" in error["message"]  # the stack names the script file
    assert error["invocation_id"] == login["invocation_id"]
    assert error["subject"] == "throws@example.com"


async def test_secrets_are_redacted_in_every_line_live_and_replayed(streaming: Service) -> None:
    """The connection's configuration values and the password a login was given never leave
    the service, whatever the script printed."""
    token = await management_token(streaming)
    async with subscribe(streaming, token) as events:
        assert await log_in(streaming, "secret@example.com") == 401
        live = await events.logs(4)
    async with subscribe(streaming, token, since=str(live[0]["id"] - 1)) as events:
        replayed = await events.logs(4)
    assert replayed == live
    assert [line["message"] for line in live] == [
        "login of secret@example.com",
        "db password [redacted], password [redacted]",
        "{ password: '[redacted]', db: '[redacted]' }",
        live[3]["message"],
    ]
    assert live[3]["message"].startswith("Error: no luck with [redacted]\n")
    text = json.dumps(live)
    assert DB_PASSWORD not in text
    assert PASSWORD not in text


async def test_filters_select_lines(streaming: Service) -> None:
    token = await management_token(streaming)
    filters: dict[str, dict[str, str]] = {
        "connection": {"connection": OTHER},
        "script": {"script": "get_user"},
        "level": {"level": "warn"},
        "q": {"q": "WARNING ABOUT"},
        "combined": {"connection": CONNECTION, "script": "login", "level": "info", "q": "OF"},
    }
    async with contextlib.AsyncExitStack() as stack:
        everything = await stack.enter_async_context(subscribe(streaming, token))
        filtered = {
            name: await stack.enter_async_context(subscribe(streaming, token, **params))
            for name, params in filters.items()
        }
        assert await log_in(streaming, "objects@example.com") == 200
        assert await log_in(streaming, "objects-2@example.com", OTHER) == 200
        status, _ = await streaming.post(
            "dbconnections/change_password",
            json={"client_id": CLIENT_ID, "email": "ghost@example.com", "connection": CONNECTION},
        )
        assert status == 200
        lines = await everything.logs(13)
        await everything.quiet()
        wanted = {
            "connection": [line for line in lines if line["connection"] == OTHER],
            "script": [line for line in lines if line["script"] == "get_user"],
            "level": [line for line in lines if line["level"] in ("warn", "error")],
            "q": [line for line in lines if "warning about" in line["message"]],
            "combined": [
                line
                for line in lines
                if line["connection"] == CONNECTION
                and line["script"] == "login"
                and line["level"] != "debug"
                and "of" in line["message"].lower()
            ],
        }
        assert [len(wanted[name]) for name in filters] == [6, 1, 4, 2, 1]
        for name, events in filtered.items():
            assert await events.logs(len(wanted[name])) == wanted[name], name
            await events.quiet(0.05)
        # An invocation's lines, replayed: the second login's.
        invocation = lines[6]["invocation_id"]
        async with subscribe(streaming, token, invocation=invocation, since="0") as events:
            assert await events.logs(6) == lines[6:12]
            await events.quiet(0.05)


async def test_a_reconnect_with_last_event_id_loses_and_repeats_nothing(
    streaming: Service,
) -> None:
    token = await management_token(streaming)
    async with subscribe(streaming, token) as events:
        assert await log_in(streaming, "objects@example.com") == 200
        seen = await events.logs(2)  # of 6; the connection then drops
    assert await log_in(streaming, "objects-2@example.com") == 200  # while disconnected
    headers = {"Last-Event-ID": str(seen[-1]["id"])}
    # Last-Event-ID wins over since.
    async with subscribe(streaming, token, headers=headers, since="1d") as events:
        missed = await events.logs(10)
        assert await log_in(streaming, "objects-3@example.com") == 200
        live = await events.logs(6)
        await events.quiet()
    everything = seen + missed + live
    ids = [line["id"] for line in everything]
    assert ids == list(range(ids[0], ids[0] + 18))
    subjects = [line["subject"] for line in everything]
    assert (
        subjects
        == ["objects@example.com"] * 6
        + ["objects-2@example.com"] * 6
        + ["objects-3@example.com"] * 6
    )


async def test_since_an_id_or_a_duration_replays_the_kept_lines(streaming: Service) -> None:
    token = await management_token(streaming)
    async with subscribe(streaming, token) as events:
        # A line of two minutes ago, as the engine would have published it then.
        streaming.services.log_hub.publish(
            LogEvent("info", "an old line", CONNECTION, "login", None, time=time.time() - 120)
        )
        [old] = await events.logs(1)
        assert await log_in(streaming, "new@example.com") == 200
        [new] = await events.logs(1)
    async with subscribe(streaming, token, since=str(old["id"])) as events:
        assert await events.logs(1) == [new]
        await events.quiet(0.05)
    async with subscribe(streaming, token, since="1m") as events:
        assert await events.logs(1) == [new]
        await events.quiet(0.05)
    async with subscribe(streaming, token, since="1h") as events:
        assert await events.logs(2) == [old, new]
        await events.quiet(0.05)
    for everything in ("0", "999999999d"):
        async with subscribe(streaming, token, since=everything) as events:
            assert await events.logs(2) == [old, new]
    async with subscribe(streaming, token) as events:  # no since: live lines only
        await events.quiet(0.05)


async def test_lines_outlive_a_restart_and_their_ids_go_on(tmp_path: Path, legacy_db: Path) -> None:
    config = configure(tmp_path, legacy_db)
    async with service(config, legacy_db) as running:
        token = await management_token(running)
        async with subscribe(running, token) as events:
            assert await log_in(running, "first@example.com") == 200
            before = await events.logs(1)
    async with service(config, legacy_db) as running:
        token = await management_token(running)
        async with subscribe(running, token, since="0") as events:
            assert await events.logs(1) == before
            assert await log_in(running, "second@example.com") == 200
            [after] = await events.logs(1)
    assert after["id"] == before[0]["id"] + 1


async def test_a_stalled_subscriber_loses_lines_counted_and_slows_no_login(
    tmp_path: Path, legacy_db: Path
) -> None:
    """A subscriber that reads nothing (its socket's buffers are small and full) while a
    login prints 50 lines of 8 KB: the login takes no longer for it, a subscriber that keeps
    up gets all 50, and the stalled one, once it reads again, gets the lines that fitted in
    the socket buffers and its queue of 4, with "dropped" events counting exactly the lines it
    lost where it lost them."""
    config = configure(tmp_path, legacy_db, logs="subscriber_queue = 4")
    async with service(config, legacy_db) as running, small_buffers_session() as stalled_session:
        token = await management_token(running)
        started = time.perf_counter()
        assert await log_in(running, "many-0@example.com") == 200  # no stalled subscriber
        alone = time.perf_counter() - started
        async with (
            subscribe(running, token, stalled_session) as stalled,
            subscribe(running, token) as keeping_up,
        ):
            reading = asyncio.create_task(keeping_up.logs(MANY + 1))
            started = time.perf_counter()
            assert await log_in(running, "many-1@example.com") == 200
            stalled_login = time.perf_counter() - started
            printed = [line["id"] for line in (await reading)[1:]]
            assert stalled_login < alone + 0.5, (stalled_login, alone)

            # It reads again: every line of the login arrives, or is counted where it was lost.
            expected = printed[0] - 1  # the login's first line, before the 50
            markers = 0
            while expected <= printed[-1]:
                event = await stalled.next()
                if event.type == "dropped":
                    assert event.lines == ["event: dropped", f"data: {json.dumps(event.data)}"]
                    assert set(event.data) == {"dropped"}
                    assert event.data["dropped"] > 0
                    expected += event.data["dropped"]
                    markers += 1
                else:
                    assert event.type == "log"
                    assert event.data["id"] == expected
                    expected += 1
            assert markers > 0
            assert expected == printed[-1] + 1
            assert await log_in(running, "after@example.com") == 200
            [after] = await stalled.logs(1)
        assert after["message"] == "login of after@example.com"
        assert after["id"] == expected


def small_buffers_session() -> aiohttp.ClientSession:
    """A client whose socket buffers are small: once it stops reading, the service's writes
    soon wait."""

    def small_buffers(addr_info: Any) -> socket.socket:
        family, kind, proto, _, _ = addr_info
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # Small segments: the service's send buffer, sized by the segments in flight, stays small.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1024)
        return sock

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(socket_factory=small_buffers), read_bufsize=1024
    )


async def test_a_client_that_stops_reading_is_cut_off_after_the_send_timeout(
    streaming: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that waits SEND_TIMEOUT_SECONDS for a client that reads nothing ends its
    stream, and its subscription with it; the login that printed goes on."""
    monkeypatch.setattr(fanout, "SEND_TIMEOUT_SECONDS", 0.3)
    token = await management_token(streaming)
    async with (
        small_buffers_session() as stalled_session,
        subscribe(streaming, token, stalled_session) as stalled,
    ):
        assert streaming.services.log_hub.subscribers == 1
        assert await log_in(streaming, "many@example.com") == 200
        await unsubscribed(streaming)  # while the client still holds the connection
        with pytest.raises(aiohttp.ClientPayloadError):  # the stream was cut, not ended
            await stalled.response.content.read()


async def test_bad_parameters_are_400s_in_the_management_shape(streaming: Service) -> None:
    token = await management_token(streaming)
    cases: list[tuple[dict[str, str], dict[str, str], str]] = [
        ({"level": "fatal"}, {}, "'level' must be one of debug, info, warn, error"),
        ({"script": "logon"}, {}, "'script' must be one of login, get_user,"),
        ({"connection": "nope"}, {}, "'connection' names no connection ('nope')"),
        ({"since": "yesterday"}, {}, "'since' must be an event id, or a duration"),
        ({"since": "-5"}, {}, "'since' must be an event id, or a duration"),
        ({}, {"Last-Event-ID": "abc"}, "Last-Event-ID header must be the id of an event"),
    ]
    for query, headers, message in cases:
        answer = await call(streaming, "GET", "logs/stream", token, params=query, headers=headers)
        assert answer.status == 400, query
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.body == {
            "statusCode": 400,
            "error": "Bad Request",
            "message": answer.body["message"],
            "errorCode": "invalid_query_string",
        }
        assert message in answer.body["message"]


async def test_the_stream_needs_a_token_with_read_logs(running: Service) -> None:
    """No token: 401; a client token without read:logs, or a user's token: 403; each before
    any stream starts."""
    answer = await call(running, "GET", "logs/stream")
    assert (answer.status, answer.body["errorCode"]) == (401, "missing_authentication")
    assert set(answer.body) == {"statusCode", "error", "message", "errorCode"}
    answer = await call(running, "GET", "logs/stream", "not-a-token")
    assert (answer.status, answer.body["errorCode"]) == (401, "invalid_token")
    token = await management_token(running)  # read:users and update:users only
    answer = await call(running, "GET", "logs/stream", token)
    assert (answer.status, answer.body["errorCode"]) == (403, "insufficient_scope")
    assert "read:logs" in answer.body["message"]
    status, body = await running.password_login(
        "jane@example.com", "correct horse", audience=f"{running.url}api/v2/", scope="read:logs"
    )
    assert status == 200, body
    answer = await call(running, "GET", "logs/stream", body["access_token"])
    assert (answer.status, answer.body["errorCode"]) == (403, "insufficient_scope")
    assert running.services.log_hub.subscribers == 0


async def test_a_subscriber_that_disconnects_is_unregistered(streaming: Service) -> None:
    hub = streaming.services.log_hub
    token = await management_token(streaming)
    async with subscribe(streaming, token):
        assert hub.subscribers == 1
    await unsubscribed(streaming)
    assert await log_in(streaming, "objects@example.com") == 200  # nobody left to write to


async def test_a_closing_stream_sends_its_last_lines_then_ends(streaming: Service) -> None:
    """Lines queued when the subscriptions close (the service stopping) still go out, and
    then the stream ends cleanly."""
    token = await management_token(streaming)
    async with subscribe(streaming, token) as events:
        hub = streaming.services.log_hub
        for n in range(3):
            hub.publish(LogEvent("info", f"last {n}", CONNECTION, "login", None))
        hub.close_subscriptions()
        lines = await events.logs(3)
        async with asyncio.timeout(5):
            rest = await events.response.content.read()
    assert [line["message"] for line in lines] == ["last 0", "last 1", "last 2"]
    assert rest == b""


async def test_an_http_1_0_client_gets_the_events_unframed(streaming: Service) -> None:
    """HTTP/1.1 responses are chunked; an HTTP/1.0 client gets the bare events, up to the
    end of the connection."""
    token = await management_token(streaming)
    host, port = streaming.url.removeprefix("http://").rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(f"GET /logs/stream HTTP/1.0\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.0 200 ")
        assert b"transfer-encoding" not in head.lower()
        assert await log_in(streaming, "old-client@example.com") == 200
        async with asyncio.timeout(5):
            event = await reader.readuntil(b"\n\n")
        lines = event.decode().splitlines()
        assert lines[:2] == [lines[0], "event: log"]
        assert lines[0].startswith("id: ")
        assert json.loads(lines[2].removeprefix("data: "))["message"] == (
            "login of old-client@example.com"
        )
    finally:
        writer.close()
        await writer.wait_closed()
    await unsubscribed(streaming)


async def test_an_idle_stream_gets_heartbeat_comments(
    streaming: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_api, "HEARTBEAT_SECONDS", 0.05)
    token = await management_token(streaming)
    async with subscribe(streaming, token) as events:
        assert await log_in(streaming, "first@example.com") == 200
        await asyncio.sleep(0.2)
        [line] = await events.logs(1)
        assert await log_in(streaming, "second@example.com") == 200
        event = await events.next()
    assert event.comments
    assert set(event.comments) == {": ping"}
    assert event.data["id"] == line["id"] + 1


@dataclass
class Stoppable:
    """A service the test stops itself: ``stop()`` asks it to, and waits until it has."""

    running: Service
    stop: Callable[[], Awaitable[None]]


@contextlib.asynccontextmanager
async def stoppable(tmp_path: Path, legacy_db: Path) -> AsyncIterator[Stoppable]:
    stopping = asyncio.Event()
    ready: asyncio.Future[Service] = asyncio.get_running_loop().create_future()

    async def serve() -> None:
        async with service(configure(tmp_path, legacy_db), legacy_db) as running:
            ready.set_result(running)
            await stopping.wait()

    serving = asyncio.create_task(serve())

    async def stop() -> None:
        stopping.set()
        await serving

    try:
        yield Stoppable(await ready, stop)
    finally:
        stopping.set()
        await serving


async def test_the_service_stops_promptly_while_a_subscriber_is_connected(
    tmp_path: Path, legacy_db: Path
) -> None:
    """Stopping ends the streams first, rather than waiting out the grace period that
    requests in flight get (10 s here)."""
    async with stoppable(tmp_path, legacy_db) as server:
        token = await management_token(server.running)
        async with subscribe(server.running, token) as events:
            started = time.perf_counter()
            stopped = asyncio.create_task(server.stop())
            async with asyncio.timeout(5):
                while await events.response.content.readline():
                    pass
                await stopped
        assert time.perf_counter() - started < 3


async def test_the_service_stops_promptly_while_a_subscriber_is_behind(
    tmp_path: Path, legacy_db: Path
) -> None:
    """A subscriber that stopped reading, with lines still unsent, does not hold the stop up
    either: its stream is ended (its lines are kept for its reconnect)."""
    async with stoppable(tmp_path, legacy_db) as server:
        running = server.running
        token = await management_token(running)
        async with (
            small_buffers_session() as stalled_session,
            subscribe(running, token, stalled_session),
        ):
            assert await log_in(running, "many@example.com") == 200  # 50 lines of 8 KB, unread
            started = time.perf_counter()
            async with asyncio.timeout(5):
                await server.stop()
        assert time.perf_counter() - started < 3


async def test_the_serve_process_streams_replayed_and_live_lines(
    tmp_path: Path, legacy_db: Path
) -> None:
    """The same through `scriptbridge serve` (on uvloop, as in production): a replayed line,
    a live one, and a stop that ends the stream and exits 0."""
    with Servers(tmp_path) as servers:
        server = await servers.start(configure(tmp_path, legacy_db))
        async with client_session() as session:
            assert (await server.login(session, "first@example.com", PASSWORD))[0] == 200
            credentials = {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "audience": server.url + "api/v2/",
            }
            async with session.post(server.url + "oauth/token", json=credentials) as answer:
                token = (await answer.json())["access_token"]
            async with session.get(
                server.url + "logs/stream",
                params={"since": "1m"},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 200
                events = Events(response)
                [replayed] = await events.logs(1)
                assert (await server.login(session, "second@example.com", PASSWORD))[0] == 200
                [live] = await events.logs(1)
                assert await server.stop() == 0, server.stderr()
                async with asyncio.timeout(5):
                    assert await response.content.read() == b""
    assert replayed["message"] == "login of first@example.com"
    assert live["message"] == "login of second@example.com"
    assert live["id"] == replayed["id"] + 1
