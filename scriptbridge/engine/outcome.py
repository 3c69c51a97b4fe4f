"""What an invocation gives back: its outcome, the error a script reported, its console lines."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal, NewType

from scriptbridge.engine.kinds import PROFILE_KINDS, ScriptKind

InvocationId = NewType("InvocationId", str)
Status = Literal["result", "no_result", "error", "timeout"]
Level = Literal["debug", "info", "warn", "error"]


@dataclass(frozen=True)
class ScriptError:
    """An error as the script reported it (or as the engine reports a fault of the script)."""

    name: str
    message: str
    code: str | None = None
    stack: str | None = None
    #: Other own fields of the error object, e.g. ``user_id`` of WrongUsernameOrPasswordError.
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_js(cls, raw: dict[str, Any]) -> ScriptError:
        data = raw.get("data")
        return cls(
            name=str(raw.get("name") or "Error"),
            message=str(raw.get("message", "")),
            code=None if raw.get("code") is None else str(raw["code"]),
            stack=raw.get("stack") if isinstance(raw.get("stack"), str) else None,
            data=data if isinstance(data, dict) else {},
        )

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "message": self.message, "code": self.code, "stack": self.stack}


@dataclass(frozen=True)
class LogEvent:
    """One console call of a script, or a warning of the engine about an invocation."""

    level: Level
    message: str
    connection: str
    kind: ScriptKind | None
    invocation_id: InvocationId | None
    time: float = field(default_factory=time.time)
    #: Who the invocation is about (the email or id its caller named), when known.
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one invocation ended.

    ``result`` is the callback's second argument as JSON (for login and get_user, a profile
    that has a ``user_id``); ``no_result`` is ``callback()``, ``callback(null)`` or
    ``callback(null, null)``.
    """

    invocation_id: InvocationId
    kind: ScriptKind
    status: Status
    result: Any = None
    error: ScriptError | None = None
    logs: tuple[LogEvent, ...] = ()
    elapsed_ms: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "outcome": self.status,
            "result": self.result,
            "error": None if self.error is None else self.error.as_json(),
            "logs": [{"level": e.level, "message": e.message} for e in self.logs],
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


#: What a secret becomes in console lines.
REDACTED = "[redacted]"
#: Configuration values shorter than this are not treated as secrets (a port or a flag would
#: otherwise blank out every line that mentions it).
MIN_SECRET_CHARS = 4


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with each secret replaced by REDACTED: as written, and as JSON and Node's
    console (util.inspect) quote it inside objects and arrays, escapes and all."""
    for secret in secrets:
        for form in _written_forms(secret):
            if form in text:
                text = text.replace(form, REDACTED)
    return text


_INSPECT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def _written_forms(secret: str) -> tuple[str, ...]:
    if not secret:
        return ()
    inspected = "".join(_INSPECT_ESCAPES.get(c, c) for c in secret)
    forms = dict.fromkeys(
        (
            secret,
            json.dumps(secret, ensure_ascii=False)[1:-1],
            inspected,
            inspected.replace("'", "\\'"),
        )
    )
    # Longest first, so that a form containing another is replaced whole.
    return tuple(sorted(forms, key=len, reverse=True))


def judge_result(kind: ScriptKind, result: Any) -> tuple[Status, Any, ScriptError | None]:
    """Check a successful callback's result; login and get_user must return a usable profile.

    A profile with ``id`` but no ``user_id`` is accepted (older Auth0 docs allow it) and gets a
    ``user_id`` copied from ``id``; one with neither is a validation error.
    """
    if kind not in PROFILE_KINDS:
        return "result", result, None
    if not isinstance(result, dict):
        return (
            "error",
            None,
            _invalid_profile(kind, f"the profile must be an object, not {type(result).__name__}"),
        )
    for key in ("user_id", "id"):
        value = result.get(key)
        if isinstance(value, bool) or value is None or value == "":
            continue
        if isinstance(value, str | int | float):
            user_id = (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            )
            return "result", {**result, "user_id": user_id}, None
        return "error", None, _invalid_profile(kind, f"its {key} must be a string or a number")
    return "error", None, _invalid_profile(kind, "it has neither user_id nor id")


def _invalid_profile(kind: ScriptKind, why: str) -> ScriptError:
    return ScriptError(
        name="ValidationError",
        code="invalid_profile",
        message=(
            f"the {kind} script returned a profile scriptbridge cannot use: {why}. "
            "Return callback(null, {user_id: ..., email: ...})."
        ),
    )
