"""The aiohttp application: its resources, entered once in ``cleanup_ctx`` and closed in
reverse order (store, log hub, engine, tokens, flows), its middlewares and its routes."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import structlog
from aiohttp import web

from scriptbridge.api import authentication, logs, reset, stream, users
from scriptbridge.api import connections as connection_api
from scriptbridge.api.audit import management_events
from scriptbridge.api.errors import Handler, error_middleware
from scriptbridge.api.fanout import Fanout
from scriptbridge.api.keys import FANOUT, LOG_HUB, SERVICES, TOKENS
from scriptbridge.connections import Connections
from scriptbridge.engine import Engine, HostModule, LogEvent
from scriptbridge.errors import ScriptParseError, SettingsError
from scriptbridge.logs import LogHub, request_ids
from scriptbridge.migration import Guard, Services, StoreOutbox
from scriptbridge.node.modules import builtin_modules
from scriptbridge.settings import Settings
from scriptbridge.store import SqliteStore
from scriptbridge.tokens import Tokens

_log = structlog.get_logger("scriptbridge.app")
#: How often statistics are saved and connection changes of other processes picked up.
HOUSEKEEPING_SECONDS = 2.0
_scripts = structlog.get_logger("scriptbridge.script")


def create_app(settings: Settings, issuer: str) -> web.Application:
    """The service for ``settings``, answering as ``issuer`` (its public URL, ending in /)."""
    app = web.Application(
        middlewares=[request_ids, _access_log, management_events, error_middleware],
        client_max_size=settings.server.max_body_bytes,
    )
    app.cleanup_ctx.append(_resources(settings, issuer))
    # Before the server waits for the requests in flight: the streams end, so as not to hold
    # the stop up until its timeout.
    app.on_shutdown.append(_end_streams)
    app[FANOUT] = Fanout(stream.encoded)
    app.on_cleanup.append(_close_fanout)
    app.router.add_get("/health", _health)
    app.router.add_routes(authentication.routes)
    app.router.add_routes(reset.routes)
    for management in (users.routes, connection_api.routes, logs.routes):
        app.router.add_routes(management)
    app.router.add_routes(stream.routes)
    return app


@contextlib.asynccontextmanager
async def open_services(settings: Settings, issuer: str) -> AsyncIterator[Services]:
    """The store, the log hub, the engine with every connection loaded, and the flows over
    them, without HTTP: the service's core, which the CLI's operator commands use as well. On
    exit the script statistics are saved and everything is closed, the engine before the
    hub, so that the hub keeps the scripts' last console lines.

    A script that does not parse is a SettingsError naming the connection's scripts.
    """
    async with (
        SqliteStore.open(settings.store.path) as store,
        LogHub(store, settings.logs) as hub,
        Engine(_modules(settings), on_log=_on_log(hub)) as engine,
    ):
        connections = Connections(settings, store, engine)
        try:
            await connections.load()
        except ScriptParseError as error:
            raise _unparsable(settings, len(connections.all()), error) from None
        services = Services(
            store=store,
            engine=engine,
            settings=settings,
            outbox=StoreOutbox(store),
            issuer=issuer,
            guard=Guard(store, settings.server.max_failed_attempts),
            connections=connections,
            log_hub=hub,
        )
        try:
            yield services
        finally:
            await services.flush_stats()


def _unparsable(settings: Settings, index: int, error: ScriptParseError) -> SettingsError:
    """The start-up error for a script of connections[index] that V8 refused, naming its key
    and its file."""
    connection = settings.connections[index]
    key = f"connections[{index}].scripts"
    where = str(error.filename)
    for kind, path in connection.scripts.items():
        if path.name == error.filename:
            key, where = f"{key}.{kind}", str(path)
    if error.line is not None:
        where += f":{error.line}" + ("" if error.column is None else f":{error.column}")
    return SettingsError(settings.source, key, f"{where}: {error.v8_message}")


def _resources(settings: Settings, issuer: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def resources(app: web.Application) -> AsyncIterator[None]:
        async with open_services(settings, issuer) as services:
            app[TOKENS] = await Tokens.open(
                services.store, issuer, settings.server.token_lifetime_seconds
            )
            app[SERVICES] = services
            app[LOG_HUB] = services.log_hub
            _log.info(
                "service_ready", issuer=issuer, connections=[c.name for c in settings.connections]
            )
            housekeeping = asyncio.create_task(_housekeeping(services))
            try:
                yield
            finally:
                housekeeping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await housekeeping

    return resources


async def _housekeeping(services: Services) -> None:
    """Every few seconds: save the script statistics, and pick up connection changes made by
    other processes sharing the store (``scriptbridge migration disconnect``, say)."""
    while True:
        await asyncio.sleep(HOUSEKEEPING_SECONDS)
        try:
            await services.flush_stats()
            for name in await services.connections.refresh():
                _log.info("connection_reloaded", connection=name)
        except Exception:
            _log.exception("housekeeping_failed")


def _modules(settings: Settings) -> tuple[HostModule, ...]:
    outbound = settings.outbound
    return builtin_modules(
        allow_hosts=outbound.allow_hosts,
        deny_hosts=outbound.deny_hosts,
        http_timeout_seconds=outbound.timeout_seconds,
    )


def _on_log(hub: LogHub) -> Callable[[LogEvent], None]:
    """Where each console line of a script goes: the log stream, and the service log."""

    def on_log(event: LogEvent) -> None:
        hub.publish(event)
        _script_log(event)

    return on_log


async def _end_streams(app: web.Application) -> None:
    if LOG_HUB in app:
        app[LOG_HUB].close_subscriptions()


async def _close_fanout(app: web.Application) -> None:
    app[FANOUT].close()


def _script_log(event: LogEvent) -> None:
    _scripts.info(
        "script_console",
        level=event.level,
        message=event.message,
        connection=event.connection,
        kind=event.kind,
        invocation_id=event.invocation_id,
    )


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@web.middleware
async def _access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as http:
        status = http.status
        raise
    finally:
        _log.info(
            "request",
            method=request.method,
            path=request.path,
            status=status,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )


@dataclass(frozen=True)
class Listening:
    """A running service: the URL it answers on, and its application."""

    url: str
    app: web.Application


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Listening]:
    """The service, answering on its socket. On exit it stops taking
    connections, lets requests in flight finish, and closes the engine and the store.

    The socket is bound first, so that with port 0 the issuer names the port chosen.
    """
    server = settings.server
    family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
    sock = socket.create_server((server.host, server.port), family=family)
    port = sock.getsockname()[1]
    # In-flight requests may be waiting on a script; give them its whole time limit.
    grace = max((c.timeout_seconds for c in settings.connections), default=20.0) + 5.0
    application = create_app(settings, settings.server.public_url(port))
    runner = web.AppRunner(
        application,
        handle_signals=False,
        access_log=None,
        shutdown_timeout=grace,
        # Room for the longest search query (search.MAX_LENGTH) in a URL.
        max_line_size=32768,
    )
    try:
        await runner.setup()
        await web.SockSite(runner, sock).start()
        host = f"[{server.host}]" if family == socket.AF_INET6 else server.host
        yield Listening(f"http://{host}:{port}/", application)
    finally:
        await runner.cleanup()
        sock.close()


async def serve(settings: Settings, on_listening: Callable[[str], None]) -> None:
    """Run the service until SIGINT or SIGTERM; ``on_listening`` gets its URL once it
    answers."""
    async with running(settings) as listening:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        on_listening(listening.url)
        await stop.wait()
        _log.info("service_stopping")
