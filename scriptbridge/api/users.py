"""Management API v2: users (list and search, get, by email, create, update, delete)."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from scriptbridge import migration
from scriptbridge.api.bearer import authorize
from scriptbridge.api.body import read_json, typed
from scriptbridge.api.keys import SERVICES
from scriptbridge.api.params import field_filter, listing, paging
from scriptbridge.errors import (
    ConflictError,
    DuplicateUserError,
    InexistentConnectionError,
    InvalidBodyError,
    InvalidPasswordError,
    InvalidQueryStringError,
    QueryError,
    UserExistsError,
    UsernameExistsError,
    UserNotFoundError,
)
from scriptbridge.migration import Caller, Services
from scriptbridge.search import USER_FIELDS, parse_sort, parse_user_query
from scriptbridge.store import PROFILE_COLUMNS, Page, User, UserChanges, UserId
from scriptbridge.store.query import Match

routes = web.RouteTableDef()

_SEARCH_ENGINES: Final = frozenset({"v2", "v3"})
_EXISTS: Final = "The user already exists."


def _caller(request: web.Request, claims: dict[str, Any]) -> Caller:
    return Caller(
        ip=request.remote or "unknown",
        user_agent=request.headers.get("User-Agent"),
        client_id=str(claims.get("azp") or "") or None,
    )


@routes.get("/api/v2/users")
async def list_users(request: web.Request) -> web.Response:
    authorize(request, "read:users")
    svc = request.app[SERVICES]
    engine = request.query.get("search_engine", "v3")
    if engine not in _SEARCH_ENGINES:
        raise InvalidQueryStringError(f"Query validation error: unknown search_engine {engine}.")
    offset, limit = paging(request)
    connection = request.query.get("connection") or None
    try:
        query = parse_user_query(request.query.get("q"))
        sort = parse_sort(request.query.get("sort"), USER_FIELDS)
        # The store checks the values (a number for logins_count, a date for created_at).
        users, total = await svc.store.search_users(
            query, Page(offset=offset, limit=limit, sort=sort), connection=connection
        )
    except QueryError as error:
        raise InvalidQueryStringError(str(error)) from None
    shown = field_filter(request)
    return listing(
        request,
        "users",
        [shown(user.as_auth0()) for user in users],
        offset=offset,
        limit=limit,
        total=total,
    )


@routes.get("/api/v2/users-by-email")
async def users_by_email(request: web.Request) -> web.Response:
    authorize(request, "read:users")
    email = request.query.get("email", "")
    if not email:
        raise InvalidQueryStringError("Query validation error: 'email' is required.")
    users, _ = await request.app[SERVICES].store.search_users(
        Match("email", email), Page(limit=100)
    )
    shown = field_filter(request)
    return web.json_response([shown(user.as_auth0()) for user in users])


async def _user(svc: Services, request: web.Request) -> User:
    user = await svc.store.get_user(UserId(request.match_info["id"]))
    if user is None:
        raise UserNotFoundError()
    return user


@routes.get("/api/v2/users/{id}")
async def get_user(request: web.Request) -> web.Response:
    authorize(request, "read:users")
    user = await _user(request.app[SERVICES], request)
    return web.json_response(field_filter(request)(user.as_auth0()))


@routes.post("/api/v2/users")
async def create_user(request: web.Request) -> web.Response:
    claims = authorize(request, "create:users")
    svc = request.app[SERVICES]
    body = await read_json(request)
    name = typed(body, "connection", str, "string")
    if not name:
        raise InvalidBodyError("Payload validation error: 'Missing required property: connection'.")
    connection = svc.connections.get(name)
    if connection is None:
        raise InexistentConnectionError()
    email = typed(body, "email", str, "string")
    password = typed(body, "password", str, "string")
    if not email or not password:
        raise InvalidBodyError(
            "Payload validation error: 'Missing required property: "
            f"{'email' if not email else 'password'}'."
        )
    profile = {key: value for key in PROFILE_COLUMNS if (value := typed(body, key, str, "string"))}
    username = typed(body, "username", str, "string")
    user_metadata = typed(body, "user_metadata", dict, "object") or {}
    # Every field is checked before the user is created: a 400 must leave nothing behind.
    extra = UserChanges(
        app_metadata=typed(body, "app_metadata", dict, "object") or {},
        email_verified=bool(typed(body, "email_verified", bool, "boolean")),
        blocked=bool(typed(body, "blocked", bool, "boolean")),
    )
    try:
        user = await migration.signup(
            svc,
            connection,
            email=email,
            password=password,
            username=username,
            profile=profile,
            user_metadata=user_metadata,
            caller=_caller(request, claims),
        )
    except (UserExistsError, UsernameExistsError):
        raise ConflictError(_EXISTS) from None
    except InvalidPasswordError as weak:
        weak.description = f"PasswordStrengthError: {weak.description}"
        raise
    user = await svc.store.update_user(user.user_id, extra) or user
    return web.json_response(user.as_auth0(), status=201)


def _merged(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Auth0's metadata merge: top-level keys replace, a null removes."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


@routes.patch("/api/v2/users/{id}")
async def update_user(request: web.Request) -> web.Response:
    authorize(request, "update:users")
    svc = request.app[SERVICES]
    user = await _user(svc, request)
    body = await read_json(request)
    # Every field is checked before anything changes: a 400 must leave the user as it was.
    email = typed(body, "email", str, "string")
    username = typed(body, "username", str, "string")
    password = typed(body, "password", str, "string")
    blocked = typed(body, "blocked", bool, "boolean")
    verified = typed(body, "email_verified", bool, "boolean")
    patches = {key: typed(body, key, dict, "object") for key in ("user_metadata", "app_metadata")}
    profile = {key: typed(body, key, str, "string") for key in PROFILE_COLUMNS if key in body}
    connection = svc.connection(user.connection)
    try:
        if email and email != user.email:
            user = await migration.change_email(svc, connection, user, email, bool(verified))
        if username and username != user.username:
            user = await migration.change_username(svc, connection, user, username)
    except (UserExistsError, DuplicateUserError):
        raise ConflictError(_EXISTS) from None
    if password is not None:
        try:
            user = await migration.set_password(svc, connection, user, password)
        except InvalidPasswordError as weak:
            weak.description = f"PasswordStrengthError: {weak.description}"
            raise
    if blocked is not None:
        user = await migration.set_blocked(svc, connection, user, blocked)
    if verified is True and not user.email_verified and "email" not in body:
        user = await migration.verify_email(svc, connection, user)
    changes: dict[str, Any] = dict(profile)
    if verified is False:
        changes["email_verified"] = False
    for key, patch in patches.items():
        if patch is not None:
            changes[key] = _merged(getattr(user, key), patch)
    if changes:
        user = await svc.store.update_user(user.user_id, UserChanges(**changes)) or user
    return web.json_response(user.as_auth0())


@routes.delete("/api/v2/users/{id}")
async def delete_user(request: web.Request) -> web.Response:
    claims = authorize(request, "delete:users")
    svc = request.app[SERVICES]
    user = await _user(svc, request)
    await migration.delete_user(
        svc, svc.connection(user.connection), user, _caller(request, claims)
    )
    return web.Response(status=204)
