"""Brute-force protection and uniform failure timing for logins."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Final

from scriptbridge.errors import TooManyAttemptsError
from scriptbridge.store import Store

#: How many recent failed logins of a connection set the time every failure takes.
_WINDOW: Final = 32
#: No failure is held back longer than this, however slow one script once was.
_MAX_PAD_S: Final = 2.0


class Guard:
    """Auth0's brute-force rule: ``max_attempts`` consecutive failures for one user from one
    IP block that pair until a successful login from it, a password reset, or an unblock.

    It also makes every failed login of a connection take as long as the slowest of its
    recent failures, so "unknown user" cannot be told from "wrong password" by timing: a
    wrong password costs a bcrypt check here, an unknown user a script run in the legacy
    store, and the two differ.
    """

    def __init__(self, store: Store, max_attempts: int) -> None:
        self._store = store
        self._max = max_attempts
        self._recent: dict[str, collections.deque[float]] = {}

    async def check(self, connection: str, identifier: str, ip: str) -> None:
        """Raise TooManyAttemptsError when the pair is blocked."""
        if self._max and await self._store.failures(connection, identifier, ip) >= self._max:
            raise TooManyAttemptsError()

    async def failed(self, connection: str, identifier: str, ip: str) -> bool:
        """Count a failure; True when it is the one that blocks the pair."""
        if not self._max:
            return False
        return await self._store.add_failure(connection, identifier, ip) == self._max

    async def succeeded(self, connection: str, identifier: str, ip: str) -> None:
        if self._max:
            await self._store.clear_failures(connection, identifier, ip)

    async def forget(self, connection: str, identifiers: tuple[str | None, ...]) -> None:
        """Unblock a user from every IP (after a password reset or an operator's unblock)."""
        for identifier in identifiers:
            if identifier:
                await self._store.clear_failures(connection, identifier)

    async def pad(self, connection: str, started: float) -> None:
        """Wait until this failure has taken as long as the slowest recent one."""
        elapsed = time.perf_counter() - started
        recent = self._recent.setdefault(connection, collections.deque(maxlen=_WINDOW))
        recent.append(min(elapsed, _MAX_PAD_S))
        wait = max(recent) - elapsed
        if wait > 0:
            await asyncio.sleep(wait)
