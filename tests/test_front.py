"""The production front (publisher/front.py) and the hardening headers, on the wire.

``lodpub serve --workers 2`` runs as an operator starts it, once per engine (granian,
gunicorn), and is attacked the way the security audit did (../shared/reviews/
security-reliability-audit.md, HIGH 1, MEDIUM 5, LOW 2-4): slow bodies and slow headers
while a light client queries, chunked bodies over the limit, a huge chunk extension, two
Host headers, and reloads (good and failed) under load. The in-process tests check the
headers, ``server.public_url`` and the duplicate Host on the app itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import pytest
from support import LABEL, THING, production_server, request, write_dist

from publisher import distdir
from publisher.config import load_config
from publisher.serve import ENGINES
from publisher.web.app import create_app
from publisher.web.context import shared
from publisher.web.http.security import content_security_policy

MAX_BODY = 4096
BODY_TIMEOUT_S = 3
SLOW_BODIES = 64
SLOW_HEADS = 32
SLOW_BODY_HEAD = (
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 4000\r\n\r\n"
)


def light_query(n: int) -> str:
    """A light SPARQL GET, never cached (unique text)."""
    text = f"SELECT ?l WHERE {{ <{THING}7> <{LABEL}> ?l }} #{n}-{time.monotonic_ns()}"
    return "/sparql?" + urlencode({"query": text})


def staged(parent: Path, build_id: str) -> Path:
    """A build of 50 things, with a 2 MB dump listed in its manifest."""
    folder = write_dist(parent / f".dist-new-{build_id}", triples=50, build_id=build_id)
    dump = b"".join(b"<urn:x:%d> <urn:p> <urn:o> .\n" % i for i in range(80_000))
    (folder / "dumps").mkdir()
    (folder / "dumps" / "all.nt").write_bytes(dump)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {"dumps/all.nt": {"bytes": len(dump), "media_type": "application/n-triples",
                                          "sha256": hashlib.sha256(dump).hexdigest()}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=ENGINES)
def production(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[dict]:
    engine = request.param
    folder = tmp_path_factory.mktemp(f"front-{engine}")
    dist = folder / "dist"
    distdir.publish(staged(folder, "f0001"), dist)
    settings = (
        f"dist_dir: {dist}\nserver:\n  threads: 4\n  body_timeout_s: {BODY_TIMEOUT_S}\n"
        f"limits:\n  max_body_bytes: {MAX_BODY}\n  max_queries_per_client: 0\n"
    )
    with production_server(folder, settings, engine) as info:
        yield {**info, "dist": dist, "engine": engine}


def raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` on a fresh connection; what comes back until the server closes or
    stops sending."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and len(received) > 12:
                    break
        except (TimeoutError, ConnectionResetError):
            pass
        return received


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else 0


class SlowClients:
    """Connections that send a request head and then one byte (of body, or of another
    header line) every second, from a thread of their own."""

    def __init__(self, port: int, bodies: int, heads: int) -> None:
        self.socks: list[tuple[str, socket.socket]] = []
        for kind, count in (("body", bodies), ("head", heads)):
            for _ in range(count):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(SLOW_BODY_HEAD if kind == "body" else b"GET /health HTTP/1.1\r\n")
                self.socks.append((kind, sock))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stop.wait(1):
            for kind, sock in self.socks:
                with contextlib.suppress(OSError):
                    sock.sendall(b"a" if kind == "body" else b"X-A: b\r\n")

    def answers(self, kind: str) -> list[bytes]:
        """What each connection of ``kind`` got back (b"" if closed without an answer)."""
        got = []
        for each, sock in self.socks:
            if each == kind:
                sock.settimeout(BODY_TIMEOUT_S + 10)
                try:
                    got.append(sock.recv(200))
                except OSError:
                    got.append(b"")
        return got

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for _kind, sock in self.socks:
            sock.close()


def test_slow_clients_hold_no_worker_and_get_408(production: dict) -> None:
    """HIGH 1: 64 slow bodies and 32 slow heads (2 workers x 4 threads: 8 threads in all)
    while a light client queries: every light query answers, and the slow bodies are
    answered 408 (or closed) once server.body_timeout_s has passed, slow heads closed."""
    port = production["port"]
    slow = SlowClients(port, SLOW_BODIES, SLOW_HEADS)
    try:
        for n in range(30):
            status, _headers, body = request(
                port, light_query(n), {"Accept": "application/sparql-results+json"}, timeout=5
            )
            assert status == 200, body
        bodies = [answer for answer in slow.answers("body") if answer]  # b"": closed
        assert bodies and all(status_of(answer) == 408 for answer in bodies), set(bodies)
        assert all(b"nosniff" in answer.lower() for answer in bodies)
        heads = slow.answers("head")  # closed by then (b""), or refused
        assert all(status_of(answer) in (0, 400, 408) for answer in heads), set(heads)
    finally:
        slow.close()
    assert request(port, "/health")[0] == 200


def chunked(body: bytes, size: int = 1024) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def post_head(extra: str = "Transfer-Encoding: chunked\r\n") -> bytes:
    return (
        "POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{extra}\r\n"
    ).encode()


def test_a_chunked_body_over_the_limit_is_413(production: dict) -> None:
    """LOW 2: refused, not cut at the limit and answered 200."""
    port = production["port"]
    small = b"query=ASK%7B%7D"
    assert status_of(raw(port, post_head() + chunked(small))) == 200
    big = small + b"&pad=" + b"x" * (MAX_BODY * 3)
    assert status_of(raw(port, post_head() + chunked(big))) == 413
    assert request(port, "/health")[0] == 200


def test_a_huge_chunk_extension_is_a_client_error(production: dict) -> None:
    """LOW 2: a 100 KB chunk extension is the client's error (400 or a closed
    connection), never a 500."""
    port = production["port"]
    body = b"f;" + b"e" * 100_000 + b"\r\nquery=ASK%7B%7D\r\n0\r\n\r\n"
    answer = raw(port, post_head() + body)
    assert status_of(answer) in (0, 400), answer[:200]
    endless = raw(port, post_head() + b"ffffffffffffffffffffff\r\nabc", timeout=BODY_TIMEOUT_S + 10)
    assert status_of(endless) in (0, 400, 408, 413), endless[:200]
    assert request(port, "/health")[0] == 200


def test_a_path_is_decoded_once(production: dict) -> None:
    """/doc/id/test/s%2531.ttl names the thing "s%31", which does not exist (not "s1")."""
    port = production["port"]
    assert request(port, "/doc/id/test/s1.ttl")[0] == 200
    assert request(port, "/doc/id/test/s%2531.ttl")[0] == 404
    assert request(port, "/doc/id/test/s%31.ttl")[0] == 200


def test_a_streamed_answer_whole_or_left_halfway(production: dict) -> None:
    """A dump is streamed from the app's pool a block at a time: whole, with its length;
    a client that leaves halfway is no error in the log."""
    port, log = production["port"], production["log"]
    status, headers, body = request(port, "/dumps/all.nt")
    assert status == 200 and len(body) > 2_000_000
    assert int({k.lower(): v for k, v in headers.items()}["content-length"]) == len(body)
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /dumps/all.nt HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(1000).startswith(b"HTTP/1.1 200")
    time.sleep(1)
    assert request(port, "/health")[0] == 200
    assert "Traceback" not in log.read_text()


def test_two_host_headers_are_400(production: dict) -> None:
    """LOW 4: granian used to take either."""
    port = production["port"]
    answer = raw(port, b"GET /health HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n"
                       b"Connection: close\r\n\r\n")  # fmt: skip
    assert status_of(answer) == 400


def test_hardening_headers_on_the_wire(production: dict) -> None:
    port = production["port"]
    status, headers, _body = request(port, "/", {"Accept": "text/html"})
    assert status == 200
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["content-security-policy"] == content_security_policy()
    # the replayed copy (representation cache, answered on the event loop) has them too
    again = {k.lower(): v for k, v in request(port, "/", {"Accept": "text/html"})[1].items()}
    assert again["content-security-policy"] == content_security_policy()
    status, headers, _body = request(port, "/health")
    assert {k.lower(): v for k, v in headers.items()}["x-content-type-options"] == "nosniff"


# --- reloads under load --------------------------------------------------------------------
class Load:
    """8 keep-alive clients: cached pages and unique light queries, counting every
    connection error and every 5xx."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.done = 0
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(8)]
        for thread in self.threads:
            thread.start()

    def _run(self, index: int) -> None:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop.is_set():
            n += 1
            path = light_query(n) if n % 4 == 0 else f"/doc/id/test/s{(index + n) % 20}.ttl"
            try:
                connection.request("GET", path, headers={"Accept": "text/turtle, */*"})
                response = connection.getresponse()
                response.read()
                if response.status >= 500:
                    self.errors.append(f"{response.status} {path}")
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                self.done += 1
            except OSError as error:
                self.errors.append(f"{type(error).__name__}: {error} ({path})")
                connection.close()
        connection.close()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def wait_for(check: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, f"{what}\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


def build_id(port: int) -> str:
    return json.loads(request(port, "/health")[2])["build"]


def test_reloads_under_load_drop_nothing(production: dict) -> None:
    """MEDIUM 5: a reload (new workers with the new build) and a failed reload (the old
    workers kept) while 8 clients keep requesting: no connection error, no 5xx."""
    port, process, folder, log = (production[k] for k in ("port", "process", "folder", "log"))
    load = Load(port)
    try:
        time.sleep(1)
        distdir.publish(staged(folder, "f0002"), production["dist"])
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: build_id(port) == "f0002", "the reload did not happen", log)
        time.sleep(3)  # the old workers stop meanwhile (granian: one after the other)
        broken = staged(folder, "f0003")
        (broken / "dataset.nq").write_text("this is not N-Quads\n", encoding="utf-8")
        distdir.publish(broken, production["dist"])
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload failed" in log.read_text(), "no failed reload", log)
        time.sleep(2)
    finally:
        load.finish()
    assert load.done > 100
    assert load.errors == [], load.errors[:10]
    assert build_id(port) == "f0002"


# --- in-process: the headers, public_url, duplicate Host ------------------------------------
@pytest.fixture(scope="module")
def app_dist(tmp_path_factory) -> Path:
    return write_dist(tmp_path_factory.mktemp("front-app") / "dist", 10, "fa-0001")


def make_app(dist: Path, **overrides):
    config = load_config(overrides={"dist_dir": str(dist), **overrides}, root=dist.parent)
    app = create_app(config)
    app.testing = True
    return app


def test_every_answer_is_nosniff_and_html_has_the_policy(app_dist: Path) -> None:
    app = make_app(app_dist)
    client = app.test_client()
    try:
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.headers["Content-Security-Policy"] == content_security_policy()
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        for reply in (client.get("/health"), client.get('/doc/"><svg onload=alert(1)>')):
            assert reply.headers["X-Content-Type-Options"] == "nosniff"
            assert "Content-Security-Policy" not in reply.headers
    finally:
        shared(app).store.close()


def test_a_feature_extends_the_policy_by_name() -> None:
    policy = content_security_policy({"script-src": ("'sha256-abc'",), "connect-src": ("'self'",)})
    assert "script-src 'self' 'sha256-abc'" in policy
    assert policy.endswith("connect-src 'self'")


def test_public_url_names_the_site_in_locations_and_links(app_dist: Path) -> None:
    app = make_app(app_dist, **{"server.public_url": "https://data.example.org/lod/"})
    client = app.test_client()
    try:
        moved = client.get("/id/test/s1", headers={"Host": "evil.example", "Accept": "text/turtle"})
        assert moved.status_code == 303
        assert moved.headers["Location"].startswith("https://data.example.org/lod/doc/id/test/s1")
        doc = client.get("/doc/id/test/s1.ttl", headers={"Host": "evil.example"})
        assert "evil.example" not in doc.headers.get("Link", "")
        assert "https://data.example.org/lod/doc/id/test/s1" in doc.headers["Link"]
    finally:
        shared(app).store.close()
    without = make_app(app_dist)
    try:
        moved = without.test_client().get(
            "/id/test/s1", headers={"Host": "here.example", "Accept": "text/turtle"}
        )
        assert moved.headers["Location"].startswith("http://here.example/doc/id/test/s1")
    finally:
        shared(without).store.close()


def test_a_public_url_that_is_not_a_site_stops_the_start(app_dist: Path) -> None:
    with pytest.raises(ValueError, match=r"server\.public_url"):
        make_app(app_dist, **{"server.public_url": "data.example.org"})


def test_two_hosts_joined_by_the_server_are_400(app_dist: Path) -> None:
    app = make_app(app_dist)
    try:
        reply = app.test_client().get("/health", headers={"Host": "a.example,b.example"})
        assert reply.status_code == 400
        assert "more than one Host" in reply.get_data(as_text=True)
    finally:
        shared(app).store.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_without_the_front_the_engines_own_wsgi_serves(engine: str, tmp_path: Path) -> None:
    """server.buffer_requests: false (behind a buffering proxy): granian's WSGI interface,
    gunicorn's gthread workers; the same app, headers and limits."""
    dist = tmp_path / "dist"
    distdir.publish(staged(tmp_path, "w0001"), dist)
    settings = f"dist_dir: {dist}\nserver:\n  buffer_requests: false\n"
    with production_server(tmp_path, settings, engine) as info:
        status, headers, _body = request(info["port"], "/doc/id/test/s1.ttl")
        assert status == 200
        assert {k.lower(): v for k, v in headers.items()}["x-content-type-options"] == "nosniff"
        log = info["log"].read_text()
        assert ("gthread" in log) if engine == "gunicorn" else ("asgi" not in log)
