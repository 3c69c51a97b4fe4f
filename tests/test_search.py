"""scriptbridge.search: Auth0's search engine v3 queries (Lucene), parsed by luqum into the
store's query tree; what cannot be run is a QueryError naming the part."""

from __future__ import annotations

import pytest

from scriptbridge.errors import QueryError
from scriptbridge.search import (
    LOG_FIELDS,
    MAX_LENGTH,
    USER_FIELDS,
    parse_log_query,
    parse_sort,
    parse_user_query,
)
from scriptbridge.store.query import And, Everything, Exists, Match, Not, Or, Query, Range


def bare(value: str, wildcard: bool = False) -> Or:
    """What a word without a field becomes in a user query."""
    return Or(tuple(Match(f, value, wildcard) for f in ("email", "name", "nickname", "username")))


@pytest.mark.parametrize(
    ("q", "tree"),
    [
        (None, Everything()),
        ("", Everything()),
        ("   ", Everything()),
        ("*:*", Everything()),
        ("*", Everything()),
        ("email:jane@example.com", Match("email", "jane@example.com")),
        ('name:"Jane Doe"', Match("name", "Jane Doe")),
        (r'name:"say \"hi\""', Match("name", 'say "hi"')),
        (r"name:a\:b", Match("name", "a:b")),
        ('user_id:"auth0|1001"', Match("user_id", "auth0|1001")),
        ("name:jo*", Match("name", "jo*", wildcard=True)),
        ("name:j?ne", Match("name", "j?ne", wildcard=True)),
        ('name:"jo*"', Match("name", "jo*")),  # a phrase has no wildcards
        ("email:*", Exists("email")),
        ("jane", bare("jane")),
        ("jan*", bare("jan*", wildcard=True)),
        ('"Jane Doe"', bare("Jane Doe")),
        ("_exists_:user_metadata.plan", Exists("user_metadata.plan")),
        ("user_metadata.plan:pro", Match("user_metadata.plan", "pro")),
        ("app_metadata.a.b-c.d_e:1", Match("app_metadata.a.b-c.d_e", "1")),
        ("identities.connection:db", Match("identities.connection", "db")),
        ("name:a AND nickname:b", And((Match("name", "a"), Match("nickname", "b")))),
        ("name:a nickname:b", And((Match("name", "a"), Match("nickname", "b")))),
        ("name:a OR nickname:b", Or((Match("name", "a"), Match("nickname", "b")))),
        ("NOT name:a", Not(Match("name", "a"))),
        ("-name:a", Not(Match("name", "a"))),
        ("+name:a -nickname:b", And((Match("name", "a"), Not(Match("nickname", "b"))))),
        (
            "name:a AND (nickname:b OR NOT blocked:true)",
            And(
                (
                    Match("name", "a"),
                    Or((Match("nickname", "b"), Not(Match("blocked", "true")))),
                )
            ),
        ),
        ("email:(a OR b)", Or((Match("email", "a"), Match("email", "b")))),
        ("email:(a -b*)", And((Match("email", "a"), Not(Match("email", "b*", wildcard=True))))),
        ("logins_count:[5 TO *]", Range("logins_count", "5", None)),
        ("logins_count:{5 TO 10]", Range("logins_count", "5", "10", include_low=False)),
        ("logins_count:[-5 TO 5}", Range("logins_count", "-5", "5", include_high=False)),
        ("created_at:[* TO 2024-01-31]", Range("created_at", None, "2024-01-31")),
        (
            "created_at:[2024-01-01T10:00:00.000Z TO *]",
            Range("created_at", "2024-01-01T10:00:00.000Z", None),
        ),
        (
            'last_login:["2024-01-01T10:00:00+01:00" TO *]',
            Range("last_login", "2024-01-01T10:00:00+01:00", None),
        ),
        ("logins_count:>5", Range("logins_count", "5", None, include_low=False)),
        ("logins_count:<=5", Range("logins_count", None, "5")),
    ],
)
def test_user_queries_parse_into_the_store_tree(q: str | None, tree: Query) -> None:
    assert parse_user_query(q) == tree


@pytest.mark.parametrize(
    ("q", "problem"),
    [
        ("jane~", "fuzzy search (jane~) is not supported"),
        ("name:jane~2", "fuzzy search (jane~2) is not supported"),
        ('"jane doe"~3', 'proximity search ("jane doe"~3) is not supported'),
        ("name:jane^2", "boosting (jane^2) is not supported"),
        ("name:/ja.e/", "regular expressions (/ja.e/) are not supported"),
        ("emial:x", "unknown field 'emial' (did you mean 'email'?); searchable fields: "),
        ("password_hash:x", "unknown field 'password_hash'"),
        ("user_metadata:x", "unknown field 'user_metadata'"),
        ("user_metadata..a:x", "unknown field 'user_metadata..a'"),
        ("_exists_:nope", "unknown field 'nope'"),
        ("_exists_:(a OR b)", "_exists_ takes one field name"),
        ("_exists_:user*", "_exists_ takes one field name"),
        ("date:2024", "unknown field 'date'"),
        ("name:(nickname:x)", "a field inside another field's group (nickname:x)"),
        ("name:nickname:x", "a field inside another field's group"),
        ("[a TO b]", "a range needs a field"),
        ("name:(", "syntax error: unexpected end of expression"),
        ("name:a AND", "syntax error"),
        (")", "syntax error: unexpected ')' at position 0"),
        ('name:"open', "syntax error: Illegal character"),
        ("name:a && nickname:b", "'&&' is not supported; write AND, OR or NOT"),
        ("!name:a", "'!' is not supported; write AND, OR or NOT"),
        ("name:a || !nickname:b", "'||' is not supported"),
        (r"name:a\*b*", "a wildcard word cannot also hold a literal"),
        ("logins_count:[1* TO 5]", "a range end cannot hold a wildcard"),
        ("(" * 40 + "name:a" + ")" * 40, "it nests more than 32 levels deep"),
        ("*:x", "a field name is needed"),
    ],
)
def test_unsupported_user_queries_say_which_part(q: str, problem: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_user_query(q)
    assert problem in caught.value.problem
    assert caught.value.query == q
    assert str(caught.value) == f"Query {q!r} is not supported: {caught.value.problem}"


def test_the_unknown_field_message_lists_the_fields_compactly() -> None:
    with pytest.raises(QueryError) as caught:
        parse_user_query("emial:x")
    problem = caught.value.problem
    assert "identities.{connection,provider,user_id}" in problem
    assert problem.endswith("user_metadata.*, app_metadata.*")
    assert len(problem) < 400
    for field in USER_FIELDS - {f for f in USER_FIELDS if f.startswith("identities.")}:
        assert field in problem


def test_an_overlong_query_is_refused_before_parsing() -> None:
    q = "name:a OR " * (MAX_LENGTH // 10) + "name:b"
    with pytest.raises(QueryError, match=f"longer than {MAX_LENGTH} characters"):
        parse_user_query(q)


def test_log_queries_know_log_fields() -> None:
    assert parse_log_query('type:s AND user_id:"auth0|1001"') == And(
        (Match("type", "s"), Match("user_id", "auth0|1001"))
    )
    checkpoint = "log_id:[000000000000000000000042 TO *]"
    assert parse_log_query(checkpoint) == Range("log_id", "000000000000000000000042", None)
    assert parse_log_query("details.request.path:x") == Match("details.request.path", "x")
    assert parse_log_query("date:[2024-01-01 TO *]") == Range("date", "2024-01-01", None)
    assert parse_log_query("") == Everything()
    words = parse_log_query("jane")
    assert isinstance(words, Or)
    assert {part.field for part in words.parts if isinstance(part, Match)} <= LOG_FIELDS
    with pytest.raises(QueryError, match=r"unknown field 'user_metadata\.plan'"):
        parse_log_query("user_metadata.plan:pro")
    with pytest.raises(QueryError, match=r"searchable fields: .*, details\.\*$"):
        parse_log_query("nope:x")


@pytest.mark.parametrize(
    ("text", "sort"),
    [
        (None, None),
        ("", None),
        ("created_at:1", ("created_at", 1)),
        ("created_at:-1", ("created_at", -1)),
        (" email:1 ", ("email", 1)),
        ("identities.connection:-1", ("identities.connection", -1)),
    ],
)
def test_sort_is_a_field_and_a_direction(text: str | None, sort: tuple[str, int] | None) -> None:
    assert parse_sort(text, USER_FIELDS) == sort


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("created_at", "sort takes field:1 (ascending) or field:-1 (descending)"),
        ("created_at:2", "sort takes field:1"),
        ("created_at:asc", "sort takes field:1"),
        ("created_at:1,email:1", "sort takes field:1"),
        ("password_hash:1", "cannot sort by 'password_hash'; sortable: blocked, created_at"),
        ("user_metadata.plan:1", "cannot sort by 'user_metadata.plan'"),
    ],
)
def test_other_sorts_are_refused(text: str, problem: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_sort(text, USER_FIELDS)
    assert problem in caught.value.problem


def test_parsing_from_threads_is_safe() -> None:
    """luqum's lexer is not thread-safe; search uses its per-thread clone."""
    from concurrent.futures import ThreadPoolExecutor

    queries = [f"name:user{n}* AND logins_count:[{n} TO *]" for n in range(200)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        trees = list(pool.map(parse_user_query, queries))
    for n, tree in enumerate(trees):
        assert tree == And(
            (Match("name", f"user{n}*", wildcard=True), Range("logins_count", str(n), None))
        )
