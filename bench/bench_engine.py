"""Benchmarks of the script engine against the targets of README's performance section.

Run: ``.venv/bin/python bench/bench_engine.py`` (about 30 s). Prints one line per figure and
a JSON object at the end. Figures depend on the machine: README records where they came from.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import time
from typing import Any

from scriptbridge import loop
from scriptbridge.engine import ConnectionSpec, Engine, HostModule, Limits, Script
from scriptbridge.engine.host import HostRegistry
from scriptbridge.engine.runner import Runner, boot_blank

TRIVIAL = "function login(email, password, callback) { callback(null, {user_id: '1', email}) }"
TIMER = "function (email, callback) { setTimeout(() => callback(null, {user_id: email}), 100) }"
SYNC_LOOP = """function (email, callback) {
  const bench = require('bench');
  const n = 20000;
  const t0 = Date.now();
  for (let i = 0; i < n; i++) bench.echo('abcdefgh');
  callback(null, {user_id: 'x', micros: (Date.now() - t0) * 1000 / n});
}"""
# A realistic 2 KB script: a login against an HTTP API with error handling and logging.
TWO_KB = (
    "// A 2 KB login script, as a team would write it.\n"
    "function login(email, password, callback) {\n"
    "  const url = configuration.API_URL + '/authenticate';\n"
    + "".join(
        f"  if (email === 'blocked{i}@example.com') return callback(new Error('blocked {i}'));\n"
        for i in range(24)
    )
    + "  console.log('login attempt', email);\n"
    "  callback(null, {user_id: email, email: email, email_verified: true});\n"
    "}\n"
)

BENCH_MODULE = HostModule(
    name="bench",
    source="exports.echo = (s) => host.callSync('echo', [s]);",
    sync_functions={"echo": lambda args: args[0]},
)


def spec(scripts: dict[str, str], runners: int = 0) -> ConnectionSpec:
    return ConnectionSpec(
        name="bench",
        scripts={k: Script(k, v, f"{k}.js") for k, v in scripts.items()},  # type: ignore[misc]
        configuration={"API_URL": "http://127.0.0.1:9"},
        limits=Limits(),
        runners=runners,
    )


async def throughput(engine: Engine, count: int, concurrency: int) -> float:
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await engine.invoke("bench", "login", ["a@example.com", "pw"])

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - start)


async def sequential_p50_ms(engine: Engine, count: int) -> float:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await engine.invoke("bench", "login", ["a@example.com", "pw"])
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def main() -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    figures: dict[str, Any] = {"machine": f"{machine}, Python {platform.python_version()}"}

    async with Engine(host_modules=(BENCH_MODULE,)) as engine:
        await engine.load(spec({"login": TRIVIAL, "get_user": TIMER, "verify": SYNC_LOOP}))
        await throughput(engine, 2000, 200)  # warm up
        figures["runners"] = engine.runners("bench")
        figures["trivial_login_per_s_200_in_flight"] = round(
            max([await throughput(engine, 30000, 200) for _ in range(3)])
        )
        figures["trivial_login_p50_ms_1_in_flight"] = round(
            min([await sequential_p50_ms(engine, 3000) for _ in range(3)]), 3
        )
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            outcomes = await asyncio.gather(
                *(engine.invoke("bench", "get_user", [f"u{i}"]) for i in range(1000))
            )
            walls.append(time.perf_counter() - start)
            assert all(o.status == "result" for o in outcomes)
        figures["timers_1000x100ms_wall_s"] = round(min(walls), 3)
        sync = await engine.invoke("bench", "verify", ["x"])
        figures["sync_host_call_us"] = round(sync.result["micros"], 1)

    # Runner start-up and idle memory, measured on bare runners outside any pool.
    host = HostRegistry(())
    two_kb = spec({"login": TWO_KB}, runners=1)
    loop = asyncio.get_running_loop()
    runners = [await Runner.start(two_kb, host)]  # V8 initialisation is paid once, not measured
    cold, adopted = [], []
    for _ in range(20):
        start = time.perf_counter()
        runners.append(await Runner.start(two_kb, host))
        cold.append(time.perf_counter() - start)
        blank = await asyncio.to_thread(boot_blank, loop)  # what the engine's Reserve keeps
        start = time.perf_counter()
        runners.append(await Runner.start(two_kb, host, blank=blank))
        adopted.append(time.perf_counter() - start)
    figures["script_bytes"] = len(TWO_KB)
    figures["runner_start_ms_from_spare"] = round(statistics.median(adopted) * 1000, 2)
    figures["runner_start_ms_cold"] = round(statistics.median(cold) * 1000, 2)
    for runner in runners:
        await runner.close()

    before = rss_bytes()
    idle = [await Runner.start(two_kb, host) for _ in range(100)]
    await asyncio.sleep(0.5)
    figures["idle_runner_rss_mib"] = round((rss_bytes() - before) / len(idle) / 2**20, 2)
    for runner in idle:
        await runner.close()

    for key, value in figures.items():
        print(f"{key:40} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    loop.run(main())
