"""Auth0's sapi/fapi tenant events: every Management API call that changes something (POST,
PATCH, DELETE) is recorded, as a success or a failure with its reason."""

from __future__ import annotations

import json

from aiohttp import web

from scriptbridge.api.errors import Handler
from scriptbridge.api.keys import SERVICES
from scriptbridge.migration import Caller

_CHANGES = frozenset({"POST", "PATCH", "DELETE", "PUT"})


@web.middleware
async def management_events(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Record the outcome of a changing Management API call. Sits inside the error
    middleware, so it sees the rendered answer, failures included."""
    response = await handler(request)
    if request.method not in _CHANGES or not request.path.startswith("/api/v2/"):
        return response
    if response.status in (401, 403):  # no valid caller: nothing happened, nobody to name
        return response
    services = request.app.get(SERVICES)
    if services is None:
        return response
    failed = response.status >= 400
    description = f"{request.method} {request.path}"
    body = response.body if isinstance(response, web.Response) else None
    if failed and isinstance(body, bytes | bytearray):
        try:
            message = json.loads(body).get("message")
        except (ValueError, TypeError, AttributeError):
            message = None
        if message:
            description += f": {message}"
    target = request.match_info.get("id")
    user_id = target if request.path.startswith("/api/v2/users/") else None
    live = services.connections.by_id(target or "") if "/connections/" in request.path else None
    await services.event(
        "fapi" if failed else "sapi",
        Caller(ip=request.remote or "unknown", user_agent=request.headers.get("User-Agent")),
        connection=None if live is None else live.settings.name,
        user_id=user_id,
        description=description,
        details={"status": response.status},
    )
    return response
