"""Invocations interleave on one runner and run in parallel on several."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

from harness import StartEngine

from scriptbridge.engine import Limits, Outcome, ScriptKind

WAIT_500_MS = (
    "function verify(email, callback) { setTimeout(function () { callback(null, email); }, 500); }"
)

BUSY_300_MS = (
    "function getByEmail(email, callback) {"
    "  var end = Date.now() + 300; while (Date.now() < end) {}"
    "  callback(null, {user_id: 'busy'});"
    "}"
)
TRIVIAL = "function verify(email, callback) { callback(null, true); }"
ROOMY = Limits(timeout_seconds=3, memory_mb=32, buffer_mb=8, probe_seconds=0.3)


async def test_waiting_invocations_interleave_on_one_runner(start_engine: StartEngine) -> None:
    """Two invocations each waiting 500 ms on a timer take ~0.5 s together, not 1 s."""
    harness = await start_engine({"verify": WAIT_500_MS}, runners=1, limits=ROOMY)
    started = time.perf_counter()
    first, second = await asyncio.gather(
        harness.invoke("verify", "first"), harness.invoke("verify", "second")
    )
    elapsed = time.perf_counter() - started
    assert (first.result, second.result) == ("first", "second")
    assert elapsed < 0.9


async def test_busy_runner_does_not_hold_up_another_runner(start_engine: StartEngine) -> None:
    """With two runners, a 300 ms CPU-bound script does not delay a trivial one on the other."""
    scripts: dict[ScriptKind, str] = {"get_user": BUSY_300_MS, "verify": TRIVIAL}
    harness = await start_engine(scripts, runners=2, limits=ROOMY)
    assert harness.engine.runners(harness.name) == 2
    started = time.perf_counter()

    async def finish_time(invocation: Awaitable[Outcome]) -> tuple[Outcome, float]:
        outcome = await invocation
        return outcome, time.perf_counter() - started

    busy = asyncio.create_task(finish_time(harness.invoke("get_user", "jane@example.com")))
    await asyncio.sleep(0.02)  # the busy loop is now running on one of the runners
    quick, quick_at = await finish_time(harness.invoke("verify", "jane@example.com"))
    slow, slow_at = await busy
    assert quick.result is True
    assert slow.result == {"user_id": "busy"}
    assert quick_at < 0.15
    assert slow_at >= 0.3
