"""The script engine: literal Auth0 action scripts in embedded V8 (mini-racer) runners."""

from __future__ import annotations

from scriptbridge.engine.engine import Engine
from scriptbridge.engine.host import AsyncHostFunction, HostModule, SyncHostFunction
from scriptbridge.engine.kinds import ARGUMENTS, KINDS, ScriptKind, is_kind
from scriptbridge.engine.outcome import InvocationId, LogEvent, Outcome, ScriptError, Status
from scriptbridge.engine.spec import ConnectionSpec, Limits, Script, load_script

__all__ = [
    "ARGUMENTS",
    "KINDS",
    "AsyncHostFunction",
    "ConnectionSpec",
    "Engine",
    "HostModule",
    "InvocationId",
    "Limits",
    "LogEvent",
    "Outcome",
    "Script",
    "ScriptError",
    "ScriptKind",
    "Status",
    "SyncHostFunction",
    "is_kind",
    "load_script",
]
