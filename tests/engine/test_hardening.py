"""Faults found in review: each test names the failure it guards against."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import pytest
from harness import FAST, HEALTHY_VERIFY, TEST_HOST, StartEngine
from py_mini_racer import _context as mini_racer_context

from scriptbridge.engine import ConnectionSpec, Engine, HostModule, Limits, Script, ScriptKind
from scriptbridge.engine import runner as runner_module
from scriptbridge.engine.reserve import Reserve
from scriptbridge.errors import EngineClosedError, RunnerStartError


def login(body: str) -> str:
    return f"function login(email, password, callback) {{\n{body}\n}}"


async def _bytes(args: list[Any]) -> Any:
    return b"raw"


class CodedError(Exception):
    code = "ECODED"


def _coded(args: list[Any]) -> Any:
    raise CodedError("with a code")


ODD_HOST = HostModule(
    name="odd",
    source="""
exports.bytes = (cb) => host.call('bytes', [], cb);
exports.bytesSync = () => host.callSync('bytes_sync', []);
exports.nanSync = () => host.callSync('nan_sync', []);
exports.codedSync = () => host.callSync('coded', []);
""",
    functions={"bytes": _bytes},
    sync_functions={
        "bytes_sync": lambda args: b"raw",
        "nan_sync": lambda args: math.nan,
        "coded": _coded,
    },
)


def spec(scripts: dict[ScriptKind, str], limits: Limits = FAST, runners: int = 1) -> ConnectionSpec:
    return ConnectionSpec(
        "c",
        {k: Script(k, v, f"{k}.js") for k, v in scripts.items()},
        limits=limits,
        runners=runners,
    )


async def test_closing_with_a_host_call_in_flight_frees_everything(
    start_engine: StartEngine,
) -> None:
    """Closing while an async host call is pending ends the invocation and leaks nothing."""
    harness = await start_engine(
        {"login": login("require('testhost').sleep(5000, () => callback(null, {user_id: '1'}));")}
    )
    pending = asyncio.ensure_future(harness.invoke("login", "a", "pw"))
    await asyncio.sleep(0.05)
    await harness.engine.close()
    outcome = await pending
    assert (outcome.status, outcome.error and outcome.error.name) == ("error", "RunnerRestarted")


async def test_runner_out_of_memory_beside_a_pending_host_call_is_replaced(
    start_engine: StartEngine,
) -> None:
    """An OOM while another invocation waits on a host call still replaces the runner."""
    bomb = "const a = []; while (true) a.push(new Array(100000).fill(Math.random()));"
    body = (
        "if (email === 'bomb') {" + bomb + "}"
        "require('testhost').sleep(2000, () => callback(null, {user_id: email}));"
    )
    harness = await start_engine(
        {"login": login(body), "verify": HEALTHY_VERIFY},
        limits=Limits(timeout_seconds=3, memory_mb=32, probe_seconds=0.2),
    )
    waiting = asyncio.ensure_future(harness.invoke("login", "slow", "pw"))
    await asyncio.sleep(0.05)
    bombed = await harness.invoke("login", "bomb", "pw")
    assert bombed.error is not None
    assert bombed.error.name == "ScriptMemoryLimit"
    await waiting
    await harness.wait_for_restarts(1)
    await harness.assert_works()


async def test_lone_surrogate_argument_reaches_the_script(start_engine: StartEngine) -> None:
    """A password with a lone surrogate (valid JSON from a client) does not wedge the runner."""
    harness = await start_engine(
        {"login": login("callback(null, {user_id: '1', n: password.length});")}
    )
    outcome = await harness.invoke("login", "a", "\ud800x")
    assert outcome.result == {"user_id": "1", "n": 2}
    assert (await harness.invoke("login", "a", "ok")).status == "result"


async def test_non_json_arguments_are_refused_at_once(start_engine: StartEngine) -> None:
    """Arguments JSON cannot carry raise TypeError to the caller; the runner keeps working."""
    harness = await start_engine({"login": login("callback(null, {user_id: '1'});")})
    with pytest.raises(TypeError, match="JSON"):
        await harness.invoke("login", "a", b"bytes")
    with pytest.raises(TypeError, match="JSON"):
        await harness.invoke("login", "a", math.nan)
    assert (await harness.invoke("login", "a", "pw")).status == "result"


async def test_host_results_json_cannot_carry_become_script_errors() -> None:
    """bytes or NaN from a host function reach the script as an Error, not a stuck runner."""
    body = """
      const odd = require('odd'); const seen = {};
      for (const f of ['bytesSync', 'nanSync', 'codedSync']) {
        try { odd[f](); } catch (e) { seen[f] = e.name + ': ' + e.message + ' / ' + e.code; } }
      odd.bytes((err) => callback(null, {user_id: '1', seen, async: String(err)}));
    """
    async with Engine(host_modules=(ODD_HOST,)) as engine:
        await engine.load(spec({"login": login(body)}))
        outcome = await engine.invoke("c", "login", ["a", "pw"])
    assert outcome.status == "result", outcome.error
    seen = outcome.result["seen"]
    assert seen["bytesSync"].startswith("TypeError: Object of type bytes")
    assert seen["nanSync"].startswith("ValueError: Out of range float")
    assert seen["codedSync"] == "CodedError: with a code / ECODED"
    assert "host function odd.bytes returned" in outcome.result["async"]


async def test_scripts_cannot_replace_the_bridge(start_engine: StartEngine) -> None:
    """``__sb`` is frozen: a script cannot wrap pump to read other invocations' traffic."""
    body = (
        "__sb.pump = () => 0;"  # sloppy mode: ignored silently
        "callback(null, {user_id: '1', replaced: __sb.pump.length === 0,"
        " frozen: Object.isFrozen(__sb)});"
    )
    harness = await start_engine({"login": login(body)})
    outcome = await harness.invoke("login", "a", "pw")
    assert outcome.result == {"user_id": "1", "replaced": False, "frozen": True}
    assert (await harness.invoke("login", "a", "pw")).status == "result"


async def test_an_error_whose_fields_throw_ends_only_its_invocation(
    start_engine: StartEngine,
) -> None:
    """Throwing an object with a throwing getter does not fail other invocations."""
    body = (
        "if (email === 'evil') throw {get name() { throw new Error('no'); }};"
        "setTimeout(() => callback(null, {user_id: email}), 20);"
    )
    harness = await start_engine({"login": login(body)})
    other = asyncio.ensure_future(harness.invoke("login", "alice", "pw"))
    evil = await harness.invoke("login", "evil", "pw")
    assert evil.status == "error"
    assert (await other).result == {"user_id": "alice"}
    assert harness.restarts == 0


async def test_top_level_loop_in_a_script_fails_the_load_within_the_timeout() -> None:
    """Code after the function runs at load; an endless loop there is a start-up error."""
    source = "function verify(u, cb) { cb(null, true); }\nwhile (true) {}"
    async with Engine() as engine:
        started = time.monotonic()
        with pytest.raises(RunnerStartError, match=r"did not finish loading within 0\.5 s"):
            await engine.load(spec({"verify": source}))
        assert time.monotonic() - started < 3


async def test_top_level_code_may_use_node_globals_and_console(start_engine: StartEngine) -> None:
    """Top-level statements can use lazily loaded globals and every console method; they run
    when the script loads and again in each invocation's own scope."""
    source = (
        "function login(email, password, callback) {"
        " callback(null, {user_id: '1', n: ENC.encode('abc').length}); }\n"
        "var ENC = new TextEncoder(); console.warn('loaded', Buffer.from('x').length);"
    )
    harness = await start_engine({"login": source})
    outcome = await harness.invoke("login", "a", "pw")
    assert outcome.result == {"user_id": "1", "n": 3}
    assert [(e.message, e.invocation_id) for e in outcome.logs] == [
        ("loaded 1", outcome.invocation_id)
    ]
    at_load = [e for e in harness.events if e.invocation_id is None]
    assert [(e.level, e.message, e.kind) for e in at_load] == [("warn", "loaded 1", "login")]


async def test_host_callback_after_an_await_is_attributed(start_engine: StartEngine) -> None:
    """With one invocation in flight, a throw in a host-call callback after await ends it."""
    body = (
        "await new Promise((r) => setTimeout(r, 5));"
        "require('testhost').sleep(5, () => { throw new Error('boom in callback'); });"
    )
    source = f"async function login(email, password, callback) {{ {body} }}"
    harness = await start_engine({"login": source})
    outcome = await harness.invoke("login", "a", "pw")
    assert (outcome.status, outcome.error and outcome.error.message) == (
        "error",
        "boom in callback",
    )


async def test_console_output_is_capped_per_invocation(start_engine: StartEngine) -> None:
    """300,000 lines in one turn keep 1,000 and one warning; long lines are cut."""
    body = (
        "console.log('x'.repeat(20000));"
        "for (let i = 0; i < 300000; i++) console.log('line', i);"
        "callback(null, {user_id: '1'});"
    )
    harness = await start_engine({"login": login(body)})
    started = time.monotonic()
    outcome = await harness.invoke("login", "a", "pw")
    assert time.monotonic() - started < 5  # uncapped, the lines stalled the loop for seconds
    assert len(outcome.logs) == 1001
    assert outcome.logs[0].message.endswith("... [11808 more characters]")
    assert outcome.logs[-1].message == "299001 console lines past the first 1000 were dropped"


async def test_timers_of_a_finished_invocation_stop_at_its_deadline(
    start_engine: StartEngine,
) -> None:
    """A setInterval left running after the callback is cleared at the invocation's deadline."""
    body = "setInterval(() => console.log('tick'), 10); callback(null, {user_id: '1'});"
    harness = await start_engine({"login": login(body)}, limits=Limits(timeout_seconds=0.3))
    await harness.invoke("login", "a", "pw")
    await asyncio.sleep(0.45)
    ticks = len([e for e in harness.events if e.message == "tick"])
    await asyncio.sleep(0.2)
    assert 5 <= ticks == len([e for e in harness.events if e.message == "tick"])


async def test_partial_pool_start_failure_leaks_no_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the second runner of a pool fails to start, the first is closed too."""
    original = runner_module.Runner.start.__func__  # type: ignore[attr-defined]
    calls = 0

    async def flaky(cls: type, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("injected start failure")
        return await original(cls, *args, **kwargs)

    monkeypatch.setattr(runner_module.Runner, "start", classmethod(flaky))
    before = mini_racer_context.context_count()
    async with Engine(spare_runners=0) as engine:
        with pytest.raises(RuntimeError, match="injected"):
            await engine.load(spec({"verify": HEALTHY_VERIFY}, runners=3))
    assert mini_racer_context.context_count() == before


async def test_invocations_get_an_error_when_no_runner_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If replacements keep failing, waiting invocations end with RunnerUnavailable."""
    looping = "function verify(u, cb) { while (true) {} }"
    async with Engine(host_modules=(TEST_HOST,)) as engine:
        await engine.load(spec({"verify": looping}, limits=Limits(timeout_seconds=0.4)))

        async def broken_take(self: Reserve) -> Any:
            raise RuntimeError("injected: no isolate can be created")

        monkeypatch.setattr(Reserve, "take", broken_take)
        first = await engine.invoke("c", "verify", ["a"])
        assert first.status == "timeout"
        await asyncio.sleep(1.5)  # the probe replaces the runner; replacements fail
        outcome = await engine.invoke("c", "verify", ["a"])
        assert outcome.error is not None
        assert outcome.error.name == "RunnerUnavailable"


async def test_reloading_a_connection_lets_invocations_in_flight_finish() -> None:
    """Loading a connection again drains the old runners instead of failing their work."""
    slow = "function verify(u, cb) { setTimeout(() => cb(null, 'old'), 200); }"
    fresh = "function verify(u, cb) { cb(null, 'new'); }"
    async with Engine() as engine:
        await engine.load(spec({"verify": slow}, limits=Limits(timeout_seconds=2)))
        in_flight = asyncio.ensure_future(engine.invoke("c", "verify", ["a"]))
        await asyncio.sleep(0.05)
        await engine.load(spec({"verify": fresh}, limits=Limits(timeout_seconds=2)))
        assert (await engine.invoke("c", "verify", ["a"])).result == "new"
        assert (await in_flight).result == "old"


async def test_a_closed_reserve_hands_out_nothing() -> None:
    """take() after close raises EngineClosedError instead of creating an isolate."""
    reserve = Reserve(size=0)
    await reserve.close()
    with pytest.raises(EngineClosedError):
        await reserve.take()


@pytest.mark.parametrize(
    "first_use",
    [
        "new URL('http://a.example/b?c=1').searchParams.get('c')",
        "new URLSearchParams('c=1').get('c')",
        "Buffer.from('1').toString()",
        "new TextDecoder().decode(new TextEncoder().encode('1'))",
        "structuredClone({c: '1'}).c",
        "atob(btoa('1'))",
    ],
)
async def test_each_lazy_global_works_as_the_first_one_a_runner_uses(
    start_engine: StartEngine, first_use: str
) -> None:
    """Every on-demand prelude file loads what it depends on, whatever is used first."""
    harness = await start_engine({"login": login(f"callback(null, {{user_id: {first_use}}});")})
    outcome = await harness.invoke("login", "a", "pw")
    assert outcome.result == {"user_id": "1"}
