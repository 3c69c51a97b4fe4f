"""process, queueMicrotask and the timers, in real V8 with mini-racer's event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from py_mini_racer import MiniRacer

from scriptbridge.node import prelude_source

Run = Callable[[str], Any]


def test_process_describes_node_18_on_linux(js: Run) -> None:
    assert js(
        "[process.version, process.versions.node, process.platform, process.arch, process.pid,"
        " process.argv, process.env, process.cwd(), process.title,"
        " Object.prototype.toString.call(process)]"
    ) == ["v18.20.4", "18.20.4", "linux", "x64", 0, [], {}, "/", "node", "[object process]"]


def test_process_env_is_a_writable_plain_object(js: Run) -> None:
    assert js(
        "(() => { process.env.TOKEN = 'x'; return [process.env.TOKEN, process.env.NOPE] })()"
    ) == [
        "x",
        None,
    ]


def test_hrtime_returns_seconds_and_nanoseconds(js: Run) -> None:
    assert js(
        "(() => { const t = process.hrtime(); const d = process.hrtime(t);"
        " return [t.length, Number.isInteger(t[0]), t[1] >= 0 && t[1] < 1e9, d[0] >= 0,"
        " d[1] >= 0, typeof process.hrtime.bigint(), process.uptime() >= 0]; })()"
    ) == [2, True, True, True, True, "bigint", True]


def test_hrtime_checks_its_argument(error: Run) -> None:
    assert error("process.hrtime(1)")["message"] == (
        'The "time" argument must be an instance of Array. Received type number (1)'
    )


def test_memory_usage_reports_zeros(js: Run) -> None:
    assert js("[process.memoryUsage(), process.memoryUsage.rss()]") == [
        {"rss": 0, "heapTotal": 0, "heapUsed": 0, "external": 0, "arrayBuffers": 0},
        0,
    ]


def test_event_methods_are_chainable_no_ops(js: Run) -> None:
    assert js(
        "[process.on('exit', () => {}) === process, process.once('x', () => {}) === process,"
        " process.off('x', () => {}) === process, process.emit('x'), process.listeners('x'),"
        " process.listenerCount('x')]"
    ) == [True, True, True, False, [], 0]


def test_emit_warning_goes_to_console_warn(run: Run) -> None:
    assert run(
        "const seen = []; globalThis.console = {warn: (text) => seen.push(text)};"
        " process.emitWarning('careful'); process.emitWarning('old', 'DeprecationWarning', 'DEP1');"
        " process.emitWarning(new Error('as error'));"
        " process.emitWarning('with options', {type: 'CustomWarning', detail: 'more'});"
        " return seen;"
    ) == [
        "(node:0) Warning: careful",
        "(node:0) [DEP1] DeprecationWarning: old",
        "(node:0) Error: as error",
        "(node:0) CustomWarning: with options\nmore",
    ]


@pytest.mark.parametrize(
    "call",
    [
        "setTimeout(1)",
        "setInterval()",
        "setImmediate('x')",
        "queueMicrotask(null)",
        "process.nextTick({})",
    ],
)
def test_scheduling_without_a_function_is_a_type_error(error: Run, call: str) -> None:
    thrown = error(call)
    assert (thrown["name"], thrown["code"]) == ("TypeError", "ERR_INVALID_ARG_TYPE")
    assert thrown["message"].startswith('The "callback" argument must be of type function.')


def test_timers_return_handles_with_ref_unref_and_a_numeric_id(js: Run) -> None:
    assert js(
        "(() => { const t = setTimeout(() => {}, 1000); const i = setImmediate(() => {});"
        " const result = [typeof t, t.hasRef(), t.unref() === t, t.hasRef(), t.ref().hasRef(),"
        " Number.isInteger(+t), typeof t.refresh, i.hasRef(), i.unref().hasRef()];"
        " clearTimeout(t); clearImmediate(i); return result; })()"
    ) == ["object", True, True, False, True, True, "function", True, False]


# ---- Timers running on mini-racer's event loop ----------------------------------------------


@pytest.fixture
async def loop_racer() -> AsyncIterator[MiniRacer]:
    """A prelude-loaded MiniRacer for tests that let timers fire while the test awaits."""
    mr = MiniRacer()
    await mr.eval_cancelable(prelude_source())
    yield mr
    mr.close()


async def wait_for_log(mr: MiniRacer, length: int, within: float = 2.0) -> list[Any]:
    """Poll the script's `log` array until it has `length` entries, or `within` seconds pass."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        log: list[Any] = json.loads(str(await mr.eval_cancelable("JSON.stringify(log)")))
        if len(log) >= length or asyncio.get_running_loop().time() > deadline:
            return log
        await asyncio.sleep(0.005)


async def test_set_interval_repeats_until_cleared(loop_racer: MiniRacer) -> None:
    await loop_racer.eval_cancelable(
        "var log = []; var n = 0;"
        "var iv = setInterval((tag) => { log.push(tag + ++n); if (n === 3) clearInterval(iv); },"
        " 2, 'tick');"
    )
    assert await wait_for_log(loop_racer, 3) == ["tick1", "tick2", "tick3"]
    await asyncio.sleep(0.03)
    assert await wait_for_log(loop_racer, 4, within=0) == ["tick1", "tick2", "tick3"]


async def test_clear_functions_accept_any_timer_or_its_id(loop_racer: MiniRacer) -> None:
    await loop_racer.eval_cancelable(
        "var log = [];"
        "var a = setInterval(() => log.push('interval a'), 1); clearTimeout(a);"
        "var b = setTimeout(() => log.push('timeout b'), 1); clearInterval(b);"
        "var c = setTimeout(() => log.push('timeout c'), 1); clearTimeout(+c);"
        "var d = setImmediate(() => log.push('immediate d')); clearTimeout(d);"
        "clearTimeout(undefined); clearTimeout(null); clearInterval('nope');"
        "setTimeout(() => log.push('done'), 20);"
    )
    assert await wait_for_log(loop_racer, 1) == ["done"]


async def test_set_timeout_without_a_usable_delay_runs_after_one_millisecond(
    loop_racer: MiniRacer,
) -> None:
    # mini-racer's own setTimeout throws on 0 and never fires without a delay.
    await loop_racer.eval_cancelable(
        "var log = [];"
        "setTimeout(() => log.push('zero'), 0);"
        "setTimeout(() => log.push('none'));"
        "setTimeout(() => log.push('negative'), -5);"
        "setTimeout((x, y) => log.push(x + y), 'soon', 'with ', 'arguments');"
    )
    log = await wait_for_log(loop_racer, 4)
    assert sorted(log) == ["negative", "none", "with arguments", "zero"]


async def test_timer_callbacks_get_their_timer_as_this(loop_racer: MiniRacer) -> None:
    await loop_racer.eval_cancelable(
        "var log = [];"
        "var t = setTimeout(function () { log.push(this === t) }, 1);"
        "var i = setImmediate(function () { log.push(this === i) });"
    )
    assert await wait_for_log(loop_racer, 2) == [True, True]


async def test_set_immediate_runs_in_order_with_arguments(loop_racer: MiniRacer) -> None:
    await loop_racer.eval_cancelable(
        "var log = [];"
        "setImmediate((a, b) => log.push('first ' + a + b), 1, 2);"
        "var skipped = setImmediate(() => log.push('cleared'));"
        "setImmediate(() => { log.push('second');"
        "  Promise.resolve().then(() => log.push('promise job after second')); });"
        "setImmediate(() => log.push('third'));"
        "clearImmediate(skipped);"
    )
    assert await wait_for_log(loop_racer, 4) == [
        "first 12",
        "second",
        "promise job after second",
        "third",
    ]


async def test_next_tick_and_microtasks_run_before_timers(loop_racer: MiniRacer) -> None:
    await loop_racer.eval_cancelable(
        "var log = [];"
        "setTimeout(() => log.push('timeout'), 1);"
        "setImmediate(() => log.push('immediate'));"
        "process.nextTick((a, b) => log.push('tick ' + a + b), 'x', 'y');"
        "queueMicrotask(() => log.push('microtask'));"
        "log.push('sync');"
    )
    log = await wait_for_log(loop_racer, 5)
    assert log[:3] == ["sync", "tick xy", "microtask"]
    assert sorted(log[3:]) == ["immediate", "timeout"]


async def test_refresh_restarts_the_wait(loop_racer: MiniRacer) -> None:
    await loop_racer.eval_cancelable(
        "var log = []; var start = Date.now();"
        "var t = setTimeout(() => log.push(Date.now() - start), 40);"
        "setTimeout(() => t.refresh(), 25);"
    )
    (elapsed,) = await wait_for_log(loop_racer, 1)
    assert elapsed >= 60
