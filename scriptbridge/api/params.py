"""Query-string parameters of the Management API, checked: bad values are a 400
``invalid_query_string`` naming the parameter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from aiohttp import web

from scriptbridge.errors import InvalidQueryStringError

#: Auth0 pages through the first 1,000 results of a search only.
MAX_RESULTS: Final = 1000
MAX_PER_PAGE: Final = 100


def flag(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    if value is None or value == "":
        return default
    if value.lower() not in ("true", "false"):
        raise InvalidQueryStringError(f"Query validation error: '{name}' must be true or false.")
    return value.lower() == "true"


def whole(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    value = request.query.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidQueryStringError(
            f"Query validation error: '{name}' must be an integer."
        ) from None
    if not low <= number <= high:
        raise InvalidQueryStringError(
            f"Query validation error: '{name}' must be between {low} and {high}."
        )
    return number


def paging(request: web.Request) -> tuple[int, int]:
    """(offset, limit) from page and per_page, within the first 1,000 results."""
    per_page = whole(request, "per_page", 50, 1, MAX_PER_PAGE)
    page = whole(request, "page", 0, 0, MAX_RESULTS)
    offset = page * per_page
    if offset >= MAX_RESULTS:
        raise InvalidQueryStringError(
            f"You can only page through the first {MAX_RESULTS} records. Narrow the search with q."
        )
    return offset, min(per_page, MAX_RESULTS - offset)


def field_filter(request: web.Request) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``fields`` and ``include_fields``: which keys of each record to show."""
    named = [f.strip() for f in request.query.get("fields", "").split(",") if f.strip()]
    include = flag(request, "include_fields", True)
    if not named:
        return lambda record: record
    chosen = frozenset(named)
    if include:
        return lambda record: {k: v for k, v in record.items() if k in chosen}
    return lambda record: {k: v for k, v in record.items() if k not in chosen}


def listing(
    request: web.Request,
    key: str,
    records: list[dict[str, Any]],
    *,
    offset: int,
    limit: int,
    total: int,
) -> web.Response:
    """A bare array, or with include_totals=true the object the SDKs page through."""
    if not flag(request, "include_totals", False):
        return web.json_response(records)
    body: Mapping[str, Any] = {
        key: records,
        "start": offset,
        "limit": limit,
        "length": len(records),
        "total": total,
    }
    return web.json_response(body)
