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


# -- errors the HTTP APIs answer with ----------------------------------------------------------
#
# Each carries its HTTP status and Auth0 error code; api/errors.py renders it in the shape of
# the endpoint that raised it (OAuth, classic /dbconnections, or Management API).


class ApiError(ScriptbridgeError):
    """An error an API request ends with. ``description`` is shown to the client."""

    status: int = 400
    code: str = "invalid_request"
    #: The classic shape's ``name`` (e.g. ``BadRequestError``).
    name: str = "BadRequestError"

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(description)


class InvalidRequestError(ApiError):
    """A request that is malformed or misses a field."""


class InvalidBodyError(ApiError):
    """A body that is not JSON or form data, too large, or has wrongly typed fields."""

    code = "invalid_body"


class UnsupportedGrantTypeError(ApiError):
    code = "unsupported_grant_type"

    def __init__(self, grant_type: str) -> None:
        self.grant_type = grant_type
        super().__init__(f"Unsupported grant type: {grant_type}")


class UnauthorizedClientError(ApiError):
    status = 403
    code = "unauthorized_client"


class AccessDeniedError(ApiError):
    """Client authentication failed, or a client may not do this."""

    status = 401
    code = "access_denied"
    name = "UnauthorizedError"


class ServiceNotEnabledError(ApiError):
    status = 403
    code = "access_denied"

    def __init__(self, audience: str) -> None:
        self.audience = audience
        super().__init__(f"Service not enabled within domain: {audience}")


class WrongCredentialsError(ApiError):
    """Unknown user or wrong password: one answer for both, so users cannot be enumerated."""

    status = 403
    code = "invalid_grant"

    def __init__(self) -> None:
        super().__init__("Wrong email or password.")


class BlockedUserError(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self) -> None:
        super().__init__("user is blocked")


class TooManyAttemptsError(ApiError):
    status = 429
    code = "too_many_attempts"

    def __init__(self) -> None:
        super().__init__(
            "Your account has been blocked after multiple consecutive login attempts. "
            "We've sent you an email with instructions on how to unblock it."
        )


class ScriptFailedError(ApiError):
    """A script failed (an error other than wrong credentials, a timeout, a bad profile).

    The description names the connection and the script, and says what to look at; it never
    repeats the script's arguments (they hold passwords).
    """

    status = 401
    code = "access_denied"
    name = "UnauthorizedError"

    def __init__(self, connection: str, kind: str, detail: str) -> None:
        self.connection = connection
        self.kind = kind
        self.detail = detail
        super().__init__(f"The {kind} script of connection {connection} failed: {detail}")


class UnknownConnectionApiError(ApiError):
    def __init__(self, connection: str) -> None:
        self.connection = connection
        super().__init__("the connection was not found")


class ConnectionNotEnabledError(ApiError):
    def __init__(self, connection: str) -> None:
        self.connection = connection
        super().__init__("the connection was disabled")


class UserExistsError(ApiError):
    """Signup of an email or username that exists here or in the legacy store."""

    def __init__(self, code: str = "invalid_signup") -> None:
        self.code = code
        super().__init__(
            "Invalid sign up" if code == "invalid_signup" else "The user already exists."
        )


class UsernameExistsError(ApiError):
    code = "username_exists"

    def __init__(self) -> None:
        super().__init__("The username provided is in use already.")


class InvalidPasswordError(ApiError):
    """A new password the connection's policy refuses."""

    code = "invalid_password"
    name = "PasswordStrengthError"

    def __init__(self, policy: str, rules: list[str]) -> None:
        self.policy = policy
        self.rules = rules
        super().__init__("Password is too weak")


class InvalidTicketError(ApiError):
    def __init__(self) -> None:
        super().__init__("This ticket is invalid, expired or already used. Ask for a new one.")


class BadTokenError(ApiError):
    """A missing or invalid bearer token."""

    status = 401
    code = "invalid_token"
    name = "UnauthorizedError"


class NotFoundError(ApiError):
    status = 404
    code = "not_found"
    name = "NotFoundError"


class QueryError(ScriptbridgeError, ValueError):
    """A search query scriptbridge cannot run; the message says which part and why."""

    def __init__(self, query: str, problem: str) -> None:
        self.query = query
        self.problem = problem
        super().__init__(f"Query {query!r} is not supported: {problem}")


class LogStreamRefusedError(ScriptbridgeError, RuntimeError):
    """A service refused the log stream, or a token to open it with, for a reason that asking
    again will not change (credentials, scope, filters); the reason is the service's."""

    def __init__(self, url: str, status: int, reason: str) -> None:
        self.url = url
        self.status = status
        self.reason = reason
        super().__init__(f"{url} answered {status}: {reason}")


class MissingAuthenticationError(ApiError):
    status = 401
    code = "missing_authentication"
    name = "UnauthorizedError"

    def __init__(self) -> None:
        super().__init__("Missing authentication")


class InsufficientScopeError(ApiError):
    status = 403
    code = "insufficient_scope"
    name = "ForbiddenError"

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(f"Insufficient scope, expected any of: {scope}")


class InvalidQueryStringError(ApiError):
    code = "invalid_query_string"


class UserNotFoundError(ApiError):
    status = 404
    code = "inexistent_user"
    name = "NotFoundError"

    def __init__(self) -> None:
        super().__init__("The user does not exist.")


class ConnectionNotFoundError(ApiError):
    status = 404
    code = "inexistent_connection"
    name = "NotFoundError"

    def __init__(self) -> None:
        super().__init__("The connection does not exist.")


class InexistentConnectionError(ApiError):
    """A body or query names a connection that does not exist: a 400, as Auth0 answers where
    the connection is an argument (the connection's own resources answer 404)."""

    code = "inexistent_connection"

    def __init__(self, connection: str | None = None) -> None:
        self.connection = connection
        super().__init__(
            "The connection does not exist."
            if connection is None
            else f"The connection with id {connection} does not exist."
        )


class ConflictError(ApiError):
    status = 409
    code = "auth0_idp_error"
    name = "ConflictError"
