"""The engine: loads connections' scripts into V8 runners and invokes them."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from scriptbridge.engine._bridge import check_internals, init_v8
from scriptbridge.engine.host import HostModule, HostRegistry
from scriptbridge.engine.kinds import ARGUMENTS, ScriptKind
from scriptbridge.engine.outcome import Outcome
from scriptbridge.engine.pool import Pool
from scriptbridge.engine.reserve import Reserve
from scriptbridge.engine.runner import LogSink
from scriptbridge.engine.spec import ConnectionSpec
from scriptbridge.errors import EngineClosedError, ScriptNotDefinedError, UnknownConnectionError


class Engine:
    """Runs connections' action scripts. Use as ``async with Engine(...) as engine``."""

    def __init__(
        self,
        host_modules: tuple[HostModule, ...] = (),
        on_log: LogSink | None = None,
        spare_runners: int = 1,
    ) -> None:
        """``spare_runners`` blank isolates are kept booted ahead of demand (see reserve.py),
        so that starting or replacing a runner does not wait for V8."""
        check_internals()
        init_v8()
        self._host = HostRegistry(host_modules)
        self._on_log = on_log
        self._pools: dict[str, Pool] = {}
        self._spare_runners = spare_runners
        self._reserve: Reserve | None = None
        self._resources = contextlib.AsyncExitStack()
        self._closed = False

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def load(self, spec: ConnectionSpec) -> None:
        """Start runners for a connection. One of the same name is replaced: new invocations go
        to the new runners at once, and the old ones close when their invocations have finished.

        Raises ScriptParseError when a script does not parse or is not a function.
        """
        if self._closed:
            raise EngineClosedError()
        if self._reserve is None:
            for module in self._host.modules:
                if module.lifespan is not None:
                    await self._resources.enter_async_context(module.lifespan())
            self._reserve = Reserve(self._spare_runners)
        pool = Pool(spec, self._host, self._on_log, self._reserve)
        await pool.start()
        if self._closed:  # closed while the runners were starting
            await pool.close()
            raise EngineClosedError()
        old = self._pools.get(spec.name)
        self._pools[spec.name] = pool
        if old is not None:
            await old.drain()

    async def invoke(
        self,
        connection: str,
        kind: ScriptKind,
        args: list[Any],
        *,
        context: Mapping[str, Any] | None = None,
        subject: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> Outcome:
        """Run one script with its positional arguments; always returns an Outcome.

        ``args`` are JSON values, one per argument of the kind (see kinds.ARGUMENTS). With the
        connection's ``context_argument`` flag, ``context`` (default ``{}``) goes before the
        callback. The invocation's console lines carry ``subject`` (who it is about) and show
        ``[redacted]`` for each of ``secrets`` (its passwords) and for the connection's
        configuration values.
        """
        if self._closed:
            raise EngineClosedError()
        pool = self._pools.get(connection)
        if pool is None:
            raise UnknownConnectionError(connection)
        if kind not in pool.spec.scripts:
            raise ScriptNotDefinedError(connection, kind)
        expected = len(ARGUMENTS[kind])
        if len(args) != expected:
            raise TypeError(f"{kind} takes {expected} arguments, got {len(args)}")
        call_args = list(args)
        if pool.spec.context_argument:
            call_args.append(dict(context or {}))
        return await pool.invoke(kind, call_args, subject, secrets)

    def runners(self, connection: str) -> int:
        pool = self._pools.get(connection)
        return 0 if pool is None else pool.runners

    def restarts(self, connection: str) -> int:
        pool = self._pools.get(connection)
        return 0 if pool is None else pool.restarts

    async def close(self) -> None:
        self._closed = True
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            await pool.close()
        if self._reserve is not None:
            await self._reserve.close()
        await self._resources.aclose()


__all__ = ["Engine"]
