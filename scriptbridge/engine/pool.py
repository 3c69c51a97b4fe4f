"""The runners of one connection: spreads invocations over them and replaces broken ones."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from scriptbridge.engine.host import HostRegistry
from scriptbridge.engine.kinds import ScriptKind
from scriptbridge.engine.outcome import Outcome
from scriptbridge.engine.reserve import Reserve
from scriptbridge.engine.runner import LogSink, NotStarted, Runner
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
        """Start every runner; the first one compiles the scripts, so parse errors raise here."""
        first = await self._new_runner()
        self._add(first)
        rest = await asyncio.gather(
            *(self._new_runner() for _ in range(self.spec.runner_count() - 1)),
            return_exceptions=True,
        )
        for runner in rest:
            if isinstance(runner, BaseException):
                await self.close()
                raise runner
            self._add(runner)

    async def _new_runner(self) -> Runner:
        blank = await self._reserve.take()
        return await Runner.start(self.spec, self._host, self._on_log, self._on_broken, blank)

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
        try:
            runner = await self._new_runner()
        except Exception:
            log.exception("runner_restart_failed", connection=self.spec.name)
            return
        if self._closed:
            await runner.close()
        else:
            self._add(runner)

    @property
    def runners(self) -> int:
        return len(self._runners)

    def submit(self, kind: ScriptKind, args: list[Any]) -> asyncio.Future[Outcome] | None:
        """Queue on the least busy healthy runner; None when no runner is ready right now."""
        best: Runner | None = None
        for runner in self._runners:
            if runner.state != "ready":
                continue
            if best is None or (best.suspect, best.load) > (runner.suspect, runner.load):
                best = runner
        return None if best is None else best.submit(kind, args)

    async def invoke(self, kind: ScriptKind, args: list[Any]) -> Outcome:
        while True:
            if self._closed:
                raise EngineClosedError()
            future = self.submit(kind, args)
            if future is None:
                self._ready.clear()
                await self._ready.wait()
                continue
            try:
                return await future
            except NotStarted:
                continue  # its runner broke before running it: try the others

    async def close(self) -> None:
        self._closed = True
        self._ready.set()  # wakes invocations waiting for a runner: they raise EngineClosedError
        for task in list(self._starting):
            await task
        runners, self._runners = self._runners, []
        await asyncio.gather(*(r.close() for r in runners))
