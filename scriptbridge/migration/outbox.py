"""Where messages to users go. There is no mail server: the default outbox records each
message in the store and writes it to the service log, where the operator finds it."""

from __future__ import annotations

from typing import Protocol

import structlog

from scriptbridge.store import Store

_log = structlog.get_logger("scriptbridge.outbox")


class Outbox(Protocol):
    async def deliver(self, kind: str, recipient: str, body: str) -> None:
        """Send ``body`` to ``recipient``; ``kind`` says what it is (``password_change``)."""


class StoreOutbox:
    """Records messages in the store and logs them."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def deliver(self, kind: str, recipient: str, body: str) -> None:
        await self._store.add_message(kind, recipient, body)
        _log.info("message_delivered", kind=kind, recipient=recipient, body=body)
