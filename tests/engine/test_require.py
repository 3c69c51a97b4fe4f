"""require() in scripts: bridged modules, pinned versions, node_modules packages, globals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scriptbridge.engine import ConnectionSpec, Engine, HostModule, Limits, Outcome, Script

FIXTURES = Path(__file__).parents[2] / "fixtures" / "node_modules"

#: Stand-ins for bridged modules, to test require() itself (the real ones have their tests).
FAKE_PG = HostModule(
    name="pg",
    version="8.11.0",
    source=(
        "exports.connect = function (conString, cb) {"
        " cb(null, {conString, isPg: this === exports}); };"
    ),
)
FAKE_CRYPTO = HostModule(name="crypto", version="18.0.0", source="exports.isCrypto = true;")


async def run(
    body: str,
    *,
    node_modules: Path | None = FIXTURES,
    node12_globals: bool = False,
    modules: tuple[HostModule, ...] = (FAKE_PG, FAKE_CRYPTO),
    events: list[Any] | None = None,
) -> Outcome:
    source = f"function getByEmail(email, callback) {{\n{body}\n}}"
    on_log = events.append if events is not None else None
    async with Engine(host_modules=modules, on_log=on_log) as engine:
        await engine.load(
            ConnectionSpec(
                "c",
                {"get_user": Script("get_user", source, "get_user.js")},
                limits=Limits(timeout_seconds=5),
                runners=1,
                node_modules=node_modules,
                node12_globals=node12_globals,
            )
        )
        return await engine.invoke("c", "get_user", ["jane@example.com"])


def result_of(outcome: Outcome) -> Any:
    assert outcome.status == "result", outcome.error
    return {k: v for k, v in outcome.result.items() if k != "user_id"}


async def test_package_from_node_modules_with_main_json_and_nested_dependency() -> None:
    outcome = await run(
        "const g = require('greeting');"
        "callback(null, {user_id: '1', greet: g.greet('Jane'), loud: g.loud('Jane'),"
        " where: g.where()});"
    )
    assert result_of(outcome) == {
        "greet": "Hello, Jane",
        "loud": "HELLO, JANE!",
        "where": {"filename": "greeting/lib/greet.js", "dirname": "greeting/lib"},
    }


async def test_cycles_see_partial_exports_like_node() -> None:
    outcome = await run("callback(null, {user_id: '1', a: require('cycle').a});")
    assert result_of(outcome) == {"a": {"early": "a-early", "fromB": "a-early", "late": "a-late"}}


async def test_modules_are_cached_scoped_packages_and_json_load() -> None:
    outcome = await run(
        "callback(null, {user_id: '1', same: require('greeting') === require('greeting/lib/greet'),"
        " json: require('jsononly'), tools: require('@acme/tools')});"
    )
    assert result_of(outcome) == {
        "same": True,
        "json": {"answer": 42},
        "tools": {"scoped": True, "greeting": "Hello, tools"},
    }


async def test_unknown_module_names_what_scriptbridge_provides() -> None:
    outcome = await run("require('mongodb');")
    assert outcome.error is not None
    assert outcome.error.code == "MODULE_NOT_FOUND"
    assert outcome.error.message.startswith(
        "Cannot find module 'mongodb'\nscriptbridge provides: crypto, pg;"
    )


async def test_paths_out_of_node_modules_are_not_found() -> None:
    outcome = await run("require('../README.md');")
    assert outcome.error is not None
    assert outcome.error.code == "MODULE_NOT_FOUND"


async def test_without_node_modules_only_bridged_modules_load() -> None:
    outcome = await run("require('greeting');", node_modules=None)
    assert outcome.error is not None
    assert outcome.error.message.startswith("Cannot find module 'greeting'")


async def test_pinned_specifier_resolves_to_the_bridged_module_and_warns_once() -> None:
    events: list[Any] = []
    outcome = await run(
        "const a = require('pg@7.17.1'), b = require('pg@7.17.1'), c = require('pg@8.0.0');"
        "callback(null, {user_id: '1', same: a === b && b === c && a === require('node:pg')});",
        events=events,
    )
    assert result_of(outcome) == {"same": True}
    warnings = [e.message for e in events if e.level == "warn"]
    assert warnings == [
        "require('pg@7.17.1'): scriptbridge provides pg with the API of version 8.11.0, not 7.17.1"
    ]


async def test_request_global_only_when_the_module_exists() -> None:
    outcome = await run("callback(null, {user_id: '1', t: typeof request});")
    assert result_of(outcome) == {"t": "undefined"}


async def test_node12_globals_define_the_magic_module_globals() -> None:
    body = (
        "postgres('postgres://db/legacy', (err, client) => callback(null, {user_id: '1',"
        " crypto: crypto.isCrypto, pg: typeof pg.connect, client}));"
    )
    outcome = await run(body, node12_globals=True)
    assert result_of(outcome) == {
        "crypto": True,
        "pg": "function",
        "client": {"conString": "postgres://db/legacy", "isPg": True},
    }


async def test_without_node12_globals_the_magic_globals_are_absent() -> None:
    outcome = await run("callback(null, {user_id: '1', pg: typeof pg, postgres: typeof postgres});")
    assert result_of(outcome) == {"pg": "undefined", "postgres": "undefined"}


@pytest.mark.parametrize("spec", ["42", "null", "{}"])
async def test_require_of_a_non_string_throws_like_node(spec: str) -> None:
    outcome = await run(f"require({spec});")
    assert outcome.error is not None
    assert outcome.error.code == "ERR_INVALID_ARG_TYPE"
