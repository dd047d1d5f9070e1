"""Bounded load test of the production server (not part of the test suite).

    .venv/bin/python bench/load.py                 # 30 s × 32 connections per scenario
    .venv/bin/python bench/load.py --duration 10   # shorter
    .venv/bin/python bench/load.py --memory-triples 500000   # memory sharing on a big store

What it does, on 127.0.0.1 only, every step bounded in time:

1. builds La Spezia (``data/``) into a temporary folder (or uses ``--dist``);
2. starts ``lodpub serve --workers 2`` (``--engine``: granian by default) on a free port;
3. runs ``wrk`` (``apt-get install wrk``) for each scenario: resource pages (HTML and
   Turtle documents, 303s from ``/id/``), and a light canned SPARQL GET;
4. prints requests/s, latency percentiles, errors and non-2xx/3xx counts per scenario, the
   memory of every process (PSS = shared pages split between the processes that share
   them; private = pages only this process has), and the per-query cost of the executor
   round trip (guarded vs in-process store, same light query);
5. stops the server and exits 1 if any scenario had a socket error or a non-2xx/3xx answer.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from importlib import metadata
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/smartcity-masterplan/"
LIGHT_QUERY = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?label WHERE { <" + BASE + "id/laspezia/masterplan> rdfs:label ?label }"
)
WRK_SCRIPT = """
local targets = {TARGETS}
local n = 0
request = function()
  n = n + 1
  local t = targets[(n % #targets) + 1]
  return wrk.format("GET", t[1], {["Accept"] = t[2]})
end
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--engine", default="granian", choices=("granian", "gunicorn"))
    parser.add_argument("--dist", type=Path, help="serve this dist/ instead of building")
    parser.add_argument("--write", action="store_true",
                        help="with --memory-triples: append the tables to docs/benchmarks.md")
    parser.add_argument(
        "--memory-triples",
        type=int,
        default=0,
        help="instead of the load test: serve a synthetic store this big and measure memory",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None and not args.memory_triples:
        print("wrk not found: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="lodpub-load-") as scratch:
        folder = Path(scratch)
        if args.memory_triples:
            dist = synthetic_dist(folder / "dist", args.memory_triples)
        else:
            dist = args.dist.resolve() if args.dist else build(folder)
        port = free_port()
        server = start_server(folder, dist, port, args.workers, engine=args.engine)
        try:
            if args.memory_triples:
                idle = print_memory(
                    server.pid, f"synthetic store, {args.memory_triples} triples, idle"
                )
                for query in ["ASK { ?s ?p ?o }"] * 20 + [
                    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",  # reads the whole store
                    'SELECT ?s WHERE { ?s ?p "thing number 4242"@en }',
                ] * 4:
                    get(port, "/sparql?" + urlencode({"query": query}))
                scanned = print_memory(server.pid, "after full scans in the executors")
                if args.write:
                    append_to_benchmarks(
                        f"Memory run ({args.engine})",
                        f"bench/load.py --memory-triples {args.memory_triples} "
                        f"--workers {args.workers} --engine {args.engine}",
                        "From `/proc/<pid>/smaps_rollup`: RSS counts the shared store pages in "
                        "every process, PSS splits them, *private* is what a process adds on "
                        f"its own.\n\n{idle}\n\n{scanned}",
                    )
                return 0
            failures = run_scenarios(port, args)
            print_memory(server.pid, "after the load test")
            print_ipc(dist)
            return 1 if failures else 0
        finally:
            stop_server(server)


# --- setup --------------------------------------------------------------------------------
def build(folder: Path) -> Path:
    dist = folder / "dist"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "publisher", "build", "--data", str(ROOT / "data"), "--out",
         str(dist), "--quiet"],
        cwd=ROOT, check=True, timeout=600,
    )  # fmt: skip
    print(f"built La Spezia in {time.monotonic() - started:.1f} s")
    return dist


def synthetic_dist(dist: Path, triples: int) -> Path:
    dist.mkdir(parents=True)
    graph = f"<{BASE}graph/synthetic>"
    with (dist / "dataset.nq").open("w", encoding="utf-8") as out:
        for i in range(triples // 2):
            out.write(f"<{BASE}id/x/s{i}> <{BASE}p{i % 17}> <{BASE}id/x/s{(i * 7 + 1) % 99991}> "
                      f"{graph} .\n<{BASE}id/x/s{i}> <http://www.w3.org/2000/01/rdf-schema#label> "
                      f'"thing number {i}"@en {graph} .\n')  # fmt: skip
    manifest = {"build_id": "synthetic", "built_at": "2025-01-01T00:00:00Z", "base_iri": BASE}
    (dist / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return dist


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    folder: Path,
    dist: Path,
    port: int,
    workers: int,
    extra_config: str = "",
    engine: str = "granian",
) -> subprocess.Popen:
    config = folder / "lodpub.yaml"
    config.write_text(
        f"dist_dir: {dist}\nserver:\n  port: {port}\n{extra_config}", encoding="utf-8"
    )
    log = (folder / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "publisher", "serve", "--config", str(config), "--workers",
         str(workers), "--engine", engine],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if get(port, "/health")[0] == 200:
                print(f"lodpub serve --workers {workers} --engine {engine} on 127.0.0.1:{port} "
                      f"(pid {server.pid})")  # fmt: skip
                return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit("the server did not start:\n" + (folder / "serve.log").read_text()[-3000:])


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM, then kill what is left; a server that leads its own session has its whole
    process group killed (a master stopped first would orphan its workers)."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(server.pid) == server.pid:
            os.killpg(server.pid, signal.SIGKILL)


def get(port: int, path: str, accept: str = "*/*") -> tuple[int, bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- scenarios ----------------------------------------------------------------------------
def resource_targets(port: int) -> list[tuple[str, str]]:
    """Documents about things of the build (HTML and Turtle) and 303s from /id/."""
    query = (
        "SELECT DISTINCT ?s WHERE { GRAPH <" + BASE + "graph/laspezia> { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?s), "' + BASE + 'id/")) } ORDER BY ?s LIMIT 12'
    )
    status, body = get(
        port, "/sparql?" + urlencode({"query": query}), "application/sparql-results+json"
    )
    assert status == 200, body[:300]
    things = [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
    targets = []
    for thing in things:
        path = quote(thing[len(BASE) :], safe="/")
        targets += [
            (f"/doc/{path}", "text/html"),
            (f"/doc/{path}", "text/turtle"),
            (f"/{path}", "text/turtle"),  # 303 See Other
        ]
    targets.append(("/", "text/html"))
    for path, accept in targets:  # all must work before we measure
        status, body = get(port, path, accept)
        assert status in (200, 303), (path, status, body[:300])
    return targets


def run_scenarios(port: int, args: argparse.Namespace) -> bool:
    scenarios = {
        "resource pages (HTML, Turtle, 303)": resource_targets(port),
        "light SPARQL GET (JSON results)": [
            ("/sparql?" + urlencode({"query": LIGHT_QUERY}), "application/sparql-results+json")
        ],
    }
    rows = []
    for name, targets in scenarios.items():
        rows.append((name, wrk(port, targets, args)))
    print()
    print(f"wrk: {args.duration} s per scenario, {args.connections} connections, "
          f"{args.threads} threads; server: {args.workers} {args.engine} workers, "
          f"{os.cpu_count()} cores shared with wrk")  # fmt: skip
    header = ("scenario", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors",
              "non-2xx/3xx")  # fmt: skip
    print_table(header, [
        (name, r["requests"], f"{r['rps']:.0f}", r["p50"], r["p90"], r["p99"], r["errors"],
         r["bad_status"]) for name, r in rows
    ])  # fmt: skip
    return any(r["errors"] or r["bad_status"] for _name, r in rows)


def wrk(port: int, targets: list[tuple[str, str]], args: argparse.Namespace) -> dict:
    lua = "{" + ",".join(f"{{{json.dumps(p)}, {json.dumps(a)}}}" for p, a in targets) + "}"
    return run_wrk(port, WRK_SCRIPT.replace("{TARGETS}", lua), args)


def run_wrk(port: int, script_text: str, args: argparse.Namespace) -> dict:
    """One bounded wrk run on 127.0.0.1 with a Lua script; the parsed figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    try:
        result = subprocess.run(
            ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d",
             f"{args.duration}s", "--timeout", "10s", "--latency", "-s", script.name,
             f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=args.duration + 60, check=False,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    return parse_wrk(result.stdout + result.stderr)


def parse_wrk(output: str) -> dict:
    def number(pattern: str, default: float = 0) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def millis(label: str) -> str:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return "?"
        value = float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
        return f"{value:.1f}"

    errors = sum(
        int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    return {
        "requests": int(number(r"(\d+) requests in")),
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50": millis("50"),
        "p90": millis("90"),
        "p99": millis("99"),
        "errors": errors,
        "bad_status": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "raw": output,
    }


# --- memory and IPC -----------------------------------------------------------------------
def process_tree(root: int) -> list[tuple[int, int, str]]:
    """(pid, depth, role) for the master and everything below it."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except OSError:
                continue
    roles = {0: "master", 1: "worker", 2: "query zygote", 3: "query executor"}
    found, frontier, depth = [(root, 0, "master")], [root], 0
    while frontier:
        depth += 1
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += [(pid, depth, roles.get(depth, "?")) for pid in frontier]
    return found


def memory(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0])
    except OSError:
        pass
    return values


def print_memory(master: int, title: str) -> str:
    print()
    print(f"memory ({title}), KiB:")
    rows = []
    totals = {"Rss": 0, "Pss": 0, "private": 0}
    for pid, _depth, role in process_tree(master):
        values = memory(pid)
        private = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
        rows.append((role, pid, values.get("Rss", 0), values.get("Pss", 0), private))
        totals["Rss"] += values.get("Rss", 0)
        totals["Pss"] += values.get("Pss", 0)
        totals["private"] += private
    rows.append(("total", "", totals["Rss"], totals["Pss"], totals["private"]))
    return f"{title}, KiB:\n\n" + print_table(("process", "pid", "RSS", "PSS", "private"), rows)


def print_ipc(dist: Path) -> None:
    """The executor round trip's cost on a light query, in this process."""
    sys.path.insert(0, str(ROOT))
    from publisher import mediatypes as mt
    from publisher.store.embedded import EmbeddedStore
    from publisher.store.guarded import GuardedStore, Limits

    inner = EmbeddedStore(dist, base_iri=BASE)
    guarded = GuardedStore(inner, Limits())
    guarded.start()
    try:
        def per_query(store, count: int = 3000) -> float:
            for _ in range(100):
                store.query(LIGHT_QUERY).serialize_capped(mt.RESULTS_JSON, 10000)
            started = time.perf_counter()
            for _ in range(count):
                store.query(LIGHT_QUERY).serialize_capped(mt.RESULTS_JSON, 10000)
            return (time.perf_counter() - started) / count * 1e6

        direct, through = per_query(inner), per_query(guarded)
    finally:
        guarded.close()
    print()
    print("light query (query + capped JSON serialisation), µs per query:")
    print_table(("in-process store", "through an executor", "round-trip overhead"),
                [(f"{direct:.0f}", f"{through:.0f}", f"{through - direct:.0f}")])  # fmt: skip


def table(header: tuple, rows: list[tuple]) -> str:
    """A Markdown table, columns padded to their widest cell."""
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for number, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def print_table(header: tuple, rows: list[tuple]) -> str:
    text = table(header, rows)
    print(text)
    return text


def versions() -> str:
    """The versions of everything measured, for the record."""
    found = []
    for package in ("lodpub", "pyoxigraph", "oxigraph", "flask", "granian", "gunicorn", "rdflib",
                    "rdflib-endpoint", "uvicorn"):  # fmt: skip
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{package} {metadata.version(package)}")
    if shutil.which("wrk"):
        wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        found.append((wrk_version.stdout + wrk_version.stderr).split("\n")[0].split(" [")[0])
    return ", ".join(found)


def append_to_benchmarks(title: str, command: str, body: str) -> None:
    """Append a dated run to docs/benchmarks.md (its "Runs" section is the file's end)."""
    docs = ROOT / "docs" / "benchmarks.md"
    text = (
        f"\n#### {title}, {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}\n\n"
        f"`{command}`: machine {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {versions()}. {body}\n"
    )
    with docs.open("a", encoding="utf-8") as out:
        out.write(text)
    print(f"appended to {docs}")


if __name__ == "__main__":
    sys.exit(main())
