"""Builds Settings from a TOML document: the checks that relate several settings, and secrets.

_settings_reader checks each table against its dataclass in _settings_schema (unknown keys,
types, limits); this module adds what no single field can check: the tables required, names
unique among clients and connections, script files and node_modules directories that exist, each
client's grant types and connections. It also applies the secrets found in the environment
(``SCRIPTBRIDGE_CLIENT_SECRET_<CLIENT>``, ``SCRIPTBRIDGE_CONFIGURATION_<CONNECTION>_<KEY>``;
settings.py describes them). Every problem is a SettingsError naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from scriptbridge._settings_reader import Reader, env_name, from_environment, key_path
from scriptbridge._settings_schema import (
    PASSWORD_GRANTS,
    ClientSettings,
    ConnectionSettings,
    LogsSettings,
    OutboundSettings,
    ServerSettings,
    Settings,
    StoreSettings,
)
from scriptbridge.engine import ScriptKind, load_script
from scriptbridge.errors import ScriptFileError

CLIENT_SECRET_PREFIX: Final = "SCRIPTBRIDGE_CLIENT_SECRET_"
CONFIGURATION_PREFIX: Final = "SCRIPTBRIDGE_CONFIGURATION_"


def build(reader: Reader, document: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """The settings in ``document``, checked, with the secrets in ``environ`` applied; raises
    SettingsError on the first problem."""
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
