"""Throwaway database servers for tests: real PostgreSQL and MariaDB on loopback.

Each runs from a temporary directory on a free port and is stopped and deleted afterwards.
dev/test installs the Debian packages (postgresql, mariadb-server). PostgreSQL refuses to run
as root, so as root it runs as the ``postgres`` user the package creates.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        """postgres://... or mysql://..., as scripts write connection strings."""
        scheme = "postgres" if self.user == "postgres" else "mysql"
        auth = self.user if not self.password else f"{self.user}:{self.password}"
        return f"{scheme}://{auth}@{self.host}:{self.port}/{self.database}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, within: float, log: Path) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start:\n{log.read_text()[-2000:]}")


@contextlib.contextmanager
def postgres_server() -> Iterator[Server]:
    """A PostgreSQL cluster with trust authentication on 127.0.0.1 (database ``legacy``)."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise RuntimeError("PostgreSQL is not installed: run dev/test, which installs it")
    bindir = Path(bins[-1])
    root = Path(tempfile.mkdtemp(prefix="scriptbridge-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log, port = root / "data", root / "server.log", free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    try:
        subprocess.run([*as_user, bindir / "initdb", "-D", data, "-U", "postgres",
                        "--auth=trust", "--no-sync"], **run)  # type: ignore[call-overload]  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*as_user, bindir / "pg_ctl", "-D", data, "-o", options, "-l", log,
                        "-w", "start"], **run)  # type: ignore[call-overload]  # fmt: skip
        subprocess.run([*as_user, bindir / "createdb", "-h", "127.0.0.1", "-p", str(port),
                        "-U", "postgres", "legacy"], **run)  # type: ignore[call-overload]  # fmt: skip
        yield Server("127.0.0.1", port, "postgres", "", "legacy")
    finally:
        subprocess.run([*as_user, bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, check=False, timeout=60)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def mariadb_server() -> Iterator[Server]:
    """A MariaDB server on 127.0.0.1 with user ``legacy``/``legacy-pw`` and database ``legacy``."""
    install = shutil.which("mariadb-install-db")
    server = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    if install is None or not Path(server).exists():
        raise RuntimeError("MariaDB is not installed: run dev/test, which installs it")
    root = Path(tempfile.mkdtemp(prefix="scriptbridge-mariadb-"))
    data, log, port = root / "data", root / "server.log", free_port()
    socket_path = root / "mysqld.sock"
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [install, "--no-defaults", f"--datadir={data}", *user,
         "--auth-root-authentication-method=normal", "--skip-test-db"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    process = subprocess.Popen(
        [server, "--no-defaults", f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
         f"--socket={socket_path}", f"--log-error={log}", "--skip-log-bin", *user,
         "--innodb-flush-log-at-trx-commit=0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, 60, log)
        setup = (
            "CREATE DATABASE legacy; CREATE USER 'legacy'@'%' IDENTIFIED BY 'legacy-pw';"
            "GRANT ALL ON legacy.* TO 'legacy'@'%'; FLUSH PRIVILEGES;"
        )
        client = shutil.which("mariadb") or "mysql"
        subprocess.run([client, "--no-defaults", f"--socket={socket_path}", "-uroot", "-e", setup],
                       check=True, capture_output=True, timeout=60)  # fmt: skip
        yield Server("127.0.0.1", port, "legacy", "legacy-pw", "legacy")
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
