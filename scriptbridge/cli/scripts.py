"""``scriptbridge try`` and ``scriptbridge bench``: run one action script, once or many times.

Options that describe one script invocation are declared once, in
:func:`_add_invocation_arguments`, and turned into an :class:`_Invocation` once, in
:func:`_invocation`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, get_args

from scriptbridge import loop
from scriptbridge.cli._output import print_json
from scriptbridge.cli._parsing import (
    Parser,
    add_command,
    existing_directory,
    json_object,
    json_type,
    key_value,
    metavars,
    positive_seconds,
    whole_number,
)
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
from scriptbridge.errors import ScriptFileError
from scriptbridge.node.modules import builtin_modules

_STATUSES: Final[tuple[Status, ...]] = get_args(Status)
_FAILED: Final[frozenset[Status]] = frozenset({"error", "timeout"})


def add_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    """try and bench."""
    try_parser = add_command(
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
        type=whole_number(1),
        default=1,
        metavar="N",
        help=(
            "invoke the script N times in one runner, so its `global` persists between "
            "invocations; prints one JSON object per line (default: 1)"
        ),
    )

    bench_parser = add_command(
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
        type=whole_number(1),
        required=True,
        metavar="N",
        help="how many invocations to run in all",
    )
    bench_parser.add_argument(
        "--concurrency",
        type=whole_number(1),
        required=True,
        metavar="C",
        help="how many invocations to keep in flight at once",
    )
    bench_parser.add_argument(
        "--runners",
        type=whole_number(0),
        default=0,
        metavar="R",
        help="V8 runners (one isolate and thread each); 0 means one per CPU core (default: 0)",
    )


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
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a value of the script's global `configuration` object; repeat for more",
    )
    parser.add_argument(
        "--context",
        type=json_object,
        metavar="JSON",
        help=(
            "a JSON object passed as Auth0's `context` argument, before the callback; "
            "giving it declares that the script takes one"
        ),
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=Limits().timeout_seconds,
        metavar="S",
        help="seconds the script has to call back (default: %(default)g, as in Auth0)",
    )
    parser.add_argument(
        "--node-modules",
        type=existing_directory,
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
            f"{kind} takes {len(names)} argument{plural} ({' '.join(metavars(kind))}), "
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
            raise ValueError(f"USER_JSON must be a JSON object, not {json_type(value)}")
        return value
    if name == "verified":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"VERIFIED must be true or false, got {text!r}")
        return text.lower() == "true"
    return text


# -- try -------------------------------------------------------------------------------------


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
            print_json(outcome.as_json())
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


# -- bench -----------------------------------------------------------------------------------


def _cmd_bench(args: argparse.Namespace) -> int:
    invocation = _invocation(args, runners=args.runners)
    print_json(loop.run(_bench(invocation, args.count, args.concurrency)))
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
