"""The command line, run as a real subprocess (``python -m scriptbridge``) against real V8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"
LOGIN_DEMO = FIXTURES / "login_demo.js"
OUTCOME_KEYS = ["outcome", "result", "error", "logs", "elapsed_ms"]
ERROR_KEYS = ["name", "message", "code", "stack"]
BENCH_KEYS = [
    "count",
    "concurrency",
    "runners",
    "wall_s",
    "per_second",
    "p50_ms",
    "p99_ms",
    "outcomes",
]


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The one JSON object on stdout."""
        lines = self.stdout.splitlines()
        assert len(lines) == 1, self.stdout
        return json.loads(lines[0])

    def json_lines(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def scriptbridge(*args: str | Path) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "scriptbridge", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def script(tmp_path: Path) -> Any:
    """Write a script into tmp_path and return its path."""

    def write(source: str, name: str = "script.js") -> Path:
        path = tmp_path / name
        path.write_text(source, encoding="utf-8")
        return path

    return write


def assert_usage_error(run: Run, *fragments: str) -> None:
    assert run.code == 2, run
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert len(run.stderr.splitlines()) == 1, run.stderr
    for fragment in fragments:
        assert fragment in run.stderr


# -- try: outcomes ---------------------------------------------------------------------------


def test_try_login_with_right_password_prints_result_outcome_and_exits_0() -> None:
    run = scriptbridge(
        "try", LOGIN_DEMO, "--kind", "login", "--", "jane@example.com", "correct horse"
    )

    assert run.code == 0
    assert run.stderr == ""
    outcome = run.json()
    assert list(outcome) == OUTCOME_KEYS
    assert outcome["outcome"] == "result"
    assert outcome["result"] == {
        "user_id": "1001",
        "email": "jane@example.com",
        "name": "Jane Doe",
        "email_verified": True,
    }
    assert outcome["error"] is None
    assert outcome["logs"] == [{"level": "info", "message": "login attempt for jane@example.com"}]
    assert outcome["elapsed_ms"] >= 0


def test_try_login_with_wrong_password_prints_error_outcome_and_exits_1() -> None:
    run = scriptbridge("try", LOGIN_DEMO, "--kind", "login", "--", "jane@example.com", "wrong")

    assert run.code == 1
    outcome = run.json()
    assert outcome["outcome"] == "error"
    assert outcome["result"] is None
    assert list(outcome["error"]) == ERROR_KEYS
    assert outcome["error"]["name"] == "WrongUsernameOrPasswordError"
    assert outcome["error"]["message"] == "Wrong email or password."
    assert "login_demo.js" in outcome["error"]["stack"]


def test_try_login_of_unknown_user_prints_no_result_outcome_and_exits_0() -> None:
    run = scriptbridge("try", LOGIN_DEMO, "--kind", "login", "--", "nobody@example.com", "x")

    assert run.code == 0
    outcome = run.json()
    assert outcome["outcome"] == "no_result"
    assert outcome["result"] is None
    assert outcome["error"] is None


def test_try_script_that_never_calls_back_prints_timeout_outcome_and_exits_1(script: Any) -> None:
    path = script("function login(email, password, callback) { console.log('waiting'); }")

    run = scriptbridge("try", path, "--kind", "login", "--timeout", "0.3", "--", "a", "b")

    assert run.code == 1
    outcome = run.json()
    assert outcome["outcome"] == "timeout"
    assert outcome["error"]["name"] == "TimeoutError"
    assert outcome["error"]["code"] == "script_timeout"
    assert outcome["logs"] == [{"level": "info", "message": "waiting"}]
    assert 250 <= outcome["elapsed_ms"] < 5000


def test_try_get_user_prints_the_profile() -> None:
    run = scriptbridge(
        "try", FIXTURES / "get_user_demo.js", "--kind", "get_user", "--", "bob@example.com"
    )

    assert run.code == 0
    assert run.json()["result"]["user_id"] == "1002"


def test_try_takes_script_arguments_without_double_dash_too() -> None:
    run = scriptbridge("try", LOGIN_DEMO, "--kind", "login", "jane@example.com", "correct horse")

    assert run.code == 0
    assert run.json()["outcome"] == "result"


@pytest.mark.parametrize("password", ["--not-an-option", "--", "-"])
def test_try_script_argument_after_double_dash_reaches_the_script_verbatim(
    script: Any, password: str
) -> None:
    path = script("function login(email, password, cb) { cb(null, {user_id: '1', password}); }")

    run = scriptbridge("try", path, "--kind", "login", "--", "a", password)

    assert run.code == 0
    assert run.json()["result"]["password"] == password


def test_try_console_line_in_the_callbacks_turn_is_in_the_outcome_logs(script: Any) -> None:
    path = script(
        "function login(email, password, callback) {\n"
        "  callback(null, {user_id: '1'});\n"
        "  console.log('said after the callback');\n"
        "}\n"
    )

    run = scriptbridge("try", path, "--kind", "login", "--", "a", "b")

    assert run.code == 0
    assert run.json()["logs"] == [{"level": "info", "message": "said after the callback"}]


def test_try_console_line_after_the_outcome_goes_to_stderr_not_stdout(script: Any) -> None:
    path = script(
        "function login(email, password, callback) {\n"
        "  global.runs = (global.runs || 0) + 1;\n"
        "  if (global.runs === 2) return setTimeout(() => callback(null, {user_id: '2'}), 100);\n"
        "  callback(null, {user_id: '1'});\n"
        "  setTimeout(() => console.log('said a moment later'), 5);\n"
        "}\n"
    )

    run = scriptbridge("try", path, "--kind", "login", "--repeat", "2", "--", "a", "b")

    assert run.code == 0
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["logs"] == second["logs"] == []
    assert "said a moment later" in run.stderr
    assert "said a moment later" not in run.stdout


# -- try: what reaches the script ------------------------------------------------------------


def test_try_configuration_values_reach_the_scripts_configuration(script: Any) -> None:
    path = script(
        "function login(email, password, callback) {\n"
        "  callback(null, {user_id: '1', dsn: configuration.DSN, empty: configuration.EMPTY});\n"
        "}\n"
    )

    run = scriptbridge(
        "try",
        path,
        "--kind",
        "login",
        "--configuration",
        "DSN=postgres://u@h/db?x=1",
        "--configuration",
        "EMPTY=",
        "--",
        "a",
        "b",
    )

    assert run.code == 0
    result = run.json()["result"]
    assert result["dsn"] == "postgres://u@h/db?x=1"
    assert result["empty"] == ""


def test_try_context_json_is_passed_before_the_callback(script: Any) -> None:
    path = script(
        "function login(email, password, context, callback) {\n"
        "  callback(null, {user_id: '1', ip: context.request.ip});\n"
        "}\n"
    )

    run = scriptbridge(
        "try", path, "--kind", "login", "--context", '{"request": {"ip": "203.0.113.7"}}',
        "--", "a", "b",
    )  # fmt: skip

    assert run.code == 0
    assert run.json()["result"]["ip"] == "203.0.113.7"


def test_try_without_context_passes_the_callback_third() -> None:
    run = scriptbridge("try", FIXTURES / "trivial_login.js", "--kind", "login", "--", "a", "b")

    assert run.code == 0
    assert run.json()["result"]["user_id"] == "42"


def test_try_repeat_3_prints_three_lines_sharing_the_scripts_global() -> None:
    run = scriptbridge(
        "try", FIXTURES / "global_counter.js", "--kind", "login", "--repeat", "3", "--", "a", "b"
    )

    assert run.code == 0
    outcomes = run.json_lines()
    assert [o["result"]["count"] for o in outcomes] == [1, 2, 3]
    assert all(list(o) == OUTCOME_KEYS for o in outcomes)


def test_try_repeat_exits_1_when_any_invocation_fails(script: Any) -> None:
    path = script(
        "function login(email, password, callback) {\n"
        "  global.n = (global.n || 0) + 1;\n"
        "  if (global.n === 2) return callback(new Error('second call fails'));\n"
        "  callback(null, {user_id: String(global.n)});\n"
        "}\n"
    )

    run = scriptbridge("try", path, "--kind", "login", "--repeat", "3", "--", "a", "b")

    assert run.code == 1
    assert [o["outcome"] for o in run.json_lines()] == ["result", "error", "result"]


def test_try_create_receives_user_json_as_an_object(script: Any) -> None:
    path = script(
        "function create(user, callback) {\n"
        "  callback(null, {seen: user.email, type: typeof user, tags: user.tags});\n"
        "}\n"
    )

    run = scriptbridge(
        "try", path, "--kind", "create", "--",
        '{"email": "zoë@example.com", "password": "pw", "tags": [1, 2]}',
    )  # fmt: skip

    assert run.code == 0
    assert run.json()["result"] == {"seen": "zoë@example.com", "type": "object", "tags": [1, 2]}
    assert "zoë" in run.stdout  # printed as UTF-8, not \u escapes


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("TRUE", True)])
def test_try_change_email_verified_argument_becomes_a_boolean(
    script: Any, text: str, value: bool
) -> None:
    path = script(
        "function changeEmail(email, newEmail, verified, callback) {\n"
        "  callback(null, {type: typeof verified, verified: verified, to: newEmail});\n"
        "}\n"
    )

    run = scriptbridge("try", path, "--kind", "change_email", "--", "a@x.org", "b@x.org", text)

    assert run.code == 0
    assert run.json()["result"] == {"type": "boolean", "verified": value, "to": "b@x.org"}


# -- try: usage problems ---------------------------------------------------------------------


def test_try_missing_script_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.js"

    run = scriptbridge("try", missing, "--kind", "login", "--", "a", "b")

    assert_usage_error(run, "scriptbridge try:", "nope.js", "no such file")


def test_try_script_that_does_not_parse_is_a_usage_error_naming_file_and_line() -> None:
    run = scriptbridge("try", FIXTURES / "broken.js", "--kind", "login", "--", "a", "b")

    assert_usage_error(run, "does not parse", "broken.js:4", "SyntaxError")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(
            ["--kind", "logon", "--", "a", "b"],
            ["--kind", "invalid choice: 'logon'"],
            id="unknown-kind",
        ),
        pytest.param(
            ["--", "a", "b"],
            ["required", "--kind"],
            id="missing-kind",
        ),
        pytest.param(
            ["--kind", "login", "--", "a"],
            ["scriptbridge try: login takes 2 arguments (EMAIL PASSWORD), got 1"],
            id="too-few-arguments",
        ),
        pytest.param(
            ["--kind", "get_user", "--", "a", "b"],
            ["get_user takes 1 argument (EMAIL), got 2"],
            id="too-many-arguments",
        ),
        pytest.param(
            ["--kind", "login", "--configuration", "NOEQUALS", "--", "a", "b"],
            ["--configuration", "KEY=VALUE", "NOEQUALS"],
            id="bad-key-value",
        ),
        pytest.param(
            ["--kind", "login", "--configuration", "=value", "--", "a", "b"],
            ["--configuration", "KEY=VALUE"],
            id="empty-key",
        ),
        pytest.param(
            ["--kind", "login", "--context", "{not json", "--", "a", "b"],
            ["--context", "not valid JSON"],
            id="bad-context-json",
        ),
        pytest.param(
            ["--kind", "login", "--context", "[1, 2]", "--", "a", "b"],
            ["--context", "must be a JSON object, not an array"],
            id="context-not-an-object",
        ),
        pytest.param(
            ["--kind", "create", "--", "{oops"],
            ["create's USER_JSON is not valid JSON"],
            id="bad-user-json",
        ),
        pytest.param(
            ["--kind", "create", "--", '"a string"'],
            ["USER_JSON must be a JSON object, not a string"],
            id="user-json-not-an-object",
        ),
        pytest.param(
            ["--kind", "change_email", "--", "a", "b", "maybe"],
            ["VERIFIED must be true or false, got 'maybe'"],
            id="bad-verified",
        ),
        pytest.param(
            ["--kind", "login", "--timeout", "0", "--", "a", "b"],
            ["--timeout", "positive number"],
            id="zero-timeout",
        ),
        pytest.param(
            ["--kind", "login", "--timeout", "soon", "--", "a", "b"],
            ["--timeout", "'soon'"],
            id="non-numeric-timeout",
        ),
        pytest.param(
            ["--kind", "login", "--repeat", "0", "--", "a", "b"],
            ["--repeat", "at least 1"],
            id="zero-repeat",
        ),
        pytest.param(
            ["--kind", "login", "--node-modules", "/no/such/dir", "--", "a", "b"],
            ["--node-modules", "/no/such/dir does not exist"],
            id="missing-node-modules",
        ),
        pytest.param(
            ["--kind", "login", "a", "--bogus", "b"],
            ["unrecognized arguments: --bogus", "after --"],
            id="unknown-option",
        ),
    ],
)
def test_try_usage_problem_exits_2_with_one_line_naming_it(
    args: list[str], fragments: list[str]
) -> None:
    assert_usage_error(scriptbridge("try", LOGIN_DEMO, *args), *fragments)


def test_try_requires_packages_from_the_node_modules_directory(script: Any) -> None:
    path = script(
        "function login(email, password, callback) {\n"
        "  callback(null, {user_id: '1', hi: require('greeting').greet(email)});\n"
        "}\n"
    )
    node_modules = Path(__file__).parents[1] / "fixtures" / "node_modules"

    run = scriptbridge(
        "try", path, "--kind", "login", "--node-modules", node_modules, "--", "Jo", "p"
    )

    assert run.code == 0, run.stderr
    assert run.json()["result"] == {"user_id": "1", "hi": "Hello, Jo"}


def test_try_node12_globals_flag_defines_lodash_as_underscore(script: Any, tmp_path: Path) -> None:
    lodash = tmp_path / "node_modules" / "lodash"
    lodash.mkdir(parents=True)
    (lodash / "index.js").write_text("exports.pick = (o, k) => ({[k]: o[k]});")
    path = script(
        "function login(email, password, callback) {\n"
        "  callback(null, _.pick({user_id: '1', x: 2}, 'user_id'));\n"
        "}\n"
    )
    base = ["try", path, "--kind", "login", "--node-modules", tmp_path / "node_modules"]

    with_flag = scriptbridge(*base, "--node12-globals", "--", "a", "b")
    without = scriptbridge(*base, "--", "a", "b")

    assert with_flag.json()["result"] == {"user_id": "1"}
    assert without.json()["error"]["message"] == "_ is not defined"


def test_try_node_modules_directory_that_exists_is_accepted(tmp_path: Path) -> None:
    run = scriptbridge(
        "try", LOGIN_DEMO, "--kind", "login", "--node-modules", tmp_path,
        "--", "jane@example.com", "correct horse",
    )  # fmt: skip

    assert run.code == 0
    assert run.json()["outcome"] == "result"


def test_no_command_is_a_usage_error() -> None:
    assert_usage_error(scriptbridge(), "scriptbridge:", "COMMAND")


# -- bench -----------------------------------------------------------------------------------


def test_bench_prints_one_summary_whose_outcome_counts_sum_to_count() -> None:
    run = scriptbridge(
        "bench", FIXTURES / "trivial_login.js", "--kind", "login",
        "--count", "200", "--concurrency", "20", "--runners", "2", "--", "a", "b",
    )  # fmt: skip

    assert run.code == 0
    assert run.stderr == ""  # no progress bar when stderr is not a terminal
    summary = run.json()
    assert list(summary) == BENCH_KEYS
    assert summary["count"] == 200
    assert summary["concurrency"] == 20
    assert summary["runners"] == 2
    assert summary["outcomes"] == {"result": 200, "no_result": 0, "error": 0, "timeout": 0}
    assert sum(summary["outcomes"].values()) == summary["count"]
    assert 0 < summary["p50_ms"] <= summary["p99_ms"]
    assert summary["wall_s"] > 0
    assert summary["per_second"] > 0


def test_bench_keeps_concurrency_invocations_in_flight() -> None:
    # 20 invocations that each wait 100 ms take about 0.1 s together, not 2 s one by one.
    run = scriptbridge(
        "bench", FIXTURES / "timer_login.js", "--kind", "login",
        "--count", "20", "--concurrency", "20", "--runners", "1", "--", "a", "b",
    )  # fmt: skip

    summary = run.json()
    assert summary["outcomes"]["result"] == 20
    assert summary["wall_s"] < 1.0
    assert summary["p50_ms"] >= 100


def test_bench_counts_timeouts_and_still_exits_0(script: Any) -> None:
    path = script("function login(email, password, callback) {}")

    run = scriptbridge(
        "bench", path, "--kind", "login", "--timeout", "0.2",
        "--count", "6", "--concurrency", "3", "--runners", "1", "--", "a", "b",
    )  # fmt: skip

    assert run.code == 0
    assert run.json()["outcomes"] == {"result": 0, "no_result": 0, "error": 0, "timeout": 6}


def test_bench_default_runners_is_one_per_cpu_core() -> None:
    run = scriptbridge(
        "bench", FIXTURES / "trivial_login.js", "--kind", "login",
        "--count", "10", "--concurrency", "2", "--", "a", "b",
    )  # fmt: skip

    assert run.json()["runners"] == max(1, os.cpu_count() or 1)


def test_bench_discards_the_scripts_console_lines() -> None:
    run = scriptbridge(
        "bench", LOGIN_DEMO, "--kind", "login", "--count", "5", "--concurrency", "2",
        "--runners", "1", "--", "jane@example.com", "correct horse",
    )  # fmt: skip

    assert "login attempt" not in run.stdout + run.stderr
    assert run.json()["outcomes"]["result"] == 5


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(["--count", "0", "--concurrency", "1"], ["--count"], id="zero-count"),
        pytest.param(["--count", "5", "--concurrency", "0"], ["--concurrency"], id="zero-conc"),
        pytest.param(["--concurrency", "1"], ["required", "--count"], id="missing-count"),
        pytest.param(
            ["--count", "5", "--concurrency", "1", "--runners", "-1"],
            ["--runners", "at least 0"],
            id="negative-runners",
        ),
        pytest.param(
            ["--count", "5", "--concurrency", "1", "--repeat", "2"],
            ["unrecognized arguments: --repeat"],
            id="repeat-is-try-only",
        ),
    ],
)
def test_bench_usage_problem_exits_2_with_one_line_naming_it(
    args: list[str], fragments: list[str]
) -> None:
    run = scriptbridge(
        "bench", FIXTURES / "trivial_login.js", "--kind", "login", *args, "--", "a", "b"
    )

    assert_usage_error(run, "scriptbridge bench:", *fragments)


# -- help ------------------------------------------------------------------------------------

SHARED_OPTIONS = [
    "--kind",
    "--configuration",
    "--context",
    "--timeout",
    "--node-modules",
    "--node12-globals",
]


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        pytest.param([], ["try", "bench", "--version"], id="scriptbridge"),
        pytest.param(["try"], [*SHARED_OPTIONS, "--repeat", "SCRIPT.js", "ARG"], id="try"),
        pytest.param(
            ["bench"],
            [*SHARED_OPTIONS, "--count", "--concurrency", "--runners", "SCRIPT.js", "ARG"],
            id="bench",
        ),
    ],
)
def test_help_exits_0_and_mentions_every_option(command: list[str], mentions: list[str]) -> None:
    run = scriptbridge(*command, "--help")

    assert run.code == 0
    for option in mentions:
        assert option in run.stdout


@pytest.mark.parametrize("command", ["try", "bench"])
def test_help_lists_the_arguments_of_every_kind(command: str) -> None:
    run = scriptbridge(command, "--help")

    assert "change_email     EMAIL NEW_EMAIL VERIFIED" in run.stdout
    assert "create           USER_JSON" in run.stdout
