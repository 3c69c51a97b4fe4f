from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from py_mini_racer import _context as mini_racer_context
from service_harness import ALL_SCOPES, Service, build_legacy_store, service, write_config


@pytest.fixture
def legacy_db(tmp_path: Path) -> Path:
    return build_legacy_store(tmp_path / "legacy.db")


@pytest.fixture
async def running(tmp_path: Path, legacy_db: Path) -> AsyncIterator[Service]:
    """The service in import mode over the legacy store, with login and get_user."""
    async with service(write_config(tmp_path, legacy_db), legacy_db) as running:
        yield running


@pytest.fixture
async def managed(tmp_path: Path, legacy_db: Path) -> AsyncIterator[Service]:
    """The service in import mode, its client "app" holding every Management API scope."""
    config = write_config(tmp_path, legacy_db, scopes=ALL_SCOPES)
    before = mini_racer_context.context_count()
    async with service(config, legacy_db) as running:
        yield running
    assert mini_racer_context.context_count() == before, "V8 contexts leaked"
