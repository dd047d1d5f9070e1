"""No query makes a store connect anywhere (issue 11): the publisher refuses, the engines too.

- ``lodpub serve --store <Oxigraph server> --workers 1`` as the CLI starts it in production,
  on granian and on gunicorn, receives the audit's bypasses and other SERVICE spellings:
  none reaches the local listener, and no answer carries the engine's text;
- the engine's own error text is logged and never shown (a stand-in engine that answers
  errors with a secret in the body);
- Oxigraph server cannot switch SERVICE off, so docs/deploy.md has the operating system
  refuse its outgoing connections: run here under the same kernel filter (seccomp, no
  ``connect``), it still loads and answers, and a SERVICE sent straight to it connects to
  nothing, while an unfiltered one does connect;
- Virtuoso: with ``SPARQL_SPONGE`` granted to the anonymous user a SERVICE sent straight to
  it connects; after the block of docs/deploy.md it does not.
"""

from __future__ import annotations

import ctypes
import http.server
import logging
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode
from urllib.request import Request, urlopen

import pytest
from conftest import free_port, start_oxigraph, wait_for
from support import Listener

from publisher.load import load
from publisher.store.remote import RemoteStore
from publisher.web.app import create_app

DOCS = Path(__file__).resolve().parent.parent / "docs"
PREFIX = "PREFIX ex: <http://example.org/>\n"
BYPASSES = [
    PREFIX + "SELECT * WHERE { VALUES ?v { ex:a\\# } SERVICE <{target}/hash> { ?x ?y ?z } }",
    PREFIX + "SELECT * WHERE { VALUES ?v { ex:a\\' } SERVICE <{target}/quote> { ?x ?y ?z } }",
    PREFIX + "SELECT * WHERE { VALUES ?v { ex:a\\# } SERVICE SILENT <{target}/s> { ?x ?y ?z } }",
    "SELECT * WHERE { ?a ?b ?c .service <{target}/glued> { ?x ?y ?z } }",
    "SELECT * WHERE { BIND(<{target}/var> AS ?e) SERVICE ?e { ?x ?y ?z } }",
    "ASK { \\u0053ERVICE <{target}/escaped> { ?x ?y ?z } }",
    "SELECT * WHERE { ?a ?b ?c # \\u000A SERVICE <{target}/comment> { ?x ?y ?z }\n}",
]
# What the engines say when they call a service; none of it may reach a client.
ENGINE_WORDS = re.compile(rb"(?i)oxigraph|os error|refused|returned by|virtuoso|HTCLI|SINV")


def post(url: str, query: str, timeout: float = 30) -> tuple[int, bytes]:
    """A form-encoded SPARQL query POST; (status, body) whatever the status."""
    data = urlencode({"query": query}).encode()
    request = Request(url, data=data, headers={"Accept": "application/sparql-results+json"})
    try:
        with urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except Exception as exc:  # HTTPError carries the answer
        return getattr(exc, "code", 0), exc.read() if hasattr(exc, "read") else b""


@pytest.fixture
def listener() -> Iterator[Listener]:
    target = Listener()
    yield target
    target.close()


# --- lodpub serve --store, as in production -----------------------------------------------
@pytest.fixture(scope="module")
def oxigraph(engines, load_into, fixture_dist, fixture_config):
    engine = engines.get("oxigraph", "fixture")
    load_into(engine, fixture_dist, fixture_config)
    return engine


@pytest.fixture(scope="module", params=["granian", "gunicorn"])
def remote_serve(request, oxigraph, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp(f"serve-{request.param}")
    (folder / "lodpub.yaml").write_text("{}\n", encoding="utf-8")  # the project: this folder
    port = free_port()
    with (folder / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "publisher", "serve", "--store", oxigraph.query_url,
             "--workers", "1", "--engine", request.param, "--port", str(port)],
            cwd=folder, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process, f"lodpub serve ({request.param})")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_the_bypasses_reach_nothing_through_the_publisher(remote_serve, oxigraph, listener):
    target = f"http://127.0.0.1:{listener.port}"
    # Control: Oxigraph server itself runs the audit's bypass (it cannot switch SERVICE off).
    post(oxigraph.query_url, BYPASSES[0].replace("{target}", target))
    assert listener.count >= 1
    before = listener.count
    for template in BYPASSES:
        status, body = post(remote_serve + "/sparql", template.replace("{target}", target))
        assert status in (400, 403), (template, body)
        assert not ENGINE_WORDS.search(body), body
        assert str(listener.port).encode() not in body
    assert listener.count == before


def test_nesting_the_engine_cannot_survive_is_refused_before_it(remote_serve, oxigraph):
    braces = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    status, body = post(remote_serve + "/sparql", braces)
    assert status == 400 and b"limits.max_query_depth" in body, body
    # flat text, deep tree: about 2,500 chained BINDs overflow the engine's 8 MB stack
    binds = "SELECT * WHERE { " + "".join(f"BIND({i} AS ?v{i}) " for i in range(2700)) + "}"
    status, body = post(remote_serve + "/sparql", binds)
    assert status == 400 and b"nested too deeply" in body, body
    assert post(oxigraph.query_url, "ASK {}")[0] == 200  # the engine is still up


# --- the engine's words stay in the log ---------------------------------------------------
SECRET = "internal-secret http://10.9.8.7:8080/admin said boom"


class _Engine(http.server.BaseHTTPRequestHandler):
    """Answers the build graph like a loaded store, and every other query with ``status``."""

    status = 500

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        query = parse_qs(self.rfile.read(length).decode())["query"][0]
        if "graph/build" in query:
            body = (
                '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                '<head><variable name="p"/><variable name="o"/></head><results>'
                + "".join(
                    f'<result><binding name="p"><uri>https://w3id.org/smartcity-masterplan/'
                    f'lodpub#{p}</uri></binding><binding name="o"><literal>{o}</literal>'
                    "</binding></result>"
                    for p, o in (("buildId", "b1"), ("builtAt", "2025-01-15T10:00:00Z"))
                )
                + "</results></sparql>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+xml")
        else:
            body = (SECRET * 50).encode()
            self.send_response(self.status)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


@pytest.mark.parametrize(("status", "answer"), [(500, 500), (400, 400), (404, 503)])
def test_the_engine_error_text_is_logged_never_shown(fixture_config, caplog, status, answer):
    handler = type("Engine", (_Engine,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = RemoteStore.from_config(fixture_config, f"http://127.0.0.1:{server.server_port}/q")
    try:
        client = create_app(fixture_config, store).test_client()
        with caplog.at_level(logging.WARNING, logger="lodpub.store"):
            reply = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
        assert reply.status_code == answer, reply.data
        assert b"secret" not in reply.data and b"10.9.8.7" not in reply.data
        logged = [r.getMessage() for r in caplog.records if "internal-secret" in r.getMessage()]
        assert logged and all(len(line) < 400 for line in logged)  # bounded
    finally:
        store.close()
        server.shutdown()
        server.server_close()


# --- Oxigraph server under the operating system's filter ----------------------------------
SECCOMP = {  # architecture: (AUDIT_ARCH_*, __NR_connect)
    "x86_64": (0xC000003E, 42),
    "aarch64": (0xC00000B7, 203),
}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]  # fmt: skip


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def no_connect() -> Callable[[], None]:
    """What systemd's ``SystemCallFilter=~connect`` installs: a seccomp filter making
    connect() fail with EPERM. Built here; the returned function, run in the child before
    exec, only makes the two prctl calls (nothing that could wait on a lock after fork)."""
    arch, connect = SECCOMP[platform.machine()]
    load_word, jump_eq, ret = 0x20, 0x15, 0x06
    rules = (_Filter * 7)(
        _Filter(load_word, 0, 0, 4),  # the architecture
        _Filter(jump_eq, 1, 0, arch),
        _Filter(ret, 0, 0, 0x80000000),  # another ABI: kill
        _Filter(load_word, 0, 0, 0),  # the system call number
        _Filter(jump_eq, 0, 1, connect),
        _Filter(ret, 0, 0, 0x00050000 | 1),  # errno EPERM
        _Filter(ret, 0, 0, 0x7FFF0000),  # allow
    )
    program = _Program(len(rules), rules)
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def install() -> None:
        if prctl(38, 1, 0, 0, 0) or prctl(22, 2, ctypes.byref(program), 0, 0):  # no new privs
            raise OSError(ctypes.get_errno(), "seccomp")

    install.keep = (rules, program)  # type: ignore[attr-defined]  # alive until the fork
    return install


@pytest.mark.skipif(platform.machine() not in SECCOMP, reason="seccomp rule for x86_64/arm64")
def test_oxigraph_server_without_connect_serves_and_calls_nothing(
    tmp_path, fixture_dist, fixture_config, listener
):
    port = free_port()
    process = start_oxigraph(tmp_path, port, preexec_fn=no_connect())
    try:
        base = f"http://127.0.0.1:{port}"
        load(fixture_dist, base + "/store", fixture_config.base_iri)
        status, body = post(base + "/query", "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
        assert status == 200 and b'"n"' in body, body
        _status, body = post(base + "/query", BYPASSES[0].replace(
            "{target}", f"http://127.0.0.1:{listener.port}"))  # fmt: skip
        assert b"Operation not permitted" in body, body  # (in a streamed 200, as it goes)
        time.sleep(0.2)
        assert listener.count == 0
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- Virtuoso with the grants of docs/deploy.md -------------------------------------------
def _hardening() -> str:
    text = (DOCS / "deploy.md").read_text(encoding="utf-8")
    return re.search(r"<!-- virtuoso-hardening[^>]*-->\n```sql\n(.*?)```", text, re.S).group(1)


def _isql(engine, sql: str) -> str:
    binary = shutil.which("isql-vt")
    assert binary, "isql-vt (Debian virtuoso-opensource-7-bin) is missing"
    done = subprocess.run(
        [binary, str(engine.sql_port), "dba", "dba"], input=sql, text=True,
        capture_output=True, timeout=60,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_virtuoso_hardened_as_documented_calls_nothing(engines, listener) -> None:
    engine = engines.get("virtuoso", "fixture")
    target = f"http://127.0.0.1:{listener.port}"
    service = f"SELECT * WHERE {{ SERVICE <{target}/sparql> {{ ?s ?p ?o }} }}"
    sponge = f'DEFINE get:soft "replace" SELECT * FROM <{target}/sponge> WHERE {{ ?s ?p ?o }}'
    _isql(engine, 'GRANT SPARQL_SPONGE TO "SPARQL";\n')  # as many installation guides do
    try:
        post(engine.query_url, service)
        assert listener.count >= 1  # control: such a Virtuoso does call the service
    finally:
        _isql(engine, _hardening())
    before = listener.count
    for query in (service, sponge, f"LOAD <{target}/load>", f"LOAD SERVICE <{target}/> DATA"):
        status, body = post(engine.query_url, query)
        assert status >= 400 and b"SECURITY" in body, body
    time.sleep(0.2)
    assert listener.count == before
