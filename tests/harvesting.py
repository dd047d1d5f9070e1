"""Helpers for the harvester's tests (importable as ``harvesting``): publishers to harvest.

- :class:`FaultServer`: a real HTTP server on 127.0.0.1 whose answers a test sets path by
  path (:class:`File`, :class:`Status`, :class:`Redirect`, :class:`Hang`, :class:`Drip`,
  :class:`Truncated`, :class:`Unsized`); it logs every request it gets.
- :func:`build_city`: a real ``lodpub build`` of one city folder under a given base IRI.
- :func:`only_city`: a build's catalogue without some of its cities.
- :func:`static_site`: a city without lodpub: its catalogue split into two static pages
  (Hydra ``nextPage`` as a literal, real download URLs, only a TriG dump), for
  ``python -m http.server``.
- :func:`announce`: a catalogue that promises other bytes for a dump (size and checksum).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from publisher.config import load_config

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/smartcity-masterplan/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID_URI_SPACE = "http://rdfs.org/ns/void#uriSpace"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


# --- answers ------------------------------------------------------------------------------
def _head(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()


def _sized(media_type: str, body: bytes) -> dict[str, str]:
    return {"Content-Type": media_type, "Content-Length": str(len(body))}


@dataclass
class File:
    """200 with the body, an ETag (its sha256) and 304 to a matching If-None-Match."""

    body: bytes
    media_type: str = "text/turtle"
    etag: bool = True

    def __call__(self, handler: BaseHTTPRequestHandler) -> int:
        tag = f'"{hashlib.sha256(self.body).hexdigest()}"'
        if self.etag and handler.headers.get("If-None-Match") == tag:
            _head(handler, 304, {"ETag": tag})
            return 304
        tagged = {"ETag": tag} if self.etag else {}
        _head(handler, 200, _sized(self.media_type, self.body) | tagged)
        handler.wfile.write(self.body)
        return 200


@dataclass
class Status:
    code: int

    def __call__(self, handler: BaseHTTPRequestHandler) -> int:
        body = f"{self.code}\n".encode()
        _head(handler, self.code, _sized("text/plain", body))
        handler.wfile.write(body)
        return self.code


@dataclass
class Redirect:
    location: str
    code: int = 302

    def __call__(self, handler: BaseHTTPRequestHandler) -> int:
        _head(handler, self.code, {"Location": self.location, "Content-Length": "0"})
        return self.code


@dataclass
class Hang:
    """Accept the request and answer nothing for ``seconds``."""

    seconds: float

    def __call__(self, handler: BaseHTTPRequestHandler) -> int:
        time.sleep(self.seconds)
        return Status(200)(handler)


@dataclass
class Drip:
    """The body a few bytes at a time, pausing between them (each read well in time)."""

    body: bytes
    media_type: str = "application/n-quads"
    chunk: int = 64
    pause: float = 0.2

    def __call__(self, handler: BaseHTTPRequestHandler) -> int:
        _head(handler, 200, _sized(self.media_type, self.body))
        try:
            for start in range(0, len(self.body), self.chunk):
                handler.wfile.write(self.body[start : start + self.chunk])
                handler.wfile.flush()
                time.sleep(self.pause)
        except OSError:  # the client gave up, as it should
            pass
        return 200


@dataclass
class Truncated:
    """Announce the whole body, send half of it and close the connection."""

    body: bytes
    media_type: str = "application/n-quads"

    def __call__(self, handler: BaseHTTPRequestHandler) -> int:
        _head(handler, 200, _sized(self.media_type, self.body))
        handler.wfile.write(self.body[: len(self.body) // 2])
        handler.close_connection = True
        return 200


@dataclass
class Unsized:
    """The body without Content-Length, its end marked by closing the connection."""

    body: bytes
    media_type: str = "application/n-quads"

    def __call__(self, handler: BaseHTTPRequestHandler) -> int:
        _head(handler, 200, {"Content-Type": self.media_type, "Connection": "close"})
        handler.wfile.write(self.body)
        handler.close_connection = True
        return 200


Answer = Callable[[BaseHTTPRequestHandler], int]


@dataclass
class FaultServer:
    """A threaded HTTP server on 127.0.0.1 answering ``routes[path]`` (path with query)."""

    routes: dict[str, Answer] = field(default_factory=dict)
    log: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                answer = server.routes.get(self.path, Status(404))
                server.log.append(("GET", self.path, answer(self)))

            def log_message(self, *_args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gives up (as the harvester must) is no error here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/"

    def serve(self, routes: dict[str, Answer]) -> None:
        """Answer exactly ``routes`` from now on, with a fresh log."""
        self.routes = dict(routes)
        self.log.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


# --- publishers ---------------------------------------------------------------------------
def build_city(folder: Path, dist: Path, base: str = BASE) -> Path:
    """A real build of one city folder (or folder of cities) under ``base``."""
    from publisher.build import build

    build(load_config(overrides={"base_iri": base}, root=REPO_ROOT), data_dir=folder, dist=dist)
    return dist


def _bench_generate():
    """bench/generate.py (not a package), loaded once under the name other tests use."""
    import importlib.util
    import sys

    name = "lodpub_bench_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "bench" / "generate.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def write_generated_city(folder: Path, number: int, title: str | None = None) -> Path:
    """Fictional city ``number`` of bench/generate.py (one action) in ``folder``, its
    masterplan's title changed when asked."""
    generate = _bench_generate()
    files = generate.city_files(number)
    if title:
        files["masterplan.yaml"]["masterplan"]["title"] = {"it": title, "en": title}
    target = folder / generate.city_key(number)
    generate._examples_generator().write_city(target, files)
    return target


def routes(files: dict[str, bytes]) -> dict[str, Answer]:
    """Every file served as it is (media type from the extension)."""
    types = {"nq": "application/n-quads", "trig": "application/trig", "ttl": "text/turtle",
             "nt": "application/n-triples", "jsonld": "application/ld+json"}  # fmt: skip
    return {
        path: File(body, types.get(path.rsplit(".", 1)[-1], "text/turtle"))
        for path, body in files.items()
    }


def announce(catalog: bytes, old: bytes, new: bytes) -> bytes:
    """The catalogue with the size and sha256 of dump ``old`` replaced by those of ``new``."""
    text = catalog.decode("utf-8")
    old_sum, new_sum = (hashlib.sha256(b).hexdigest() for b in (old, new))
    assert old_sum in text and f'"{len(old)}"' in text
    text = text.replace(old_sum, new_sum).replace(f'"{len(old)}"', f'"{len(new)}"')
    return text.encode("utf-8")


def _closure(triples: list[ox.Triple], start: ox.NamedNode, blank_only: bool = False) -> set:
    """``start`` and every described node reachable from it (only through blank nodes)."""
    objects: dict = {}
    for t in triples:
        objects.setdefault(t.subject, []).append(t.object)
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            follow = [o for o in objects.get(node, ()) if o in objects]
            todo += [o for o in follow if isinstance(o, ox.BlankNode) or not blank_only]
    return seen


def without(triples: list[ox.Triple], nodes: list[ox.NamedNode]) -> list[ox.Triple]:
    """The triples, minus ``nodes``' own descriptions and the links to them."""
    gone = set().union(*(_closure(triples, node, blank_only=True) for node in nodes))
    return [t for t in triples if t.subject not in gone and t.object not in nodes]


def turtle(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b""


def only_city(catalog: Path, base: str, *dropped: str) -> bytes:
    """A build's catalogue (Turtle) without the datasets of the ``dropped`` cities."""
    triples = [q.triple for q in ox.parse(path=str(catalog))]
    return turtle(without(triples, [ox.NamedNode(f"{base}dataset/{key}") for key in dropped]))


def static_site(catalog: bytes, dumps: Path, folder: Path, base: str, url: str, key: str) -> None:
    """City ``key`` of a build's ``catalog`` (under ``base``) as a static site at ``url``:
    the catalogue in two pages (``catalog.ttl`` lists the every-city dataset,
    ``catalog-2.ttl`` the city, with only its TriG distribution, download URLs under ``url``
    and a ``void:uriSpace``), and the TriG dump from ``dumps``. Triples are moved as parsed
    (a pyoxigraph store would rewrite the literals' datatypes)."""
    dcat = "http://www.w3.org/ns/dcat#"
    links = (ox.NamedNode(dcat + "downloadURL"), ox.NamedNode(dcat + "accessURL"))
    triples = [q.triple for q in ox.parse(catalog, format=ox.RdfFormat.TURTLE)]
    city, catalog_node = ox.NamedNode(f"{base}dataset/{key}"), ox.NamedNode(f"{base}catalog")
    others = [ox.NamedNode(f"{base}dataset/{key}/{ext}") for ext in ("nq", "ttl", "nt", "jsonld")]
    triples = [
        ox.Triple(t.subject, t.predicate, ox.NamedNode(t.object.value.replace(base, url, 1)))
        if t.predicate in links else t
        for t in without(triples, others)
    ]  # fmt: skip
    triples.append(ox.Triple(city, ox.NamedNode(VOID_URI_SPACE), ox.Literal(f"{base}id/{key}/")))
    described = _closure(triples, city)
    listed = ox.Triple(catalog_node, ox.NamedNode(dcat + "dataset"), city)
    first = [t for t in triples if t.subject not in described and t != listed]
    second = [t for t in triples if t.subject in described]
    second += [
        listed,
        ox.Triple(catalog_node, ox.NamedNode(RDF_TYPE), ox.NamedNode(dcat + "Catalog")),
    ]
    pages = {"catalog.ttl": (first, f'<{HYDRA}nextPage> "{url}catalog-2.ttl" ; '
                                    f"<{HYDRA}next> <{url}catalog-2.ttl> ;"),
             "catalog-2.ttl": (second, "")}  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    for name, (page, next_links) in pages.items():
        paging = (
            f"<{url}{name}> a <{HYDRA}PagedCollection> ; {next_links} <{HYDRA}totalItems> 2 .\n"
        )
        (folder / name).write_bytes(turtle(page) + paging.encode())
    (folder / "dumps").mkdir(exist_ok=True)
    (folder / "dumps" / f"{key}.trig").write_bytes((dumps / f"{key}.trig").read_bytes())
