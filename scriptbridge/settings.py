"""scriptbridge's settings: one TOML file, read into frozen dataclasses; the public entry point.

Each setting is declared once, in _settings_schema.py, as a dataclass field with its default, and
its help text and limits in the field's metadata (see _settings_reader.doc), so documentation
(:func:`describe_settings`) and validation come from the same declaration. :func:`load_settings`
reads the file, or the embedded default without one, checks everything (unknown keys, types,
limits, script files, references between tables; see _settings_builder.py) and raises
SettingsError naming the file, the key and the problem. Other modules import the settings'
classes and constants from here, not from the private modules.

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
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import scriptbridge
from scriptbridge._settings_builder import CLIENT_SECRET_PREFIX, CONFIGURATION_PREFIX, build
from scriptbridge._settings_reader import Reader, describe, read_toml
from scriptbridge._settings_schema import (
    GRANT_TYPES,
    PASSWORD_GRANTS,
    PASSWORD_REALM,
    SECTIONS,
    ClientSettings,
    ConnectionSettings,
    LogsSettings,
    OutboundSettings,
    PasswordPolicy,
    ServerSettings,
    Settings,
    SignupExistsError,
    StoreSettings,
)
from scriptbridge.engine import ConnectionSpec, Limits, load_script
from scriptbridge.errors import SettingsError

__all__ = [
    "CLIENT_SECRET_PREFIX",
    "CONFIGURATION_PREFIX",
    "DEFAULT_CONNECTION",
    "DEMO_LEGACY_STORE",
    "EMBEDDED_SOURCE",
    "GRANT_TYPES",
    "PASSWORD_GRANTS",
    "PASSWORD_REALM",
    "ClientSettings",
    "ConnectionSettings",
    "LogsSettings",
    "OutboundSettings",
    "PasswordPolicy",
    "ServerSettings",
    "Settings",
    "SignupExistsError",
    "StoreSettings",
    "describe_settings",
    "load_connection_spec",
    "load_settings",
    "with_overrides",
]

#: ``Settings.source`` when no configuration file is given.
EMBEDDED_SOURCE: Final = "<embedded default>"
#: The embedded default's one connection, Auth0's default database connection name.
DEFAULT_CONNECTION: Final = "Username-Password-Authentication"
#: The embedded default's demo legacy store, in the working directory (see demo.py).
DEMO_LEGACY_STORE: Final = "legacy-demo.db"


def describe_settings() -> list[tuple[str, str, str]]:
    """(key, default as TOML text, help) for every setting, e.g. ("server.port", "8080", ...)."""
    return [row for prefix, cls in SECTIONS for row in describe(cls, prefix)]


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """The settings in the TOML file at ``path`` (None: the embedded default), with the secrets
    in ``environ`` applied; raises SettingsError on the first problem."""
    if path is None:
        reader = Reader(EMBEDDED_SOURCE, Path.cwd())
        document = _embedded_document(reader, _repository())
    else:
        reader = Reader(str(path), path.absolute().parent)
        document = read_toml(path)
    return build(reader, document, environ)


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
