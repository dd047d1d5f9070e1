"""Build integrity, files of the loaded build, metrics through the CLI (both engines).

``lodpub serve --workers 2`` runs as an operator starts it, *without*
``PROMETHEUS_MULTIPROC_DIR`` in its environment, over a build whose manifest lists every
file with its size and SHA-256 (as ``lodpub build`` writes it):

- ``/metrics`` counts the requests of both workers;
- a build whose ``dataset.nq`` was cut at a line boundary (it still parses) is refused on
  reload, with a log line naming the file; the old build keeps serving, its dumps and its
  ontology too (not the files of the build ``dist`` now points at), and ``/health`` says
  which build ``dist`` points at;
- a changed dump (same size, other bytes) is refused the same way;
- a page asked with ``?utm_source=…`` is replayed by the representation cache.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import BASE, LABEL, THING, production_server, request, write_dist
from test_ops import metric

from publisher import distdir
from publisher.config import load_config
from publisher.load import LoadError, load
from publisher.serve import ENGINES
from publisher.store import StoreUnavailable
from publisher.store.embedded import EmbeddedStore
from publisher.web.app import create_app

TRIPLES = 600  # things; two triples each, one to the hub and one from it
HUB, HUB_LINK = THING + "-hub", BASE + "links-to"
CAP = 20_000  # limits.max_result_bytes: the hub's documents and the named query exceed it
QUERY = """#+ title: {it: Tutte le etichette, en: Every label}
#+ description: {it: Dati di prova fittizi., en: Fictional test data.}
#+ result:
#+   rows: {it: una riga per cosa, en: one row per thing}
#+   columns:
#+     thing: {it: cosa, en: thing}
#+     label: {it: etichetta, en: label}
SELECT ?thing ?label WHERE { ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?label }
ORDER BY ?thing
"""
ONTOLOGY = "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<urn:x:onto> a owl:Ontology .\n"


def full_build(parent: Path, build_id: str) -> Path:
    """A build folder as ``lodpub build`` leaves it: data, a dump, the ontology, and a
    manifest listing each file's size and SHA-256 (fictional test data)."""
    folder = write_dist(parent / f"stage-{build_id}", TRIPLES, build_id)
    with (folder / "dataset.nq").open("a", encoding="utf-8") as data:  # a hub: all point at it
        data.writelines(f"<{THING}{i}> <{HUB_LINK}> <{HUB}> <{BASE}graph/test> .\n"
                        for i in range(TRIPLES))  # fmt: skip
        data.writelines(f"<{HUB}> <{HUB_LINK}> <{THING}{i}> <{BASE}graph/test> .\n"
                        for i in range(TRIPLES))  # fmt: skip
        data.write(f'<{HUB}> <{LABEL}> "centro"@it <{BASE}graph/test> .\n')
    (folder / "dumps").mkdir()
    (folder / "dumps" / "test.nq").write_bytes((folder / "dataset.nq").read_bytes()
                                               + f"# {build_id}\n".encode())  # fmt: skip
    (folder / "ontology").mkdir()
    (folder / "ontology" / "smp.ttl").write_text(ONTOLOGY + f"# {build_id}\n", "utf-8")
    return list_files(folder)


def list_files(folder: Path) -> Path:
    """(Re)write the manifest's file list from the files as they are now."""
    manifest_path = folder / distdir.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["files"] = {
        str(path.relative_to(folder)): {
            "bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "media_type": "application/octet-stream",
        }
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != distdir.MANIFEST_FILE
    }
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    return folder


def cut_at_a_line(path: Path) -> None:
    """Keep the first half of the file's lines: still valid N-Quads, half the data."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))


def copy_of(folder: Path, name: str) -> Path:
    copy = folder.with_name(name)
    shutil.copytree(folder, copy)
    return copy


# --- in one process -----------------------------------------------------------------------
def test_a_build_cut_at_a_line_boundary_is_refused(tmp_path: Path) -> None:
    good = full_build(tmp_path, "b0001")
    EmbeddedStore(good).close()
    cut = copy_of(good, "cut")
    cut_at_a_line(cut / "dataset.nq")
    with pytest.raises(StoreUnavailable, match=r"does not match its manifest.*dataset\.nq has"):
        EmbeddedStore(cut)


def test_a_changed_file_of_the_same_size_is_refused(tmp_path: Path) -> None:
    changed = copy_of(full_build(tmp_path, "b0001"), "changed")
    dump = changed / "dumps" / "test.nq"
    data = bytearray(dump.read_bytes())
    data[-3] = ord("X")
    dump.write_bytes(bytes(data))
    with pytest.raises(StoreUnavailable, match=r"dumps/test\.nq has changed.*SHA-256"):
        EmbeddedStore(changed)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    missing = copy_of(full_build(tmp_path, "b0001"), "missing")
    (missing / "ontology" / "smp.ttl").unlink()
    with pytest.raises(StoreUnavailable, match=r"ontology/smp\.ttl is missing"):
        EmbeddedStore(missing)


def test_lodpub_load_refuses_a_cut_build_before_sending_anything(tmp_path: Path) -> None:
    cut = copy_of(full_build(tmp_path, "b0001"), "cut")
    cut_at_a_line(cut / "dataset.nq")
    with pytest.raises(LoadError, match=r"does not match its manifest, nothing loaded"):
        load(cut, "http://127.0.0.1:9/store", BASE)  # never contacted


def test_a_manifest_without_files_is_loaded_as_it_is(tmp_path: Path) -> None:
    """A dist made by hand (tests, older tools) lists no files: nothing to check."""
    store = EmbeddedStore(write_dist(tmp_path / "dist", 5, "plain"))
    assert store.count_triples() == 10
    store.close()


def test_a_build_is_found_by_its_id_beside_dist(tmp_path: Path) -> None:
    """What a remote store serves files from: the build it holds, not the newest one."""
    dist = tmp_path / "dist"
    first = distdir.publish(full_build(tmp_path, "b0001"), dist)
    second = distdir.publish(full_build(tmp_path, "b0002"), dist)
    assert distdir.find_build(dist, "b0002") == second
    assert distdir.find_build(dist, "b0001") == first
    assert distdir.find_build(dist, "b0000") is None


def test_a_remote_store_serves_the_files_of_the_build_it_holds(engines, load_into, tmp_path
                                                              ) -> None:  # fmt: skip
    """``lodpub load`` sent build b0001 to the engine; ``dist`` then moved on to b0002
    (built, not loaded): the dumps served are b0001's, as the data is."""
    dist = tmp_path / "dist"
    first = distdir.publish(full_build(tmp_path, "b0001"), dist)
    engine = engines.get("oxigraph", "integrity")
    config = load_config(overrides={"dist_dir": str(dist), "store": engine.query_url},
                         root=tmp_path)  # fmt: skip
    load_into(engine, first, config)
    distdir.publish(full_build(tmp_path, "b0002"), dist)
    client = create_app(config).test_client()
    reply = client.get("/dumps/test.nq")
    assert reply.status_code == 200
    assert reply.data == (first / "dumps" / "test.nq").read_bytes()
    assert reply.data.endswith(b"# b0001\n")


# --- the production server, as an operator starts it -------------------------------------
@pytest.fixture(scope="module", params=ENGINES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[dict]:  # fmt: skip
    folder = tmp_path_factory.mktemp(f"integrity-{request.param}")
    dist = folder / "dist"
    distdir.publish(full_build(folder, "b0001"), dist)
    (folder / "queries").mkdir()
    (folder / "queries" / "all-labels.rq").write_text(QUERY, "utf-8")
    settings = (
        f"dist_dir: {dist}\nqueries_dir: {folder / 'queries'}\n"
        f"limits:\n  max_queries_per_client: 0\n  max_result_bytes: {CAP}\n"
    )
    with production_server(folder, settings, request.param, metrics_env=False) as info:
        yield {**info, "dist": dist}


def health(port: int) -> dict:
    status, _headers, body = request(port, "/health")
    assert status == 200, body
    return json.loads(body)


def test_metrics_count_both_workers_without_a_preset_folder(served: dict) -> None:
    port = served["port"]
    for _ in range(30):
        assert request(port, "/health")[0] == 200
    status, _headers, body = request(port, "/metrics")
    assert status == 200
    text = body.decode()
    assert metric(text, "lodpub_http_requests_total", route="/health") >= 30, text[-2000:]
    assert "imported before the metrics folder" not in served["log"].read_text()


def test_a_tracking_parameter_is_served_from_the_cache(served: dict) -> None:
    """``?utm_source=…`` does not make a page computed again (each worker keeps its own
    cache: at most one miss per worker)."""
    port = served["port"]
    page = "/doc/id/test/s3.html"
    first = request(port, page)
    assert first[0] == 200
    before = request(port, "/metrics")[2].decode()
    for i in range(10):
        assert request(port, f"{page}?utm_source=news{i}&fbclid={i}")[2] == first[2]
    after = request(port, "/metrics")[2].decode()
    hits = [metric(text, "lodpub_representation_cache_total", outcome="hit")
            for text in (before, after)]  # fmt: skip
    assert hits[1] - hits[0] >= 10 - 2, (hits, after[-3000:])


def test_a_cut_build_is_refused_on_reload_and_the_old_files_stay(served: dict) -> None:
    port, process, folder = served["port"], served["process"], served["folder"]
    before = health(port)
    assert before["build"] == "b0001" and before["triples"] == 4 * TRIPLES + 1
    dump = request(port, "/dumps/test.nq")
    ontology = request(port, "/ontology.ttl")
    assert dump[0] == 200 and ontology[0] == 200
    # the same build (same id), copied and cut at a line boundary: it still parses
    cut = copy_of(full_build(folder, "b0001"), "cut-b0001")
    cut_at_a_line(cut / "dataset.nq")
    (cut / "dumps" / "test.nq").unlink()  # and its files are not there at all
    (cut / "ontology" / "smp.ttl").unlink()
    distdir.publish(cut, served["dist"])
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while "does not match its manifest" not in served["log"].read_text():
        assert time.monotonic() < deadline, served["log"].read_text()[-3000:]
        time.sleep(0.2)
    assert "dataset.nq has" in served["log"].read_text()
    for _ in range(6):  # whichever worker answers
        after = health(port)
        assert after["build"] == "b0001" and after["triples"] == 4 * TRIPLES + 1
        assert after["dist_build"].startswith("b0001-")  # the copy, beside the one served
        assert request(port, "/dumps/test.nq")[2] == dump[2]
        assert request(port, "/ontology.ttl")[2] == ontology[2]


def truncation(headers: dict[str, str]) -> str | None:
    """The X-Result-Truncated header (granian sends names in lower case)."""
    return {name.lower(): value for name, value in headers.items()}.get("x-result-truncated")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "rows", "html"])
def test_a_named_query_is_cut_at_the_byte_cap_and_says_so(served: dict, fmt: str) -> None:
    status, headers, body = request(served["port"], f"/queries/all-labels?format={fmt}")
    assert status == 200, body[:500]
    assert len(body) <= CAP
    assert truncation(headers) == f"true; max-bytes={CAP}", (headers, len(body))
    if fmt == "json":
        assert b"/limits" in body  # head.link, as /sparql does
    if fmt == "html":
        assert f"{CAP:,}".replace(",", ".").encode() in body and b'role="status"' in body
        assert body.rstrip().endswith(b"</html>")


@pytest.mark.parametrize("ext", ["ttl", "nt", "jsonld", "rdf", "html"])
def test_a_page_is_cut_at_the_byte_cap_and_says_so(served: dict, ext: str) -> None:
    path = HUB.replace(BASE, "/doc/")
    status, headers, body = request(served["port"], f"{path}.{ext}")
    assert status == 200, body[:500]
    assert len(body) <= CAP
    assert truncation(headers) == f"true; max-bytes={CAP}"
    if ext in ("ttl", "nt"):
        assert body.startswith(b"# truncated")
    if ext == "html":  # a notice on the page, the page whole
        assert b'role="status"' in body and body.rstrip().endswith(b"</html>")


def test_small_answers_are_not_marked(served: dict) -> None:
    for path in ("/doc/id/test/s3.ttl", "/doc/id/test/s3.html", "/queries"):
        status, headers, _body = request(served["port"], path)
        assert status == 200 and truncation(headers) is None
