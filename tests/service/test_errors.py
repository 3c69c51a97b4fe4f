"""Bad input of every kind gets a 400-class answer in the shape of the endpoint called, never a
500; script failures give the operator a useful message and create nothing; passwords appear
in no log line and no error."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import structlog
from service_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTION,
    PUBLIC_CLIENT_ID,
    Service,
    service,
    write_config,
)

PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


def oauth_error(body: object, code: str) -> str:
    assert isinstance(body, dict)
    assert set(body) == {"error", "error_description"}
    assert body["error"] == code
    description = body["error_description"]
    assert isinstance(description, str)
    return description


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, "invalid_body"),
        ({"json": ["a", "list"]}, "invalid_body"),
        ({"data": b"<xml/>", "headers": {"Content-Type": "text/xml"}}, "invalid_body"),
        ({"json": {"client_id": CLIENT_ID}}, "invalid_request"),
        ({"json": {"grant_type": "password"}}, "invalid_request"),
        ({"json": {"grant_type": "implicit", "client_id": CLIENT_ID}}, "invalid_request"),
        ({"json": {"grant_type": 7, "client_id": CLIENT_ID}}, "invalid_body"),
        ({"data": b"x" * 70_000, "headers": {"Content-Type": "application/json"}}, "invalid_body"),
    ],
    ids=[
        "malformed-json",
        "not-an-object",
        "wrong-content-type",
        "no-grant-type",
        "no-client-id",
        "secret-missing",
        "wrong-type",
        "too-large",
    ],
)
async def test_malformed_token_requests_get_oauth_errors(
    running: Service, kwargs: dict[str, object], code: str
) -> None:
    status, body = await running.post("oauth/token", **kwargs)  # type: ignore[arg-type]
    assert status in (400, 401)
    if code == "invalid_request" and status == 401:
        code = "access_denied"
    oauth_error(body, code)


async def test_client_authentication(running: Service) -> None:
    login = {
        "grant_type": PASSWORD_REALM,
        "username": "jane@example.com",
        "password": "correct horse",
        "realm": CONNECTION,
    }
    status, body = await running.post(
        "oauth/token", json={**login, "client_id": CLIENT_ID, "client_secret": "nope"}
    )
    assert status == 401
    assert oauth_error(body, "access_denied") == "Unauthorized"
    status, body = await running.post(
        "oauth/token", json={**login, "client_id": "stranger", "client_secret": "x"}
    )
    assert status == 401
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    status, body = await running.post(
        "oauth/token", data=login, headers={"Authorization": f"Basic {basic}"}
    )
    assert status == 200, body
    status, body = await running.post(
        "oauth/token",
        data={**login, "grant_type": "client_credentials", "client_id": PUBLIC_CLIENT_ID},
    )
    assert status == 403
    oauth_error(body, "unauthorized_client")


async def test_unknown_realm_and_over_long_fields(running: Service) -> None:
    status, body = await running.password_login("jane@example.com", "x", realm="nowhere")
    assert status == 400
    assert oauth_error(body, "invalid_request") == "the connection was not found"
    status, body = await running.password_login("j" * 5000, "x")
    assert status == 400
    oauth_error(body, "invalid_body")


async def test_signup_errors_use_the_classic_shape(running: Service) -> None:
    status, body = await running.post("dbconnections/signup", json={"client_id": CLIENT_ID})
    assert status == 400
    assert body == {
        "name": "BadRequestError",
        "code": "invalid_request",
        "description": "Missing required parameter: connection",
        "statusCode": 400,
    }
    status, body = await running.post(
        "dbconnections/signup",
        json={
            "client_id": CLIENT_ID,
            "connection": CONNECTION,
            "email": "new@example.com",
            "password": "pw",
            "user_metadata": {"n": 1},
        },
    )
    assert status == 400
    assert body["code"] == "invalid_body"
    status, body = await running.post(
        "dbconnections/signup", data=b"[", headers={"Content-Type": "application/json"}
    )
    assert (status, body["statusCode"], body["code"]) == (400, 400, "invalid_body")


async def test_unknown_paths_and_methods_answer_in_shape(running: Service) -> None:
    status, body = await running.post("dbconnections/nothing", json={})
    assert (status, body["code"]) == (404, "not_found")
    status, text = await running.get("oauth/token")
    assert status == 405
    assert '"error": "method_not_allowed"' in text


def scripts_dir(tmp_path: Path, login: str) -> Path:
    directory = tmp_path / "scripts"
    directory.mkdir(exist_ok=True)
    (directory / "login.js").write_text(login)
    (directory / "get_user.js").write_text("function getUser(email, cb) { cb(null); }")
    return directory


@pytest.fixture
async def faulty(tmp_path: Path, legacy_db: Path) -> AsyncIterator[Service]:
    """A service whose login script fails in a different way for each user."""
    login = """
function login(email, password, callback) {
  if (email === 'throws@example.com') throw new Error('connection refused to legacy db');
  if (email === 'leaks@example.com') return callback(new Error('bad password ' + password));
  if (email === 'hangs@example.com') return;
  if (email === 'slow@example.com') return setTimeout(() => callback(null), 300);
  if (email === 'noid@example.com') return callback(null, {email: email});
  if (email === 'badmeta@example.com') return callback(null, {user_id: 1, user_metadata: 'x'});
  if (email === 'disabled@example.com') return callback(new UnauthorizedError('account disabled'));
  callback(null);
}"""
    config = write_config(
        tmp_path,
        legacy_db,
        scripts=scripts_dir(tmp_path, login),
        connection="",
    )
    text = config.read_text().replace("timeout_seconds = 5", "timeout_seconds = 0.5")
    config.write_text(text)
    async with service(config, legacy_db) as running:
        yield running


@pytest.mark.parametrize(
    ("email", "status", "code", "phrase"),
    [
        ("throws@example.com", 401, "access_denied", "connection refused to legacy db"),
        ("hangs@example.com", 401, "access_denied", "did not call back within 0.5 s"),
        ("noid@example.com", 401, "access_denied", "neither user_id nor id"),
        ("badmeta@example.com", 401, "access_denied", "user_metadata must be an object"),
        ("disabled@example.com", 401, "unauthorized", "account disabled"),
        ("leaks@example.com", 401, "access_denied", "bad password [redacted]"),
    ],
)
async def test_script_failures_explain_themselves_and_create_nothing(
    faulty: Service, email: str, status: int, code: str, phrase: str
) -> None:
    secret = "the-Secret-Pa55word"
    with structlog.testing.capture_logs() as captured:
        got, body = await faulty.password_login(email, secret)
    assert got == status
    assert phrase in oauth_error(body, code)
    if code == "access_denied":
        assert f"connection {CONNECTION}" in body["error_description"]
    assert secret not in str(body)
    assert secret not in repr(captured)
    assert captured, "the service logs each request"
    assert await faulty.services.store.count_users() == 0


async def test_a_failed_login_takes_as_long_as_the_slowest_recent_failure(faulty: Service) -> None:
    """Unknown users and wrong passwords cannot be told apart by time."""
    status, _ = await faulty.password_login("slow@example.com", "x")
    assert status == 403
    started = time.perf_counter()
    status, _ = await faulty.password_login("fast@example.com", "x")
    assert status == 403
    assert time.perf_counter() - started >= 0.3


async def test_passwords_never_reach_the_logs(running: Service, tmp_path: Path) -> None:
    secrets = ["correct horse", "wrong-Pa55", "new signup pw 1"]
    with structlog.testing.capture_logs() as captured:
        await running.password_login("jane@example.com", secrets[0])
        await running.password_login("jane@example.com", secrets[1])
        await running.post(
            "dbconnections/signup",
            json={
                "client_id": CLIENT_ID,
                "connection": CONNECTION,
                "email": "neo@example.com",
                "password": secrets[2],
            },
        )
    text = repr(captured)
    assert "request" in text
    for secret in secrets:
        assert secret not in text
