"""Shared fixtures: a tiny build output, an app over it and a real HTTP server.

Fixtures (all session-scoped: the data is read-only):

``fixture_dist`` -> pathlib.Path
    A ``dist/`` folder as ``lodpub build`` writes it, small enough to reason about:
    ``dataset.nq`` with two named graphs (``<base>graph/testcity`` and
    ``<base>graph/vocabulary``) holding language-tagged literals (it/en), xsd:decimal
    values, an IRI with a non-ASCII character (``.../organisation/università``), a blank
    node and one triple present in *both* graphs (to test the union's deduplication);
    plus ``manifest.json`` (build_id, built_at, cities, files).

``fixture_facts`` -> Facts
    What ``fixture_dist`` holds: graph IRIs, per-graph and union triple counts, build id
    and time, some resource IRIs. Assert against these instead of repeating numbers.

``fixture_config`` -> publisher.config.Config
    The documented defaults with ``dist_dir`` pointing at ``fixture_dist``.

``app`` -> flask.Flask
    ``create_app(fixture_config)``, i.e. the embedded store over ``fixture_dist``.
    Use ``app.test_client()`` for in-process requests.

``live_server`` -> str
    The base URL (``http://127.0.0.1:<port>``, no trailing slash) of a real threaded
    werkzeug server running ``app`` in a background thread; shut down at the end.

``http`` -> callable
    ``http(method, path, body=None, headers=None) -> Reply`` against ``live_server`` with
    ``http.client``, which sends exactly the headers given (no implicit Content-Type, unlike
    urllib). ``Reply`` has ``status``, ``headers`` (case-insensitive ``get``/``get_all``),
    ``body`` (bytes), ``text`` and ``json()``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from support import running

from publisher.config import Config, load_config
from publisher.web.app import create_app

BASE = "https://w3id.org/smartcity-masterplan/"
CITY_GRAPH = BASE + "graph/testcity"
VOCAB_GRAPH = BASE + "graph/vocabulary"
MASTERPLAN = BASE + "id/testcity/masterplan"
UNIVERSITY = BASE + "id/testcity/organisation/università"
ACTION = BASE + "id/testcity/action/a1"
ACTIVE = BASE + "vocab/status/active"
SMP = "https://w3id.org/smartcity-masterplan/ontology#"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD_DECIMAL = "<http://www.w3.org/2001/XMLSchema#decimal>"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SHARED_TRIPLE = f'<{ACTIVE}> {RDFS_LABEL} "attivo"@it'

CITY_TRIPLES = [
    f"<{MASTERPLAN}> {RDF_TYPE} <{SMP}Masterplan>",
    f'<{MASTERPLAN}> {RDFS_LABEL} "Masterplan di prova"@it',
    f'<{MASTERPLAN}> {RDFS_LABEL} "Test masterplan"@en',
    f'<{MASTERPLAN}> <{SMP}budget> "12.50"^^{XSD_DECIMAL}',
    f"<{UNIVERSITY}> {RDF_TYPE} <http://www.w3.org/ns/org#Organization>",
    f'<{UNIVERSITY}> {RDFS_LABEL} "Università degli Studi"@it',
    f"<{ACTION}> {RDF_TYPE} <{SMP}Action>",
    f'<{ACTION}> {RDFS_LABEL} "Azione «uno», con virgola"@it',
    f'<{ACTION}> <{SMP}budget> "1000000.00"^^{XSD_DECIMAL}',
    f"<{ACTION}> <{SMP}partOf> <{MASTERPLAN}>",
    f"<{ACTION}> <{SMP}status> <{ACTIVE}>",
    f"<{ACTION}> <{SMP}contact> _:contact",
    '_:contact <http://www.w3.org/2006/vcard/ns#fn> "Ufficio Smart City"',
    SHARED_TRIPLE,
]
VOCAB_TRIPLES = [
    f"<{ACTIVE}> {RDF_TYPE} <{SKOS}Concept>",
    f'<{ACTIVE}> <{SKOS}prefLabel> "attivo"@it',
    f'<{ACTIVE}> <{SKOS}prefLabel> "active"@en',
    f"<{ACTIVE}> <{SKOS}inScheme> <{BASE}vocab/status>",
    f"<{BASE}vocab/status> {RDF_TYPE} <{SKOS}ConceptScheme>",
    SHARED_TRIPLE,
]


@dataclass(frozen=True)
class Facts:
    """What the fixture dist holds."""

    base: str = BASE
    city_graph: str = CITY_GRAPH
    vocab_graph: str = VOCAB_GRAPH
    graphs: tuple[str, ...] = (CITY_GRAPH, VOCAB_GRAPH)
    counts: dict[str, int] = field(
        default_factory=lambda: {CITY_GRAPH: len(CITY_TRIPLES), VOCAB_GRAPH: len(VOCAB_TRIPLES)}
    )
    union_count: int = len(CITY_TRIPLES) + len(VOCAB_TRIPLES) - 1  # one triple is shared
    build_id: str = "test-build-0001"
    built_at: str = "2025-01-15T10:00:00Z"
    masterplan: str = MASTERPLAN
    university: str = UNIVERSITY
    action: str = ACTION
    active: str = ACTIVE
    smp: str = SMP


@pytest.fixture(scope="session")
def fixture_facts() -> Facts:
    return Facts()


@pytest.fixture(scope="session")
def fixture_dist(tmp_path_factory: pytest.TempPathFactory, fixture_facts: Facts) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    lines = [f"{t} <{CITY_GRAPH}> ." for t in CITY_TRIPLES]
    lines += [f"{t} <{VOCAB_GRAPH}> ." for t in VOCAB_TRIPLES]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    (dist / "dataset.nq").write_bytes(data)
    manifest = {
        "build_id": fixture_facts.build_id,
        "built_at": fixture_facts.built_at,
        "software_version": "0.1.0",
        "cities": ["testcity"],
        "files": {
            "dataset.nq": {
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "media_type": "application/n-quads",
            }
        },
    }
    (dist / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return dist


@pytest.fixture(scope="session")
def fixture_config(fixture_dist: Path) -> Config:
    return load_config(overrides={"dist_dir": str(fixture_dist)}, root=fixture_dist.parent)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    with running(app) as address:
        yield f"http://{address}"


@dataclass
class Reply:
    """One HTTP response as received."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()


def _client(base_url: str) -> Callable[..., Reply]:
    """``send(method, path, body=None, headers=None) -> Reply`` against one server: exactly
    the headers given, nothing added."""
    address = urlsplit(base_url)

    def send(
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        connection = HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            payload = body.encode("utf-8") if isinstance(body, str) else body
            connection.request(method, path, body=payload, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    return send



@pytest.fixture(scope="session")
def http(live_server: str) -> Callable[..., Reply]:
    return _client(live_server)


# --- real builds: the fictional demo cities (examples/) and La Spezia (data/) -----------
# ``demo_dist`` / ``la_dist`` -> Path: a real ``lodpub build`` of examples/ (demo-city,
# second-city) or of data/ (laspezia), once per session. ``demo_server`` / ``la_server`` ->
# base URL of a real threaded HTTP server over it; ``demo_http`` / ``la_http`` -> the same
# ``send(method, path, body=None, headers=None) -> Reply`` as ``http``.
REPO_ROOT = Path(__file__).resolve().parent.parent


def _build_dist(tmp_path_factory: pytest.TempPathFactory, name: str, data: Path) -> Path:
    from publisher.build import build

    dist = tmp_path_factory.mktemp(name) / "dist"
    build(load_config(root=REPO_ROOT), data_dir=data, dist=dist)
    return dist


def _serve(dist: Path, store: Any = None) -> Iterator[str]:
    config = load_config(overrides={"dist_dir": str(dist)}, root=REPO_ROOT)
    if isinstance(store, Engine):
        store = remote_store(store, dist, config)
    application = create_app(config, store=store)
    with running(application) as address:
        yield f"http://{address}"


@pytest.fixture(scope="session")
def demo_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_dist(tmp_path_factory, "demo", REPO_ROOT / "examples")


@pytest.fixture(scope="session")
def demo_server(demo_dist: Path, backend: str, request) -> Iterator[str]:
    engines = None if backend == "embedded" else request.getfixturevalue("engines")
    engine = engines.get(backend, "demo") if engines else None
    yield from _serve(demo_dist, engine)


@pytest.fixture(scope="session")
def demo_http(demo_server: str) -> Callable[..., Reply]:
    return _client(demo_server)


@pytest.fixture(scope="session")
def embedded_demo_http(demo_dist: Path) -> Iterator[Callable[..., Reply]]:
    """The demo on the embedded store whatever ``backend`` is: a session fixture that
    depends on a parametrized one keeps the last instance made (after tests/test_resources.py,
    Virtuoso's), so tests about this publisher's own answers ask this one."""
    for server in _serve(demo_dist):
        yield _client(server)


@pytest.fixture(scope="session")
def la_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_dist(tmp_path_factory, "laspezia", REPO_ROOT / "data")


@pytest.fixture(scope="session")
def la_server(la_dist: Path) -> Iterator[str]:
    yield from _serve(la_dist)


@pytest.fixture(scope="session")
def la_http(la_server: str) -> Callable[..., Reply]:
    return _client(la_server)


# --- a big catalogue: 299 generated, fictional cities (bench/generate.py) + the every-city
# dataset = 300 datasets, built once per session; ``big_http`` serves it (test_catalog_paging,
# test_ckan_harvest).
BIG_CITIES = 299


@pytest.fixture(scope="session")
def big_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "lodpub_bench_generate", REPO_ROOT / "bench" / "generate.py"
    )
    generate = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("lodpub_bench_generate", generate)
    spec.loader.exec_module(generate)
    root = tmp_path_factory.mktemp("catalogue-300")
    generate.generate(root / "data", BIG_CITIES)
    return _build_dist(tmp_path_factory, "catalogue-300-dist", root / "data")


@pytest.fixture(scope="session")
def big_http(big_dist: Path) -> Iterator[Callable[..., Reply]]:
    for url in _serve(big_dist):
        yield _client(url)


# --- remote stores: the same tests over Oxigraph server and Virtuoso ----------------------
# A test module opts in by overriding ``backend`` with
# ``@pytest.fixture(scope="session", params=BACKENDS)``; ``app`` (hence ``live_server`` and
# ``http``) is then the publisher over that backend, loaded with ``lodpub load`` semantics
# (``publisher.load``) and served through a ``RemoteStore`` (``lodpub serve --store URL``).
BACKENDS = ["embedded", "oxigraph", "virtuoso"]


@dataclass
class Engine:
    name: str
    query_url: str
    graph_store_url: str
    auth: tuple[str, str] | None
    process: Any
    start: Callable[[], Any]
    sql_port: int | None = None  # Virtuoso's SQL port (isql-vt), for tests that administer it

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.process = self.start()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: Any, what: str, seconds: float = 60) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except Exception:
            time.sleep(0.2)
    pytest.fail(f"{what} did not answer {url} within {seconds:g} s")


def start_oxigraph(location: Path, port: int, preexec_fn: Callable[[], None] | None = None) -> Any:
    import shutil
    import subprocess
    import sys

    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).exists():
        pytest.fail("the oxigraph server (PyPI package 'oxigraph', test extras) is missing")
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         "--timeout-s", "10"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=preexec_fn,
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process, "oxigraph server")
    return process


VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def start_virtuoso(folder: Path, port: int, sql_port: int) -> Any:
    import re
    import shutil
    import subprocess

    binary = shutil.which("virtuoso-t")
    if binary is None or not VIRTUOSO_INI.exists():
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is not installed: .ci/run installs virtuoso-opensource")
        pytest.skip("Virtuoso (Debian virtuoso-opensource) is not installed; CI installs it")
    ini = VIRTUOSO_INI.read_text(encoding="utf-8")
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*1111\b", rf"ServerPort\g<1>= {sql_port}", ini)
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*8890\b", rf"ServerPort\g<1>= {port}", ini)
    ini = ini.replace("localhost:8890", f"127.0.0.1:{port}")
    # As docs/deploy.md advises: no refusal from the planner's cost estimate (off by orders
    # of magnitude on the comparison queries); the publisher's own timeout bounds a query.
    ini = re.sub(r"(?m)^MaxQueryCostEstimationTime\s*=.*$", "MaxQueryCostEstimationTime = 0", ini)
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", process, "virtuoso", 120)
    return process


class Engines:
    """Engines started on demand, one per (backend, dataset): each dataset is loaded under
    the same base IRI, so each needs a store of its own."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.running: dict[tuple[str, str], Engine] = {}

    def get(self, backend: str, dataset: str) -> Engine:
        key = (backend, dataset)
        if key not in self.running:
            self.running[key] = getattr(self, "_" + backend)(dataset)
        return self.running[key]

    def _oxigraph(self, dataset: str) -> Engine:
        location, port = self.factory.mktemp(f"oxigraph-{dataset}"), free_port()
        base = f"http://127.0.0.1:{port}"
        engine = Engine("oxigraph", base + "/query", base + "/store", None, None,
                        lambda: start_oxigraph(location, port))  # fmt: skip
        engine.process = engine.start()
        return engine

    def _virtuoso(self, dataset: str) -> Engine:
        folder = self.factory.mktemp(f"virtuoso-{dataset}")
        port, sql_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        # The Debian package's database starts with dba/dba; Graph Store writes need a user
        # with SPARQL_UPDATE, which dba has, over the digest-authenticated endpoint.
        engine = Engine("virtuoso", base + "/sparql", base + "/sparql-graph-crud-auth",
                        ("dba", "dba"), None,
                        lambda: start_virtuoso(folder, port, sql_port), sql_port)  # fmt: skip
        engine.process = engine.start()
        return engine

    def close(self) -> None:
        for engine in self.running.values():
            engine.stop()


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    running = Engines(tmp_path_factory)
    yield running
    running.close()


@pytest.fixture(scope="session")
def backend() -> str:
    return "embedded"


def remote_store(engine: Engine, dist: Path, config: Config) -> Any:
    from publisher.load import load
    from publisher.store.remote import RemoteStore

    load(dist, engine.graph_store_url, config.base_iri, auth=engine.auth)
    store = RemoteStore.from_config(config, engine.query_url)
    store.refresh_s = 0.5
    return store


@pytest.fixture(scope="session")
def app(fixture_config: Config, fixture_dist: Path, backend: str, request) -> Flask:
    store = None
    if backend != "embedded":
        engine = request.getfixturevalue("engines").get(backend, "fixture")
        store = remote_store(engine, fixture_dist, fixture_config)
    application = create_app(fixture_config, store=store)
    application.testing = True
    return application


@pytest.fixture(scope="session")
def load_into() -> Callable[[Engine, Path, Config], None]:
    """``load_into(engine, dist, config)``: what ``lodpub load`` does."""
    from publisher.load import load

    def run(engine: Engine, dist: Path, config: Config) -> None:
        load(dist, engine.graph_store_url, config.base_iri, auth=engine.auth)

    return run


# --- a real browser (tests/browser.py) ------------------------------------------------------
# ``browser`` -> browser.Browser: one headless Chromium per session, desktop-sized, asking for
# Italian. Tests that need it skip here when chromium, chromium-driver or axe-core are
# missing, and fail in CI, where .ci/run installs them.
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    import browser as real

    why = real.missing() or (None if real.AXE.exists() else f"{real.AXE} is missing (npm ci)")
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    opened = real.Browser()
    try:
        yield opened
    finally:
        opened.close()
