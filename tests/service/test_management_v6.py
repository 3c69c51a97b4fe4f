"""The Management API driven by auth0-python v6 (``auth0.management.Auth0(base_url=...)``,
``max_retries=0``): users, connections, tickets and logs, as the SDK sends and parses them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from auth0.management import Auth0
from auth0.management.core.api_error import ApiError
from auth0.management.errors import BadRequestError, ConflictError, NotFoundError
from py_mini_racer import _context as mini_racer_context
from service_harness import (
    ALL_SCOPES,
    CONNECTION,
    Service,
    call,
    legacy_rows,
    log_in,
    management_client,
    management_token,
    sdk,
    service,
    write_config,
)

from scriptbridge.connections import connection_id
from scriptbridge.engine import KINDS

CON_ID = connection_id(CONNECTION)
EVERYONE = {"jane@example.com", "bob@example.com", "carol@example.com", "erin@example.com"}


@pytest.fixture
async def m(managed: Service) -> AsyncIterator[Auth0]:
    token = await management_token(managed)
    with management_client(managed, token) as client:
        yield client


async def emails(m: Auth0, q: str, **kwargs: Any) -> set[str]:
    """The emails of every user ``q`` finds, paging as the SDK does."""
    users = await sdk(lambda: list(m.users.list(q=q, search_engine="v3", **kwargs)))
    return {user.email for user in users if user.email}


async def three_migrated_and_one_created(running: Service, m: Auth0) -> None:
    """jane (twice), bob and carol log in; erin is created over the API."""
    await log_in(running, "jane@example.com", "jane@example.com", "bob@example.com")
    await log_in(running, "carol@example.com")
    await sdk(
        m.users.create,
        connection=CONNECTION,
        email="erin@example.com",
        password="erin's password",
        user_metadata={"plan": "trial"},
        app_metadata={"tier": 2},
    )


#: Queries in search engine v3 syntax and whom they find among EVERYONE.
QUERIES: dict[str, set[str]] = {
    'email:"jane@example.com"': {"jane@example.com"},
    "email:JANE@EXAMPLE.COM": {"jane@example.com"},
    'name:"Carol King"': {"carol@example.com"},
    "email:*@example.com": EVERYONE,
    "email:b*": {"bob@example.com"},
    "user_metadata.plan:pro OR user_metadata.plan:team": {"jane@example.com", "carol@example.com"},
    "email:*example.com AND NOT user_metadata.plan:free": EVERYONE - {"bob@example.com"},
    "logins_count:[2 TO *]": {"jane@example.com"},
    "logins_count:{0 TO 2}": {"bob@example.com", "carol@example.com"},
    "created_at:[2000-01-01 TO *]": EVERYONE,
    "created_at:[* TO 2000-01-01]": set(),
    "_exists_:last_login": EVERYONE - {"erin@example.com"},
    "NOT _exists_:last_login": {"erin@example.com"},
    f'identities.connection:"{CONNECTION}"': EVERYONE,
    "identities.connection:elsewhere": set(),
    "user_id:auth0|100*": EVERYONE - {"erin@example.com"},
    "user_id:auth0": set(),
    "app_metadata.tier:2": {"erin@example.com"},
    "(user_metadata.plan:trial OR email:bob*) AND _exists_:app_metadata.tier": {"erin@example.com"},
}


async def test_users_list_finds_with_search_engine_v3(managed: Service, m: Auth0) -> None:
    """Field values, phrases, wildcards, AND/OR/NOT, ranges, _exists_ and nested fields."""
    await three_migrated_and_one_created(managed, m)
    found = {q: await emails(m, q) for q in QUERIES}
    assert found == QUERIES


async def test_users_list_pages_until_an_empty_page_with_totals(managed: Service, m: Auth0) -> None:
    await three_migrated_and_one_created(managed, m)
    pager = await sdk(m.users.list, per_page=1, sort="email:1")
    assert pager.response.total == 4
    assert pager.response.length == 1
    pages = await sdk(lambda: [[u.email for u in page.items or []] for page in pager.iter_pages()])
    assert pages == [[e] for e in sorted(EVERYONE)]
    assert await emails(m, "email:*example.com", per_page=3) == EVERYONE


async def test_users_list_sorts_and_chooses_fields(managed: Service, m: Auth0) -> None:
    await three_migrated_and_one_created(managed, m)
    users = await sdk(lambda: list(m.users.list(sort="email:-1")))
    assert [u.email for u in users] == sorted(EVERYONE, reverse=True)
    users = await sdk(lambda: list(m.users.list(sort="logins_count:-1", q="_exists_:last_login")))
    assert users[0].email == "jane@example.com"
    chosen = await sdk(lambda: list(m.users.list(fields="user_id,email", include_fields=True)))
    assert {frozenset(u.model_dump(exclude_none=True)) for u in chosen} == {
        frozenset({"user_id", "email"})
    }
    left_out = await sdk(
        lambda: list(m.users.list(fields="identities,user_metadata", include_fields=False))
    )
    assert all(u.identities is None and u.user_metadata is None for u in left_out)
    assert all(u.user_id and u.email for u in left_out)


async def test_users_get_and_by_email(managed: Service, m: Auth0) -> None:
    await log_in(managed, "jane@example.com")
    user = await sdk(m.users.get, "auth0|1001")
    assert (user.user_id, user.email, user.name) == ("auth0|1001", "jane@example.com", "Jane Doe")
    assert user.user_metadata == {"plan": "pro"}
    assert user.logins_count == 1
    assert user.identities is not None
    identity = user.identities[0]
    assert (identity.connection, identity.provider, identity.user_id) == (
        CONNECTION,
        "auth0",
        "1001",
    )
    partial = await sdk(m.users.get, "auth0|1001", fields="email", include_fields=True)
    assert partial.model_dump(exclude_none=True) == {"email": "jane@example.com"}
    found = await sdk(m.users.list_users_by_email, email="jane@example.com")
    assert [u.user_id for u in found] == ["auth0|1001"]
    assert await sdk(m.users.list_users_by_email, email="nobody@example.com") == []
    with pytest.raises(NotFoundError) as missing:
        await sdk(m.users.get, "auth0|9999")
    assert missing.value.body["errorCode"] == "inexistent_user"


async def test_users_create_answers_201_and_refuses_a_legacy_email(
    managed: Service, m: Auth0
) -> None:
    created = await sdk(
        m.users.with_raw_response.create,
        connection=CONNECTION,
        email="erin@example.com",
        password="erin's password",
        user_metadata={"plan": "trial"},
        given_name="Erin",
    )
    assert created.status_code == 201
    assert created.data.email == "erin@example.com"
    assert created.data.given_name == "Erin"
    assert created.data.user_id
    assert created.data.user_id.startswith("auth0|")
    status, _ = await managed.password_login("erin@example.com", "erin's password")
    assert status == 200
    with pytest.raises(ConflictError) as exists:
        await sdk(m.users.create, connection=CONNECTION, email="carol@example.com", password="x1")
    assert exists.value.status_code == 409
    assert exists.value.body["message"] == "The user already exists."
    assert await managed.services.store.find_user(CONNECTION, "carol@example.com") is None
    with pytest.raises(ConflictError):
        await sdk(m.users.create, connection=CONNECTION, email="ERIN@example.com", password="x1")
    with pytest.raises(BadRequestError) as unknown:
        await sdk(m.users.create, connection="nowhere", email="f@example.com", password="x1")
    assert unknown.value.body["errorCode"] == "inexistent_connection"


async def test_users_create_applies_the_password_policy(tmp_path: Path, legacy_db: Path) -> None:
    config = write_config(tmp_path, legacy_db, scopes=ALL_SCOPES)
    config.write_text(
        config.read_text().replace('password_policy = "none"', 'password_policy = "fair"')
    )
    async with service(config, legacy_db) as running:
        with management_client(running, await management_token(running)) as m:
            with pytest.raises(BadRequestError) as weak:
                await sdk(
                    m.users.create, connection=CONNECTION, email="f@example.com", password="abc"
                )
            assert weak.value.body["errorCode"] == "invalid_password"
            assert weak.value.body["message"].startswith("PasswordStrengthError: ")
            assert await running.services.store.count_users() == 0


async def test_users_update_email_asks_get_user_first(managed: Service, m: Auth0) -> None:
    await log_in(managed, "jane@example.com")
    # The SDK has no ConflictError for PATCH (Auth0's spec lists none): a plain ApiError.
    with pytest.raises(ApiError) as taken:
        await sdk(m.users.update, "auth0|1001", email="bob@example.com")
    assert taken.value.status_code == 409
    assert taken.value.body["message"] == "The user already exists."
    updated = await sdk(m.users.update, "auth0|1001", email="jane@new.example")
    assert updated.email == "jane@new.example"
    status, _ = await managed.password_login("jane@new.example", "correct horse")
    assert status == 200


async def test_users_update_password_and_blocked(managed: Service, m: Auth0) -> None:
    await log_in(managed, "bob@example.com")
    await sdk(m.users.update, "auth0|1002", password="a new secret")
    status, _ = await managed.password_login("bob@example.com", "battery staple")
    assert status == 403
    status, _ = await managed.password_login("bob@example.com", "a new secret")
    assert status == 200
    blocked = await sdk(m.users.update, "auth0|1002", blocked=True)
    assert blocked.blocked is True
    status, body = await managed.password_login("bob@example.com", "a new secret")
    assert (status, body) == (
        401,
        {"error": "unauthorized", "error_description": "user is blocked"},
    )
    unblocked = await sdk(m.users.update, "auth0|1002", blocked=False)
    assert unblocked.blocked is False
    status, _ = await managed.password_login("bob@example.com", "a new secret")
    assert status == 200


async def test_users_update_merges_metadata_at_the_top_level(managed: Service, m: Auth0) -> None:
    await log_in(managed, "jane@example.com")
    first = await sdk(
        m.users.update,
        "auth0|1001",
        user_metadata={"theme": {"dark": True}},
        app_metadata={"roles": ["admin"], "tier": 1},
    )
    assert first.user_metadata == {"plan": "pro", "theme": {"dark": True}}
    assert first.app_metadata == {"roles": ["admin"], "tier": 1}
    second = await sdk(
        m.users.update,
        "auth0|1001",
        user_metadata={"plan": None, "theme": {"contrast": "high"}},
        app_metadata={"tier": None},
        nickname="janie",
    )
    assert second.user_metadata == {"theme": {"contrast": "high"}}
    assert second.app_metadata == {"roles": ["admin"]}
    assert second.nickname == "janie"
    stored = await sdk(m.users.get, "auth0|1001")
    assert stored.user_metadata == {"theme": {"contrast": "high"}}


async def test_users_delete(managed: Service, m: Auth0) -> None:
    await log_in(managed, "jane@example.com")
    deleted = await sdk(m.users.with_raw_response.delete, "auth0|1001")
    assert deleted.status_code == 204
    with pytest.raises(NotFoundError):
        await sdk(m.users.get, "auth0|1001")
    assert "sdu" in [log.type for log in await managed.services.store.logs()]


async def test_connections_list_and_get_hide_configuration_values(
    managed: Service, m: Auth0
) -> None:
    listed = await sdk(lambda: list(m.connections.list()))
    assert [(c.id, c.name, c.strategy) for c in listed] == [(CON_ID, CONNECTION, "auth0")]
    assert await sdk(lambda: list(m.connections.list(strategy="auth0", name="nope"))) == []
    connection = await sdk(m.connections.get, CON_ID)
    assert connection.name == CONNECTION
    options = connection.model_dump(by_alias=True, exclude_none=True)["options"]
    assert set(options["customScripts"]) == {"login", "get_user"}
    assert "function login" in options["customScripts"]["login"]
    assert options["import_mode"] is True
    assert options["configuration"] == {"LEGACY_DB": "********"}
    assert str(managed.legacy_db) not in connection.model_dump_json()


OPEN_SESAME = """function login(email, password, callback) {
  if (password !== 'open sesame') return callback(new WrongUsernameOrPasswordError(email));
  callback(null, { user_id: 'sesame-' + email.split('@')[0], email: email });
}
"""


async def test_a_script_change_takes_effect_at_the_next_login(managed: Service, m: Auth0) -> None:
    status, _ = await managed.password_login("zed@example.com", "open sesame")
    assert status == 403
    contexts = mini_racer_context.context_count()
    updated = await sdk(
        m.connections.update, CON_ID, options={"customScripts": {"login": OPEN_SESAME}}
    )
    assert updated.options is not None
    status, _ = await managed.password_login("zed@example.com", "open sesame")
    assert status == 200
    assert mini_racer_context.context_count() == contexts, "the old script's runner was kept"
    user = await sdk(m.users.get, "auth0|sesame-zed")
    assert user.email == "zed@example.com"
    read = await sdk(m.connections.get, CON_ID)
    scripts = read.model_dump(by_alias=True)["options"]["customScripts"]
    assert scripts["login"] == OPEN_SESAME


async def test_a_script_that_does_not_parse_is_refused_with_v8s_message_and_line(
    managed: Service, m: Auth0
) -> None:
    broken = "function login(email, password, callback) {\n  callback(null,\n}\n"
    with pytest.raises(BadRequestError) as refused:
        await sdk(m.connections.update, CON_ID, options={"customScripts": {"login": broken}})
    body = refused.value.body
    assert body["errorCode"] == "invalid_body"
    # V8's message, and where: the script's third line.
    assert "login.js" in body["message"]
    assert ":3:1: SyntaxError: Unexpected token '}'" in body["message"]
    await log_in(managed, "jane@example.com")  # the old script still runs


async def test_a_read_modify_write_of_the_options_keeps_the_hidden_secret(
    managed: Service, m: Auth0
) -> None:
    read = await sdk(m.connections.get, CON_ID)
    options = read.model_dump(by_alias=True, exclude_none=True)["options"]
    assert options["configuration"] == {"LEGACY_DB": "********"}
    options["customScripts"]["login"] = options["customScripts"]["login"].replace(
        "// Legacy-mode login", "// Edited login"
    )
    options["configuration"]["EXTRA"] = "visible once"
    written = await sdk(m.connections.update, CON_ID, options=options)
    shown = written.model_dump(by_alias=True)["options"]
    assert shown["configuration"] == {"LEGACY_DB": "********", "EXTRA": "********"}
    assert "// Edited login" in shown["customScripts"]["login"]
    live = managed.services.connections.get(CONNECTION)
    assert live is not None
    assert live.configuration == {"LEGACY_DB": str(managed.legacy_db), "EXTRA": "visible once"}
    await log_in(managed, "jane@example.com")  # the script still finds the legacy store


async def test_connections_users_delete_by_email(managed: Service, m: Auth0) -> None:
    await log_in(managed, "carol@example.com")
    await sdk(m.connections.users.delete_by_email, CON_ID, email="carol@example.com")
    with pytest.raises(NotFoundError):
        await sdk(m.users.get, "auth0|1003")
    # Nothing left to delete is not an error either.
    await sdk(m.connections.users.delete_by_email, CON_ID, email="carol@example.com")


async def test_tickets_change_password_gives_a_working_reset_url(
    managed: Service, m: Auth0
) -> None:
    await log_in(managed, "jane@example.com")
    answer = await sdk(
        m.tickets.with_raw_response.change_password,
        user_id="auth0|1001",
        result_url="https://app.example/done",
        ttl_sec=0,
    )
    assert answer.status_code == 201
    ticket = answer.data.ticket
    assert ticket.startswith(f"{managed.url}lo/reset?ticket=")
    token = ticket.split("ticket=", 1)[1].rstrip("#")
    status, page = await managed.get(f"lo/reset?ticket={token}")
    assert (status, 'name="newPassword"' in page) == (200, True)
    status, _ = await managed.post(
        "lo/reset",
        data={"ticket": token, "newPassword": "ticketed pw", "confirmNewPassword": "ticketed pw"},
        allow_redirects=False,
    )
    assert status in (200, 302)
    status, _ = await managed.password_login("jane@example.com", "ticketed pw")
    assert status == 200


async def test_logs_list_searches_and_pages(managed: Service, m: Auth0) -> None:
    await log_in(managed, "jane@example.com", "bob@example.com", "jane@example.com")
    successes = await sdk(lambda: list(m.logs.list(search="type:s", per_page=2)))
    assert [log.type for log in successes] == ["s", "s", "s"]
    assert {log.user_id for log in successes} == {"auth0|1001", "auth0|1002"}
    migrations = await sdk(
        lambda: list(m.logs.list(search='type:migration AND user_id:"auth0|1002"'))
    )
    assert len(migrations) == 1
    newest_first = await sdk(lambda: list(m.logs.list(sort="date:-1")))
    dates = [log.date for log in newest_first]
    assert len(dates) == len(await managed.services.store.logs())
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]


async def test_logs_checkpoint_paging_over_raw_http(managed: Service) -> None:
    """``from``/``take`` give an array ordered by log_id and a Link to the next page; the
    CLI's ``q=log_id:[X TO *]`` with ``sort=date:-1`` gives an array, newest first."""
    token = await management_token(managed)
    await log_in(managed, "jane@example.com", "bob@example.com", "carol@example.com")
    everything = [log.log_id for log in await managed.services.store.logs()]
    assert len(everything) >= 7  # seccft, then a migration and an s per login
    first = await call(managed, "GET", "api/v2/logs?take=3", token)
    assert first.status == 200
    assert [e["log_id"] for e in first.body] == everything[:3]
    link = first.headers["Link"]
    assert link.endswith('; rel="next"')
    assert f"from={everything[2]}" in link
    assert "take=3" in link
    second = await call(managed, "GET", f"api/v2/logs?from={everything[2]}&take=3", token)
    assert [e["log_id"] for e in second.body] == everything[3:6]
    beyond = await call(managed, "GET", f"api/v2/logs?from={everything[-1]}&take=3", token)
    assert beyond.body == []
    pivot = everything[3]
    tail = await call(
        managed,
        "GET",
        "api/v2/logs",
        token,
        params={
            "q": f"log_id:[{pivot} TO *]",
            "search_engine": "v3",
            "sort": "date:-1",
            "page": "0",
            "per_page": "100",
        },
    )
    assert tail.status == 200
    assert isinstance(tail.body, list)
    assert {e["log_id"] for e in tail.body} == {i for i in everything if i >= pivot}
    dates = [e["date"] for e in tail.body]
    assert dates == sorted(dates, reverse=True)


async def test_in_legacy_mode_user_changes_run_their_scripts(
    tmp_path: Path, legacy_db: Path
) -> None:
    """Import mode off: PATCH runs change_password and change_email, DELETE runs delete."""
    config = write_config(
        tmp_path,
        legacy_db,
        kinds=tuple(KINDS),
        connection="import_mode = false",
        scopes=ALL_SCOPES,
    )
    async with service(config, legacy_db) as running:
        await log_in(running, "bob@example.com", "carol@example.com")
        with management_client(running, await management_token(running)) as m:
            await sdk(m.users.update, "auth0|1002", password="bob's new password")
            status, _ = await running.password_login("bob@example.com", "bob's new password")
            assert status == 200
            moved = await sdk(m.users.update, "auth0|1002", email="robert@example.com")
            assert moved.email == "robert@example.com"
            assert "robert@example.com" in legacy_rows(legacy_db)
            await sdk(m.users.delete, "auth0|1003")
            assert "carol@example.com" not in legacy_rows(legacy_db)
            with pytest.raises(NotFoundError):
                await sdk(m.users.get, "auth0|1003")
        stats = running.services.stats
        assert {kind for (_, kind) in stats} >= {"change_password", "change_email", "delete"}
