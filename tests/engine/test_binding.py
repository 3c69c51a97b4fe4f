"""Scripts are bound by position, whatever their name or form (reference §1, §1.1)."""

from __future__ import annotations

from typing import Any

import pytest
from harness import StartEngine

from scriptbridge.engine import ScriptKind

LOGIN_RESULT = "callback(null, {user_id: 'u1', email: email, password: password});"

COMMENT_HEADER = "".join(f"// line {n} of a long header comment\n" for n in range(1, 31))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(f"function login(email, password, callback) {{ {LOGIN_RESULT} }}", id="login"),
        pytest.param(
            f"function getByEmail(email, password, callback) {{ {LOGIN_RESULT} }}",
            id="getByEmail",
        ),
        pytest.param(
            f"function loginByEmail(email, password, callback) {{ {LOGIN_RESULT} }}",
            id="loginByEmail",
        ),
        pytest.param(f"function (email, password, callback) {{ {LOGIN_RESULT} }}", id="anonymous"),
        pytest.param(f"(email, password, callback) => {{ {LOGIN_RESULT} }}", id="arrow"),
        pytest.param(
            f"async function login(email, password, callback) {{ await null; {LOGIN_RESULT} }}",
            id="async",
        ),
        pytest.param(
            COMMENT_HEADER
            + "/* a block comment\n   over two lines */\n"
            + f"function login(email, password, callback) {{\n  {LOGIN_RESULT}\n}}\n",
            id="comment-header",
        ),
        pytest.param(
            f"function login(email, password, callback) {{ {LOGIN_RESULT} }};", id="semicolon"
        ),
        pytest.param(
            "function login(email, password, callback) {\n"
            "  callback(null, {user_id: helper(email), email: email, password: password});\n"
            "}\n"
            "function helper(value) { return 'u' + value.length; }\n",
            id="helper-after",
        ),
    ],
)
async def test_login_script_binds_by_position_whatever_its_form(
    start_engine: StartEngine, source: str
) -> None:
    """Named, anonymous, arrow, async, commented and helper-carrying scripts all run."""
    harness = await start_engine({"login": source})
    outcome = await harness.invoke("login", "jane@example.com", "s3cret")
    assert outcome.status == "result", outcome.error
    assert outcome.result["email"] == "jane@example.com"
    assert outcome.result["password"] == "s3cret"
    assert outcome.result["user_id"] in ("u1", "u16")


# Each script reports the arguments before its callback, and that the callback is last.
ECHO = """function anyName() {
  var args = Array.prototype.slice.call(arguments);
  var callback = args.pop();
  if (typeof callback !== 'function') throw new TypeError('the last argument is not a callback');
  callback(null, %s);
}"""
PROFILE_ECHO = ECHO % "{user_id: 'echo', args: args}"
PLAIN_ECHO = ECHO % "args"

USER = {
    "email": "jane@example.com",
    "password": "s3cret",
    "tenant": "acme",
    "client_id": "abc",
    "connection": "legacy-db",
    "user_metadata": {"plan": "gold"},
}

KIND_ARGUMENTS: list[tuple[ScriptKind, list[Any]]] = [
    ("login", ["jane@example.com", "s3cret"]),
    ("get_user", ["jane@example.com"]),
    ("create", [USER]),
    ("verify", ["jane@example.com"]),
    ("change_password", ["jane@example.com", "n3w-s3cret"]),
    ("delete", ["1234"]),
    ("change_email", ["jane@example.com", "janet@example.com", True]),
]


def _echoed(kind: ScriptKind, result: Any) -> Any:
    return result["args"] if kind in ("login", "get_user") else result


@pytest.mark.parametrize(("kind", "args"), KIND_ARGUMENTS, ids=[k for k, _ in KIND_ARGUMENTS])
async def test_each_kind_receives_its_positional_arguments_then_the_callback(
    start_engine: StartEngine, kind: ScriptKind, args: list[Any]
) -> None:
    """Arguments arrive in Auth0's order, as JSON values, with the callback last."""
    source = PROFILE_ECHO if kind in ("login", "get_user") else PLAIN_ECHO
    harness = await start_engine({kind: source})
    outcome = await harness.invoke(kind, *args)
    assert outcome.status == "result", outcome.error
    assert _echoed(kind, outcome.result) == args


@pytest.mark.parametrize(("kind", "args"), KIND_ARGUMENTS, ids=[k for k, _ in KIND_ARGUMENTS])
async def test_context_goes_before_the_callback_when_the_connection_asks_for_it(
    start_engine: StartEngine, kind: ScriptKind, args: list[Any]
) -> None:
    """With context_argument=True the context object is the last argument before callback."""
    source = PROFILE_ECHO if kind in ("login", "get_user") else PLAIN_ECHO
    harness = await start_engine({kind: source}, context_argument=True)
    context = {"organization": {"id": "org_1", "name": "acme", "metadata": {}}}
    outcome = await harness.invoke(kind, *args, context=context)
    assert outcome.status == "result", outcome.error
    assert _echoed(kind, outcome.result) == [*args, context]


async def test_context_defaults_to_an_empty_object(start_engine: StartEngine) -> None:
    """Without an explicit context, scripts that take one receive ``{}``."""
    harness = await start_engine({"login": PROFILE_ECHO}, context_argument=True)
    outcome = await harness.invoke("login", "jane@example.com", "s3cret")
    assert outcome.result["args"] == ["jane@example.com", "s3cret", {}]


async def test_no_context_argument_without_the_connection_flag(start_engine: StartEngine) -> None:
    """A classic login script gets exactly (email, password, callback), even if given context."""
    source = (
        "function login(email, password, callback) {"
        "  callback(null, {user_id: 'x', count: arguments.length}); }"
    )
    harness = await start_engine({"login": source})
    outcome = await harness.invoke("login", "jane@example.com", "pw", context={"a": 1})
    assert outcome.result["count"] == 3
