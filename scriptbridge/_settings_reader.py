"""Builds frozen settings dataclasses from TOML tables, driven by each field's type and metadata.

_settings_schema.py declares every setting once, as a dataclass field whose metadata (made by
:func:`doc`) holds its help text and limits. This module reads those declarations: it checks a
TOML table against them and builds the dataclass, and it renders them as documentation. It
knows no particular setting; the checks that relate several settings live in
_settings_builder.py.

Keys in error messages are TOML dotted keys with 0-based array indexes, e.g.
``connections[1].timeout_seconds`` or ``connections[0].configuration."api key"``.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import math
import re
import tomllib
import types
import typing
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar, get_args, get_origin, get_type_hints

from scriptbridge.errors import SettingsError

T = TypeVar("T")

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_LOCATION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def doc(
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] | None = None,
    nonempty: bool = False,
    secret: bool = False,
) -> Mapping[str, Any]:
    """A setting's declaration beside its type and default: its help text and its limits.

    ``low``/``high`` bound numbers (inclusive); ``choices`` are the values allowed for a string
    or for each string of an array; ``secret`` values never appear in errors or reprs.
    """
    return types.MappingProxyType(
        {
            "help": help,
            "low": low,
            "high": high,
            "choices": choices,
            "nonempty": nonempty,
            "secret": secret,
        }
    )


def key_path(parent: str, name: str | int) -> str:
    """``parent.name`` (quoted when not a bare TOML key), or ``parent[i]`` for an index."""
    if isinstance(name, int):
        return f"{parent}[{name}]"
    part = name if _BARE_KEY.fullmatch(name) else '"' + name.replace('"', '\\"') + '"'
    return f"{parent}.{part}" if parent else part


def toml_type(value: object) -> str:
    """What a TOML value is, in words, for "must be X, not Y" (never the value itself)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.datetime):
        return "a date-time"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, datetime.time):
        return "a time"
    return type(value).__name__


def suggestion(word: str, valid: Iterable[str], noun: str) -> str:
    """``unknown NOUN; did you mean 'x'?``, or the list of valid names when none is close."""
    names = sorted(valid)
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if close:
        return f"unknown {noun}; did you mean {close[0]!r}?"
    return f"unknown {noun}; expected one of: {', '.join(names)}"


def read_toml(path: Path) -> dict[str, Any]:
    """The document in a TOML file; unreadable files and syntax errors are SettingsErrors."""
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SettingsError(source, "(file)", "no such file") from None
    except IsADirectoryError:
        raise SettingsError(source, "(file)", "is a directory, not a TOML file") from None
    except OSError as exc:
        raise SettingsError(source, "(file)", f"cannot read it: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise SettingsError(source, "(file)", problem) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_LOCATION.search(message)
        if match is None:
            where = "(file)"
        else:
            where = "end of file" if match[1] is None else f"line {match[1]}, column {match[2]}"
        reason = message if match is None else message[: match.start()]
        raise SettingsError(source, where, f"invalid TOML: {reason}") from None


class Reader:
    """Checks TOML values of one settings source; relative paths resolve against ``base``."""

    def __init__(self, source: str, base: Path) -> None:
        self.source = source
        self.base = base

    def fail(self, key: str, problem: str) -> NoReturn:
        raise SettingsError(self.source, key, problem)

    def table(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, not {toml_type(value)}")
        return value

    def tables(self, value: object, key: str) -> list[dict[str, Any]]:
        """An array of tables (``[[key]]``)."""
        if isinstance(value, dict):
            self.fail(key, f"must be an array of tables: write [[{key}]], not [{key}]")
        if not isinstance(value, list):
            self.fail(key, f"must be an array of tables ([[{key}]]), not {toml_type(value)}")
        return [self.table(item, key_path(key, i)) for i, item in enumerate(value)]

    def only(self, table: Mapping[str, Any], valid: Iterable[str], key: str, noun: str) -> None:
        """Refuse any key of ``table`` not in ``valid``, suggesting the closest valid one."""
        allowed = set(valid)
        for name in table:
            if name not in allowed:
                self.fail(key_path(key, name), suggestion(name, allowed, noun))

    def unique(self, values: Sequence[str], table: str, name: str) -> None:
        """Refuse a value of field ``name`` that two tables of the array ``table`` share."""
        first: dict[str, int] = {}
        for i, value in enumerate(values):
            if value in first:
                problem = f"{value!r} is already the {name} of {table}[{first[value]}]"
                self.fail(key_path(key_path(table, i), name), problem + "; it must be unique")
            first[value] = i

    def http_url(self, url: str, key: str) -> str:
        """An http(s) URL without query or fragment, ending with /."""
        parts = urllib.parse.urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or parts.fragment
        ):
            self.fail(key, f"must be an http(s) URL such as https://auth.example.com/, not {url!r}")
        return url if url.endswith("/") else url + "/"

    def build(self, cls: type[T], table: Mapping[str, Any], key: str) -> T:
        """The dataclass ``cls`` from ``table``: every key known, typed and within its limits."""
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        self.only(table, fields, key, "setting")
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for name, spec in fields.items():
            where = key_path(key, name)
            if name in table:
                values[name] = self.value(hints[name], table[name], where, spec.metadata)
            elif (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            ):
                self.fail(where, "missing; this setting is required")
        return cls(**values)

    def value(self, hint: Any, value: object, key: str, meta: Mapping[str, Any]) -> Any:
        """``value`` checked against the type ``hint`` and the limits in ``meta``."""
        origin = get_origin(hint)
        if origin in (typing.Union, types.UnionType):  # X | None: TOML has no null
            (hint,) = (arm for arm in get_args(hint) if arm is not type(None))
            return self.value(hint, value, key, meta)
        if origin is Literal:
            return self._choice(value, key, tuple(get_args(hint)), meta)
        if origin is tuple:
            if not isinstance(value, list):
                self.fail(key, f"must be an array, not {toml_type(value)}")
            item = get_args(hint)[0]
            return tuple(self.value(item, v, key_path(key, i), meta) for i, v in enumerate(value))
        if origin is Mapping:
            return self._mapping(hint, value, key, meta)
        if hint is bool:
            if not isinstance(value, bool):
                self.fail(key, f"must be true or false, not {toml_type(value)}")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(key, f"must be an integer, not {toml_type(value)}")
            return self._bounded(value, key, meta)
        if hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(key, f"must be a number, not {toml_type(value)}")
            if not math.isfinite(value):
                self.fail(key, "must be a finite number")
            return self._bounded(float(value), key, meta)
        if hint is str:
            return self._string(value, key, meta)
        if hint is Path:
            text = self._string(value, key, {**meta, "nonempty": True})
            return self.base / Path(text).expanduser()
        raise TypeError(f"settings field {key} has an unsupported type {hint!r}")

    def _string(self, value: object, key: str, meta: Mapping[str, Any]) -> str:
        if not isinstance(value, str):
            self.fail(key, f"must be a string, not {toml_type(value)}")
        if meta.get("nonempty") and not value.strip():
            self.fail(key, "must not be empty")
        if meta.get("choices") is not None:
            return self._choice(value, key, meta["choices"], meta)
        return value

    def _choice(self, value: object, key: str, choices: tuple[str, ...], meta: Any) -> str:
        if not isinstance(value, str):
            self.fail(key, f"must be a string, not {toml_type(value)}")
        if value not in choices:
            allowed = ", ".join(repr(c) for c in choices)
            shown = "" if meta.get("secret") else f", not {value!r}"
            self.fail(key, f"must be one of {allowed}{shown}")
        return value

    def _bounded(self, value: float, key: str, meta: Mapping[str, Any]) -> Any:
        low, high = meta.get("low"), meta.get("high")
        if (low is not None and value < low) or (high is not None and value > high):
            if high is None:
                self.fail(key, f"must be at least {low:g}, not {value:g}")
            if low is None:
                self.fail(key, f"must be at most {high:g}, not {value:g}")
            self.fail(key, f"must be between {low:g} and {high:g}, not {value:g}")
        return value

    def _mapping(self, hint: Any, value: object, key: str, meta: Mapping[str, Any]) -> Any:
        table = self.table(value, key)
        key_hint, value_hint = get_args(hint)
        if get_origin(key_hint) is Literal:
            self.only(table, get_args(key_hint), key, "key")
        # Keys are strings in TOML; only the values need checking.
        checked = {k: self.value(value_hint, v, key_path(key, k), meta) for k, v in table.items()}
        return types.MappingProxyType(checked)


def env_name(name: str) -> str:
    """A client, connection or key name as it appears in an environment variable's name."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def from_environment(
    reader: Reader,
    environ: Mapping[str, str],
    prefix: str,
    names: Sequence[str],
    noun: str,
    *,
    keyed: bool = False,
) -> list[tuple[int, str, str]]:
    """The variables ``PREFIX<NAME>`` (keyed: ``PREFIX<NAME>_<KEY>``) as (index of NAME in
    ``names``, KEY or "", value), NAME being a name in env_name's form. When several names fit
    a keyed variable, the longest wins. A variable with the prefix that names nothing, or two
    things, is refused: a mistyped secret must not pass silently.
    """
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_name.setdefault(env_name(name), []).append(i)
    found = []
    for variable in sorted(environ):
        if not variable.startswith(prefix):
            continue
        rest = variable.removeprefix(prefix)
        if keyed:
            fitting = [n for n in by_name if rest.startswith(n + "_") and len(rest) > len(n) + 1]
            name = max(fitting, key=len, default="")
        else:
            name = rest
        indexes = by_name.get(name, [])
        if len(indexes) > 1:
            both = " and ".join(repr(names[i]) for i in indexes)
            reader.fail(f"${variable}", f"ambiguous: the {noun}s {both} both fit it; rename one")
        if not indexes:
            known = ", ".join(repr(n) for n in names) or "none"
            problem = (
                f"names no {noun} (names are upper-cased, every character other than A-Z and 0-9 "
                f"turned into _); {noun}s: {known}"
            )
            reader.fail(f"${variable}", problem)
        key = rest[len(name) + 1 :] if keyed else ""
        found.append((indexes[0], key, environ[variable]))
    return found


def describe(cls: type[Any], prefix: str) -> list[tuple[str, str, str]]:
    """(key, default as TOML text, help) for each field of the settings dataclass ``cls``."""
    rows = []
    for spec in dataclasses.fields(cls):
        if spec.default is not dataclasses.MISSING:
            default = toml_text(spec.default)
        elif spec.default_factory is not dataclasses.MISSING:
            default = toml_text(spec.default_factory())
        else:
            default = "(required)"
        rows.append((prefix + spec.name, default, str(spec.metadata.get("help", ""))))
    return rows


def toml_text(value: object) -> str:
    """A default value as it would be written in the TOML file."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Path):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{key_path('', k)} = {toml_text(v)}" for k, v in value.items())
        return "{" + items + "}"
    return str(value)
