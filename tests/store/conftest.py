"""Fixtures for the store tests: real SQLite files under tmp_path, and a leak check."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from scriptbridge.store import SqliteStore


@pytest.fixture(autouse=True)
def no_leaked_connections() -> Iterator[None]:
    """Every store test: the connection threads it started have all ended when it ends."""
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=2)
        assert not thread.is_alive(), f"{thread.name} outlived its test: a store was not closed"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore.open(db_path) as opened:
        yield opened


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """An exception in a connection's thread (one that outlived its event loop, say) fails
    the store test it happened in."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(
                pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
            )
