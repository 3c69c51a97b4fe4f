"""The engine-test harness: tiny limits, the ``testhost`` bridged module, a connection wrapper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from scriptbridge.engine import Engine, HostModule, Limits, LogEvent, Outcome, ScriptKind

#: Small enough that a fault costs well under a second, large enough for the prelude to boot.
FAST = Limits(timeout_seconds=0.5, memory_mb=32, buffer_mb=8, probe_seconds=0.2)

#: A script that always works: fault tests invoke it afterwards to show the engine recovered.
HEALTHY_VERIFY = "function verify(email, callback) { callback(null, true); }"


class HostFailureError(Exception):
    """What the test host's ``fail`` function raises; carries a Node-style ``code``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = "ETESTHOST"


async def _sleep(args: list[Any]) -> Any:
    await asyncio.sleep(args[0] / 1000)
    return args[0]


async def _fail(args: list[Any]) -> Any:
    raise HostFailureError(args[0])


def _upper(args: list[Any]) -> Any:
    return str(args[0]).upper()


def _fail_sync(args: list[Any]) -> Any:
    raise ValueError(args[0])


#: A tiny bridged module, ``require('testhost')``, backed by the Python functions above.
TEST_HOST = HostModule(
    name="testhost",
    source="""
exports.sleep = (ms, cb) => host.call('sleep', [ms], cb);
exports.sleepPromise = (ms) => host.promise('sleep', [ms]);
exports.fail = (message, cb) => host.call('fail', [message], cb);
exports.failPromise = (message) => host.promise('fail', [message]);
exports.missing = (cb) => host.call('missing', [], cb);
exports.upper = (s) => host.callSync('upper', [s]);
exports.failSync = (message) => host.callSync('fail_sync', [message]);
exports.missingSync = () => host.callSync('missing', []);
""",
    functions={"sleep": _sleep, "fail": _fail},
    sync_functions={"upper": _upper, "fail_sync": _fail_sync},
)


@dataclass
class Harness:
    """One loaded connection of a real Engine, and every log event the engine emitted."""

    engine: Engine
    name: str
    events: list[LogEvent] = field(default_factory=list)

    async def invoke(
        self, kind: ScriptKind, *args: Any, context: Mapping[str, Any] | None = None
    ) -> Outcome:
        return await self.engine.invoke(self.name, kind, list(args), context=context)

    @property
    def restarts(self) -> int:
        return self.engine.restarts(self.name)

    async def wait_for_restarts(self, count: int, within: float = 5.0) -> None:
        """Wait until the pool has replaced ``count`` runners in all."""
        deadline = time.monotonic() + within
        while self.restarts < count:
            assert time.monotonic() < deadline, f"restarts stayed at {self.restarts}, not {count}"
            await asyncio.sleep(0.01)

    async def wait_for_runners(self, count: int, within: float = 5.0) -> None:
        """Wait until the connection has ``count`` runners in service again."""
        deadline = time.monotonic() + within
        while self.engine.runners(self.name) != count:
            runners = self.engine.runners(self.name)
            assert time.monotonic() < deadline, f"{runners} runners, not {count}"
            await asyncio.sleep(0.01)

    async def assert_works(self) -> None:
        """The connection's verify script (HEALTHY_VERIFY) still answers correctly."""
        outcome = await self.invoke("verify", "someone@example.com")
        assert (outcome.status, outcome.result) == ("result", True), outcome


class StartEngine(Protocol):
    def __call__(
        self,
        scripts: Mapping[ScriptKind, str],
        *,
        runners: int = 1,
        limits: Limits = FAST,
        configuration: Mapping[str, str] | None = None,
        context_argument: bool = False,
        name: str = "legacy-db",
        extra_modules: tuple[HostModule, ...] = (),
    ) -> Awaitable[Harness]: ...
