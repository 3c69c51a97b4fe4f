"""A runner: one V8 isolate running one connection's scripts, and the pump that feeds it.

All traffic with a started runner goes through one kind of eval, ``__sb.pump(input)``, and
only one is in flight at a time: invocations, host-call results and cancellations that
arrive meanwhile wait and go together in the next one, so a burst of work costs one
crossing into V8, not one per item. JavaScript answers with its outbox (see js/runtime.js);
work that finishes later rings the doorbell, which wakes the pump again.

A runner that cannot be trusted any more (out of memory, or unresponsive after an
invocation missed its deadline) is closed: its invocations in flight end with an error, and
the pool starts a fresh runner in its place.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final, Literal

from py_mini_racer import JSEvalException, JSOOMException, JSParseException

from scriptbridge.engine._bridge import TIMERS_JS, Isolate, json_text
from scriptbridge.engine.host import HostRegistry, describe_host_error
from scriptbridge.engine.kinds import ARGUMENTS, ScriptKind
from scriptbridge.engine.outcome import (
    MIN_SECRET_CHARS,
    InvocationId,
    Level,
    LogEvent,
    Outcome,
    ScriptError,
    Status,
    judge_result,
    redact,
)
from scriptbridge.engine.spec import ConnectionSpec, Script
from scriptbridge.errors import RunnerStartError, ScriptParseError
from scriptbridge.node import LAZY_GLOBALS, lazy_source
from scriptbridge.node.resolver import Resolver

LogSink = Callable[[LogEvent], None]
RunnerState = Literal["ready", "broken", "closed"]

#: Bytes shared between JavaScript and Python for synchronous host calls.
SYNC_BUFFER_BYTES: Final = 1024 * 1024
_LEVELS: Final[frozenset[str]] = frozenset({"debug", "info", "warn", "error"})
_FACTORY_PARAMS: Final = "console, setTimeout, setInterval, setImmediate, require"
_PARSE_LOCATION = re.compile(r"^[^\n]*?:(\d+): (.*)$", re.MULTILINE)
_FAILED_SCRIPT = re.compile(r"scriptbridge: the (\w+) script failed to load: (.*)")
_ids = itertools.count(1)
_process_tag = f"{os.getpid():x}{int(time.time()) & 0xFFFF:04x}"


def _js_file(name: str) -> str:
    return resources.files("scriptbridge.engine").joinpath("js", name).read_text("utf-8")


_LIMITS_JS: Final = _js_file("limits.js")
_RUNTIME_JS: Final = _js_file("runtime.js")


class NotStarted(Exception):  # noqa: N818 - a signal between runner and pool, not an error
    """The runner was taken out of service before this invocation reached V8."""


#: What every runner evaluates before a connection adopts it (see boot_blank).
_BLANK_BOOT: Final = "\n".join(
    [
        "globalThis.__sb_boot = "
        + json_text({"syncBufferBytes": SYNC_BUFFER_BYTES, "lazy": LAZY_GLOBALS})
        + ";",
        # The built-in views, for the engine's own buffer, before limits.js wraps them.
        "__sb_boot.Uint16Array = Uint16Array; __sb_boot.Uint32Array = Uint32Array;",
        # mini-racer's timers, kept out of the global scope for process.js, and given the
        # built-in SharedArrayBuffer (limits.js wraps the global one): their 8-byte buffers
        # are the engine's, not the script's.
        "(function (SharedArrayBuffer) {",
        TIMERS_JS,
        "Object.defineProperty(globalThis, '__sb_mr_timers',",
        "  { value: { setTimeout, clearTimeout } });",
        "})(SharedArrayBuffer);",
        _LIMITS_JS,
        _RUNTIME_JS,
        "__sb.hooks();",
        "//# sourceURL=node:internal/scriptbridge",
    ]
)


def new_invocation_id() -> InvocationId:
    return InvocationId(f"{_process_tag}-{next(_ids):x}")


@dataclass(eq=False, slots=True)
class _Invocation:
    id: InvocationId
    kind: ScriptKind
    future: asyncio.Future[Outcome]
    started: float
    deadline: float
    logs: list[LogEvent] = field(default_factory=list)
    #: Who the invocation is about, and the secrets its console lines must not show.
    subject: str | None = None
    secrets: tuple[str, ...] = ()


class Runner:
    """One isolate for one connection. Start it with :meth:`start`; close it with :meth:`close`."""

    def __init__(
        self,
        spec: ConnectionSpec,
        host: HostRegistry,
        on_log: LogSink | None,
        on_broken: Callable[[Runner], None],
    ) -> None:
        self.spec = spec
        self.state: RunnerState = "ready"
        self._host = host
        self._on_log = on_log
        self._on_broken = on_broken
        #: The connection's configuration values, which no console line may show.
        self._configuration_secrets = tuple(
            value for value in spec.configuration.values() if len(value) >= MIN_SECRET_CHARS
        )
        self._loop = asyncio.get_running_loop()
        self._isolate: Isolate | None = None
        self._key = secrets.token_hex(16)
        self._resolver = Resolver(spec.node_modules)
        self._key_json = json_text(self._key)
        self._in_flight: dict[InvocationId, _Invocation] = {}
        # What the next pump sends, each item already JSON text (see _kick).
        self._starts: list[tuple[InvocationId, str]] = []
        self._deliveries: list[str] = []
        self._cancels: list[str] = []
        self._probes: list[asyncio.Future[None]] = []
        # Host calls in flight, by the invocation they serve (None: not known), and those
        # cancelled because their deadline passed (see _cut_off).
        self._calls: dict[asyncio.Task[Any], InvocationId | None] = {}
        self._cut: set[asyncio.Task[Any]] = set()
        self._bell = False
        self._pumping = False
        self._pending_probes: list[asyncio.Future[None]] = []
        self._probe_task: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._retiring: asyncio.Task[None] | None = None

    # -- life cycle ------------------------------------------------------------------------

    @classmethod
    async def start(
        cls,
        spec: ConnectionSpec,
        host: HostRegistry,
        on_log: LogSink | None = None,
        on_broken: Callable[[Runner], None] = lambda runner: None,
        blank: Isolate | None = None,
    ) -> Runner:
        """Start a runner for ``spec`` on ``blank`` (an isolate from :func:`boot_blank`, e.g.
        from a Reserve), or on a new one booted now; both steps run off the event loop."""
        runner = cls(spec, host, on_log, on_broken)
        loop = runner._loop
        isolate = blank if blank is not None else await asyncio.to_thread(boot_blank, loop)
        try:
            await asyncio.to_thread(runner._adopt, isolate)
        except BaseException:
            await asyncio.to_thread(isolate.close)
            raise
        runner._isolate = isolate
        runner._kick()
        return runner

    def _adopt(self, isolate: Isolate) -> None:
        """Give a blank isolate this connection's limits, configuration, modules and scripts.

        One eval; the scripts go through an indirect eval each, so stack traces name their
        file. A script that fails is compiled again on its own to locate V8's error.
        """
        limits = self.spec.limits
        isolate.set_heap_limit(limits.memory_mb * 1024 * 1024)
        isolate.set_sync_handler(self._sync_call)
        isolate.on_bell = self._ring
        adoption = [
            self._key,
            dict(self.spec.configuration),
            limits.buffer_mb * 1024 * 1024,
            round(limits.timeout_seconds * 1000),
            [[m.name, m.version, m.source] for m in self._host.modules],
            self.spec.module_globals(),
            [[s.kind, s.filename, _wrap(s)[0]] for s in self.spec.scripts.values()],
        ]
        try:
            isolate.eval_blocking(f"__sb.adopt(...{json_text(adoption)})", limits.timeout_seconds)
        except TimeoutError:
            raise RunnerStartError(
                self.spec.name,
                f"its scripts did not finish loading within {limits.timeout_seconds:g} s "
                "(code after a script's function runs when the script loads)",
            ) from None
        except JSEvalException as exc:
            failed = _FAILED_SCRIPT.search(str(exc))
            if failed is None:
                raise RunnerStartError(self.spec.name, str(exc).split("\n", 1)[0]) from None
            (script,) = (s for s in self.spec.scripts.values() if s.kind == failed.group(1))
            raise _locate_failure(isolate, script, failed.group(2)) from None

    async def close(self, reason: str = "the engine is shutting down") -> None:
        """Stop the runner; invocations still in flight end with an error naming ``reason``.

        Safe to call more than once and from several tasks: all of them wait for the one close.
        """
        if self._closing is None:
            self._closing = self._loop.create_task(self._close(reason))
        await asyncio.shield(self._closing)

    async def _close(self, reason: str) -> None:
        self.state = "closed"
        closing = self._closing
        tasks = [t for t in (self._probe_task, *self._calls) if t is not None and t is not closing]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        isolate, self._isolate = self._isolate, None
        if isolate is not None:
            await isolate.terminate(self.spec.limits.probe_seconds)
            await asyncio.to_thread(isolate.close)
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
        self._fail_all("RunnerRestarted", f"the script runner was stopped: {reason}")
        for probe in (*self._probes, *self._pending_probes):
            if not probe.done():
                probe.set_result(None)

    @property
    def load(self) -> int:
        return len(self._in_flight)

    @property
    def suspect(self) -> bool:
        """True while the runner is being checked after a deadline miss."""
        return self._probe_task is not None

    # -- invocations -----------------------------------------------------------------------

    def submit(
        self,
        kind: ScriptKind,
        args: list[Any],
        subject: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> asyncio.Future[Outcome]:
        """Queue an invocation; the future resolves with its outcome, or raises NotStarted when
        the runner breaks before the invocation reached V8 (it is then safe to run elsewhere).
        Its console lines name ``subject`` and show none of ``secrets``.

        Raises TypeError at once when ``args`` are not JSON values.
        """
        try:
            args_json = json_text(args)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"the arguments of a {kind} invocation must be JSON values: {exc}"
            ) from None
        now = self._loop.time()
        inv = _Invocation(
            id=new_invocation_id(),
            kind=kind,
            future=self._loop.create_future(),
            started=time.perf_counter(),
            deadline=now + self.spec.limits.timeout_seconds,
            subject=subject,
            secrets=secrets + self._configuration_secrets,
        )
        self._in_flight[inv.id] = inv
        if self._deadline_timer is None:
            self._deadline_timer = self._loop.call_at(inv.deadline, self._expire_due)
        self._starts.append((inv.id, f'["{inv.id}","{kind}",{args_json}]'))
        self._kick()
        return inv.future

    def _finish(
        self,
        inv: _Invocation,
        status: Status,
        result: Any = None,
        error: ScriptError | None = None,
    ) -> None:
        self._in_flight.pop(inv.id, None)
        if error is not None and status == "error" and self._on_log is not None:
            # An uncaught error of the script is a line of its log stream too.
            stack = f"\n{error.stack}" if error.stack else ""
            self._on_log(
                LogEvent(
                    level="error",
                    message=redact(f"{error.name}: {error.message}{stack}", inv.secrets),
                    connection=self.spec.name,
                    kind=inv.kind,
                    invocation_id=inv.id,
                    subject=inv.subject,
                )
            )
        if not inv.future.done():
            inv.future.set_result(
                Outcome(
                    invocation_id=inv.id,
                    kind=inv.kind,
                    status=status,
                    result=result,
                    error=error,
                    logs=tuple(inv.logs),
                    elapsed_ms=(time.perf_counter() - inv.started) * 1000,
                )
            )

    def _expire_due(self) -> None:
        """Time out every invocation past its deadline; re-arm for the next one.

        All invocations of a runner share one timeout, so deadlines follow submission order,
        which ``_in_flight`` (a dict) keeps: one timer per runner serves them all.
        """
        self._deadline_timer = None
        now = self._loop.time()
        for inv in list(self._in_flight.values()):
            if inv.deadline > now:
                self._deadline_timer = self._loop.call_at(inv.deadline, self._expire_due)
                break
            self._expire(inv)

    def _expire(self, inv: _Invocation) -> None:
        seconds = self.spec.limits.timeout_seconds
        self._finish(
            inv,
            "timeout",
            error=ScriptError(
                name="TimeoutError",
                code="script_timeout",
                message=(
                    f"the {inv.kind} script did not call back within {seconds:g} s "
                    "(connection setting timeout_seconds)"
                ),
            ),
        )
        self._cancels.append(f'"{inv.id}"')
        self._cancel_calls(inv.id)
        self._kick()
        if self._probe_task is None and self.state == "ready":
            self._probe_task = self._loop.create_task(self._probe(inv))

    def _fail_all(self, name: str, message: str) -> None:
        for inv in list(self._in_flight.values()):
            self._finish(inv, "error", error=ScriptError(name=name, message=message))

    # -- the pump --------------------------------------------------------------------------

    def _ring(self) -> None:
        self._bell = True
        self._kick()

    def _kick(self) -> None:
        """Start a pump eval if none is in flight and there is anything to send or drain."""
        if self._pumping or self.state != "ready" or self._isolate is None:
            return
        if not (self._bell or self._starts or self._deliveries or self._cancels or self._probes):
            return
        code = (
            f"__sb.pump({self._key_json},[[{','.join(text for _, text in self._starts)}],"
            f"[{','.join(self._deliveries)}],[{','.join(self._cancels)}]])"
        )
        self._starts, self._deliveries, self._cancels = [], [], []
        self._bell = False
        self._pending_probes, self._probes = self._probes, []
        self._pumping = True
        self._isolate.start_eval(code, self._pumped)

    def _pumped(self, outbox: Any, error: JSEvalException | None) -> None:
        self._pumping = False
        if self.state != "ready":
            return
        if isinstance(error, JSOOMException):
            self._break(
                "ScriptMemoryLimit",
                f"a script went past the {self.spec.limits.memory_mb} MiB heap limit "
                "(connection setting memory_mb)",
            )
            return
        if error is not None:
            # V8's first line only: the rest quotes the pump's source, other users' arguments.
            self._break("RunnerFailed", f"the script runner failed: {str(error).split(chr(10))[0]}")
            return
        self._dispatch(json.loads(outbox))
        probes, self._pending_probes = self._pending_probes, []
        for probe in probes:
            if not probe.done():
                probe.set_result(None)
        self._kick()

    def _dispatch(self, messages: list[dict[str, Any]]) -> None:
        # Outcomes are settled after the whole outbox is read, so console lines a script
        # printed right after calling back (in the same turn) stay with its outcome.
        finished = []
        for message in messages:
            kind = message["t"]
            if kind == "done":
                finished.append(message)
            elif kind == "log":
                self._log(message)
            elif kind == "call":
                self._call(message)
        for message in finished:
            inv = self._in_flight.get(message["i"])
            if inv is None:
                continue
            if "e" in message:
                self._finish(inv, "error", error=ScriptError.from_js(message["e"]))
            elif "r" in message:
                status, result, error = judge_result(inv.kind, message["r"])
                self._finish(inv, status, result, error)
            else:
                self._finish(inv, "no_result")

    def _log(self, message: dict[str, Any]) -> None:
        inv = self._in_flight.get(message["i"]) if message["i"] is not None else None
        level: Level = message["l"] if message["l"] in _LEVELS else "info"
        event = LogEvent(
            level=level,
            message=redact(
                str(message["m"]),
                self._configuration_secrets if inv is None else inv.secrets,
            ),
            connection=self.spec.name,
            kind=message["k"] if message["k"] in ARGUMENTS else None,
            invocation_id=message["i"],
            subject=None if inv is None else inv.subject,
        )
        if inv is not None:
            inv.logs.append(event)
        if self._on_log is not None:
            self._on_log(event)

    # -- host calls ------------------------------------------------------------------------

    def _call(self, message: dict[str, Any]) -> None:
        call_id = message["c"]
        name = message["n"]
        inv = self._in_flight.get(message["i"]) if message["i"] is not None else None
        function = self._host.async_function(name)
        try:
            if function is None:
                raise LookupError(f"no host function {name}")
            coroutine = function(message["a"])
        except Exception as exc:
            self._deliver(call_id, describe_host_error(exc))
            return
        # A host call ends with its invocation's deadline at the latest, or, when JavaScript
        # could not tell which invocation made it, one timeout from now.
        if inv is not None:
            deadline = inv.deadline
        else:
            deadline = self._loop.time() + self.spec.limits.timeout_seconds
        # A timer per call, not asyncio.timeout() around it: this is the hot path of every
        # host call, and a timer handle costs a fraction of a timeout context and its task.
        task = self._loop.create_task(coroutine)
        self._calls[task] = inv.id if inv is not None else None
        timer = self._loop.call_at(deadline, self._cut_off, task)
        task.add_done_callback(lambda t: self._call_done(call_id, name, t, timer))

    def _cut_off(self, task: asyncio.Task[Any]) -> None:
        if not task.done():
            self._cut.add(task)
            task.cancel()

    def _call_done(
        self, call_id: int, name: str, task: asyncio.Task[Any], timer: asyncio.TimerHandle
    ) -> None:
        timer.cancel()
        self._calls.pop(task, None)
        cut = task in self._cut
        self._cut.discard(task)
        if self.state != "ready":
            return
        if task.cancelled() and not cut:
            return
        error = None if task.cancelled() else task.exception()
        if cut or isinstance(error, TimeoutError):
            message = f"host call {name} was cut off at its invocation's deadline"
            self._deliver(
                call_id, {"name": "TimeoutError", "message": message, "code": "ETIMEDOUT"}
            )
        elif error is not None:
            self._deliver(call_id, describe_host_error(error))
        else:
            self._deliver(call_id, None, task.result(), name)

    def _cancel_calls(self, invocation_id: InvocationId) -> None:
        """Cancel the host calls still running for an invocation that timed out. (After a
        callback they may go on, e.g. a write the script does last, up to the deadline.)"""
        for task, owner in list(self._calls.items()):
            if owner == invocation_id:
                task.cancel()

    def _deliver(
        self, call_id: int, error: dict[str, Any] | None, value: Any = None, name: str = ""
    ) -> None:
        try:
            entry = json_text([call_id, error, value])
        except (TypeError, ValueError) as exc:
            problem = {"name": "TypeError", "message": f"host function {name} returned {exc}"}
            entry = json_text([call_id, problem, None])
        self._deliveries.append(entry)
        self._kick()

    def _sync_call(self, name: str, args: list[Any]) -> Any:
        # On the isolate's thread: only the registered synchronous functions are reachable,
        # and the prelude files the runtime loads on demand.
        if name == "prelude.source":
            return lazy_source(str(args[0]))
        if name == "modules.resolve":
            found = self._resolver.resolve(str(args[0]), args[1] if args[1] else None)
            return None if found is None else [found.id, found.source, found.is_json]
        function = self._host.sync_function(name)
        if function is None:
            raise LookupError(f"no synchronous host function {name}")
        return function(args)

    # -- health ----------------------------------------------------------------------------

    async def _probe(self, late: _Invocation) -> None:
        """After a deadline miss: replace the runner unless it answers a pump promptly."""
        probe: asyncio.Future[None] = self._loop.create_future()
        self._probes.append(probe)
        self._kick()
        try:
            await asyncio.wait_for(probe, self.spec.limits.probe_seconds)
        except TimeoutError:
            self._break(
                "RunnerRestarted",
                f"the script runner was restarted because a {late.kind} invocation kept it "
                "busy past its deadline",
            )
        finally:
            self._probe_task = None

    def _break(self, name: str, message: str) -> None:
        """Take the runner out of service and close it; in-flight invocations end in error."""
        if self.state != "ready":
            return
        self.state = "broken"
        # Invocations still queued here never reached V8: the pool sends them elsewhere.
        for queued_id, _ in self._starts:
            inv = self._in_flight.pop(queued_id, None)
            if inv is not None and not inv.future.done():
                inv.future.set_exception(NotStarted())
        self._starts = []
        self._fail_all(name, message)
        self._retiring = self._loop.create_task(self._retire(message))

    async def _retire(self, message: str) -> None:
        # The replacement starts only once this isolate is freed: mini-racer crashes when a
        # context is created while another one is being terminated.
        await self.close(message)
        self._on_broken(self)


def boot_blank(loop: asyncio.AbstractEventLoop) -> Isolate:
    """A new isolate with everything every runner shares, ready to be adopted by a connection
    (see Runner.start). Blocking, about 5 ms: call it from a worker thread."""
    try:
        isolate = Isolate.open(loop)
    except Exception as exc:
        raise RunnerStartError(None, str(exc)) from exc
    try:
        isolate.attach(isolate.eval_blocking(_BLANK_BOOT))
    except BaseException:
        isolate.close()
        raise
    return isolate


def _wrap(script: Script) -> tuple[str, int]:
    """The script as runtime.js compiles it, and the columns its first line is shifted by.

    The script text is the initializer of a variable inside a factory function, so it may
    begin with comments, be named anything or be anonymous, and end with a semicolon. The
    factory is a declaration closed by our brace alone, so a script missing its own last
    brace gets V8's "Unexpected end of input". The prefix shares the script's first line, so
    V8's line numbers are the file's; columns on that line are shifted by the prefix, which
    runtime.js takes off again in stack traces (and _parse_error in parse errors).
    """
    factory = f"__sb_factory_{script.kind}"
    prefix = f"function {factory}({_FACTORY_PARAMS}) {{ var anonymous = "
    suffix = (
        "\n;return anonymous; }\n"
        f"__sb.define({json_text(script.kind)}, {json_text(script.filename)}, "
        f"{len(prefix)}, {factory});\n"
        f"//# sourceURL={script.filename}"
    )
    return prefix + script.source + suffix, len(prefix)


def _locate_failure(isolate: Isolate, script: Script, message: str) -> ScriptParseError:
    """The error of a script that failed at start-up, located by compiling it on its own."""
    text, prefix_length = _wrap(script)
    try:
        isolate.eval_blocking(text)
    except JSParseException as exc:
        return _parse_error(script, str(exc), prefix_length)
    except JSEvalException as exc:
        message = str(exc).split("\n", 1)[0]
    return ScriptParseError(script.filename, message.split(": ", 1)[-1], None, None)


def _parse_error(script: Script, text: str, prefix_length: int) -> ScriptParseError:
    match = _PARSE_LOCATION.search(text)
    if match is None:
        return ScriptParseError(script.filename, text.strip(), None, None)
    line = int(match.group(1))
    lines = text.split("\n")
    caret = next((ln for ln in lines[2:3] if ln.strip() and set(ln.strip()) == {"^"}), None)
    column = caret.index("^") + 1 if caret is not None else None
    if column is not None and line == 1:
        column = max(1, column - prefix_length)
    last_line = script.source.count("\n") + 1
    if line > last_line:  # "Unexpected end of input" is reported on our suffix
        line, column = last_line, len(script.source.rsplit("\n", 1)[-1]) + 1
    return ScriptParseError(script.filename, match.group(2), line, column)
