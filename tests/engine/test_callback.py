"""What a script's callback call (or failure to call it) means (reference §1.2, §1.3)."""

from __future__ import annotations

import pytest
from harness import FAST, StartEngine

from scriptbridge.engine import Limits

#: Long enough that an error reported "early" is clearly not the deadline passing.
SLOW = Limits(timeout_seconds=5.0, memory_mb=32, buffer_mb=8, probe_seconds=0.2)
EARLY_MS = 1000


def login(body: str) -> str:
    return f"function login(email, password, callback) {{\n{body}\n}}"


async def test_first_callback_wins_and_later_calls_are_logged_as_warnings(
    start_engine: StartEngine,
) -> None:
    """A second and third callback call are ignored, each reported as a warn event."""
    harness = await start_engine(
        {
            "change_password": "function changePassword(email, newPassword, callback) {"
            "  callback(new Error('first'));"
            "  callback(null, true);"
            "  callback(null, false);"
            "}"
        }
    )
    outcome = await harness.invoke("change_password", "jane@example.com", "n3w")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message == "first"
    warnings = [e for e in harness.events if e.level == "warn"]
    assert len(warnings) == 2
    for event in warnings:
        assert event.invocation_id == outcome.invocation_id
        assert event.connection == harness.name
        assert "callback" in event.message


async def test_late_warning_carries_the_script_kind(start_engine: StartEngine) -> None:
    """The warning about a repeated callback names the kind of script, like console lines."""
    harness = await start_engine({"login": login("callback(null, {user_id: '1'}); callback();")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    (warning,) = [e for e in harness.events if e.level == "warn"]
    assert warning.invocation_id == outcome.invocation_id
    assert warning.kind == "login"


async def test_string_error_becomes_an_error_with_that_message(start_engine: StartEngine) -> None:
    """``callback('text')`` is an error whose message is the text."""
    harness = await start_engine({"login": login("callback('Unable to parse username');")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message == "Unable to parse username"


async def test_error_instance_keeps_name_message_and_stack(start_engine: StartEngine) -> None:
    """``callback(new Error('x'))`` is an error named Error with message x and a stack."""
    harness = await start_engine({"login": login("callback(new Error('database down'));")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert (outcome.error.name, outcome.error.message) == ("Error", "database down")
    assert outcome.error.stack is not None
    assert "login.js" in outcome.error.stack


async def test_error_stack_points_at_the_script_file_and_line(start_engine: StartEngine) -> None:
    """Stack frames name the script's file with its own line and column numbers."""
    source = (
        "function login(email, password, callback) {\n"
        "  // a comment\n"
        "  callback(new Error('x'));\n"
        "}"
    )
    harness = await start_engine({"login": source})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.error is not None
    assert outcome.error.stack is not None
    assert "login.js:3:12" in outcome.error.stack


async def test_error_stack_on_the_first_line_has_the_script_column(
    start_engine: StartEngine,
) -> None:
    """On line 1, which the engine's wrapper shares, the column is still the script's own."""
    source = "function login(email, password, callback) { callback(new Error('x')); }"
    harness = await start_engine({"login": source})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.error is not None
    assert outcome.error.stack is not None
    assert f"login.js:1:{source.index('new Error') + 1})" in outcome.error.stack


async def test_wrong_username_or_password_error_keeps_name_message_and_user_id(
    start_engine: StartEngine,
) -> None:
    """WrongUsernameOrPasswordError(email, msg) arrives with its name, message and user_id."""
    harness = await start_engine(
        {"login": login("callback(new WrongUsernameOrPasswordError(email, 'Invalid password'));")}
    )
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "WrongUsernameOrPasswordError"
    assert outcome.error.message == "Invalid password"
    assert outcome.error.data["user_id"] == "jane@example.com"


async def test_validation_error_keeps_its_code(start_engine: StartEngine) -> None:
    """ValidationError('user_exists', msg) arrives with name, code and message."""
    harness = await start_engine(
        {
            "create": "function create(user, callback) {"
            "  callback(new ValidationError('user_exists', 'the user already exists'));"
            "}"
        }
    )
    outcome = await harness.invoke("create", {"email": "jane@example.com", "password": "pw"})
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "ValidationError"
    assert outcome.error.code == "user_exists"
    assert outcome.error.message == "the user already exists"


async def test_unauthorized_error_keeps_name_and_message(start_engine: StartEngine) -> None:
    """UnauthorizedError(msg) arrives with its name and message."""
    harness = await start_engine({"login": login("callback(new UnauthorizedError('blocked'));")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.error is not None
    assert (outcome.error.name, outcome.error.message) == ("UnauthorizedError", "blocked")


async def test_synchronous_throw_is_an_error_at_once(start_engine: StartEngine) -> None:
    """A TypeError thrown by the script body is its error, long before any deadline."""
    harness = await start_engine(
        {"login": login("var client = new (require('testhost').MongoClient)();")}, limits=SLOW
    )
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "TypeError"
    assert outcome.elapsed_ms < EARLY_MS


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            "setTimeout(function () { throw new Error('in a timer'); }, 10);",
            "in a timer",
            id="timer",
        ),
        pytest.param(
            "require('testhost').sleep(10, function (err, value) {"
            "  throw new Error('in a host callback');"
            "});",
            "in a host callback",
            id="host-call",
        ),
    ],
)
async def test_throw_in_a_later_callback_is_an_early_error(
    start_engine: StartEngine, body: str, message: str
) -> None:
    """An uncaught throw in a timer or host-call callback ends the invocation with it."""
    harness = await start_engine({"login": login(body)}, limits=SLOW)
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message == message
    assert outcome.elapsed_ms < EARLY_MS


async def test_async_script_that_rejects_is_an_early_error(start_engine: StartEngine) -> None:
    """An async function that throws after an await, never calling back, fails at once."""
    source = (
        "async function login(email, password, callback) {"
        "  await require('testhost').sleepPromise(5);"
        "  throw new Error('lookup failed');"
        "}"
    )
    harness = await start_engine({"login": source}, limits=SLOW)
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message == "lookup failed"
    assert outcome.elapsed_ms < EARLY_MS


async def test_returned_promise_value_is_ignored(start_engine: StartEngine) -> None:
    """Only the callback counts: an async script resolving to a value still must call back."""
    source = (
        "async function verify(email, callback) {"
        "  setTimeout(function () { callback(null, true); }, 10);"
        "  return false;"
        "}"
    )
    harness = await start_engine({"verify": source})
    outcome = await harness.invoke("verify", "jane@example.com")
    assert (outcome.status, outcome.result) == ("result", True)


@pytest.mark.parametrize("call", ["callback()", "callback(null)", "callback(null, null)"])
async def test_empty_callback_is_no_result(start_engine: StartEngine, call: str) -> None:
    """``callback()``, ``callback(null)`` and ``callback(null, null)`` all mean no result."""
    harness = await start_engine({"login": login(call + ";")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "no_result"
    assert outcome.result is None
    assert outcome.error is None


@pytest.mark.parametrize("value", [True, False])
async def test_verify_result_is_the_boolean_passed(start_engine: StartEngine, value: bool) -> None:
    """``callback(null, false)`` from verify is a result of False, not no result."""
    js = "true" if value else "false"
    harness = await start_engine({"verify": f"function (email, cb) {{ cb(null, {js}); }}"})
    outcome = await harness.invoke("verify", "jane@example.com")
    assert outcome.status == "result"
    assert outcome.result is value


@pytest.mark.parametrize(
    ("profile", "user_id"),
    [("{id: 'abc', email: email}", "abc"), ("{id: 42, email: email}", "42")],
    ids=["string-id", "numeric-id"],
)
async def test_profile_with_id_but_no_user_id_gets_user_id_from_id(
    start_engine: StartEngine, profile: str, user_id: str
) -> None:
    """``id`` is accepted as an alias: the result's user_id is filled from it, as a string."""
    harness = await start_engine({"login": login(f"callback(null, {profile});")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "result", outcome.error
    assert outcome.result["user_id"] == user_id
    assert outcome.result["email"] == "jane@example.com"


@pytest.mark.parametrize(
    "profile",
    ["{email: email, name: 'Jane'}", "{}"],
    ids=["no-id", "empty"],
)
async def test_profile_without_any_id_is_an_invalid_profile_error(
    start_engine: StartEngine, profile: str
) -> None:
    """A profile with neither user_id nor id fails with code invalid_profile, no crash."""
    harness = await start_engine({"login": login(f"callback(null, {profile});")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.code == "invalid_profile"
    assert "user_id" in outcome.error.message


@pytest.mark.parametrize("profile", ["'jane'", "42", "true", "[1, 2]"])
async def test_login_profile_that_is_not_an_object_is_an_error(
    start_engine: StartEngine, profile: str
) -> None:
    """login must call back with an object; anything else is an invalid_profile error."""
    harness = await start_engine({"login": login(f"callback(null, {profile});")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.code == "invalid_profile"


@pytest.mark.parametrize(
    "setup",
    [
        "var profile = {user_id: '1', big: 10n};",
        "var profile = {user_id: '1'}; profile.self = profile;",
    ],
    ids=["bigint", "cycle"],
)
async def test_result_that_is_not_json_is_an_error_naming_json(
    start_engine: StartEngine, setup: str
) -> None:
    """A profile holding a BigInt or a cycle cannot cross to Python: the error says JSON."""
    harness = await start_engine({"login": login(setup + " callback(null, profile);")})
    outcome = await harness.invoke("login", "jane@example.com", "pw")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert "JSON" in outcome.error.message


async def test_callback_after_the_deadline_is_ignored(start_engine: StartEngine) -> None:
    """A script calling back after its timeout gets no say; the runner stays in service."""
    source = "function verify(email, callback) { setTimeout(() => callback(null, true), 700); }"
    harness = await start_engine(
        {"verify": source, "get_user": "function (e, cb) { cb(null, {user_id: e}); }"},
        limits=FAST,
    )
    outcome = await harness.invoke("verify", "jane@example.com")
    assert outcome.status == "timeout"
    quick = await harness.invoke("get_user", "jane@example.com")
    assert quick.result == {"user_id": "jane@example.com"}
    assert harness.restarts == 0
