"""Benchmarks of the log stream (``GET /logs/stream``) against the targets of issue 6.

Run: ``.venv/bin/python bench/bench_stream.py`` (about two minutes on 2 cores; see
``--help``). Prints one line per figure and a JSON object at the end. Figures depend on the
machine: README records where they came from.

The service is the real one, ``python -m scriptbridge serve`` in a child process, stopped
with SIGTERM (which must end it with status 0). Its connection runs in legacy mode
(``import_mode = false``) with a login script that accepts anyone and prints one line,
``login of EMAIL at DATE_NOW``. Legacy mode, because then every login runs the script and so
publishes a line (in import mode a returning user logs in from scriptbridge's store and no
script runs); a script that accepts anyone, because then no bcrypt runs and the stream's
cost is not lost in hashing time (import mode with ``bcrypt_rounds = 4`` and a first login
of a fresh user each time would print too, but add a hash per login). Each login is of a new
email, for which the service stores a profile record, as for every legacy-mode login. The
client is aiohttp in this process, ``POST /oauth/token`` with the password-realm grant, 200
requests in flight; every answer must be a 200. Subscribers hold a Management API token with
``read:logs`` (client_credentials) and run in a child process of their own (this file with
``--subscribers N``), each stream on a bare connection that only counts what comes: reading
in this process would wait on its busy event loop and slow its client down. The three
processes still share the machine's cores; each one's CPU time is printed.

* Latency: one subscriber is connected while 200 logins are kept in flight. The script
  prints ``Date.now()``, the wall clock when ``console.log`` ran, and the subscriber notes
  ``time.time()`` when the bytes of the line come off its socket: the same clock on the same
  machine, so ``arrival - Date.now()`` is the console.log -> subscriber time itself, with the
  subscriber's own wake-up included; the milliseconds Date.now() floors away make it up to
  1 ms too long, never too short (``min`` would show clocks that disagree). Besides:
  ``arrival - time`` (the line's ``time`` field, stamped when the engine hands the line to
  the hub), and the bounds a client sees without the script's help: the line is printed after
  the login request is sent and before its answer comes back, so ``arrival - sent`` is an
  upper bound (it counts the request's wait among the 200) and ``arrival - answered`` a lower
  one, negative when the line comes before the answer, as it mostly does. Lines that never
  arrive count as infinitely late.
* Subscriber cost: logins per second over a fixed count at 200 in flight, with no subscriber
  and with 100 connected (each checked to have received every line, or counted what it
  lost), in short rounds interleaved 0, 100, 0, 100, ..., 0 so that the machine's drift hits
  both alike. Two figures: the drop between the medians of each kind, and the median of
  each 100-round's drop against the mean of the 0-rounds on either side of it (which a
  burst of the machine's steal time, shown per round, upsets less). The CPU time per login
  of the service (all its threads, and its event loop's alone), of this client and of the
  subscribers' process shows where the time goes; the service's figure does not depend on
  where the subscribers run. The first of the 100 is timed as above, for the latency with
  100 subscribers.

``--profile FILE`` runs the service under cProfile (its event loop thread) and writes the
statistics to FILE when it stops, for ``python -m pstats FILE``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiohttp
from machine import Steal, cpu_model, percentile

from scriptbridge import loop
from scriptbridge.api import fanout

CONNECTION = "bench-db"
CLIENT_ID = "bench-app"
CLIENT_SECRET = "bench-secret-0123456789"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"
CONCURRENCY = 200
CORES = os.cpu_count() or 1
WARM_UP_LOGINS = 1000
#: The seconds a subscriber waits, once the logins are over, for lines still on their way.
SETTLE_S = 5.0

LOGIN = """function login(email, password, callback) {
  console.log('login of ' + email + ' at ' + Date.now());
  callback(null, {user_id: email, email: email});
}
"""
#: Bytes that occur once in each line's event, and once in each lost-lines marker.
LOG_EVENT = b"event: log\n"
DROPPED_EVENT = b"event: dropped\n"


def write_config(directory: Path) -> Path:
    """The service's configuration and login script in ``directory``; the config's path."""
    script = directory / "login.js"
    script.write_text(LOGIN, encoding="utf-8")
    path = directory / "scriptbridge.toml"
    path.write_text(
        f"""
[server]
host = "127.0.0.1"
port = 0
bcrypt_rounds = 4
max_failed_attempts = 0

[store]
path = "store.db"

[[clients]]
name = "bench"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
grant_types = ["{PASSWORD_REALM}", "client_credentials"]
scopes = ["read:logs"]

[[connections]]
name = "{CONNECTION}"
import_mode = false
password_policy = "none"

[connections.scripts]
login = "{script}"
""",
        encoding="utf-8",
    )
    return path


def cpu_s(pid: int, thread: int | None = None) -> float:
    """CPU seconds (user + system) a process, or one of its threads, has used so far."""
    stat = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    fields = Path(stat).read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def child(
    *args: str,
    stdin: int | None = None,
    stderr: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python ARGS`` in a child process, with this environment but for SCRIPTBRIDGE_
    variables (which would change the service's settings) and with ``env``; killed on the
    way out if it has not ended by then."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTBRIDGE_")}
    with stderr.open("ab") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            stdin=stdin,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
            cwd=cwd,
            env=environment | (env or {}),
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@dataclass(frozen=True)
class Service:
    url: str
    pid: int

    def cpu_s(self) -> tuple[float, float]:
        """CPU seconds of all the service's threads, and of its event loop's."""
        return cpu_s(self.pid), cpu_s(self.pid, self.pid)


@contextlib.asynccontextmanager
async def service(config: Path, profile: Path | None = None) -> AsyncIterator[Service]:
    """``scriptbridge serve`` in a child process; SIGTERM must end it with status 0. With
    ``profile``, it runs under cProfile (its event loop thread), which writes there at exit."""
    log = config.parent / "service.log"
    args: tuple[str, ...] = ("-m", "scriptbridge", "serve", "--config", str(config))
    if profile is not None:
        args = ("-m", "cProfile", "-o", str(profile), *args)
    async with child(*args, stderr=log, cwd=config.parent) as process:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        if not line.startswith(b"http://"):
            raise RuntimeError(f"the service did not start; see {log}")
        drain = asyncio.create_task(process.stdout.read())  # a full pipe would block it
        yield Service(line.decode().strip(), process.pid)
        process.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(process.wait(), 60)
        await drain
        if status != 0:
            raise RuntimeError(f"the service exited with status {status}; see {log}")


async def management_token(session: aiohttp.ClientSession, url: str) -> str:
    body = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "audience": url + "api/v2/",
    }
    async with session.post(url + "oauth/token", json=body) as response:
        answer = await response.json(content_type=None)
        if response.status != 200:
            raise RuntimeError(f"no management token: {response.status} {answer}")
        token: str = answer["access_token"]
        return token


@contextlib.asynccontextmanager
async def subscribers(
    service: Service, token: str, count: int, *, timed: bool, log: Path
) -> AsyncIterator[Subscribers]:
    """``count`` subscribers connected, in a child process, until the block ends;
    ``timed``, the first one notes when each line arrived."""
    args = [__file__, "--subscribers", str(count), "--url", service.url]
    if timed:
        args.append("--timed")
    # The token goes in the environment: on the command line, ps would show it.
    env = {"BENCH_STREAM_TOKEN": token}
    async with child(*args, stdin=asyncio.subprocess.PIPE, stderr=log, env=env) as process:
        assert process.stdout is not None
        if await asyncio.wait_for(process.stdout.readline(), 60) != b"ready\n":
            raise RuntimeError(f"the subscribers did not connect; see {log}")
        yield Subscribers(process)


class Subscribers:
    """The subscribers' child process, seen from the benchmark."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    def cpu_s(self) -> float:
        return cpu_s(self.process.pid)

    async def finish(self, lines: int) -> dict[str, Any]:
        """Tell them ``lines`` lines were published; what they received, once each has
        received as many or SETTLE_S has passed."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"{lines}\n".encode())
        self.process.stdin.close()
        report: dict[str, Any] = json.loads(
            await asyncio.wait_for(self.process.stdout.read(), SETTLE_S + 30)
        )
        await asyncio.wait_for(self.process.wait(), 30)
        return report


@dataclass(frozen=True)
class Login:
    email: str
    sent: float  # time.time() when the request was sent
    answered: float  # and when its answer had been read


async def logins(
    session: aiohttp.ClientSession, url: str, emails: Iterator[str], count: int
) -> tuple[float, list[Login]]:
    """``count`` password-realm logins with CONCURRENCY in flight: seconds, and each login."""
    done: list[Login] = []
    issued = 0

    async def client() -> None:
        nonlocal issued
        while issued < count:
            issued += 1
            email = next(emails)
            body = {
                "grant_type": PASSWORD_REALM,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "username": email,
                "password": "any password",
                "realm": CONNECTION,
            }
            sent = time.time()
            async with session.post(url + "oauth/token", json=body) as response:
                answer = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"login of {email}: {response.status} {answer[:300]!r}")
            done.append(Login(email, sent, time.time()))

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return time.perf_counter() - start, done


def fresh_emails(prefix: str) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"{prefix}{n}@example.com"


def quantiles_ms(samples: list[float], missing: int = 0) -> dict[str, float]:
    """min, p50, p99 and max of seconds, in ms; ``missing`` samples count as infinitely
    late."""
    everything = samples + [float("inf")] * missing
    return {
        "min": round(min(everything) * 1000, 2),
        "p50": round(percentile(everything, 0.50) * 1000, 2),
        "p99": round(percentile(everything, 0.99) * 1000, 2),
        "max": round(max(everything) * 1000, 2),
    }


async def bench_latency(
    child_service: Service,
    session: aiohttp.ClientSession,
    token: str,
    count: int,
    directory: Path,
) -> dict[str, Any]:
    """One timed subscriber while ``count`` logins run, 200 in flight."""
    log = directory / "subscribers.log"
    async with subscribers(child_service, token, 1, timed=True, log=log) as timed:
        seconds, done = await logins(session, child_service.url, fresh_emails("latency"), count)
        report = await timed.finish(count)
    arrivals = {
        subject: (message, stamped, arrived)
        for subject, message, stamped, arrived in report["lines"]
    }
    delivery, from_stamp, upper, lower = [], [], [], []
    for login in done:
        line = arrivals.get(login.email)
        if line is None:
            continue
        message, stamped, arrived = line
        delivery.append(arrived - printed_at(message))
        stamp = dt.datetime.fromisoformat(stamped.replace("Z", "+00:00")).timestamp()
        from_stamp.append(arrived - stamp)
        upper.append(arrived - login.sent)
        lower.append(arrived - login.answered)
    missing = count - len(delivery)
    answered = [login.answered - login.sent for login in done]
    return {
        "latency_logins": count,
        "latency_login_per_s": round(count / seconds),
        "latency_login_answer_ms": quantiles_ms(answered),
        "latency_lines_missing": missing,
        "latency_lines_dropped": report["dropped"][0],
        "console_log_to_subscriber_ms": quantiles_ms(delivery, missing),
        "line_time_to_subscriber_ms": quantiles_ms(from_stamp, missing),
        "request_sent_to_subscriber_ms": quantiles_ms(upper, missing),
        "answer_to_subscriber_ms": quantiles_ms(lower, missing),
    }


def printed_at(message: str) -> float:
    """When the script printed ``message`` (its Date.now()), in seconds."""
    return int(message.rpartition(" at ")[2]) / 1000


@dataclass(frozen=True)
class Round:
    subscribers: int
    per_s: float
    service_cpu_ms: float  # per login, every thread of the service
    loop_cpu_ms: float  # per login, the service's event loop thread
    client_cpu_ms: float  # per login, this process
    subscribers_cpu_ms: float  # per login, the subscribers' process
    lost: int  # lines some subscriber did not receive, summed over subscribers
    dropped_markers: int
    steal_pct: float  # of the machine's CPU time during the round, stolen by the hypervisor
    #: console.log -> the first subscriber, in seconds, for each line it received.
    delivery_s: tuple[float, ...] = ()


async def throughput_round(
    child_service: Service,
    session: aiohttp.ClientSession,
    token: str,
    count: int,
    emails: Iterator[str],
    subscriber_count: int,
    directory: Path,
) -> Round:
    async with contextlib.AsyncExitStack() as stack:
        readers = None
        if subscriber_count:
            log = directory / "subscribers.log"
            readers = await stack.enter_async_context(
                subscribers(child_service, token, subscriber_count, timed=True, log=log)
            )
        (all_before, loop_before), client_before = child_service.cpu_s(), time.process_time()
        readers_before = readers.cpu_s() if readers else 0.0
        steal = Steal()
        seconds, _ = await logins(session, child_service.url, emails, count)
        steal_pct = steal.pct()
        (all_after, loop_after), client_after = child_service.cpu_s(), time.process_time()
        readers_after = readers.cpu_s() if readers else 0.0
        lost = markers = 0
        delivery: tuple[float, ...] = ()
        if readers is not None:
            report = await readers.finish(count)
            lost = sum(count - received for received in report["received"])
            markers = sum(report["dropped"])
            delivery = tuple(arrived - printed_at(m) for _, m, _, arrived in report["lines"])
    return Round(
        subscriber_count,
        count / seconds,
        (all_after - all_before) * 1000 / count,
        (loop_after - loop_before) * 1000 / count,
        (client_after - client_before) * 1000 / count,
        (readers_after - readers_before) * 1000 / count,
        lost,
        markers,
        steal_pct,
        delivery,
    )


async def main(args: argparse.Namespace) -> None:
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {CORES} cores, {cpu_model()}",
        "platform": platform.platform(),
        "python": platform.python_version(),
        "concurrency": CONCURRENCY,
        "stream_gather_seconds": fanout.GATHER_SECONDS,
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        directory = Path(tmp)
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with (
            service(write_config(directory), args.profile) as child_service,
            aiohttp.ClientSession(connector=connector) as session,
        ):
            token = await management_token(session, child_service.url)
            await logins(session, child_service.url, fresh_emails("warm"), WARM_UP_LOGINS)
            figures |= await bench_latency(
                child_service, session, token, args.latency_logins, directory
            )
            emails = fresh_emails("throughput")
            # 0, N, 0, N, ..., 0: each round with subscribers between two without.
            kinds = [0, args.subscribers] * args.rounds + [0]
            rounds = [
                await throughput_round(
                    child_service, session, token, args.logins, emails, n, directory
                )
                for n in kinds
            ]
    alone = [r for r in rounds if r.subscribers == 0]
    watched = [r for r in rounds if r.subscribers > 0]

    def median(rounds: list[Round], name: str) -> float:
        return float(statistics.median(getattr(r, name) for r in rounds))

    figures |= {
        "subscribers": args.subscribers,
        "throughput_logins_per_round": args.logins,
        "throughput_rounds": args.rounds,
        "login_per_s_0_subscribers": round(median(alone, "per_s")),
        f"login_per_s_{args.subscribers}_subscribers": round(median(watched, "per_s")),
        "throughput_drop_pct": round(
            (1 - median(watched, "per_s") / median(alone, "per_s")) * 100, 1
        ),
        "throughput_drop_pct_pairwise_median": round(pairwise_drop_pct(rounds), 1),
        "login_per_s_each_round": [round(r.per_s) for r in rounds],
        "steal_pct_each_round": [round(r.steal_pct) for r in rounds],
    }
    for name in ("service_cpu_ms", "loop_cpu_ms", "client_cpu_ms", "subscribers_cpu_ms"):
        figures[f"{name}_per_login_0_subscribers"] = round(median(alone, name), 3)
        figures[f"{name}_per_login_{args.subscribers}_subscribers"] = round(
            median(watched, name), 3
        )
    for name in ("service_cpu_ms", "loop_cpu_ms"):
        figures[f"{name}_per_login_increase_pct"] = round(
            (median(watched, name) / median(alone, name) - 1) * 100, 1
        )
    delivery = [seconds for r in watched for seconds in r.delivery_s]
    missing = args.logins * len(watched) - len(delivery)
    figures[f"console_log_to_subscriber_ms_{args.subscribers}_subscribers"] = quantiles_ms(
        delivery, missing
    )
    figures["lines_lost_by_subscribers"] = sum(r.lost for r in watched)
    figures["dropped_markers"] = sum(r.dropped_markers for r in watched)
    figures["load_average_after"] = round(os.getloadavg()[0], 2)
    figures["wall_s"] = round(time.perf_counter() - started)
    figures["targets_met"] = {
        "console_log_to_subscriber_p99_le_50_ms": figures["console_log_to_subscriber_ms"]["p99"]
        <= 50,
        "throughput_drop_le_10_pct": figures["throughput_drop_pct"] <= 10,
        "throughput_drop_pairwise_le_10_pct": figures["throughput_drop_pct_pairwise_median"] <= 10,
    }
    for key, value in figures.items():
        print(f"{key:44} {value}")
    print(json.dumps(figures))


def pairwise_drop_pct(rounds: list[Round]) -> float:
    """The median, over the rounds with subscribers, of each one's drop against the mean of
    the rounds without just before and after it: the machine's slow drift (and the minutes a
    shared VM loses to its neighbours) hits the rounds of a pair alike, not the medians."""
    drops = []
    for i, watched in enumerate(rounds):
        if watched.subscribers == 0:
            continue
        around = [r.per_s for r in rounds[max(0, i - 1) : i + 2] if r.subscribers == 0]
        drops.append((1 - watched.per_s / statistics.mean(around)) * 100)
    return float(statistics.median(drops))


# -- the subscribers' process ----------------------------------------------------------------


async def subscribe_main(args: argparse.Namespace) -> None:
    """``--subscribers N``: connect N streams, say ``ready``, read them; once stdin says how
    many lines were published (and closes), wait for them, up to SETTLE_S, and report."""
    url = urllib.parse.urlsplit(args.url)
    request = (
        f"GET {url.path}logs/stream HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {os.environ['BENCH_STREAM_TOKEN']}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    ).encode()
    running = asyncio.get_running_loop()
    readers = [Reader(request, timed=args.timed and i == 0) for i in range(args.subscribers)]
    for reader in readers:
        await running.create_connection(lambda r=reader: r, url.hostname, url.port)
        await reader.started
    print("ready", flush=True)
    published = int(await asyncio.to_thread(sys.stdin.readline))
    for reader in readers:
        reader.expect(published)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(SETTLE_S):
            await asyncio.gather(*(r.complete.wait() for r in readers))
    for reader in readers:
        reader.close()
    report: dict[str, Any] = {
        "received": [r.received for r in readers],
        "dropped": [r.dropped for r in readers],
    }
    if args.timed:
        report["lines"] = readers[0].lines()
    print(json.dumps(report), flush=True)


class Reader(asyncio.Protocol):
    """One stream, on a bare connection: the least work a subscriber can do with what
    arrives. It counts the lines' events (and lost-lines markers) as the bytes come in;
    ``timed``, it also keeps the bytes with the time.time() they came at, to be parsed at
    the end. The HTTP chunks' framing stays in the bytes: the service writes whole events in
    each chunk, so no event is cut by it."""

    def __init__(self, request: bytes, *, timed: bool) -> None:
        self.received = 0
        self.dropped = 0
        #: Done once the stream's 200 answer has come.
        self.started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        #: Set once ``expect``'s count of lines has been received.
        self.complete = asyncio.Event()
        self._request = request
        self._timed = timed
        self._transport: asyncio.BaseTransport | None = None
        self._head = b""
        self._tail = b""
        self._expected: int | None = None
        self._chunks: list[tuple[float, bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        cast(asyncio.Transport, transport).write(self._request)

    def data_received(self, data: bytes) -> None:
        arrived = time.time()
        if not self.started.done():
            self._head += data
            head, separator, data = self._head.partition(b"\r\n\r\n")
            if not separator:
                return
            if not head.startswith(b"HTTP/1.1 200 "):
                self.started.set_exception(RuntimeError(f"no stream: {head[:200]!r}"))
                return
            self.started.set_result(None)
        if self._timed:
            self._chunks.append((arrived, data))
        # A marker may straddle two reads: look at the end of the last one too.
        window = self._tail + data
        self.received += window.count(LOG_EVENT)
        self.dropped += window.count(DROPPED_EVENT)
        self._tail = data[-(len(DROPPED_EVENT) - 1) :]
        self._check()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.started.done():
            self.started.set_exception(RuntimeError(f"the stream closed: {exc}"))

    def expect(self, lines: int) -> None:
        self._expected = lines
        self._check()

    def _check(self) -> None:
        if self._expected is not None and self.received >= self._expected:
            self.complete.set()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def lines(self) -> list[tuple[str, str, str, float]]:
        """(subject, message, time, arrival) of each line received, in order."""
        found = []
        unread = b""
        for arrived, chunk in self._chunks:
            unread += chunk
            *events, unread = unread.split(b"\n\n")
            for event in events:
                for field in event.split(b"\n"):
                    if field.startswith(b'data: {"id"'):
                        data = json.loads(field[len(b"data: ") :])
                        found.append((data["subject"], data["message"], data["time"], arrived))
        return found


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--latency-logins",
        type=int,
        default=4000,
        help="logins while the timed subscriber is connected (default: 4000)",
    )
    parser.add_argument(
        "--logins", type=int, default=1000, help="logins per throughput round (default: 1000)"
    )
    parser.add_argument(
        "--subscribers",
        type=int,
        default=100,
        help="subscribers in the throughput rounds with some (default: 100)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=8,
        help="throughput rounds with subscribers, each between two without (default: 8)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="run the service under cProfile and write its statistics to FILE (pstats)",
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)  # the subscribers' process
    parser.add_argument("--timed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile is not None:
        args.profile = args.profile.resolve()  # the service runs in another directory
    return args


if __name__ == "__main__":
    arguments_ = arguments()
    loop.run(subscribe_main(arguments_) if arguments_.url else main(arguments_))
