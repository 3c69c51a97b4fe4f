"""The Management API driven by auth0-python 4.13.0's resource classes (``Users``,
``UsersByEmail``, ``Connections``, ``Tickets``, ``Logs`` with ``protocol="http"``), which
expect other shapes than v6: bare lists where v6 wants objects, and ``from``/``take`` sent
together with ``page``/``per_page``/``include_totals``.

v4 cannot be imported next to v6, so each test runs its calls in one child process
(sdk4_driver.py, with the copy dev/setup --test installs in .sdk4)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest
from service_harness import (
    CONNECTION,
    REPO,
    Service,
    call,
    log_in,
    management_token,
)

from scriptbridge.connections import connection_id

SDK4 = REPO / ".sdk4"
DRIVER = REPO / "tests" / "service" / "sdk4_driver.py"
CON_ID = connection_id(CONNECTION)

Call = tuple[str, str, list[Any], dict[str, Any]]


def c(class_name: str, method: str, *args: Any, **kwargs: Any) -> Call:
    return (class_name, method, list(args), kwargs)


async def v4(running: Service, token: str, *calls: Call) -> list[Any]:
    """Each call's result, or ``{"error": {...}}`` for an Auth0Error, from auth0-python 4."""
    if not (SDK4 / "auth0" / "__init__.py").exists():
        pytest.fail("auth0-python 4.13.0 is not in .sdk4; run dev/setup --test")
    request = {"domain": running.domain, "token": token, "calls": calls}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DRIVER),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SDK4)},
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(json.dumps(request).encode()), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    answers = json.loads(out)
    assert len(answers) == len(calls)
    return [answer.get("result", answer) for answer in answers]


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"status_code": status, "error_code": code, "message": message}}


async def test_users(managed: Service) -> None:
    token = await management_token(managed)
    await log_in(managed, "jane@example.com", "bob@example.com", "carol@example.com")
    new = {"connection": CONNECTION, "email": "erin@example.com", "password": "erin pw"}
    (
        searched,
        chosen,
        second_page,
        jane,
        created,
        duplicate,
        updated,
        taken,
        deleted,
        gone,
        by_email,
    ) = await v4(
        managed,
        token,
        c("Users", "list", q="user_metadata.plan:pro OR name:Carol*", search_engine="v3"),
        c("Users", "list", include_totals=False, fields=["user_id", "email"], sort="email:1"),
        c("Users", "list", page=1, per_page=2, sort="email:1", q="email:*example.com"),
        c("Users", "get", "auth0|1001"),
        c("Users", "create", {**new, "user_metadata": {"plan": "trial"}}),
        c("Users", "create", {**new, "email": "dave@example.com"}),
        c("Users", "update", "auth0|1001", {"user_metadata": {"theme": "dark"}, "blocked": True}),
        c("Users", "update", "auth0|1002", {"email": "dave@example.com"}),
        c("Users", "delete", "auth0|1003"),
        c("Users", "get", "auth0|1003"),
        c("UsersByEmail", "search_users_by_email", "bob@example.com"),
    )
    assert {key: searched[key] for key in ("start", "limit", "length", "total")} == {
        "start": 0,
        "limit": 25,
        "length": 2,
        "total": 2,
    }
    assert sorted(u["email"] for u in searched["users"]) == [
        "carol@example.com",
        "jane@example.com",
    ]
    assert chosen == [
        {"user_id": "auth0|1002", "email": "bob@example.com"},
        {"user_id": "auth0|1003", "email": "carol@example.com"},
        {"user_id": "auth0|1001", "email": "jane@example.com"},
    ]
    assert [u["email"] for u in second_page["users"]] == ["jane@example.com"]
    assert (second_page["start"], second_page["total"]) == (2, 3)
    assert (jane["user_id"], jane["name"], jane["logins_count"]) == ("auth0|1001", "Jane Doe", 1)
    assert created["email"] == "erin@example.com"
    assert created["user_metadata"] == {"plan": "trial"}
    assert duplicate == error(409, "auth0_idp_error", "The user already exists.")
    assert updated["user_metadata"] == {"plan": "pro", "theme": "dark"}
    assert updated["blocked"] is True
    assert taken == error(409, "auth0_idp_error", "The user already exists.")
    assert deleted == ""
    assert gone == error(404, "inexistent_user", "The user does not exist.")
    assert [u["user_id"] for u in by_email] == ["auth0|1002"]
    status, body = await managed.password_login("jane@example.com", "correct horse")
    assert (status, body["error_description"]) == (401, "user is blocked")


async def test_connections_and_tickets(managed: Service) -> None:
    token = await management_token(managed)
    await log_in(managed, "bob@example.com", "jane@example.com")
    listed, filtered, none, connection = await v4(
        managed,
        token,
        c("Connections", "all"),
        c("Connections", "all", strategy="auth0", name=CONNECTION),
        c("Connections", "all", name="elsewhere"),
        c("Connections", "get", CON_ID),
    )
    assert [(x["id"], x["name"]) for x in listed] == [(CON_ID, CONNECTION)]
    assert filtered == listed
    assert none == []
    options = connection["options"]
    assert options["configuration"] == {"LEGACY_DB": "********"}
    assert options["import_mode"] is True
    # Read, modify, write back the whole options object, as v4 users do.
    options["customScripts"]["login"] += "\n// reviewed\n"
    updated, removed, ticket, unknown = await v4(
        managed,
        token,
        c("Connections", "update", CON_ID, {"options": options}),
        c("Connections", "delete_user_by_email", CON_ID, "bob@example.com"),
        c(
            "Tickets",
            "create_pswd_change",
            {"user_id": "auth0|1001", "result_url": "https://app.example/"},
        ),
        c("Connections", "delete_user_by_email", "con_0000000000000000", "bob@example.com"),
    )
    assert updated["options"]["customScripts"]["login"].endswith("// reviewed\n")
    assert updated["options"]["configuration"] == {"LEGACY_DB": "********"}
    assert removed == ""
    assert await managed.services.store.find_user(CONNECTION, "bob@example.com") is None
    assert ticket["ticket"].startswith(f"{managed.url}lo/reset?ticket=")
    assert unknown["error"]["status_code"] == 400
    assert unknown["error"]["error_code"] == "inexistent_connection"
    await log_in(managed, "bob@example.com")  # the legacy store is still configured


async def test_logs_search_and_checkpoint(managed: Service) -> None:
    token = await management_token(managed)
    await log_in(managed, "jane@example.com", "bob@example.com", "jane@example.com")
    ids = [log.log_id for log in await managed.services.store.logs()]
    searched, bare, first, after, nothing = await v4(
        managed,
        token,
        c("Logs", "search", q="type:s"),
        c("Logs", "search", q="type:migration", include_totals=False),
        c("Logs", "search", from_param=ids[0], take=2),
        c("Logs", "search", from_param=ids[2], take=100),
        c("Logs", "search", from_param=ids[-1], take=5),
    )
    assert searched["total"] == 3
    assert [e["type"] for e in searched["logs"]] == ["s", "s", "s"]
    assert sorted(e["user_id"] for e in bare) == ["auth0|1001", "auth0|1002"]
    # from/take win over the page, per_page and include_totals v4 sends with them.
    assert [e["log_id"] for e in first] == ids[1:3]
    assert [e["log_id"] for e in after] == ids[3:]
    assert nothing == []
    answer = await call(managed, "GET", f"api/v2/logs?from={ids[0]}&take=2", token)
    assert answer.headers["Link"].endswith('rel="next"')
