"""The Management API's refusals over raw HTTP: missing, bad and under-scoped tokens, unknown
ids, bad queries, oversized pages and malformed bodies each get their status and Auth0's
``{statusCode, error, message, errorCode}``, never a 500, and change nothing.

The tests share one service (they only read, or are refused before writing)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from py_mini_racer import _context as mini_racer_context
from service_harness import (
    ALL_SCOPES,
    CONNECTION,
    Answer,
    Service,
    build_legacy_store,
    call,
    log_in,
    management_token,
    service,
    write_config,
)

from scriptbridge.connections import connection_id

pytestmark = pytest.mark.asyncio(loop_scope="module")

CON_ID = connection_id(CONNECTION)
JANE = "auth0%7C1001"

#: (method, path, the scope it needs)
ENDPOINTS = [
    ("GET", "api/v2/users", "read:users"),
    ("GET", f"api/v2/users/{JANE}", "read:users"),
    ("GET", "api/v2/users-by-email?email=jane@example.com", "read:users"),
    ("POST", "api/v2/users", "create:users"),
    ("PATCH", f"api/v2/users/{JANE}", "update:users"),
    ("DELETE", f"api/v2/users/{JANE}", "delete:users"),
    ("GET", "api/v2/connections", "read:connections"),
    ("GET", f"api/v2/connections/{CON_ID}", "read:connections"),
    ("PATCH", f"api/v2/connections/{CON_ID}", "update:connections"),
    ("DELETE", f"api/v2/connections/{CON_ID}/users?email=jane@example.com", "delete:users"),
    ("GET", f"api/v2/connections/{CON_ID}/migration", "read:connections"),
    ("POST", "api/v2/tickets/password-change", "create:user_tickets"),
    ("GET", "api/v2/logs", "read:logs"),
    ("GET", "api/v2/logs/1", "read:logs"),
]
ENDPOINT_IDS = [f"{method} {path.split('?')[0]}" for method, path, _ in ENDPOINTS]

NARROW_CLIENT = """
[[clients]]
name = "narrow"
client_id = "narrow-id"
client_secret = "narrow-secret-0123456789"
grant_types = ["client_credentials"]
scopes = ["read:stats"]
"""


@dataclass(frozen=True)
class Shared:
    running: Service
    #: Every scope.
    token: str
    #: A valid token with none of the scopes the endpoints need.
    narrow: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shared]:
    directory = tmp_path_factory.mktemp("errors")
    legacy_db = build_legacy_store(directory / "legacy.db")
    config = write_config(directory, legacy_db, scopes=ALL_SCOPES)
    config.write_text(config.read_text() + NARROW_CLIENT)
    before = mini_racer_context.context_count()
    async with service(config, legacy_db) as running:
        await log_in(running, "jane@example.com")
        status, answer = await running.post(
            "oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "narrow-id",
                "client_secret": "narrow-secret-0123456789",
                "audience": f"{running.url}api/v2/",
            },
        )
        assert status == 200, answer
        yield Shared(running, await management_token(running), answer["access_token"])
        # Nothing a refused request sent was stored.
        assert await running.services.store.count_users() == 1
    assert mini_racer_context.context_count() == before, "V8 contexts leaked"


def refused(answer: Answer, status: int, code: str | None = None) -> str:
    """Check the Management API error shape; the message."""
    assert answer.status == status, answer.body
    body = answer.body
    assert isinstance(body, dict), body
    assert body["statusCode"] == status
    assert (
        body["error"]
        == {
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not Found",
            405: "Method Not Allowed",
        }[status]
    )
    assert isinstance(body["message"], str)
    assert body["message"]
    if code is not None:
        assert body["errorCode"] == code
    message: str = body["message"]
    return message


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS, ids=ENDPOINT_IDS)
async def test_no_endpoint_answers_without_a_token(
    shared: Shared, method: str, path: str, scope: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic YTpi"}):
        answer = await call(shared.running, method, path, headers=headers, json={})
        assert refused(answer, 401) == "Missing authentication"


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS, ids=ENDPOINT_IDS)
async def test_a_token_without_the_scope_is_forbidden(
    shared: Shared, method: str, path: str, scope: str
) -> None:
    answer = await call(shared.running, method, path, shared.narrow, json={})
    message = refused(answer, 403, "insufficient_scope")
    assert message == f"Insufficient scope, expected any of: {scope}"


async def _signing_key(running: Service, token: str) -> tuple[str, str]:
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [k for k in await running.services.store.signing_keys() if k.kid == kid]
    return kid, key.private_pem


async def test_bad_tokens_are_unauthorized(shared: Shared) -> None:
    running = shared.running
    kid, pem = await _signing_key(running, shared.token)
    claims = jwt.decode(shared.token, options={"verify_signature": False})
    now = int(time.time())
    expired = jwt.encode(
        {**claims, "iat": now - 7200, "exp": now - 3600}, pem, "RS256", headers={"kid": kid}
    )
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger, "RS256", headers={"kid": kid})
    unsigned = jwt.encode(claims, None, "none")
    status, login = await running.password_login("jane@example.com", "correct horse")
    assert status == 200
    cases = {
        "not a jwt": "Invalid token",
        expired: "Expired token received for JSON Web Token validation",
        forged: "Invalid signature received for JSON Web Token validation",
        unsigned: "Invalid token",
        shared.token[:-4] + "AAAA": "Invalid signature received for JSON Web Token validation",
        login["access_token"]: f"Bad audience: {running.url}userinfo",
    }
    messages = {}
    for token in cases:
        answer = await call(running, "GET", "api/v2/users", token)
        messages[token] = refused(answer, 401)
    assert messages == cases


async def test_a_users_own_token_for_the_management_api_grants_nothing(shared: Shared) -> None:
    """A password grant may name the Management API as audience and ask for any scope; the
    scopes of an end user's token are not Management API permissions."""
    running = shared.running
    status, login = await running.password_login(
        "jane@example.com",
        "correct horse",
        audience=f"{running.url}api/v2/",
        scope="openid read:users delete:users",
    )
    assert status == 200
    for method, path, scope in ENDPOINTS:
        answer = await call(running, method, path, login["access_token"], json={})
        assert refused(answer, 403, "insufficient_scope").endswith(scope)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "api/v2/users/auth0%7C9999", None),
        ("GET", "api/v2/users/auth0|9999", None),
        ("PATCH", "api/v2/users/auth0%7C9999", {"name": "x"}),
        ("DELETE", "api/v2/users/auth0%7C9999", None),
        ("POST", "api/v2/tickets/password-change", {"user_id": "auth0|9999"}),
    ],
    ids=["get", "get-raw-pipe", "patch", "delete", "ticket"],
)
async def test_an_unknown_user_is_404(
    shared: Shared, method: str, path: str, body: dict[str, Any] | None
) -> None:
    answer = await call(shared.running, method, path, shared.token, json=body)
    assert refused(answer, 404, "inexistent_user") == "The user does not exist."


async def test_a_known_user_is_found_by_a_raw_or_encoded_id(shared: Shared) -> None:
    for path in ("api/v2/users/auth0%7C1001", "api/v2/users/auth0|1001"):
        answer = await call(shared.running, "GET", path, shared.token)
        assert answer.status == 200
        assert answer.body["user_id"] == "auth0|1001"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "api/v2/connections/con_0000000000000000", None, 404),
        ("PATCH", "api/v2/connections/con_0000000000000000", {"options": {}}, 404),
        ("GET", "api/v2/connections/con_0000000000000000/migration", None, 404),
        ("DELETE", "api/v2/connections/con_0000000000000000/users?email=a@b.c", None, 400),
        (
            "POST",
            "api/v2/tickets/password-change",
            {"connection_id": "con_0000000000000000", "email": "jane@example.com"},
            400,
        ),
    ],
    ids=["get", "patch", "migration", "delete-by-email", "ticket"],
)
async def test_an_unknown_connection_is_refused(
    shared: Shared, method: str, path: str, body: dict[str, Any] | None, status: int
) -> None:
    """404 for the connection's own resources; 400, as Auth0 documents, where the
    connection is an argument (delete by email, tickets)."""
    answer = await call(shared.running, method, path, shared.token, json=body)
    assert "does not exist" in refused(answer, status, "inexistent_connection")


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("api/v2/users?q=foo:bar", "'foo'"),
        ("api/v2/users?q=emial:jane", "did you mean 'email'"),
        ("api/v2/users?q=name:jane~", "fuzzy"),
        ("api/v2/users?q=name:jane~2", "fuzzy"),
        ('api/v2/users?q="jane doe"~2', "proximity"),
        ("api/v2/users?q=name:jane^2", "boost"),
        ("api/v2/users?q=name:/ja.e/", "regular expression"),
        ("api/v2/users?q=email:(jane", "syntax error"),
        ("api/v2/users?q=AND", "syntax error"),
        ("api/v2/users?q=logins_count:[1 TO", "syntax error"),
        ("api/v2/users?q=_exists_:foo*", "_exists_"),
        ("api/v2/users?q=name:a %26%26 name:b", "AND, OR or NOT"),
        ("api/v2/users?q=logins_count:many", "whole number"),
        ("api/v2/users?q=logins_count:[a TO 5]", "whole number"),
        ("api/v2/users?q=created_at:yesterday", "yesterday"),
        ("api/v2/users?q=last_login:[2024-13-45 TO *]", "2024-13-45"),
        ("api/v2/users?q=email_verified:maybe", "true or false"),
        ("api/v2/users?q=blocked:1", "true or false"),
        ("api/v2/logs?q=date:[soon TO *]", "soon"),
        ("api/v2/users?sort=password:1", "password"),
        ("api/v2/users?sort=email", "field:1"),
        ("api/v2/users?q=email:a&search_engine=v1", "search_engine"),
        ("api/v2/users?include_totals=yes", "include_totals"),
        ("api/v2/users?include_fields=maybe&fields=email", "include_fields"),
        ("api/v2/logs?q=bogus:1", "'bogus'"),
        ("api/v2/logs?search=type:(s", "syntax error"),
        ("api/v2/logs?sort=nope:-1", "nope"),
        ("api/v2/users-by-email", "email"),
        (f"api/v2/connections/{CON_ID}/users", "email"),
    ],
)
async def test_a_bad_query_string_is_400_naming_the_part(
    shared: Shared, path: str, named: str
) -> None:
    method = "DELETE" if path.endswith("/users") else "GET"
    answer = await call(shared.running, method, path, shared.token)
    assert named in refused(answer, 400, "invalid_query_string")


@pytest.mark.parametrize(
    "query",
    [
        "per_page=101",
        "per_page=0",
        "per_page=ten",
        "page=-1",
        "page=10&per_page=100",
        "page=20",
        "page=1001&per_page=1",
    ],
)
@pytest.mark.parametrize("resource", ["users", "logs"])
async def test_pages_beyond_100_per_page_or_1000_results_are_400(
    shared: Shared, resource: str, query: str
) -> None:
    answer = await call(shared.running, "GET", f"api/v2/{resource}?{query}", shared.token)
    refused(answer, 400, "invalid_query_string")


async def test_the_last_pages_within_1000_results_are_served(shared: Shared) -> None:
    for query in ("page=9&per_page=100", "page=19&per_page=50", "page=999&per_page=1"):
        for resource in ("users", "logs"):
            answer = await call(shared.running, "GET", f"api/v2/{resource}?{query}", shared.token)
            assert (answer.status, answer.body) == (200, [])
    answer = await call(shared.running, "GET", "api/v2/logs?from=0&take=101", shared.token)
    refused(answer, 400, "invalid_query_string")


JSON = {"Content-Type": "application/json"}
#: Bodies every JSON endpoint refuses.
MALFORMED: list[tuple[bytes, str]] = [
    (b"{not json", "not valid JSON"),
    (b'["a", "list"]', "JSON object"),
    (b'"text"', "JSON object"),
    (b"\xff\xfe", "not valid JSON"),
]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "api/v2/users"),
        ("PATCH", f"api/v2/users/{JANE}"),
        ("PATCH", f"api/v2/connections/{CON_ID}"),
        ("POST", "api/v2/tickets/password-change"),
    ],
    ids=["create-user", "update-user", "update-connection", "ticket"],
)
async def test_a_malformed_body_is_400_invalid_body(shared: Shared, method: str, path: str) -> None:
    for data, why in MALFORMED:
        answer = await call(shared.running, method, path, shared.token, data=data, headers=JSON)
        assert why in refused(answer, 400, "invalid_body")


NEW = {"connection": CONNECTION, "email": "new@example.com", "password": "a password"}


@pytest.mark.parametrize(
    ("method", "path", "body", "named"),
    [
        ("POST", "api/v2/users", {**NEW, "connection": 5}, "connection"),
        ("POST", "api/v2/users", {"email": "new@example.com", "password": "p"}, "connection"),
        ("POST", "api/v2/users", {**NEW, "email": ["a@b.c"]}, "email"),
        ("POST", "api/v2/users", {"connection": CONNECTION, "password": "p"}, "email"),
        ("POST", "api/v2/users", {**NEW, "password": 12345678}, "password"),
        ("POST", "api/v2/users", {**NEW, "user_metadata": "x"}, "user_metadata"),
        ("POST", "api/v2/users", {**NEW, "app_metadata": ["x"]}, "app_metadata"),
        ("POST", "api/v2/users", {**NEW, "blocked": "yes"}, "blocked"),
        ("POST", "api/v2/users", {**NEW, "email_verified": 1}, "email_verified"),
        ("POST", "api/v2/users", {**NEW, "given_name": 7}, "given_name"),
        ("PATCH", f"api/v2/users/{JANE}", {"blocked": "yes"}, "blocked"),
        ("PATCH", f"api/v2/users/{JANE}", {"email": "j2@example.com", "blocked": 1}, "blocked"),
        ("PATCH", f"api/v2/users/{JANE}", {"password": "new pw", "user_metadata": 3}, "user_"),
        ("PATCH", f"api/v2/users/{JANE}", {"app_metadata": "x"}, "app_metadata"),
        ("PATCH", f"api/v2/users/{JANE}", {"email": 5}, "email"),
        ("PATCH", f"api/v2/users/{JANE}", {"nickname": ["x"]}, "nickname"),
        ("PATCH", f"api/v2/users/{JANE}", {"name": "x" * 2000}, "name"),
        ("PATCH", f"api/v2/connections/{CON_ID}", {"options": "x"}, "options"),
        ("PATCH", f"api/v2/connections/{CON_ID}", {"options": {"customScripts": 1}}, "custom"),
        (
            "PATCH",
            f"api/v2/connections/{CON_ID}",
            {"options": {"customScripts": {"login": 5}}},
            "customScripts.login",
        ),
        (
            "PATCH",
            f"api/v2/connections/{CON_ID}",
            {"options": {"customScripts": {"logon": "function logon() {}"}}},
            "logon",
        ),
        ("PATCH", f"api/v2/connections/{CON_ID}", {"options": {"import_mode": "no"}}, "import"),
        (
            "PATCH",
            f"api/v2/connections/{CON_ID}",
            {"options": {"configuration": {"LEGACY_DB": 1}}},
            "configuration",
        ),
        (
            "PATCH",
            f"api/v2/connections/{CON_ID}",
            {"options": {"enabledDatabaseCustomization": False}},
            "enabledDatabaseCustomization",
        ),
        (
            "POST",
            "api/v2/tickets/password-change",
            {"user_id": "auth0|1001", "ttl_sec": "1"},
            "ttl_sec",
        ),
        ("POST", "api/v2/tickets/password-change", {"user_id": "auth0|1001", "ttl_sec": -1}, "ttl"),
        (
            "POST",
            "api/v2/tickets/password-change",
            {"user_id": "auth0|1001", "ttl_sec": 2**40},
            "ttl_sec",
        ),
        ("POST", "api/v2/tickets/password-change", {"user_id": 1001}, "user_id"),
        ("POST", "api/v2/tickets/password-change", {}, "user_id"),
        ("POST", "api/v2/tickets/password-change", {"email": "jane@example.com"}, "connection_id"),
    ],
)
async def test_a_body_with_a_wrong_field_is_400_and_changes_nothing(
    shared: Shared, method: str, path: str, body: dict[str, Any], named: str
) -> None:
    running = shared.running
    jane = await running.services.store.get_user("auth0|1001")  # type: ignore[arg-type]
    connection = running.services.connections.live(CONNECTION)
    answer = await call(running, method, path, shared.token, json=body)
    assert named in refused(answer, 400, "invalid_body")
    assert await running.services.store.get_user("auth0|1001") == jane  # type: ignore[arg-type]
    assert running.services.connections.live(CONNECTION) == connection
    assert await running.services.store.find_user(CONNECTION, "new@example.com") is None


async def test_unknown_paths_and_methods_answer_in_the_same_shape(shared: Shared) -> None:
    answer = await call(shared.running, "GET", "api/v2/nothing-here", shared.token)
    refused(answer, 404)
    answer = await call(shared.running, "PUT", "api/v2/users", shared.token, json={})
    refused(answer, 405)
