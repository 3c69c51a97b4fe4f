"""Auth0's lazy-migration guide from start to end, as one operator would live it: users log in
and migrate, a password reset migrates another, the operator lists and searches the users,
repairs one with both delete calls, follows the progress, and disconnects the legacy store."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from auth0.authentication import Database, GetToken
from auth0.authentication.exceptions import Auth0Error
from py_mini_racer import _context as mini_racer_context
from service_harness import (
    ALL_SCOPES,
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTION,
    Service,
    call,
    management_client,
    management_token,
    sdk,
    service,
    write_config,
)

from scriptbridge.connections import NOOP_SCRIPTS, connection_id

CON_ID = connection_id(CONNECTION)


async def reset_password(running: Service, email: str, new_password: str) -> None:
    """The user asks for a reset and sets a new password with the ticket mailed to them."""
    database = Database(running.domain, CLIENT_ID, protocol="http")
    await sdk(database.change_password, email, CONNECTION)
    [*_, (_, _, message)] = await running.services.store.messages(email)
    found = re.search(r"ticket=([A-Za-z0-9_-]+)", message)
    assert found, message
    fields = {"ticket": found[1], "newPassword": new_password, "confirmNewPassword": new_password}
    status, _ = await running.post("lo/reset", data=fields)
    assert status == 200


async def test_the_migration_guide_end_to_end(tmp_path: Path, legacy_db: Path) -> None:
    config = write_config(
        tmp_path, legacy_db, kinds=("login", "get_user", "count_users"), scopes=ALL_SCOPES
    )
    contexts = mini_racer_context.context_count()
    days = {dt.datetime.now(dt.UTC).date().isoformat()}
    async with service(config, legacy_db) as running:
        tokens = GetToken(running.domain, CLIENT_ID, client_secret=CLIENT_SECRET, protocol="http")

        async def login(email: str, password: str) -> None:
            answer = await sdk(tokens.login, email, password, realm=CONNECTION)
            assert answer["access_token"]

        # 1. Legacy users log in, and migrate with the password they typed.
        await login("jane@example.com", "correct horse")
        await login("bob@example.com", "battery staple")
        # 2. A user who forgot the password resets it: get_user migrates them.
        await reset_password(running, "dave@example.com", "dave's new pass")

        token = await management_token(running)
        with management_client(running, token) as m:
            # 3. The operator lists and searches the users.
            users = await sdk(lambda: list(m.users.list(sort="email:1")))
            assert [u.email for u in users] == [
                "bob@example.com",
                "dave@example.com",
                "jane@example.com",
            ]
            free = await sdk(
                lambda: list(m.users.list(q="user_metadata.plan:free", search_engine="v3"))
            )
            assert sorted(u.user_id or "" for u in free) == ["auth0|1002", "auth0|1004"]
            migrations = await sdk(lambda: list(m.logs.list(search="type:migration")))
            assert sorted((e.user_id, (e.details or {})["script"]) for e in migrations) == [
                ("auth0|1001", "login"),
                ("auth0|1002", "login"),
                ("auth0|1004", "get_user"),
            ]

            # 4. Bob's record went wrong: both of the guide's delete calls, then bob's next
            # login migrates him again from the legacy store.
            await sdk(m.users.delete, "auth0|1002")
            await sdk(m.connections.users.delete_by_email, CON_ID, email="bob@example.com")
            assert await sdk(m.users.list_users_by_email, email="bob@example.com") == []
            await login("bob@example.com", "battery staple")
            bob = await sdk(m.users.get, "auth0|1002")
            assert bob.logins_count == 1

            # 5. How far has the migration come?
            progress = await call(running, "GET", f"api/v2/connections/{CON_ID}/migration", token)
            assert progress.status == 200
            status = progress.body
            assert status["connection"] == CONNECTION
            assert status["import_mode"] is True
            assert status["users"] == {
                "total": 3,
                "migrated": 3,
                "by_login": 2,
                "by_get_user": 1,
                "native": 0,
                "legacy_records": 0,
            }
            days.add(dt.datetime.now(dt.UTC).date().isoformat())
            assert {day["date"] for day in status["per_day"]} <= days
            assert sum(day["login"] for day in status["per_day"]) == 2
            assert sum(day["get_user"] for day in status["per_day"]) == 1
            assert status["last_migrated_at"] is not None
            assert status["scripts"]["login"] == {"invocations": 3, "errors": 0, "timeouts": 0}
            assert status["scripts"]["get_user"]["invocations"] >= 1
            assert status["scripts"]["get_user"]["errors"] == 0
            assert (status["legacy_total"], status["percent_migrated"]) == (4, 75.0)

            # 6. Disconnect: the two no-op scripts of the guide, import mode stays on.
            connection = await sdk(
                m.connections.update,
                CON_ID,
                options={"customScripts": dict(NOOP_SCRIPTS), "import_mode": True},
            )
            options = connection.model_dump(by_alias=True)["options"]
            assert options["import_mode"] is True
            assert options["customScripts"]["login"] == NOOP_SCRIPTS["login"]
            assert options["customScripts"]["get_user"] == NOOP_SCRIPTS["get_user"]
            changes = await sdk(lambda: list(m.logs.list(search="type:sapi")))
            patches = [e for e in changes if (e.description or "").startswith("PATCH")]
            assert [e.connection for e in patches] == [CONNECTION]

        # 7. Migrated users log in as before, unmigrated ones no longer can, and an email only
        # the legacy store knew can sign up.
        await login("jane@example.com", "correct horse")
        await login("bob@example.com", "battery staple")
        await login("dave@example.com", "dave's new pass")
        with pytest.raises(Auth0Error) as refused:
            await sdk(tokens.login, "carol@example.com", "Tr0ub4dor&3", realm=CONNECTION)
        assert (refused.value.status_code, refused.value.error_code) == (403, "invalid_grant")
        assert refused.value.message == "Wrong email or password."
        database = Database(running.domain, CLIENT_ID, protocol="http")
        signed_up = await sdk(database.signup, "carol@example.com", "carol's fresh pw", CONNECTION)
        assert signed_up["email"] == "carol@example.com"
        await login("carol@example.com", "carol's fresh pw")

        after = await call(running, "GET", f"api/v2/connections/{CON_ID}/migration", token)
        assert after.body["users"]["migrated"] == 3
        assert after.body["users"]["native"] == 1
        assert after.body["percent_migrated"] == 75.0
    assert mini_racer_context.context_count() == contexts, "V8 contexts leaked"
