"""require('sqlite3'): node-sqlite3's API on real SQLite files, through aiosqlite."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from scriptbridge.engine import ConnectionSpec, Engine, Limits, Outcome, Script
from scriptbridge.node.modules.sqlite3 import sqlite3_module


@pytest.fixture
def legacy_db(tmp_path: Path) -> Path:
    """A legacy user store, made with Python's sqlite3 directly."""
    path = tmp_path / "legacy.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, hash TEXT, pic BLOB)")
        db.execute(
            "INSERT INTO users (email, hash, pic) VALUES (?, ?, ?)",
            ("jane@example.com", "h1", b"\x00\xffpng"),
        )
        db.execute("INSERT INTO users (email, hash) VALUES ('bob@example.com', 'h2')")
    return path


async def run(body: str, db: Path, **kinds: str) -> list[Outcome]:
    source = f"function login(email, password, callback) {{\n{body}\n}}"
    async with Engine(host_modules=(sqlite3_module(),)) as engine:
        await engine.load(
            ConnectionSpec(
                "c",
                {"login": Script("login", source, "login.js")},
                configuration={"DB": str(db)},
                limits=Limits(timeout_seconds=5),
                runners=1,
            )
        )
        emails = list(kinds.get("emails", "jane@example.com").split(","))
        return list(await asyncio.gather(*(engine.invoke("c", "login", [e, "pw"]) for e in emails)))


def result(outcome: Outcome) -> Any:
    assert outcome.status == "result", outcome.error
    return {k: v for k, v in outcome.result.items() if k != "user_id"}


async def test_get_with_an_array_parameter_returns_one_row(legacy_db: Path) -> None:
    body = """
      const sqlite3 = require('sqlite3').verbose();
      const db = new sqlite3.Database(configuration.DB);
      db.get('SELECT id, email, hash FROM users WHERE email = ?', [email], (err, row) => {
        if (err) return callback(err);
        callback(null, {user_id: String(row.id), row});
      });"""
    (outcome,) = await run(body, legacy_db)
    assert result(outcome) == {"row": {"id": 1, "email": "jane@example.com", "hash": "h1"}}


async def test_get_of_no_row_gives_undefined(legacy_db: Path) -> None:
    body = """
      const db = new (require('sqlite3').Database)(configuration.DB);
      db.get('SELECT * FROM users WHERE email = $email', {$email: 'nobody'}, (err, row) =>
        callback(err, {user_id: '1', none: row === undefined}));"""
    (outcome,) = await run(body, legacy_db)
    assert result(outcome) == {"none": True}


async def test_all_each_and_variadic_parameters(legacy_db: Path) -> None:
    body = """
      const db = new (require('sqlite3').Database)(configuration.DB);
      db.all('SELECT email FROM users WHERE id > ? AND id < ? ORDER BY id', 0, 10, (err, rows) => {
        const seen = [];
        db.each('SELECT email FROM users ORDER BY id', (e, row) => seen.push(row.email),
          (e, count) => callback(e, {user_id: '1', all: rows.map(r => r.email), seen, count}));
      });"""
    (outcome,) = await run(body, legacy_db)
    emails = ["jane@example.com", "bob@example.com"]
    assert result(outcome) == {"all": emails, "seen": emails, "count": 2}


async def test_run_reports_last_id_and_changes_on_this(legacy_db: Path) -> None:
    body = """
      const db = new (require('sqlite3').Database)(configuration.DB);
      db.run('INSERT INTO users (email, hash) VALUES (?, ?)', [email, 'h3'], function (err) {
        if (err) return callback(err);
        const inserted = this.lastID;
        db.run('UPDATE users SET hash = :h WHERE id > 0', {':h': 'x'}, function (err2) {
          callback(err2, {user_id: String(inserted), lastID: inserted, changes: this.changes});
        });
      });"""
    (outcome,) = await run(body, legacy_db)
    assert result(outcome) == {"lastID": 3, "changes": 3}
    with sqlite3.connect(legacy_db) as db:
        assert db.execute("SELECT count(*) FROM users WHERE hash = 'x'").fetchone() == (3,)


async def test_blobs_come_back_as_buffers(legacy_db: Path) -> None:
    body = """
      const db = new (require('sqlite3').Database)(configuration.DB);
      db.get('SELECT pic FROM users WHERE id = 1', (err, row) => callback(err, {user_id: '1',
        isBuffer: Buffer.isBuffer(row.pic), hex: row.pic.toString('hex')}));"""
    (outcome,) = await run(body, legacy_db)
    assert result(outcome) == {"isBuffer": True, "hex": "00ff706e67"}


async def test_sql_errors_carry_node_sqlite3_codes(legacy_db: Path) -> None:
    body = """
      const db = new (require('sqlite3').Database)(configuration.DB);
      db.all('SELECT * FROM no_such_table', (err) => callback(null, {user_id: '1',
        message: err.message, code: err.code}));"""
    (outcome,) = await run(body, legacy_db)
    assert result(outcome) == {
        "message": "SQLITE_ERROR: no such table: no_such_table",
        "code": "SQLITE_ERROR",
    }


async def test_opening_a_missing_file_read_only_fails_in_the_callback(tmp_path: Path) -> None:
    body = """
      const sqlite3 = require('sqlite3');
      new sqlite3.Database(configuration.DB, sqlite3.OPEN_READONLY, (err) =>
        callback(null, {user_id: '1', code: err && err.code}));"""
    (outcome,) = await run(body, tmp_path / "missing.db")
    assert result(outcome) == {"code": "SQLITE_CANTOPEN"}


async def test_a_database_per_call_shares_one_connection(legacy_db: Path) -> None:
    """Many invocations each opening a Database, never closing it, all succeed."""
    body = """
      const db = new (require('sqlite3').Database)(configuration.DB);
      db.serialize(() => db.get('SELECT email FROM users WHERE email = ?', email, (err, row) =>
        callback(err, {user_id: email, found: Boolean(row)})));"""
    emails = ",".join(["jane@example.com", "bob@example.com"] * 50)
    outcomes = await run(body, legacy_db, emails=emails)
    assert all(o.result["found"] for o in outcomes)
    assert len(outcomes) == 100


async def test_closed_database_refuses_statements(legacy_db: Path) -> None:
    body = """
      const db = new (require('sqlite3').Database)(configuration.DB);
      db.close((err) => db.get('SELECT 1', (e) => callback(null, {user_id: '1',
        closeErr: err, code: e && e.code})));"""
    (outcome,) = await run(body, legacy_db)
    assert result(outcome) == {"closeErr": None, "code": "SQLITE_MISUSE"}
