"""Every answer of the service carries an X-Request-Id, errors included, and every log line of
the request carries the same id; a script invocation's lines carry its invocation_id; the
`serve` process logs JSON lines with them; no header but X-Request-Id reaches the logs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import structlog
from server_process import Servers, client_session
from service_harness import CLIENT_ID, CLIENT_SECRET, Answer, Service, call, write_config

FRESH_ID = re.compile(r"[0-9a-f]{16}")
LOGIN = {
    "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "username": "jane@example.com",
    "password": "correct horse",
    "realm": "legacy-db",
}

REQUESTS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "health", {}, 200),
    ("GET", "no/such/path", {}, 404),
    ("DELETE", "health", {}, 405),
    ("POST", "oauth/token", {"data": b"{not json"}, 400),
    ("GET", "api/v2/users", {}, 401),
    ("GET", "api/v2/users", {"headers": {"Authorization": "Bearer not-a-token"}}, 401),
]


def request_id(answer: Answer) -> str:
    """The answer's X-Request-Id (aiohttp spells it X-Request-ID)."""
    return {name.lower(): value for name, value in answer.headers.items()}.get("x-request-id", "")


def captured_logs() -> Any:
    """The service's log lines, with the ids bound in context merged in as they are in
    production."""
    return structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars])


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    REQUESTS,
    ids=["ok", "not-found", "wrong-method", "bad-body", "no-token", "bad-token"],
)
async def test_every_answer_has_a_fresh_request_id(
    running: Service, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    first = await call(running, method, path, **kwargs)
    second = await call(running, method, path, **kwargs)
    assert first.status == second.status == status
    ids = [request_id(answer) for answer in (first, second)]
    assert all(FRESH_ID.fullmatch(request_id) for request_id in ids), ids
    assert ids[0] != ids[1]


async def test_a_login_answer_carries_the_id_its_log_lines_carry(running: Service) -> None:
    """The access log line and the script's summary line of a login name its request, and
    the summary names its invocation."""
    with captured_logs() as captured:
        answer = await call(running, "POST", "oauth/token", json=LOGIN)
    assert answer.status == 200, answer.body
    answered = request_id(answer)
    mine = [line for line in captured if line.get("request_id") == answered]
    events = [line["event"] for line in mine]
    assert "request" in events
    [invoked] = [line for line in mine if line["event"] == "script_invoked"]
    assert invoked["kind"] == "login"
    assert invoked["invocation_id"]
    assert all(line.get("request_id") in (None, answered) for line in captured)


async def test_an_error_answer_and_its_log_line_carry_the_same_id(running: Service) -> None:
    with captured_logs() as captured:
        answer = await call(running, "GET", "no/such/path")
    assert answer.status == 404
    [line] = [line for line in captured if line["event"] == "request"]
    assert line["request_id"] == request_id(answer)
    assert line["status"] == 404


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("trace-2024.01:ab_CD", True),
        ("0" * 128, True),
        ("0" * 129, False),
        ("has space", False),
        ("-leading-dash", False),
        ("", False),
        ('quote"d', False),
    ],
)
async def test_a_callers_request_id_is_kept_when_it_is_a_sane_token(
    running: Service, sent: str, kept: bool
) -> None:
    with captured_logs() as captured:
        answer = await call(running, "GET", "health", headers={"X-Request-Id": sent})
    answered = request_id(answer)
    assert (answered == sent) is kept
    if not kept:
        assert FRESH_ID.fullmatch(answered)
    [line] = [line for line in captured if line["event"] == "request"]
    assert line["request_id"] == answered


async def test_no_header_but_the_request_id_reaches_the_logs(running: Service) -> None:
    headers = {
        "Authorization": "Bearer secret-bearer-token-123",
        "Cookie": "session=secret-cookie-456",
        "X-Request-Id": "trace-789",
    }
    with captured_logs() as captured:
        answer: Answer = await call(running, "GET", "api/v2/users", headers=headers)
        await call(running, "POST", "oauth/token", json=LOGIN, headers=headers)
    assert answer.status == 401
    text = repr(captured)
    assert "trace-789" in text
    for secret in ("secret-bearer-token-123", "secret-cookie-456", "correct horse"):
        assert secret not in text


async def test_serve_logs_json_lines_with_the_request_id_on_a_pipe(
    tmp_path: Path, legacy_db: Path
) -> None:
    """`scriptbridge serve` with stderr not a terminal: one JSON object per line, each with a
    UTC timestamp and a level, and the request's lines with its id."""
    with Servers(tmp_path) as servers:
        server = await servers.start(write_config(tmp_path, legacy_db))
        async with (
            client_session() as session,
            session.post(
                server.url + "oauth/token", json=LOGIN, headers={"X-Request-Id": "trace-serve-1"}
            ) as response,
        ):
            assert response.status == 200
            assert response.headers["X-Request-Id"] == "trace-serve-1"
        assert await server.stop() == 0, server.stderr()
    lines = [json.loads(line) for line in server.stderr().splitlines()]
    assert all(re.fullmatch(r"\d{4}-.+T.+Z", line["timestamp"]) for line in lines)
    assert all(line["level"] in ("debug", "info", "warning", "error") for line in lines)
    mine = {line["event"]: line for line in lines if line.get("request_id") == "trace-serve-1"}
    assert mine["request"]["status"] == 200
    assert mine["script_invoked"]["invocation_id"]
    assert "service_ready" in {line["event"] for line in lines}
