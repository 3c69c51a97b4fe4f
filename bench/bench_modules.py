"""Benchmarks of the bridged database and bcrypt modules against the same work done from Python.

Run: ``.venv/bin/python bench/bench_modules.py`` (about a minute; it starts one throwaway
PostgreSQL on loopback, see tests/servers.py). Prints one line per figure and a JSON object at
the end. Figures depend on the machine: README records where they came from.

* ``pg``: a login script's query (``pg.connect``, one ``client.query``, ``done()``) through the
  engine against the same query on an asyncpg pool of the same size, at 1 and 100 in flight.
* ``pg`` floor: a trivial login (no host call) through the same engine, 1 in flight. A pg
  login crosses into V8 twice (the invocation, then the query's answer), so its time is at
  least this plus the query's, whatever the bridge does in between.
* ``pg`` with one runner: the same at 100 in flight on a connection with ``runners = 1``,
  which on 2 cores leaves the other core to PostgreSQL and the event loop.
* ``pg`` marginal (a second figure, not the target's): a login script that runs ``QUERIES``
  queries one after another in one invocation, against the same ``QUERIES`` queries awaited one
  after another on the asyncpg pool; it shows what a query costs once the invocation is paid.
* ``bcrypt``: ``bcrypt.compare`` at cost 10 through the engine against ``bcrypt.checkpw`` in
  ``asyncio.to_thread``, with enough in flight to keep every core hashing.
* A script that calls ``pg.connect`` on every login and never calls ``done()``: the server
  connections it opens, polled from ``pg_stat_activity`` while 1,000 logins run.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import bcrypt

from scriptbridge import loop
from scriptbridge.engine import ConnectionSpec, Engine, Script
from scriptbridge.engine.kinds import ScriptKind
from scriptbridge.node.modules.bcrypt import BCRYPT
from scriptbridge.node.modules.pg import pg_module

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from machine import Steal
from servers import postgres_server

USERS = 1000
PASSWORD = "correct horse battery staple"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
#: The server connections a pg pool opens at most (pg_module's default).
POOL_SIZE: int = inspect.signature(pg_module).parameters["max_connections"].default

SCHEMA = "CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, hash text)"
QUERY = "SELECT id, email, hash FROM users WHERE email = $1"
BACKENDS = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)

PG_LOGIN = f"""function login(email, password, callback) {{
  const pg = require('pg');
  pg.connect(configuration.DATABASE_URL, (err, client, done) => {{
    if (err) return callback(err);
    client.query({json.dumps(QUERY)}, [email], (err, result) => {{
      done();
      if (err) return callback(err);
      const row = result.rows[0];
      callback(null, {{user_id: String(row.id), email: row.email}});
    }});
  }});
}}"""
QUERIES = 10
PG_LOGIN_QUERIES = f"""function login(email, password, callback) {{
  const pg = require('pg');
  pg.connect(configuration.DATABASE_URL, (err, client, done) => {{
    if (err) return callback(err);
    let left = {QUERIES};
    const next = () => client.query({json.dumps(QUERY)}, [email], (err, result) => {{
      if (err) return callback(err);
      if (--left > 0) return next();
      done();
      const row = result.rows[0];
      callback(null, {{user_id: String(row.id), email: row.email}});
    }});
    next();
  }});
}}"""
# The same login as scripts are often written: a connection per call, never given back.
PG_LOGIN_NO_DONE = PG_LOGIN.replace("      done();\n", "")
BCRYPT_LOGIN = """function login(email, password, callback) {
  const bcrypt = require('bcrypt');
  bcrypt.compare(password, configuration.HASH, (err, ok) => {
    if (err || !ok) return callback(err || new WrongUsernameOrPasswordError(email));
    callback(null, {user_id: email});
  });
}"""

Login = Callable[[str], Awaitable[Any]]


def email(i: int) -> str:
    return f"user{i % USERS}@example.com"


TRIVIAL_LOGIN = """function login(email, password, callback) {
  callback(null, {user_id: email, email: email});
}"""


def spec(login: str, database_url: str = "", runners: int = 0) -> ConnectionSpec:
    kind: ScriptKind = "login"
    return ConnectionSpec(
        name="bench",
        scripts={kind: Script(kind, login, "login.js")},
        configuration={"DATABASE_URL": database_url, "HASH": HASH},
        runners=runners,
    )


def through(engine: Engine) -> Login:
    """A login through the engine; a failed one stops the benchmark."""

    async def login(address: str) -> Any:
        outcome = await engine.invoke("bench", "login", [address, PASSWORD])
        if outcome.status != "result":
            raise RuntimeError(f"login failed: {outcome.status} {outcome.error}")
        return outcome.result

    return login


def direct(pool: asyncpg.Pool) -> Login:
    """The script's query from Python, on an asyncpg pool."""

    async def login(address: str) -> Any:
        row = await pool.fetchrow(QUERY, address)
        return {"user_id": str(row["id"]), "email": row["email"]}

    return login


def direct_queries(pool: asyncpg.Pool) -> Login:
    """The ``QUERIES`` queries of PG_LOGIN_QUERIES from Python, one after another."""

    async def login(address: str) -> Any:
        for _ in range(QUERIES):
            row = await pool.fetchrow(QUERY, address)
        return {"user_id": str(row["id"]), "email": row["email"]}

    return login


async def checkpw(address: str) -> Any:
    """The script's bcrypt.compare from Python, in a worker thread as the module hashes."""
    if not await asyncio.to_thread(bcrypt.checkpw, PASSWORD.encode(), HASH.encode()):
        raise RuntimeError("bcrypt.checkpw refused the password")
    return {"user_id": address}


async def wall_s(login: Login, count: int, concurrency: int) -> float:
    """Seconds for ``count`` logins with ``concurrency`` in flight."""
    issued = 0

    async def worker() -> None:
        nonlocal issued
        while issued < count:
            issued += 1
            await login(email(issued))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


async def sequential_p50_ms(login: Login, count: int) -> float:
    samples = []
    for i in range(count):
        start = time.perf_counter()
        await login(email(i))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


async def best_of(rounds: int, measures: dict[str, Callable[[], Awaitable[float]]]) -> list[float]:
    """The lowest figure of each measure over ``rounds`` rounds, interleaved so that the
    machine's drift hits each side alike."""
    figures: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            figures[name].append(await measure())
    return [min(values) for values in figures.values()]


async def backends(watcher: asyncpg.Connection) -> int:
    """Server connections to the database, besides the watcher's own."""
    return int(await watcher.fetchval(BACKENDS))


async def peak_backends(watcher: asyncpg.Connection, stop: asyncio.Event) -> int:
    """The most server connections seen until ``stop``, polled every 2 ms."""
    peak = 0
    while not stop.is_set():
        peak = max(peak, await backends(watcher))
        await asyncio.sleep(0.002)
    return peak


async def bench_pg(url: str, figures: dict[str, Any]) -> None:
    async with (
        Engine(host_modules=(pg_module(),)) as engine,
        asyncpg.create_pool(url, min_size=0, max_size=POOL_SIZE) as pool,
    ):
        await engine.load(spec(PG_LOGIN, url))
        bridge, python = through(engine), direct(pool)
        expected = {"user_id": "8", "email": email(7)}
        assert await bridge(email(7)) == expected == await python(email(7))
        await wall_s(bridge, 1000, 100)  # warm up: both pools at full size
        await wall_s(python, 1000, 100)
        figures["pg_pool_size"] = POOL_SIZE

        bridge_ms, python_ms = await best_of(
            3,
            {
                "bridge": lambda: sequential_p50_ms(bridge, 1000),
                "python": lambda: sequential_p50_ms(python, 1000),
            },
        )
        figures["pg_query_p50_ms_1_in_flight_bridge"] = round(bridge_ms, 3)
        figures["pg_query_p50_ms_1_in_flight_asyncpg"] = round(python_ms, 3)
        figures["pg_query_p50_ratio_1_in_flight"] = round(bridge_ms / python_ms, 2)

        count = 3000
        bridge_s, python_s = await best_of(
            3,
            {
                "bridge": lambda: wall_s(bridge, count, 100),
                "python": lambda: wall_s(python, count, 100),
            },
        )
        figures["pg_query_per_s_100_in_flight_bridge"] = round(count / bridge_s)
        figures["pg_query_per_s_100_in_flight_asyncpg"] = round(count / python_s)
        figures["pg_query_us_each_100_in_flight_bridge"] = round(bridge_s / count * 1e6, 1)
        figures["pg_query_us_each_100_in_flight_asyncpg"] = round(python_s / count * 1e6, 1)
        figures["pg_query_time_ratio_100_in_flight"] = round(bridge_s / python_s, 2)

    # The floor at 1 in flight: an invocation alone, on the same engine set-up.
    async with Engine(host_modules=(pg_module(),)) as engine:
        await engine.load(spec(TRIVIAL_LOGIN))
        trivial = through(engine)
        await wall_s(trivial, 1000, 100)
        (trivial_ms,) = await best_of(3, {"trivial": lambda: sequential_p50_ms(trivial, 1000)})
        figures["trivial_login_p50_ms_1_in_flight"] = round(trivial_ms, 3)
        floor = (trivial_ms + figures["pg_query_p50_ms_1_in_flight_asyncpg"]) / figures[
            "pg_query_p50_ms_1_in_flight_asyncpg"
        ]
        figures["pg_query_p50_ratio_1_in_flight_floor"] = round(floor, 2)

    # 100 in flight on one runner.
    async with (
        Engine(host_modules=(pg_module(),)) as engine,
        asyncpg.create_pool(url, min_size=0, max_size=POOL_SIZE) as pool,
    ):
        await engine.load(spec(PG_LOGIN, url, runners=1))
        bridge, python = through(engine), direct(pool)
        await wall_s(bridge, 1000, 100)  # warm up
        await wall_s(python, 1000, 100)
        count = 3000
        bridge_s, python_s = await best_of(
            3,
            {
                "bridge": lambda: wall_s(bridge, count, 100),
                "python": lambda: wall_s(python, count, 100),
            },
        )
        figures["pg_query_time_ratio_100_in_flight_1_runner"] = round(bridge_s / python_s, 2)

    # The second figure: QUERIES queries per invocation, so that the invocation's own cost
    # is spread over them.
    async with (
        Engine(host_modules=(pg_module(),)) as engine,
        asyncpg.create_pool(url, min_size=0, max_size=POOL_SIZE) as pool,
    ):
        await engine.load(spec(PG_LOGIN_QUERIES, url))
        bridge, python = through(engine), direct_queries(pool)
        assert await bridge(email(7)) == await python(email(7))
        await wall_s(bridge, 300, 100)  # warm up
        await wall_s(python, 300, 100)
        bridge_ms, python_ms = await best_of(
            3,
            {
                "bridge": lambda: sequential_p50_ms(bridge, 200),
                "python": lambda: sequential_p50_ms(python, 200),
            },
        )
        key = f"pg_{QUERIES}_queries_per_login"
        figures[f"{key}_p50_ms_1_in_flight_bridge"] = round(bridge_ms, 3)
        figures[f"{key}_p50_ms_1_in_flight_asyncpg"] = round(python_ms, 3)
        figures[f"{key}_p50_ratio_1_in_flight"] = round(bridge_ms / python_ms, 2)
        count = 500
        bridge_s, python_s = await best_of(
            3,
            {
                "bridge": lambda: wall_s(bridge, count, 100),
                "python": lambda: wall_s(python, count, 100),
            },
        )
        figures[f"{key}_time_ratio_100_in_flight"] = round(bridge_s / python_s, 2)


async def bench_bcrypt(figures: dict[str, Any]) -> None:
    concurrency, count = 8, 80
    async with Engine(host_modules=(BCRYPT,)) as engine:
        await engine.load(spec(BCRYPT_LOGIN))
        bridge = through(engine)
        await wall_s(bridge, 16, concurrency)  # warm up
        await wall_s(checkpw, 16, concurrency)
        bridge_s, python_s = await best_of(
            3,
            {
                "bridge": lambda: wall_s(bridge, count, concurrency),
                "python": lambda: wall_s(checkpw, count, concurrency),
            },
        )
    figures["bcrypt_cost10_compare_per_s_8_in_flight_bridge"] = round(count / bridge_s, 1)
    figures["bcrypt_cost10_checkpw_per_s_8_in_flight_python"] = round(count / python_s, 1)
    figures["bcrypt_bridge_share_of_python_pct"] = round(python_s / bridge_s * 100, 1)


async def bench_connect_without_done(url: str, figures: dict[str, Any]) -> None:
    watcher = await asyncpg.connect(url)
    try:
        for _ in range(500):  # the connections of the earlier pools end on the server
            if await backends(watcher) == 0:
                break
            await asyncio.sleep(0.01)
        async with Engine(host_modules=(pg_module(),)) as engine:
            await engine.load(spec(PG_LOGIN_NO_DONE, url))
            stop = asyncio.Event()
            peak = asyncio.create_task(peak_backends(watcher, stop))
            wall = await wall_s(through(engine), 1000, 100)
            stop.set()
            figures["pg_connect_no_done_1000x100_wall_s"] = round(wall, 3)
            figures["pg_connect_no_done_max_server_connections"] = await peak
    finally:
        await watcher.close()


async def main() -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    figures: dict[str, Any] = {"machine": f"{machine}, Python {platform.python_version()}"}
    steal = Steal()
    with postgres_server() as server:
        db = await asyncpg.connect(server.url)
        try:
            figures["postgresql"] = db.get_server_version().major
            await db.execute(SCHEMA)
            await db.executemany(
                "INSERT INTO users (email, hash) VALUES ($1, $2)",
                [(email(i), HASH) for i in range(USERS)],
            )
            await db.execute("ANALYZE users")
        finally:
            await db.close()
        await bench_pg(server.url, figures)
        await bench_connect_without_done(server.url, figures)
    await bench_bcrypt(figures)
    # The share of the machine's CPU the hypervisor gave other guests meanwhile: with a few
    # per cent, every figure above is slower than the code makes it.
    figures["steal_pct"] = steal.pct()

    for key, value in figures.items():
        print(f"{key:48} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    loop.run(main())
