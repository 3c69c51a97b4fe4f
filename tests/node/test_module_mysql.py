"""require('mysql') / require('mysql2'): node-mysql's API on a real MariaDB, through aiomysql
pools shared by all invocations."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pymysql
import pytest

from scriptbridge.engine import ConnectionSpec, Engine, Limits, Outcome, Script
from scriptbridge.engine.kinds import ScriptKind
from scriptbridge.node.modules.bcrypt import BCRYPT
from scriptbridge.node.modules.mysql import mysql_modules

sys.path.insert(0, str(Path(__file__).parents[1]))
from servers import Server, free_port, mariadb_server

SCRIPTS = Path(__file__).parents[2] / "fixtures" / "scripts" / "mysql"
JANE_HASH = bcrypt.hashpw(b"jane-pw", bcrypt.gensalt(4)).decode()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with mariadb_server() as server:
        yield server


def sql(server: Server, *statements: str) -> list[Any]:
    """Run statements directly (pymysql) and return the last one's rows."""
    db = pymysql.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        database=server.database,
        autocommit=True,
    )
    try:
        with db.cursor() as cursor:
            rows: list[Any] = []
            for statement in statements:
                cursor.execute(statement)
                rows = list(cursor.fetchall())
            return rows
    finally:
        db.close()


def threads_connected(server: Server) -> int:
    return int(sql(server, "SHOW STATUS LIKE 'Threads_connected'")[0][1])


@pytest.fixture
def users(server: Server) -> Server:
    """A fresh legacy users table, as Auth0's MySQL templates expect it."""
    sql(
        server,
        "DROP TABLE IF EXISTS users",
        "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) UNIQUE,"
        " nickname VARCHAR(255), password VARCHAR(255), email_verified BOOLEAN DEFAULT false)",
        "INSERT INTO users (email, nickname, password) VALUES"
        f" ('jane@example.com', 'jane', '{JANE_HASH}')",
    )
    return server


def configuration(server: Server) -> dict[str, str]:
    return {
        "MYSQL_HOST": server.host,
        "MYSQL_PORT": str(server.port),
        "MYSQL_USER": server.user,
        "MYSQL_PASSWORD": server.password,
        "MYSQL_DATABASE": server.database,
        "URL": server.url,
    }


CONNECT = """const config = {host: configuration.MYSQL_HOST, port: configuration.MYSQL_PORT,
  user: configuration.MYSQL_USER, password: configuration.MYSQL_PASSWORD,
  database: configuration.MYSQL_DATABASE};"""


def login(body: str) -> Script:
    source = f"function login(email, password, callback) {{\n{CONNECT}\n{body}\n}}"
    return Script("login", source, "login.js")


@pytest.fixture
async def engine(server: Server) -> AsyncIterator[Engine]:
    async with Engine(host_modules=(*mysql_modules(), BCRYPT)) as engine:
        yield engine


async def load(
    engine: Engine,
    server: Server,
    *scripts: Script,
    seconds: float = 5,
    node12: bool = False,
    name: str = "c",
) -> None:
    await engine.load(
        ConnectionSpec(
            name,
            {s.kind: s for s in scripts},
            configuration=configuration(server),
            limits=Limits(timeout_seconds=seconds),
            runners=1,
            node12_globals=node12,
        )
    )


async def run(engine: Engine, server: Server, body: str, **options: Any) -> Any:
    """Run a login script body; return its result (without user_id)."""
    await load(engine, server, login(body), **options)
    outcome = await engine.invoke("c", "login", ["jane@example.com", "pw"])
    assert outcome.status == "result", outcome.error
    return {k: v for k, v in outcome.result.items() if k != "user_id"}


def fixture_script(kind: ScriptKind, name: str) -> Script:
    path = SCRIPTS / name
    return Script(kind, path.read_text(), str(path))


# -- the sample scripts ------------------------------------------------------------------------


async def test_sample_scripts_login_get_user_create_and_verify(
    engine: Engine, users: Server
) -> None:
    await load(
        engine,
        users,
        fixture_script("login", "login.js"),
        fixture_script("get_user", "get_user.js"),
        fixture_script("create", "create.js"),
        fixture_script("verify", "verify.js"),
    )
    ok = await engine.invoke("c", "login", ["jane@example.com", "jane-pw"])
    assert ok.result == {"user_id": "1", "nickname": "jane", "email": "jane@example.com"}
    wrong = await engine.invoke("c", "login", ["jane@example.com", "nope"])
    assert wrong.error is not None
    assert wrong.error.name == "WrongUsernameOrPasswordError"

    created = await engine.invoke("c", "create", [{"email": "bob@example.com", "password": "b"}])
    assert created.status == "no_result", created.error
    again = await engine.invoke("c", "create", [{"email": "bob@example.com", "password": "b"}])
    assert again.error is not None
    assert again.error.code == "user_exists"
    bob = await engine.invoke("c", "login", ["bob@example.com", "b"])
    assert bob.result == {"user_id": "2", "nickname": "bob", "email": "bob@example.com"}

    verified = await engine.invoke("c", "verify", ["bob@example.com"])
    assert verified.status == "result"
    assert verified.result is False  # results.length of an UPDATE is undefined, as in Node
    got = await engine.invoke("c", "get_user", ["bob@example.com"])
    assert got.result["email_verified"] is True
    missing = await engine.invoke("c", "get_user", ["nobody@example.com"])
    assert missing.status == "no_result"


async def test_callable_module_and_the_node12_global(engine: Engine, users: Server) -> None:
    body = """
      const connection = mysql(config);  // the Node 12 magic global, no require
      connection.query('SELECT email FROM users', (err, rows) =>
        callback(err, {user_id: '1', emails: rows.map(r => r.email),
                       same: typeof require('mysql') === 'function'}));"""
    result = await run(engine, users, body, node12=True)
    assert result == {"emails": ["jane@example.com"], "same": True}


# -- call forms --------------------------------------------------------------------------------


async def test_every_query_call_form(engine: Engine, users: Server) -> None:
    body = """
      const mysql = require('mysql');
      const connection = mysql.createConnection(config);
      const out = {user_id: '1'};
      connection.connect(function (err) {
        out.connectErr = err; out.state = connection.state;
        out.threadId = typeof connection.threadId;
      });
      connection.query('SELECT 1 AS one', (e, r) => { out.plain = r[0].one; });
      connection.query('SELECT ? AS v', [5], (e, r) => { out.array = r[0].v; });
      connection.query('SELECT ? AS v', 'x', (e, r) => { out.scalar = r[0].v; });
      connection.query({sql: 'SELECT ? AS v', values: [6]}, (e, r) => { out.options = r[0].v; });
      connection.query({sql: 'SELECT ? AS v'}, [7], (e, r) => { out.optionsValues = r[0].v; });
      const q = connection.query('SELECT email FROM users');
      const streamed = [];
      q.on('result', row => streamed.push(row.email)).on('end', () => { out.streamed = streamed; });
      connection.end(function (err) {
        out.endErr = err;
        connection.query('SELECT 1', (e) => { out.afterEnd = e.code; callback(null, out); });
      });"""
    result = await run(engine, users, body)
    assert result == {
        "connectErr": None,
        "state": "authenticated",
        "threadId": "number",
        "plain": 1,
        "array": 5,
        "scalar": "x",
        "options": 6,
        "optionsValues": 7,
        "streamed": ["jane@example.com"],
        "endErr": None,
        "afterEnd": "PROTOCOL_ENQUEUE_AFTER_QUIT",
    }


async def test_url_config_connect_without_callback_and_destroy(
    engine: Engine, users: Server
) -> None:
    body = """
      const connection = require('mysql').createConnection(configuration.URL);
      connection.connect();
      connection.query('SELECT DATABASE() AS db', (err, rows) => {
        connection.destroy();
        callback(err, {user_id: '1', db: rows[0].db});
      });"""
    assert await run(engine, users, body) == {"db": "legacy"}


# -- escaping ----------------------------------------------------------------------------------


async def test_escaping_follows_node_mysql(engine: Engine, users: Server) -> None:
    body = """
      const mysql = require('mysql');
      const c = mysql.createConnection(Object.assign({timezone: 'Z'}, config));
      callback(null, {user_id: '1',
        str: mysql.escape("it's a \\"test\\"\\n\\\\ \\0 \\x1a"),
        nums: mysql.format('? ? ? ?', [1, true, null, undefined]),
        list: mysql.format('IN (?)', [[1, 'a', null]]),
        nested: mysql.format('VALUES ?', [[[1, 'a'], [2, 'b']]]),
        object: mysql.format('SET ?', {a: 1, 'b.c': 'x', f() {}}),
        ids: mysql.format('SELECT ?? FROM ?? WHERE ??', [['a', 'b`c'], 't.u', 'x']),
        extra: mysql.format('? ??? ?', [1]),
        date: c.escape(new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6))),
        invalid: c.escape(new Date('nope')),
        buffer: mysql.escape(Buffer.from([0, 255, 39])),
        raw: mysql.format('SELECT ?', [mysql.raw('NOW()')]),
        stringify: mysql.escape({a: 1}, true),
        escapeId: mysql.escapeId('a.b') + ' ' + mysql.escapeId('a.b', true),
      });"""
    assert await run(engine, users, body) == {
        "str": "'it\\'s a \\\"test\\\"\\n\\\\ \\0 \\Z'",
        "nums": "1 true NULL NULL",
        "list": "IN (1, 'a', NULL)",
        "nested": "VALUES (1, 'a'), (2, 'b')",
        "object": "SET `a` = 1, `b`.`c` = 'x'",
        "ids": "SELECT `a`, `b``c` FROM `t`.`u` WHERE `x`",
        "extra": "1 ??? ?",
        "date": "'2020-01-02 03:04:05.006'",
        "invalid": "NULL",
        "buffer": "X'00ff27'",
        "raw": "SELECT NOW()",
        "stringify": "'[object Object]'",
        "escapeId": "`a`.`b` `a.b`",
    }


async def test_escaped_values_reach_the_server_intact(engine: Engine, users: Server) -> None:
    body = """
      const connection = require('mysql').createConnection(config);
      const tricky = "o'brien \\\\ \\"q\\" \\n";
      connection.query('INSERT INTO users SET ?', {email: tricky, nickname: null}, (err, ok) => {
        if (err) return callback(err);
        connection.query('INSERT INTO users (email, nickname) VALUES ?',
          [[['a@x', 'a'], ['b@x', 'b']]], (err2, bulk) => {
          if (err2) return callback(err2);
          connection.query('SELECT ?? AS e, nickname FROM ?? WHERE email IN (?) ORDER BY id',
            ['email', 'users', [tricky, 'b@x']], (err3, rows) =>
              callback(err3, {user_id: '1', rows, insertId: ok.insertId,
                              bulk: bulk.affectedRows}));
        });
      });"""
    result = await run(engine, users, body)
    assert result == {
        "rows": [{"e": 'o\'brien \\ "q" \n', "nickname": None}, {"e": "b@x", "nickname": "b"}],
        "insertId": 2,
        "bulk": 2,
    }


# -- result shapes -----------------------------------------------------------------------------


async def test_column_types_come_back_as_node_mysql_returns_them(
    engine: Engine, server: Server
) -> None:
    sql(
        server,
        "DROP TABLE IF EXISTS kinds",
        "CREATE TABLE kinds (i INT, big BIGINT, d DECIMAL(10,2), f DOUBLE, dt DATETIME(3),"
        " day DATE, t TIME, b BLOB, n VARCHAR(5), j JSON)",
        "INSERT INTO kinds VALUES (7, 9007199254740993, 12.50, 1.5, '2021-03-04 05:06:07.890',"
        " '2021-03-04', '01:02:03', x'00ff', NULL, '{\"a\": 1}')",
    )
    body = """
      const mysql = require('mysql');
      const read = (options, done) => mysql.createConnection(Object.assign(options, config))
        .query('SELECT * FROM kinds', (err, rows, fields) => done(err, rows && rows[0], fields));
      read({timezone: 'Z'}, (err, r, fields) => {
        if (err) return callback(err);
        read({supportBigNumbers: true, dateStrings: true}, (err2, s) => callback(err2, {
          user_id: '1', i: r.i, big: r.big, d: r.d, f: r.f, dt: r.dt.toISOString(),
          isDate: r.day instanceof Date, day: r.day.toISOString(), t: r.t,
          blob: Buffer.isBuffer(r.b) && r.b.toString('hex'), n: r.n, j: r.j,
          fields: fields.map(f => f.name).join(','),
          bigString: s.big, dateString: s.dt}));
      });"""
    assert await run(engine, server, body) == {
        "i": 7,
        "big": 9007199254740992,  # a JavaScript number: imprecise, as node-mysql by default
        "d": "12.50",
        "f": 1.5,
        "dt": "2021-03-04T05:06:07.890Z",
        "isDate": True,
        "day": "2021-03-04T00:00:00.000Z",
        "t": "01:02:03",
        "blob": "00ff",
        "n": None,
        "j": '{"a": 1}',
        "fields": "i,big,d,f,dt,day,t,b,n,j",
        "bigString": "9007199254740993",
        "dateString": "2021-03-04 05:06:07.890",
    }


async def test_write_results_are_ok_packets_without_length(engine: Engine, users: Server) -> None:
    body = """
      const connection = require('mysql').createConnection(config);
      connection.query('UPDATE users SET nickname = ? WHERE id > 0', ['j'], (err, ok, fields) =>
        callback(err, {user_id: '1', ok, length: ok.length === undefined,
                       fields: fields === undefined}));"""
    result = await run(engine, users, body)
    ok = result.pop("ok")
    assert result == {"length": True, "fields": True}
    assert ok["affectedRows"] == 1
    assert ok["changedRows"] == 1
    assert ok["insertId"] == 0
    assert ok["warningCount"] == 0
    assert "Rows matched: 1" in ok["message"]


# -- errors ------------------------------------------------------------------------------------


async def test_sql_errors_carry_node_mysql_codes(engine: Engine, users: Server) -> None:
    body = """
      const connection = require('mysql').createConnection(config);
      const pick = e => ({code: e.code, errno: e.errno, message: e.message,
                          sqlMessage: e.sqlMessage, fatal: e.fatal, sql: e.sql});
      connection.query('SELECT * FROM nope', (e1) =>
        connection.query('SELEC 1', (e2) =>
          connection.query('SELECT 1 AS ok', (e3, rows) =>
            callback(null, {user_id: '1', missing: pick(e1), parse: pick(e2),
                            goesOn: rows[0].ok}))));"""
    result = await run(engine, users, body)
    assert result["missing"] == {
        "code": "ER_NO_SUCH_TABLE",
        "errno": 1146,
        "message": "ER_NO_SUCH_TABLE: Table 'legacy.nope' doesn't exist",
        "sqlMessage": "Table 'legacy.nope' doesn't exist",
        "fatal": False,
        "sql": "SELECT * FROM nope",
    }
    assert result["parse"]["code"] == "ER_PARSE_ERROR"
    assert result["parse"]["errno"] == 1064
    assert result["parse"]["message"].startswith("ER_PARSE_ERROR: You have an error in your SQL")
    assert result["goesOn"] == 1


async def test_connection_refused_and_access_denied(engine: Engine, server: Server) -> None:
    port = free_port()
    body = f"""
      const mysql = require('mysql');
      const pick = e => ({{code: e.code, message: e.message, fatal: e.fatal}});
      const refused = mysql.createConnection({{host: '127.0.0.1', port: {port}, user: 'x'}});
      refused.connect(e1 => {{
        refused.query('SELECT 1', e1b => {{
          const denied = mysql.createConnection(Object.assign({{}}, config, {{password: 'bad'}}));
          denied.query('SELECT 1', e2 => callback(null, {{user_id: '1', refused: pick(e1),
            afterFatal: e1b.code, denied: pick(e2)}}));
        }});
      }});"""
    result = await run(engine, server, body)
    assert result["refused"] == {
        "code": "ECONNREFUSED",
        "message": f"connect ECONNREFUSED 127.0.0.1:{port}",
        "fatal": True,
    }
    assert result["afterFatal"] == "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR"
    assert result["denied"]["code"] == "ER_ACCESS_DENIED_ERROR"
    assert result["denied"]["message"].startswith("ER_ACCESS_DENIED_ERROR: Access denied for")
    assert result["denied"]["fatal"] is True


# -- transactions and pools --------------------------------------------------------------------


async def test_a_transaction_keeps_its_connection_until_commit_or_rollback(
    engine: Engine, users: Server
) -> None:
    body = """
      const connection = require('mysql').createConnection(config);
      connection.beginTransaction(err => {
        if (err) return callback(err);
        connection.query("INSERT INTO users (email) VALUES ('t1@x')");
        connection.query("SELECT COUNT(*) AS n FROM users", (e, inside) => {
          connection.rollback(() => {
            connection.query('START TRANSACTION');
            connection.query("INSERT INTO users (email) VALUES ('t2@x')");
            connection.query('COMMIT', () =>
              connection.query("SELECT email FROM users ORDER BY id", (e2, rows) =>
                callback(e2, {user_id: '1', inside: inside[0].n, after: rows.map(r => r.email)})));
          });
        });
      });"""
    result = await run(engine, users, body)
    assert result == {"inside": 2, "after": ["jane@example.com", "t2@x"]}


async def test_pool_query_and_get_connection(engine: Engine, users: Server) -> None:
    body = """
      const pool = require('mysql').createPool(Object.assign({connectionLimit: 3}, config));
      pool.query('SELECT COUNT(*) AS n FROM users', (err, rows) => {
        if (err) return callback(err);
        pool.getConnection((err2, conn) => {
          if (err2) return callback(err2);
          conn.beginTransaction(() => conn.query("INSERT INTO users (email) VALUES ('p@x')",
            () => {
              conn.release();  // an open transaction is rolled back
              pool.query('SELECT COUNT(*) AS n FROM users', (err3, again) => {
                pool.end(() => pool.query('SELECT 1', (err4) => callback(err3, {user_id: '1',
                  before: rows[0].n, after: again[0].n, closed: err4.code})));
              });
            }));
        });
      });"""
    assert await run(engine, users, body) == {"before": 1, "after": 1, "closed": "POOL_CLOSED"}


async def test_mysql2_callbacks_promise_and_promise_module(engine: Engine, users: Server) -> None:
    body = """
      const mysql2 = require('mysql2');
      const conn = mysql2.createConnection(config);
      conn.query('SELECT * FROM nope', async (err) => {
        try {
          const [rows, fields] = await conn.promise()
            .query('SELECT email FROM users WHERE id = ?', [1]);
          const promiseApi = require('mysql2/promise');
          const c2 = await promiseApi.createConnection(config);
          const [header] = await c2.execute('UPDATE users SET nickname = ? WHERE id = ?', ['z', 1]);
          const pool = promiseApi.createPool(config);
          const [[{n}]] = await pool.query('SELECT COUNT(*) AS n FROM users');
          let refused;
          try { await promiseApi.createConnection({host: '127.0.0.1', port: 1, user: 'x'}); }
          catch (e) { refused = e.code; }
          callback(null, {user_id: '1', message: err.message, email: rows[0].email,
            field: fields[0].name, affected: header.affectedRows, info: typeof header.info,
            n, refused});
        } catch (e) { callback(e); }
      });"""
    assert await run(engine, users, body) == {
        "message": "Table 'legacy.nope' doesn't exist",  # mysql2: no code prefix
        "email": "jane@example.com",
        "field": "email",
        "affected": 1,
        "info": "string",
        "n": 1,
        "refused": "ECONNREFUSED",
    }


async def test_thousand_invocations_without_end_stay_within_the_pool(users: Server) -> None:
    """Scripts never end() their connections: the server sees at most the pool size."""
    before = threads_connected(users)
    body = """
      const connection = require('mysql').createConnection(config);
      connection.connect();
      connection.query('SELECT id FROM users WHERE email = ?', [email], (err, rows) =>
        callback(err, {user_id: String(rows[0].id)}));"""
    async with Engine(host_modules=mysql_modules(pool_size=4)) as engine:
        await load(engine, users, login(body))
        outcomes = await asyncio.gather(
            *(engine.invoke("c", "login", ["jane@example.com", "pw"]) for _ in range(1000))
        )
        assert {o.status for o in outcomes} == {"result"}
        during = threads_connected(users)
    assert during - before <= 4
    for _ in range(50):  # the engine closed its pools; the server notices the quits shortly
        if threads_connected(users) <= before:
            break
        await asyncio.sleep(0.05)
    assert threads_connected(users) <= before


async def test_a_timed_out_query_is_not_pooled_and_the_next_invocation_works(
    users: Server,
) -> None:
    body = """
      const connection = require('mysql').createConnection(config);
      connection.query(email === 'slow' ? 'SELECT SLEEP(5) AS s' : 'SELECT 1 AS s',
        (err, rows) => callback(err, {user_id: '1', s: rows && rows[0].s}));"""
    async with Engine(host_modules=mysql_modules(pool_size=1)) as engine:
        await load(engine, users, login(body), seconds=0.5)
        slow: Outcome = await engine.invoke("c", "login", ["slow", "pw"])
        assert slow.status == "timeout"
        fast = await engine.invoke("c", "login", ["fast", "pw"])
        assert fast.status == "result", fast.error
        assert fast.result["s"] == 1
        for _ in range(50):  # the abandoned query is killed on the server
            sleeping = sql(users, "SELECT COUNT(*) FROM information_schema.processlist"
                                  " WHERE info LIKE 'SELECT SLEEP%'")  # fmt: skip
            if sleeping[0][0] == 0:
                break
            await asyncio.sleep(0.05)
        assert sleeping[0][0] == 0


async def test_an_abandoned_transaction_is_rolled_back_once_idle(users: Server) -> None:
    """A script that begins a transaction and never ends it loses its pin when idle."""
    body = """
      const connection = require('mysql').createConnection(config);
      if (email === 'begin') {
        connection.beginTransaction(() => connection.query(
          "INSERT INTO users (email) VALUES ('abandoned@x')",
          err => callback(err, {user_id: '1'})));
      } else {
        connection.query('SELECT COUNT(*) AS n FROM users', (err, rows) =>
          callback(err, {user_id: '1', n: rows[0].n}));
      }"""
    async with Engine(host_modules=mysql_modules(pool_size=1, pin_idle_seconds=0.2)) as engine:
        await load(engine, users, login(body))
        begun = await engine.invoke("c", "login", ["begin", "pw"])
        assert begun.status == "result", begun.error
        # The only pooled connection is pinned; this query waits for the pin to expire.
        after = await engine.invoke("c", "login", ["count", "pw"])
        assert after.result["n"] == 1
