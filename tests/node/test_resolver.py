"""node/resolver.py: Node's CommonJS resolution, confined to the node_modules directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scriptbridge.node.resolver import Resolver

FIXTURES = Path(__file__).parents[2] / "fixtures" / "node_modules"


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(FIXTURES)


@pytest.mark.parametrize(
    ("spec", "parent", "expected"),
    [
        ("greeting", None, "greeting/lib/greet.js"),  # package.json main
        ("./words.json", "greeting/lib/greet.js", "greeting/lib/words.json"),
        ("shout", "greeting/lib/greet.js", "greeting/node_modules/shout/index.js"),  # nested
        ("./a", "cycle/index.js", "cycle/a.js"),  # extension added
        ("cycle", None, "cycle/index.js"),  # package.json without main
        ("jsononly", None, "jsononly/index.json"),
        ("@acme/tools", None, "@acme/tools/main.js"),  # scoped, main without extension
        ("greeting/lib/greet", None, "greeting/lib/greet.js"),  # a file inside a package
        ("greeting", "@acme/tools/main.js", "greeting/lib/greet.js"),  # up to the root
    ],
)
def test_resolves_like_node(
    resolver: Resolver, spec: str, parent: str | None, expected: str
) -> None:
    found = resolver.resolve(spec, parent)
    assert found is not None
    assert found.id == expected


@pytest.mark.parametrize(
    ("spec", "parent"),
    [
        ("nothing-here", None),
        ("shout", None),  # nested in greeting's own node_modules: not visible from the root
        ("../../etc/passwd", "greeting/lib/greet.js"),
        ("/etc/passwd", None),
        ("../README.md", None),
        ("", None),
    ],
)
def test_finds_nothing_outside_or_missing(
    resolver: Resolver, spec: str, parent: str | None
) -> None:
    assert resolver.resolve(spec, parent) is None


def test_symbolic_link_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    """A link inside node_modules that points outside it resolves to nothing."""
    root = tmp_path / "node_modules"
    root.mkdir()
    secret = tmp_path / "secret.js"
    secret.write_text("module.exports = 'secret';")
    os.symlink(secret, root / "leak.js")
    assert Resolver(root).resolve("./leak", None) is None
    assert Resolver(root).resolve("leak", None) is None


def test_without_a_directory_nothing_resolves() -> None:
    assert Resolver(None).resolve("greeting", None) is None


def test_shebang_line_is_neutralised(tmp_path: Path) -> None:
    (tmp_path / "cli.js").write_text("#!/usr/bin/env node\nmodule.exports = 1;\n")
    found = Resolver(tmp_path).resolve("./cli", None)
    assert found is not None
    assert found.source.startswith("//#!/usr/bin/env node\n")
