"""Server-Sent Events, read: the text/event-stream format of the HTML standard
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
fed in chunks as they arrive, however the chunks cut the lines.

Lines end with CRLF, LF or CR; a blank line ends an event; a line starting with ``:`` is a
comment (a heartbeat); ``data:`` lines accumulate, joined by LF; ``id:`` and ``event:`` name
the event; ``retry:`` sets the reconnection time; other fields are ignored.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Final

__all__ = ["ServerSentEvent", "SseParser"]

_LINE_END: Final = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ServerSentEvent:
    """One event: its type (``message`` unless named), its data, and the id it carried
    (None when it carried none)."""

    type: str
    data: str
    id: str | None = None


class SseParser:
    """Turns the bytes of an event stream into events, chunk by chunk."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._line = ""  # the line being received
        self._skip_lf = False  # a chunk ended in CR: an LF starting the next one belongs to it
        self._at_start = True  # a byte order mark may start the stream
        self._type = ""
        self._data: list[str] = []
        self._id: str | None = None
        #: The id of the last event that carried one, as the standard keeps it ("" at first).
        self.last_event_id = ""
        #: The reconnection time the server asked for, in milliseconds (None until it does).
        self.retry: int | None = None
        #: How many comment lines (heartbeats) arrived.
        self.comments = 0

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events that ``chunk`` completes, in order."""
        text = self._decoder.decode(chunk)
        if not text:
            return []
        if self._at_start:
            self._at_start = False
            text = text.removeprefix("\ufeff")
        if self._skip_lf:
            self._skip_lf = False
            text = text.removeprefix("\n")
        lines = _LINE_END.split(self._line + text)
        self._line = lines.pop()
        if self._line == "" and text.endswith("\r"):
            self._skip_lf = True
        events: list[ServerSentEvent] = []
        for line in lines:
            event = self._take(line)
            if event is not None:
                events.append(event)
        return events

    def _take(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._type = value
        elif field == "id":
            if "\0" not in value:
                self._id = value
                self.last_event_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        """The event the blank line ends; none when it had no data, as the standard says."""
        event = None
        if self._data:
            event = ServerSentEvent(self._type or "message", "\n".join(self._data), self._id)
        self._type, self._data, self._id = "", [], None
        return event
