"""The globals of Auth0's sandbox and Node's, as scripts see them (reference §2)."""

from __future__ import annotations

import pytest
from harness import StartEngine

CONFIGURATION = {"DB_HOST": "db.example.com", "API_KEY": "k-123"}


def get_user(body: str) -> str:
    return f"function getByEmail(email, callback) {{\n{body}\n}}"


async def test_configuration_values_are_readable(start_engine: StartEngine) -> None:
    """``configuration.X``, ``configuration['X']`` and destructuring all read the settings."""
    body = (
        "const {API_KEY} = configuration;"
        "callback(null, {user_id: '1', host: configuration.DB_HOST,"
        " key: configuration['API_KEY'], destructured: API_KEY});"
    )
    harness = await start_engine({"get_user": get_user(body)}, configuration=CONFIGURATION)
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {
        "user_id": "1",
        "host": "db.example.com",
        "key": "k-123",
        "destructured": "k-123",
    }


async def test_configuration_assignment_has_no_effect(start_engine: StartEngine) -> None:
    """In sloppy mode, writing or deleting a configuration value changes nothing."""
    body = (
        "configuration.DB_HOST = 'evil.example.com'; configuration.NEW = 'x';"
        "delete configuration.API_KEY;"
        "callback(null, {user_id: '1', host: configuration.DB_HOST,"
        " added: configuration.NEW === undefined, key: configuration.API_KEY});"
    )
    harness = await start_engine({"get_user": get_user(body)}, configuration=CONFIGURATION)
    first = await harness.invoke("get_user", "jane@example.com")
    assert first.result == {"user_id": "1", "host": "db.example.com", "added": True, "key": "k-123"}
    second = await harness.invoke("get_user", "jane@example.com")
    assert second.result == first.result


async def test_configuration_assignment_throws_in_strict_mode(start_engine: StartEngine) -> None:
    """A strict-mode script assigning to configuration gets a TypeError."""
    body = (
        "'use strict';\n"
        "configuration.DB_HOST = 'evil.example.com';\n"
        "callback(null, {user_id: 'x'});"
    )
    harness = await start_engine({"get_user": get_user(body)}, configuration=CONFIGURATION)
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "TypeError"


async def test_configuration_global_cannot_be_replaced(start_engine: StartEngine) -> None:
    """Reassigning the ``configuration`` global itself does not change what the next sees."""
    body = (
        "var seen = configuration.DB_HOST;"
        "try { configuration = {DB_HOST: 'evil'}; } catch (e) {}"
        "callback(null, {user_id: '1', seen: seen});"
    )
    harness = await start_engine({"get_user": get_user(body)}, configuration=CONFIGURATION)
    await harness.invoke("get_user", "jane@example.com")
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result["seen"] == "db.example.com"


COUNTER = (
    "function verify(email, callback) {"
    "  global.counter = (global.counter || 0) + 1;"
    "  callback(null, global.counter);"
    "}"
)
LOOP_FOREVER = "function login(email, password, callback) { while (true) {} }"


async def test_global_persists_across_invocations_on_one_runner(
    start_engine: StartEngine,
) -> None:
    """Values a script stores on ``global`` are there for the next invocation (a cache)."""
    harness = await start_engine({"verify": COUNTER})
    results = [(await harness.invoke("verify", "jane@example.com")).result for _ in range(3)]
    assert results == [1, 2, 3]


async def test_global_is_fresh_after_the_runner_is_replaced(start_engine: StartEngine) -> None:
    """A replaced runner starts with an empty ``global``, as a recycled Auth0 container."""
    harness = await start_engine({"verify": COUNTER, "login": LOOP_FOREVER})
    assert (await harness.invoke("verify", "a@example.com")).result == 1
    assert (await harness.invoke("verify", "a@example.com")).result == 2
    assert (await harness.invoke("login", "a@example.com", "pw")).status == "timeout"
    await harness.wait_for_restarts(1)
    assert (await harness.invoke("verify", "a@example.com")).result == 1


async def test_global_is_the_global_object(start_engine: StartEngine) -> None:
    """``global`` is globalThis, so ``global.fetch = ...`` defines a global, as in Node."""
    body = (
        "global.myHelper = 7;"
        "callback(null, {user_id: '1', same: global === globalThis, v: myHelper});"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {"user_id": "1", "same": True, "v": 7}


@pytest.mark.parametrize(
    "name", ["WrongUsernameOrPasswordError", "ValidationError", "UnauthorizedError"]
)
async def test_auth0_error_classes_are_errors(start_engine: StartEngine, name: str) -> None:
    """Each Auth0 error class is a global constructor whose instances are Errors."""
    body = (
        f"var e = new {name}('a', 'b');"
        f"callback(null, {{user_id: '1', type: typeof {name}, isError: e instanceof Error,"
        f" isOwn: e instanceof {name}, name: e.name, hasStack: typeof e.stack === 'string'}});"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {
        "user_id": "1",
        "type": "function",
        "isError": True,
        "isOwn": True,
        "name": name,
        "hasStack": True,
    }


async def test_require_of_an_unknown_module_throws_like_node(start_engine: StartEngine) -> None:
    """``require('anything')`` throws Error "Cannot find module 'anything'" / MODULE_NOT_FOUND."""
    body = (
        "try { require('anything'); callback(null, {user_id: 'no throw'}); }"
        "catch (e) { callback(null, {user_id: '1', name: e.name, message: e.message,"
        " code: e.code, isError: e instanceof Error}); }"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    result = outcome.result
    assert result["name"] == "Error"
    assert result["isError"] is True
    assert result["message"].startswith("Cannot find module 'anything'")
    assert result["code"] == "MODULE_NOT_FOUND"


async def test_uncaught_require_failure_is_the_invocation_error(
    start_engine: StartEngine,
) -> None:
    """A script requiring a module scriptbridge lacks fails with Node's message and code."""
    harness = await start_engine({"get_user": get_user("var pg = require('pg@7.4.1');")})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message.startswith("Cannot find module 'pg@7.4.1'")
    assert outcome.error.code == "MODULE_NOT_FOUND"


async def test_require_of_a_host_module_works(start_engine: StartEngine) -> None:
    """A bridged module registered with the engine is what ``require(name)`` returns, cached."""
    body = (
        "var a = require('testhost'); var b = require('testhost');"
        "callback(null, {user_id: '1', same: a === b, type: typeof a.sleep});"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {"user_id": "1", "same": True, "type": "function"}


NODE_GLOBALS = {
    "Buffer": "function",
    "process": "object",
    "setTimeout": "function",
    "clearTimeout": "function",
    "setImmediate": "function",
    "setInterval": "function",
    "clearInterval": "function",
    "queueMicrotask": "function",
    "TextEncoder": "function",
    "TextDecoder": "function",
    "URL": "function",
    "URLSearchParams": "function",
    "atob": "function",
    "btoa": "function",
    "structuredClone": "function",
    "Promise": "function",
    "require": "function",
    "console": "object",
    "global": "object",
}


async def test_node_globals_exist(start_engine: StartEngine) -> None:
    """The Node globals scripts use without require are defined, with the right types."""
    checks = ", ".join(f"{name}: typeof {name}" for name in NODE_GLOBALS)
    body = f"callback(null, {{user_id: '1', {checks}}});"
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.status == "result", outcome.error
    assert {k: v for k, v in outcome.result.items() if k != "user_id"} == NODE_GLOBALS


async def test_engine_internals_are_not_reachable(start_engine: StartEngine) -> None:
    """Scripts cannot reach the raw host interface, the notifications or the shared buffer."""
    names = ["host", "__sb_boot", "__sb_sync_fn", "__sb_bell_fn", "__sb_shared"]
    checks = ", ".join(f"{name}: typeof {name}" for name in names)
    body = f"callback(null, {{user_id: '1', {checks}}});"
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert {k: v for k, v in outcome.result.items() if k != "user_id"} == dict.fromkeys(
        names, "undefined"
    )


async def test_scripts_cannot_drive_the_bridge(start_engine: StartEngine) -> None:
    """``__sb.pump`` needs the runner's secret key; adopting and defining end at start-up."""
    body = (
        "const tries = {"
        " pump: () => __sb.pump('guess', [[], [], ['x']]),"
        " define: () => __sb.define('login', 'x.js', 0, () => () => 0),"
        " defineModule: () => __sb.defineModule('fs', () => 0),"
        " adopt: () => __sb.adopt('k', {}, 1, [], []) };"
        "const refused = {};"
        "for (const [name, attempt] of Object.entries(tries)) {"
        "  try { attempt(); refused[name] = false; } catch (e) { refused[name] = e.name; } }"
        "callback(null, {user_id: '1', ...refused});"
    )
    harness = await start_engine({"get_user": get_user(body)})
    outcome = await harness.invoke("get_user", "jane@example.com")
    assert outcome.result == {
        "user_id": "1",
        "pump": "TypeError",
        "define": "TypeError",
        "defineModule": "TypeError",
        "adopt": "TypeError",
    }
    assert (await harness.invoke("get_user", "jane@example.com")).status == "result"
