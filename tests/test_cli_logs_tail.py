"""``scriptbridge logs tail`` as a real subprocess: against a stub server speaking the stream's
wire format (to break the stream where a test wants it broken), and end to end against the
real service. It prints every event once, in order, across a broken stream and an expired
token; counts dropped events on stderr; keeps trying a service it cannot reach; stops on
Ctrl-C with status 0; and never prints the client's secret."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import pty
import select
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from scriptbridge import cli
from scriptbridge.cli.logs import render_line
from scriptbridge.logs import StreamEvent

sys.path.insert(0, str(Path(__file__).parent / "service"))
from servers import free_port
from service_harness import (
    ALL_SCOPES,
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTION,
    build_legacy_store,
    service,
    write_config,
)

TAIL_ID = "tail-client"
TAIL_SECRET = "tail-Secret-0123456789"
#: How long a test waits for the client to print what it expects.
WAIT_S = 15.0

Plan = Callable[[web.Request], Awaitable[web.StreamResponse]]


# -- the stub server -------------------------------------------------------------------------


def log_frame(event_id: int, message: str, level: str = "info") -> bytes:
    data = {
        "id": event_id,
        "time": "2024-05-01T12:34:56.789Z",
        "level": level,
        "connection": "users",
        "script": "login",
        "invocation_id": f"inv-{event_id}",
        "subject": "jane@example.com",
        "message": message,
    }
    return f"id: {event_id}\nevent: log\ndata: {json.dumps(data)}\n\n".encode()


def dropped_frame(count: int) -> bytes:
    return f'event: dropped\ndata: {{"dropped": {count}}}\n\n'.encode()


PING = b": ping\n\n"


def refuse(status: int, code: str, message: str) -> Plan:
    """Answer the stream with an error, in the Management API's shape."""

    async def plan(request: web.Request) -> web.StreamResponse:
        body = {"statusCode": status, "error": "Refused", "message": message, "errorCode": code}
        return web.json_response(body, status=status)

    return plan


def stream(*frames: bytes, then: str = "hold") -> Plan:
    """Send ``frames``; then ``hold`` the stream open (pinging) until the client leaves,
    ``cut`` the connection in the middle of an event, or ``end`` it cleanly."""

    async def plan(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for frame in frames:
            await response.write(frame)
        if then == "cut":
            await response.write(b'id: 999\nevent: log\ndata: {"id": 999, "mes')
            await asyncio.sleep(0.05)
            assert request.transport is not None
            request.transport.close()
        elif then == "hold":
            with contextlib.suppress(ConnectionError):
                while request.transport is not None and not request.transport.is_closing():
                    await response.write(PING)
                    await asyncio.sleep(0.1)
        return response

    return plan


@dataclass(frozen=True)
class Opened:
    """One opening of the stream, as the stub saw it."""

    authorization: str | None
    last_event_id: str | None
    params: dict[str, str]


@dataclass
class Stub:
    """A service that speaks the token and stream wire format: each opening of the stream
    follows the next plan (the last one again when they run out)."""

    plans: list[Plan]
    secret: str = TAIL_SECRET
    opened: list[Opened] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/oauth/token", self._token)
        app.router.add_get("/logs/stream", self._stream)
        return app

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.token_requests.append(body)
        if body.get("client_secret") != self.secret:
            return web.json_response(
                {"error": "access_denied", "error_description": "Unauthorized"}, status=401
            )
        return web.json_response(
            {"access_token": f"token-{len(self.token_requests)}", "token_type": "Bearer"}
        )

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        self.opened.append(
            Opened(
                request.headers.get("Authorization"),
                request.headers.get("Last-Event-ID"),
                dict(request.query),
            )
        )
        plan = self.plans.pop(0) if len(self.plans) > 1 else self.plans[0]
        return await plan(request)


@contextlib.asynccontextmanager
async def serving(stub: Stub, port: int | None = None) -> AsyncIterator[Stub]:
    runner = web.AppRunner(stub.app(), shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port or free_port())
    await site.start()
    stub.url = site.name + "/"
    try:
        yield stub
    finally:
        await runner.cleanup()


# -- the client, as a subprocess -------------------------------------------------------------


@dataclass
class Tail:
    """A running ``scriptbridge logs tail``; its stderr is collected as it comes."""

    process: asyncio.subprocess.Process
    stderr: list[str] = field(default_factory=list)
    #: Set when a line arrives on stderr.
    more: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    async def json_lines(self, count: int) -> list[dict[str, Any]]:
        assert self.process.stdout is not None
        lines = []
        for _ in range(count):
            try:
                line = await asyncio.wait_for(self.process.stdout.readline(), WAIT_S)
            except TimeoutError:
                raise AssertionError(f"no line on stdout; stderr:\n{self.error_text}") from None
            assert line, f"stdout ended; stderr:\n{self.error_text}"
            lines.append(json.loads(line))
        return lines

    @property
    def error_text(self) -> str:
        return "".join(self.stderr)

    async def stderr_has(self, text: str, times: int = 1) -> None:
        async with asyncio.timeout(WAIT_S):
            while True:
                self.more.clear()
                if self.error_text.count(text) >= times:
                    return
                await self.more.wait()

    async def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: (exit status, what is left on stdout)."""
        self.process.send_signal(signal.SIGINT)
        return await self.finish()

    async def finish(self) -> tuple[int, str]:
        assert self.process.stdout is not None
        rest = await asyncio.wait_for(self.process.stdout.read(), WAIT_S)
        code = await asyncio.wait_for(self.process.wait(), WAIT_S)
        if self.reader is not None:
            await self.reader
        return code, rest.decode()


def environment(secret: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTBRIDGE_")}
    if secret is not None:
        env["SCRIPTBRIDGE_TAIL_CLIENT_SECRET"] = secret
    return env


@contextlib.asynccontextmanager
async def tail(
    url: str, *args: str, client_id: str = TAIL_ID, secret: str | None = TAIL_SECRET
) -> AsyncIterator[Tail]:
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "scriptbridge", "logs", "tail", "--url", url],
        *["--client-id", client_id, "--json", *args],
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(secret),
    )
    running = Tail(process)

    async def collect() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            running.stderr.append(line.decode())
            running.more.set()

    running.reader = asyncio.create_task(collect())
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await running.reader


def assert_quiet_ending(code: int, tail: Tail) -> None:
    assert code == 0, tail.error_text
    assert "Traceback" not in tail.error_text
    assert TAIL_SECRET not in tail.error_text


# -- against the stub ------------------------------------------------------------------------


async def test_every_event_once_across_a_cut_stream_a_dropped_marker_and_an_expired_token() -> None:
    stub = Stub(
        [
            stream(
                log_frame(1, "one"),
                PING,
                log_frame(2, "two\nlines"),
                log_frame(3, "three"),
                dropped_frame(5),
                log_frame(4, "four"),
                then="cut",
            ),
            refuse(401, "invalid_token", "Expired token"),
            stream(log_frame(5, "five"), log_frame(6, "six")),
        ]
    )
    async with (
        serving(stub),
        tail(
            stub.url,
            *["--connection", "users", "--script", "login", "--level", "info"],
            *["--grep", "o", "--since", "10m"],
        ) as running,
    ):
        lines = await running.json_lines(6)
        code, rest = await running.interrupt()
    assert_quiet_ending(code, running)
    assert rest == ""
    assert [line["id"] for line in lines] == [1, 2, 3, 4, 5, 6]
    assert lines[1]["message"] == "two\nlines"
    assert set(lines[0]) == {
        "id",
        "time",
        "level",
        "connection",
        "script",
        "invocation_id",
        "subject",
        "message",
    }
    assert "5 events were dropped: the stream fell behind" in running.error_text
    assert "connecting again" in running.error_text

    first, after_cut, renewed = stub.opened[:3]
    assert first.params == {
        "connection": "users",
        "script": "login",
        "level": "info",
        "q": "o",
        "since": "10m",
    }
    assert first.last_event_id is None
    assert first.authorization == "Bearer token-1"
    assert after_cut.last_event_id == "4"
    assert "since" not in after_cut.params
    assert after_cut.authorization == "Bearer token-1"
    assert renewed.last_event_id == "4"
    assert renewed.authorization == "Bearer token-2"
    assert [body["client_id"] for body in stub.token_requests] == [TAIL_ID, TAIL_ID]
    assert stub.token_requests[0] == {
        "grant_type": "client_credentials",
        "client_id": TAIL_ID,
        "client_secret": TAIL_SECRET,
        "audience": f"{stub.url}api/v2/",
    }


async def test_a_stream_broken_before_its_first_event_resumes_from_when_it_opened() -> None:
    stub = Stub([stream(PING, then="cut"), stream(log_frame(1, "one"))])
    async with serving(stub), tail(stub.url) as running:
        [line] = await running.json_lines(1)
        code, _ = await running.interrupt()
    assert_quiet_ending(code, running)
    assert line["id"] == 1
    first, second = stub.opened[:2]
    assert "since" not in first.params
    assert second.last_event_id is None
    assert second.params["since"] in ("1s", "2s")


async def test_an_unreachable_service_is_tried_again_until_it_answers() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    async with tail(url) as running:
        await running.stderr_has("cannot reach", times=2)
        notices = running.error_text.splitlines()
        assert all(line.startswith("scriptbridge logs tail: cannot reach") for line in notices)
        assert f"cannot reach {url}" in notices[0]
        assert "connecting again in 0.2 s" in notices[0]
        assert "connecting again in 0.4 s" in notices[1]
        async with serving(Stub([stream(log_frame(7, "at last"))]), port):
            [line] = await running.json_lines(1)
            code, _ = await running.interrupt()
    assert_quiet_ending(code, running)
    assert line["message"] == "at last"


async def test_wrong_credentials_end_it_with_one_line_and_status_1() -> None:
    stub = Stub([stream()])
    async with serving(stub), tail(stub.url, secret="wrong-Secret-987") as running:
        code, rest = await running.finish()
    assert code == 1
    assert rest == ""
    [line] = running.error_text.splitlines()
    assert line.startswith("scriptbridge logs tail: ")
    assert "401" in line
    assert "Unauthorized" in line
    assert "wrong-Secret-987" not in line
    assert stub.opened == []


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (403, "insufficient_scope", "Insufficient scope, expected any of: read:logs"),
        (400, "invalid_query_string", "Query validation error: 'connection' names none"),
    ],
)
async def test_a_refused_stream_ends_it_with_the_services_reason(
    status: int, code: str, message: str
) -> None:
    stub = Stub([refuse(status, code, message)])
    async with serving(stub), tail(stub.url) as running:
        exit_code, _ = await running.finish()
    assert exit_code == 1
    [line] = running.error_text.splitlines()
    assert str(status) in line
    assert message in line
    assert len(stub.opened) == 1


async def test_on_a_terminal_lines_are_readable_and_coloured(tmp_path: Path) -> None:
    stub = Stub([stream(log_frame(1, "fine"), log_frame(2, "bad", level="error"))])
    primary, secondary = pty.openpty()
    with (tmp_path / "stderr").open("wb") as stderr:
        async with serving(stub):
            process = await asyncio.create_subprocess_exec(
                *[sys.executable, "-m", "scriptbridge", "logs", "tail", "--url", stub.url],
                *["--client-id", TAIL_ID],
                stdin=asyncio.subprocess.DEVNULL,
                stdout=secondary,
                stderr=stderr,
                env=environment(TAIL_SECRET),
            )
            os.close(secondary)
            try:
                text = await asyncio.to_thread(read_terminal, primary, "bad")
            finally:
                process.send_signal(signal.SIGINT)
                code = await asyncio.wait_for(process.wait(), WAIT_S)
                os.close(primary)
    assert code == 0, (tmp_path / "stderr").read_text()
    fine, bad = text.splitlines()[:2]
    assert fine.endswith("INFO  users/login jane@example.com fine")
    assert bad.startswith("\x1b[31m")
    assert bad.endswith("ERROR users/login jane@example.com bad\x1b[0m")


def read_terminal(fd: int, until: str) -> str:
    """What the terminal shows, up to the end of the line that contains ``until``."""
    text = ""
    deadline = time.monotonic() + WAIT_S
    while until not in text or not text.split(until, 1)[1].count("\n"):
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        assert ready, f"the terminal shows no {until!r} line: {text!r}"
        text += os.read(fd, 4096).decode()
    return text


# -- end to end ------------------------------------------------------------------------------

CONSOLE_LOGIN = """
function login(email, password, callback) {
  console.log('checking', email);
  console.warn({ attempt: 1, plan: 'pro' });
  callback(null, { user_id: '42', email: email });
}
"""
CONSOLE_GET_USER = "function getUser(email, callback) { callback(null); }\n"


async def test_a_scripts_console_lines_reach_tail_from_the_real_service(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "login.js").write_text(CONSOLE_LOGIN, encoding="utf-8")
    (scripts / "get_user.js").write_text(CONSOLE_GET_USER, encoding="utf-8")
    legacy_db = build_legacy_store(tmp_path / "legacy.db")
    config = write_config(tmp_path, legacy_db, scripts=scripts, scopes=ALL_SCOPES)
    async with (
        service(config, legacy_db) as running,
        tail(
            running.url,
            *["--connection", CONNECTION, "--since", "1m"],
            client_id=CLIENT_ID,
            secret=CLIENT_SECRET,
        ) as tailing,
    ):
        status, body = await running.password_login("jane@example.com", "anything")
        assert status == 200, body
        lines = await tailing.json_lines(2)
        code, _ = await tailing.interrupt()
    assert code == 0, tailing.error_text
    assert "Traceback" not in tailing.error_text
    logged, warned = lines
    assert logged["message"] == "checking jane@example.com"
    assert logged["level"] == "info"
    assert logged["connection"] == CONNECTION
    assert logged["script"] == "login"
    assert logged["subject"] == "jane@example.com"
    assert warned["level"] == "warn"
    assert warned["message"] == "{ attempt: 1, plan: 'pro' }"
    assert warned["invocation_id"] == logged["invocation_id"]
    assert int(warned["id"]) > int(logged["id"])


# -- in-process: usage and rendering ---------------------------------------------------------


def run_main(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    err = io.StringIO()
    with (
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
        pytest.MonkeyPatch.context() as patch,
    ):
        for name in ("SCRIPTBRIDGE_TAIL_CLIENT_ID", "SCRIPTBRIDGE_TAIL_CLIENT_SECRET"):
            patch.delenv(name, raising=False)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        try:
            code = cli.main(["logs", "tail", *args])
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
    return code, err.getvalue()


@pytest.fixture
def saved_logging() -> Iterator[None]:
    import logging

    import structlog

    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**saved)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("saved_logging")
@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (["--client-secret", "s"], {}, "pass --client-id ID or set SCRIPTBRIDGE_TAIL_CLIENT_ID"),
        (["--client-id", "x"], {}, "set SCRIPTBRIDGE_TAIL_CLIENT_SECRET or pass --client-secret"),
        (["--client-id", "x", "--level", "loud"], {}, "argument --level: invalid choice"),
        (["--client-id", "x", "--script", "nope"], {}, "argument --script: invalid choice"),
        (["--client-id", "x", "--since", "yesterday"], {}, "a duration such as 30s"),
        (["--client-id", "x", "--url", "ftp://h/"], {}, "expected an http:// or https:// URL"),
    ],
)
def test_usage_problems_are_one_line_and_status_2(
    args: list[str], env: dict[str, str], fragment: str
) -> None:
    code, err = run_main(*args, env=env)
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert fragment in err


def test_every_option_has_help() -> None:
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    logs = commands.choices["logs"]
    subcommands = next(a for a in logs._actions if a.dest == "subcommand")
    tail_parser = subcommands.choices["tail"]
    options = [a for a in tail_parser._actions if a.option_strings]
    assert {o for a in options for o in a.option_strings} >= {
        "--url",
        "--client-id",
        "--client-secret",
        "--connection",
        "--script",
        "--level",
        "--grep",
        "--since",
        "--json",
    }
    assert all(a.help for a in options)
    secret = next(a for a in options if "--client-secret" in a.option_strings)
    assert secret.help is not None
    assert "SCRIPTBRIDGE_TAIL_CLIENT_SECRET" in secret.help


@pytest.mark.parametrize(
    ("level", "colour"),
    [("error", "\x1b[31m"), ("warn", "\x1b[33m"), ("debug", "\x1b[2m"), ("info", None)],
)
def test_a_terminal_line_is_coloured_by_level(level: str, colour: str | None) -> None:
    moment = dt.datetime(2024, 5, 1, 12, 34, 56, 789000, tzinfo=dt.UTC)
    event = StreamEvent(
        "9",
        {
            "id": 9,
            "time": "2024-05-01T12:34:56.789Z",
            "level": level,
            "connection": "users",
            "script": "login",
            "invocation_id": "inv",
            "subject": None,
            "message": "hello",
        },
    )
    local = moment.astimezone().strftime("%H:%M:%S.789")
    plain = f"{local} {level.upper():<5} users/login - hello"
    assert render_line(event, colour=False) == plain
    coloured = render_line(event, colour=True)
    assert coloured == (plain if colour is None else f"{colour}{plain}\x1b[0m")
