"""``scriptbridge logs tail``: follow a running service's log stream, what its scripts print,
on a terminal in colour, or as JSON lines for other programs."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import re
import sys
from typing import Any, Final

from scriptbridge import loop
from scriptbridge.cli._output import print_json
from scriptbridge.cli._parsing import Parser, add_command
from scriptbridge.engine import KINDS
from scriptbridge.logs import LEVELS, DroppedNotice, StreamEvent, StreamQuery, follow, since_seconds

#: Where the client's id and secret may come from instead of the command line.
CLIENT_ID_VARIABLE: Final = "SCRIPTBRIDGE_TAIL_CLIENT_ID"
CLIENT_SECRET_VARIABLE: Final = "SCRIPTBRIDGE_TAIL_CLIENT_SECRET"
DEFAULT_URL: Final = "http://127.0.0.1:8080/"
#: ANSI colours of a line by its level: error red, warn yellow, debug dim.
_COLOURS: Final = {"error": "\x1b[31m", "warn": "\x1b[33m", "debug": "\x1b[2m"}
_RESET: Final = "\x1b[0m"


def add_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    """logs tail."""
    group = commands.add_parser(
        "logs",
        help="follow what a running service's scripts print",
        description="follow what a running service's scripts print",
        allow_abbrev=False,
    )
    subcommands = group.add_subparsers(
        dest="subcommand", metavar="SUBCOMMAND", required=True, parser_class=Parser
    )
    tail = add_command(
        subcommands,
        "tail",
        _cmd_logs_tail,
        summary="follow the log stream of a running service",
        description=(
            "Follow the log stream of a running scriptbridge service (GET /logs/stream): each "
            "console.log, console.warn, ... of its scripts and each uncaught script error, as "
            "it happens. On a terminal each event is one line, HH:MM:SS.mmm (local time) LEVEL "
            "connection/script subject message, coloured by level; otherwise, or with --json, "
            "it is the event's JSON object, one per line. It asks the service for a Management "
            "API token with the client's credentials (the client needs the read:logs scope). "
            "When the stream breaks (the service restarts, the network drops) it connects "
            "again, resuming after the last event printed, so that no event is lost or printed "
            "twice; a service it cannot reach is tried again, with a notice on stderr each "
            "time. Events the service dropped because the stream fell behind are counted on "
            "stderr. It runs until Ctrl-C. Exit status: 0 after Ctrl-C; 1 when the service "
            "refuses the credentials or the stream; 2 for a usage problem."
        ),
        example=(
            f"{CLIENT_SECRET_VARIABLE}=... scriptbridge logs tail --client-id ID "
            "--connection users --level warn --since 10m"
        ),
        script_kinds=False,
    )
    tail.set_defaults(log_level=logging.WARNING)
    tail.add_argument(
        "--url",
        default=DEFAULT_URL,
        metavar="URL",
        help="the service's URL, as serve prints it (default: %(default)s)",
    )
    tail.add_argument(
        "--client-id",
        metavar="ID",
        help=f"the client to ask a token for (default: ${CLIENT_ID_VARIABLE})",
    )
    tail.add_argument(
        "--client-secret",
        metavar="S",
        help=(
            f"the client's secret (default: ${CLIENT_SECRET_VARIABLE}, which is better: other "
            "users of the machine can see a command line)"
        ),
    )
    tail.add_argument("--connection", metavar="NAME", help="only this connection's events")
    tail.add_argument(
        "--script",
        choices=KINDS,
        metavar="KIND",
        help=f"only the events of this kind of script, one of {', '.join(KINDS)}",
    )
    tail.add_argument(
        "--level",
        choices=LEVELS,
        metavar="L",
        help=f"only events of this level or above, one of {', '.join(LEVELS)} (default: all)",
    )
    tail.add_argument(
        "--grep",
        metavar="TEXT",
        help="only events whose message contains TEXT, in any case",
    )
    tail.add_argument(
        "--since",
        type=_since,
        metavar="DURATION",
        help=(
            "first replay the events of this recent past, such as 30s, 10m, 2h or 1d, or "
            "those after this event id (default: only new events)"
        ),
    )
    tail.add_argument(
        "--json",
        action="store_true",
        help="print each event as one JSON object per line, even on a terminal",
    )


def _since(text: str) -> str:
    if since_seconds(text) is None and not re.fullmatch(r"\d+", text):
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 30s, 10m, 2h or 1d, or an event id, got {text!r}"
        )
    return text


def _cmd_logs_tail(args: argparse.Namespace) -> int:
    command: argparse.ArgumentParser = args.parser
    url = args.url if args.url.endswith("/") else f"{args.url}/"
    if not re.match(r"https?://[^/]", url):
        command.error(f"argument --url: expected an http:// or https:// URL, got {args.url!r}")
    client_id = args.client_id or os.environ.get(CLIENT_ID_VARIABLE)
    if not client_id:
        command.error(f"a client is needed: pass --client-id ID or set {CLIENT_ID_VARIABLE}")
    secret = args.client_secret or os.environ.get(CLIENT_SECRET_VARIABLE)
    if not secret:
        command.error(
            f"the client's secret is needed: set {CLIENT_SECRET_VARIABLE} or pass --client-secret"
        )
    filters = StreamQuery(
        connection=args.connection,
        script=args.script,
        level=args.level,
        q=args.grep,
        since=args.since,
    )
    readable = not args.json and sys.stdout.isatty()
    colour = readable and not os.environ.get("NO_COLOR")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it ends
        loop.run(_tail(command.prog, url, client_id, secret, filters, readable, colour))
    return 0


async def _tail(
    prog: str,
    url: str,
    client_id: str,
    secret: str,
    filters: StreamQuery,
    readable: bool,
    colour: bool,
) -> None:
    def notice(text: str) -> None:
        print(f"{prog}: {text}", file=sys.stderr, flush=True)

    async for item in follow(url, client_id, secret, filters, notice=notice):
        if isinstance(item, DroppedNotice):
            were = "event was" if item.count == 1 else "events were"
            notice(f"{item.count} {were} dropped: the stream fell behind")
        elif readable:
            print(render_line(item, colour=colour), flush=True)
        else:
            print_json(item.fields)


def render_line(entry: StreamEvent, *, colour: bool) -> str:
    """``HH:MM:SS.mmm LEVEL connection/script subject message``, in local time; coloured by
    level with ``colour``."""
    fields = entry.fields
    level = str(fields.get("level") or "info")
    line = " ".join(
        [
            _local_time(fields.get("time")),
            f"{level.upper():<5}",
            f"{fields.get('connection') or '-'}/{fields.get('script') or '-'}",
            str(fields.get("subject") or "-"),
            str(fields.get("message", "")),
        ]
    )
    if colour and level in _COLOURS:
        return f"{_COLOURS[level]}{line}{_RESET}"
    return line


def _local_time(value: Any) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.astimezone().strftime("%H:%M:%S.%f")[:-3]
