"""Management API v2: tenant log events (search and checkpoint paging) and password-change
tickets."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from scriptbridge import migration
from scriptbridge.api.bearer import authorize
from scriptbridge.api.body import read_json, typed
from scriptbridge.api.keys import SERVICES
from scriptbridge.api.params import field_filter, listing, paging, whole
from scriptbridge.errors import (
    InexistentConnectionError,
    InvalidBodyError,
    InvalidQueryStringError,
    NotFoundError,
    QueryError,
    UserNotFoundError,
)
from scriptbridge.search import LOG_FIELDS, parse_log_query, parse_sort
from scriptbridge.store import Page, UserId
from scriptbridge.store.query import Match

routes = web.RouteTableDef()

#: A ticket's longest life: a 32-bit integer of seconds (some 68 years), as Auth0's schema has
#: it; longer ones would overflow the expiry date.
_MAX_TTL_SECONDS: Final = 2**31 - 1


@routes.get("/api/v2/logs")
async def list_logs(request: web.Request) -> web.Response:
    """``from``/``take``: the events after a log id, oldest first, as an array (all other
    parameters ignored, as Auth0 does); otherwise a search with ``q`` (or v6's ``search``)."""
    authorize(request, "read:logs")
    store = request.app[SERVICES].store
    keep = field_filter(request)
    if "from" in request.query or "take" in request.query:
        take = whole(request, "take", 50, 1, 100)
        after = request.query.get("from") or None
        events = await store.logs(after=after, limit=take)
        response = web.json_response([event.as_auth0() for event in events])
        if events:
            response.headers["Link"] = (
                f"<{request.url.with_query(**{'from': events[-1].log_id, 'take': str(take)})}>; "
                'rel="next"'
            )
        return response
    offset, limit = paging(request)
    try:
        query = parse_log_query(request.query.get("q") or request.query.get("search"))
        sort = parse_sort(request.query.get("sort"), LOG_FIELDS)
        # The store checks the values (a date for date, a log id for log_id).
        events, total = await store.search_logs(query, Page(offset=offset, limit=limit, sort=sort))
    except QueryError as error:
        raise InvalidQueryStringError(str(error)) from None
    return listing(
        request,
        "logs",
        [keep(event.as_auth0()) for event in events],
        offset=offset,
        limit=limit,
        total=total,
    )


@routes.get("/api/v2/logs/{id}")
async def get_log(request: web.Request) -> web.Response:
    authorize(request, "read:logs")
    store = request.app[SERVICES].store
    log_id = request.match_info["id"]
    events, _ = await store.search_logs(Match("log_id", log_id), Page(limit=1))
    if not events:
        raise NotFoundError("The log event does not exist.")
    return web.json_response(events[0].as_auth0())


@routes.post("/api/v2/tickets/password-change")
async def password_change_ticket(request: web.Request) -> web.Response:
    authorize(request, "create:user_tickets")
    svc = request.app[SERVICES]
    body = await read_json(request)
    result_url = typed(body, "result_url", str, "string")
    ttl = typed(body, "ttl_sec", int, "integer")
    if ttl is not None and not 0 <= ttl <= _MAX_TTL_SECONDS:
        raise InvalidBodyError(
            f"Payload validation error: 'ttl_sec' must be between 0 and {_MAX_TTL_SECONDS}."
        )
    user_id = typed(body, "user_id", str, "string")
    details: dict[str, Any] = {"result_url": result_url, "ttl_seconds": ttl or None}
    if user_id:
        user = await svc.store.get_user(UserId(user_id))
        if user is None:
            raise UserNotFoundError()
        if not user.email:
            raise InvalidBodyError("The user does not have an email address.")
        connection = svc.connection(user.connection)
        url = await migration.issue_ticket(
            svc, connection, email=user.email, user=user, deliver=False, **details
        )
        return web.json_response({"ticket": url}, status=201)
    connection_id = typed(body, "connection_id", str, "string")
    email = typed(body, "email", str, "string")
    if not connection_id or not email:
        raise InvalidBodyError(
            "Payload validation error: give user_id, or connection_id and email."
        )
    live = svc.connections.by_id(connection_id)
    if live is None:
        raise InexistentConnectionError(connection_id)
    user = await svc.store.find_user(live.settings.name, email)
    if user is not None:
        url = await migration.issue_ticket(
            svc, live.settings, email=email, user=user, deliver=False, **details
        )
        return web.json_response({"ticket": url}, status=201)
    profile = await migration.legacy_profile(svc, live.settings, email)
    if profile is None:
        raise UserNotFoundError()
    url = await migration.issue_ticket(
        svc, live.settings, email=email, profile=profile, deliver=False, **details
    )
    return web.json_response({"ticket": url}, status=201)
