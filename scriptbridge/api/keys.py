"""What the application keeps for its handlers, one typed key each."""

from __future__ import annotations

from aiohttp import web

from scriptbridge.migration import Services
from scriptbridge.tokens import Tokens

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
TOKENS: web.AppKey[Tokens] = web.AppKey("tokens", Tokens)
