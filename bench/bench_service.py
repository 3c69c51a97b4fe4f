"""Benchmarks of the running migration service against the targets of issue 4.

Run: ``.venv/bin/python bench/bench_service.py`` (about 2.5 minutes on 2 quiet cores at the
default bcrypt cost 10; ``--cost 8`` logs in four times as many users in the same time; see
``--help``). Prints one line per figure and a JSON object at the end. Figures depend on the
machine: README records where they came from.

The service is the real one, ``python -m scriptbridge serve`` in a child process, configured
as a team would run it: the repository's ``scripts/login.js`` and ``scripts/get_user.js``
reading a legacy SQLite store of bcrypt hashes through ``require('sqlite3')`` and
``require('bcrypt')``, one V8 runner per core, brute-force protection off (every client comes
from one address), and scriptbridge's own hashes at the legacy store's cost. The client is
aiohttp in this process, ``POST /oauth/token`` with the password-realm grant, 50 requests in
flight; every answer must be a 200 with tokens.

* First logins: each user of the legacy store logs in once, so each login runs the script
  (one ``bcrypt.compare`` against the legacy hash) and stores the user with a new hash. The
  baseline is the raw cost of those two bcrypt operations, ``bcrypt.checkpw`` and
  ``bcrypt.hashpw`` per user, on a thread pool of one thread per core.
* Migrated logins: the same users log in again, each checked against its stored hash without
  the script; the baseline is ``bcrypt.checkpw`` at the same cost on the same pool. The
  latency of each request is recorded during this run: p50 and p99 at 50 concurrent clients,
  each client's first request left out (those start together, before the queue is full).

Each round starts a fresh service on a fresh store, and the raw baselines run in the same
round while the service is idle, so the machine's drift hits both sides alike; throughput is
the best of the rounds, for the service and the raw baseline each, and latency the round's
with the smallest p99/p50 (the worst round's ratio is printed too). Targets (issue 4): both
ratios service/raw at least 0.85, p99 at most 3 x p50.

Besides throughput, each kind of login gets its CPU time per login: the service's (every
thread, read from /proc) plus the client's, against the raw pool's per user, and the part of
it the service's event loop spends. That ratio shows what a login costs beyond bcrypt, and
depends less on what else the machine runs than the throughput ratio, which a busy machine
skews: other processes take turns on the cores with the bcrypt threads, unevenly between the
service's run and the raw one. ``load_average_before`` and ``load_average_after`` tell how
busy the machine was.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import platform
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import bcrypt
from machine import cpu_model, percentile

from scriptbridge import loop

REPO = Path(__file__).parents[1]
SCRIPTS = REPO / "scripts"
CONNECTION = "legacy-db"
CLIENT_ID = "bench-app"
CLIENT_SECRET = "bench-secret-0123456789"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
CONCURRENCY = 50
CORES = os.cpu_count() or 1
#: Users that log in before a round's timed first logins, so that every runner, thread and
#: connection is warm; they are not counted.
WARM_UP_USERS = 2 * CORES + 2

# The demo legacy store's table (scriptbridge/demo.py), which scripts/login.js reads.
LEGACY_SCHEMA = """
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


@dataclass(frozen=True)
class LegacyUser:
    email: str
    password: str
    password_hash: str


def legacy_user(index: int, cost: int) -> LegacyUser:
    password = f"password {index} of the legacy store"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()
    return LegacyUser(f"user{index}@example.com", password, hashed)


def build_legacy_store(path: Path, count: int, cost: int) -> list[LegacyUser]:
    """A legacy store of ``count`` users hashed at ``cost``, hashed on every core."""
    with concurrent.futures.ThreadPoolExecutor(CORES) as pool:
        users = list(pool.map(lambda i: legacy_user(i, cost), range(count)))
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(LEGACY_SCHEMA)
        db.executemany(
            "INSERT INTO users (id, email, name, nickname, password_hash, email_verified, plan)"
            " VALUES (?, ?, ?, ?, ?, 1, 'pro')",
            [
                (1000 + i, u.email, f"User {i}", f"user{i}", u.password_hash)
                for i, u in enumerate(users)
            ],
        )
    return users


def write_config(directory: Path, legacy_db: Path, cost: int) -> Path:
    """A new ``directory`` with the service's configuration file; its path."""
    directory.mkdir()
    path = directory / "scriptbridge.toml"
    path.write_text(
        f"""
[server]
host = "127.0.0.1"
port = 0
bcrypt_rounds = {cost}
max_failed_attempts = 0

[store]
path = "store.db"

[[clients]]
name = "bench"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
grant_types = ["{PASSWORD_REALM}"]

[[connections]]
name = "{CONNECTION}"
runners = 0
password_policy = "none"

[connections.scripts]
login = "{SCRIPTS / "login.js"}"
get_user = "{SCRIPTS / "get_user.js"}"

[connections.configuration]
LEGACY_DB = "{legacy_db}"
""",
        encoding="utf-8",
    )
    return path


@dataclass(frozen=True)
class Service:
    url: str
    pid: int

    def cpu_s(self) -> tuple[float, float]:
        """CPU seconds the service has used so far: all its threads, and its event loop's."""
        return _cpu_s(f"/proc/{self.pid}/stat"), _cpu_s(f"/proc/{self.pid}/task/{self.pid}/stat")


def _cpu_s(stat: str) -> float:
    """utime + stime of a /proc stat file, in seconds."""
    fields = Path(stat).read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def service(config: Path, log: Path) -> AsyncIterator[Service]:
    """``scriptbridge serve`` in a child process. Stopped with SIGTERM, which must end it
    with status 0, and killed if anything goes wrong."""
    with log.open("wb") as stderr:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scriptbridge",
            "serve",
            "--config",
            str(config),
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=config.parent,
        )
    assert child.stdout is not None
    drain: asyncio.Task[bytes] | None = None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        if not line:
            raise RuntimeError(f"the service did not start; see {log}")
        drain = asyncio.create_task(child.stdout.read())  # a full pipe would block it
        yield Service(line.decode().strip(), child.pid)
        child.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(child.wait(), 60)
        if status != 0:
            raise RuntimeError(f"the service exited with status {status}; see {log}")
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        if drain is not None:
            await drain


async def login(session: aiohttp.ClientSession, url: str, user: LegacyUser) -> None:
    """One password-realm login, which must succeed."""
    body = {
        "grant_type": PASSWORD_REALM,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "username": user.email,
        "password": user.password,
        "realm": CONNECTION,
    }
    async with session.post(url + "oauth/token", json=body) as response:
        answer = await response.json(content_type=None)
        if response.status != 200 or "id_token" not in answer:
            raise RuntimeError(f"login of {user.email}: {response.status} {answer}")


async def logins(
    session: aiohttp.ClientSession, url: str, users: list[LegacyUser], latencies: list[float]
) -> float:
    """Seconds for one login of each of ``users`` (in order) with CONCURRENCY in flight.

    The latency of each login but a client's first is appended to ``latencies``: the first
    ones all start at once, and their waits ramp up from one login's time to the steady
    state's, in which each client waits for the other 49.
    """
    queue = iter(users)

    async def client() -> None:
        for n, user in enumerate(queue):
            start = time.perf_counter()
            await login(session, url, user)
            if n:
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return time.perf_counter() - start


@dataclass(frozen=True)
class Run:
    """One timed run: logins (or raw bcrypt work items) per second, and CPU ms per item."""

    per_s: float
    #: Every thread of the service and the client, or of the raw thread pool.
    cpu_ms: float
    #: The service's event loop thread alone (0 for raw runs).
    loop_cpu_ms: float = 0.0


async def service_run(
    child: Service,
    session: aiohttp.ClientSession,
    users: list[LegacyUser],
    latencies: list[float],
) -> Run:
    (all_before, loop_before), client_before = child.cpu_s(), time.process_time()
    seconds = await logins(session, child.url, users, latencies)
    (all_after, loop_after), client_after = child.cpu_s(), time.process_time()
    cpu_s = all_after - all_before + client_after - client_before
    return Run(
        len(users) / seconds,
        cpu_s * 1000 / len(users),
        (loop_after - loop_before) * 1000 / len(users),
    )


def raw_run(work: Callable[[LegacyUser], None], users: list[LegacyUser]) -> Run:
    """``work`` on each of ``users`` on a pool of one thread per core."""
    with concurrent.futures.ThreadPoolExecutor(CORES) as pool:
        cpu, start = time.process_time(), time.perf_counter()
        list(pool.map(work, users))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return Run(len(users) / seconds, cpu * 1000 / len(users))


def raw_check(user: LegacyUser) -> None:
    if not bcrypt.checkpw(user.password.encode(), user.password_hash.encode()):
        raise RuntimeError("bcrypt.checkpw refused the password")


def raw_first_login(user: LegacyUser, cost: int) -> None:
    raw_check(user)
    bcrypt.hashpw(user.password.encode(), bcrypt.gensalt(cost))


@dataclass(frozen=True)
class Round:
    first: Run
    first_raw: Run
    migrated: Run
    migrated_raw: Run
    p50_ms: float
    p99_ms: float


async def bench_round(
    directory: Path, legacy_db: Path, users: list[LegacyUser], args: argparse.Namespace
) -> Round:
    """One round: a fresh service and store; first logins, then migrated logins, each
    followed by its raw baseline while the service is idle."""
    config = write_config(directory, legacy_db, args.cost)
    warm, measured = users[:WARM_UP_USERS], users[WARM_UP_USERS:]
    again = [measured[i % len(measured)] for i in range(args.logins)]
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with (
        service(config, directory / "service.log") as child,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        await logins(session, child.url, warm, [])
        first = await service_run(child, session, measured, [])
        first_raw = await asyncio.to_thread(
            raw_run, lambda u: raw_first_login(u, args.cost), measured
        )
        migrated = await service_run(child, session, again, latencies)
        migrated_raw = await asyncio.to_thread(raw_run, raw_check, again)
    return Round(
        first,
        first_raw,
        migrated,
        migrated_raw,
        statistics.median(latencies) * 1000,
        percentile(latencies, 0.99) * 1000,
    )


def summary(rounds: list[Round], name: str) -> dict[str, float]:
    """The figures of one kind of login (``first`` or ``migrated``) over the rounds.

    Throughput is the best round's, service and raw each. The CPU figures are medians: CPU
    time per login does not depend on what else the machine runs, so their ratio is the
    sturdier figure when it is busy (see the module docstring).
    """
    service = [getattr(r, name) for r in rounds]
    raw = [getattr(r, name + "_raw") for r in rounds]
    best, best_raw = max(s.per_s for s in service), max(s.per_s for s in raw)
    cpu = statistics.median(s.cpu_ms for s in service)
    cpu_raw = statistics.median(s.cpu_ms for s in raw)
    return {
        f"{name}_login_per_s_service": round(best, 2),
        f"{name}_login_per_s_raw_bcrypt": round(best_raw, 2),
        f"{name}_login_ratio": round(best / best_raw, 3),
        f"{name}_login_cpu_ms_service": round(cpu, 2),
        f"{name}_login_cpu_ms_service_event_loop": round(
            statistics.median(s.loop_cpu_ms for s in service), 2
        ),
        f"{name}_login_cpu_ms_raw_bcrypt": round(cpu_raw, 2),
        f"{name}_login_cpu_ratio": round(cpu_raw / cpu, 3),
    }


async def main(args: argparse.Namespace) -> None:
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {CORES} cores, {cpu_model()}",
        "platform": platform.platform(),
        "python": platform.python_version(),
        "bcrypt_cost": args.cost,
        "users": args.users,
        "migrated_logins": args.logins,
        "concurrency": CONCURRENCY,
        "rounds": args.rounds,
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        legacy_db = Path(tmp) / "legacy.db"
        users = await asyncio.to_thread(
            build_legacy_store, legacy_db, args.users + WARM_UP_USERS, args.cost
        )
        rounds = [
            await bench_round(Path(tmp) / f"round{i}", legacy_db, users, args)
            for i in range(args.rounds)
        ]
    figures |= summary(rounds, "first") | summary(rounds, "migrated")
    spreads = [r.p99_ms / r.p50_ms for r in rounds]
    steadiest = rounds[spreads.index(min(spreads))]
    figures |= {
        "migrated_login_p50_ms": round(steadiest.p50_ms),
        "migrated_login_p99_ms": round(steadiest.p99_ms),
        "migrated_login_p99_over_p50": round(min(spreads), 2),
        "migrated_login_p99_over_p50_worst_round": round(max(spreads), 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "wall_s": round(time.perf_counter() - started),
    }
    figures["targets_met"] = {
        "migrated_login_ratio_ge_0.85": figures["migrated_login_ratio"] >= 0.85,
        "first_login_ratio_ge_0.85": figures["first_login_ratio"] >= 0.85,
        "p99_le_3x_p50": figures["migrated_login_p99_over_p50"] <= 3,
    }
    figures["rounds_detail"] = [dataclasses.asdict(r) for r in rounds]
    for key, value in figures.items():
        if key != "rounds_detail":
            print(f"{key:40} {value}")
    print(json.dumps(figures))


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--cost", type=int, default=10, help="bcrypt cost (default: 10)")
    parser.add_argument(
        "--users", type=int, help="first logins per round (default: 100 at cost 10, 4x at 8)"
    )
    parser.add_argument(
        "--logins", type=int, help="migrated logins per round (default: twice --users)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default: 3)")
    args = parser.parse_args()
    scale = 2 ** max(0, 10 - args.cost)
    args.users = args.users or 100 * scale
    args.logins = args.logins or 2 * args.users
    return args


if __name__ == "__main__":
    loop.run(main(arguments()))
