"""Scripts that V8 cannot compile, or that are not functions, fail at load with V8's words."""

from __future__ import annotations

import pytest
from harness import StartEngine

from scriptbridge.engine import ScriptKind
from scriptbridge.errors import ScriptParseError


async def test_syntax_error_reports_v8_message_line_and_column(start_engine: StartEngine) -> None:
    """A syntax error on line 3 is reported on line 3, at V8's column, with V8's message."""
    source = "function login(email, password, callback) {\n  var x = 1;\n  var y = ;\n}\n"
    with pytest.raises(ScriptParseError) as caught:
        await start_engine({"login": source})
    error = caught.value
    assert (error.line, error.column) == (3, 11)
    assert error.v8_message == "SyntaxError: Unexpected token ';'"
    assert error.filename == "login.js"
    assert str(error) == "login.js:3:11: SyntaxError: Unexpected token ';'"


async def test_syntax_error_on_the_first_line_reports_the_script_column(
    start_engine: StartEngine,
) -> None:
    """The engine's wrapper shares line 1 with the script; its length is not in the column."""
    source = "function login(email, password, callback) { var a = 1 +* 2; }"
    with pytest.raises(ScriptParseError) as caught:
        await start_engine({"login": source})
    assert (caught.value.line, caught.value.column) == (1, source.index("*") + 1)
    assert caught.value.v8_message == "SyntaxError: Unexpected token '*'"


async def test_syntax_error_after_a_comment_header_keeps_the_file_line(
    start_engine: StartEngine,
) -> None:
    """Comment lines before the function count: an error on file line 32 is line 32."""
    header = "".join(f"// comment {n}\n" for n in range(1, 31))
    source = header + "function login(email, password, callback) {\n  var y = ;\n}\n"
    with pytest.raises(ScriptParseError) as caught:
        await start_engine({"login": source})
    assert caught.value.line == 32


async def test_unterminated_script_reports_end_of_input_on_its_last_line(
    start_engine: StartEngine,
) -> None:
    """A script cut short says what V8 says of its text, at its end, not of the wrapper."""
    source = "function login(email, password, callback) {\n  callback(null, {user_id: 'x'});\n"
    with pytest.raises(ScriptParseError) as caught:
        await start_engine({"login": source})
    assert caught.value.v8_message == "SyntaxError: Unexpected end of input"
    assert caught.value.line == 3


async def test_parse_error_names_the_failing_script_among_several(
    start_engine: StartEngine,
) -> None:
    """With several scripts, the error names the file of the one that does not parse."""
    scripts: dict[ScriptKind, str] = {
        "login": "function login(email, password, callback) { callback(); }",
        "get_user": "function getByEmail(email, callback) { callback(; }",
    }
    with pytest.raises(ScriptParseError) as caught:
        await start_engine(scripts)
    assert caught.value.filename == "get_user.js"
    assert caught.value.line == 1


@pytest.mark.parametrize("source", ["42", "({user_id: 'x'})"])
async def test_load_rejects_script_that_is_not_a_function(
    start_engine: StartEngine, source: str
) -> None:
    """Text that parses but is not a function fails to load, saying it is not a function."""
    with pytest.raises(ScriptParseError, match="function"):
        await start_engine({"login": source})
