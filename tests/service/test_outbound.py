"""[outbound] decides which hosts the scripts' HTTP requests reach."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from service_harness import service, write_config

LOGIN = """
function login(email, password, callback) {
  request.post({url: configuration.API + '/verify', json: {email: email, password: password}},
    (err, response, body) => {
      if (err) return callback(err);
      if (response.statusCode !== 200) return callback(new WrongUsernameOrPasswordError(email));
      callback(null, {user_id: body.id, email: email});
    });
}"""


@pytest.fixture
async def legacy_api() -> AsyncIterator[str]:
    """A legacy REST API that knows one user."""

    async def verify(request: web.Request) -> web.Response:
        body = await request.json()
        if (body["email"], body["password"]) == ("jane@example.com", "correct horse"):
            return web.json_response({"id": "api-7"})
        return web.json_response({}, status=401)

    app = web.Application()
    app.router.add_post("/verify", verify)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def config(tmp_path: Path, legacy_db: Path, api: str, outbound: str) -> Path:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "login.js").write_text(LOGIN)
    (scripts / "get_user.js").write_text("function getUser(email, cb) { cb(null); }")
    path = write_config(tmp_path, legacy_db, scripts=scripts)
    text = path.read_text().replace(f'LEGACY_DB = "{legacy_db}"', f'API = "{api}"')
    path.write_text(f"{outbound}\n{text}")
    return path


async def test_scripts_reach_an_allowed_legacy_api(
    tmp_path: Path, legacy_db: Path, legacy_api: str
) -> None:
    path = config(tmp_path, legacy_db, legacy_api, '[outbound]\nallow_hosts = ["127.0.0.1"]\n')
    async with service(path, legacy_db) as running:
        status, body = await running.password_login("jane@example.com", "correct horse")
        assert status == 200, body
        assert await running.services.store.get_user("auth0|api-7") is not None  # type: ignore[arg-type]


async def test_hosts_outside_the_allow_list_are_refused(
    tmp_path: Path, legacy_db: Path, legacy_api: str
) -> None:
    path = config(
        tmp_path, legacy_db, legacy_api, '[outbound]\nallow_hosts = ["api.example.com"]\n'
    )
    async with service(path, legacy_db) as running:
        status, body = await running.password_login("jane@example.com", "correct horse")
        assert status == 401
        assert "127.0.0.1" in body["error_description"]
        assert await running.services.store.count_users() == 0


async def test_denied_networks_are_refused(
    tmp_path: Path, legacy_db: Path, legacy_api: str
) -> None:
    path = config(tmp_path, legacy_db, legacy_api, '[outbound]\ndeny_hosts = ["127.0.0.0/8"]\n')
    async with service(path, legacy_db) as running:
        status, body = await running.password_login("jane@example.com", "correct horse")
        assert status == 401
        assert "127.0.0.1" in body["error_description"]
        assert await running.services.store.count_users() == 0
