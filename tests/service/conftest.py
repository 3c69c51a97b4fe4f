from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from service_harness import Service, build_legacy_store, service, write_config


@pytest.fixture
def legacy_db(tmp_path: Path) -> Path:
    return build_legacy_store(tmp_path / "legacy.db")


@pytest.fixture
async def running(tmp_path: Path, legacy_db: Path) -> AsyncIterator[Service]:
    """The service in import mode over the legacy store, with login and get_user."""
    async with service(write_config(tmp_path, legacy_db), legacy_db) as running:
        yield running
