"""Peak memory (PSS of the whole server tree) under 16 concurrent heavy queries and pages.

Starts ``lodpub serve --workers 2`` on a built dist (e.g. 1M triples: ``bench/generate.py``
then ``lodpub build``, see docs/benchmarks.md) once per configuration given, and for each
phase (at most ``--seconds``, default 30) runs 16 client loops, each as its own client
(127.0.0.1 is a trusted proxy, ``X-Forwarded-For`` names the client), while sampling the
PSS of the master, workers, zygotes and executors every 0.25 s. Prints one table row per
configuration and phase: peak and idle PSS, answers by status. A watchdog stops a server
whose tree passes ``--kill-above-mb`` (default 8000).

    python bench/memory_budget.py --dist /tmp/1m/dist \\
        --config "limits: {query_memory_mb: 2048, memory_total_mb: 1000000}" \\
        --config ""

Loopback only; every phase is bounded; every process started is stopped by PID.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import free_port, stop_server

HEAVY = (  # heavy but legitimate over 1M triples: a full sort, a full grouping
    "SELECT * WHERE { ?s ?p ?o } ORDER BY RAND() # ",
    "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY DESC(?n) # ",
)
PAGES = ("/", "/doc/vocab/role/member")


def get(port: int, path: str, client: str, timeout: float = 60) -> tuple[int, bytes]:
    """Status and body (status 0: the connection failed)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"X-Forwarded-For": client}
    if path.startswith("/sparql"):
        headers["Accept"] = "application/sparql-results+json"
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        connection.close()


def tree(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return sorted(found)


def pss_mb(root: int) -> float:
    total = 0
    for pid in tree(root):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def phase(port: int, root: int, seconds: float, path_of, kill_above_mb: float) -> dict:
    stop = threading.Event()
    statuses: Counter = Counter()
    peak = [0.0]

    def client(i: int) -> None:
        n = 0
        while not stop.is_set():
            statuses[get(port, path_of(i, n), f"198.51.100.{i}")[0]] += 1
            n += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(16)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        peak[0] = max(peak[0], pss_mb(root))
        if peak[0] > kill_above_mb:
            print(f"watchdog: {peak[0]:.0f} MB PSS, stopping the server", file=sys.stderr)
            os.killpg(root, signal.SIGKILL)
            break
        time.sleep(0.25)
    stop.set()
    for thread in threads:
        thread.join(timeout=70)
    return {"peak_mb": peak[0], "statuses": dict(statuses)}


def run(dist: Path, extra: str, seconds: float, kill_above_mb: float) -> list[tuple]:
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="lodpub-memory-"))
    values = {"dist_dir": str(dist), "server": {"port": port, "trusted_proxies": ["127.0.0.1"]}}
    for key, value in (yaml.safe_load(extra) or {}).items():
        values.setdefault(key, {}).update(value)
    (folder / "lodpub.yaml").write_text(yaml.safe_dump(values), encoding="utf-8")
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "serve", "--config", str(folder / "lodpub.yaml"),
         "--workers", "2"], cwd=folder, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    rows = []
    try:
        deadline = time.monotonic() + 300
        while get(port, "/health", "127.0.0.1", timeout=5)[0] != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit((folder / "serve.log").read_text()[-2000:])
            time.sleep(1)
        limits = json.loads(get(port, "/limits", "127.0.0.1")[1])
        limits["slots"] = json.loads(get(port, "/ready", "127.0.0.1")[1]).get("slots", "-")
        time.sleep(2)
        idle = pss_mb(process.pid)
        heavy = phase(port, process.pid, seconds,
                      lambda i, n: "/sparql?" + urlencode({"query": f"{HEAVY[i % 2]}{i} {n}"}),
                      kill_above_mb)
        pages = phase(port, process.pid, seconds,
                      lambda i, n: f"{PAGES[i % 2]}?n={n}&c={i}", kill_above_mb)
        for name, result in (("16 heavy queries", heavy), ("16 uncached pages", pages)):
            rows.append((extra or "(defaults)", limits, name, idle, result))
    finally:
        stop_server(process)
        log.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dist", type=Path, required=True)
    parser.add_argument("--config", action="append", default=[],
                        help="extra settings (YAML) for one run; repeat to compare")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kill-above-mb", type=float, default=8000)
    args = parser.parse_args()
    print("| configuration | query_memory_mb | memory_total_mb (slots) | phase | idle PSS "
          "| peak PSS | answers |\n|---|---|---|---|---|---|---|")
    for extra in args.config or [""]:
        for config, limits, name, idle, result in run(args.dist.resolve(), extra,
                                                      min(args.seconds, 60), args.kill_above_mb):
            answers = ", ".join(f"{count} × {status}" for status, count in
                                sorted(result["statuses"].items()))
            print(f"| {config} | {limits['query_memory_mb']} | {limits['memory_total_mb']} "
                  f"({limits['slots']}) | "
                  f"{name} | {idle:.0f} MB | {result['peak_mb']:.0f} MB | {answers} |",
                  flush=True)


if __name__ == "__main__":
    main()
