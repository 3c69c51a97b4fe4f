"""The README tells the truth: its settings table is the declared settings, and its sample
configuration loads."""

from __future__ import annotations

import re
from pathlib import Path

from scriptbridge.settings import describe_settings, load_settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_settings_table_lists_every_setting_as_declared() -> None:
    documented = re.findall(r"^\| `([a-z0-9_\[\].]+)` \| `(.*?)` \| (.+) \|$", README, re.MULTILINE)
    assert documented == describe_settings()


def test_the_sample_configuration_loads(tmp_path: Path) -> None:
    sample = re.search(r"```toml\n(.*?)```", README, re.DOTALL)
    assert sample is not None
    (tmp_path / "scripts").mkdir()
    for kind in ("login", "get_user"):
        (tmp_path / "scripts" / f"{kind}.js").write_text(f"function {kind}() {{}}")
    path = tmp_path / "scriptbridge.toml"
    path.write_text(sample.group(1))
    settings = load_settings(
        path,
        {
            "SCRIPTBRIDGE_CLIENT_SECRET_WEB": "s3cret",
            "SCRIPTBRIDGE_CONFIGURATION_LEGACY_DB_DB_PASSWORD": "pw",
        },
    )
    [client] = settings.clients
    assert client.client_secret == "s3cret"
    [connection] = settings.connections
    assert dict(connection.configuration) == {"DB_HOST": "db.internal", "DB_PASSWORD": "pw"}
    assert settings.server.issuer == "https://login.example.com/"
