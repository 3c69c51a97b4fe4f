"""A running migration service for tests: a legacy SQLite store of users with bcrypt hashes,
a TOML configuration written the way a team writes one, and the service on a loopback port.

The service runs in the test's event loop; the auth0-python SDK, which is synchronous, runs
in worker threads (``sdk``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import bcrypt
import httpx
from auth0.authentication import GetToken
from auth0.management import Auth0

from scriptbridge import app
from scriptbridge.api.keys import SERVICES
from scriptbridge.migration import Services
from scriptbridge.settings import Settings, load_settings
from scriptbridge.store import SqliteStore

REPO = Path(__file__).parents[2]
LEGACY_SCRIPTS = REPO / "fixtures" / "scripts" / "legacy_sqlite"
DEMO_SCRIPTS = REPO / "scripts"
CONNECTION = "legacy-db"
CLIENT_ID = "app-id"
CLIENT_SECRET = "app-secret-0123456789"
PUBLIC_CLIENT_ID = "spa-id"
MANAGEMENT_SCOPES = ("read:users", "update:users")
#: Every scope the Management API checks.
ALL_SCOPES = (
    "read:users",
    "create:users",
    "update:users",
    "delete:users",
    "read:connections",
    "update:connections",
    "read:logs",
    "create:user_tickets",
)

#: (id, email, password, name, email_verified, plan)
LEGACY_USERS = (
    (1001, "jane@example.com", "correct horse", "Jane Doe", 1, "pro"),
    (1002, "bob@example.com", "battery staple", "Bob Smith", 0, "free"),
    (1003, "carol@example.com", "Tr0ub4dor&3", "Carol King", 1, "team"),
    (1004, "dave@example.com", "hunter2hunter2", "Dave Null", 0, "free"),
)

T = TypeVar("T")


def build_legacy_store(path: Path, users: tuple[tuple[Any, ...], ...] = LEGACY_USERS) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, "
            "nickname TEXT, password_hash TEXT, email_verified INTEGER, plan TEXT)"
        )
        for user_id, email, password, name, verified, plan in users:
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
            db.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user_id, email, name, email.split("@")[0], hashed, verified, plan),
            )
        db.commit()
    return path


def legacy_rows(path: Path) -> dict[str, sqlite3.Row]:
    """The legacy store's users by email."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return {row["email"]: row for row in db.execute("SELECT * FROM users")}


def write_config(
    directory: Path,
    legacy_db: Path,
    *,
    scripts: Path = LEGACY_SCRIPTS,
    kinds: tuple[str, ...] = ("login", "get_user"),
    connection: str = "",
    server: str = "",
    scopes: tuple[str, ...] = MANAGEMENT_SCOPES,
) -> Path:
    """A configuration file; ``connection`` and ``server`` add lines to those tables, and
    ``scopes`` are the Management API scopes of the client "app"."""
    script_lines = "\n".join(f'{kind} = "{scripts / (kind + ".js")}"' for kind in kinds)
    path = directory / "scriptbridge.toml"
    path.write_text(
        f"""
[server]
host = "127.0.0.1"
port = 0
bcrypt_rounds = 4
max_failed_attempts = 3
{server}

[store]
path = "store.db"

[[clients]]
name = "app"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
grant_types = ["password", "http://auth0.com/oauth/grant-type/password-realm", "client_credentials"]
scopes = {list(scopes)!r}

[[clients]]
name = "spa"
client_id = "{PUBLIC_CLIENT_ID}"

[[connections]]
name = "{CONNECTION}"
timeout_seconds = 5
runners = 1
password_policy = "none"
{connection}

[connections.scripts]
{script_lines}

[connections.configuration]
LEGACY_DB = "{legacy_db}"
""".replace("'", '"'),
        encoding="utf-8",
    )
    return path


@dataclass
class Service:
    """A running service and what the tests need to reach it."""

    url: str
    settings: Settings
    services: Services
    legacy_db: Path
    store_path: Path

    @property
    def domain(self) -> str:
        """host:port, as the SDK takes it (with protocol="http")."""
        return self.url.removeprefix("http://").rstrip("/")

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        """POST to the service; (status, body as JSON, or text when it is not JSON)."""
        async with aiohttp.ClientSession() as session, session.post(self.url + path, **kwargs) as r:
            text = await r.text()
            try:
                return r.status, await r.json(content_type=None)
            except ValueError:
                return r.status, text

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(self.url + path, **kwargs) as r:
            return r.status, await r.text()

    async def password_login(self, username: str, password: str, **fields: Any) -> tuple[int, Any]:
        body = {
            "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": username,
            "password": password,
            "realm": CONNECTION,
            **fields,
        }
        return await self.post("oauth/token", json=body)


@contextlib.asynccontextmanager
async def service(config: Path, legacy_db: Path) -> AsyncIterator[Service]:
    settings = load_settings(config, {})
    async with app.running(settings) as listening:
        yield Service(
            url=listening.url,
            settings=settings,
            services=listening.app[SERVICES],
            legacy_db=legacy_db,
            store_path=settings.store.path,
        )


#: The SDK's blocking calls get threads of their own: in the loop's default executor they
#: would take the threads the service hashes passwords in, and wait on themselves.
_SDK_THREADS = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="sdk")


async def sdk(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a synchronous SDK call in a thread of its own."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_SDK_THREADS, functools.partial(call, *args, **kwargs))


@contextlib.asynccontextmanager
async def store_of(service: Service) -> AsyncIterator[SqliteStore]:
    """A second connection to the service's store, as another reader would open it."""
    async with SqliteStore.open(service.store_path) as store:
        yield store


async def management_token(running: Service) -> str:
    """A Management API token of the client "app" (client_credentials), from the SDK."""
    tokens = GetToken(running.domain, CLIENT_ID, client_secret=CLIENT_SECRET, protocol="http")
    answer = await sdk(tokens.client_credentials, f"{running.url}api/v2/")
    token: str = answer["access_token"]
    return token


@contextlib.contextmanager
def management_client(running: Service, token: str) -> Iterator[Auth0]:
    """auth0-python v6's Management API client over plain http, without retries (a retried
    409 would cost seconds), on an HTTP client closed at the end."""
    with httpx.Client(timeout=10) as http:
        yield Auth0(base_url=f"{running.url}api/v2", token=token, max_retries=0, httpx_client=http)


@dataclass(frozen=True)
class Answer:
    """A raw HTTP answer: status, headers and the body as JSON (None when empty)."""

    status: int
    headers: dict[str, str]
    body: Any


async def call(
    running: Service, method: str, path: str, token: str | None = None, **kwargs: Any
) -> Answer:
    """One raw request to the service, with ``Authorization: Bearer token`` when given."""
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, running.url + path, headers=headers, **kwargs) as r,
    ):
        raw = await r.read()
        return Answer(r.status, dict(r.headers), json.loads(raw) if raw else None)


#: The legacy users' passwords by email.
LEGACY_PASSWORDS = {email: password for _, email, password, *_ in LEGACY_USERS}


async def log_in(running: Service, *emails: str) -> None:
    """Log legacy users in with their legacy passwords (migrating them in import mode)."""
    for email in emails:
        status, body = await running.password_login(email, LEGACY_PASSWORDS[email])
        assert status == 200, body
