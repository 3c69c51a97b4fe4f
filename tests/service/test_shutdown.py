"""`scriptbridge serve` as a process: SIGTERM and SIGINT stop it cleanly (requests in flight
finish, the store is closed, exit status 0), an unusable configuration or script stops it at
start with status 2 and one line of stderr, and --port 0 listens on a free port."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_process import CRASH_SCRIPTS, Servers, client_session, configure
from service_harness import CONNECTION, REPO, write_config

from scriptbridge.store import SqliteStore


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    with Servers(tmp_path) as servers:
        yield servers


async def test_sigterm_lets_a_login_in_flight_finish_then_exits_0_with_the_user_stored(
    tmp_path: Path, servers: Servers, legacy_db: Path
) -> None:
    """SIGTERM while a first login's script waits (1 s): the login still answers 200, the
    process exits 0, and the next start on the same store finds the migrated user."""
    config = configure(write_config(tmp_path, legacy_db, scripts=CRASH_SCRIPTS), DELAY_MS="1000")
    server = await servers.start(config)
    async with client_session() as session:
        login = asyncio.create_task(server.login(session, "jane@example.com", "correct horse"))
        await asyncio.sleep(0.3)
        assert not login.done()
        server.send(signal.SIGTERM)
        status, body = await login
    assert status == 200, body
    assert body["access_token"]
    assert await server.wait() == 0, server.stderr()
    assert "Traceback" not in server.stderr()
    # The store was closed: SQLite removes the WAL file when its last connection closes.
    assert not (tmp_path / "store.db-wal").exists()

    restarted = await servers.start(config)
    async with client_session() as session:
        status, body = await restarted.login(session, "jane@example.com", "correct horse")
    assert status == 200, body
    assert await restarted.stop() == 0, restarted.stderr()
    async with SqliteStore.open(tmp_path / "store.db") as store:
        user = await store.find_user(CONNECTION, "jane@example.com")
        logs = [log.type for log in await store.logs()]
    assert user is not None
    assert user.logins_count == 2
    assert logs == ["migration", "s", "s"]  # the restarted server did not migrate again


async def test_sigint_stops_the_server_with_status_0(
    tmp_path: Path, servers: Servers, legacy_db: Path
) -> None:
    server = await servers.start(write_config(tmp_path, legacy_db))
    assert await server.stop(signal.SIGINT) == 0, server.stderr()
    assert "Traceback" not in server.stderr()
    assert not (tmp_path / "store.db-wal").exists()  # the store was closed


async def test_port_0_overrides_the_configured_port_and_the_url_printed_answers_health(
    tmp_path: Path, servers: Servers, legacy_db: Path
) -> None:
    """`serve --port 0` listens on a free port even when [server] port names a taken one, and
    the URL it prints answers /health with {"status": "ok"}."""
    config = write_config(tmp_path, legacy_db)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        config.write_text(
            config.read_text(encoding="utf-8").replace("port = 0\n", f"port = {port}\n", 1),
            encoding="utf-8",
        )
        server = await servers.start(config, "--port", "0")
        assert server.url.startswith("http://127.0.0.1:")
        assert not server.url.endswith((f":{port}/", ":0/"))
        async with client_session() as session, session.get(server.url + "health") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok"}
    assert await server.stop() == 0, server.stderr()


async def test_an_unknown_setting_stops_serve_with_status_2_and_one_line_naming_it(
    tmp_path: Path, servers: Servers, legacy_db: Path
) -> None:
    config = write_config(tmp_path, legacy_db, connection="timout_seconds = 3")
    status, stdout, stderr = await servers.run("--config", str(config), cwd=tmp_path)
    assert (status, stdout) == (2, "")
    assert len(stderr.splitlines()) == 1, stderr
    assert str(config) in stderr
    assert "connections[0].timout_seconds" in stderr
    assert "unknown setting" in stderr


async def test_a_script_that_does_not_parse_stops_serve_with_status_2_and_one_line_naming_it(
    tmp_path: Path, servers: Servers, legacy_db: Path
) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copyfile(REPO / "fixtures" / "scripts" / "broken.js", scripts / "login.js")
    shutil.copyfile(CRASH_SCRIPTS / "get_user.js", scripts / "get_user.js")
    config = write_config(tmp_path, legacy_db, scripts=scripts)
    status, stdout, stderr = await servers.run("--config", str(config), cwd=tmp_path)
    assert (status, stdout) == (2, "")
    assert len(stderr.splitlines()) == 1, stderr
    assert str(config) in stderr
    assert "connections[0].scripts" in stderr
    assert "login.js:4" in stderr
    assert "SyntaxError" in stderr
