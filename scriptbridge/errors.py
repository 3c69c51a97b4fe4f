"""Every error scriptbridge raises on purpose, under one root.

Each class fixes its message in ``__init__`` from the data it keeps as attributes, and also
inherits the standard exception it resembles, so callers can catch either.
"""

from __future__ import annotations

from pathlib import Path


class ScriptbridgeError(Exception):
    """The root of all scriptbridge errors."""


class ScriptFileError(ScriptbridgeError, OSError):
    """A script file could not be read."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot read script {path}: {reason}")


class ScriptParseError(ScriptbridgeError, SyntaxError):
    """V8 rejected a script's source; the message is V8's, with the script's line and column."""

    def __init__(
        self, filename: str, v8_message: str, line: int | None, column: int | None
    ) -> None:
        self.filename = filename
        self.v8_message = v8_message
        self.line = line
        self.column = column
        where = filename if line is None else f"{filename}:{line}"
        if line is not None and column is not None:
            where += f":{column}"
        super().__init__(f"{where}: {v8_message}")
        # SyntaxError's own fields, so tracebacks point at the script.
        self.lineno = line
        self.offset = column

    def __str__(self) -> str:
        return str(self.args[0])


class ScriptNotDefinedError(ScriptbridgeError, LookupError):
    """An invocation named a script kind the connection does not define."""

    def __init__(self, connection: str, kind: str) -> None:
        self.connection = connection
        self.kind = kind
        super().__init__(f"connection {connection!r} has no {kind} script; add one to its scripts")


class UnknownConnectionError(ScriptbridgeError, LookupError):
    """An invocation named a connection the engine has not loaded."""

    def __init__(self, connection: str) -> None:
        self.connection = connection
        super().__init__(f"no connection named {connection!r} is loaded")


class RunnerStartError(ScriptbridgeError, RuntimeError):
    """A V8 runner failed to start (other than because a script does not parse)."""

    def __init__(self, connection: str | None, reason: str) -> None:
        self.connection = connection
        self.reason = reason
        which = "" if connection is None else f" for connection {connection!r}"
        super().__init__(f"cannot start a script runner{which}: {reason}")


class MiniRacerIncompatibleError(ScriptbridgeError, ImportError):
    """The installed mini-racer lacks the internals the synchronous host calls need."""

    def __init__(self, version: str, missing: str) -> None:
        self.version = version
        self.missing = missing
        super().__init__(
            f"mini-racer {version} is not supported: {missing}. "
            "Install the version pinned in scriptbridge's pyproject.toml."
        )


class EngineClosedError(ScriptbridgeError, RuntimeError):
    """The engine was used after it was closed."""

    def __init__(self) -> None:
        super().__init__("the script engine is closed")


class SettingsError(ScriptbridgeError, ValueError):
    """The configuration is unusable; one line naming the file, the key and the problem."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}")


class DuplicateUserError(ScriptbridgeError, ValueError):
    """A user with this id, email or username already exists in the connection."""

    def __init__(self, connection: str, field: str) -> None:
        self.connection = connection
        self.field = field
        super().__init__(f"a user with this {field} already exists in connection {connection}")


class InvalidTokenError(ScriptbridgeError, ValueError):
    """A bearer token was missing, malformed, expired, or not issued for this audience."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PasswordStrengthError(ScriptbridgeError, ValueError):
    """A new password does not satisfy the connection's password policy."""

    def __init__(self, policy: str, rules: list[str]) -> None:
        self.policy = policy
        self.rules = rules
        super().__init__(f"Password is too weak for the {policy!r} policy: " + "; ".join(rules))
