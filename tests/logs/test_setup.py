"""structlog's configuration: JSON lines off a terminal, console lines on one, the bound ids on
every line, and the standard library's warnings on the same stream."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from scriptbridge.logs import configure_logging, invocation

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test configures logging its way; the next gets the configuration back."""
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**saved)
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_off_a_terminal_each_line_is_a_json_object_with_the_bound_ids() -> None:
    stream = io.StringIO()
    configure_logging(stream)
    log = structlog.get_logger("scriptbridge.test")
    with structlog.contextvars.bound_contextvars(request_id="0123abcd"):
        log.info("request", status=200)
        with invocation("inv-1"):
            log.warning("script_invoked", outcome="ok")
    log.info("service_ready")
    first, second, third = json_lines(stream)
    assert first == {
        "event": "request",
        "level": "info",
        "status": 200,
        "request_id": "0123abcd",
        "timestamp": first["timestamp"],
    }
    assert ISO_UTC.fullmatch(first["timestamp"])
    assert second["invocation_id"] == "inv-1"
    assert second["request_id"] == "0123abcd"
    assert second["level"] == "warning"
    assert "request_id" not in third
    assert "invocation_id" not in third


def test_an_invocation_without_an_id_binds_nothing() -> None:
    stream = io.StringIO()
    configure_logging(stream)
    with invocation(None):
        structlog.get_logger().info("script_invoked")
    [line] = json_lines(stream)
    assert "invocation_id" not in line


def test_an_exception_is_one_field_of_one_json_line() -> None:
    stream = io.StringIO()
    configure_logging(stream)
    try:
        raise ValueError("bad thing")
    except ValueError:
        structlog.get_logger().exception("request_failed")
    [line] = json_lines(stream)
    assert line["level"] == "error"
    assert "Traceback" in line["exception"]
    assert "ValueError: bad thing" in line["exception"]


def test_on_a_terminal_lines_are_readable_and_coloured() -> None:
    stream = Terminal()
    configure_logging(stream)
    with structlog.contextvars.bound_contextvars(request_id="0123abcd"):
        structlog.get_logger().info("request", status=200)
    text = stream.getvalue()
    assert ANSI.search(text)
    plain = ANSI.sub("", text)
    assert not plain.startswith("{")
    assert "request" in plain
    assert "[info" in plain
    assert "request_id=0123abcd" in plain
    assert "status=200" in plain
    assert ISO_UTC.match(plain)


def test_the_choice_can_be_forced_either_way() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    configure_logging(terminal, json=True)
    structlog.get_logger().info("as_json")
    configure_logging(pipe, json=False)
    structlog.get_logger().info("as_console")
    assert json.loads(terminal.getvalue())["event"] == "as_json"
    assert "as_console" in pipe.getvalue()
    assert not pipe.getvalue().startswith("{")
    assert not ANSI.search(pipe.getvalue()), "no colours off a terminal"


def test_lines_below_the_level_are_left_out() -> None:
    stream = io.StringIO()
    configure_logging(stream, level=logging.WARNING)
    log = structlog.get_logger()
    log.info("hidden")
    log.warning("shown")
    assert [line["event"] for line in json_lines(stream)] == ["shown"]


def test_standard_library_warnings_go_to_the_same_stream_with_the_ids() -> None:
    stream = io.StringIO()
    configure_logging(stream)
    aiohttp_log = logging.getLogger("aiohttp.server")
    with structlog.contextvars.bound_contextvars(request_id="0123abcd"):
        aiohttp_log.info("not shown")
        aiohttp_log.warning("shown %s", "here")
    [line] = json_lines(stream)
    assert line["event"] == "shown here"
    assert line["logger"] == "aiohttp.server"
    assert line["level"] == "warning"
    assert line["request_id"] == "0123abcd"
    assert ISO_UTC.fullmatch(line["timestamp"])


def test_configuring_again_replaces_the_standard_library_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(first)
    configure_logging(second)
    logging.getLogger("aiohttp.server").warning("once")
    assert first.getvalue() == ""
    assert [line["event"] for line in json_lines(second)] == ["once"]
