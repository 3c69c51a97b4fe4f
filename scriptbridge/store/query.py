"""A search over users or log events, as the store evaluates it: a small tree of conditions on
named fields, built from the Management API's Lucene queries by scriptbridge.search.

Field names are the Auth0 names (``email``, ``user_metadata.plan``, ``identities.connection``,
``created_at``, ``type``, ``log_id``, ...); values are the text of the query. Each store
compiles the tree into its own query language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Match:
    """``field:value``; with ``wildcard``, ``*`` and ``?`` in ``value`` match any text and any
    one character. Text fields match case-insensitively, as Auth0's search does."""

    field: str
    value: str
    wildcard: bool = False


@dataclass(frozen=True)
class Range:
    """``field:[low TO high]`` (inclusive ends) or ``{low TO high}`` (exclusive); an end of
    None is open (``*``). Dates compare as times, numbers as numbers, the rest as text."""

    field: str
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Exists:
    """``_exists_:field``: the field is present and not null."""

    field: str


@dataclass(frozen=True)
class And:
    parts: tuple[Query, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Query, ...]


@dataclass(frozen=True)
class Not:
    part: Query


@dataclass(frozen=True)
class Everything:
    """No condition (an empty query)."""


Query = Match | Range | Exists | And | Or | Not | Everything


@dataclass(frozen=True)
class Page:
    """Which part of the results: sorted by ``sort`` (a field, 1 ascending or -1 descending),
    ``limit`` of them from ``offset``."""

    offset: int = 0
    limit: int = 50
    sort: tuple[str, int] | None = None
