"""Host calls: bridged modules reaching Python, asynchronously and synchronously."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from harness import StartEngine

from scriptbridge.engine import ConnectionSpec, Engine, HostModule, Limits, Script

SLOW_FACADE = "exports.wait = (cb) => host.call('wait', [], cb);"


def login(body: str) -> str:
    return f"function login(email, password, callback) {{\n{body}\n}}"


def get_user(body: str) -> str:
    prefix = "function getByEmail(email, callback) {\n  var testhost = require('testhost');\n"
    return prefix + body + "\n}"


async def test_async_host_call_result_reaches_the_script_callback(
    start_engine: StartEngine,
) -> None:
    """``host.call`` runs the Python coroutine; its value arrives in the JS callback."""
    body = (
        "testhost.sleep(20, function (err, value) {"
        "  callback(err, {user_id: 'u' + value, slept: value, err: err});"
        "});"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {"user_id": "u20", "slept": 20, "err": None}
    assert outcome.elapsed_ms >= 20


async def test_promise_host_call_resolves_with_the_value(start_engine: StartEngine) -> None:
    """``host.promise`` gives a Promise an async script can await."""
    source = (
        "async function getByEmail(email, callback) {"
        "  var value = await require('testhost').sleepPromise(15);"
        "  callback(null, {user_id: 'u' + value});"
        "}"
    )
    harness = await start_engine({"get_user": source})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {"user_id": "u15"}


async def test_python_exception_in_async_host_call_is_a_js_error(
    start_engine: StartEngine,
) -> None:
    """A Python exception reaches the callback as an Error with its message, name and code."""
    body = (
        "testhost.fail('connection refused', function (err, value) {"
        "  callback(null, {user_id: '1', isError: err instanceof Error, message: err.message,"
        "                  name: err.name, code: err.code, noValue: value == null});"
        "});"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {
        "user_id": "1",
        "isError": True,
        "message": "connection refused",
        "name": "HostFailureError",
        "code": "ETESTHOST",
        "noValue": True,
    }


async def test_python_exception_in_promise_host_call_rejects(start_engine: StartEngine) -> None:
    """With ``host.promise`` the Python exception rejects the Promise; try/await catches it."""
    source = (
        "async function getByEmail(email, callback) {"
        "  var testhost = require('testhost');"
        "  try { await testhost.failPromise('timeout talking to db'); }"
        "  catch (err) { return callback(null, {user_id: '1', message: err.message}); }"
        "  callback(null, {user_id: 'no rejection'});"
        "}"
    )
    harness = await start_engine({"get_user": source})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {"user_id": "1", "message": "timeout talking to db"}


async def test_unhandled_host_promise_rejection_is_the_invocation_error(
    start_engine: StartEngine,
) -> None:
    """An async script that lets the rejection escape fails with the Python message."""
    source = (
        "async function getByEmail(email, callback) {"
        "  await require('testhost').failPromise('timeout talking to db');"
        "  callback(null, {user_id: 'unexpected'});"
        "}"
    )
    harness = await start_engine({"get_user": source})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message == "timeout talking to db"


async def test_sync_host_call_returns_the_value_inline(start_engine: StartEngine) -> None:
    """``host.callSync`` returns Python's answer as the call's value, in the same tick."""
    body = "callback(null, {user_id: testhost.upper(email)});"
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {"user_id": "JANE@EXAMPLE.COM"}


async def test_python_exception_in_sync_host_call_is_a_catchable_throw(
    start_engine: StartEngine,
) -> None:
    """A Python exception in a synchronous host function is a JS throw try/catch can catch."""
    body = (
        "try { testhost.failSync('bad digest'); callback(null, {user_id: 'no throw'}); }"
        "catch (err) { callback(null, {user_id: '1', isError: err instanceof Error,"
        "                              message: err.message, name: err.name}); }"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {
        "user_id": "1",
        "isError": True,
        "message": "bad digest",
        "name": "ValueError",
    }


async def test_uncaught_sync_host_call_failure_is_the_invocation_error(
    start_engine: StartEngine,
) -> None:
    """Not caught by the script, the synchronous failure ends the invocation with it."""
    harness = await start_engine({"get_user": get_user("testhost.failSync('bad digest');")})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message == "bad digest"


async def test_unknown_async_host_function_is_an_error(start_engine: StartEngine) -> None:
    """Calling a host function nobody registered answers the callback with an Error."""
    body = "testhost.missing(function (err) { callback(err); });"
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert "missing" in outcome.error.message


async def test_unknown_sync_host_function_throws(start_engine: StartEngine) -> None:
    """A synchronous call of an unregistered host function throws in JavaScript."""
    harness = await start_engine({"get_user": get_user("testhost.missingSync();")})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert "missing" in outcome.error.message


async def test_many_concurrent_invocations_with_host_calls_all_complete(
    start_engine: StartEngine,
) -> None:
    """300 invocations in flight on one runner, each awaiting a 50 ms host call, all finish."""
    body = "testhost.sleep(50, function (err, value) { callback(err, {user_id: email}); });"
    harness = await start_engine(
        {"get_user": get_user(body)},
        limits=Limits(timeout_seconds=10, memory_mb=64, buffer_mb=8, probe_seconds=1),
    )
    emails = [f"user{n}@example.com" for n in range(300)]
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(harness.invoke("get_user", e) for e in emails))
    elapsed = time.perf_counter() - started
    assert [o.result["user_id"] for o in outcomes] == emails
    assert len({o.invocation_id for o in outcomes}) == 300
    assert elapsed < 2.0


async def test_host_call_is_cut_off_at_the_invocation_deadline(start_engine: StartEngine) -> None:
    """A host call outliving its invocation's deadline is cancelled, not left running."""
    started: list[float] = []
    finished: list[float] = []

    async def slow(args: list[Any]) -> Any:
        started.append(asyncio.get_running_loop().time())
        await asyncio.sleep(5)
        finished.append(asyncio.get_running_loop().time())

    harness = await start_engine(
        {"login": login("require('slow').wait((err) => callback(err));")},
        extra_modules=(HostModule(name="slow", source=SLOW_FACADE, functions={"wait": slow}),),
    )
    outcome = await harness.invoke("login", "a", "pw")
    assert outcome.status == "timeout"
    await asyncio.sleep(0.1)
    assert started
    assert not finished


async def test_host_call_after_the_callback_runs_until_the_deadline(
    start_engine: StartEngine,
) -> None:
    """A host call made after calling back (a last write) still completes."""
    done: list[str] = []

    async def record(args: list[Any]) -> Any:
        await asyncio.sleep(0.05)
        done.append(args[0])

    facade = "exports.record = (v, cb) => host.call('record', [v], cb);"
    harness = await start_engine(
        {"login": login("callback(null, {user_id: '1'}); require('rec').record(email, () => {});")},
        extra_modules=(HostModule(name="rec", source=facade, functions={"record": record}),),
    )
    assert (await harness.invoke("login", "jane", "pw")).status == "result"
    await asyncio.sleep(0.2)
    assert done == ["jane"]


async def test_module_lifespan_opens_before_the_first_load_and_closes_with_the_engine() -> None:
    """A module's shared resource is entered once, used by its functions, exited on close."""
    events: list[str] = []
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        events.append("open")
        state["session"] = "shared-session"
        yield
        events.append("close")

    async def which(args: list[Any]) -> Any:
        return state["session"]

    module = HostModule(
        name="res",
        source="exports.which = (cb) => host.call('which', [], cb);",
        functions={"which": which},
        lifespan=lifespan,
    )
    source = login("require('res').which((err, s) => callback(err, {user_id: s}));")
    async with Engine(host_modules=(module,)) as engine:
        for name in ("a", "b"):
            scripts = {"login": Script("login", source, "login.js")}
            await engine.load(ConnectionSpec(name, scripts, runners=1))
        outcome = await engine.invoke("b", "login", ["x", "pw"])
        assert events == ["open"]
    assert outcome.result == {"user_id": "shared-session"}
    assert events == ["open", "close"]
