"""SqliteStore's user and log search: Lucene queries parsed by scriptbridge.search, run on a
real store."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from scriptbridge.errors import QueryError
from scriptbridge.search import (
    LOG_FIELDS,
    USER_FIELDS,
    parse_log_query,
    parse_sort,
    parse_user_query,
)
from scriptbridge.store import NewLog, SqliteStore, UserChanges, root_id
from scriptbridge.store._compiler import LOGS, USERS
from scriptbridge.store.query import Everything, Exists, Match, Page, Query, Range

from .samples import new_user

#: user id → the columns the population sets by hand (as another process could).
TIMES = {
    "5": {"created_at": "2023-12-31T23:59:59.000000Z"},
    "1": {
        "created_at": "2024-01-01T10:00:00.000000Z",
        "last_login": "2024-01-31T23:59:59.999999Z",
        "logins_count": 3,
    },
    "2": {
        "created_at": "2024-01-31T23:59:59.000000Z",
        "last_login": "2024-02-01T00:00:00.000000Z",
        "logins_count": 10,
    },
    "3": {"created_at": "2024-02-01T00:00:00.000000Z"},
    "4": {"created_at": "2024-03-15T08:30:00.000000Z"},
}


def rewrite(db_path: Path, table: str, key: tuple[str, str], **columns: Any) -> None:
    """Set columns of one row through a connection of its own."""
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        for column, value in columns.items():
            raw.execute(f"UPDATE {table} SET {column} = ? WHERE {key[0]} = ?", (value, key[1]))


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with five users, built once: each test gets a copy."""
    path = tmp_path_factory.mktemp("population") / "store.db"
    asyncio.run(populate(path))
    return path


@pytest.fixture
async def users(population: Path, db_path: Path) -> AsyncIterator[SqliteStore]:
    """A store of five users: 5, 1, 2, 3, 4 in the order they were created."""
    shutil.copy(population, db_path)
    async with SqliteStore.open(db_path) as store:
        yield store


async def populate(db_path: Path) -> None:
    async with SqliteStore.open(db_path) as store:
        await add_users(store)
    for bare_id, columns in TIMES.items():
        rewrite(db_path, "users", ("user_id", f"auth0|{bare_id}"), **columns)


async def add_users(store: SqliteStore) -> None:
    await store.create_user(
        new_user(
            "1",
            name="Jane Doe",
            nickname="jane",
            given_name="Jane",
            family_name="Doe",
            user_metadata={
                "plan": "pro",
                "age": 30,
                "tags": ["beta", "staff"],
                "address": {"city": "Paris"},
            },
            app_metadata={"roles": ["admin"]},
        )
    )
    await store.create_user(
        new_user(
            "2",
            email="bob_1@example.com",
            name="Bob 100%",
            email_verified=False,
            migrated_by="get_user",
            user_metadata={"plan": "free", "age": 30.0, "vip": True},
        )
    )
    await store.create_user(
        new_user("3", email="bobx1@example.com", name="Bobx", migrated_by="native")
    )
    await store.update_user(root_id("3"), UserChanges(blocked=True))
    await store.create_user(new_user("4", email=None, username="Zoë", connection="other-db"))
    await store.create_user(new_user("5", email="Élodie@Example.com", name="Élodie"))


async def found(store: SqliteStore, q: str, **page: Any) -> list[str]:
    """The bare ids of the users ``q`` finds, in order."""
    matched, total = await store.search_users(parse_user_query(q), Page(**page))
    assert total >= len(matched)
    return [user.bare_id for user in matched]


ALL = ["5", "1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # field:value, phrases, case-insensitive names and emails (non-ASCII letters too)
        ("email:jane@example.com", ["1"]),
        ("email:JANE@Example.COM", ["1"]),
        ('email:"jane@example.com"', ["1"]),
        ('name:"jane doe"', ["1"]),
        ("name:élodie", ["5"]),
        ("email:ÉLODIE@EXAMPLE.COM", ["5"]),
        ("username:ZOË", ["4"]),
        ("given_name:JANE AND family_name:doe", ["1"]),
        ("email:jane", []),  # fields are not split into words
        # a word without a field: email, name, nickname, username
        ("jane", ["1"]),
        ("zoë", ["4"]),
        ("bob*", ["2", "3"]),
        ('"jane doe"', ["1"]),
        # wildcards; % and _ in the data are plain characters
        ("name:bob*", ["2", "3"]),
        ("name:*100%", ["2"]),
        ("email:bob_1*", ["2"]),
        ("email:bob?1*", ["2", "3"]),
        ("email:*@example.com", ["5", "1", "2", "3"]),
        ("email:*", ["5", "1", "2", "3"]),
        ("user_id:auth0", []),
        ("user_id:auth0*", ALL),
        ('user_id:"auth0|1"', ["1"]),
        ("user_id:auth0|1", ["1"]),
        # AND, OR, NOT, -, +, adjacent terms, groups and field groups
        ("name:bob* AND blocked:true", ["3"]),
        ("name:bob* -blocked:true", ["2"]),
        ("+name:bob* +email_verified:false", ["2"]),
        ("name:bob* logins_count:10", ["2"]),
        ("email:(jane@example.com OR bob_1@example.com)", ["1", "2"]),
        ('email:("JANE@example.com" OR "nobody@example.com")', ["1"]),
        ("(name:bob* OR name:jane*) AND NOT blocked:true", ["1", "2"]),
        ("NOT email:bob*", ["5", "1", "4"]),  # 4 has no email: NOT takes it in
        ("-email:*", ["4"]),
        ("NOT (email:bob* OR identities.connection:other-db)", ["5", "1"]),
        ("*:*", ALL),
        ("", ALL),
        # booleans and numbers
        ("email_verified:false", ["2"]),
        ("blocked:TRUE", ["3"]),
        ("logins_count:10", ["2"]),
        ("logins_count:[5 TO *]", ["2"]),
        ("logins_count:{3 TO 10]", ["2"]),
        ("logins_count:[* TO 3}", ["5", "3", "4"]),
        ("logins_count:[-1 TO 0]", ["5", "3", "4"]),
        ("logins_count:>=3", ["1", "2"]),
        # dates: a date-only end covers its whole day (or month, or year)
        ("created_at:[2024-01-01 TO 2024-01-31]", ["1", "2"]),
        ("created_at:{2024-01-31 TO *]", ["3", "4"]),
        ("created_at:{* TO 2024-01-01}", ["5"]),
        ("created_at:2024-01", ["1", "2"]),
        ("created_at:2024-01-31", ["2"]),
        ("created_at:[2024 TO 2024]", ["1", "2", "3", "4"]),
        ("created_at:[2024-01-31T23:59:59Z TO 2024-02-01T00:00:00.000Z]", ["2", "3"]),
        ("created_at:{2024-01-31T23:59:59Z TO 2024-02-01T00:00:00.000Z}", []),
        ('created_at:["2024-02-01T01:00:00+01:00" TO *]', ["3", "4"]),
        ("created_at:[2024-01-01T10:00 TO 2024-01-01T10:00]", ["1"]),
        ("created_at:2024-02*", ["3"]),
        ("last_login:[* TO 2024-01-31]", ["1"]),
        ("last_login:[2024-01-01 TO *] AND NOT last_login:2024-01", ["2"]),
        ("_exists_:last_login", ["1", "2"]),
        ("NOT _exists_:last_login", ["5", "3", "4"]),
        ("migrated_at:[2020 TO *]", ["5", "1", "2", "4"]),  # 3 is native
        # metadata paths: case-sensitive, JSON numbers, booleans, arrays, nesting
        ("user_metadata.plan:pro", ["1"]),
        ("user_metadata.plan:Pro", []),
        ("user_metadata.plan:p*", ["1"]),
        ("user_metadata.age:30", ["1", "2"]),
        ("user_metadata.age:30.0", ["1", "2"]),
        ('user_metadata.age:"30"', ["1", "2"]),
        ("user_metadata.age:[18 TO 65]", ["1", "2"]),
        ("user_metadata.age:{30 TO *]", []),
        ("user_metadata.plan:[a TO m]", ["2"]),
        ("user_metadata.vip:true", ["2"]),
        ("user_metadata.tags:staff", ["1"]),
        ("user_metadata.tags:st*", ["1"]),
        ("app_metadata.roles:admin", ["1"]),
        ("user_metadata.address.city:Paris", ["1"]),
        ("user_metadata.address:Paris", []),  # an object is not a value
        ("_exists_:user_metadata.plan", ["1", "2"]),
        ("_exists_:user_metadata.address.city", ["1"]),
        ("NOT _exists_:user_metadata.vip", ["5", "1", "3", "4"]),
        ("user_metadata.plan:*", ["1", "2"]),
        # identities and the rest
        ("identities.connection:other-db", ["4"]),
        ('identities.connection:"legacy-db" AND name:bob*', ["2", "3"]),
        ("identities.user_id:3", ["3"]),
        ("identities.provider:auth0", ALL),
        ("migrated_by:get_user", ["2"]),
        ("_exists_:username", ["4"]),
    ],
)
async def test_user_query_finds(users: SqliteStore, q: str, expected: list[str]) -> None:
    assert await found(users, q) == expected


async def test_values_that_look_like_sql_are_plain_values(users: SqliteStore) -> None:
    for q in (
        "name:\"x' OR '1'='1\"",
        'email:"a\\"; DROP TABLE users; --"',
        'user_metadata.plan:"\') OR 1=1 --"',
        "name:*'--",
        'created_at:[2024 TO *] AND user_id:"1; DELETE FROM users"',
    ):
        assert await found(users, q) == [], q
    assert await users.count_users() == 5


async def test_field_names_that_look_like_sql_are_refused(users: SqliteStore) -> None:
    for query in (
        Match("email = email OR 1", "x"),
        Match('user_metadata.x") OR 1=1 --', "x"),
        Exists("user_metadata.a'b"),
        Range("logs.user_id", "a", None),
    ):
        with pytest.raises(QueryError):
            await users.search_users(query, Page())
    assert await users.count_users() == 5


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (Match("emial", "x"), "unknown field 'emial'"),
        (Match("logins_count", "many"), "logins_count takes a whole number, not 'many'"),
        (Match("logins_count", "1*", wildcard=True), "logins_count takes no wildcards"),
        (Match("blocked", "maybe"), "blocked takes true or false"),
        (Range("blocked", "false", "true"), "blocked takes true or false, not a range"),
        (Range("created_at", "yesterday", None), "created_at takes a date"),
        (Match("last_login", "2024-13"), "last_login takes a date"),
        (Range("logins_count", "1", "9" * 30), "takes a whole number"),
        (Match("user_metadata.", "x"), "is not a field path"),
        (Match("date", "2024"), "unknown field 'date'"),
    ],
)
async def test_queries_the_store_cannot_run(users: SqliteStore, query: Query, problem: str) -> None:
    with pytest.raises(QueryError, match=problem):
        await users.search_users(query, Page())


async def test_pages_cover_every_match_once_with_the_total(users: SqliteStore) -> None:
    seen: list[str] = []
    for offset in range(0, 6, 2):
        matched, total = await users.search_users(Everything(), Page(offset=offset, limit=2))
        assert total == 5
        seen += [user.bare_id for user in matched]
    assert seen == ALL
    past, total = await users.search_users(Everything(), Page(offset=50, limit=10))
    assert (past, total) == ([], 5)
    page, total = await users.search_users(parse_user_query("name:bob*"), Page(limit=1))
    assert ([user.bare_id for user in page], total) == (["2"], 2)


async def test_sort_by_any_field_either_way_with_ties_broken_by_id(
    users: SqliteStore, db_path: Path
) -> None:
    rewrite(db_path, "users", ("user_id", "auth0|4"), created_at=TIMES["1"]["created_at"])
    assert await found(users, "") == ["5", "1", "4", "2", "3"]  # 1 and 4: same time
    assert await found(users, "", sort=("created_at", -1)) == ["3", "2", "4", "1", "5"]
    by_logins = ["2", "1", "5", "4", "3"]  # 5, 4, 3 all have 0 logins
    assert await found(users, "", sort=("logins_count", -1)) == by_logins
    paged = [await found(users, "", sort=("logins_count", -1), offset=n, limit=1) for n in range(5)]
    assert [ids[0] for ids in paged] == by_logins
    assert await found(users, "", sort=("email", 1)) == ["2", "3", "1", "5", "4"]  # é > j
    # users who never logged in come last, whichever way
    assert await found(users, "", sort=("last_login", 1)) == ["1", "2", "3", "4", "5"]
    assert await found(users, "", sort=("last_login", -1)) == ["2", "1", "5", "4", "3"]


async def test_sort_by_a_metadata_path_or_unknown_field_is_refused(users: SqliteStore) -> None:
    for sort in (("user_metadata.plan", 1), ("password_hash", 1), ("email", 2)):
        with pytest.raises(QueryError, match="cannot sort by"):
            await users.search_users(Everything(), Page(sort=sort))


async def test_search_within_one_connection(users: SqliteStore) -> None:
    matched, total = await users.search_users(Everything(), Page(), connection="other-db")
    assert ([user.bare_id for user in matched], total) == (["4"], 1)
    matched, total = await users.search_users(
        parse_user_query("email:bob* OR username:zoë"), Page(limit=1), connection="legacy-db"
    )
    assert ([user.bare_id for user in matched], total) == (["2"], 2)


async def test_a_page_must_not_be_negative(users: SqliteStore) -> None:
    with pytest.raises(ValueError, match="0 or more"):
        await users.search_users(Everything(), Page(offset=-1))


async def test_many_alternatives_stay_within_sqlite_limits(users: SqliteStore) -> None:
    """Over 1000 ORs: SQLite refuses expressions 1000 deep, so they are nested as a tree."""
    emails = " OR ".join(f"u{n}" for n in range(1100))
    assert await found(users, f"email:({emails} OR jane@example.com)") == ["1"]


def test_the_parser_and_the_store_know_the_same_fields() -> None:
    assert frozenset(USERS.fields) == USER_FIELDS
    assert frozenset(LOGS.fields) == LOG_FIELDS


# -- logs ------------------------------------------------------------------------------------


@pytest.fixture
async def events(store: SqliteStore, db_path: Path) -> list[str]:
    """Six events a day apart from 2024-01-01; their log ids, oldest first."""
    specs = [
        NewLog(type="s", user_id="auth0|1001", user_name="jane@example.com", details={"n": 1}),
        NewLog(type="fp", user_id="auth0|1001", description="Wrong email or password."),
        NewLog(type="s", user_id="auth0|1002", client_name="My App", details={"stats": [1, 2]}),
        NewLog(type="migration", user_id="auth0|1002", details={"script": "login"}),
        NewLog(type="s", user_id="auth0|1001", ip="203.0.113.7"),
        NewLog(type="sapi", details={"request": {"path": "/api/v2/users"}}),
    ]
    ids = []
    for day, spec in enumerate(specs, start=1):
        event = await store.append_log(spec)
        rewrite(db_path, "logs", ("log_id", event.log_id), date=f"2024-01-0{day}T12:00:00.000000Z")
        ids.append(event.log_id)
    return ids


async def found_logs(store: SqliteStore, q: str, **page: Any) -> tuple[list[str], int]:
    matched, total = await store.search_logs(parse_log_query(q), Page(**page))
    return [event.log_id for event in matched], total


async def test_logs_come_newest_first_by_default(store: SqliteStore, events: list[str]) -> None:
    assert await found_logs(store, "") == (events[::-1], 6)
    assert await found_logs(store, "", sort=("date", 1)) == (events, 6)
    assert await found_logs(store, "", limit=2, offset=2) == (events[3:1:-1], 6)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("type:s", [0, 2, 4]),
        ('type:s AND user_id:"auth0|1001"', [0, 4]),
        ("user_id:auth0|1002", [2, 3]),
        ("type:s -user_id:auth0|1001", [2]),
        ("type:(fp OR migration)", [1, 3]),
        ("description:*PASSWORD*", [1]),
        ("client_name:my*", [2]),
        ("user_name:JANE@example.com", [0]),
        ("jane@example.com", [0]),
        ("ip:203.0.113.7", [4]),
        ("details.script:login", [3]),
        ("details.n:1", [0]),
        ("details.stats:2", [2]),
        ('details.request.path:"/api/v2/users"', [5]),
        ("_exists_:details.request", [5]),
        ("date:[2024-01-02 TO 2024-01-03]", [1, 2]),
        ("date:2024-01-05", [4]),
        ("date:{2024-01-05 TO *]", [5]),
    ],
)
async def test_log_query_finds(
    store: SqliteStore, events: list[str], q: str, expected: list[int]
) -> None:
    ids, total = await found_logs(store, q, sort=("date", 1))
    assert ids == [events[n] for n in expected]
    assert total == len(expected)


async def test_log_id_range_checkpoints(store: SqliteStore, events: list[str]) -> None:
    """``log_id:[X TO *]``, as the auth0 CLI polls: X and everything after it."""
    assert await found_logs(store, f"log_id:[{events[3]} TO *]", sort=("date", 1)) == (
        events[3:],
        3,
    )
    assert await found_logs(store, f"log_id:{{{events[3]} TO *]") == (events[:3:-1], 2)
    assert await found_logs(store, f"log_id:[{events[-1]} TO *] AND type:s") == ([], 0)
    later = await store.append_log(NewLog(type="s"))
    assert await found_logs(store, f"log_id:{{{events[-1]} TO *]") == ([later.log_id], 1)


async def test_log_queries_refuse_user_fields(store: SqliteStore) -> None:
    with pytest.raises(QueryError, match="unknown field 'email'"):
        await store.search_logs(Match("email", "x"), Page())
    with pytest.raises(QueryError, match="unknown field 'email'"):
        parse_log_query("email:x")
    with pytest.raises(QueryError, match="cannot sort by 'type'"):
        parse_sort("type:1", frozenset({"date"}))
