"""The descriptions computed at build time (publisher/store/descriptions.py) are the
CONSTRUCT's (publisher/web/lod/describe.py), for every resource of the demo and of
synthetic data; hub resources' incoming links are paged the same way from both; a build
without them (older builds, hand-made ones) is served through the CONSTRUCT."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from harvesting import write_generated_city
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from support import running

from publisher.build import DESCRIPTIONS_FILE, build
from publisher.config import load_config
from publisher.iris import Iris
from publisher.store import descriptions
from publisher.store.descriptions import Descriptions, Paging, paginate, walk
from publisher.store.embedded import EmbeddedStore
from publisher.web.app import create_app
from publisher.web.lod.describe import describe_query

REPO_ROOT = Path(__file__).resolve().parent.parent
SMALL_PAGES = Paging(incoming_per_page=3, page_bytes=1 << 20)


def served_store(dist: Path) -> ox.Store:
    """The data as the embedded store holds it (union default graph materialised)."""
    return EmbeddedStore(dist)._store


@pytest.fixture(scope="module")
def synthetic_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four fictional cities of bench/generate.py, built with 3 incoming links per page."""
    folder = tmp_path_factory.mktemp("synthetic")
    data = folder / "data"
    for number in range(1, 5):
        write_generated_city(data, number)
    config = load_config(overrides={"descriptions": {"incoming_per_page": 3}}, root=REPO_ROOT)
    build(config, data_dir=data, dist=folder / "dist")
    return folder / "dist"


def assert_walk_is_the_construct(store: ox.Store) -> int:
    things = descriptions.subjects(store)
    for thing in things:
        expected = set(store.query(describe_query(thing)))
        assert walk(store, thing) == expected, thing
    return len(things)


def test_the_walk_is_the_construct_for_every_demo_resource(demo_dist):
    assert assert_walk_is_the_construct(served_store(demo_dist)) > 500


def test_the_walk_is_the_construct_for_every_synthetic_resource(synthetic_dist):
    assert assert_walk_is_the_construct(served_store(synthetic_dist)) > 400


def test_stored_pages_are_the_constructs_pages(synthetic_dist):
    """records() (what the build stores) = paginate(CONSTRUCT); the pages' union is the
    CONSTRUCT; hubs have several pages, each with the resource's own triples."""
    store = served_store(synthetic_dist)
    things = descriptions.subjects(store)
    stored: dict[bytes, bytes] = dict(descriptions.records(store, things, SMALL_PAGES))
    paged = 0
    for thing in things:
        construct = set(store.query(describe_query(thing)))
        pages = paginate(thing, construct, SMALL_PAGES)
        assert set().union(*pages) == construct
        for number, page in enumerate(pages, 1):
            head, _, packed = stored[descriptions._key(thing, number)].partition(b"\n")
            body = zlib.decompress(packed)
            assert int(head) == len(pages)
            triples = {q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
            assert triples == set(page), (thing, number)
            assert any(t.subject == ox.NamedNode(thing) for t in triples)
        paged += len(pages) > 1
    assert paged > 10


def test_the_build_stores_every_resource_and_lists_the_file(synthetic_dist):
    manifest = json.loads((synthetic_dist / "manifest.json").read_text())
    assert DESCRIPTIONS_FILE in manifest["files"]
    assert not Path(str(synthetic_dist / DESCRIPTIONS_FILE) + "-lock").exists()
    stored = Descriptions(synthetic_dist / DESCRIPTIONS_FILE)
    store = served_store(synthetic_dist)
    for thing in descriptions.subjects(store):
        assert stored.page(thing).pages >= 1
    assert stored.page("https://example.org/not-here").pages == 0


def hub(dist: Path) -> tuple[str, int]:
    """A resource of this server with more than one page of incoming links, and its page
    count."""
    base = load_config(root=REPO_ROOT).base_iri.encode()
    env = Descriptions(dist / DESCRIPTIONS_FILE)._env
    with env.begin() as txn:
        for key, value in txn.cursor():
            if key.startswith(base) and b"\0" not in key and not value.startswith(b"1\n"):
                return key.decode(), int(value.split(b"\n", 1)[0])
    raise AssertionError("no paged resource")


def without_descriptions(dist: Path) -> None:
    """A build as one made without descriptions: the file and its manifest entry gone (a
    build missing a file its manifest lists is refused, tests/test_integrity.py)."""
    (dist / DESCRIPTIONS_FILE).unlink()
    manifest = json.loads((dist / "manifest.json").read_text())
    del manifest["files"][DESCRIPTIONS_FILE]
    (dist / "manifest.json").write_text(json.dumps(manifest))


def get(url: str, accept: str = "text/turtle") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize("precomputed", [True, False], ids=["lmdb", "construct"])
def test_hub_pages_over_http(synthetic_dist, tmp_path, precomputed):
    """The same pages from the stored descriptions and from the CONSTRUCT (a build
    without descriptions.lmdb): Link first/next/last, ?page=N, 404 past the end."""
    dist = synthetic_dist
    if not precomputed:
        dist = tmp_path / "dist"
        shutil.copytree(synthetic_dist, dist)
        without_descriptions(dist)
    config = load_config(
        overrides={"dist_dir": str(dist), "descriptions": {"incoming_per_page": 3}},
        root=REPO_ROOT,
    )
    thing, pages = hub(synthetic_dist)
    path = "/doc/" + str(Iris(config.base_iri).local_path(thing))
    with running(create_app(config)) as address:
        base = f"http://{address}{path}"
        graphs = []
        for number in range(1, pages + 1):
            status, headers, body = get(f"{base}.ttl" + (f"?page={number}" if number > 1 else ""))
            assert status == 200
            assert ('rel="next"' in headers["Link"]) == (number < pages)
            assert ('rel="prev"' in headers["Link"]) == (number > 1)
            graphs.append(Graph().parse(data=body, format="turtle"))
            status, _, html = get(f"{base}?page={number}", "text/html")
            assert status == 200 and b'class="incoming-pages"' in html
        assert get(f"{base}.ttl?page={pages + 1}")[0] == 404
        assert get(f"{base}.ttl?page=0")[0] == 404
        assert get(f"{base}.ttl?page=x")[0] == 404
        status, headers, _ = get(f"{base}?page=2")
        assert headers["Content-Location"].endswith(".ttl?page=2")
    whole = Graph()
    for graph in graphs:
        whole += graph
    store = served_store(synthetic_dist)
    linking = {str(t.subject) for t in store.quads_for_pattern(None, None, ox.NamedNode(thing))}
    assert len(linking) > 3
    assert {f"<{s}>" for s in whole.subjects(None, URIRef(thing))} >= linking


def test_the_two_ways_give_isomorphic_pages(synthetic_dist, tmp_path):
    """Every page of a hub, as Turtle, from the stored description and from the CONSTRUCT."""
    copy = tmp_path / "dist"
    shutil.copytree(synthetic_dist, copy)
    without_descriptions(copy)
    thing, pages = hub(synthetic_dist)
    path = "/doc/" + str(Iris(load_config(root=REPO_ROOT).base_iri).local_path(thing))
    bodies: dict[str, list[Graph]] = {}
    for name, dist in (("lmdb", synthetic_dist), ("construct", copy)):
        config = load_config(
            overrides={"dist_dir": str(dist), "descriptions": {"incoming_per_page": 3}},
            root=REPO_ROOT,
        )
        with running(create_app(config)) as address:
            bodies[name] = [
                Graph().parse(data=get(f"http://{address}{path}.ttl?page={n}")[2], format="turtle")
                for n in range(1, pages + 1)
            ]
    for stored, constructed in zip(bodies["lmdb"], bodies["construct"], strict=True):
        assert isomorphic(stored, constructed)


def test_iris_longer_than_an_lmdb_key_are_looked_up_by_digest(synthetic_dist):
    """LMDB keys stop at 511 bytes: a longer IRI asked for is simply not there (404)."""
    config = load_config(overrides={"dist_dir": str(synthetic_dist)}, root=REPO_ROOT)
    with running(create_app(config)) as address:
        for path in ("/id/" + "a" * 600, "/doc/id/" + quote("é" * 400) + ".ttl"):
            assert get(f"http://{address}{path}")[0] == 404
    assert Descriptions(synthetic_dist / DESCRIPTIONS_FILE).page("x:" + "b" * 600).pages == 0


def test_pages_are_stored_in_reading_order(synthetic_dist):
    """The stored pages (the build sorts serialised lines, sharing the part every page
    holds) are the CONSTRUCT's pages sorted by reading_order (as the CONSTRUCT path
    serves them), byte for byte, for every resource and page."""
    store = served_store(synthetic_dist)
    things = descriptions.subjects(store)
    stored = dict(descriptions.records(store, things, SMALL_PAGES))
    for thing in things:
        key = descriptions.reading_order(ox.NamedNode(thing))
        construct = set(store.query(describe_query(thing)))
        for number, page in enumerate(paginate(thing, construct, SMALL_PAGES), 1):
            expected = ox.serialize(sorted(page, key=key), format=ox.RdfFormat.N_TRIPLES)
            body = zlib.decompress(stored[descriptions._key(thing, number)].partition(b"\n")[2])
            assert body == expected, (thing, number)


def pages_without_blank_ids(path: Path) -> dict[bytes, tuple[bytes, list[bytes]]]:
    """Every record of an LMDB file: its page count and its lines, blank node identifiers
    blanked (each load of dataset.nq names blank nodes anew, and blank nodes' lines are
    ordered by identifier: the order itself is held by the test above)."""
    env = Descriptions(path)._env
    with env.begin() as txn:
        records = {k: v.partition(b"\n") for k, v in txn.cursor()}
    return {
        key: (head, sorted(re.sub(rb"_:[0-9a-f]+", b"_:", line) for line in
                           zlib.decompress(body).split(b"\n")))
        for key, (head, _, body) in records.items()
    }  # fmt: skip


@pytest.mark.parametrize("threads", [1, 2], ids=["forked", "spawned beside a thread"])
def test_workers_write_what_one_process_writes(synthetic_dist, tmp_path, monkeypatch, threads):
    """The walk spread over processes (forked after the one load, or spawned when the
    process has other threads) stores the same pages."""
    dataset = synthetic_dist / "dataset.nq"
    alone, pooled = tmp_path / "alone.lmdb", tmp_path / "pooled.lmdb"
    assert descriptions.write(dataset, alone, SMALL_PAGES, workers=1) > 400
    monkeypatch.setattr(descriptions, "SERIAL_BELOW", 0)
    monkeypatch.setattr(descriptions.threading, "active_count", lambda: threads)
    assert descriptions.write(dataset, pooled, SMALL_PAGES, workers=2) > 400
    assert pages_without_blank_ids(pooled) == pages_without_blank_ids(alone)
