"""The Management API's search queries: Auth0's search engine v3 syntax (Lucene), parsed by
luqum into the store's query tree (scriptbridge.store.query).

Supported: ``field:value``, ``field:"phrase"``, ``*`` and ``?`` in words, AND / OR / NOT,
``+term`` / ``-term``, adjacent terms (AND, as Auth0 treats them), parentheses and field
groups ``email:(a OR b)``, ranges ``[a TO b]`` / ``{a TO b}`` with ``*`` open ends (and
``field:>a`` / ``field:<=b``), ``_exists_:field``, dotted fields such as
``user_metadata.plan`` and ``identities.connection``. A word without a field searches the
profile's names (email, name, nickname, username for users). Everything else (fuzzy,
proximity, boosting, regular expressions, unknown fields) is a QueryError that names the
part. The field names are checked here; whether a value suits its field (a number for
``logins_count``, a date for ``created_at``) is the store's to check, as it compiles them.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from luqum import tree  # type: ignore[import-untyped]
from luqum.exceptions import ParseError  # type: ignore[import-untyped]
from luqum.thread import parse  # type: ignore[import-untyped]

from scriptbridge.errors import QueryError
from scriptbridge.store.query import And, Everything, Exists, Match, Not, Or, Query, Range

__all__ = [
    "LOG_FIELDS",
    "MAX_LENGTH",
    "USER_FIELDS",
    "parse_log_query",
    "parse_sort",
    "parse_user_query",
]

#: The user fields a query may name (store.base.Store.search_users), besides the prefixes.
USER_FIELDS = frozenset(
    {
        "user_id",
        "email",
        "username",
        "name",
        "nickname",
        "given_name",
        "family_name",
        "picture",
        "email_verified",
        "blocked",
        "logins_count",
        "created_at",
        "updated_at",
        "last_login",
        "last_ip",
        "migrated_by",
        "migrated_at",
        "identities.connection",
        "identities.user_id",
        "identities.provider",
    }
)
#: The log event fields a query may name (store.base.Store.search_logs), besides ``details.``.
LOG_FIELDS = frozenset(
    {
        "log_id",
        "date",
        "type",
        "description",
        "connection",
        "client_id",
        "client_name",
        "ip",
        "user_agent",
        "user_id",
        "user_name",
    }
)

_USER_PREFIXES = ("user_metadata.", "app_metadata.")
_LOG_PREFIXES = ("details.",)
#: What a word without a field searches.
_USER_DEFAULT = ("email", "name", "nickname", "username")
_LOG_DEFAULT = ("description", "user_name", "user_id", "connection", "client_name")

#: One key of a JSON path after a prefix: letters, digits, ``_`` and ``-``.
_PATH_KEY = re.compile(r"[\w-]+")
#: Groups, NOTs and field groups inside one another; deeper queries are refused.
_MAX_DEPTH = 32
#: Longer queries are refused: parsing is synchronous, and this bounds it (to ~0.1 s).
MAX_LENGTH = 10_000
_SORT = re.compile(r"(?P<field>[^:\s]+):(?P<order>-?1)")


class _Kind:
    """What a query searches: its field names, prefixes and default fields."""

    def __init__(
        self, fields: frozenset[str], prefixes: tuple[str, ...], default: tuple[str, ...]
    ) -> None:
        self.fields = fields
        self.prefixes = prefixes
        self.default = default

    def known(self, field: str) -> bool:
        if field in self.fields:
            return True
        for prefix in self.prefixes:
            if field.startswith(prefix):
                return all(_PATH_KEY.fullmatch(key) for key in field[len(prefix) :].split("."))
        return False

    def listing(self) -> str:
        return _listing(self.fields, self.prefixes)


_USERS = _Kind(USER_FIELDS, _USER_PREFIXES, _USER_DEFAULT)
_LOGS = _Kind(LOG_FIELDS, _LOG_PREFIXES, _LOG_DEFAULT)


def parse_user_query(text: str | None) -> Query:
    """The query tree of a ``GET /api/v2/users?q=`` query; Everything() when empty."""
    return _parse(text, _USERS)


def parse_log_query(text: str | None) -> Query:
    """The query tree of a ``GET /api/v2/logs?q=`` (or ``search=``) query."""
    return _parse(text, _LOGS)


def parse_sort(text: str | None, fields: frozenset[str]) -> tuple[str, int] | None:
    """``field:1`` (ascending) or ``field:-1`` (descending) as (field, 1 or -1); None when
    empty. Raises QueryError for any other form or a field not in ``fields``."""
    if text is None or not text.strip():
        return None
    matched = _SORT.fullmatch(text.strip())
    if matched is None:
        raise QueryError(text, "sort takes field:1 (ascending) or field:-1 (descending)")
    field = matched["field"]
    if field not in fields:
        raise QueryError(text, f"cannot sort by {field!r}; sortable: {_listing(fields, ())}")
    return field, int(matched["order"])


def _parse(text: str | None, kind: _Kind) -> Query:
    if text is None or not text.strip():
        return Everything()
    if len(text) > MAX_LENGTH:
        raise QueryError(text[:40] + "...", f"it is longer than {MAX_LENGTH} characters")
    try:
        parsed = parse(text)
    except ParseError as error:
        # luqum's "Syntax error in input : unexpected  ')' at position 0!", tidied
        reason = " ".join(str(error).removeprefix("Syntax error in input :").split())
        raise QueryError(text, f"syntax error: {reason.rstrip('!')}") from error
    return _Converter(text, kind).convert(parsed, None, 0)


class _Converter:
    """Turns luqum's tree of one query into the store's."""

    def __init__(self, text: str, kind: _Kind) -> None:
        self.text = text
        self.kind = kind

    def fail(self, problem: str) -> QueryError:
        return QueryError(self.text, problem)

    def convert(self, node: Any, field: str | None, depth: int) -> Query:
        """``node`` as a query; ``field`` is the field of an enclosing ``field:(...)``."""
        if depth > _MAX_DEPTH:
            raise self.fail(f"it nests more than {_MAX_DEPTH} levels deep")
        deeper = depth + 1
        if isinstance(node, tree.SearchField):
            return self.search_field(node, field, deeper)
        if isinstance(node, tree.BaseGroup):
            return self.convert(node.expr, field, deeper)
        if isinstance(node, tree.AndOperation | tree.UnknownOperation):
            return And(tuple(self.convert(part, field, deeper) for part in node.operands))
        if isinstance(node, tree.OrOperation):
            return Or(tuple(self.convert(part, field, deeper) for part in node.operands))
        if isinstance(node, tree.Not | tree.Prohibit):
            return Not(self.convert(node.a, field, deeper))
        if isinstance(node, tree.Plus):
            return self.convert(node.a, field, deeper)
        if isinstance(node, tree.Word | tree.Phrase):
            return self.term(node, field)
        if isinstance(node, tree.Range):
            return self.range(node, field)
        if isinstance(node, tree.From | tree.To):
            return self.open_range(node, field)
        raise self.fail(_unsupported(node))

    def search_field(self, node: Any, enclosing: str | None, depth: int) -> Query:
        name = str(node.name)
        self.no_symbol_operator(name)
        if enclosing is not None:
            raise self.fail(f"a field inside another field's group ({node}) is not supported")
        if name == "_exists_":
            return Exists(self.field(self.exists_target(node.expr)))
        if name == "*":
            if isinstance(node.expr, tree.Word) and node.expr.value == "*":
                return Everything()  # *:*
            raise self.fail(f"a field name is needed ({node})")
        return self.convert(node.expr, self.field(name), depth)

    def exists_target(self, expr: Any) -> str:
        if isinstance(expr, tree.Word) and not expr.has_wildcard():
            return str(expr.unescaped_value)
        raise self.fail(f"_exists_ takes one field name, not {str(expr).strip()!r}")

    def field(self, name: str) -> str:
        if self.kind.known(name):
            return name
        close = difflib.get_close_matches(name, sorted(self.kind.fields), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise self.fail(f"unknown field {name!r}{hint}; searchable fields: {self.kind.listing()}")

    def term(self, node: Any, field: str | None) -> Query:
        if isinstance(node, tree.Phrase):
            value = _unquote(node.value)
            wildcard = False
        else:
            value, wildcard = self.word(node)
            if value == "*":
                return Everything() if field is None else Exists(field)
        if field is None:
            return Or(tuple(Match(name, value, wildcard) for name in self.kind.default))
        return Match(field, value, wildcard)

    def word(self, node: Any) -> tuple[str, bool]:
        raw = str(node.value)
        self.no_symbol_operator(raw)
        wildcard = bool(node.has_wildcard())
        if wildcard and re.search(r"\\[*?]", raw):
            raise self.fail(f"a wildcard word cannot also hold a literal * or ? ({raw})")
        return str(node.unescaped_value), wildcard

    def no_symbol_operator(self, word: str) -> None:
        """Lucene's &&, || and ! (luqum reads them as words)."""
        symbol = "!" if word.startswith("!") else word
        if symbol in ("&&", "||", "!"):
            raise self.fail(f"{symbol!r} is not supported; write AND, OR or NOT")

    def range(self, node: Any, field: str | None) -> Query:
        if field is None:
            raise self.fail(f"a range needs a field, as in created_at:{node}")
        return Range(
            field,
            self.bound(node.low),
            self.bound(node.high),
            bool(node.include_low),
            bool(node.include_high),
        )

    def open_range(self, node: Any, field: str | None) -> Query:
        if field is None:
            raise self.fail(f"a range needs a field, as in logins_count:{str(node).strip()}")
        bound = self.bound(node.a)
        if isinstance(node, tree.From):
            return Range(field, bound, None, include_low=bool(node.include))
        return Range(field, None, bound, include_high=bool(node.include))

    def bound(self, node: Any) -> str | None:
        if isinstance(node, tree.Prohibit):  # a negative number: [-5 TO 5]
            inner = self.bound(node.a)
            if inner is None:
                raise self.fail("-* is not a range end")
            return f"-{inner}"
        if isinstance(node, tree.Phrase):
            return _unquote(node.value)
        if isinstance(node, tree.Word):
            if node.value == "*":
                return None
            if node.has_wildcard():
                raise self.fail(f"a range end cannot hold a wildcard ({node.value})")
            return str(node.unescaped_value)
        raise self.fail(_unsupported(node))


def _unsupported(node: Any) -> str:
    shown = str(node).strip()
    if isinstance(node, tree.Fuzzy):
        return f"fuzzy search ({shown}) is not supported"
    if isinstance(node, tree.Proximity):
        return f"proximity search ({shown}) is not supported"
    if isinstance(node, tree.Boost):
        return f"boosting ({shown}) is not supported"
    if isinstance(node, tree.Regex):
        return f"regular expressions ({shown}) are not supported"
    return f"{shown!r} is not supported"


def _unquote(phrase: str) -> str:
    """A phrase's text: without its quotes, escapes resolved."""
    return re.sub(r"\\(.)", r"\1", phrase[1:-1])


def _listing(fields: frozenset[str], prefixes: tuple[str, ...]) -> str:
    """Field names, compactly: ``a, b, identities.{connection,user_id}, user_metadata.*``."""
    plain = sorted(field for field in fields if "." not in field)
    nested: dict[str, list[str]] = {}
    for field in sorted(fields - set(plain)):
        head, _, rest = field.partition(".")
        nested.setdefault(head, []).append(rest)
    plain += [f"{head}.{{{','.join(rests)}}}" for head, rests in nested.items()]
    plain += [f"{prefix}*" for prefix in prefixes]
    return ", ".join(plain)
