"""`scriptbridge try` runs the sample scripts of fixtures/scripts against real servers."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import bcrypt
import pytest
from servers import Server, postgres_server

SAMPLES = Path(__file__).parents[1] / "fixtures" / "scripts" / "postgres"


@pytest.fixture(scope="module")
def legacy_pg() -> Iterator[Server]:
    """A legacy PostgreSQL store with one user whose password is 'correct horse'."""
    with postgres_server() as server:

        async def seed() -> None:
            db = await asyncpg.connect(server.url.replace("postgres://", "postgresql://"))
            await db.execute(
                "CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL,"
                " nickname text, password text NOT NULL, email_verified boolean DEFAULT false)"
            )
            digest = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(4)).decode()
            await db.execute(
                "INSERT INTO users (email, nickname, password) VALUES ($1, 'jane', $2)",
                "jane@example.com",
                digest,
            )
            await db.close()

        asyncio.run(seed())
        yield server


def try_sample(server: Server, script: str, kind: str, *args: str) -> tuple[int, dict[str, object]]:
    run = subprocess.run(
        [sys.executable, "-m", "scriptbridge", "try", SAMPLES / script, "--kind", kind,
         "--configuration", f"DATABASE_URL={server.url}", "--", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return run.returncode, json.loads(run.stdout)


def test_try_runs_the_postgres_login_sample(legacy_pg: Server) -> None:
    code, outcome = try_sample(legacy_pg, "login.js", "login", "jane@example.com", "correct horse")
    assert code == 0
    assert outcome["result"] == {
        "user_id": "1",
        "nickname": "jane",
        "email": "jane@example.com",
    }


def test_try_reports_a_wrong_password_from_the_sample(legacy_pg: Server) -> None:
    code, outcome = try_sample(legacy_pg, "login.js", "login", "jane@example.com", "wrong")
    assert code == 1
    assert outcome["error"]["name"] == "WrongUsernameOrPasswordError"


def test_try_runs_the_postgres_get_user_sample(legacy_pg: Server) -> None:
    code, outcome = try_sample(legacy_pg, "get_user.js", "get_user", "jane@example.com")
    assert code == 0
    assert outcome["result"]["email"] == "jane@example.com"
