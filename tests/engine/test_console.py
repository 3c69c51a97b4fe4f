"""Console output: captured per invocation, streamed to on_log, attributed correctly."""

from __future__ import annotations

import asyncio

import pytest
from harness import StartEngine


async def test_console_methods_are_captured_with_their_levels(start_engine: StartEngine) -> None:
    """log/info/warn/error/debug land in outcome.logs in order, each with its level."""
    source = (
        "function verify(email, callback) {"
        "  console.log('a log', email);"
        "  console.info('an info');"
        "  console.warn('a warning');"
        "  console.error('an error');"
        "  console.debug('a debug');"
        "  callback(null, true);"
        "}"
    )
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    assert [(e.level, e.message) for e in outcome.logs] == [
        ("info", "a log jane@example.com"),
        ("info", "an info"),
        ("warn", "a warning"),
        ("error", "an error"),
        ("debug", "a debug"),
    ]


async def test_console_lines_reach_on_log_with_connection_kind_and_invocation(
    start_engine: StartEngine,
) -> None:
    """Each line is also an on_log event naming the connection, the kind and the invocation."""
    source = "function verify(email, callback) { console.log('checking', email); callback(); }"
    harness = await start_engine({"verify": source}, name="legacy-users")
    outcome = await harness.invoke("verify", "jane@example.com")
    (event,) = harness.events
    assert event.message == "checking jane@example.com"
    assert event.level == "info"
    assert event.connection == "legacy-users"
    assert event.kind == "verify"
    assert event.invocation_id == outcome.invocation_id
    assert outcome.logs == (event,)


async def test_console_after_an_await_belongs_to_its_invocation(start_engine: StartEngine) -> None:
    """Lines logged after timers and host calls are still attributed to their invocation."""
    source = (
        "async function verify(email, callback) {"
        "  console.log('start', email);"
        "  await new Promise(function (resolve) { setTimeout(resolve, 10); });"
        "  console.log('after timer', email);"
        "  await require('testhost').sleepPromise(10);"
        "  console.log('after host call', email);"
        "  callback(null, true);"
        "}"
    )
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    assert [e.message for e in outcome.logs] == [
        "start jane@example.com",
        "after timer jane@example.com",
        "after host call jane@example.com",
    ]


async def test_interleaved_invocations_keep_their_own_console_lines(
    start_engine: StartEngine,
) -> None:
    """Two invocations logging around timers of different lengths each get only their lines."""
    source = (
        "function verify(email, callback) {"
        "  var wait = email === 'slow' ? 120 : 30;"
        "  console.log(email, 'one');"
        "  setTimeout(function () {"
        "    console.log(email, 'two');"
        "    setTimeout(function () { console.log(email, 'three'); callback(null, true); }, wait);"
        "  }, wait);"
        "}"
    )
    harness = await start_engine({"verify": source})
    slow, fast = await asyncio.gather(
        harness.invoke("verify", "slow"), harness.invoke("verify", "fast")
    )
    assert [e.message for e in slow.logs] == ["slow one", "slow two", "slow three"]
    assert [e.message for e in fast.logs] == ["fast one", "fast two", "fast three"]
    for outcome in (slow, fast):
        assert {e.invocation_id for e in outcome.logs} == {outcome.invocation_id}
    for outcome in (slow, fast):
        streamed = [e for e in harness.events if e.invocation_id == outcome.invocation_id]
        assert tuple(streamed) == outcome.logs
    # They really interleaved: the fast invocation finished while the slow one was waiting.
    messages = [e.message for e in harness.events]
    assert messages.index("fast three") < messages.index("slow two")


async def test_console_after_the_callback_still_reaches_on_log(start_engine: StartEngine) -> None:
    """A line logged after calling back is streamed with its connection, kind and invocation."""
    source = (
        "function verify(email, callback) {"
        "  callback(null, true);"
        "  console.log('after the callback');"
        "}"
    )
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    await asyncio.sleep(0.05)
    (event,) = [e for e in harness.events if e.message == "after the callback"]
    assert event.invocation_id == outcome.invocation_id
    assert event.connection == harness.name
    assert event.kind == "verify"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{a: 1}", "a: 1"),
        ("[1, 'two']", "1, 'two'"),
        ("{nested: {deep: true}}", "deep: true"),
        ("new Error('kaboom')", "kaboom"),
    ],
)
async def test_console_formats_objects(
    start_engine: StartEngine, expression: str, expected: str
) -> None:
    """Objects are formatted Node-style (``{ a: 1 }``), not as ``[object Object]``."""
    source = f"function verify(email, callback) {{ console.log({expression}); callback(); }}"
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    (event,) = outcome.logs
    assert expected in event.message
    assert "[object Object]" not in event.message


async def test_console_format_specifiers(start_engine: StartEngine) -> None:
    """``console.log('%s has %d', ...)`` substitutes like Node's util.format."""
    source = "function verify(e, cb) { console.log('%s has %d items', 'cart', 3); cb(); }"
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    assert outcome.logs[0].message == "cart has 3 items"


async def test_console_with_a_throwing_tostring_does_not_break_the_script(
    start_engine: StartEngine,
) -> None:
    """An argument whose formatting throws costs the line, not the invocation."""
    source = (
        "function verify(email, callback) {"
        "  var evil = {toString: function () { throw new Error('no'); },"
        "              [Symbol.toPrimitive]: function () { throw new Error('no'); }};"
        "  console.log(evil);"
        "  callback(null, true);"
        "}"
    )
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    assert (outcome.status, outcome.result) == ("result", True)
    assert len(outcome.logs) == 1


async def test_global_console_reaches_the_log_from_module_code(start_engine: StartEngine) -> None:
    """Code outside the script's scope (a module, process.emitWarning) logs to the invocation."""
    body = (
        "globalThis.console.warn('from outside', 1);"
        "process.emitWarning('careful');"
        "callback(null, {user_id: '1'});"
    )
    harness = await start_engine({"login": f"function login(e, p, callback) {{ {body} }}"})
    outcome = await harness.invoke("login", "a", "pw")
    messages = [(e.level, e.message) for e in outcome.logs]
    assert ("warn", "from outside 1") in messages
    assert any("careful" in message for _, message in messages)


async def test_secrets_never_reach_a_console_line(start_engine: StartEngine) -> None:
    """The connection's configuration values and the invocation's secrets are redacted, as
    written and as console.log shows them inside objects; short values are left alone."""
    source = (
        "function login(email, password, callback) {"
        "  console.log('connecting with', configuration.DB_PASSWORD, 'port', configuration.PORT);"
        "  console.log('checking', password);"
        "  console.log({user: email, password: password});"
        "  callback(null, {user_id: '1'});"
        "}"
    )
    harness = await start_engine(
        {"login": source}, configuration={"DB_PASSWORD": "db-s3cret!", "PORT": "543"}
    )
    secret = 'pa"ss\\word'
    outcome = await harness.engine.invoke(
        harness.name,
        "login",
        ["jane@example.com", secret],
        subject="jane@example.com",
        secrets=(secret,),
    )
    messages = [event.message for event in harness.events]
    assert messages[0] == "connecting with [redacted] port 543"
    assert messages[1] == "checking [redacted]"
    assert "[redacted]" in messages[2]
    for message in messages:
        assert "db-s3cret!" not in message
        assert "pa" + '"ss' not in message
        assert "ss\\\\word" not in message
    assert {event.subject for event in harness.events} == {"jane@example.com"}
    assert outcome.logs == tuple(harness.events)


async def test_an_uncaught_error_is_a_line_of_the_stream(start_engine: StartEngine) -> None:
    """A script that throws adds an error event (name, message, stack) to on_log, not to its
    outcome's logs, which the outcome's error already reports."""
    source = "function verify(email, callback) { throw new TypeError('no such table: users'); }"
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.logs == ()
    (event,) = harness.events
    assert event.level == "error"
    assert event.message.startswith("TypeError: no such table: users")
    assert "verify.js" in event.message
    assert event.invocation_id == outcome.invocation_id
