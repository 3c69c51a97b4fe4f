"""scriptbridge.loop: the engine on uvloop, the loop the CLI and the service run on."""

from __future__ import annotations

import asyncio

import uvloop

from scriptbridge import loop
from scriptbridge.engine import ConnectionSpec, Engine, HostModule, Script

SLEEPER = HostModule(
    name="sleeper",
    source="exports.sleep = (ms, done) => host.call('sleep', [ms], done);",
    functions={"sleep": lambda args: asyncio.sleep(args[0] / 1000, result="slept")},
    sync_functions={},
)
SCRIPT = """async function login(email, password, callback) {
  await new Promise((resolve) => setTimeout(resolve, 5));
  require('sleeper').sleep(5, (err, value) => callback(err, {user_id: email, value}));
}"""


def test_run_uses_uvloop_and_the_engine_works_on_it() -> None:
    """Timers, promise continuations and async host calls all complete on uvloop."""

    async def main() -> tuple[object, list[object]]:
        async with Engine(host_modules=(SLEEPER,)) as engine:
            await engine.load(ConnectionSpec("c", {"login": Script("login", SCRIPT, "login.js")}))
            outcomes = await asyncio.gather(
                *(engine.invoke("c", "login", [f"u{i}", "pw"]) for i in range(50))
            )
        return asyncio.get_running_loop(), [o.result for o in outcomes]

    running_loop, results = loop.run(main())
    assert isinstance(running_loop, uvloop.Loop)
    assert results == [{"user_id": f"u{i}", "value": "slept"} for i in range(50)]
