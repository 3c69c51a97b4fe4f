"""One middleware renders every error in the shape of the API that was called.

- OAuth endpoints (``/oauth/*``, ``/userinfo``): ``{"error", "error_description"}``;
- ``/dbconnections/*``: Auth0's classic ``{"name", "code", "description", "statusCode"}``;
- the Management API (``/api/v2/*``) and the log stream (``/logs/*``): ``{"statusCode",
  "error", "message", "errorCode"}``.

An unexpected exception is logged with its traceback and answered with a 500 in the same
shape that says nothing about its cause.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Literal

import structlog
from aiohttp import web

from scriptbridge.errors import ApiError, InvalidPasswordError

_log = structlog.get_logger("scriptbridge.api")

Family = Literal["oauth", "classic", "management"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def family(path: str) -> Family:
    if path.startswith(("/api/v2/", "/logs/")):
        return "management"
    if path.startswith("/dbconnections/"):
        return "classic"
    return "oauth"


def render(error: ApiError, shape: Family) -> web.Response:
    body: dict[str, Any]
    if shape == "oauth":
        body = {"error": error.code, "error_description": error.description}
    elif shape == "classic":
        body = {
            "name": error.name,
            "code": error.code,
            "description": error.description,
            "statusCode": error.status,
        }
        if isinstance(error, InvalidPasswordError):
            body.update(
                message=error.description,
                description={"rules": error.rules, "verified": False},
                policy=error.policy,
            )
    else:
        body = {
            "statusCode": error.status,
            "error": HTTPStatus(error.status).phrase,
            "message": error.description,
            "errorCode": error.code,
        }
    return web.json_response(body, status=error.status)


class _HttpError(ApiError):
    """aiohttp's own refusals (unknown path, wrong method, body too large), re-shaped."""

    def __init__(self, status: int, code: str, description: str) -> None:
        self.status = status
        self.code = code
        self.name = HTTPStatus(status).phrase.replace(" ", "") + "Error"
        super().__init__(description)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    shape = family(request.path)
    try:
        return await handler(request)
    except ApiError as error:
        return render(error, shape)
    except web.HTTPException as http:
        if http.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            http.status, "invalid_request"
        )
        return render(_HttpError(http.status, code, http.reason), shape)
    except Exception:
        _log.exception("request_failed", method=request.method, path=request.path)
        return render(
            _HttpError(500, "server_error", "Internal error; the service log has the details."),
            shape,
        )
