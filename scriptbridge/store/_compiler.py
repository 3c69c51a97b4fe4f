"""Query trees (query.py) compiled into SQLite: a WHERE condition with its parameters, and an
ORDER BY.

Values only ever travel as parameters. Field names are looked up in a fixed mapping from the
Auth0 name to a SQL expression written here; a name the mapping lacks is a QueryError, and a
metadata path becomes a JSON path parameter whose keys are letters, digits, ``_`` and ``-``.

How each kind of field compares:

- ``text``: as stored, case-sensitively (ids, connection names, ips, log types). Auth0 compares
  every field but the names this way.
- ``folded``: case-insensitively, as Auth0 does for email, username, name, nickname,
  given_name, family_name (and here for a log's free-text fields): the column is lowered by
  Python's ``str.lower`` (the ``*_key`` columns already are; ``sb_lower`` for the others, since
  SQLite's lower() folds ASCII only) and so is the value.
- ``bool``: ``true`` or ``false``. ``int``: whole numbers.
- ``time``: the fixed-width UTC text the store keeps. A value is a date (``2024``,
  ``2024-01``, ``2024-01-31``), which stands for that whole period, or an ISO timestamp (UTC
  when it has no offset), which stands for that instant; so ``[* TO 2024-01-31]`` takes in
  the whole of the 31st and ``created_at:2024-01`` all of January.
- ``json``: a value at a path in a JSON column (metadata, log details). A value matches a
  string, number or boolean there, or any element of an array there, compared as text
  (``true``, ``30``), and numbers also as numbers (``30`` matches 30.0); a range whose ends
  are numbers compares numbers, otherwise strings.

Wildcards (``*`` any text, ``?`` one character) become GLOB patterns, which know no ``%`` or
``_``; a literal ``[`` is escaped as ``[[]``. NOT treats an unknown (NULL) comparison as
false, so ``NOT email:x`` takes in users without an email, as Lucene does.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from scriptbridge.errors import QueryError
from scriptbridge.store._schema import key, stamp
from scriptbridge.store.query import And, Everything, Exists, Match, Not, Or, Query, Range

FieldKind = Literal["text", "folded", "bool", "int", "time"]

#: SQL functions the compiled queries call, for the store to register on its connection.
FUNCTIONS: dict[str, tuple[int, Callable[[str | None], str | None]]] = {"sb_lower": (1, key)}

_PATH_KEY = re.compile(r"[\w-]+")
_PARTIAL_DATE = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INT64 = range(-(2**63), 2**63)
_MICROSECOND = dt.timedelta(microseconds=1)
#: A JSON value at a path as text: strings as they are, numbers and booleans as JSON writes
#: them; NULL for null, objects and arrays.
_JSON_TEXT = (
    "CASE j.type WHEN 'text' THEN j.value WHEN 'integer' THEN CAST(j.value AS TEXT)"
    " WHEN 'real' THEN CAST(j.value AS TEXT) WHEN 'true' THEN 'true'"
    " WHEN 'false' THEN 'false' END"
)


@dataclass(frozen=True)
class _Field:
    sql: str
    kind: FieldKind


@dataclass(frozen=True)
class Compiler:
    """The fields of one table and how to compile queries over them."""

    table: str
    fields: dict[str, _Field]
    #: ``prefix.`` of a JSON path → the JSON column it reads.
    json_columns: dict[str, str]
    #: The sort when none is asked for, and the unique field that breaks ties.
    default_sort: tuple[str, int]
    tiebreak: str

    def where(self, query: Query) -> tuple[str, list[Any]]:
        """The SQL condition of ``query`` and its parameters. Raises QueryError for a field
        this table lacks or a value its field cannot take."""
        parameters: list[Any] = []
        return self._condition(query, parameters), parameters

    def order_by(self, sort: tuple[str, int] | None) -> str:
        """The ORDER BY terms of ``sort`` (or the default), ending with the tiebreak, so
        that pages never overlap or skip rows; rows without the field come last."""
        name, order = self.default_sort if sort is None else sort
        field = self.fields.get(name)
        if field is None or order not in (1, -1):
            sortable = ", ".join(sorted(self.fields))
            raise QueryError(
                f"{name}:{order}",
                f"cannot sort by {name}:{order}; sort by one of {sortable} with 1 or -1",
            )
        direction = "ASC" if order == 1 else "DESC"
        return f"{field.sql} {direction} NULLS LAST, {self.fields[self.tiebreak].sql} {direction}"

    # -- conditions ------------------------------------------------------------------------

    def _condition(self, query: Query, parameters: list[Any]) -> str:
        if isinstance(query, Everything):
            return "1"
        if isinstance(query, And):
            return _join("AND", [self._condition(part, parameters) for part in query.parts], "1")
        if isinstance(query, Or):
            return _join("OR", [self._condition(part, parameters) for part in query.parts], "0")
        if isinstance(query, Not):
            return f"NOT coalesce({self._condition(query.part, parameters)}, 0)"
        json_path = self._json_path(query.field)
        if json_path is not None:
            column, path = json_path
            parameters.append(path)
            return _json_condition(query, column, parameters)
        field = self.fields.get(query.field)
        if field is None:
            raise QueryError(_shown(query), f"unknown field {query.field!r} in {self.table}")
        if isinstance(query, Exists):
            return f"{field.sql} IS NOT NULL"
        if isinstance(query, Match):
            return _match(query, field, parameters)
        return _range(query, field, parameters)

    def _json_path(self, name: str) -> tuple[str, str] | None:
        """(JSON column, JSON path) of a ``prefix.a.b`` field; None for other fields."""
        for prefix, column in self.json_columns.items():
            if name.startswith(prefix + "."):
                keys = name[len(prefix) + 1 :].split(".")
                if not all(_PATH_KEY.fullmatch(part) for part in keys):
                    raise QueryError(name, f"{name!r} is not a field path (a.b.c)")
                return column, "$" + "".join(f'."{part}"' for part in keys)
        return None


def _join(operator: str, conditions: list[str], empty: str) -> str:
    """``conditions`` joined by ``operator``, nested as a balanced tree: SQLite refuses
    expressions more than 1000 deep, which a flat chain of many ORs would be."""
    if not conditions:
        return empty
    if len(conditions) == 1:
        return conditions[0]
    middle = len(conditions) // 2
    left = _join(operator, conditions[:middle], empty)
    right = _join(operator, conditions[middle:], empty)
    return f"({left} {operator} {right})"


def _match(match: Match, field: _Field, parameters: list[Any]) -> str:
    if field.kind in ("bool", "int") and match.wildcard:
        raise QueryError(_shown(match), f"{match.field} takes no wildcards")
    if field.kind == "bool":
        parameters.append(_boolean(match.field, match.value))
        return f"{field.sql} = ?"
    if field.kind == "int":
        parameters.append(_integer(match.field, match.value))
        return f"{field.sql} = ?"
    if match.wildcard:
        pattern = _glob(match.value)
        parameters.append(key(pattern) if field.kind == "folded" else pattern)
        return f"{field.sql} GLOB ?"
    if field.kind == "time":
        parameters.extend(_period(match.field, match.value))
        return f"({field.sql} >= ? AND {field.sql} < ?)"
    parameters.append(key(match.value) if field.kind == "folded" else match.value)
    return f"{field.sql} = ?"


def _range(query: Range, field: _Field, parameters: list[Any]) -> str:
    if field.kind == "bool":
        raise QueryError(_shown(query), f"{query.field} takes true or false, not a range")
    conditions = [f"{field.sql} IS NOT NULL"]
    for end, is_low in ((query.low, True), (query.high, False)):
        if end is None:
            continue
        included = query.include_low if is_low else query.include_high
        if field.kind == "time":
            # [a: from a's first instant; {a: from the first one after a's period;
            # b]: before the first instant after b's period; b}: before b's first instant.
            first, after = _period(query.field, end)
            if is_low:
                operator, bound = ">=", first if included else after
            else:
                operator, bound = "<", after if included else first
            parameters.append(bound)
        else:
            operator = (">=" if included else ">") if is_low else ("<=" if included else "<")
            if field.kind == "int":
                parameters.append(_integer(query.field, end))
            else:
                parameters.append(key(end) if field.kind == "folded" else end)
        conditions.append(f"{field.sql} {operator} ?")
    return "(" + " AND ".join(conditions) + ")"


def _json_condition(query: Match | Range | Exists, column: str, parameters: list[Any]) -> str:
    """A condition on the value at a JSON path (the path is the last parameter already)."""
    if isinstance(query, Exists):
        parameters.append(parameters[-1])  # json_type(column, path) twice
        return f"(json_type({column}, ?) IS NOT NULL AND json_type({column}, ?) <> 'null')"
    if isinstance(query, Match):
        if query.wildcard:
            parameters.append(_glob(query.value))
            test = f"{_JSON_TEXT} GLOB ?"
        else:
            parameters.append(query.value)
            test = f"{_JSON_TEXT} = ?"
            number = _number(query.value)
            if number is not None:
                parameters.append(number)
                test = f"({test} OR (j.type IN ('integer', 'real') AND j.value = ?))"
    else:
        ends = ((query.low, True), (query.high, False))
        numbers = [_number(end) for end, _ in ends if end is not None]
        numeric = bool(numbers) and all(number is not None for number in numbers)
        if numeric:
            tests = ["j.type IN ('integer', 'real')"]
        elif numbers:
            tests = ["j.type = 'text'"]
        else:  # [* TO *]: any value
            tests = ["j.type IN ('text', 'integer', 'real', 'true', 'false')"]
        for end, is_low in ends:
            if end is None:
                continue
            included = query.include_low if is_low else query.include_high
            operator = (">=" if included else ">") if is_low else ("<=" if included else "<")
            tests.append(f"j.value {operator} ?")
            parameters.append(_number(end) if numeric else end)
        test = " AND ".join(tests)
    # json_each walks an array's elements, or yields a scalar itself (key NULL); an object's
    # members (text keys) are not the value at the path.
    return (
        f"EXISTS (SELECT 1 FROM json_each({column}, ?) AS j"
        f" WHERE typeof(j.key) <> 'text' AND {test})"
    )


# -- values ----------------------------------------------------------------------------------


def _glob(pattern: str) -> str:
    """A wildcard value (``*``, ``?``) as a GLOB pattern; ``[`` is GLOB's only other
    special character."""
    return pattern.replace("[", "[[]")


def _boolean(field: str, value: str) -> int:
    if value.lower() not in ("true", "false"):
        raise QueryError(f"{field}:{value}", f"{field} takes true or false, not {value!r}")
    return int(value.lower() == "true")


def _integer(field: str, value: str) -> int:
    if _INTEGER.fullmatch(value) is None or int(value) not in _INT64:
        raise QueryError(f"{field}:{value}", f"{field} takes a whole number, not {value!r}")
    return int(value)


def _number(value: str) -> int | float | None:
    """The number ``value`` spells, or None."""
    if _INTEGER.fullmatch(value) is not None and int(value) in _INT64:
        return int(value)
    if _NUMBER.fullmatch(value) is not None and math.isfinite(float(value)):
        return float(value)
    return None


def _period(field: str, value: str) -> tuple[str, str]:
    """The stamps of the first instant of ``value`` and of the first one after it: a date
    (``2024``, ``2024-01``, ``2024-01-31``) is that whole period, a timestamp one instant."""
    problem = (
        f"{field} takes a date (2024-01-31, 2024-01, 2024) or an ISO timestamp"
        f" (2024-01-31T10:00:00Z), not {value!r}"
    )
    partial = _PARTIAL_DATE.fullmatch(value)
    try:
        if partial is not None:
            year, month, day = partial["year"], partial["month"], partial["day"]
            first = dt.datetime(int(year), int(month or 1), int(day or 1), tzinfo=dt.UTC)
            if day is not None:
                after = first + dt.timedelta(days=1)
            elif month is not None:
                after = (first + dt.timedelta(days=31)).replace(day=1)
            else:
                after = first.replace(year=first.year + 1)
        else:
            first = dt.datetime.fromisoformat(value)
            if first.tzinfo is None:
                first = first.replace(tzinfo=dt.UTC)
            after = first + _MICROSECOND
        return stamp(first), stamp(after)
    except (ValueError, OverflowError) as error:
        raise QueryError(f"{field}:{value}", problem) from error


def _shown(query: Match | Range | Exists) -> str:
    """A condition as Lucene text, for error messages."""
    if isinstance(query, Exists):
        return f"_exists_:{query.field}"
    if isinstance(query, Match):
        return f"{query.field}:{query.value}"
    low = "*" if query.low is None else query.low
    high = "*" if query.high is None else query.high
    opening = "[" if query.include_low else "{"
    closing = "]" if query.include_high else "}"
    return f"{query.field}:{opening}{low} TO {high}{closing}"


USERS = Compiler(
    table="users",
    fields={
        "user_id": _Field("users.user_id", "text"),
        "email": _Field("users.email_key", "folded"),
        "username": _Field("users.username_key", "folded"),
        "name": _Field("sb_lower(users.name)", "folded"),
        "nickname": _Field("sb_lower(users.nickname)", "folded"),
        "given_name": _Field("sb_lower(users.given_name)", "folded"),
        "family_name": _Field("sb_lower(users.family_name)", "folded"),
        "picture": _Field("users.picture", "text"),
        "email_verified": _Field("users.email_verified", "bool"),
        "blocked": _Field("users.blocked", "bool"),
        "logins_count": _Field("users.logins_count", "int"),
        "created_at": _Field("users.created_at", "time"),
        "updated_at": _Field("users.updated_at", "time"),
        "last_login": _Field("users.last_login", "time"),
        "last_ip": _Field("users.last_ip", "text"),
        "migrated_by": _Field("users.migrated_by", "text"),
        "migrated_at": _Field("users.migrated_at", "time"),
        "identities.connection": _Field("users.connection", "text"),
        # The id without "auth0|", as identities[0].user_id shows it.
        "identities.user_id": _Field(
            "substr(users.user_id, instr(users.user_id, '|') + 1)", "text"
        ),
        "identities.provider": _Field("'auth0'", "text"),
    },
    json_columns={"user_metadata": "users.user_metadata", "app_metadata": "users.app_metadata"},
    default_sort=("created_at", 1),
    tiebreak="user_id",
)

LOGS = Compiler(
    table="logs",
    fields={
        "log_id": _Field("logs.log_id", "text"),  # fixed width: sorts as it counts
        "date": _Field("logs.date", "time"),
        "type": _Field("logs.type", "text"),
        "description": _Field("sb_lower(logs.description)", "folded"),
        "connection": _Field("logs.connection", "text"),
        "client_id": _Field("logs.client_id", "text"),
        "client_name": _Field("sb_lower(logs.client_name)", "folded"),
        "ip": _Field("logs.ip", "text"),
        "user_agent": _Field("sb_lower(logs.user_agent)", "folded"),
        "user_id": _Field("logs.user_id", "text"),
        "user_name": _Field("sb_lower(logs.user_name)", "folded"),
    },
    json_columns={"details": "logs.details"},
    default_sort=("date", -1),
    tiebreak="log_id",
)
