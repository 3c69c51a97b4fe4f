"""Auth0's Authentication API: tokens, signup, password change, userinfo, discovery."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any, Final

from aiohttp import web

from scriptbridge import migration
from scriptbridge.api.body import read_fields, required_text, text
from scriptbridge.api.keys import SERVICES, TOKENS
from scriptbridge.errors import (
    AccessDeniedError,
    ConnectionNotEnabledError,
    InvalidBodyError,
    InvalidRequestError,
    InvalidTokenError,
    ServiceNotEnabledError,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
)
from scriptbridge.migration import Caller, Services
from scriptbridge.settings import ClientSettings, ConnectionSettings
from scriptbridge.tokens import profile_claims

PASSWORD_REALM: Final = "http://auth0.com/oauth/grant-type/password-realm"
GRANT_TYPES: Final = frozenset({"password", PASSWORD_REALM, "client_credentials"})
#: The scope of a password grant that asks for none.
DEFAULT_SCOPE: Final = "openid profile email"
#: Auth0's signup takes at most this many user_metadata properties, each a string.
MAX_SIGNUP_METADATA: Final = 10
_SIGNUP_PROFILE: Final = ("given_name", "family_name", "name", "nickname", "picture")

routes = web.RouteTableDef()


@routes.post("/oauth/token")
async def token(request: web.Request) -> web.Response:
    fields = await read_fields(request)
    svc = request.app[SERVICES]
    grant_type = required_text(fields, "grant_type")
    client, confidential = _authenticate(svc, fields, request.headers.get("Authorization"))
    if grant_type not in GRANT_TYPES:
        raise UnsupportedGrantTypeError(grant_type)
    if grant_type not in client.grant_types:
        raise UnauthorizedClientError(f"Grant type '{grant_type}' not allowed for the client.")
    if grant_type == "client_credentials":
        return await _client_credentials(request, svc, client, confidential, fields)
    return await _password(request, svc, client, confidential, fields, grant_type)


async def _password(
    request: web.Request,
    svc: Services,
    client: ClientSettings,
    confidential: bool,
    fields: dict[str, Any],
    grant_type: str,
) -> web.Response:
    username = required_text(fields, "username")
    password = required_text(fields, "password")
    realm = text(fields, "realm", required=grant_type == PASSWORD_REALM)
    connection = _connection_for(svc, client, realm)
    scope = text(fields, "scope", required=False) or DEFAULT_SCOPE
    audience = text(fields, "audience", required=False)
    # Auth0 trusts the end user's address from a confidential client only.
    forwarded = request.headers.get("auth0-forwarded-for") if confidential else None
    caller = _caller(request, client, forwarded)
    user = await migration.login(svc, connection, username, password, caller)
    tokens = request.app[TOKENS]
    userinfo = f"{tokens.issuer}userinfo"
    answer: dict[str, Any] = {
        "access_token": tokens.access_token(
            subject=user.user_id,
            audience=[audience, userinfo] if audience else userinfo,
            scope=scope,
            client_id=client.client_id,
            grant_type="password",
        ),
        "scope": scope,
        "expires_in": tokens.lifetime_seconds,
        "token_type": "Bearer",
    }
    if "openid" in scope.split():
        answer["id_token"] = tokens.id_token(user, client.client_id)
    return web.json_response(answer)


async def _client_credentials(
    request: web.Request,
    svc: Services,
    client: ClientSettings,
    confidential: bool,
    fields: dict[str, Any],
) -> web.Response:
    caller = _caller(request, client, None)
    if not confidential:
        raise UnauthorizedClientError("A client without a secret cannot use client_credentials.")
    tokens = request.app[TOKENS]
    audience = text(fields, "audience", required=False)
    if audience != f"{tokens.issuer}api/v2/":
        await svc.event("feccft", caller, description=f"Unknown audience {audience}")
        raise ServiceNotEnabledError(audience or "(none)")
    scope = " ".join(client.scopes)
    access = tokens.access_token(
        subject=f"{client.client_id}@clients",
        audience=audience,
        scope=scope,
        client_id=client.client_id,
        grant_type="client-credentials",
    )
    await svc.event("seccft", caller, description="Client Credentials for Access Token")
    return web.json_response(
        {
            "access_token": access,
            "scope": scope,
            "expires_in": tokens.lifetime_seconds,
            "token_type": "Bearer",
        }
    )


def _authenticate(
    svc: Services, fields: dict[str, Any], authorization: str | None
) -> tuple[ClientSettings, bool]:
    """The calling client and whether it proved its secret (body or HTTP Basic)."""
    client_id = text(fields, "client_id", required=False)
    secret = text(fields, "client_secret", required=False)
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidRequestError("Malformed HTTP Basic authorization header.") from None
        client_id, _, secret = decoded.partition(":")
    if not client_id:
        raise InvalidRequestError("missing client_id parameter")
    client = svc.settings.client(client_id)
    if client is None:
        raise AccessDeniedError("Unauthorized")
    if not client.client_secret:
        return client, False
    if secret is None or not hmac.compare_digest(secret.encode(), client.client_secret.encode()):
        raise AccessDeniedError("Unauthorized")
    return client, True


def _connection_for(svc: Services, client: ClientSettings, realm: str | None) -> ConnectionSettings:
    """The realm's connection, or for the plain password grant the client's first one."""
    if realm is None:
        names = client.connections or tuple(c.name for c in svc.settings.connections)
        realm = names[0]
    connection = svc.connection(realm)
    if client.connections and connection.name not in client.connections:
        raise ConnectionNotEnabledError(connection.name)
    return connection


def _caller(request: web.Request, client: ClientSettings | None, forwarded: str | None) -> Caller:
    return Caller(
        ip=(forwarded or request.remote or "unknown").split(",")[0].strip(),
        user_agent=request.headers.get("User-Agent"),
        client_id=None if client is None else client.client_id,
        client_name=None if client is None else client.name,
    )


@routes.post("/dbconnections/signup")
async def signup(request: web.Request) -> web.Response:
    fields = await read_fields(request)
    svc = request.app[SERVICES]
    client = _public_client(svc, fields)
    connection = svc.connection(required_text(fields, "connection"))
    if client.connections and connection.name not in client.connections:
        raise ConnectionNotEnabledError(connection.name)
    email = required_text(fields, "email")
    if "@" not in email:
        raise InvalidBodyError("The email is not a valid email address.")
    profile = {
        key: value for key in _SIGNUP_PROFILE if (value := text(fields, key, required=False))
    }
    user = await migration.signup(
        svc,
        connection,
        email=email,
        password=required_text(fields, "password"),
        username=text(fields, "username", required=False),
        profile=profile,
        user_metadata=_signup_metadata(fields.get("user_metadata")),
        caller=_caller(request, client, None),
    )
    answer: dict[str, Any] = {"_id": user.bare_id, "email_verified": user.email_verified}
    answer.update(
        (key, value)
        for key in ("email", "username", *_SIGNUP_PROFILE)
        if (value := getattr(user, key)) is not None
    )
    if user.user_metadata:
        answer["user_metadata"] = user.user_metadata
    return web.json_response(answer)


def _signup_metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidBodyError("user_metadata must be an object.")
    if len(value) > MAX_SIGNUP_METADATA:
        raise InvalidBodyError(f"user_metadata may have at most {MAX_SIGNUP_METADATA} properties.")
    for key, item in value.items():
        if not isinstance(item, str) or len(item) > 500 or len(key) > 100:
            raise InvalidBodyError(
                "user_metadata values must be strings of at most 500 characters."
            )
    return value


def _public_client(svc: Services, fields: dict[str, Any]) -> ClientSettings:
    client_id = required_text(fields, "client_id")
    client = svc.settings.client(client_id)
    if client is None:
        raise InvalidRequestError("Unknown client_id.")
    return client


@routes.post("/dbconnections/change_password")
async def change_password(request: web.Request) -> web.Response:
    fields = await read_fields(request)
    svc = request.app[SERVICES]
    client = _public_client(svc, fields) if fields.get("client_id") else None
    connection = svc.connection(required_text(fields, "connection"))
    email = required_text(fields, "email")
    await migration.request_change(svc, connection, email, _caller(request, client, None))
    return web.json_response(migration.REQUEST_ANSWER)


@routes.get("/userinfo")
async def userinfo(request: web.Request) -> web.Response:
    tokens = request.app[TOKENS]
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return web.Response(status=401, text="Unauthorized")
    try:
        claims = tokens.verify_access_token(header[7:], audience=f"{tokens.issuer}userinfo")
    except InvalidTokenError:
        return web.Response(status=401, text="Unauthorized")
    user = await request.app[SERVICES].store.get_user(claims["sub"])
    if user is None:
        return web.Response(status=401, text="Unauthorized")
    return web.json_response(profile_claims(user))


@routes.get("/.well-known/jwks.json")
async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[TOKENS].jwks())


@routes.get("/.well-known/openid-configuration")
async def openid_configuration(request: web.Request) -> web.Response:
    return web.json_response(request.app[TOKENS].openid_configuration())
