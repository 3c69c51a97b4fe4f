"""The runners of one connection: spreads invocations over them and replaces broken ones."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from scriptbridge.engine.host import HostRegistry
from scriptbridge.engine.kinds import ScriptKind
from scriptbridge.engine.outcome import Outcome, ScriptError
from scriptbridge.engine.reserve import Reserve
from scriptbridge.engine.runner import LogSink, NotStarted, Runner, new_invocation_id
from scriptbridge.engine.spec import ConnectionSpec
from scriptbridge.errors import EngineClosedError

log = structlog.get_logger("scriptbridge.engine")


class Pool:
    """``spec.runner_count()`` runners; each invocation goes to the least busy one."""

    def __init__(
        self,
        spec: ConnectionSpec,
        host: HostRegistry,
        on_log: LogSink | None,
        reserve: Reserve,
    ) -> None:
        self.spec = spec
        self._reserve = reserve
        self._host = host
        self._on_log = on_log
        self._runners: list[Runner] = []
        self._starting: set[asyncio.Task[None]] = set()
        self._ready = asyncio.Event()
        self._closed = False
        self.restarts = 0

    async def start(self) -> None:
        """Start every runner; the first one compiles the scripts, so parse errors raise here
        (and no runner is left running)."""
        self._add(await self._new_runner())
        rest = await asyncio.gather(
            *(self._new_runner() for _ in range(self.spec.runner_count() - 1)),
            return_exceptions=True,
        )
        for runner in rest:
            if isinstance(runner, Runner):
                self._add(runner)
        failure = next((r for r in rest if isinstance(r, BaseException)), None)
        if failure is not None:
            await self.close()
            raise failure

    async def _new_runner(self) -> Runner:
        blank = await self._reserve.take()
        try:
            return await Runner.start(self.spec, self._host, self._on_log, self._on_broken, blank)
        except BaseException:
            await asyncio.to_thread(blank.close)  # a no-op when Runner.start freed it already
            raise

    def _add(self, runner: Runner) -> None:
        self._runners.append(runner)
        self._ready.set()

    def _on_broken(self, runner: Runner) -> None:
        if runner in self._runners:
            self._runners.remove(runner)
        if not self._runners:
            self._ready.clear()
        self.restarts += 1
        if not self._closed:
            task = asyncio.get_running_loop().create_task(self._replace())
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    async def _replace(self) -> None:
        """Start a runner in place of a broken one, retrying (with back-off) until one starts."""
        delay = 0.05
        while not self._closed:
            try:
                runner = await self._new_runner()
            except Exception:
                log.exception("runner_restart_failed", connection=self.spec.name, retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if self._closed:
                await runner.close()
            else:
                self._add(runner)
            return

    @property
    def runners(self) -> int:
        return len(self._runners)

    def submit(
        self,
        kind: ScriptKind,
        args: list[Any],
        subject: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> asyncio.Future[Outcome] | None:
        """Queue on the least busy healthy runner; None when no runner is ready right now."""
        best: Runner | None = None
        for runner in self._runners:
            if runner.state != "ready":
                continue
            if best is None or (best.suspect, best.load) > (runner.suspect, runner.load):
                best = runner
        return None if best is None else best.submit(kind, args, subject, secrets)

    async def invoke(
        self,
        kind: ScriptKind,
        args: list[Any],
        subject: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> Outcome:
        """Run one invocation; waits for a runner if none is ready, up to the timeout."""
        deadline = asyncio.get_running_loop().time() + self.spec.limits.timeout_seconds
        while True:
            if self._closed:
                raise EngineClosedError()
            future = self.submit(kind, args, subject, secrets)
            if future is None:
                self._ready.clear()
                left = deadline - asyncio.get_running_loop().time()
                try:
                    await asyncio.wait_for(self._ready.wait(), max(left, 0))
                except TimeoutError:
                    return _unavailable(kind, self.spec)
                continue
            try:
                return await future
            except NotStarted:
                continue  # its runner broke before running it: try the others

    async def drain(self) -> None:
        """Let the invocations in flight finish (up to the timeout), then close."""
        deadline = asyncio.get_running_loop().time() + self.spec.limits.timeout_seconds
        while any(r.load for r in self._runners):
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.01)
        await self.close()

    async def close(self) -> None:
        self._closed = True
        self._ready.set()  # wakes invocations waiting for a runner: they raise EngineClosedError
        for task in list(self._starting):
            await task
        runners, self._runners = self._runners, []
        await asyncio.gather(*(r.close() for r in runners))


def _unavailable(kind: ScriptKind, spec: ConnectionSpec) -> Outcome:
    return Outcome(
        invocation_id=new_invocation_id(),
        kind=kind,
        status="error",
        error=ScriptError(
            name="RunnerUnavailable",
            message=(
                f"no script runner of connection {spec.name!r} was ready within "
                f"{spec.limits.timeout_seconds:g} s; see the log for why runners fail to start"
            ),
        ),
    )
