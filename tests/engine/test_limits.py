"""Limits and faults: each fault ends its invocation, and the engine keeps working after it.

Every test here ends with a normal invocation (``assert_works``); the fixtures also check that
no V8 context leaked and that nothing raised on the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from harness import FAST, HEALTHY_VERIFY, StartEngine

from scriptbridge.engine import Limits, ScriptKind


def login(body: str) -> str:
    return f"function login(email, password, callback) {{\n{body}\n}}"


INFINITE_LOOPS = {
    "body": "while (true) {}",
    "timer": "setTimeout(function () { while (true) {} }, 10);",
    "promise-continuation": "Promise.resolve().then(function () { while (true) {} });",
    "host-call-callback": "require('testhost').sleep(10, function () { while (true) {} });",
    "interval": "setInterval(function () { while (true) {} }, 10);",
    "async-after-await": "(async function () { await null; while (true) {} })();",
}
ALLOCATION_BOMB = "const a = []; while (true) a.push('x'.repeat(1000) + Math.random());"
#: Fills the heap in big steps, so it reaches the limit within a few tens of milliseconds.
ARRAY_BOMB = "const a = []; while (true) a.push(new Array(1 << 16).fill(Math.random()));"
#: V8 may spend a few hundred milliseconds collecting garbage before it gives up on a heap.
ROOMY = Limits(timeout_seconds=3, memory_mb=32, buffer_mb=8, probe_seconds=0.2)


@pytest.mark.parametrize("body", INFINITE_LOOPS.values(), ids=INFINITE_LOOPS.keys())
async def test_infinite_loop_times_out_and_the_runner_is_replaced(
    start_engine: StartEngine, body: str
) -> None:
    """A runner stuck in JavaScript times the invocation out and is replaced by a fresh one."""
    harness = await start_engine({"login": login(body), "verify": HEALTHY_VERIFY})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "timeout"
    assert outcome.error is not None
    assert outcome.error.code == "script_timeout"
    assert "timeout_seconds" in outcome.error.message
    deadline_ms = FAST.timeout_seconds * 1000
    assert deadline_ms - 5 <= outcome.elapsed_ms < deadline_ms + 300
    await harness.wait_for_restarts(1)
    await harness.assert_works()
    assert harness.engine.runners(harness.name) == 1


async def test_script_that_never_calls_back_times_out_without_a_restart(
    start_engine: StartEngine,
) -> None:
    """An idle script that forgets its callback times out; its runner stays in service."""
    harness = await start_engine(
        {"login": login("// forgot the callback"), "verify": HEALTHY_VERIFY}
    )
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "timeout"
    assert outcome.error is not None
    assert outcome.error.code == "script_timeout"
    await asyncio.sleep(FAST.probe_seconds + 0.1)  # past the health probe's deadline
    assert harness.restarts == 0
    await harness.assert_works()


async def test_timers_of_a_timed_out_invocation_are_cancelled(start_engine: StartEngine) -> None:
    """After a timeout, the invocation's pending interval stops running (and logging)."""
    body = "setInterval(function () { console.log('tick'); }, 50);"
    harness = await start_engine({"login": login(body), "verify": HEALTHY_VERIFY})
    await harness.invoke("login", "jane@example.com", "pw")
    ticks = len(harness.events)
    await asyncio.sleep(0.2)
    assert len(harness.events) == ticks
    await harness.assert_works()


@pytest.mark.parametrize("bomb", [ALLOCATION_BOMB, ARRAY_BOMB], ids=["strings", "arrays"])
async def test_allocation_bomb_hits_the_heap_limit_and_the_runner_is_replaced(
    start_engine: StartEngine, bomb: str
) -> None:
    """Past memory_mb, the invocation errs with ScriptMemoryLimit; the process lives on."""
    scripts: dict[ScriptKind, str] = {"login": login(bomb), "verify": HEALTHY_VERIFY}
    harness = await start_engine(scripts, limits=ROOMY)
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "ScriptMemoryLimit"
    assert "memory_mb" in outcome.error.message
    await harness.wait_for_restarts(1)
    await harness.assert_works()


async def test_huge_typed_array_is_refused_by_the_buffer_cap(start_engine: StartEngine) -> None:
    """``new Uint8Array(1 << 30)`` throws a RangeError naming buffer_mb; no restart needed."""
    harness = await start_engine(
        {"login": login("new Uint8Array(1 << 30);"), "verify": HEALTHY_VERIFY}
    )
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "RangeError"
    assert "buffer_mb" in outcome.error.message
    assert harness.restarts == 0
    await harness.assert_works()


@pytest.mark.parametrize(
    "allocate",
    [
        "new Uint8Array(1 << 20)",
        "new ArrayBuffer(1 << 20)",
        "Buffer.alloc(1 << 20)",
        "new Float64Array(1 << 17)",
    ],
)
async def test_many_live_buffers_past_the_cap_are_refused(
    start_engine: StartEngine, allocate: str
) -> None:
    """Buffers kept alive add up: the one that would pass buffer_mb throws a RangeError."""
    body = f"var kept = []; for (var i = 0; i < 64; i++) kept.push({allocate}); callback();"
    harness = await start_engine({"login": login(body), "verify": HEALTHY_VERIFY})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "RangeError"
    assert "buffer_mb" in outcome.error.message
    await harness.assert_works()


async def test_buffers_under_the_cap_are_allowed(start_engine: StartEngine) -> None:
    """Up to buffer_mb of live buffers is fine."""
    body = (
        "var kept = []; for (var i = 0; i < 4; i++) kept.push(new Uint8Array(1 << 20));"
        "callback(null, {user_id: String(kept.length)});"
    )
    harness = await start_engine({"login": login(body)})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.result == {"user_id": "4"}


FAULTS = {
    "infinite-loop": (INFINITE_LOOPS["body"], "timeout"),
    "loop-in-timer": (INFINITE_LOOPS["timer"], "timeout"),
    "heap-bomb": (ARRAY_BOMB, "error"),
}
#: Answers after the number of milliseconds given as "name:ms", half in a host call.
BYSTANDER = (
    "function verify(email, callback) {"
    "  var ms = Number(email.split(':')[1]);"
    "  require('testhost').sleep(ms / 2, function (err) {"
    "    setTimeout(function () { callback(err, email); }, ms / 2);"
    "  });"
    "}"
)


@pytest.mark.parametrize(("body", "status"), FAULTS.values(), ids=FAULTS.keys())
async def test_fault_on_one_runner_leaves_the_other_runners_work_intact(
    start_engine: StartEngine, body: str, status: str
) -> None:
    """With two runners, invocations on one are unaffected by a fault on the other.

    The early bystander is in flight while the fault runs (and a heap bomb's runner is
    replaced); the late one while a stuck runner is found out and replaced.
    """
    harness = await start_engine({"login": login(body), "verify": BYSTANDER}, runners=2)
    early = asyncio.ensure_future(harness.invoke("verify", "early:200"))
    await asyncio.sleep(0.02)  # the early bystander is running on one runner: the fault goes
    fault = asyncio.ensure_future(harness.invoke("login", "jane@example.com", "pw"))
    await asyncio.sleep(FAST.timeout_seconds - 0.1)  # just before the fault's deadline
    late = asyncio.ensure_future(harness.invoke("verify", "late:400"))
    assert (await fault).status == status
    assert ((await early).status, (await early).result) == ("result", "early:200")
    assert ((await late).status, (await late).result) == ("result", "late:400")
    await harness.wait_for_restarts(1)
    assert harness.restarts == 1
    await harness.wait_for_runners(2)
    after = await asyncio.gather(*(harness.invoke("verify", f"{n}:10") for n in range(4)))
    assert [o.result for o in after] == [f"{n}:10" for n in range(4)]


async def test_repeated_faults_are_each_recovered(start_engine: StartEngine) -> None:
    """Faults in a row each cost one runner; the connection keeps its runner count and works."""
    scripts: dict[ScriptKind, str] = {
        "login": login(INFINITE_LOOPS["promise-continuation"]),
        "create": f"function create(user, callback) {{ {ARRAY_BOMB} }}",
        "verify": HEALTHY_VERIFY,
    }
    harness = await start_engine(scripts, runners=2)
    for round_ in range(1, 3):
        await harness.invoke("login", "jane@example.com", "pw")
        await harness.invoke("create", {"email": "jane@example.com", "password": "pw"})
        await harness.wait_for_restarts(2 * round_)
        await harness.assert_works()
    await harness.wait_for_runners(2)


async def test_replacing_a_runner_leaves_no_stale_v8_callback_on_the_loop(
    start_engine: StartEngine, loop_errors: list[dict[str, Any]]
) -> None:
    """Closing a runner whose eval was cancelled must not run that eval's callback later.

    Otherwise the callback reads a value from an already-freed V8 context.
    """
    harness = await start_engine({"login": login("while (true) {}"), "verify": HEALTHY_VERIFY})
    await harness.invoke("login", "jane@example.com", "pw")
    await harness.wait_for_restarts(1)
    await harness.assert_works()
    await asyncio.sleep(0.05)
    found = [f"{e.get('message')}: {e.get('exception')!r}" for e in loop_errors]
    loop_errors.clear()
    assert found == []


async def test_closing_the_engine_ends_invocations_in_flight(start_engine: StartEngine) -> None:
    """Invocations still running when the engine closes end with an error, not a hang."""
    source = "function verify(email, callback) { setTimeout(function () { callback(); }, 5000); }"
    harness = await start_engine(
        {"verify": source},
        limits=Limits(timeout_seconds=10, memory_mb=32, buffer_mb=8, probe_seconds=0.2),
    )
    pending = [
        asyncio.ensure_future(harness.invoke("verify", "jane@example.com")) for _ in range(3)
    ]
    await asyncio.sleep(0.05)
    await asyncio.wait_for(harness.engine.close(), 2)
    outcomes = await asyncio.wait_for(asyncio.gather(*pending), 2)
    for outcome in outcomes:
        assert outcome.status == "error"
        assert outcome.error is not None
        assert "shutting down" in outcome.error.message


async def test_invocation_queued_behind_a_stuck_runner_runs_on_its_replacement(
    start_engine: StartEngine,
) -> None:
    """An invocation sent while the only runner is stuck never ran: it must not fail for it."""
    harness = await start_engine({"login": login("while (true) {}"), "verify": HEALTHY_VERIFY})
    timed_out = await harness.invoke("login", "jane@example.com", "pw")
    assert timed_out.status == "timeout"
    await harness.assert_works()  # sent at once, while the runner is still being probed
    await harness.wait_for_restarts(1)
