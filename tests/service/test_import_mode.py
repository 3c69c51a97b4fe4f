"""Import mode over HTTP, driven by the auth0-python SDK: users move into the store on their
first login, signup check or password reset, and the legacy store is not asked again."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from pathlib import Path

import pytest
from auth0.authentication import Database, GetToken, Users
from auth0.authentication.exceptions import Auth0Error
from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenVerifier
from service_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTION,
    PUBLIC_CLIENT_ID,
    Service,
    sdk,
    service,
    store_of,
    write_config,
)

from scriptbridge.store import UserChanges


def tokens_of(running: Service) -> GetToken:
    return GetToken(running.domain, CLIENT_ID, client_secret=CLIENT_SECRET, protocol="http")


def database_of(running: Service) -> Database:
    return Database(running.domain, CLIENT_ID, protocol="http")


def forget_legacy_user(running: Service, email: str) -> None:
    """Take the user out of the legacy store, so only scriptbridge's store can log it in."""
    with contextlib.closing(sqlite3.connect(running.legacy_db)) as db:
        db.execute("DELETE FROM users WHERE email = ?", (email,))
        db.commit()


async def login_invocations(running: Service) -> int:
    stats = running.services.stats.get((CONNECTION, "login"))
    return 0 if stats is None else stats.invocations


async def test_first_login_migrates_the_user_with_the_password_typed(running: Service) -> None:
    answer = await sdk(
        tokens_of(running).login, "jane@example.com", "correct horse", realm=CONNECTION
    )
    assert answer["token_type"] == "Bearer"
    assert answer["access_token"]
    assert answer["id_token"]
    async with store_of(running) as store:
        user = await store.find_user(CONNECTION, "JANE@example.com")
    assert user is not None
    assert user.user_id == "auth0|1001"
    assert user.migrated_by == "login"
    assert user.name == "Jane Doe"
    assert user.email_verified is True
    assert user.user_metadata == {"plan": "pro"}
    assert user.logins_count == 1
    assert user.password_hash is not None
    assert "correct horse" not in user.password_hash
    logs = await running.services.store.logs()
    assert [log.type for log in logs] == ["migration", "s"]
    assert logs[0].details == {"script": "login"}


async def test_second_login_is_answered_by_the_store_without_the_script(running: Service) -> None:
    client = tokens_of(running)
    await sdk(client.login, "bob@example.com", "battery staple", realm=CONNECTION)
    assert await login_invocations(running) == 1
    forget_legacy_user(running, "bob@example.com")  # the legacy store could not answer now
    answer = await sdk(client.login, "bob@example.com", "battery staple", realm=CONNECTION)
    assert answer["access_token"]
    assert await login_invocations(running) == 1
    with pytest.raises(Auth0Error) as wrong:
        await sdk(client.login, "bob@example.com", "not it", realm=CONNECTION)
    assert (wrong.value.status_code, wrong.value.error_code) == (403, "invalid_grant")
    assert wrong.value.message == "Wrong email or password."
    assert await login_invocations(running) == 1
    user = await running.services.store.find_user(CONNECTION, "bob@example.com")
    assert user is not None
    assert user.logins_count == 2


@pytest.mark.parametrize(
    ("username", "password"),
    [("jane@example.com", "wrong"), ("nobody@example.com", "whatever")],
    ids=["wrong-password", "unknown-user"],
)
async def test_a_failed_first_login_creates_no_user(
    running: Service, username: str, password: str
) -> None:
    with pytest.raises(Auth0Error) as failed:
        await sdk(tokens_of(running).login, username, password, realm=CONNECTION)
    assert (failed.value.status_code, failed.value.error_code) == (403, "invalid_grant")
    assert failed.value.message == "Wrong email or password."
    assert await running.services.store.count_users() == 0
    # Both end in WrongUsernameOrPasswordError(email): Auth0 logs that as fp, for the email.
    [log] = await running.services.store.logs()
    assert (log.type, log.user_id) == ("fp", f"auth0|{username}")


async def test_the_password_grant_uses_the_first_connection(running: Service) -> None:
    answer = await sdk(
        tokens_of(running).login,
        "carol@example.com",
        "Tr0ub4dor&3",
        grant_type="password",
        scope="openid",
    )
    assert answer["scope"] == "openid"
    assert await running.services.store.count_users(CONNECTION) == 1


async def test_two_concurrent_first_logins_of_one_person_create_one_user(
    running: Service,
) -> None:
    client = tokens_of(running)
    answers = await asyncio.gather(
        *(
            sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)
            for _ in range(6)
        )
    )
    assert all(answer["access_token"] for answer in answers)
    assert await running.services.store.count_users() == 1
    user = await running.services.store.get_user("auth0|1001")  # type: ignore[arg-type]
    assert user is not None
    assert user.logins_count == 6
    migrations = [log for log in await running.services.store.logs() if log.type == "migration"]
    assert len(migrations) == 1


async def test_signup_of_an_email_only_the_legacy_store_has_is_refused(running: Service) -> None:
    with pytest.raises(Auth0Error) as refused:
        await sdk(database_of(running).signup, "carol@example.com", "anything", CONNECTION)
    assert (refused.value.status_code, refused.value.error_code) == (400, "invalid_signup")
    assert await running.services.store.count_users() == 0
    assert [log.type for log in await running.services.store.logs()] == ["fs"]


async def test_signup_refusal_can_say_user_exists(tmp_path: Path, legacy_db: Path) -> None:
    config = write_config(tmp_path, legacy_db, connection='signup_exists_error = "user_exists"')
    async with service(config, legacy_db) as running:
        status, body = await running.post(
            "dbconnections/signup",
            json={
                "client_id": CLIENT_ID,
                "email": "jane@example.com",
                "password": "x",
                "connection": CONNECTION,
            },
        )
    assert status == 400
    assert body == {
        "name": "BadRequestError",
        "code": "user_exists",
        "description": "The user already exists.",
        "statusCode": 400,
    }


async def test_signup_of_a_new_email_creates_the_user_natively(running: Service) -> None:
    created = await sdk(
        database_of(running).signup,
        "erin@example.com",
        "s3cret-Erin",
        CONNECTION,
        user_metadata={"plan": "trial"},
        given_name="Erin",
    )
    assert set(created) == {"_id", "email", "email_verified", "given_name", "user_metadata"}
    assert created["email"] == "erin@example.com"
    assert created["user_metadata"] == {"plan": "trial"}
    user = await running.services.store.get_user(f"auth0|{created['_id']}")  # type: ignore[arg-type]
    assert user is not None
    assert user.migrated_by == "native"
    answer = await sdk(
        tokens_of(running).login, "erin@example.com", "s3cret-Erin", realm=CONNECTION
    )
    assert answer["access_token"]
    assert await login_invocations(running) == 0
    with pytest.raises(Auth0Error) as again:
        await sdk(database_of(running).signup, "ERIN@example.com", "s3cret", CONNECTION)
    assert again.value.error_code == "invalid_signup"


async def test_signup_applies_the_password_policy(tmp_path: Path, legacy_db: Path) -> None:
    config = write_config(tmp_path, legacy_db, connection="").read_text()
    path = tmp_path / "fair.toml"
    path.write_text(config.replace('password_policy = "none"', 'password_policy = "fair"'))
    async with service(path, legacy_db) as running:
        status, body = await running.post(
            "dbconnections/signup",
            json={
                "client_id": CLIENT_ID,
                "email": "weak@example.com",
                "password": "password",
                "connection": CONNECTION,
            },
        )
        assert status == 400
        assert body["code"] == "invalid_password"
        assert body["name"] == "PasswordStrengthError"
        assert body["description"]["rules"]
        assert "password" not in str(body["description"]["rules"]).replace("Password", "")
        assert await running.services.store.count_users() == 0


def _ticket_path(message: str) -> str:
    found = re.search(r"/lo/reset\?ticket=[A-Za-z0-9_-]+", message)
    assert found, message
    return found.group(0).lstrip("/")


async def reset_through_the_page(running: Service, email: str, new_password: str) -> None:
    """Ask for a reset with the SDK, then use the ticket the outbox delivered."""
    answer = await sdk(database_of(running).change_password, email, CONNECTION)
    assert answer == "We've just sent you an email to reset your password."
    messages = await running.services.store.messages(email)
    assert messages, "no ticket was delivered"
    path = _ticket_path(messages[-1][2])
    status, page = await running.get(path)
    assert status == 200
    assert 'name="newPassword"' in page
    ticket = path.split("=", 1)[1]
    status, _ = await running.post(
        "lo/reset",
        data={"ticket": ticket, "newPassword": new_password, "confirmNewPassword": new_password},
    )
    assert status == 200
    status, _ = await running.post(
        "lo/reset",
        data={"ticket": ticket, "newPassword": new_password, "confirmNewPassword": new_password},
    )
    assert status == 400, "a ticket must work once only"


async def test_a_password_reset_migrates_an_unmigrated_user_with_the_new_password(
    running: Service,
) -> None:
    await reset_through_the_page(running, "dave@example.com", "brand new pass")
    user = await running.services.store.find_user(CONNECTION, "dave@example.com")
    assert user is not None
    assert user.migrated_by == "get_user"
    assert user.user_id == "auth0|1004"
    forget_legacy_user(running, "dave@example.com")
    answer = await sdk(
        tokens_of(running).login, "dave@example.com", "brand new pass", realm=CONNECTION
    )
    assert answer["access_token"]
    with pytest.raises(Auth0Error):
        await sdk(tokens_of(running).login, "dave@example.com", "hunter2hunter2", realm=CONNECTION)
    assert await login_invocations(running) == 0
    types = [log.type for log in await running.services.store.logs()]
    assert types[:3] == ["scpr", "migration", "scp"]


async def test_a_password_reset_of_a_migrated_user_changes_the_stored_hash(
    running: Service,
) -> None:
    client = tokens_of(running)
    await sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)
    await reset_through_the_page(running, "jane@example.com", "horse staple battery")
    await sdk(client.login, "jane@example.com", "horse staple battery", realm=CONNECTION)
    with pytest.raises(Auth0Error):
        await sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)


async def test_a_reset_request_answers_alike_for_unknown_emails(running: Service) -> None:
    answer = await sdk(database_of(running).change_password, "ghost@example.com", CONNECTION)
    assert answer == "We've just sent you an email to reset your password."
    assert await running.services.store.messages("ghost@example.com") == []
    assert [log.type for log in await running.services.store.logs()] == ["fcpr"]


async def test_a_bad_or_expired_ticket_shows_an_error_page(running: Service) -> None:
    status, page = await running.get("lo/reset?ticket=not-a-ticket")
    assert status == 400
    assert "invalid, expired or already used" in page
    status, page = await running.post(
        "lo/reset", data={"ticket": "x", "newPassword": "a", "confirmNewPassword": "b"}
    )
    assert status == 400
    assert "do not match" in page


async def test_ten_failures_block_the_user_from_that_ip_only(running: Service) -> None:
    client = tokens_of(running)
    await sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)
    limit = running.settings.server.max_failed_attempts
    for _ in range(limit):
        with pytest.raises(Auth0Error) as wrong:
            await sdk(
                client.login, "jane@example.com", "bad", realm=CONNECTION, forwarded_for="10.0.0.1"
            )
        assert wrong.value.status_code == 403
    with pytest.raises(Auth0Error) as blocked:
        await sdk(
            client.login,
            "jane@example.com",
            "correct horse",
            realm=CONNECTION,
            forwarded_for="10.0.0.1",
        )
    assert (blocked.value.status_code, blocked.value.error_code) == (429, "too_many_attempts")
    answer = await sdk(
        client.login,
        "jane@example.com",
        "correct horse",
        realm=CONNECTION,
        forwarded_for="10.0.0.2",
    )
    assert answer["access_token"]
    assert "limit_wc" in [log.type for log in await running.services.store.logs()]


async def test_a_blocked_user_is_refused(running: Service) -> None:
    client = tokens_of(running)
    await sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)
    await running.services.store.update_user("auth0|1001", UserChanges(blocked=True))  # type: ignore[arg-type]
    with pytest.raises(Auth0Error) as refused:
        await sdk(client.login, "jane@example.com", "correct horse", realm=CONNECTION)
    assert (refused.value.status_code, refused.value.error_code) == (401, "unauthorized")
    assert refused.value.message == "user is blocked"


async def test_userinfo_and_the_id_token_verify_with_the_sdk(running: Service) -> None:
    answer = await sdk(
        tokens_of(running).login, "jane@example.com", "correct horse", realm=CONNECTION
    )
    info = await sdk(Users(running.domain, protocol="http").userinfo, answer["access_token"])
    assert info["sub"] == "auth0|1001"
    assert info["email"] == "jane@example.com"
    verifier = TokenVerifier(
        signature_verifier=AsymmetricSignatureVerifier(f"{running.url}.well-known/jwks.json"),
        issuer=running.url,
        audience=CLIENT_ID,
    )
    claims = await sdk(verifier.verify, answer["id_token"])
    assert claims["sub"] == "auth0|1001"
    with pytest.raises(Auth0Error) as bad:
        await sdk(Users(running.domain, protocol="http").userinfo, "not-a-token")
    assert bad.value.status_code == 401


async def test_client_credentials_issue_a_management_token(running: Service) -> None:
    answer = await sdk(tokens_of(running).client_credentials, f"{running.url}api/v2/")
    assert answer["scope"] == "read:users update:users"
    claims = running.services.engine and answer["access_token"]
    assert claims
    with pytest.raises(Auth0Error) as wrong:
        await sdk(tokens_of(running).client_credentials, "https://elsewhere/api/v2/")
    assert (wrong.value.status_code, wrong.value.error_code) == (403, "access_denied")
    public = GetToken(running.domain, PUBLIC_CLIENT_ID, protocol="http")
    with pytest.raises(Auth0Error) as refused:
        await sdk(public.client_credentials, f"{running.url}api/v2/")
    assert refused.value.status_code == 403
