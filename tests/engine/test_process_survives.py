"""The Python process survives every script fault: run them in a child and check its exit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Run in a fresh interpreter, so a V8 fatal error (which would kill the process) cannot hide
# behind pytest: the child must get through every fault and exit 0 on its own.
CHILD = textwrap.dedent(
    """
    import asyncio, json, time
    from scriptbridge.engine import ConnectionSpec, Engine, Limits, Script

    FAULTS = {
        "login": "function (e, p, cb) { while (true) {} }",
        "get_user": "function (e, cb) { const a = [];"
                    " while (true) a.push('x'.repeat(1000) + Math.random()); }",
        "create": "function (u, cb) { Promise.resolve().then(() => { while (true) {} }); }",
        "change_password": "function (e, p, cb) { new Uint8Array(1 << 30); }",
        "delete": "function (id, cb) { setTimeout(() => { while (true) {} }, 5); }",
        "change_email": "function (e, n, v, cb) { /* never calls back */ }",
    }
    ARGS = {
        "login": ["a@example.com", "pw"], "get_user": ["a@example.com"],
        "create": [{"email": "a@example.com", "password": "pw"}],
        "change_password": ["a@example.com", "pw"], "delete": ["1"],
        "change_email": ["a@example.com", "b@example.com", True],
    }
    HEALTHY = "function (email, callback) { callback(null, email); }"

    async def wait_for_service(engine, connection):
        deadline = time.monotonic() + 10
        while engine.runners(connection) < 2:
            assert time.monotonic() < deadline, "runners were not replaced"
            await asyncio.sleep(0.01)

    async def healthy(engine, connection):
        outcome = await engine.invoke(connection, "verify", ["ok@example.com"])
        assert outcome.result == "ok@example.com", outcome

    async def main():
        # The heap bomb gets a roomier deadline: V8 may collect garbage for a while first.
        connections = {
            "quick": Limits(timeout_seconds=0.3, memory_mb=32, buffer_mb=8, probe_seconds=0.2),
            "roomy": Limits(timeout_seconds=3, memory_mb=32, buffer_mb=8, probe_seconds=0.2),
        }
        sources = {**FAULTS, "verify": HEALTHY}
        scripts = {k: Script(k, s, k + ".js") for k, s in sources.items()}
        statuses = {}
        async with Engine() as engine:
            for name, limits in connections.items():
                await engine.load(ConnectionSpec(name, scripts, limits=limits, runners=2))
            for kind in FAULTS:
                connection = "roomy" if kind == "get_user" else "quick"
                outcome = await engine.invoke(connection, kind, ARGS[kind])
                statuses[kind] = [outcome.status, outcome.error and outcome.error.name]
                await asyncio.sleep(0.3)
                await wait_for_service(engine, connection)
                await healthy(engine, connection)
            # All the faults at once, on both runners, with healthy invocations among them.
            await asyncio.gather(
                *(engine.invoke("quick", kind, ARGS[kind]) for kind in FAULTS),
                *(engine.invoke("quick", "verify", ["ok@example.com"]) for _ in range(5)),
            )
            await asyncio.sleep(0.3)
            for name in connections:
                await wait_for_service(engine, name)
                await healthy(engine, name)
            restarts = sum(engine.restarts(name) for name in connections)
        print(json.dumps({"statuses": statuses, "restarts": restarts, "survived": True}))

    asyncio.run(main())
    """
)


def test_process_survives_every_fault() -> None:
    """A child process runs loops, heap and buffer bombs and silence, then exits cleanly."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, check=False
    )
    assert child.returncode == 0, f"exit {child.returncode}\n{child.stderr[-3000:]}"
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["survived"] is True
    assert report["statuses"] == {
        "login": ["timeout", "TimeoutError"],
        "get_user": ["error", "ScriptMemoryLimit"],
        "create": ["timeout", "TimeoutError"],
        "change_password": ["error", "RangeError"],
        "delete": ["timeout", "TimeoutError"],
        "change_email": ["timeout", "TimeoutError"],
    }
    assert report["restarts"] >= 4
