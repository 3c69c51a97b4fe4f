"""Management API v2: connections (list, get, update), Auth0's second repair call (delete a
connection's user by email), and scriptbridge's own migration progress."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from scriptbridge import migration
from scriptbridge.api.bearer import authorize
from scriptbridge.api.body import read_json
from scriptbridge.api.keys import SERVICES
from scriptbridge.api.params import field_filter, flag, whole
from scriptbridge.connections import Live
from scriptbridge.engine import KINDS
from scriptbridge.errors import (
    ConnectionNotFoundError,
    InexistentConnectionError,
    InvalidBodyError,
    InvalidQueryStringError,
    ScriptParseError,
)
from scriptbridge.migration import Caller, Services
from scriptbridge.migration.progress import status
from scriptbridge.store import Page
from scriptbridge.store.query import And, Match

routes = web.RouteTableDef()

#: What a read shows for each configuration value: the keys, never the secrets.
HIDDEN: Final = "********"
_BOOLEAN_OPTIONS: Final = ("import_mode", "requires_username", "enabledDatabaseCustomization")


def _live(svc: Services, request: web.Request) -> Live:
    live = svc.connections.by_id(request.match_info["id"])
    if live is None:
        raise ConnectionNotFoundError()
    return live


def shown(svc: Services, live: Live) -> dict[str, Any]:
    """The connection as Auth0's Management API shows it."""
    settings = live.settings
    enabled = [
        client.client_id
        for client in svc.settings.clients
        if not client.connections or settings.name in client.connections
    ]
    return {
        "id": live.id,
        "name": settings.name,
        "display_name": settings.name,
        "strategy": "auth0",
        "options": {
            "customScripts": dict(live.scripts),
            "import_mode": settings.import_mode,
            "enabledDatabaseCustomization": True,
            "requires_username": settings.requires_username,
            "configuration": dict.fromkeys(settings.configuration, HIDDEN),
            "passwordPolicy": settings.password_policy,
            "brute_force_protection": svc.settings.server.max_failed_attempts > 0,
        },
        "enabled_clients": enabled,
        "realms": [settings.name],
        "is_domain_connection": False,
        "metadata": {},
    }


@routes.get("/api/v2/connections")
async def list_connections(request: web.Request) -> web.Response:
    authorize(request, "read:connections")
    svc = request.app[SERVICES]
    strategies = request.query.getall("strategy", [])
    name = request.query.get("name")
    records = [
        shown(svc, live)
        for live in svc.connections.all()
        if (not strategies or "auth0" in strategies)
        and (name is None or live.settings.name == name)
    ]
    keep = field_filter(request)
    records = [keep(record) for record in records]
    checkpoint = "take" in request.query or "from" in request.query
    if checkpoint:
        take = whole(request, "take", 50, 1, 100)
        start = whole(request, "from", 0, 0, 1_000_000) if request.query.get("from") else 0
        page = records[start : start + take]
        body: dict[str, Any] = {"connections": page}
        if start + take < len(records):
            body["next"] = str(start + take)
        return web.json_response(body)
    if flag(request, "include_totals", False):
        per_page = whole(request, "per_page", 50, 1, 100)
        offset = whole(request, "page", 0, 0, 1000) * per_page
        page = records[offset : offset + per_page]
        return web.json_response(
            {
                "connections": page,
                "start": offset,
                "limit": per_page,
                "length": len(page),
                "total": len(records),
            }
        )
    return web.json_response(records)


@routes.get("/api/v2/connections/{id}")
async def get_connection(request: web.Request) -> web.Response:
    authorize(request, "read:connections")
    svc = request.app[SERVICES]
    return web.json_response(field_filter(request)(shown(svc, _live(svc, request))))


@routes.patch("/api/v2/connections/{id}")
async def update_connection(request: web.Request) -> web.Response:
    authorize(request, "update:connections")
    svc = request.app[SERVICES]
    live = _live(svc, request)
    body = await read_json(request)
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise InvalidBodyError("Payload validation error: 'options' must be an object.")
    changes = _changes(live, options)
    if changes:
        try:
            live = await svc.connections.change(live.settings.name, changes)
        except ScriptParseError as error:
            raise InvalidBodyError(f"options.customScripts: {error}") from None
    return web.json_response(shown(svc, live))


def _changes(live: Live, options: dict[str, Any]) -> dict[str, Any]:
    """The connection changes an ``options`` object asks for, checked.

    Options a client read and sends back unchanged (Auth0's read-modify-write pattern) are
    accepted; configuration values still showing the hidden marker keep their value.
    """
    current = live.settings
    changes: dict[str, Any] = {}
    scripts = options.get("customScripts")
    if scripts is not None:
        if not isinstance(scripts, dict):
            raise InvalidBodyError("Payload validation error: 'customScripts' must be an object.")
        for kind, source in scripts.items():
            if kind not in KINDS:
                raise InvalidBodyError(
                    f"Payload validation error: unknown script kind '{kind}' in customScripts; "
                    f"kinds: {', '.join(KINDS)}."
                )
            if source is not None and not isinstance(source, str):
                raise InvalidBodyError(
                    f"Payload validation error: customScripts.{kind} must be a string."
                )
        changed = {k: v for k, v in scripts.items() if live.scripts.get(k) != v}
        if changed:
            changes["scripts"] = changed
    for key in _BOOLEAN_OPTIONS:
        value = options.get(key)
        if value is None:
            continue
        if not isinstance(value, bool):
            raise InvalidBodyError(f"Payload validation error: '{key}' must be a boolean.")
        if key == "enabledDatabaseCustomization":
            if not value:
                raise InvalidBodyError(
                    "scriptbridge connections always use their own database scripts; "
                    "enabledDatabaseCustomization cannot be false."
                )
        elif value != getattr(current, key):
            changes[key] = value
    configuration = options.get("configuration")
    if configuration is not None:
        if not isinstance(configuration, dict) or not all(
            isinstance(v, str) for v in configuration.values()
        ):
            raise InvalidBodyError(
                "Payload validation error: 'configuration' must be an object of strings."
            )
        merged = {
            key: current.configuration.get(key, "") if value == HIDDEN else value
            for key, value in configuration.items()
        }
        if merged != dict(current.configuration):
            changes["configuration"] = merged
    return changes


@routes.delete("/api/v2/connections/{id}/users")
async def delete_by_email(request: web.Request) -> web.Response:
    claims = authorize(request, "delete:users")
    svc = request.app[SERVICES]
    live = svc.connections.by_id(request.match_info["id"])
    if live is None:  # a 400 here, as Auth0 documents, not the 404 of GET/PATCH
        raise InexistentConnectionError()
    email = request.query.get("email", "")
    if not email:
        raise InvalidQueryStringError("Query validation error: 'email' is required.")
    users, _ = await svc.store.search_users(
        And((Match("email", email), Match("identities.connection", live.settings.name))),
        Page(limit=10),
    )
    caller = Caller(ip=request.remote or "unknown", client_id=str(claims.get("azp") or "") or None)
    for user in users:
        await migration.delete_user(svc, live.settings, user, caller)
    return web.Response(status=204)


@routes.get("/api/v2/connections/{id}/migration")
async def migration_status(request: web.Request) -> web.Response:
    authorize(request, "read:connections")
    svc = request.app[SERVICES]
    return web.json_response(await status(svc, _live(svc, request).settings))
