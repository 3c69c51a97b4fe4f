"""require('pg'): node-postgres's API on a real PostgreSQL server, through asyncpg pools."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import bcrypt
import pytest

from scriptbridge.engine import ConnectionSpec, Engine, HostModule, Limits, Outcome, Script
from scriptbridge.engine.kinds import ScriptKind
from scriptbridge.node.modules.bcrypt import BCRYPT
from scriptbridge.node.modules.pg import pg_module

sys.path.insert(0, str(Path(__file__).parents[1]))
from servers import Server, free_port, postgres_server

SCRIPTS = Path(__file__).parents[2] / "fixtures" / "scripts" / "postgres"
HASH = bcrypt.hashpw(b"secret", bcrypt.gensalt(4)).decode()

SCHEMA = """
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email text UNIQUE NOT NULL,
  nickname text,
  password text NOT NULL,
  email_verified boolean NOT NULL DEFAULT false
);
CREATE TABLE things (
  id serial PRIMARY KEY,
  big bigint, small integer, price numeric(10, 2), ratio double precision, flag boolean,
  label text, born timestamptz, day date, raw bytea, doc jsonb, tags integer[]
);
"""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """One PostgreSQL server for the module, with a legacy users table."""
    with postgres_server() as pg:

        async def setup() -> None:
            db = await asyncpg.connect(pg.url)
            try:
                await db.execute(SCHEMA)
                await db.execute(
                    "INSERT INTO users (email, nickname, password, email_verified)"
                    " VALUES ('jane@example.com', 'jane', $1, true)",
                    HASH,
                )
            finally:
                await db.close()

        asyncio.run(setup())
        yield pg


async def sql(server: Server, query: str, *args: Any) -> list[asyncpg.Record]:
    """Run SQL from Python, outside the engine."""
    db = await asyncpg.connect(server.url)
    try:
        return list(await db.fetch(query, *args))
    finally:
        await db.close()


async def backends(server: Server) -> int:
    """Server connections to the legacy database, besides the one counting them."""
    rows = await sql(
        server,
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = 'legacy' AND pid <> pg_backend_pid()",
    )
    return int(rows[0][0])


def engine_for(module: HostModule | None = None) -> Engine:
    return Engine(host_modules=(module or pg_module(), BCRYPT))


async def load(
    engine: Engine,
    server: Server,
    scripts: dict[ScriptKind, str],
    deadline: float = 5,
    runners: int = 1,
) -> None:
    await engine.load(
        ConnectionSpec(
            "c",
            {kind: Script(kind, text, f"{kind}.js") for kind, text in scripts.items()},
            configuration={
                "DATABASE_URL": server.url,
                "HOST": server.host,
                "PORT": str(server.port),
            },
            limits=Limits(timeout_seconds=deadline),
            runners=runners,
        )
    )


async def run(server: Server, body: str, *, module: HostModule | None = None) -> Outcome:
    """Run a login script body (email, password, callback in scope) once."""
    source = f"async function login(email, password, callback) {{\n{body}\n}}"
    async with engine_for(module) as engine:
        await load(engine, server, {"login": source})
        return await engine.invoke("c", "login", ["jane@example.com", "pw"])


def result(outcome: Outcome) -> Any:
    assert outcome.status == "result", outcome.error
    return {k: v for k, v in outcome.result.items() if k != "user_id"}


# -- the sample scripts ------------------------------------------------------------------


async def test_sample_scripts_log_in_find_and_create_users(server: Server) -> None:
    scripts: dict[ScriptKind, str] = {
        kind: (SCRIPTS / f"{kind}.js").read_text() for kind in ("login", "get_user", "create")
    }
    async with engine_for() as engine:
        await load(engine, server, scripts)
        good = await engine.invoke("c", "login", ["jane@example.com", "secret"])
        bad = await engine.invoke("c", "login", ["jane@example.com", "wrong"])
        found = await engine.invoke("c", "get_user", ["jane@example.com"])
        missing = await engine.invoke("c", "get_user", ["nobody@example.com"])
        user = {"email": "new@example.com", "password": "pw-new"}
        created = await engine.invoke("c", "create", [user])
        again = await engine.invoke("c", "create", [user])
        login_new = await engine.invoke("c", "login", ["new@example.com", "pw-new"])
    assert good.status == "result", good.error
    assert good.result == {"user_id": "1", "nickname": "jane", "email": "jane@example.com"}
    assert bad.status == "error"
    assert bad.error is not None
    assert bad.error.name == "WrongUsernameOrPasswordError"
    assert found.result["email_verified"] is True
    assert missing.status == "no_result"
    assert created.status == "no_result", created.error
    assert again.error is not None
    assert again.error.code == "user_exists"
    assert login_new.status == "result", login_new.error
    await sql(server, "DELETE FROM users WHERE email = 'new@example.com'")


# -- call forms --------------------------------------------------------------------------


async def test_legacy_connect_with_a_configuration_object(server: Server) -> None:
    body = """
      const pg = require('pg');
      const config = {host: configuration.HOST, port: Number(configuration.PORT),
                      user: 'postgres', database: 'legacy', ssl: false};
      pg.connect(config, (err, client, done) => {
        if (err) return callback(err);
        client.query('SELECT email FROM users WHERE id = $1', [1], (err, r) => {
          done();
          callback(err, {user_id: '1', email: r.rows[0].email, count: r.rowCount,
                         command: r.command, fields: r.fields.map(f => [f.name, f.dataTypeID])});
        });
      });"""
    assert result(await run(server, body)) == {
        "email": "jane@example.com",
        "count": 1,
        "command": "SELECT",
        "fields": [["email", 25]],
    }


async def test_client_promise_forms_and_a_query_config_object(server: Server) -> None:
    body = """
      const { Client } = require('pg');
      const url = configuration.DATABASE_URL.replace('postgres://', 'postgresql://');
      const client = new Client(url);
      const connected = await client.connect();
      const r = await client.query({text: 'SELECT $1::text AS v', values: [email]});
      const arrays = await client.query({text: 'SELECT 1 AS a, 2 AS b', rowMode: 'array'});
      await client.end();
      let after = null;
      try { await client.query('SELECT 1'); } catch (e) { after = e.message; }
      callback(null, {user_id: '1', connected: connected === undefined, v: r.rows[0].v,
                      arrays: arrays.rows, after});"""
    assert result(await run(server, body)) == {
        "connected": True,
        "v": "jane@example.com",
        "arrays": [[1, 2]],
        "after": "Client was closed and is not queryable",
    }


async def test_client_callback_forms(server: Server) -> None:
    body = """
      const pg = require('pg');
      const client = new pg.Client({connectionString: configuration.DATABASE_URL});
      client.connect((err, same) => {
        if (err) return callback(err);
        client.query('SELECT count(*) AS n FROM users', (err, r) => {
          client.end((endErr) => callback(err || endErr, {user_id: '1', n: r.rows[0].n,
                                                          same: same === client}));
        });
      });"""
    assert result(await run(server, body)) == {"n": "1", "same": True}


async def test_pool_query_connect_and_release(server: Server) -> None:
    body = """
      const { Pool } = require('pg');
      const pool = new Pool({connectionString: configuration.DATABASE_URL, max: 3});
      pool.query('SELECT $1::int + 1 AS n', [41], async (err, r) => {
        if (err) return callback(err);
        const client = await pool.connect();
        const r2 = await client.query('SELECT $1::text AS t', ['x']);
        client.release();
        pool.connect((err, c, release) => {
          c.query('SELECT 7 AS seven').then((r3) => {
            release();
            pool.end().then(() => callback(null, {user_id: '1', n: r.rows[0].n,
              t: r2.rows[0].t, seven: r3.rows[0].seven}));
          }, callback);
        });
      });"""
    assert result(await run(server, body)) == {"n": 42, "t": "x", "seven": 7}


async def test_queries_issued_together_run_in_order_in_a_transaction(server: Server) -> None:
    """BEGIN, INSERT, ROLLBACK issued without waiting share one connection, in order."""
    body = """
      const { Client } = require('pg');
      const client = new Client(configuration.DATABASE_URL);
      client.connect();
      client.query('BEGIN');
      client.query("INSERT INTO users (email, password) VALUES ('tx@example.com', 'x')");
      const count = "SELECT count(*) AS n FROM users WHERE email = 'tx@example.com'";
      client.query(count, (e, inside) => {
        client.query('ROLLBACK', (err) => {
          client.query(count, (err2, after) => { client.end(); callback(err || err2 || e,
              {user_id: '1', inside: inside.rows[0].n, after: after.rows[0].n}); });
        });
      });"""
    assert result(await run(server, body)) == {"inside": "1", "after": "0"}


async def test_a_committed_transaction_persists(server: Server) -> None:
    body = """
      const client = new (require('pg').Client)(configuration.DATABASE_URL);
      await client.connect();
      await client.query('BEGIN');
      const r = await client.query(
        "INSERT INTO users (email, password) VALUES ($1, 'x') RETURNING id", ['c@example.com']);
      await client.query('COMMIT');
      await client.end();
      callback(null, {user_id: r.rows[0].id, command: r.command, count: r.rowCount});"""
    outcome = await run(server, body)
    assert result(outcome) == {"command": "INSERT", "count": 1}
    rows = await sql(server, "SELECT id FROM users WHERE email = 'c@example.com'")
    assert [str(r[0]) for r in rows] == [outcome.result["user_id"]]
    await sql(server, "DELETE FROM users WHERE email = 'c@example.com'")


async def test_an_abandoned_transaction_is_rolled_back_when_idle(server: Server) -> None:
    """A script that BEGINs and never commits nor calls done(): the pin expires."""
    body = """
      require('pg').connect(configuration.DATABASE_URL, (err, client, done) => {
        client.query('BEGIN', () => client.query(
          "INSERT INTO users (email, password) VALUES ('lost@example.com', 'x')",
          (err) => callback(err, {user_id: '1'})));
      });"""
    module = pg_module(pin_idle_seconds=0.3)
    async with engine_for(module) as engine:
        await load(engine, server, {"login": f"function login(e, p, callback) {{{body}}}"})
        outcome = await engine.invoke("c", "login", ["a", "b"])
        assert outcome.status == "result", outcome.error
        idle = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
        assert (await sql(server, idle))[0][0] == 1
        await asyncio.sleep(0.6)
        assert (await sql(server, idle))[0][0] == 0
    assert await sql(server, "SELECT 1 FROM users WHERE email = 'lost@example.com'") == []


async def test_several_statements_in_one_text_run_without_parameters(server: Server) -> None:
    body = """
      const client = new (require('pg').Client)(configuration.DATABASE_URL);
      const r = await client.query(
        "BEGIN; INSERT INTO users (email, password) VALUES ('m@example.com', 'x'); COMMIT");
      const n = await client.query("SELECT count(*) AS n FROM users WHERE email = 'm@example.com'");
      await client.end();
      callback(null, {user_id: '1', command: r.command, n: n.rows[0].n});"""
    assert result(await run(server, body)) == {"command": "COMMIT", "n": "1"}
    await sql(server, "DELETE FROM users WHERE email = 'm@example.com'")


# -- values ------------------------------------------------------------------------------


async def test_result_values_keep_node_postgres_types(server: Server) -> None:
    await sql(
        server,
        "INSERT INTO things (big, small, price, ratio, flag, label, born, day, raw, doc, tags)"
        " VALUES (9007199254740993, 7, 12.50, 0.25, true, 'hi', '2024-05-06T07:08:09.123Z',"
        " '2024-05-06', '\\x00ff'::bytea, '{\"a\": [1, {\"$date\": \"x\"}]}', '{1,2,3}')",
    )
    body = """
      const { Client } = require('pg');
      const client = new Client(configuration.DATABASE_URL);
      await client.connect();
      const {rows: [t]} = await client.query('SELECT * FROM things ORDER BY id LIMIT 1');
      const nul = (await client.query('SELECT NULL::int AS n, 2147483648::int8 AS b')).rows[0];
      client.end();
      callback(null, {user_id: '1',
        big: t.big, small: t.small, price: t.price, ratio: t.ratio, flag: t.flag,
        label: t.label, born: t.born instanceof Date && t.born.toISOString(),
        day: t.day instanceof Date && t.day.getTime(),
        raw: Buffer.isBuffer(t.raw) && t.raw.toString('hex'), doc: t.doc, tags: t.tags,
        nul: nul.n, b: nul.b});"""
    assert result(await run(server, body)) == {
        "big": "9007199254740993",
        "small": 7,
        "price": "12.50",
        "ratio": 0.25,
        "flag": True,
        "label": "hi",
        "born": "2024-05-06T07:08:09.123Z",
        "day": 1714953600000,
        "raw": "00ff",
        "doc": {"a": [1, {"$date": "x"}]},
        "tags": [1, 2, 3],
        "nul": None,
        "b": "2147483648",
    }
    await sql(server, "DELETE FROM things")


async def test_parameters_of_every_javascript_type(server: Server) -> None:
    body = """
      const pg = require('pg');
      const client = new pg.Client(configuration.DATABASE_URL);
      await client.connect();
      const r = await client.query(
        `INSERT INTO things (big, small, price, ratio, flag, label, born, day, raw, doc, tags)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        ['9007199254740993', 7, 1.5, 0.5, false, undefined,
         new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), new Date(Date.UTC(2020, 0, 2)),
         Buffer.from([1, 2, 255]), {k: 'v', n: [1]}, [4, '5']]);
      const echo = await client.query('SELECT $1::text AS t, $2::bool AS b, $3::int AS i',
                                      [{a: 1}, 'yes', '12']);
      await client.end();
      const t = r.rows[0];
      callback(null, {user_id: '1', big: t.big, small: t.small, price: t.price, ratio: t.ratio,
        flag: t.flag, label: t.label, born: t.born.toISOString(), day: t.day.toISOString(),
        raw: t.raw.toString('hex'), doc: t.doc, tags: t.tags, echo: echo.rows[0]});"""
    assert result(await run(server, body)) == {
        "big": "9007199254740993",
        "small": 7,
        "price": "1.50",
        "ratio": 0.5,
        "flag": False,
        "label": None,
        "born": "2020-01-02T03:04:05.000Z",
        "day": "2020-01-02T00:00:00.000Z",
        "raw": "0102ff",
        "doc": {"k": "v", "n": [1]},
        "tags": [4, 5],
        "echo": {"t": '{"a":1}', "b": True, "i": 12},
    }
    rows = await sql(server, "SELECT big, day FROM things")
    assert [(r[0], str(r[1])) for r in rows] == [(9007199254740993, "2020-01-02")]
    await sql(server, "DELETE FROM things")


async def test_set_type_parser_turns_int8_into_numbers(server: Server) -> None:
    body = """
      const pg = require('pg');
      pg.types.setTypeParser(20, (v) => parseInt(v, 10));
      const r = await new pg.Pool({connectionString: configuration.DATABASE_URL})
        .query('SELECT count(*) AS n FROM users');
      callback(null, {user_id: '1', n: r.rows[0].n});"""
    assert result(await run(server, body)) == {"n": 1}


# -- errors ------------------------------------------------------------------------------


async def test_sql_errors_carry_sqlstate_codes(server: Server) -> None:
    body = """
      const pg = require('pg');
      pg.connect(configuration.DATABASE_URL, (err, client, done) => {
        client.query('SELEC 1', (syntax) => {
          client.query('SELECT * FROM no_such_table', (missing) => {
            client.query('SELECT $1::int AS n', ['abc'], (bad) => {
              done();
              const show = (e) => ({name: e.name, code: e.code, message: e.message,
                                    isError: e instanceof Error});
              callback(null, {user_id: '1', syntax: show(syntax), missing: show(missing),
                              bad: show(bad)});
            });
          });
        });
      });"""
    assert result(await run(server, body)) == {
        "syntax": {
            "name": "error",
            "code": "42601",
            "message": 'syntax error at or near "SELEC"',
            "isError": True,
        },
        "missing": {
            "name": "error",
            "code": "42P01",
            "message": 'relation "no_such_table" does not exist',
            "isError": True,
        },
        "bad": {
            "name": "error",
            "code": "22P02",
            "message": 'invalid input syntax for type int4: "abc"',
            "isError": True,
        },
    }


async def test_a_refused_connection_is_econnrefused(server: Server) -> None:
    port = free_port()
    body = f"""
      const pg = require('pg');
      pg.connect('postgres://postgres@127.0.0.1:{port}/legacy', (err, client, done) => {{
        const c = new pg.Client({{host: '127.0.0.1', port: {port}, user: 'postgres'}});
        c.connect().catch((e2) => callback(null, {{user_id: '1', code: err.code,
          message: err.message, client: !!client, code2: e2.code}}));
      }});"""
    assert result(await run(server, body)) == {
        "code": "ECONNREFUSED",
        "message": f"connect ECONNREFUSED 127.0.0.1:{port}",
        "client": False,
        "code2": "ECONNREFUSED",
    }


# -- pooling, leaks and deadlines ---------------------------------------------------------


def counting(module: HostModule) -> tuple[HostModule, dict[str, int]]:
    """``module`` with a count of the calls each of its async functions gets."""
    counts = dict.fromkeys(module.functions, 0)

    def counted(name: str, function: Any) -> Any:
        async def call(args: list[Any]) -> Any:
            counts[name] += 1
            return await function(args)

        return call

    functions = {name: counted(name, f) for name, f in module.functions.items()}
    return dataclasses.replace(module, functions=functions), counts


async def test_a_warm_connect_calls_back_asynchronously_without_python(server: Server) -> None:
    """Once its pool answered, pg.connect (and Client/Pool connect) calls back without a
    host call, but still after the code that called it has returned; a target that does
    not answer is asked again every time."""
    script = """function login(email, password, callback) {
      const pg = require('pg');
      const order = [];
      pg.connect(configuration.DATABASE_URL, (err, client, done) => {
        order.push('connected');
        if (err) return callback(err);
        client.query('SELECT 1 AS one', (err, r) => {
          done();
          const c = new pg.Client(configuration.DATABASE_URL);
          c.connect((err2) => callback(err || err2, {user_id: String(r.rows[0].one), order}));
          order.push('after client connect');
        });
      });
      order.push('after connect');
    }"""
    module, counts = counting(pg_module())
    async with engine_for(module) as engine:
        await load(engine, server, {"login": script})
        for _ in range(3):
            outcome = await engine.invoke("c", "login", ["jane@example.com", "pw"])
            assert outcome.result["order"] == [
                "after connect",
                "connected",
                "after client connect",
            ]
    assert counts == {"connect": 1, "query": 3, "release": 0}

    port = free_port()
    refused = f"""
      const pg = require('pg');
      pg.connect('postgres://postgres@127.0.0.1:{port}/legacy', (err) =>
        callback(null, {{user_id: '1', code: err && err.code}}));"""
    module, counts = counting(pg_module())
    async with engine_for(module) as engine:
        await load(
            engine, server, {"login": f"function login(email, password, callback) {{{refused}}}"}
        )
        for _ in range(2):
            outcome = await engine.invoke("c", "login", ["jane@example.com", "pw"])
            assert outcome.result == {"user_id": "1", "code": "ECONNREFUSED"}
    assert counts["connect"] == 2


async def test_session_settings_do_not_outlive_their_invocation(server: Server) -> None:
    """A connection that ran SET goes back to the pool reset; one that ran plain queries
    does not need to."""
    script = """function login(email, password, callback) {
      const pg = require('pg');
      pg.connect(configuration.DATABASE_URL, (err, client, done) => {
        if (err) return callback(err);
        client.query(email === 'set' ? "SET statement_timeout = '1234s'" : 'SELECT 1', (err) => {
          if (err) return callback(err);
          client.query('SHOW statement_timeout', (err, r) => {
            done();
            callback(err, {user_id: '1', timeout: r.rows[0].statement_timeout});
          });
        });
      });
    }"""
    async with engine_for(pg_module(max_connections=1)) as engine:
        await load(engine, server, {"login": script})
        first = await engine.invoke("c", "login", ["set", "pw"])
        second = await engine.invoke("c", "login", ["plain", "pw"])
    assert first.result == {"user_id": "1", "timeout": "0"}  # set by one query, reset after it
    assert second.result == {"user_id": "1", "timeout": "0"}


async def test_connections_never_closed_stay_within_the_pool_size(server: Server) -> None:
    """1,000 invocations that never call done() or end() hold at most the pool's connections;
    closing the engine closes them all."""
    script = """function login(email, password, callback) {
      const pg = require('pg');
      pg.connect(configuration.DATABASE_URL, (err, client, done) => {
        if (err) return callback(err);
        client.query('SELECT id FROM users WHERE email = $1', [email], (err, r) =>
          callback(err, {user_id: r.rows[0].id}));
      });
      new pg.Client(configuration.DATABASE_URL).connect();
    }"""
    async with engine_for(pg_module(max_connections=5)) as engine:
        await load(engine, server, {"login": script}, deadline=5, runners=2)
        gate = asyncio.Semaphore(100)

        async def once() -> Outcome:
            async with gate:
                return await engine.invoke("c", "login", ["jane@example.com", "pw"])

        outcomes = await asyncio.gather(*(once() for _ in range(1000)))
        assert {o.status for o in outcomes} == {"result"}
        assert 1 <= await backends(server) <= 5
    assert await backends(server) == 0


async def test_a_query_past_the_deadline_is_cancelled_on_the_server(server: Server) -> None:
    script = """function login(email, password, callback) {
      const client = new (require('pg').Client)(configuration.DATABASE_URL);
      client.connect(() => client.query('SELECT pg_sleep(5)', (err) => callback(err)));
    }"""
    async with engine_for() as engine:
        await load(engine, server, {"login": script}, deadline=0.5)
        outcome = await engine.invoke("c", "login", ["a", "b"])
        assert outcome.status == "timeout"
        sleeping = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'"
        )
        for _ in range(40):
            if (await sql(server, sleeping))[0][0] == 0:
                break
            await asyncio.sleep(0.05)
        assert (await sql(server, sleeping))[0][0] == 0


async def test_node12_postgres_global_is_pg_connect(server: Server) -> None:
    """With node12_globals, `postgres(conString, cb)` and `pg` work without require()."""
    source = """function login(email, password, callback) {
      postgres(configuration.DATABASE_URL, (err, client, done) => {
        if (err) return callback(err);
        client.query('SELECT $1::text AS who', [email], (err2, result) => {
          done();
          callback(err2, {user_id: result.rows[0].who, pg: typeof pg.Client});
        });
      });
    }"""
    async with engine_for() as engine:
        await engine.load(
            ConnectionSpec(
                "c",
                {"login": Script("login", source, "login.js")},
                configuration={"DATABASE_URL": server.url},
                limits=Limits(timeout_seconds=5),
                runners=1,
                node12_globals=True,
            )
        )
        outcome = await engine.invoke("c", "login", ["jane@example.com", "pw"])
    assert outcome.result == {"user_id": "jane@example.com", "pg": "function"}
