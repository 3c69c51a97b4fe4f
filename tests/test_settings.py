"""Settings: the TOML file, its checks, secrets from the environment, the embedded default."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from scriptbridge import settings as settings_module
from scriptbridge.engine import KINDS, Limits, Script
from scriptbridge.errors import SettingsError
from scriptbridge.settings import (
    DEFAULT_CONNECTION,
    EMBEDDED_SOURCE,
    PASSWORD_REALM,
    ClientSettings,
    ConnectionSettings,
    LogsSettings,
    OutboundSettings,
    ServerSettings,
    Settings,
    StoreSettings,
    describe_settings,
    load_connection_spec,
    load_settings,
    with_overrides,
)

REPOSITORY = Path(__file__).resolve().parents[1]

MINIMAL = """
[[connections]]
name = "legacy"
[connections.scripts]
login = "login.js"
get_user = "get_user.js"
"""

#: Every key of every table, none at its default.
FULL = """
[server]
host = "0.0.0.0"
port = 9090
issuer = "https://auth.example.com"
max_body_bytes = 2048
token_lifetime_seconds = 3600
ticket_lifetime_seconds = 600
bcrypt_rounds = 4
max_failed_attempts = 0

[store]
path = "data/users.db"

[outbound]
allow_hosts = ["legacy.example.com", "*.internal.example.com"]
deny_hosts = ["10.0.0.0/8"]
timeout_seconds = 5

[logs]
retention_events = 500
retention_hours = 1.5
subscriber_queue = 16

[[clients]]
name = "web app"
client_id = "web-id"
client_secret = "web-secret"
grant_types = ["password", "client_credentials"]
connections = ["legacy"]
scopes = ["read:users", "create:user_tickets"]

[[connections]]
name = "legacy"
import_mode = false
requires_username = true
context_argument = true
node12_globals = true
timeout_seconds = 2.5
memory_mb = 64
buffer_mb = 8
node_modules = "js/node_modules"
password_policy = "excellent"
signup_exists_error = "user_exists"
runners = 3

[connections.scripts]
login = "js/login.js"
get_user = "js/get_user.js"
create = "js/create.js"
verify = "js/verify.js"
change_password = "js/change_password.js"
delete = "js/delete.js"
change_email = "js/change_email.js"
count_users = "js/count_users.js"

[connections.configuration]
API_URL = "https://legacy.example.com"
dbPassword = "from-the-file"
"""


def write_config(directory: Path, text: str, *, scripts: str = "") -> Path:
    """A configuration file, with a script file of every kind in ``directory``, ``js/`` and
    ``scripts`` under it, and an empty ``js/node_modules``."""
    for folder in (directory, directory / "js", directory / scripts):
        folder.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            (folder / f"{kind}.js").write_text(f"function {kind}(a, callback) {{ callback(); }}\n")
    (directory / "js" / "node_modules").mkdir(exist_ok=True)
    path = directory / "scriptbridge.toml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def load(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> Settings:
    return load_settings(write_config(tmp_path, text), environ or {})


def refused(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> SettingsError:
    path = write_config(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ or {})
    error = caught.value
    assert error.source == str(path)
    assert str(error) == f"{path}: {error.key}: {error.problem}"
    assert "\n" not in str(error)
    return error


def test_a_full_file_sets_every_key(tmp_path: Path) -> None:
    settings = load(tmp_path, FULL)
    js = tmp_path / "js"
    assert settings.source == str(tmp_path / "scriptbridge.toml")
    assert settings.server == ServerSettings(
        host="0.0.0.0",
        port=9090,
        issuer="https://auth.example.com/",
        max_body_bytes=2048,
        token_lifetime_seconds=3600,
        ticket_lifetime_seconds=600,
        bcrypt_rounds=4,
        max_failed_attempts=0,
    )
    assert settings.store == StoreSettings(path=tmp_path / "data" / "users.db")
    assert settings.outbound == OutboundSettings(
        allow_hosts=("legacy.example.com", "*.internal.example.com"),
        deny_hosts=("10.0.0.0/8",),
        timeout_seconds=5.0,
    )
    assert settings.logs == LogsSettings(
        retention_events=500, retention_hours=1.5, subscriber_queue=16
    )
    assert settings.clients == (
        ClientSettings(
            name="web app",
            client_id="web-id",
            client_secret="web-secret",
            grant_types=("password", "client_credentials"),
            connections=("legacy",),
            scopes=("read:users", "create:user_tickets"),
        ),
    )
    assert settings.connections == (
        ConnectionSettings(
            name="legacy",
            scripts={kind: js / f"{kind}.js" for kind in KINDS},
            import_mode=False,
            requires_username=True,
            context_argument=True,
            node12_globals=True,
            timeout_seconds=2.5,
            memory_mb=64,
            buffer_mb=8,
            node_modules=js / "node_modules",
            configuration={"API_URL": "https://legacy.example.com", "dbPassword": "from-the-file"},
            password_policy="excellent",
            signup_exists_error="user_exists",
            runners=3,
        ),
    )


def test_the_full_file_names_every_documented_setting(tmp_path: Path) -> None:
    """FULL above really is every key: each documented setting appears in it."""
    for key, _, _ in describe_settings():
        assert f"\n{key.rsplit('.', 1)[1]} = " in FULL or f"[{key.replace('[]', '')}]" in FULL, key


def test_defaults_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    settings = load(tmp_path, MINIMAL)
    assert settings.server == ServerSettings()
    assert settings.logs == LogsSettings()
    assert settings.clients == ()
    (connection,) = settings.connections
    assert connection.import_mode is True
    assert connection.timeout_seconds == 20.0
    assert connection.memory_mb == 128
    assert connection.configuration == {}
    assert connection.password_policy == "fair"
    assert connection.signup_exists_error == "invalid_signup"


def test_the_default_store_is_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load(tmp_path / "conf", MINIMAL)
    assert settings.store.path == elsewhere / "scriptbridge.db"


def test_relative_paths_resolve_against_the_config_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    conf = tmp_path / "conf"
    text = MINIMAL.replace('"login.js"', '"scripts/login.js"').replace(
        'name = "legacy"', 'name = "legacy"\nnode_modules = "js/node_modules"'
    )
    path = write_config(conf, '[store]\npath = "users.db"\n' + text, scripts="scripts")
    settings = load_settings(Path("..") / "conf" / path.name, {})
    (connection,) = settings.connections
    assert connection.scripts["login"].resolve() == conf / "scripts" / "login.js"
    assert connection.scripts["get_user"].resolve() == conf / "get_user.js"
    assert connection.node_modules is not None
    assert connection.node_modules.resolve() == conf / "js" / "node_modules"
    assert settings.store.path.resolve() == conf / "users.db"
    assert settings.store.path.is_absolute()


def test_lookups_by_connection_name_and_client_id(tmp_path: Path) -> None:
    settings = load(tmp_path, FULL)
    assert settings.connection("legacy") is settings.connections[0]
    assert settings.connection("other") is None
    assert settings.client("web-id") is settings.clients[0]
    assert settings.client("web app") is None


def conn(line: str) -> str:
    """MINIMAL with one more line in its connection table."""
    return MINIMAL.replace('name = "legacy"', f'name = "legacy"\n{line}')


def server(line: str) -> str:
    return f"[server]\n{line}\n{MINIMAL}"


def client(lines: str) -> str:
    """MINIMAL and a client named "a" with more lines."""
    return f'{MINIMAL}[[clients]]\nname = "a"\n{lines}\n'


SCRIPTS_ONLY = '[[connections]]\nname = "x"\n{}[connections.scripts]\n{}'
GRANTS = "'password', 'http://auth0.com/oauth/grant-type/password-realm', 'client_credentials'"
POLICIES = "'none', 'low', 'fair', 'good', 'excellent'"

#: (file, key, the start of the problem) of every kind of problem load_settings reports.
PROBLEMS = [
    ("unknown-key", conn("colour = 1"), "connections[0].colour", "unknown setting; expected"),
    ("close-key", conn("timeout_second = 1"), "connections[0].timeout_second",
     "unknown setting; did you mean 'timeout_seconds'?"),
    ("unknown-section", "[sever]\n" + MINIMAL, "sever", "unknown section; did you mean 'server'?"),
    ("unknown-server-key", server("prot = 1"), "server.prot",
     "unknown setting; did you mean 'port'?"),
    ("scripts-subtable", MINIMAL + "[connections.scripts.extra]\n", "connections[0].scripts.extra",
     "unknown key; expected one of: change_email, change_password, count_users,"),
    ("unknown-kind", MINIMAL + 'logn = "x.js"', "connections[0].scripts.logn",
     "unknown key; did you mean 'login'?"),
    ("setting-under-scripts", MINIMAL + "runners = 1", "connections[0].scripts.runners",
     "is a connection setting, not a script kind: move it above [connections.scripts]"),
    ("bool-for-int", server("port = true"), "server.port", "must be an integer, not a boolean"),
    ("string-for-int", server('port = "80"'), "server.port", "must be an integer, not a string"),
    ("float-for-int", server("port = 80.0"), "server.port", "must be an integer, not a float"),
    ("int-for-bool", conn("import_mode = 1"), "connections[0].import_mode",
     "must be true or false, not an integer"),
    ("bool-for-float", conn("timeout_seconds = false"), "connections[0].timeout_seconds",
     "must be a number, not a boolean"),
    ("infinite", conn("timeout_seconds = inf"), "connections[0].timeout_seconds",
     "must be a finite number"),
    ("date-for-string", server("host = 2024-01-01"), "server.host",
     "must be a string, not a date"),
    ("port-range", server("port = 70000"), "server.port", "must be between 0 and 65535, not 70000"),
    ("rounds-low", server("bcrypt_rounds = 3"), "server.bcrypt_rounds",
     "must be between 4 and 16, not 3"),
    ("rounds-high", server("bcrypt_rounds = 17"), "server.bcrypt_rounds",
     "must be between 4 and 16, not 17"),
    ("negative", server("max_failed_attempts = -1"), "server.max_failed_attempts",
     "must be at least 0, not -1"),
    ("timeout-zero", conn("timeout_seconds = 0"), "connections[0].timeout_seconds",
     "must be between 0.01 and 600, not 0"),
    ("memory-low", conn("memory_mb = 8"), "connections[0].memory_mb",
     "must be between 16 and 16384, not 8"),
    ("policy", conn('password_policy = "strong"'), "connections[0].password_policy",
     f"must be one of {POLICIES}, not 'strong'"),
    ("signup-error", conn('signup_exists_error = "exists"'), "connections[0].signup_exists_error",
     "must be one of 'invalid_signup', 'user_exists', not 'exists'"),
    ("issuer-no-scheme", server('issuer = "auth.example.com"'), "server.issuer",
     "must be an http(s) URL such as https://auth.example.com/, not 'auth.example.com'"),
    ("issuer-ftp", server('issuer = "ftp://auth.example.com/"'), "server.issuer",
     "must be an http(s) URL"),
    ("issuer-query", server('issuer = "https://a.example/?x=1"'), "server.issuer",
     "must be an http(s) URL"),
    ("empty-host", server('host = ""'), "server.host", "must not be empty"),
    ("section-not-table", "server = 1\n" + MINIMAL, "server", "must be a table, not an integer"),
    ("logs-queue-zero", "[logs]\nsubscriber_queue = 0\n" + MINIMAL, "logs.subscriber_queue",
     "must be between 1 and 100000, not 0"),
    ("logs-unknown-key", "[logs]\nretention_event = 5\n" + MINIMAL, "logs.retention_event",
     "unknown setting; did you mean 'retention_events'?"),
    ("path-type", "[store]\npath = 5\n" + MINIMAL, "store.path",
     "must be a string, not an integer"),
    ("no-connections", "", "connections", "missing; add at least one [[connections]] table"),
    ("empty-connections", "connections = []", "connections",
     "empty; add at least one [[connections]] table"),
    ("single-table", '[connections]\nname = "x"', "connections",
     "must be an array of tables: write [[connections]], not [connections]"),
    ("missing-name", SCRIPTS_ONLY.replace('name = "x"\n', "").format("", 'login = "login.js"'),
     "connections[0].name", "missing; this setting is required"),
    ("missing-scripts", '[[connections]]\nname = "x"', "connections[0].scripts",
     "missing; this setting is required"),
    ("duplicate-connection", MINIMAL + MINIMAL, "connections[1].name",
     "'legacy' is already the name of connections[0]; it must be unique"),
    ("import-needs-get-user", SCRIPTS_ONLY.format("", 'login = "login.js"'),
     "connections[0].scripts", "import mode (import_mode = true) needs a get_user script"),
    ("import-needs-both", SCRIPTS_ONLY.format("", ""), "connections[0].scripts",
     "import mode (import_mode = true) needs a login and a get_user script"),
    ("legacy-needs-login", SCRIPTS_ONLY.format("import_mode = false\n", 'verify = "verify.js"'),
     "connections[0].scripts", "a connection needs a login script"),
    ("missing-script", MINIMAL.replace('"login.js"', '"missing.js"'),
     "connections[0].scripts.login", "no such file: "),
    ("script-is-directory", MINIMAL.replace('"login.js"', '"js"'),
     "connections[0].scripts.login", "it is a directory: "),
    ("empty-script-path", MINIMAL.replace('"login.js"', '""'), "connections[0].scripts.login",
     "must not be empty"),
    ("missing-node-modules", conn('node_modules = "nowhere"'), "connections[0].node_modules",
     "no such directory: "),
    ("configuration-int", MINIMAL + "[connections.configuration]\nPORT = 5432",
     "connections[0].configuration.PORT", "must be a string, not an integer"),
    ("configuration-quoted-key", MINIMAL + '[connections.configuration]\n"my key" = true',
     'connections[0].configuration."my key"', "must be a string, not a boolean"),
    ("missing-client-id", client(""), "clients[0].client_id", "missing; this setting is required"),
    ("duplicate-client-id",
     client('client_id = "x"\n[[clients]]\nname = "b"\nclient_id = "x"'),
     "clients[1].client_id", "'x' is already the client_id of clients[0]; it must be unique"),
    ("duplicate-client-name",
     client('client_id = "x"\n[[clients]]\nname = "a"\nclient_id = "y"'),
     "clients[1].name", "'a' is already the name of clients[0]; it must be unique"),
    ("unknown-connection", client('client_id = "x"\nconnections = ["legacy", "other"]'),
     "clients[0].connections[1]", "no connection is named 'other'; connections: legacy"),
    ("unknown-grant", client('client_id = "x"\ngrant_types = ["password", "implicit"]'),
     "clients[0].grant_types[1]", f"must be one of {GRANTS}, not 'implicit'"),
    ("grant-not-array", client('client_id = "x"\ngrant_types = "password"'),
     "clients[0].grant_types", "must be an array, not a string"),
    ("no-grants", client('client_id = "x"\ngrant_types = []'), "clients[0].grant_types",
     "must name at least one grant type"),
    ("public-client-credentials", client('client_id = "x"\ngrant_types = ["client_credentials"]'),
     "clients[0].client_secret",
     "a public client (no client_secret) may use the password grants only; give it a "
     "client_secret, or set SCRIPTBRIDGE_CLIENT_SECRET_A"),
    ("empty-client-id", client('client_id = ""'), "clients[0].client_id", "must not be empty"),
    ("scope-type", client('client_id = "x"\nscopes = ["read:users", 3]'), "clients[0].scopes[1]",
     "must be a string, not an integer"),
    ("toml-syntax", "[server]\nport = \n", "line 2, column 8", "invalid TOML: Invalid value"),
    ("toml-duplicate-table", "[server]\nport = 1\n[server]\n", "line 3, column 8",
     "invalid TOML: Cannot declare ('server',) twice"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "key", "problem"), [pytest.param(*case[1:], id=case[0]) for case in PROBLEMS]
)
def test_a_problem_names_the_file_the_key_and_the_problem(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    error = refused(tmp_path, text)
    assert error.key == key
    assert error.problem.startswith(problem), error.problem


def test_a_missing_config_file_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"nowhere\.toml: \(file\): no such file$"):
        load_settings(tmp_path / "nowhere.toml", {})


def test_a_file_that_is_not_utf8_is_a_settings_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"# caf\xe9\n[server]\nport = 1\n")
    with pytest.raises(SettingsError, match=r": \(file\): not UTF-8 text"):
        load_settings(path, {})


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        pytest.param(client('client_id = "x"\nclient_secret = 913377'), "913377", id="secret"),
        pytest.param(client('client_id = "x"\nclient_secret = ["s3cr3t-in-a-list"]'),
                     "s3cr3t-in-a-list", id="secret-array"),
        pytest.param(MINIMAL + "[connections.configuration]\nDB_PASSWORD = 424242", "424242",
                     id="configuration"),
        pytest.param(MINIMAL + '[connections.configuration]\nDB_PASSWORD = { value = "hunter2" }',
                     "hunter2", id="configuration-table"),
    ],
)  # fmt: skip
def test_a_wrong_typed_secret_is_named_by_its_type_not_its_value(
    tmp_path: Path, text: str, secret: str
) -> None:
    error = refused(tmp_path, text)
    assert "must be a string" in error.problem
    assert secret not in str(error)


def test_secrets_stay_out_of_reprs(tmp_path: Path) -> None:
    settings = load(tmp_path, FULL)
    assert "web-secret" not in repr(settings)
    assert "from-the-file" not in repr(settings)
    assert "legacy.example.com" not in repr(settings.connections[0])


def test_the_environment_sets_a_client_secret(tmp_path: Path) -> None:
    settings = load(tmp_path, FULL, {"SCRIPTBRIDGE_CLIENT_SECRET_WEB_APP": "from-env"})
    assert settings.clients[0].client_secret == "from-env"


def test_a_secret_from_the_environment_makes_a_public_client_confidential(tmp_path: Path) -> None:
    text = client('client_id = "x"\ngrant_types = ["client_credentials"]').replace('"a"', '"svc.1"')
    settings = load(tmp_path, text, {"SCRIPTBRIDGE_CLIENT_SECRET_SVC_1": "s"})
    assert settings.clients[0].client_secret == "s"


def test_the_environment_sets_and_overrides_configuration_values(tmp_path: Path) -> None:
    environ = {
        "SCRIPTBRIDGE_CONFIGURATION_LEGACY_DBPASSWORD": "from-env",
        "SCRIPTBRIDGE_CONFIGURATION_LEGACY_NEW_KEY": "added",
        "UNRELATED": "x",
    }
    (connection,) = load(tmp_path, FULL, environ).connections
    assert connection.configuration == {
        "API_URL": "https://legacy.example.com",
        "dbPassword": "from-env",
        "NEW_KEY": "added",
    }


def test_configuration_from_the_environment_goes_to_the_longest_fitting_name(
    tmp_path: Path,
) -> None:
    text = MINIMAL + MINIMAL.replace('"legacy"', '"legacy-eu"')
    environ = {
        "SCRIPTBRIDGE_CONFIGURATION_LEGACY_EU_KEY": "eu",
        "SCRIPTBRIDGE_CONFIGURATION_LEGACY_KEY": "x",
    }
    first, second = load(tmp_path, text, environ).connections
    assert first.configuration == {"KEY": "x"}
    assert second.configuration == {"KEY": "eu"}


@pytest.mark.parametrize(
    ("variable", "problem"),
    [
        pytest.param("SCRIPTBRIDGE_CLIENT_SECRET_WEB", "names no client", id="unknown-client"),
        pytest.param("SCRIPTBRIDGE_CONFIGURATION_OTHER_KEY", "names no connection", id="other"),
        pytest.param("SCRIPTBRIDGE_CONFIGURATION_LEGACY", "names no connection", id="no-key"),
    ],
)  # fmt: skip
def test_an_environment_variable_that_names_nothing_is_refused(
    tmp_path: Path, variable: str, problem: str
) -> None:
    error = refused(tmp_path, FULL, {variable: "top-secret-value"})
    assert error.key == f"${variable}"
    assert error.problem.startswith(problem)
    assert "top-secret-value" not in str(error)


def test_an_empty_secret_in_the_environment_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, FULL, {"SCRIPTBRIDGE_CLIENT_SECRET_WEB_APP": ""})
    assert error.key == "$SCRIPTBRIDGE_CLIENT_SECRET_WEB_APP"
    assert error.problem.startswith("is empty")


def test_two_names_that_read_one_variable_are_refused(tmp_path: Path) -> None:
    text = MINIMAL + '[[clients]]\nname = "my app"\nclient_id = "1"\n'
    text += '[[clients]]\nname = "my-app"\nclient_id = "2"\n'
    error = refused(tmp_path, text, {"SCRIPTBRIDGE_CLIENT_SECRET_MY_APP": "s"})
    assert error.problem == "ambiguous: the clients 'my app' and 'my-app' both fit it; rename one"


def test_the_embedded_default_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert settings.source == EMBEDDED_SOURCE
    assert settings.server == ServerSettings()
    assert settings.store.path == tmp_path / "scriptbridge.db"
    (client,) = settings.clients
    assert client == ClientSettings(
        name="demo",
        client_id="demo",
        client_secret="",
        grant_types=("password", PASSWORD_REALM),
        connections=(),
    )
    (connection,) = settings.connections
    assert connection.name == DEFAULT_CONNECTION
    assert connection.import_mode is True
    assert dict(connection.scripts) == {
        "login": REPOSITORY / "scripts" / "login.js",
        "get_user": REPOSITORY / "scripts" / "get_user.js",
    }
    assert connection.configuration == {"LEGACY_DB": str(tmp_path / "legacy-demo.db")}


def test_the_embedded_default_takes_secrets_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    variable = "SCRIPTBRIDGE_CONFIGURATION_USERNAME_PASSWORD_AUTHENTICATION_LEGACY_DB"
    settings = load_settings(None, {variable: "/data/legacy.db"})
    assert settings.connections[0].configuration == {"LEGACY_DB": "/data/legacy.db"}


def test_the_embedded_default_without_a_source_checkout_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module, "_repository", lambda: tmp_path)
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {})
    assert caught.value.source == EMBEDDED_SOURCE
    assert caught.value.key == "connections[0].scripts"
    assert "needs the scripts/ directory of scriptbridge's source checkout" in str(caught.value)


def test_overrides_replace_host_and_port(tmp_path: Path) -> None:
    settings = with_overrides(load(tmp_path, FULL), host="localhost", port=0)
    assert (settings.server.host, settings.server.port) == ("localhost", 0)
    assert settings.server.max_body_bytes == 2048
    assert with_overrides(settings) == settings


def test_an_override_out_of_range_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"server\.port: must be between 0 and 65535, not -1"):
        with_overrides(load(tmp_path, MINIMAL), port=-1)


def test_the_public_url_is_the_issuer_or_derived_from_host_and_port() -> None:
    assert ServerSettings(port=0).public_url(port=41234) == "http://127.0.0.1:41234/"
    assert ServerSettings(host="::1").public_url() == "http://[::1]:8080/"
    assert ServerSettings(issuer="https://a.example/").public_url(port=1) == "https://a.example/"


def test_a_connection_spec_reads_its_scripts_and_limits(tmp_path: Path) -> None:
    connection = load(tmp_path, FULL).connections[0]
    spec = load_connection_spec(connection)
    assert spec.name == "legacy"
    assert spec.scripts["login"] == Script(
        "login", "function login(a, callback) { callback(); }\n", "login.js"
    )
    assert set(spec.scripts) == set(KINDS)
    assert spec.configuration == dict(connection.configuration)
    assert spec.limits == Limits(timeout_seconds=2.5, memory_mb=64, buffer_mb=8)
    assert (spec.context_argument, spec.node12_globals, spec.runners) == (True, True, 3)
    assert spec.node_modules == tmp_path / "js" / "node_modules"


def test_every_setting_is_documented() -> None:
    documented = {key: (default, help) for key, default, help in describe_settings()}
    sections = {
        "server.": ServerSettings,
        "store.": StoreSettings,
        "outbound.": OutboundSettings,
        "logs.": LogsSettings,
        "clients[].": ClientSettings,
        "connections[].": ConnectionSettings,
    }
    for prefix, cls in sections.items():
        for field in dataclasses.fields(cls):
            default, help = documented.pop(prefix + field.name)
            assert default, field.name
            assert len(help) > 20, field.name
    assert documented == {}


def test_the_documentation_names_the_environment_variables() -> None:
    helps = {key: help for key, _, help in describe_settings()}
    assert "SCRIPTBRIDGE_CLIENT_SECRET_<NAME>" in helps["clients[].client_secret"]
    assert "SCRIPTBRIDGE_CONFIGURATION_<CONNECTION>_<KEY>" in helps["connections[].configuration"]
