"""What the application keeps for its handlers, one typed key each."""

from __future__ import annotations

from aiohttp import web

from scriptbridge.api.fanout import Fanout
from scriptbridge.logs import LogHub
from scriptbridge.migration import Services
from scriptbridge.tokens import Tokens

FANOUT: web.AppKey[Fanout] = web.AppKey("fanout", Fanout)
LOG_HUB: web.AppKey[LogHub] = web.AppKey("log_hub", LogHub)
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
TOKENS: web.AppKey[Tokens] = web.AppKey("tokens", Tokens)
