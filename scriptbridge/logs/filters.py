"""Which console lines a subscriber wants: by connection, script kind, lowest level,
invocation, and text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from scriptbridge.store import ScriptLogLevel, ScriptLogRecord

#: The levels, lowest first: a filter's ``level`` keeps that level and those after it.
LEVELS: Final[tuple[ScriptLogLevel, ...]] = ("debug", "info", "warn", "error")
_RANK: Final = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class LogFilter:
    """A subscriber's selection; a line matches when it passes every field that is set."""

    connection: str | None = None
    #: The script kind (login, get_user, ...).
    script: str | None = None
    #: The lowest level shown.
    level: ScriptLogLevel = "debug"
    invocation_id: str | None = None
    #: Text the message contains, compared case-insensitively (the stream's ``q``).
    text: str | None = None
    _folded: str | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.level not in _RANK:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        object.__setattr__(self, "_folded", self.text.casefold() if self.text else None)

    @property
    def selects_all(self) -> bool:
        """True when every line matches (no field set, every level)."""
        return self == _ALL

    def matches(self, record: ScriptLogRecord) -> bool:
        return (
            (self.connection is None or record.connection == self.connection)
            and (self.script is None or record.script == self.script)
            and _RANK[record.level] >= _RANK[self.level]
            and (self.invocation_id is None or record.invocation_id == self.invocation_id)
            and (self._folded is None or self._folded in record.message.casefold())
        )


_ALL: Final = LogFilter()
