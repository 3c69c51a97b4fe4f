"""The demo legacy store: what the embedded default's scripts migrate users from.

A SQLite file of bcrypt-hashed users, built from fixtures/demo/users.json on first start, that
scripts/login.js and scripts/get_user.js read through ``require('sqlite3')`` as a team's
scripts would read its real legacy database. Building it is synchronous (stdlib sqlite3 and
bcrypt, about a second): call it off the event loop, e.g. with ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import bcrypt

import scriptbridge
from scriptbridge.settings import DEFAULT_CONNECTION, EMBEDDED_SOURCE, Settings

#: The cost of the demo hashes, a common choice of real legacy stores.
DEMO_BCRYPT_ROUNDS = 10

_SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT UNIQUE NOT NULL,
    name TEXT,
    nickname TEXT,
    password_hash TEXT NOT NULL,
    email_verified INTEGER NOT NULL DEFAULT 0,
    plan TEXT
)
"""

_FIELDS = ("id", "email", "name", "nickname", "password_hash", "email_verified", "plan")


def demo_users_file() -> Path:
    """fixtures/demo/users.json of the source checkout scriptbridge runs from."""
    return Path(scriptbridge.__file__).parents[1] / "fixtures" / "demo" / "users.json"


def ensure_embedded_demo(settings: Settings) -> bool:
    """Build the demo legacy store the embedded default's connection reads, if these settings
    are the embedded default and it is missing; True when it was built."""
    connection = settings.connection(DEFAULT_CONNECTION)
    if settings.source != EMBEDDED_SOURCE or connection is None:
        return False
    return ensure_demo_legacy_store(Path(connection.configuration["LEGACY_DB"]), demo_users_file())


def ensure_demo_legacy_store(path: Path, users_file: Path) -> bool:
    """Build the demo legacy store at ``path`` from ``users_file`` unless it exists; True when
    it was built.

    The store is written to a temporary file beside ``path`` and renamed into place, so a crash
    leaves either no store or a whole one.
    """
    if path.exists():
        return False
    rows = [_row(user, i) for i, user in enumerate(_read_users(users_file))]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(descriptor)
    temporary = Path(name)
    try:
        with contextlib.closing(sqlite3.connect(temporary)) as db, db:
            db.execute(_SCHEMA)
            columns = ", ".join(_FIELDS)
            marks = ", ".join("?" for _ in _FIELDS)
            db.executemany(f"INSERT INTO users ({columns}) VALUES ({marks})", rows)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def _read_users(users_file: Path) -> list[dict[str, Any]]:
    document = json.loads(users_file.read_text("utf-8"))
    users = document.get("users") if isinstance(document, dict) else None
    if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
        raise ValueError(f"{users_file}: expected {{'users': [{{...}}, ...]}}")
    return users


def _row(user: dict[str, Any], index: int) -> tuple[Any, ...]:
    """One user of users.json as a row of the users table, its password hashed."""
    try:
        password = str(user["password"]).encode()
        return (
            int(user["id"]),
            str(user["email"]),
            user.get("name"),
            user.get("nickname"),
            bcrypt.hashpw(password, bcrypt.gensalt(DEMO_BCRYPT_ROUNDS)).decode(),
            1 if user.get("email_verified") else 0,
            user.get("plan"),
        )
    except KeyError as exc:
        raise ValueError(f"demo user {index} has no {exc.args[0]}") from None
