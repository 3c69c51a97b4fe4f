"""The password-reset page a ticket URL opens: ``GET /lo/reset?ticket=`` shows a form, and a
form-encoded ``POST /lo/reset`` with ``ticket``, ``newPassword`` and ``confirmNewPassword`` (as
Auth0's page sends) completes the ticket."""

from __future__ import annotations

import html
from typing import Final

from aiohttp import web

from scriptbridge import migration
from scriptbridge.api.body import read_fields
from scriptbridge.api.keys import SERVICES
from scriptbridge.errors import ApiError, InvalidPasswordError, InvalidRequestError
from scriptbridge.migration import Caller

routes = web.RouteTableDef()

_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;margin:.4rem 0}}input{{padding:.5rem}}
.error{{color:#b00020}}</style></head>
<body><h1>{title}</h1>{content}</body></html>
"""
_FORM: Final = """<p>Choose a new password for {email}.</p>{error}
<form method="post" action="/lo/reset">
<input type="hidden" name="ticket" value="{ticket}">
<label for="newPassword">New password</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required>
<label for="confirmNewPassword">Confirm new password</label>
<input id="confirmNewPassword" name="confirmNewPassword" type="password"
 autocomplete="new-password" required>
<button type="submit">Reset password</button>
</form>"""


def _page(title: str, content: str, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        content_type="text/html",
        text=_PAGE.format(title=html.escape(title), content=content),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _message(text: str, *, error: bool = False) -> str:
    return f'<p class="{"error" if error else "message"}">{html.escape(text)}</p>'


@routes.get("/lo/reset")
async def show_form(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    try:
        ticket = await migration.usable_ticket(svc, request.query.get("ticket", ""))
    except ApiError as error:
        return _page("Reset password", _message(error.description, error=True), error.status)
    form = _FORM.format(
        email=html.escape(ticket.email), ticket=html.escape(ticket.ticket_id), error=""
    )
    return _page("Reset password", form)


@routes.post("/lo/reset")
async def reset(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    fields = await read_fields(request)
    ticket_id = str(fields.get("ticket", ""))
    try:
        new_password = fields.get("newPassword")
        if not isinstance(new_password, str) or not new_password:
            raise InvalidRequestError("Enter a new password.")
        if fields.get("confirmNewPassword") != new_password:
            raise InvalidRequestError("The two passwords do not match.")
        caller = Caller(
            ip=request.remote or "unknown", user_agent=request.headers.get("User-Agent")
        )
        ticket = await migration.complete_change(svc, ticket_id, new_password, caller)
    except ApiError as error:
        detail = error.description
        if isinstance(error, InvalidPasswordError):
            detail = f"{detail}: {'; '.join(error.rules)}"
        return _page("Reset password", _message(detail, error=True), error.status)
    if ticket.result_url:
        raise web.HTTPFound(ticket.result_url)
    return _page(
        "Password changed", _message("Your password has been changed. You can log in now.")
    )
