"""Management API access: a bearer token this service issued for ``<issuer>api/v2/``, whose
scopes include the one the endpoint needs.

Only client_credentials tokens carry Management API scopes. An end user can ask the password
grant for any audience and scope, so the scopes of a user's token grant nothing here (Auth0
gives users' tokens only the ``*:current_user`` scopes, which no endpoint here takes)."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from scriptbridge.api.keys import TOKENS
from scriptbridge.errors import (
    BadTokenError,
    InsufficientScopeError,
    InvalidTokenError,
    MissingAuthenticationError,
)

#: ``gty`` of the tokens the client_credentials grant issues.
_MACHINE: Final = "client-credentials"


def authorize(request: web.Request, scope: str) -> dict[str, Any]:
    """The token's claims; 401 without a valid token, 403 without ``scope``."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer " or not header[7:].strip():
        raise MissingAuthenticationError()
    tokens = request.app[TOKENS]
    try:
        claims = tokens.verify_access_token(header[7:].strip(), audience=f"{tokens.issuer}api/v2/")
    except InvalidTokenError as invalid:
        raise BadTokenError(invalid.reason) from None
    granted = str(claims.get("scope", "")).split() if claims.get("gty") == _MACHINE else []
    if scope not in granted:
        raise InsufficientScopeError(scope)
    return claims
