"""Edges of the Management API: a change of case is not a conflict with oneself, and the
longest query a URL can carry gets an answer in Auth0's shape."""

from __future__ import annotations

from service_harness import Service, call, log_in, management_token


async def test_changing_only_the_case_of_an_email_is_no_conflict(managed: Service) -> None:
    await log_in(managed, "jane@example.com")
    token = await management_token(managed)
    answer = await call(
        managed, "PATCH", "api/v2/users/auth0%7C1001", token, json={"email": "Jane@Example.com"}
    )
    assert answer.status == 200, answer.body
    assert answer.body["email"] == "Jane@Example.com"
    taken = await call(
        managed, "PATCH", "api/v2/users/auth0%7C1001", token, json={"email": "bob@example.com"}
    )
    assert taken.status == 409


async def test_an_over_long_query_is_a_400_in_shape(managed: Service) -> None:
    token = await management_token(managed)
    query = " OR ".join(f'email:"user{i}@example.com"' for i in range(600))
    answer = await call(managed, "GET", "api/v2/users", token, params={"q": query})
    assert answer.status == 400
    assert answer.body["errorCode"] == "invalid_query_string"
    assert "long" in answer.body["message"]


async def test_changing_calls_are_recorded_as_sapi_or_fapi(managed: Service) -> None:
    token = await management_token(managed)
    created = await call(
        managed,
        "POST",
        "api/v2/users",
        token,
        json={"connection": "legacy-db", "email": "new@example.com", "password": "pw-1"},
    )
    assert created.status == 201
    refused = await call(managed, "PATCH", "api/v2/users/auth0%7Cnobody", token, json={})
    assert refused.status == 404
    unauthenticated = await call(managed, "DELETE", "api/v2/users/auth0%7C1001")
    assert unauthenticated.status == 401
    events = [
        (log.type, log.description)
        for log in await managed.services.store.logs()
        if log.type in ("sapi", "fapi")
    ]
    assert events == [
        ("sapi", "POST /api/v2/users"),
        ("fapi", "PATCH /api/v2/users/auth0|nobody: The user does not exist."),
    ]
