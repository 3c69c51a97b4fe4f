"""The ids that tie log lines together, bound with :mod:`structlog.contextvars` so that every
line logged while they are bound carries them.

- ``request_id``: the :func:`request_ids` middleware binds one per HTTP request, and answers
  it in the ``X-Request-Id`` header, so that a client can quote it. A caller's own
  ``X-Request-Id`` is kept when it is a sane token, else a fresh one is made.
- ``invocation_id``: :func:`invocation` binds a script invocation's.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

import structlog
from aiohttp import web

__all__ = ["REQUEST_ID_HEADER", "invocation", "request_ids"]

REQUEST_ID_HEADER: Final = "X-Request-Id"
#: A caller's request id is kept when it is this: short, and safe in a header and a log line.
_SANE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_request_id() -> str:
    """16 random hex digits."""
    return secrets.token_hex(8)


@web.middleware
async def request_ids(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Bind the request's ``request_id`` while it is handled, and answer it in
    ``X-Request-Id``. It must be the outermost middleware, so that the error middleware's
    answers and the access log line carry it too."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _SANE.fullmatch(incoming) else new_request_id()
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        try:
            response = await handler(request)
        except web.HTTPException as http:  # a redirect, say: the error middleware passes it
            http.headers[REQUEST_ID_HEADER] = request_id
            raise
    # A streamed response (Server-Sent Events) has sent its headers already.
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


@contextlib.contextmanager
def invocation(invocation_id: str | None) -> Iterator[None]:
    """Bind a script invocation's ``invocation_id`` (nothing when it has none: the
    invocation never started)."""
    if invocation_id is None:
        yield
        return
    with structlog.contextvars.bound_contextvars(invocation_id=invocation_id):
        yield
