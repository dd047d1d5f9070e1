"""The security audit's attacks against the production server, bounded, with one table.

    .venv/bin/python bench/chaos.py                     # granian (the default engine)
    .venv/bin/python bench/chaos.py --engine both --seconds 20

Builds La Spezia (``data/``) into a temporary folder, starts ``lodpub serve --workers 2``
as an operator does (behind a pretend proxy: 127.0.0.1 is trusted and clients are named by
``X-Forwarded-For``, so one attacker and the light client are different clients), and runs
each phase for ``--seconds`` (at most 60) while a *light client* (another address) sends a
never-cached light query and ``/health`` every 0.1 s:

- **baseline**: nothing else;
- **slow bodies**: 64 POSTs sending one body byte every 2 s;
- **slow headers**: 64 requests sending one header line every 2 s;
- **runaways**: 16 concurrent runaway queries from one client, re-sent as they end; each
  answered one must end within ``limits.query_timeout_s`` + 2 s;
- **heavy memory**: 8 clients each sending queries that build huge strings;
- **reload storm**: SIGHUP every 2 s while 8 keep-alive clients fetch pages and queries.

Every phase counts the light client's p99 and success rate, the 5xx answers (to the light
and keep-alive clients; the attackers' answers are in the notes), dropped connections (every
client), and the peak PSS of the whole server process tree (sampled every
0.25 s). A local listener counts outbound connections for the whole run (SERVICE, LOAD and
the escapes that once bypassed the screen point at it): it must stay at 0. Loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import build, free_port, memory, process_tree, start_server, stop_server, table

QUERY_TIMEOUT_S = 5
LIGHT = "SELECT ?c WHERE {{ ?s a ?c }} LIMIT 1 #{n}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} #{n}"
_GROW = 'REPLACE("aaaaaaaaaa","a","aaaaaaaaaa")'
for _ in range(9):
    _GROW = f'REPLACE({_GROW},"a","aaaaaaaaaa")'
HEAVY = f"SELECT (STRLEN({_GROW}) AS ?n) WHERE {{{{}}}} #{{n}}"
SETTINGS = f"""\
  workers: 2
  trusted_proxies: ["127.0.0.1"]
  trusted_proxy_header: X-Forwarded-For
limits:
  query_timeout_s: {QUERY_TIMEOUT_S}
"""
SLOW_BODY = (
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 10000\r\n\r\n"
)


@dataclass
class Phase:
    """What one phase saw."""

    name: str
    light: list[tuple[float, bool]] = field(default_factory=list)  # (seconds, 200?)
    server_errors: int = 0  # 5xx to the light and keep-alive clients (not to the attackers)
    dropped: int = 0  # connection errors, every client
    peak_pss_mb: float = 0.0
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int | None) -> None:
        with self.lock:
            if status is None:
                self.dropped += 1
            elif status >= 500:
                self.server_errors += 1


def call(
    port: int,
    path: str,
    client: str,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 30,
) -> tuple[int | None, float]:
    """One request on its own connection: status (None: the connection failed), seconds."""
    started = time.monotonic()
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Accept": "application/sparql-results+json", "X-Forwarded-For": client}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:
        return None, time.monotonic() - started
    finally:
        connection.close()


def sparql(text: str) -> str:
    return "/sparql?" + urlencode({"query": text})


class Run:
    """The server, the listener and the samplers shared by every phase."""

    def __init__(self, port: int, master: int, seconds: float) -> None:
        self.port, self.master, self.seconds = port, master, seconds
        self.phase = Phase("start")
        self.stop = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.outbound = 0
        for target in (self._listen, self._sample_memory, self._light_client):
            threading.Thread(target=target, daemon=True).start()

    # --- always running
    def _listen(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.outbound += 1
            connection.close()

    def _sample_memory(self) -> None:
        while not self.stop.wait(0.25):
            pss = sum(memory(pid).get("Pss", 0) for pid, _d, _r in process_tree(self.master))
            self.phase.peak_pss_mb = max(self.phase.peak_pss_mb, pss / 1024)

    def _light_client(self) -> None:
        n = 0
        while not self.stop.wait(0.1):
            n += 1
            path = sparql(LIGHT.format(n=f"light-{n}-{time.time_ns()}")) if n % 2 else "/health"
            status, seconds = call(self.port, path, "10.9.9.9", timeout=30)
            phase = self.phase
            phase.count(status)
            with phase.lock:
                phase.light.append((seconds, status == 200))

    # --- the phases
    def run(self, name: str, attack: Callable[[Phase, threading.Event], None]) -> Phase:
        phase = self.phase = Phase(name)
        done = threading.Event()
        thread = threading.Thread(target=attack, args=(phase, done), daemon=True)
        thread.start()
        time.sleep(self.seconds)
        done.set()
        thread.join(timeout=QUERY_TIMEOUT_S + 30)
        print(f"  {name}: done", flush=True)
        return phase

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def idle(_phase: Phase, done: threading.Event) -> None:
    done.wait()


def slow(head: bytes, drip: bytes, count: int = 64) -> Callable[[Phase, threading.Event], None]:
    def attack(phase: Phase, done: threading.Event) -> None:
        socks = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", RUN_PORT[0]), timeout=1)
            sock.sendall(head)
            socks.append(sock)
        while not done.wait(2):
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(drip)
        answered = closed = 0
        for sock in socks:
            sock.settimeout(0.05)
            try:
                got = sock.recv(12)
                answered += bool(got)
                closed += not got
            except TimeoutError:
                pass  # still open
            except OSError:
                closed += 1
            sock.close()
        phase.notes.append(
            f"of {count} slow connections: {answered} answered (408), "
            f"{closed} closed, {count - answered - closed} still open"
        )

    return attack


def flood(
    query: str, clients: list[str], per_client: int
) -> Callable[[Phase, threading.Event], None]:
    """``per_client`` concurrent requests from each client, re-sent as they end."""

    def attack(phase: Phase, done: threading.Event) -> None:
        durations: list[tuple[int | None, float]] = []

        def one(client: str, index: int) -> None:
            n = 0
            while not done.is_set():
                n += 1
                status, seconds = call(RUN_PORT[0], sparql(query.format(n=f"{client}-{index}-{n}")),
                                       client, timeout=QUERY_TIMEOUT_S + 30)  # fmt: skip
                if status is None:  # its own 500s (stopped, too big) are in the notes
                    phase.count(None)
                durations.append((status, seconds))
                if status in (429, 503):
                    time.sleep(0.2)

        threads = [
            threading.Thread(target=one, args=(c, i)) for c in clients for i in range(per_client)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses: dict[str, int] = {}
        for status, _seconds in durations:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        ran = [seconds for status, seconds in durations if status not in (429, 503)]
        longest = max(ran, default=0.0)
        verdict = "ok" if longest <= QUERY_TIMEOUT_S + 2 else "OVER"
        phase.notes.append(
            f"answers {statuses}; longest {longest:.1f} s (limit {QUERY_TIMEOUT_S}+2 s: {verdict})"
        )

    return attack


def reload_storm(phase: Phase, done: threading.Event) -> None:
    """SIGHUP every 2 s while 8 keep-alive clients fetch pages and queries."""
    stop = threading.Event()
    paths = ["/", "/.well-known/void", "/sparql", "/queries"]

    def client(index: int) -> None:
        connection = HTTPConnection("127.0.0.1", RUN_PORT[0], timeout=30)
        n = 0
        while not stop.is_set():
            n += 1
            path = sparql(LIGHT.format(n=f"k{index}-{n}")) if n % 3 == 0 else paths[n % len(paths)]
            try:
                connection.request("GET", path, headers={"X-Forwarded-For": f"10.8.0.{index}"})
                response = connection.getresponse()
                response.read()
                phase.count(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except OSError:
                phase.count(None)
                connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    reloads = 0
    while not done.wait(2):
        RUN_MASTER[0].send_signal(signal.SIGHUP)
        reloads += 1
    stop.set()
    for thread in threads:
        thread.join()
    phase.notes.append(f"{reloads} reloads")


def ssrf(phase: Phase, done: threading.Event) -> None:
    """SERVICE / LOAD at the local listener, plain and with the escapes of the audit."""
    target = f"http://127.0.0.1:{RUN_LISTENER[0]}/x"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ service silent <{target}> {{ ?s ?p ?o }} }}",
        "PREFIX e: <http://example.org/>\nSELECT * WHERE { ?s e:a\\#b ?o . "
        f"SERVICE <{target}> {{ ?s ?p ?o }} }}",
        "PREFIX e: <http://example.org/>\nSELECT * WHERE { ?s e:a\\'b ?o . "
        f"SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"LOAD <{target}>",
    ]
    statuses = []
    for query in queries:
        status, _seconds = call(RUN_PORT[0], sparql(query), "10.7.7.7")
        phase.count(status)
        statuses.append(status)
    phase.notes.append(f"SERVICE/LOAD attempts answered {statuses}")
    done.wait()


RUN_PORT: list[int] = [0]
RUN_LISTENER: list[int] = [0]
RUN_MASTER: list = [None]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def attack_engine(engine: str, dist: Path, folder: Path, seconds: float) -> tuple[list, int]:
    port = free_port()
    server = start_server(folder, dist, port, 2, SETTINGS, engine=engine)
    RUN_PORT[0], RUN_MASTER[0] = port, server
    run = Run(port, server.pid, seconds)
    RUN_LISTENER[0] = run.listener.getsockname()[1]
    phases = []
    try:
        phases = [
            run.run("baseline", idle),
            run.run("slow bodies (64)", slow(SLOW_BODY, b"a")),
            run.run(
                "slow headers (64)", slow(b"GET /health HTTP/1.1\r\nHost: x\r\n", b"X-A: b\r\n")
            ),
            run.run("16 runaways, one client", flood(RUNAWAY, ["10.6.6.6"], 16)),
            run.run("heavy memory (8 clients)", flood(HEAVY, [f"10.5.5.{i}" for i in range(8)], 1)),
            run.run("reload storm", reload_storm),
            run.run("SERVICE / LOAD probes", ssrf),
        ]
    finally:
        run.close()
        stop_server(server)
    return phases, run.outbound


def report(engine: str, phases: list[Phase], outbound: int) -> str:
    rows = []
    for phase in phases:
        light = phase.light
        ok = sum(1 for _s, good in light if good)
        rows.append((
            phase.name, len(light), f"{100 * ok / max(1, len(light)):.1f} %",
            f"{p99([s for s, _good in light]) * 1000:.0f} ms", phase.server_errors, phase.dropped,
            f"{phase.peak_pss_mb:.0f}", "; ".join(phase.notes),
        ))  # fmt: skip
    header = ("phase", "light requests", "light 200", "light p99", "5xx", "dropped",
              "peak PSS MB", "notes")  # fmt: skip
    return f"{engine}: outbound connections attempted: {outbound}\n\n" + table(header, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=("granian", "gunicorn", "both"), default="granian")
    parser.add_argument("--seconds", type=float, default=20, help="per phase (at most 60)")
    parser.add_argument("--dist", type=Path, help="a built dist/ (default: build data/)")
    args = parser.parse_args()
    seconds = min(60.0, max(1.0, args.seconds))
    engines = ("granian", "gunicorn") if args.engine == "both" else (args.engine,)
    with tempfile.TemporaryDirectory(prefix="lodpub-chaos-") as tmp:
        folder = Path(tmp)
        dist = args.dist or build(folder)
        outputs = []
        for engine in engines:
            where = folder / engine
            where.mkdir()
            phases, outbound = attack_engine(engine, dist, where, seconds)
            outputs.append(report(engine, phases, outbound))
            print(outputs[-1], flush=True)
            if outbound:
                print("OUTBOUND CONNECTIONS ATTEMPTED", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
