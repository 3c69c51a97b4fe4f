"""`scriptbridge serve` as a child process, for the tests that stop, interrupt or kill the real
server: start it, read the URL it prints, log users in over HTTP, signal it, and make sure no
process outlives its test (``Servers`` kills the ones still running when the test ends)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from service_harness import CLIENT_ID, CLIENT_SECRET, CONNECTION, REPO

CRASH_SCRIPTS = REPO / "fixtures" / "scripts" / "crash"
#: Long enough for a slow machine to start the server; a healthy one takes under a second.
START_TIMEOUT_S = 15.0
EXIT_TIMEOUT_S = 10.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "scriptbridge", "serve", *args]


def child_environment() -> dict[str, str]:
    """This environment without SCRIPTBRIDGE_ variables, which would change the settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTBRIDGE_")}


def configure(config: Path, **values: str) -> Path:
    """Add ``[connections.configuration]`` values (the scripts' ``configuration``) to a file
    written by ``write_config``, whose last table that is."""
    text = config.read_text(encoding="utf-8")
    last_table = text.rstrip().rsplit("\n[", 1)[-1]
    assert last_table.startswith("connections.configuration]"), "not write_config's layout"
    lines = "".join(f'{key} = "{value}"\n' for key, value in values.items())
    config.write_text(text + lines, encoding="utf-8")
    return config


@dataclass
class ServerProcess:
    """One ``scriptbridge serve`` child; its stdout and stderr go to files beside its config."""

    process: subprocess.Popen[bytes]
    url: str
    stdout_path: Path
    stderr_path: Path

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    async def stop(self, signum: signal.Signals = signal.SIGTERM) -> int:
        """Send ``signum``; the exit status."""
        self.send(signum)
        return await self.wait()

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        self.process.kill()
        self.process.wait(EXIT_TIMEOUT_S)

    async def wait(self) -> int:
        """The exit status, once the process has ended (within EXIT_TIMEOUT_S)."""
        try:
            return await asyncio.to_thread(self.process.wait, EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"scriptbridge serve did not exit within {EXIT_TIMEOUT_S} s; stderr:\n"
                + self.stderr()
            ) from None

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    async def login(
        self, session: aiohttp.ClientSession, username: str, password: str
    ) -> tuple[int, Any]:
        """A password-realm login; (status, JSON body)."""
        return await password_login(session, self.url, username, password)


async def password_login(
    session: aiohttp.ClientSession, url: str, username: str, password: str
) -> tuple[int, Any]:
    body = {
        "grant_type": PASSWORD_REALM,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "username": username,
        "password": password,
        "realm": CONNECTION,
    }
    async with session.post(url + "oauth/token", json=body) as response:
        return response.status, await response.json(content_type=None)


def client_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)


class Servers:
    """Starts ``scriptbridge serve`` children, and kills every one still running on exit."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(EXIT_TIMEOUT_S)

    def spawn(self, *args: str, cwd: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
        """``scriptbridge serve ARGS`` in ``cwd``; the process and its stdout and stderr files."""
        n = len(self._processes)
        stdout_path = self._directory / f"serve-{n}.stdout"
        stderr_path = self._directory / f"serve-{n}.stderr"
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                serve_command(*args),
                cwd=cwd,
                env=child_environment(),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        self._processes.append(process)
        return process, stdout_path, stderr_path

    async def start(self, config: Path, *args: str) -> ServerProcess:
        """``serve --config CONFIG ARGS`` in the config's directory, once it prints its URL."""
        process, stdout_path, stderr_path = self.spawn(
            "--config", str(config), *args, cwd=config.parent
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            first, newline, _ = stdout_path.read_text(encoding="utf-8").partition("\n")
            if newline:
                assert first.startswith("http://"), f"the first line is not a URL: {first!r}"
                return ServerProcess(process, first, stdout_path, stderr_path)
            why = None
            if process.poll() is not None:
                why = f"exited with status {process.returncode} before printing its URL"
            elif time.monotonic() > deadline:
                why = f"printed no URL within {START_TIMEOUT_S} s"
            if why is not None:
                stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
                raise AssertionError(f"scriptbridge serve {why}; stderr:\n{stderr}")
            await asyncio.sleep(0.01)

    async def run(self, *args: str, cwd: Path) -> tuple[int, str, str]:
        """``serve ARGS`` expected to exit by itself: (status, stdout, stderr)."""
        process, stdout_path, stderr_path = self.spawn(*args, cwd=cwd)
        try:
            status = await asyncio.to_thread(process.wait, EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"scriptbridge serve {' '.join(args)} did not exit") from None
        return (
            status,
            stdout_path.read_text(encoding="utf-8"),
            stderr_path.read_text(encoding="utf-8"),
        )
