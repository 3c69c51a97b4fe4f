"""The ``scriptbridge`` command line; the only module that prints.

One function per command (``_cmd_try``, ``_cmd_bench``, ...), registered in :func:`build_parser`;
the operator commands (``migration ...``, ``users ...``) leave their work and their tables to
:mod:`scriptbridge.operator` and print what it returns.
Options that describe one script invocation are declared once, in
:func:`_add_invocation_arguments`, and turned into an :class:`_Invocation` once, in
:func:`_invocation`. A usage problem is reported on one line of stderr and exits 2.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import math
import os
import sys
import textwrap
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, NoReturn, TypeVar, get_args

import structlog

from scriptbridge import __version__, app, loop, operator
from scriptbridge.demo import ensure_embedded_demo
from scriptbridge.engine import (
    ARGUMENTS,
    KINDS,
    ConnectionSpec,
    Engine,
    Limits,
    LogEvent,
    Outcome,
    ScriptKind,
    Status,
    load_script,
)
from scriptbridge.errors import (
    QueryError,
    ScriptbridgeError,
    ScriptFileError,
    ScriptParseError,
    SettingsError,
)
from scriptbridge.node.modules import builtin_modules
from scriptbridge.search import parse_user_query
from scriptbridge.settings import Settings, load_settings, with_overrides
from scriptbridge.store import Page

T = TypeVar("T")
_STATUSES: Final[tuple[Status, ...]] = get_args(Status)
_FAILED: Final[frozenset[Status]] = frozenset({"error", "timeout"})
#: Metavariables of the kinds' arguments where the argument's name alone would mislead.
_METAVARS: Final[Mapping[str, str]] = {"user": "USER_JSON"}


def _metavars(kind: ScriptKind) -> list[str]:
    return [_METAVARS.get(name, name.upper()) for name in ARGUMENTS[kind]]


# -- parsing ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports a usage problem on one line of stderr and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {' '.join(message.splitlines())}\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: one subparser per command, each with its handler."""
    parser = _Parser(
        prog="scriptbridge",
        description=(
            "Run Auth0 custom-database action scripts unchanged, in embedded V8, to migrate "
            "users off a legacy store."
        ),
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"scriptbridge {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    try_parser = _add_command(
        commands,
        "try",
        _cmd_try,
        summary="run one action script once and print its outcome as JSON",
        description=(
            "Run one action script the way the service would, and print its outcome as one "
            'JSON object on stdout: {"outcome", "result", "error", "logs", "elapsed_ms"}, '
            'where outcome is "result", "no_result", "error" or "timeout". The script\'s '
            "console lines are in logs, never on stdout. Exit status: 0 for result or "
            "no_result, 1 for error or timeout, 2 for a usage problem."
        ),
        example=(
            "scriptbridge try fixtures/scripts/login_demo.js --kind login "
            "-- jane@example.com 'correct horse'"
        ),
    )
    _add_invocation_arguments(try_parser)
    try_parser.add_argument(
        "--repeat",
        type=_whole_number(1),
        default=1,
        metavar="N",
        help=(
            "invoke the script N times in one runner, so its `global` persists between "
            "invocations; prints one JSON object per line (default: 1)"
        ),
    )

    bench_parser = _add_command(
        commands,
        "bench",
        _cmd_bench,
        summary="invoke an action script many times concurrently and print throughput",
        description=(
            "Invoke one action script COUNT times with CONCURRENCY invocations in flight, "
            'and print one JSON object on stdout: {"count", "concurrency", "runners", '
            '"wall_s", "per_second", "p50_ms", "p99_ms", "outcomes"}. Latencies are wall '
            "times measured around each invocation; the script's console lines are "
            "discarded. A progress bar goes to stderr when it is a terminal. Exit status: 0, "
            "or 2 for a usage problem."
        ),
        example=(
            "scriptbridge bench fixtures/scripts/timer_login.js --kind login "
            "--count 10000 --concurrency 500 -- jane@example.com secret"
        ),
    )
    _add_invocation_arguments(bench_parser)
    bench_parser.add_argument(
        "--count",
        type=_whole_number(1),
        required=True,
        metavar="N",
        help="how many invocations to run in all",
    )
    bench_parser.add_argument(
        "--concurrency",
        type=_whole_number(1),
        required=True,
        metavar="C",
        help="how many invocations to keep in flight at once",
    )
    bench_parser.add_argument(
        "--runners",
        type=_whole_number(0),
        default=0,
        metavar="R",
        help="V8 runners (one isolate and thread each); 0 means one per CPU core (default: 0)",
    )
    _add_serve_command(commands)
    _add_migration_commands(commands)
    _add_users_commands(commands)
    return parser


def _add_serve_command(commands: argparse._SubParsersAction[_Parser]) -> None:
    serve_parser = _add_command(
        commands,
        "serve",
        _cmd_serve,
        summary="run the migration service (Auth0's Authentication API over your scripts)",
        description=(
            "Run the migration service: users of the legacy store move into scriptbridge's "
            "store the first time they log in, sign up or reset their password, through the "
            "connections' action scripts. Prints the URL it listens on, then serves until "
            "SIGINT or SIGTERM, when it lets requests in flight finish and closes the store. "
            "Without --config it runs the embedded demo: the store ./scriptbridge.db, and a "
            "demo legacy store ./legacy-demo.db read by scripts/login.js and "
            "scripts/get_user.js. Exit status: 0 after a clean shutdown, 2 for an unusable "
            "configuration or script, 1 when it cannot listen."
        ),
        example="scriptbridge serve --config scriptbridge.toml --port 8080",
        script_kinds=False,
    )
    serve_parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the TOML settings file (default: the embedded demo configuration)",
    )
    serve_parser.add_argument(
        "--host", metavar="H", help="address to listen on (default: [server] host, 127.0.0.1)"
    )
    serve_parser.add_argument(
        "--port",
        type=_whole_number(0),
        metavar="P",
        help="port to listen on; 0 picks a free one (default: [server] port, 8080)",
    )


def _add_command(
    commands: argparse._SubParsersAction[_Parser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    summary: str,
    description: str,
    example: str,
    script_kinds: bool = True,
) -> argparse.ArgumentParser:
    """A command; ``script_kinds`` lists each kind's arguments in its help."""
    epilog = _KINDS_EPILOG if script_kinds else "example:\n  {example}"
    parser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=78),
        epilog=epilog.format(example=example),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.set_defaults(handler=handler, parser=parser)
    return parser


def _add_invocation_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of one script invocation, shared by try and bench."""
    parser.add_argument("script", type=Path, metavar="SCRIPT.js", help="the action script file")
    parser.add_argument(
        "--kind",
        required=True,
        choices=KINDS,
        metavar="KIND",
        help=f"which action script it is: {', '.join(KINDS)}",
    )
    parser.add_argument(
        "--configuration",
        type=_key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a value of the script's global `configuration` object; repeat for more",
    )
    parser.add_argument(
        "--context",
        type=_json_object,
        metavar="JSON",
        help=(
            "a JSON object passed as Auth0's `context` argument, before the callback; "
            "giving it declares that the script takes one"
        ),
    )
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=Limits().timeout_seconds,
        metavar="S",
        help="seconds the script has to call back (default: %(default)g, as in Auth0)",
    )
    parser.add_argument(
        "--node-modules",
        type=_existing_directory,
        metavar="DIR",
        help=(
            "a node_modules directory (npm install ... next to your scripts): require() loads "
            "its pure-JavaScript packages after scriptbridge's own modules"
        ),
    )
    parser.add_argument(
        "--node12-globals",
        action="store_true",
        help=(
            "predefine the module globals of Auth0's Node 12 runtime (bcrypt, crypto, mysql, "
            "pg, postgres, request, _, uuid, querystring), for scripts that use them "
            "without require()"
        ),
    )
    parser.add_argument(
        "script_args",
        nargs="*",
        metavar="ARG",
        help="the script's arguments before the callback, by kind (see below); put them after --",
    )


_KINDS_EPILOG: Final = (
    "arguments by kind:\n"
    + "".join(f"  {kind:<16} {' '.join(_metavars(kind))}\n" for kind in KINDS)
    + "  USER_JSON is a JSON object; VERIFIED is true or false.\n\n"
    "example:\n  {example}"
)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, not {_json_type(value)}")
    return value


def _whole_number(minimum: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number of at least {minimum}, got {text!r}"
            )
        return value

    return convert


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _existing_directory(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        why = "is not a directory" if path.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"{text} {why}")
    return path


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


# -- one invocation, as try and bench run it ---------------------------------------------------


@dataclass(frozen=True)
class _Invocation:
    """A script invocation as the command line describes it."""

    spec: ConnectionSpec
    kind: ScriptKind
    args: tuple[Any, ...]
    context: dict[str, Any] | None


def _invocation(args: argparse.Namespace, *, runners: int) -> _Invocation:
    """Check the script and its arguments; a problem is a usage error (exit 2)."""
    parser: argparse.ArgumentParser = args.parser
    kind: ScriptKind = args.kind
    names, texts = ARGUMENTS[kind], args.script_args
    if len(texts) != len(names):
        plural = "" if len(names) == 1 else "s"
        parser.error(
            f"{kind} takes {len(names)} argument{plural} ({' '.join(_metavars(kind))}), "
            f"got {len(texts)}"
        )
    try:
        values = tuple(_script_argument(n, t) for n, t in zip(names, texts, strict=True))
    except ValueError as exc:
        parser.error(f"{kind}'s {exc}")
    try:
        script = load_script(args.script, kind)
    except ScriptFileError as exc:
        parser.error(str(exc))
    spec = ConnectionSpec(
        name=args.command,
        scripts={kind: script},
        configuration=dict(args.configuration),
        context_argument=args.context is not None,
        limits=Limits(timeout_seconds=args.timeout),
        runners=runners,
        node_modules=args.node_modules,
        node12_globals=args.node12_globals,
    )
    return _Invocation(spec, kind, values, args.context)


def _script_argument(name: str, text: str) -> Any:
    """Convert one positional argument to the JSON value the script receives."""
    if name == "user":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"USER_JSON is not valid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise ValueError(f"USER_JSON must be a JSON object, not {_json_type(value)}")
        return value
    if name == "verified":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"VERIFIED must be true or false, got {text!r}")
        return text.lower() == "true"
    return text


# -- commands --------------------------------------------------------------------------------


def _cmd_try(args: argparse.Namespace) -> int:
    invocation = _invocation(args, runners=1)
    failed = loop.run(_try(invocation, args.repeat))
    return 1 if failed else 0


async def _try(invocation: _Invocation, repeat: int) -> bool:
    """Print each outcome as it comes; True when any of them is an error or a timeout."""
    failed = False
    strays = _StrayLogs()
    async with Engine(host_modules=builtin_modules(), on_log=strays.add) as engine:
        await engine.load(invocation.spec)
        for _ in range(repeat):
            outcome = await engine.invoke(
                invocation.spec.name,
                invocation.kind,
                list(invocation.args),
                context=invocation.context,
            )
            _print_json(outcome.as_json())
            strays.report(outcome)
            failed = failed or outcome.status in _FAILED
    return failed


class _StrayLogs:
    """Console lines in no outcome's logs, such as those logged after the callback, and the
    engine's warning that a script called back twice: try shows them on stderr."""

    def __init__(self) -> None:
        self._events: list[LogEvent] = []

    def add(self, event: LogEvent) -> None:
        self._events.append(event)

    def report(self, outcome: Outcome) -> None:
        """Show the lines seen since the last outcome that are not in this one's logs."""
        kept = {id(event) for event in outcome.logs}
        for event in self._events:
            if id(event) not in kept:
                print(
                    f"scriptbridge try: logged after the outcome ({event.level}): {event.message}",
                    file=sys.stderr,
                )
        self._events.clear()


def _cmd_serve(args: argparse.Namespace) -> int:
    command: argparse.ArgumentParser = args.parser
    try:
        settings = with_overrides(
            load_settings(args.config, os.environ), host=args.host, port=args.port
        )
        if ensure_embedded_demo(settings):
            print("scriptbridge serve: built the demo legacy store", file=sys.stderr)
        loop.run(app.serve(settings, lambda url: print(url, flush=True)))
    except SettingsError as exc:
        command.exit(2, f"{command.prog}: {exc}\n")
    except ScriptbridgeError:
        raise
    except OSError as exc:
        command.exit(1, f"{command.prog}: cannot listen: {exc.strerror or exc}\n")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    invocation = _invocation(args, runners=args.runners)
    _print_json(loop.run(_bench(invocation, args.count, args.concurrency)))
    return 0


async def _bench(invocation: _Invocation, count: int, concurrency: int) -> dict[str, Any]:
    """Run ``count`` invocations from ``concurrency`` workers; return the summary."""
    latencies_ms: list[float] = []
    outcomes = dict.fromkeys(_STATUSES, 0)
    progress = _Progress(count, sys.stderr)
    tickets = iter(range(count))  # shared: each worker takes the next ticket until none is left

    async with Engine(host_modules=builtin_modules(), on_log=None) as engine:
        await engine.load(invocation.spec)
        runners = engine.runners(invocation.spec.name)

        async def worker() -> None:
            for _ in tickets:
                started = time.perf_counter()
                outcome = await engine.invoke(
                    invocation.spec.name,
                    invocation.kind,
                    list(invocation.args),
                    context=invocation.context,
                )
                latencies_ms.append((time.perf_counter() - started) * 1000)
                outcomes[outcome.status] += 1
                progress.update(len(latencies_ms))

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, count)):
                group.create_task(worker())
        wall_s = time.perf_counter() - started
        progress.close()

    latencies_ms.sort()
    return {
        "count": count,
        "concurrency": concurrency,
        "runners": runners,
        "wall_s": round(wall_s, 3),
        "per_second": round(count / wall_s, 1) if wall_s > 0 else None,
        "p50_ms": round(_percentile(latencies_ms, 50), 3),
        "p99_ms": round(_percentile(latencies_ms, 99), 3),
        "outcomes": outcomes,
    }


def _percentile(ordered: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of an ascending, non-empty sequence."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


class _Progress:
    """``\\r[#####.....] 5000/10000`` on a terminal, redrawn at most ten times a second."""

    WIDTH: Final = 30
    INTERVAL_S: Final = 0.1

    def __init__(self, total: int, stream: IO[str]) -> None:
        self._total = total
        self._stream = stream
        self._enabled = stream.isatty()
        self._next_draw = 0.0

    def update(self, done: int) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if now < self._next_draw and done < self._total:
            return
        self._next_draw = now + self.INTERVAL_S
        filled = self.WIDTH * done // self._total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._stream.write(f"\r[{bar}] {done}/{self._total}")
        self._stream.flush()

    def close(self) -> None:
        if self._enabled:
            self._stream.write("\n")
            self._stream.flush()


# -- operator commands: migration status|disconnect, users list|search|show|delete -------------

#: The exit status of an operator command whose connection or user does not exist, or whose
#: question was answered no.
_NOT_DONE: Final = 1
_NO_CONNECTION: Final = "1 when no connection has the name given"
_NO_USER: Final = "1 when there is no such user"
_PRINT_JSON: Final = "print {what} as one JSON object{per}, as {api} answers, instead of the table"


def _add_migration_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    group = _add_group(
        commands,
        "migration",
        "show a migration's progress, or end it by disconnecting the legacy store",
    )
    status = _add_operator_command(
        group,
        "status",
        _cmd_migration_status,
        summary="show each connection's migration progress",
        description=(
            "Show the migration progress of each connection, or of the one --connection "
            "names: a progress bar of the legacy store's users migrated, when the connection "
            "has a count_users script (a scriptbridge extension: function countUsers(callback), "
            "calling back with the number of legacy users); the users in the store by how they "
            "came (the login script, the get_user script on a password reset, native signup); "
            "the last migration's time; the scripts' invocations, errors and timeouts per kind; "
            "the users migrated on each of the last 7 days. It runs the count_users scripts."
        ),
        exit_status=f"0; {_NO_CONNECTION}",
        example="scriptbridge migration status --config scriptbridge.toml",
    )
    status.add_argument("--connection", metavar="NAME", help="only this connection (default: all)")
    status.add_argument(
        "--json",
        action="store_true",
        help=_PRINT_JSON.format(
            what="each connection's status",
            per=" per line",
            api="GET /api/v2/connections/{id}/migration",
        ),
    )
    disconnect = _add_operator_command(
        group,
        "disconnect",
        _cmd_migration_disconnect,
        summary="end a connection's migration: stop asking the legacy store",
        description=(
            "End a connection's migration: set its login and get_user scripts to the no-op "
            "stubs of Auth0's migration guide (scripts/noop/), keep import mode on, and record "
            "a tenant log event (sapi). Migrated users then log in as before; users only the "
            'legacy store knows get "Wrong email or password." and can sign up anew. It prints '
            "the status first and asks for confirmation on a terminal (without one, --yes is "
            "required). The change is saved in the store: a running `scriptbridge serve` on the "
            "same store picks it up within a few seconds."
        ),
        exit_status=f"0 when disconnected (or it already was); {_NO_CONNECTION}, or the "
        "answer is no",
        example="scriptbridge migration disconnect --config scriptbridge.toml --connection users",
    )
    disconnect.add_argument(
        "--connection", required=True, metavar="NAME", help="the connection to disconnect"
    )
    _add_yes_option(disconnect, "disconnect")


def _add_users_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    group = _add_group(commands, "users", "list, search, show or delete the users of the store")
    listing = _add_operator_command(
        group,
        "list",
        _cmd_users_list,
        summary="list the users, a page at a time",
        description=(
            "List the users of scriptbridge's store, oldest first, a page at a time: user_id, "
            "email, username, migrated_by (login, get_user, native or legacy), created_at and "
            "last_login (UTC), logins_count, blocked."
        ),
        exit_status=f"0; {_NO_CONNECTION}",
        example="scriptbridge users list --config scriptbridge.toml --page 1",
    )
    _add_page_options(listing)
    search = _add_operator_command(
        group,
        "search",
        _cmd_users_list,
        summary="search the users with Auth0's query syntax",
        description=(
            "Search the users with a query in Auth0's user search syntax (Lucene, search "
            'engine v3): field:value, "quoted phrases", * and ? wildcards, AND, OR, NOT, ranges '
            "such as logins_count:[2 TO *] or created_at:[2024-01-01 TO *], _exists_:field, "
            "user_metadata.plan:pro. A query starting with - is taken for an option: write NOT "
            "field:value. A query scriptbridge cannot run is a usage problem. The table is as "
            "users list's."
        ),
        exit_status=f"0; {_NO_CONNECTION}",
        example="scriptbridge users search 'email:*@example.com AND logins_count:[2 TO *]'",
    )
    search.add_argument("query", metavar="QUERY", help="the query (quoted for the shell)")
    _add_page_options(search)
    show = _add_operator_command(
        group,
        "show",
        _cmd_users_show,
        summary="show every field of one user",
        description=(
            "Show one user: every field as the Management API shows it (never the password "
            "hash), with its connection and how it came."
        ),
        exit_status=f"0; {_NO_USER}",
        example="scriptbridge users show 'auth0|1001'",
    )
    _add_user_id_argument(show)
    show.add_argument(
        "--json",
        action="store_true",
        help=_PRINT_JSON.format(what="the user", per="", api="GET /api/v2/users/{id}"),
    )
    delete = _add_operator_command(
        group,
        "delete",
        _cmd_users_delete,
        summary="delete one user (in legacy mode from the legacy store too)",
        description=(
            "Delete one user as DELETE /api/v2/users/{id} does: in legacy mode the connection's "
            "delete script removes it from the legacy store first, and a failing script keeps "
            "the user; in import mode the legacy store keeps its record, so the user migrates "
            "again at the next login unless the connection is disconnected. It shows the user "
            "and asks for confirmation on a terminal (without one, --yes is required)."
        ),
        exit_status=f"0 when deleted; {_NO_USER}, the answer is no, or the delete script fails",
        example="scriptbridge users delete 'auth0|1001' --yes",
    )
    _add_user_id_argument(delete)
    _add_yes_option(delete, "delete")


def _add_group(
    commands: argparse._SubParsersAction[_Parser], name: str, summary: str
) -> argparse._SubParsersAction[_Parser]:
    """A command made of subcommands (``scriptbridge migration status``)."""
    parser = commands.add_parser(name, help=summary, description=summary, allow_abbrev=False)
    return parser.add_subparsers(
        dest="subcommand", metavar="SUBCOMMAND", required=True, parser_class=_Parser
    )


def _add_operator_command(
    commands: argparse._SubParsersAction[_Parser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    summary: str,
    description: str,
    exit_status: str,
    example: str,
) -> argparse.ArgumentParser:
    """A command over the store and connections of a configuration. Library log lines below
    warnings are left out, so that what it prints is its own."""
    parser = _add_command(
        commands,
        name,
        handler,
        summary=summary,
        description=(
            f"{description} Without --config it uses the embedded demo configuration, whose "
            f"store is ./scriptbridge.db. Exit status: {exit_status}; 2 for a usage problem or "
            "an unusable configuration."
        ),
        example=example,
        script_kinds=False,
    )
    parser.set_defaults(log_level=logging.WARNING)
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the TOML settings file (default: the embedded demo configuration)",
    )
    return parser


def _add_page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--connection", metavar="NAME", help="only this connection's users (default: all)"
    )
    parser.add_argument(
        "--page",
        type=_whole_number(0),
        default=0,
        metavar="N",
        help="which page, the first being 0 as in Auth0's API (default: 0)",
    )
    parser.add_argument(
        "--per-page",
        type=_whole_number(1),
        default=50,
        metavar="N",
        help="users per page (default: %(default)s)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help=_PRINT_JSON.format(
            what="the page", per="", api="GET /api/v2/users?include_totals=true"
        ),
    )


def _add_user_id_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "id", metavar="ID", help="the user_id, such as 'auth0|1001' (quoted), or 1001 for short"
    )


def _add_yes_option(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--yes",
        action="store_true",
        help=f"{verb} without asking (required when stdin is not a terminal)",
    )


def _cmd_migration_status(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    progresses = _operate(args, operator.migration_status(settings, _connections(args, settings)))
    if args.json:
        for progress in progresses:
            _print_json(progress.status)
    else:
        print("\n\n".join(operator.render_status(p, _today()) for p in progresses), flush=True)
    return 0


def _cmd_migration_disconnect(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    [name] = _connections(args, settings)
    _check_confirmable(args, "disconnect")
    [progress] = _operate(args, operator.migration_status(settings, [name]))
    print(operator.render_status(progress, _today()), end="\n\n", flush=True)
    if not progress.disconnected:
        if warning := operator.disconnect_warning(progress):
            print(f"{args.parser.prog}: warning: {warning}", file=sys.stderr)
        _confirm(args, f"Disconnect {name} from the legacy store?")
    print(operator.render_disconnection(_operate(args, operator.disconnect(settings, name))))
    return 0


def _cmd_users_list(args: argparse.Namespace) -> int:
    """users list, and users search QUERY."""
    settings = _operator_settings(args)
    try:
        query = parse_user_query(getattr(args, "query", None))
    except QueryError as exc:
        args.parser.error(str(exc))
    connection = None if args.connection is None else _connections(args, settings)[0]
    page = Page(offset=args.page * args.per_page, limit=args.per_page)
    found = _operate(args, operator.find_users(settings, query, page, connection))
    if args.json:
        _print_json(found.as_json())
    else:
        print(operator.render_users(found), flush=True)
    return 0


def _cmd_users_show(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    user = _operate(args, operator.find_user(settings, operator.user_id(args.id)))
    if user is None:
        _no_user(args, settings)
    if args.json:
        _print_json(user.as_auth0())
    else:
        print(operator.render_user(user), flush=True)
    return 0


def _cmd_users_delete(args: argparse.Namespace) -> int:
    settings = _operator_settings(args)
    user_id = operator.user_id(args.id)
    _check_confirmable(args, "delete")
    user = _operate(args, operator.find_user(settings, user_id))
    if user is None:
        _no_user(args, settings)
    print(operator.render_user_row(user), end="\n\n", flush=True)
    _confirm(args, f"Delete {user_id} of the connection {user.connection}?")
    deletion = _operate(args, operator.delete_user(settings, user_id))
    if deletion is None:
        _no_user(args, settings)
    print(operator.render_deletion(deletion), flush=True)
    return 0


def _operator_settings(args: argparse.Namespace) -> Settings:
    """The settings, loaded as serve loads them; an unusable configuration exits 2."""
    command: argparse.ArgumentParser = args.parser
    try:
        settings = load_settings(args.config, os.environ)
    except SettingsError as exc:
        command.exit(2, f"{command.prog}: {exc}\n")
    if ensure_embedded_demo(settings):
        print(f"{command.prog}: built the demo legacy store", file=sys.stderr)
    return settings


def _operate(args: argparse.Namespace, work: Coroutine[Any, Any, T]) -> T:
    """Run an operator command's work; a script that does not parse, or a query value that
    does not suit its field, is a usage problem (exit 2)."""
    command: argparse.ArgumentParser = args.parser
    try:
        return loop.run(work)
    except SettingsError as exc:
        command.exit(2, f"{command.prog}: {exc}\n")
    except QueryError as exc:
        command.error(str(exc))


def _connections(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The connection --connection names (exit 1 when there is none), else all of them."""
    names = [connection.name for connection in settings.connections]
    if args.connection is None:
        return names
    if args.connection not in names:
        command: argparse.ArgumentParser = args.parser
        command.exit(
            _NOT_DONE,
            f"{command.prog}: no connection is named {args.connection!r}; "
            f"{settings.source} has: {', '.join(names)}\n",
        )
    return [args.connection]


def _no_user(args: argparse.Namespace, settings: Settings) -> NoReturn:
    command: argparse.ArgumentParser = args.parser
    command.exit(
        _NOT_DONE,
        f"{command.prog}: no user has the id {operator.user_id(args.id)!r} in the store "
        f"{settings.store.path}\n",
    )


def _check_confirmable(args: argparse.Namespace, verb: str) -> None:
    """Without --yes, the question needs a terminal to be answered on (else exit 2)."""
    if not args.yes and not sys.stdin.isatty():
        args.parser.error(f"stdin is not a terminal to confirm on; pass --yes to {verb} anyway")


def _confirm(args: argparse.Namespace, question: str) -> None:
    """Return when --yes was given or the operator answers y; otherwise exit 1."""
    if args.yes:
        return
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        command: argparse.ArgumentParser = args.parser
        command.exit(_NOT_DONE, f"{command.prog}: nothing done\n")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# -- entry point -----------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def _split_script_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split at the first ``--``: what follows is the script's arguments, verbatim."""
    if "--" not in argv:
        return argv, []
    at = argv.index("--")
    return argv[:at], argv[at + 1 :]


def _take_script_arguments(args: argparse.Namespace, extras: list[str], tail: list[str]) -> None:
    """Add what argparse left over, and what follows ``--``, to the script's arguments."""
    takes = hasattr(args, "script_args")
    unknown = [text for text in extras if text.startswith("-")] if takes else extras + tail
    if unknown:
        hint = "; put the script's arguments after --" if takes else ""
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    args.script_args = [*args.script_args, *extras, *tail]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse exits 0 on --help, 2 on misuse)."""
    parser = build_parser()
    # argparse (3.11) cannot take positionals both before and after options and "--", so the
    # script's arguments are collected here: after "--", and any left over before it.
    head, tail = _split_script_arguments(sys.argv[1:] if argv is None else argv)
    args, extras = parser.parse_known_args(head)
    command: argparse.ArgumentParser = args.parser
    if extras or tail:
        _take_script_arguments(args, extras, tail)
    # Library code logs with structlog; stdout belongs to the command's JSON.
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(args, "log_level", logging.NOTSET)
        ),
    )
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ScriptParseError as exc:
        command.error(f"the script does not parse: {exc}")
    except ScriptbridgeError as exc:
        command.exit(1, f"{command.prog}: {' '.join(str(exc).splitlines())}\n")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head -1`): stop quietly, as Python's docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
