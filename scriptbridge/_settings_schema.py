"""The settings' schema: every table of the TOML file as a frozen dataclass, declared once.

Each setting is a dataclass field with its default, and its help text and limits in the field's
metadata (made by _settings_reader.doc). _settings_reader checks TOML tables against these
declarations and renders them as documentation; _settings_builder adds the checks that relate
several settings. Nothing here reads a file or the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

from scriptbridge._settings_reader import doc
from scriptbridge.engine import KINDS, ScriptKind
from scriptbridge.node.modules.http import DEFAULT_DENY

PasswordPolicy = Literal["none", "low", "fair", "good", "excellent"]
SignupExistsError = Literal["invalid_signup", "user_exists"]

PASSWORD_REALM: Final = "http://auth0.com/oauth/grant-type/password-realm"
#: The grant types /oauth/token answers; the first two log a user in with a password.
GRANT_TYPES: Final[tuple[str, ...]] = ("password", PASSWORD_REALM, "client_credentials")
PASSWORD_GRANTS: Final[frozenset[str]] = frozenset({"password", PASSWORD_REALM})

_NAMING = "upper-cased, every character other than A-Z and 0-9 turned into _"


@dataclass(frozen=True)
class ServerSettings:
    """``[server]``: the HTTP service."""

    host: str = field(
        default="127.0.0.1",
        metadata=doc(
            "Address the HTTP service listens on; 0.0.0.0 listens on every interface. "
            "`scriptbridge serve --host` overrides it.",
            nonempty=True,
        ),
    )
    port: int = field(
        default=8080,
        metadata=doc(
            "TCP port the HTTP service listens on; 0 picks a free port (the URL is printed at "
            "start). `scriptbridge serve --port` overrides it.",
            low=0,
            high=65535,
        ),
    )
    issuer: str | None = field(
        default=None,
        metadata=doc(
            "Public base URL of the service (http or https), the tokens' `iss` and the base of "
            "ticket URLs; a trailing / is added. Unset: http://HOST:PORT/ from host and the port "
            "listened on."
        ),
    )
    max_body_bytes: int = field(
        default=65536,
        metadata=doc("Largest request body accepted, in bytes.", low=1024, high=16 * 1024 * 1024),
    )
    token_lifetime_seconds: int = field(
        default=86400,
        metadata=doc("Lifetime of the id and access tokens issued, in seconds.", low=1),
    )
    ticket_lifetime_seconds: int = field(
        default=432000,
        metadata=doc(
            "How long a password-change ticket stays valid, in seconds (Auth0: five days).", low=1
        ),
    )
    bcrypt_rounds: int = field(
        default=10,
        metadata=doc(
            "bcrypt cost of the password hashes scriptbridge stores; each step doubles the time "
            "a login takes.",
            low=4,
            high=16,
        ),
    )
    max_failed_attempts: int = field(
        default=10,
        metadata=doc(
            "Failed logins of one user from one IP address before that pair is blocked "
            "(429 too_many_attempts) until a password reset or an unblock; 0 turns brute-force "
            "protection off.",
            low=0,
        ),
    )

    def public_url(self, port: int | None = None) -> str:
        """The issuer, or ``http://host:port/`` with the port actually listened on."""
        if self.issuer is not None:
            return self.issuer
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port if port is None else port}/"


@dataclass(frozen=True)
class StoreSettings:
    """``[store]``: scriptbridge's own user store."""

    path: Path = field(
        default=Path("scriptbridge.db"),
        metadata=doc(
            "The SQLite file of scriptbridge's user store, created on first start; relative to "
            "the configuration file's directory. Unset: scriptbridge.db in the working directory."
        ),
    )


@dataclass(frozen=True)
class OutboundSettings:
    """``[outbound]``: what the scripts' HTTP requests (request, axios, fetch, http/https)
    may reach."""

    allow_hosts: tuple[str, ...] = field(
        default=(),
        metadata=doc(
            "Host names scripts may reach (exact names, or *.example.com for any subdomain); "
            "empty: any host not denied."
        ),
    )
    deny_hosts: tuple[str, ...] = field(
        default=DEFAULT_DENY,
        metadata=doc(
            "Networks (CIDR) and host names no script may reach, checked against every address "
            "a name resolves to. The default denies link-local and cloud metadata addresses; "
            "setting it replaces that list."
        ),
    )
    timeout_seconds: float = field(
        default=20.0,
        metadata=doc(
            "The longest any outbound request may take; a script's own timeout can only "
            "shorten it.",
            low=0.01,
            high=600.0,
        ),
    )


@dataclass(frozen=True)
class LogsSettings:
    """``[logs]``: the stream of the scripts' console lines (``GET /logs/stream``)."""

    retention_events: int = field(
        default=10000,
        metadata=doc(
            "How many of the latest console lines the store keeps for replay (a subscriber's "
            "Last-Event-ID or ?since=); older ones are deleted.",
            low=1,
        ),
    )
    retention_hours: float = field(
        default=24.0,
        metadata=doc(
            "How long the store keeps a console line for replay, in hours, whatever the count.",
            low=0.001,
            high=8760.0,
        ),
    )
    subscriber_queue: int = field(
        default=1000,
        metadata=doc(
            "Console lines waiting for each stream subscriber; a subscriber that falls this far "
            "behind loses lines (the stream says how many) rather than slowing logins.",
            low=1,
            high=100_000,
        ),
    )


@dataclass(frozen=True)
class ClientSettings:
    """``[[clients]]``: an application allowed to call the API."""

    name: str = field(
        metadata=doc(
            "A name for the application, unique among clients; it also names the environment "
            "variable of its secret.",
            nonempty=True,
        )
    )
    client_id: str = field(
        metadata=doc("The client_id the application sends; unique among clients.", nonempty=True)
    )
    client_secret: str = field(
        default="",
        repr=False,
        metadata=doc(
            "The client_secret the application sends (in the body or with HTTP Basic). Empty: a "
            "public client that sends none, allowed for the password grants only. Keep it out of "
            "the file: the environment variable SCRIPTBRIDGE_CLIENT_SECRET_<NAME> (the client's "
            f"name {_NAMING}) sets it.",
            secret=True,
        ),
    )
    grant_types: tuple[str, ...] = field(
        default=("password", PASSWORD_REALM),
        metadata=doc(
            "Grant types the client may use at /oauth/token: " + ", ".join(GRANT_TYPES) + ".",
            choices=GRANT_TYPES,
        ),
    )
    connections: tuple[str, ...] = field(
        default=(),
        metadata=doc(
            "Names of the connections whose users the client may log in; empty: all of them."
        ),
    )
    scopes: tuple[str, ...] = field(
        default=(),
        metadata=doc(
            "Management API scopes the client's client_credentials tokens carry, e.g. "
            '"read:users", "create:user_tickets".',
            nonempty=True,
        ),
    )


@dataclass(frozen=True)
class ConnectionSettings:
    """``[[connections]]``: a custom-database connection and its action scripts."""

    name: str = field(
        metadata=doc(
            "The connection's name, as clients send it in `realm` and `connection`; unique.",
            nonempty=True,
        )
    )
    scripts: Mapping[ScriptKind, Path] = field(
        metadata=doc(
            "The action scripts, `[connections.scripts]` KIND = path of the .js file (relative to "
            "the configuration file), for the kinds " + ", ".join(KINDS) + ". login is always "
            "needed, and get_user in import mode; in legacy mode an operation without its "
            "script fails."
        )
    )
    import_mode: bool = field(
        default=True,
        metadata=doc(
            "true: a user moves into scriptbridge's store on first login, signup or password "
            'reset (Auth0\'s "Import Users to Auth0"); false: legacy mode, every operation runs '
            "its script and no password is stored."
        ),
    )
    requires_username: bool = field(
        default=False,
        metadata=doc("Users have a username besides their email (Auth0's option of that name)."),
    )
    context_argument: bool = field(
        default=False,
        metadata=doc(
            "Pass Auth0's `context` object to the scripts, before the callback "
            "(function login(email, password, context, callback))."
        ),
    )
    node12_globals: bool = field(
        default=False,
        metadata=doc(
            "Predefine the module globals of Auth0's Node 12 runtime (bcrypt, crypto, mysql, pg, "
            "postgres, request, _, uuid, querystring) for scripts that use them without require()."
        ),
    )
    timeout_seconds: float = field(
        default=20.0,
        metadata=doc(
            "Seconds a script has to call back before it fails with a timeout (Auth0: about 20).",
            low=0.01,
            high=600,
        ),
    )
    memory_mb: int = field(
        default=128,
        metadata=doc(
            "V8 heap limit of each runner of the connection, in MiB; a script past it gets an "
            "error.",
            low=16,
            high=16384,
        ),
    )
    node_modules: Path | None = field(
        default=None,
        metadata=doc(
            "A node_modules directory (npm install next to your scripts) whose pure-JavaScript "
            "packages require() loads after scriptbridge's own modules; relative to the "
            "configuration file."
        ),
    )
    configuration: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}),
        repr=False,
        metadata=doc(
            "The scripts' global `configuration` object, `[connections.configuration]` KEY = "
            "string. Keep secrets out of the file: the environment variable "
            "SCRIPTBRIDGE_CONFIGURATION_<CONNECTION>_<KEY> (the connection's name and the key "
            f"{_NAMING}) sets or overrides a value.",
            secret=True,
        ),
    )
    password_policy: PasswordPolicy = field(
        default="fair",
        metadata=doc(
            "Auth0's password policy for new passwords: none, low, fair, good or excellent."
        ),
    )
    signup_exists_error: SignupExistsError = field(
        default="invalid_signup",
        metadata=doc(
            "The error a signup of an existing user gets: invalid_signup (Auth0's default, which "
            "does not say that the user exists) or user_exists."
        ),
    )
    runners: int = field(
        default=0,
        metadata=doc(
            "V8 runners (isolates, one thread each) for the connection; 0: one per CPU core.",
            low=0,
            high=256,
        ),
    )
    buffer_mb: int = field(
        default=64,
        metadata=doc(
            "Limit on the ArrayBuffer and Buffer memory of each runner, in MiB, which the heap "
            "limit does not count.",
            low=1,
            high=16384,
        ),
    )


@dataclass(frozen=True)
class Settings:
    """Everything scriptbridge is configured with, checked and with secrets applied."""

    server: ServerSettings
    store: StoreSettings
    clients: tuple[ClientSettings, ...]
    connections: tuple[ConnectionSettings, ...]
    #: The configuration file's path, or settings.EMBEDDED_SOURCE.
    source: str
    outbound: OutboundSettings = OutboundSettings()
    logs: LogsSettings = LogsSettings()

    def connection(self, name: str) -> ConnectionSettings | None:
        return next((c for c in self.connections if c.name == name), None)

    def client(self, client_id: str) -> ClientSettings | None:
        return next((c for c in self.clients if c.client_id == client_id), None)


#: The tables of the file, in the order describe_settings lists them.
SECTIONS: Final[tuple[tuple[str, type[Any]], ...]] = (
    ("server.", ServerSettings),
    ("store.", StoreSettings),
    ("outbound.", OutboundSettings),
    ("logs.", LogsSettings),
    ("clients[].", ClientSettings),
    ("connections[].", ConnectionSettings),
)
