"""Serving throughput against Oxigraph server and rdflib-endpoint, in one run, same data.

    .venv/bin/pip install -e '.[bench]'          # rdflib-endpoint + uvicorn (+ granian)
    .venv/bin/python bench/serving.py            # 10 s × 8 connections per scenario
    .venv/bin/python bench/serving.py --no-cache # the publisher without its representation cache
    .venv/bin/python bench/serving.py --write    # also append the table to docs/benchmarks.md

Everything on 127.0.0.1, every step bounded in time:

1. builds La Spezia (``data/``) into a temporary folder (or uses ``--dist``);
2. starts, on the same ``dist/dataset.nq``: the publisher (``lodpub serve --workers 2``)
   once per engine (granian, the default, and gunicorn), Oxigraph server (``oxigraph
   serve-read-only --union-default-graph`` over a store loaded from the N-Quads) and
   rdflib-endpoint (uvicorn, 2 workers, rdflib ``Dataset`` with the union default graph);
3. runs ``wrk`` (bench/load.py's parser) per scenario and server: a light SELECT (same
   query every time), the same SELECT made unique per request (no reuse possible), an
   aggregate named query, a CONSTRUCT, the resource page of things (ours ``/doc/…`` in
   Turtle, JSON-LD, HTML; the others ``DESCRIBE <iri>``), and conditional requests
   (``If-None-Match`` with the current ETag → 304; the others' row: their ``DESCRIBE``);
4. prints a table: req/s, p50, p99, errors / non-2xx-3xx, ratio to Oxigraph and to
   rdflib-endpoint.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import (
    BASE,
    ROOT,
    append_to_benchmarks,
    build,
    free_port,
    run_wrk,
    start_server,
    stop_server,
    table,
)

ENGINES = ("granian", "gunicorn")
RESULTS_JSON = "application/sparql-results+json"
NAMED_QUERY = "actions-per-theme"
LUA = """
local targets = {TARGETS}
local unique = {UNIQUE}
local n = 0
local salt = tostring(math.random(1, 1000000000))
request = function()
  n = n + 1
  local t = targets[(n % #targets) + 1]
  local path = t[1]
  if unique then path = path .. "%0A%23" .. salt .. "-" .. tostring(n) end
  return wrk.format("GET", path, t[2])
end
"""
RDFLIB_APP = """
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint

data = Dataset(default_union=True)
data.parse({NQ!r}, format="nquads")
app = SparqlEndpoint(graph=data, path="/sparql", cors_enabled=False)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dist", type=Path, help="serve this dist/ instead of building")
    parser.add_argument("--no-cache", action="store_true", help="representation cache off")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="publisher engines to run (comma-separated)"
    )
    parser.add_argument("--only", help="comma-separated scenario names (prefix match)")
    parser.add_argument("--cities", type=int,
                        help="serve N synthetic cities (bench/generate.py) instead of La Spezia")
    parser.add_argument("--walk", type=int, default=40000,
                        help="resources the unique-SELECT and crawl scenarios go through")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="lodpub-serving-") as scratch:
        folder = Path(scratch)
        if args.dist:
            dist = args.dist.resolve()
        elif args.cities:
            dist = build_synthetic(folder, args.cities)
        else:
            dist = build(folder)
        servers = Servers(folder, dist, args)
        try:
            servers.start()
            rows = run(servers, args)
        finally:
            servers.stop()
    text = render(rows)
    print()
    print(text)
    if args.write:
        append_section(text, args)
    return 1 if any(r["errors"] or r["bad_status"] for r in rows if r) else 0


# --- servers --------------------------------------------------------------------------------
class Servers:
    def __init__(self, folder: Path, dist: Path, args: argparse.Namespace) -> None:
        self.folder, self.dist, self.args = folder, dist, args
        self.ports: dict[str, int] = {}
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        extra = f"queries_dir: {ROOT / 'queries'}\n"
        if self.args.no_cache:
            extra += "cache:\n  representation_max_bytes: 0\n"
        for engine in self.args.engines.split(","):
            folder = self.folder / engine
            folder.mkdir()
            port = self.ports[engine] = free_port()
            self.processes.append(
                start_server(folder, self.dist, port, self.args.workers, extra, engine)
            )
        self._start_oxigraph()
        if not self.args.skip_rdflib:
            self._start_rdflib()

    @property
    def publishers(self) -> list[str]:
        return [engine for engine in ENGINES if engine in self.ports]

    def _start_oxigraph(self) -> None:
        binary = Path(sys.executable).with_name("oxigraph")
        location = self.folder / "oxigraph"
        started = time.monotonic()
        subprocess.run(
            [str(binary), "load", "--location", str(location), "--file",
             str(self.dist / "dataset.nq")],
            check=True, timeout=600, capture_output=True,
        )  # fmt: skip
        port = self.ports["oxigraph"] = free_port()
        log = (self.folder / "oxigraph.log").open("wb")
        self.processes.append(subprocess.Popen(
            [str(binary), "serve-read-only", "--location", str(location), "--bind",
             f"127.0.0.1:{port}", "--union-default-graph"],
            stdout=log, stderr=subprocess.STDOUT,
        ))  # fmt: skip
        wait_ready(port, "/query?" + urlencode({"query": "ASK {}"}), self.processes[-1])
        print(f"oxigraph serve-read-only on 127.0.0.1:{port} "
              f"(loaded in {time.monotonic() - started:.1f} s)")  # fmt: skip

    def _start_rdflib(self) -> None:
        module = self.folder / "rdflib_app.py"
        module.write_text(RDFLIB_APP.replace("{NQ!r}", repr(str(self.dist / "dataset.nq"))))
        port = self.ports["rdflib"] = free_port()
        log = (self.folder / "rdflib.log").open("wb")
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "rdflib_app:app", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(self.args.workers), "--log-level",
             "warning", "--no-access-log"],
            cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
        ))  # fmt: skip
        wait_ready(port, "/sparql?" + urlencode({"query": "ASK {}"}), self.processes[-1], 300)
        print(f"rdflib-endpoint (uvicorn, {self.args.workers} workers) on 127.0.0.1:{port}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_server(process)


def wait_ready(port: int, path: str, process: subprocess.Popen, limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if request(port, path)[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def request(port: int, path: str, headers: dict[str, str] | None = None):
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def build_synthetic(folder: Path, cities: int) -> Path:
    """``cities`` fictional cities of bench/generate.py (cached), built into folder/dist."""
    from bench.generate import cached

    data = cached(ROOT / "bench" / ".cache", cities)
    dist = folder / "dist"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "publisher", "build", "--data", str(data), "--out", str(dist),
         "--quiet"], cwd=ROOT, check=True, timeout=1800,
    )  # fmt: skip
    print(f"built {cities} synthetic cities in {time.monotonic() - started:.1f} s")
    return dist


# --- scenarios ------------------------------------------------------------------------------
def things(port: int, limit: int = 12, path: str = "/sparql") -> list[str]:
    """Resource IRIs (``id/``) in IRI order: of La Spezia, or of every city when there is
    no La Spezia (synthetic data)."""
    graph = "GRAPH <" + BASE + "graph/laspezia> { ?s ?p ?o }"
    return _things(port, graph, limit, path) or _things(port, "?s ?p ?o", limit, path)


def _things(port: int, pattern: str, limit: int, path: str) -> list[str]:
    query = (
        "SELECT DISTINCT ?s WHERE { " + pattern + " "
        'FILTER(STRSTARTS(STR(?s), "' + BASE + 'id/")) } ORDER BY ?s LIMIT ' + str(limit)
    )
    status, _headers, body = request(
        port, path + "?" + urlencode({"query": query}), {"Accept": RESULTS_JSON}
    )
    assert status == 200, body[:300]
    return [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]


def scenario_wanted(name: str, args: argparse.Namespace) -> bool:
    wanted = [w.strip() for w in args.only.split(",")] if args.only else None
    return not wanted or any(name.startswith(w) for w in wanted)


def scenarios(servers: Servers) -> list[tuple[str, dict[str, tuple[list, bool]]]]:
    """(name, {server: (targets, unique)}); a target is (path, headers)."""
    ports, publishers = servers.ports, servers.publishers
    iris = things(ports["oxigraph"], 12, "/query")  # no row cap, no time limit there
    walking = any(scenario_wanted(n, servers.args) for n in ("unique SELECT", "crawl"))
    # the walk's list from Oxigraph server: no row cap, no time limit
    every = things(ports["oxigraph"], servers.args.walk, "/query") if walking else iris
    endpoint = {"oxigraph": "/query", "rdflib": "/sparql"}

    def sparql(make, accept: str, unique: bool = False, over: list[str] | None = None) -> dict:
        """Each server's GET of ``make(iri)`` for every IRI of ``over`` (default: the first)."""
        return {
            server: (
                [
                    (endpoint.get(server, "/sparql") + "?" + urlencode({"query": make(i)}),
                     {"Accept": accept})
                    for i in (over or iris[:1])
                ],
                unique,
            )
            for server in ports
        }  # fmt: skip

    def light(iri: str) -> str:
        return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"

    def construct(iri: str) -> str:
        return f"CONSTRUCT {{ <{iri}> ?p ?o . ?o ?q ?r }} WHERE {{ <{iri}> ?p ?o " \
               "OPTIONAL { ?o ?q ?r } }"  # fmt: skip

    named = (ROOT / "queries" / f"{NAMED_QUERY}.rq").read_text(encoding="utf-8")
    aggregate = sparql(lambda _iri: named, RESULTS_JSON)
    for server in publishers:
        aggregate[server] = ([(f"/queries/{NAMED_QUERY}", {"Accept": RESULTS_JSON})], False)
    docs = ["/doc/" + quote(i[len(BASE):], safe="/") for i in iris]

    def page(accept: str, describe_accept: str | None, over: list[str] = iris) -> dict:
        found = (
            sparql(lambda i: f"DESCRIBE <{i}>", describe_accept, over=over)
            if describe_accept
            else {}
        )
        paths = ["/doc/" + quote(i[len(BASE):], safe="/") for i in over]
        for server in publishers:
            found[server] = ([(doc, {"Accept": accept}) for doc in paths], False)
        return found

    def conditional(server: str) -> list:
        targets = []
        for doc in docs:
            status, got, _body = request(ports[server], doc, {"Accept": "text/turtle"})
            assert status == 200, (doc, status)
            targets.append((doc, {"Accept": "text/turtle", "If-None-Match": got["ETag"]}))
        return targets

    return [
        ("light SELECT (repeated)", sparql(light, RESULTS_JSON)),
        ("light SELECT (unique, no reuse)", sparql(light, RESULTS_JSON, True, iris)),
        # a different resource's light SELECT on every request, then every resource's
        # Turtle page once, as a crawler asks (the others: DESCRIBE); --walk resources
        ("unique SELECT (a different resource each time)",
         sparql(light, RESULTS_JSON, True, every)),
        ("crawl (every resource's Turtle page once)", page("text/turtle", "text/turtle", every)),
        (f"aggregate ({NAMED_QUERY})", aggregate),
        ("CONSTRUCT (Turtle)", sparql(construct, "text/turtle")),
        ("resource page Turtle", page("text/turtle", "text/turtle")),
        ("resource page JSON-LD", page("application/ld+json", "application/ld+json")),
        ("resource page HTML", page("text/html", None)),
        # compared with the others' DESCRIBE, as the target is
        ("resource page 304 (If-None-Match)",
         {**page("text/turtle", "text/turtle"),
          **{server: (conditional(server), False) for server in publishers}}),
    ]  # fmt: skip


def wrk(port: int, targets: list, unique: bool, args: argparse.Namespace) -> dict:
    lua_targets = "{" + ",".join(
        "{" + json.dumps(path) + ", {" + ", ".join(
            f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}}"
        for path, headers in targets
    ) + "}"  # fmt: skip
    script_text = LUA.replace("{TARGETS}", lua_targets).replace(
        "{UNIQUE}", "true" if unique else "false"
    )
    return run_wrk(port, script_text, args)


def run(servers: Servers, args: argparse.Namespace) -> list[dict]:
    rows = []
    for name, per_server in scenarios(servers):
        if not scenario_wanted(name, args):
            continue
        figures = {}
        for server in (*ENGINES, "oxigraph", "rdflib"):
            if server not in per_server or server not in servers.ports:
                continue
            targets, unique = per_server[server]
            path, headers = targets[0]
            status, _h, body = request(servers.ports[server], path, headers)  # warm, check
            assert status in (200, 304), (server, name, status, body[:300])
            figures[server] = wrk(servers.ports[server], targets, unique, args)
            r = figures[server]
            print(f"{name:38} {server:9} {r['rps']:9.0f} req/s  p50 {r['p50']} ms  "
                  f"p99 {r['p99']} ms  errors {r['errors']}  non-2xx/3xx {r['bad_status']}",
                  flush=True)  # fmt: skip
        for server, r in figures.items():
            rows.append({"scenario": name, "server": server, **r, "figures": figures})
    return rows


def ratio(r: dict, other: str) -> str:
    base = r["figures"].get(other)
    if r["server"] not in ENGINES or not base or not base["rps"]:
        return ""
    return f"{r['rps'] / base['rps']:.2f}x"


def render(rows: list[dict]) -> str:
    names = {"granian": "publisher (granian)", "gunicorn": "publisher (gunicorn)",
             "oxigraph": "Oxigraph server", "rdflib": "rdflib-endpoint"}  # fmt: skip
    header = ("scenario", "server", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx/3xx",
              "vs Oxigraph", "vs rdflib-endpoint")  # fmt: skip
    return table(header, [
        (r["scenario"], names[r["server"]], f"{r['rps']:.0f}", r["p50"], r["p99"], r["errors"],
         r["bad_status"], ratio(r, "oxigraph"), ratio(r, "rdflib"))
        for r in rows
    ])  # fmt: skip


def append_section(text: str, args: argparse.Namespace) -> None:
    cache = "off (`--no-cache`)" if args.no_cache else "on (default)"
    append_to_benchmarks(
        f"Serving run, representation cache {cache}",
        f"bench/serving.py --duration {args.duration} --connections {args.connections}"
        + (" --no-cache" if args.no_cache else ""),
        f"The 2 cores are shared by the servers and wrk. Data: La Spezia build "
        f"(`dist/dataset.nq`); {args.workers} workers each.\n\n{text}",
    )


if __name__ == "__main__":
    sys.exit(main())
