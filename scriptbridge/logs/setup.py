"""structlog, configured once for the whole process: the service's own lines, and those of the
libraries that log through the standard library (aiohttp, asyncio), on one stream.

Every line has an ISO timestamp (UTC), a level, an event name and the ids bound with
:mod:`structlog.contextvars` (the request's ``request_id``, a script invocation's
``invocation_id``; see :mod:`scriptbridge.logs.context`). A stream that is not a terminal gets
one JSON object per line, for machines; a terminal gets structlog's readable console lines.
"""

from __future__ import annotations

import logging
from typing import Final, TextIO

import structlog
from structlog.typing import Processor

__all__ = ["configure_logging"]

#: The standard library's loggers (aiohttp's, asyncio's) are heard from this level up.
STDLIB_LEVEL: Final = logging.WARNING

#: The handler configure_logging put on the root logger, replaced when it is called again.
_handler: logging.Handler | None = None


def configure_logging(
    stream: TextIO, *, json: bool | None = None, level: int = logging.NOTSET
) -> None:
    """Send every log line of the process to ``stream``: as JSON lines when ``json`` is true,
    as console lines when it is false, and when it is None as JSON unless ``stream`` is a
    terminal. Lines below ``level`` are left out (NOTSET: none is).

    Called once at start-up; calling it again replaces the configuration (tests do).
    """
    if json is None:
        json = not stream.isatty()
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if json:
        # Tracebacks become one string field, so that a line stays one JSON object.
        renderer = structlog.processors.JSONRenderer()
        formatting: list[Processor] = [
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
        ]
    else:
        # The console renderer formats exceptions itself, and wants them unformatted.
        renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty())
        formatting = [structlog.processors.StackInfoRenderer()]
    structlog.configure(
        processors=[*shared, structlog.dev.set_exc_info, *formatting, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=stream),
        context_class=dict,
        # Not cached: the command line sets the level per command, and tests reconfigure.
        cache_logger_on_first_use=False,
    )
    _route_stdlib(stream, shared, formatting, renderer)


def _route_stdlib(
    stream: TextIO,
    shared: list[Processor],
    formatting: list[Processor],
    renderer: Processor,
) -> None:
    """The standard library's records, from warnings up, rendered as structlog's lines."""
    global _handler
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *formatting,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(STDLIB_LEVEL)
    _handler = handler
