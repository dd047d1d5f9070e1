"""`lodpub export-static`: the demo's site written as files and served by a real nginx
(Debian's nginx-light, started here on 127.0.0.1 with the generated configuration), checked
with the Linked Data conformance checks the app itself passes (tests/test_resources.py):
303 from thing IRIs to the variant Accept chose, Vary, media types, Link, Content-Location,
documents byte for byte as the app serves them, rdflib following the 303."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from support import free_port
from test_resources import ACCEPTS, DOC, MEDIA, PLAN, PLAN_PATH, links, vary

from publisher.namespaces import SMP

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")


class Reply:
    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def media_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(base: str, path: str, accept: str | None = None) -> Reply:
    request = urllib.request.Request(base + path, headers={"Accept": accept} if accept else {})
    try:
        with _OPENER.open(request) as reply:
            return Reply(reply.status, reply.headers, reply.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.headers, exc.read())


@pytest.fixture(scope="module")
def export(demo_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo exported through the CLI, as an operator runs it."""
    out = tmp_path_factory.mktemp("export") / "out"
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "export-static", str(out), "--dist", str(demo_dist)],
        capture_output=True, text=True, timeout=900, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def nginx(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx serving the export with its generated configuration; yields the base URL."""
    run = tmp_path_factory.mktemp("nginx")
    port = free_port()
    temps = "\n".join(f"    {name}_temp_path {run}/{name};"
                      for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private
    # temporary folders: keep them as the user running the tests.
    user = "user root root;" if os.geteuid() == 0 else ""
    (run / "nginx.conf").write_text(f"""daemon off;
{user}
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temps}
    include {export}/nginx/http.conf;
    server {{
        listen 127.0.0.1:{port};
        include {export}/nginx/server.conf;
    }}
}}
""")
    process = subprocess.Popen([NGINX, "-c", str(run / "nginx.conf"), "-e", str(run / "error.log"),
                                "-p", str(run)], stderr=subprocess.PIPE)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode())
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(("accept", "ext"), ACCEPTS)
def test_thing_iri_answers_303_to_the_chosen_variant(nginx, accept, ext):
    reply = get(nginx, "/" + PLAN_PATH, accept)
    assert reply.status == 303
    assert reply.headers["Location"] == f"{nginx}{DOC}.{ext}"
    assert "Accept" in vary(reply)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert links(reply) == {m: f"{nginx}{DOC}.{e}" for e, m in MEDIA.items()}


@pytest.mark.parametrize(("accept", "ext"), ACCEPTS)
def test_document_is_negotiated_with_content_location(nginx, demo_http, accept, ext):
    reply = get(nginx, DOC, accept)
    assert reply.status == 200
    assert reply.media_type == MEDIA[ext]
    assert reply.headers["Content-Location"] == f"{nginx}{DOC}.{ext}"
    assert "Accept" in vary(reply)
    assert links(reply) == {m: f"{nginx}{DOC}.{e}" for e, m in MEDIA.items()}
    assert reply.headers["Cache-Control"].startswith("public, max-age=")
    assert reply.headers["Last-Modified"] and reply.headers["ETag"]
    if ext != "html":  # a page names the host it was asked on: the export's is localhost
        assert reply.body == demo_http("GET", f"{DOC}.{ext}").body


@pytest.mark.parametrize("ext", list(MEDIA))
def test_extension_urls_ignore_accept_and_do_not_vary_on_it(nginx, ext):
    for accept in ("image/png", "text/html", "application/rdf+xml", "*/*"):
        reply = get(nginx, f"{DOC}.{ext}", accept)
        assert reply.status == 200
        assert reply.media_type == MEDIA[ext]
        assert "Accept" not in vary(reply)
        assert "Content-Location" not in reply.headers
        assert len(links(reply)) == len(MEDIA)


def test_format_parameter_wins(nginx):
    reply = get(nginx, f"/{PLAN_PATH}?format=jsonld", "text/html")
    assert reply.headers["Location"] == f"{nginx}{DOC}.jsonld"
    reply = get(nginx, f"{DOC}?format=nt", "text/html")
    assert reply.status == 200 and reply.media_type == "application/n-triples"


@pytest.mark.parametrize(
    "path",
    ["vocab/role/lead", "vocab/role", "vocab", "id/demo-city/themes",
     "id/demo-city/theme/ambiente", "id/second-city/masterplan", "dataset/demo-city"],
)  # fmt: skip
def test_every_kind_of_thing_dereferences(nginx, demo_http, path):
    reply = get(nginx, "/" + path, "text/turtle")
    assert reply.status == 303
    assert reply.headers["Location"] == f"{nginx}/doc/{path}.ttl"
    document = get(nginx, f"/doc/{path}.ttl")
    assert document.body == demo_http("GET", f"/doc/{path}.ttl").body
    graph = Graph().parse(data=document.body, format="turtle")
    assert any(graph.triples((URIRef("https://w3id.org/smartcity-masterplan/" + path), None,
                              None)))  # fmt: skip


@pytest.mark.parametrize("hint", ["turtle", "xml", "json-ld", "nt"])
def test_rdflib_follows_the_303(nginx, hint):
    graph = Graph().parse(f"{nginx}/{PLAN_PATH}", format=hint)
    assert (PLAN, RDF.type, SMP.Masterplan) in graph


def test_unknown_things_are_404(nginx):
    for path in ("/id/demo-city/nothing", "/doc/id/demo-city/nothing.ttl", "/id/demo-city"):
        assert get(nginx, path, "text/turtle").status == 404


@pytest.mark.parametrize(("path", "accept", "media"), [
    ("/", "text/html", "text/html"),
    ("/catalog", "text/turtle", "text/turtle"),
    ("/catalog", "application/ld+json", "application/ld+json"),
    ("/.well-known/void", None, "text/turtle"),
    ("/.well-known/void", "application/rdf+xml", "application/rdf+xml"),
    ("/ontology", "text/turtle", "text/turtle"),
    ("/ontology.html", None, "text/html"),
    ("/legal", "text/html", "text/html"),
    ("/dumps/demo-city.nq", None, "application/n-quads"),
    ("/dumps/all.trig", None, "application/trig"),
    ("/context.jsonld", None, "application/ld+json"),
])  # fmt: skip
def test_site_documents_and_files(nginx, demo_http, path, accept, media):
    reply = get(nginx, path, accept)
    assert reply.status == 200 and reply.media_type == media
    if path.startswith(("/dumps/", "/context")):
        assert reply.body == demo_http("GET", path).body


def test_html_pages_reach_their_styles(nginx):
    page = get(nginx, f"{DOC}.html").body.decode()
    assert "/static/" in page
    start = page.index('href="/static/') + len('href="')
    url = page[start : page.index('"', start)]
    assert get(nginx, url).status == 200


def test_export_refuses_a_folder_that_is_not_empty(demo_dist, tmp_path):
    (tmp_path / "something").write_text("keep me")
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "export-static", str(tmp_path), "--dist",
         str(demo_dist)], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1 and "not empty" in done.stderr
    assert (tmp_path / "something").read_text() == "keep me"
