"""The reserve: blank isolates booted ahead of demand, adopted by connections as runners."""

from __future__ import annotations

import asyncio
import time

from harness import FAST

from scriptbridge.engine import ConnectionSpec, Engine, Limits, Script
from scriptbridge.engine.reserve import Reserve

LOGIN = "function login(email, password, callback) { callback(null, {user_id: email}); }"
CONFIGURED = (
    "function login(email, password, callback) {"
    " callback(null, {user_id: email, region: configuration.REGION}); }"
)
LOOP = "function login(email, password, callback) { while (true) {} }"


def spec(name: str, source: str, **kwargs: object) -> ConnectionSpec:
    scripts = {"login": Script("login", source, "login.js")}
    return ConnectionSpec(name, scripts, runners=1, **kwargs)  # type: ignore[arg-type]


async def wait_for_spares(reserve: Reserve, count: int) -> None:
    deadline = time.monotonic() + 5
    while reserve.spares < count:
        assert time.monotonic() < deadline, f"the reserve did not refill to {count}"
        await asyncio.sleep(0.005)


async def test_engine_keeps_a_spare_ready_after_loading() -> None:
    """Loading a connection takes a spare; the engine boots another behind it."""
    async with Engine() as engine:
        await engine.load(spec("a", LOGIN))
        assert engine._reserve is not None
        await wait_for_spares(engine._reserve, 1)


async def test_adopted_runners_keep_their_own_configuration() -> None:
    """Two connections adopting blank isolates see only their own configuration."""
    async with Engine(spare_runners=2) as engine:
        await engine.load(spec("eu", CONFIGURED, configuration={"REGION": "eu"}))
        await engine.load(spec("us", CONFIGURED, configuration={"REGION": "us"}))
        eu = await engine.invoke("eu", "login", ["a", "pw"])
        us = await engine.invoke("us", "login", ["b", "pw"])
    assert eu.result == {"user_id": "a", "region": "eu"}
    assert us.result == {"user_id": "b", "region": "us"}


async def test_replacement_runner_comes_from_the_reserve() -> None:
    """After a runner is thrown away, its replacement is a spare, and the spare is refilled."""
    async with Engine() as engine:
        await engine.load(spec("a", LOOP, limits=FAST))
        reserve = engine._reserve
        assert reserve is not None
        await wait_for_spares(reserve, 1)
        outcome = await engine.invoke("a", "login", ["a", "pw"])
        assert outcome.status == "timeout"
        deadline = time.monotonic() + 5
        while engine.restarts("a") < 1 or engine.runners("a") < 1:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.005)
        await wait_for_spares(reserve, 1)


async def test_engine_without_spares_boots_runners_on_demand() -> None:
    """``spare_runners=0`` keeps no blank isolate: every runner is booted when needed."""
    async with Engine(spare_runners=0) as engine:
        await engine.load(spec("a", LOGIN, limits=Limits(timeout_seconds=1)))
        outcome = await engine.invoke("a", "login", ["a", "pw"])
        assert engine._reserve is not None
        assert engine._reserve.spares == 0
    assert outcome.result == {"user_id": "a"}


async def test_closing_a_reserve_frees_its_spares_and_those_still_booting() -> None:
    """A reserve closed while it is still filling frees every isolate it made."""
    reserve = Reserve(size=3)
    reserve.fill()
    await asyncio.sleep(0)
    await reserve.close()
    assert reserve.spares == 0


async def test_a_taken_isolate_is_the_callers_to_free() -> None:
    """take() hands the isolate over: the reserve's close leaves it alone."""
    reserve = Reserve(size=1)
    reserve.fill()
    await wait_for_spares(reserve, 1)
    isolate = await reserve.take()
    await reserve.close()
    assert await asyncio.to_thread(isolate.eval_blocking, "1 + 1") == 2
    await asyncio.to_thread(isolate.close)
