"""scriptbridge's settings: one TOML file, declared here once as frozen dataclasses.

Each setting is a dataclass field with its default, and its help text and limits in the field's
metadata (see _settings_reader.doc), so documentation (:func:`describe_settings`) and
validation come from the same declaration. :func:`load_settings` reads the file, or the
embedded default without one, checks everything (unknown keys, types, limits, script files,
references between tables) and raises SettingsError naming the file, the key and the problem.

Secrets may come from environment variables instead of the file; the caller passes the
environment in, and nothing else in scriptbridge reads it:

- ``SCRIPTBRIDGE_CLIENT_SECRET_<CLIENT>`` sets the client_secret of the client named CLIENT;
- ``SCRIPTBRIDGE_CONFIGURATION_<CONNECTION>_<KEY>`` sets the configuration value KEY of the
  connection named CONNECTION (when several connection names fit, the longest wins).

Names are upper-cased and every character other than A-Z and 0-9 becomes ``_``: the client
``demo`` reads ``SCRIPTBRIDGE_CLIENT_SECRET_DEMO``, and ``DB_PASSWORD`` of the connection
``Username-Password-Authentication`` is
``SCRIPTBRIDGE_CONFIGURATION_USERNAME_PASSWORD_AUTHENTICATION_DB_PASSWORD``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

import scriptbridge
from scriptbridge._settings_reader import (
    Reader,
    describe,
    doc,
    env_name,
    from_environment,
    key_path,
    read_toml,
)
from scriptbridge.engine import KINDS, ConnectionSpec, Limits, ScriptKind, load_script
from scriptbridge.errors import ScriptFileError, SettingsError
from scriptbridge.node.modules.http import DEFAULT_DENY

PasswordPolicy = Literal["none", "low", "fair", "good", "excellent"]
SignupExistsError = Literal["invalid_signup", "user_exists"]

PASSWORD_REALM: Final = "http://auth0.com/oauth/grant-type/password-realm"
#: The grant types /oauth/token answers; the first two log a user in with a password.
GRANT_TYPES: Final[tuple[str, ...]] = ("password", PASSWORD_REALM, "client_credentials")
PASSWORD_GRANTS: Final[frozenset[str]] = frozenset({"password", PASSWORD_REALM})

#: ``Settings.source`` when no configuration file is given.
EMBEDDED_SOURCE: Final = "<embedded default>"
#: The embedded default's one connection, Auth0's default database connection name.
DEFAULT_CONNECTION: Final = "Username-Password-Authentication"
#: The embedded default's demo legacy store, in the working directory (see demo.py).
DEMO_LEGACY_STORE: Final = "legacy-demo.db"

CLIENT_SECRET_PREFIX: Final = "SCRIPTBRIDGE_CLIENT_SECRET_"
CONFIGURATION_PREFIX: Final = "SCRIPTBRIDGE_CONFIGURATION_"

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
    #: The configuration file's path, or EMBEDDED_SOURCE.
    source: str
    outbound: OutboundSettings = OutboundSettings()
    logs: LogsSettings = LogsSettings()

    def connection(self, name: str) -> ConnectionSettings | None:
        return next((c for c in self.connections if c.name == name), None)

    def client(self, client_id: str) -> ClientSettings | None:
        return next((c for c in self.clients if c.client_id == client_id), None)


#: The tables of the file, in the order describe_settings lists them.
_SECTIONS: Final[tuple[tuple[str, type[Any]], ...]] = (
    ("server.", ServerSettings),
    ("store.", StoreSettings),
    ("outbound.", OutboundSettings),
    ("logs.", LogsSettings),
    ("clients[].", ClientSettings),
    ("connections[].", ConnectionSettings),
)


def describe_settings() -> list[tuple[str, str, str]]:
    """(key, default as TOML text, help) for every setting, e.g. ("server.port", "8080", ...)."""
    return [row for prefix, cls in _SECTIONS for row in describe(cls, prefix)]


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """The settings in the TOML file at ``path`` (None: the embedded default), with the secrets
    in ``environ`` applied; raises SettingsError on the first problem."""
    if path is None:
        reader = Reader(EMBEDDED_SOURCE, Path.cwd())
        document = _embedded_document(reader, _repository())
    else:
        reader = Reader(str(path), path.absolute().parent)
        document = read_toml(path)
    return _build(reader, document, environ)


def with_overrides(
    settings: Settings, *, host: str | None = None, port: int | None = None
) -> Settings:
    """The settings with ``serve``'s --host and --port applied."""
    server = settings.server
    if host is not None:
        if not host.strip():
            raise SettingsError(settings.source, "server.host", "must not be empty (from --host)")
        server = replace(server, host=host)
    if port is not None:
        if not 0 <= port <= 65535:
            problem = f"must be between 0 and 65535, not {port} (from --port)"
            raise SettingsError(settings.source, "server.port", problem)
        server = replace(server, port=port)
    return replace(settings, server=server)


def load_connection_spec(connection: ConnectionSettings) -> ConnectionSpec:
    """The connection as the engine runs it, with its scripts read from their files.

    Raises ScriptFileError when a script file went away since the settings were loaded.
    """
    return ConnectionSpec(
        name=connection.name,
        scripts={kind: load_script(path, kind) for kind, path in connection.scripts.items()},
        configuration=dict(connection.configuration),
        context_argument=connection.context_argument,
        limits=Limits(
            timeout_seconds=connection.timeout_seconds,
            memory_mb=connection.memory_mb,
            buffer_mb=connection.buffer_mb,
        ),
        runners=connection.runners,
        node_modules=connection.node_modules,
        node12_globals=connection.node12_globals,
    )


def _build(reader: Reader, document: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    reader.only(
        document, ("server", "store", "outbound", "logs", "clients", "connections"), "", "section"
    )
    server = reader.build(
        ServerSettings, reader.table(document.get("server", {}), "server"), "server"
    )
    if server.issuer is not None:
        server = replace(server, issuer=reader.http_url(server.issuer, "server.issuer"))
    store = reader.build(StoreSettings, reader.table(document.get("store", {}), "store"), "store")
    if not store.path.is_absolute():  # the default: in the working directory
        store = replace(store, path=Path.cwd() / store.path)

    if "connections" not in document:
        reader.fail("connections", "missing; add at least one [[connections]] table")
    connection_tables = reader.tables(document["connections"], "connections")
    if not connection_tables:
        reader.fail("connections", "empty; add at least one [[connections]] table")
    connections = []
    for i, table in enumerate(connection_tables):
        _misplaced(reader, table, key_path("connections", i))
        connections.append(reader.build(ConnectionSettings, table, key_path("connections", i)))
    reader.unique([c.name for c in connections], "connections", "name")
    for i, connection in enumerate(connections):
        _check_connection(reader, connection, key_path("connections", i))
    connections = _apply_configuration(reader, connections, environ)

    client_tables = reader.tables(document.get("clients", []), "clients")
    clients = [
        reader.build(ClientSettings, table, key_path("clients", i))
        for i, table in enumerate(client_tables)
    ]
    reader.unique([c.name for c in clients], "clients", "name")
    reader.unique([c.client_id for c in clients], "clients", "client_id")
    clients = _apply_secrets(reader, clients, environ)
    names = [c.name for c in connections]
    for i, client in enumerate(clients):
        _check_client(reader, client, key_path("clients", i), names)

    outbound = reader.build(
        OutboundSettings, reader.table(document.get("outbound", {}), "outbound"), "outbound"
    )
    logs = reader.build(LogsSettings, reader.table(document.get("logs", {}), "logs"), "logs")
    return Settings(
        server,
        store,
        tuple(clients),
        tuple(connections),
        reader.source,
        outbound=outbound,
        logs=logs,
    )


def _misplaced(reader: Reader, table: Mapping[str, Any], key: str) -> None:
    """Refuse a connection setting written under [connections.scripts], TOML's classic trap."""
    scripts = table.get("scripts")
    settings = {f.name for f in fields(ConnectionSettings)}
    for name in scripts if isinstance(scripts, dict) else ():
        if name in settings:
            problem = (
                "is a connection setting, not a script kind: move it above [connections.scripts] "
                "(the keys after a [table] header belong to that table)"
            )
            reader.fail(key_path(key_path(key, "scripts"), name), problem)


def _check_connection(reader: Reader, connection: ConnectionSettings, key: str) -> None:
    needed: tuple[ScriptKind, ...] = ("login", "get_user") if connection.import_mode else ("login",)
    missing = [kind for kind in needed if kind not in connection.scripts]
    if missing:
        mode = "import mode (import_mode = true)" if connection.import_mode else "a connection"
        problem = (
            f"{mode} needs a {' and a '.join(missing)} script; add it to [connections.scripts]"
        )
        reader.fail(key_path(key, "scripts"), problem)
    for kind, path in connection.scripts.items():
        try:
            load_script(path, kind)
        except ScriptFileError as exc:
            reader.fail(key_path(key_path(key, "scripts"), kind), f"{exc.reason}: {path}")
    if connection.node_modules is not None and not connection.node_modules.is_dir():
        reader.fail(key_path(key, "node_modules"), f"no such directory: {connection.node_modules}")


def _check_client(reader: Reader, client: ClientSettings, key: str, connections: list[str]) -> None:
    if not client.grant_types:
        reader.fail(key_path(key, "grant_types"), "must name at least one grant type")
    if not client.client_secret and not PASSWORD_GRANTS.issuperset(client.grant_types):
        variable = CLIENT_SECRET_PREFIX + env_name(client.name)
        problem = (
            "a public client (no client_secret) may use the password grants only; give it a "
            f"client_secret, or set {variable}"
        )
        reader.fail(key_path(key, "client_secret"), problem)
    for i, name in enumerate(client.connections):
        if name not in connections:
            problem = f"no connection is named {name!r}; connections: {', '.join(connections)}"
            reader.fail(key_path(key_path(key, "connections"), i), problem)


def _apply_secrets(
    reader: Reader, clients: list[ClientSettings], environ: Mapping[str, str]
) -> list[ClientSettings]:
    clients = list(clients)
    names = [c.name for c in clients]
    for i, _, secret in from_environment(reader, environ, CLIENT_SECRET_PREFIX, names, "client"):
        if not secret:
            variable = CLIENT_SECRET_PREFIX + env_name(names[i])
            problem = 'is empty; unset it, or write client_secret = "" for a public client'
            reader.fail(f"${variable}", problem)
        clients[i] = replace(clients[i], client_secret=secret)
    return clients


def _apply_configuration(
    reader: Reader, connections: list[ConnectionSettings], environ: Mapping[str, str]
) -> list[ConnectionSettings]:
    values = [dict(c.configuration) for c in connections]
    names = [c.name for c in connections]
    found = from_environment(reader, environ, CONFIGURATION_PREFIX, names, "connection", keyed=True)
    for i, key, value in found:
        # The variable's key names every key of the file it fits, or a new one.
        for existing in [k for k in values[i] if env_name(k) == key] or [key]:
            values[i][existing] = value
    return [
        replace(c, configuration=MappingProxyType(v))
        for c, v in zip(connections, values, strict=True)
    ]


def _repository() -> Path:
    """The source checkout scriptbridge runs from, home of the default connection's scripts."""
    return Path(scriptbridge.__file__).parents[1]


def _embedded_document(reader: Reader, root: Path) -> dict[str, Any]:
    """The configuration used without a file, as the TOML document it would be."""
    scripts = root / "scripts"
    if not (scripts / "login.js").is_file() or not (scripts / "get_user.js").is_file():
        problem = (
            f"the embedded default needs the scripts/ directory of scriptbridge's source "
            f"checkout, not found in {root}; pass a configuration file (--config FILE)"
        )
        reader.fail("connections[0].scripts", problem)
    return {
        "store": {"path": "scriptbridge.db"},
        "clients": [
            {
                "name": "demo",
                "client_id": "demo",
                "client_secret": "",
                "grant_types": ["password", PASSWORD_REALM],
            }
        ],
        "connections": [
            {
                "name": DEFAULT_CONNECTION,
                "import_mode": True,
                "scripts": {
                    "login": str(scripts / "login.js"),
                    "get_user": str(scripts / "get_user.js"),
                },
                "configuration": {"LEGACY_DB": str(reader.base / DEMO_LEGACY_STORE)},
            }
        ],
    }
