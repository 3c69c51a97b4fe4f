"""The event loop scriptbridge runs on: uvloop where it is installed, asyncio's otherwise.

uvloop wakes a waiting task in a third of the time asyncio's own loop takes and hands results
from V8's threads to the loop faster; an invocation costs about a fifth less wall time
(bench/bench_engine.py). The engine itself works on any asyncio loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None (asyncio's default) when uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a new loop (see the module docstring for which)."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
