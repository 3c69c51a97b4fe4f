"""Fixtures for the engine tests: real Engines on real V8, with tiny limits and leak checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest
from harness import FAST, TEST_HOST, Harness, StartEngine
from py_mini_racer import _context as mini_racer_context

from scriptbridge.engine import (
    ConnectionSpec,
    Engine,
    HostModule,
    Limits,
    LogEvent,
    Script,
    ScriptKind,
)


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Fail the test if any callback on the event loop raised (e.g. a stale V8 callback)."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield errors
    for _ in range(5):
        await asyncio.sleep(0)
    loop.set_exception_handler(previous)
    described = [f"{c.get('message')}: {c.get('exception')!r}" for c in errors]
    assert not errors, f"exceptions raised in event-loop callbacks: {described}"


@pytest.fixture(autouse=True)
def no_leaked_isolates() -> Iterator[None]:
    """Every engine test: the V8 contexts it created are all freed when it ends."""
    before = mini_racer_context.context_count()
    yield
    assert mini_racer_context.context_count() == before, "V8 contexts leaked"


@pytest.fixture
async def start_engine(
    no_leaked_isolates: None, loop_errors: list[dict[str, Any]]
) -> AsyncIterator[StartEngine]:
    """Build an Engine (with the ``testhost`` module) that runs ``{kind: source}``.

    Engines are closed when the test ends, before the leak checks run.
    """
    engines: list[Engine] = []

    async def start(
        scripts: Mapping[ScriptKind, str],
        *,
        runners: int = 1,
        limits: Limits = FAST,
        configuration: Mapping[str, str] | None = None,
        context_argument: bool = False,
        name: str = "legacy-db",
        extra_modules: tuple[HostModule, ...] = (),
    ) -> Harness:
        events: list[LogEvent] = []
        harness = Harness(
            Engine(host_modules=(TEST_HOST, *extra_modules), on_log=events.append), name, events
        )
        engines.append(harness.engine)
        await harness.engine.load(
            ConnectionSpec(
                name=name,
                scripts={k: Script(k, source, f"{k}.js") for k, source in scripts.items()},
                configuration=dict(configuration or {}),
                context_argument=context_argument,
                limits=limits,
                runners=runners,
            )
        )
        return harness

    yield start
    for engine in engines:
        await engine.close()
