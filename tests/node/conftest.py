"""A fresh V8 isolate with the prelude loaded, for each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from py_mini_racer import MiniRacer

from scriptbridge.node import prelude_source

Run = Callable[[str], Any]


@pytest.fixture
def racer() -> Iterator[MiniRacer]:
    """A MiniRacer that has evaluated the prelude; closed when the test ends."""
    mr = MiniRacer()
    mr.eval(prelude_source())
    yield mr
    mr.close()


@pytest.fixture
def run(racer: MiniRacer) -> Run:
    """Run a JavaScript function body in the isolate and return its JSON-converted result."""

    def run(body: str) -> Any:
        return racer.execute(f"(() => {{ {body} }})()")

    return run


@pytest.fixture
def js(racer: MiniRacer) -> Run:
    """Evaluate one JavaScript expression in the isolate and return its JSON-converted value."""

    def js(expression: str) -> Any:
        return racer.execute(expression)

    return js


@pytest.fixture
def error(racer: MiniRacer) -> Run:
    """Evaluate a JavaScript expression that must throw; return what was thrown."""

    def error(expression: str) -> Any:
        result = racer.execute(
            f"""(() => {{
              try {{ {expression}; }} catch (e) {{
                return {{name: e.name, message: e.message, code: e.code,
                         isError: e instanceof Error}};
              }}
              return null;
            }})()"""
        )
        assert result is not None, f"{expression} did not throw"
        return result

    return error
