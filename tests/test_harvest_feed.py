"""The change feed in ``lodpub harvest``: a real lodpub build of two fictional generated
cities (bench/generate.py), built twice with one city changed in between (so its
``/feed`` gains one ``as:Update``), served by the fault-injecting server on 127.0.0.1.

The feed answers only for dumps the catalogue gives no checksum for; a checksum always
decides. So the catalogues here drop the checksums the build wrote (all, or one city's).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from harvesting import (
    REPO_ROOT,
    FaultServer,
    File,
    Status,
    build_city,
    routes,
    turtle,
    write_generated_city,
)

from publisher.config import load_config
from publisher.harvest import configured_sources, harvest
from publisher.harvest.results import Status as Outcome

AGGREGATOR = "https://osservatorio.example/lod/"  # fictional
OWN_BASE = "https://province.example/lod/"  # fictional
CHANGED, SAME = "city-0001", "city-0002"
V2_TITLE = "Masterplan Città fittizia 0001, seconda versione (fittizio)"
SPDX_CHECKSUM = "http://spdx.org/rdf/terms#checksum"
TRIG = "application/trig"


def without_checksums(catalog: bytes, *cities: str) -> bytes:
    """The catalogue without the checksums of the ``cities``' distributions."""
    prefixes = tuple(f"{OWN_BASE}dataset/{city}/" for city in cities)
    triples = [q.triple for q in ox.parse(catalog, format=ox.RdfFormat.TURTLE)]
    return turtle([t for t in triples if t.predicate.value != SPDX_CHECKSUM
                   or not t.subject.value.startswith(prefixes)])  # fmt: skip


def site(dist: Path, catalog: bytes) -> dict:
    files = {f"/dumps/{city}.nq": (dist / "dumps" / f"{city}.nq").read_bytes()
             for city in (CHANGED, SAME)}  # fmt: skip
    return routes({"/catalog": catalog, **files}) | {
        "/feed": File((dist / "feed" / "feed.trig").read_bytes(), TRIG),
        "/feed/1": File((dist / "feed" / "1.trig").read_bytes(), TRIG),
    }


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes]]:
    """Two real builds into one dist/ (the second reads the first's history): version 1,
    then version 2 with city-0001's title changed; each kept with its catalogue."""
    root = tmp_path_factory.mktemp("feed-builds")
    for number in (1, 2):
        write_generated_city(root / "data", number)
    found = {}
    for name in ("v1", "v2"):
        if name == "v2":
            write_generated_city(root / "data", 1, V2_TITLE)
        dist = build_city(root / "data", root / "dist", OWN_BASE)
        shutil.copytree(dist.resolve(), root / name)
        found[name] = (root / name, (root / name / "catalog.ttl").read_bytes())
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    faults = FaultServer()
    yield faults
    faults.close()


def configured(server: FaultServer):
    sources = [{"name": "provincia", "catalog": OWN_BASE + "catalog",
                "url_map": {OWN_BASE: server.url}}]  # fmt: skip
    return load_config(overrides={"base_iri": AGGREGATOR, "harvest.sources": sources},
                       root=REPO_ROOT)  # fmt: skip


def run(server: FaultServer, dist: Path):
    config = configured(server)
    return harvest(config, dist, configured_sources(config)).results[0]


@pytest.fixture(scope="module")
def first(versions, server, tmp_path_factory) -> Path:
    """An aggregate of version 1 (no checksums): the feed read to its last member."""
    folder = tmp_path_factory.mktemp("feed-agg")
    dist, catalog = versions["v1"]
    server.serve(site(dist, without_checksums(catalog, CHANGED, SAME)))
    result = run(server, folder / "dist")
    assert result.status is Outcome.FRESH and sorted(result.cities) == [CHANGED, SAME]
    assert result.state.feed is not None and result.state.feed.page == OWN_BASE + "feed/1"
    assert "/feed/1" in [path for _m, path, _s in server.log]
    return folder


@pytest.fixture
def agg(first: Path, tmp_path: Path) -> Path:
    shutil.copytree(first, tmp_path / "agg", symlinks=True)
    return tmp_path / "agg" / "dist"


def title(dist: Path, key: str) -> set[str]:
    store = ox.Store()
    store.load(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    rows = store.query(f"""SELECT ?t WHERE {{ GRAPH <{AGGREGATOR}graph/{key}> {{
        ?m a <https://w3id.org/smartcity-masterplan/ontology#Masterplan> ;
           <http://purl.org/dc/terms/title> ?t FILTER(lang(?t) = "it") }} }}""")
    return {row["t"].value for row in rows}


def requested(server: FaultServer) -> list[tuple[str, int]]:
    return [(path, status) for _m, path, status in server.log]


def test_with_the_feed_only_the_changed_city_is_downloaded(versions, server, agg) -> None:
    dist, catalog = versions["v2"]
    server.serve(site(dist, without_checksums(catalog, CHANGED, SAME)))
    result = run(server, agg)
    assert result.status is Outcome.FRESH and result.note is None, result.line()
    assert requested(server) == [("/catalog", 200), ("/feed/1", 200),
                                 (f"/dumps/{CHANGED}.nq", 200)]  # fmt: skip
    assert [k for k, c in result.cities.items() if c.checked] == [CHANGED]
    assert title(agg, CHANGED) == {V2_TITLE}
    # Nothing new since: one 304 from the feed's page stands for a request per dump.
    server.serve(site(dist, without_checksums(catalog, CHANGED, SAME)))
    again = run(server, agg)
    assert again.status is Outcome.UNCHANGED, again.line()
    assert requested(server) == [("/catalog", 304), ("/feed/1", 304)]


def test_without_a_feed_every_dump_is_asked_again(versions, server, agg) -> None:
    """The same change, the feed gone from the catalogue: today's conditional requests."""
    dist, catalog = versions["v2"]
    text = without_checksums(catalog, CHANGED, SAME).decode()
    files = site(dist, text.replace(f"<{OWN_BASE}feed>", "<https://elsewhere.example/x>")
                 .encode())  # fmt: skip
    server.serve(files)
    result = run(server, agg)
    assert result.status is Outcome.FRESH, result.line()
    paths = [path for path, _status in requested(server)]
    assert paths == ["/catalog", f"/dumps/{CHANGED}.nq", f"/dumps/{SAME}.nq"]


def test_a_broken_feed_falls_back_to_conditional_requests(versions, server, agg) -> None:
    dist, catalog = versions["v2"]
    server.serve(site(dist, without_checksums(catalog, CHANGED, SAME)) | {"/feed/1": Status(500)})
    result = run(server, agg)
    assert result.status is Outcome.FRESH
    assert f"feed not used: {server.url}feed/1: HTTP 500" in result.line()
    paths = [path for path, _status in requested(server)]
    assert f"/dumps/{CHANGED}.nq" in paths and f"/dumps/{SAME}.nq" in paths
    assert title(agg, CHANGED) == {V2_TITLE}
    assert result.state.feed is not None  # the mark stays where it was, for the next run


def test_a_feed_that_lies_does_not_keep_stale_data(versions, server, agg) -> None:
    """Version 2's data and checksum for the changed city, version 1's feed (no member
    since): the catalogue's checksum wins. The other city has no checksum: the feed
    answers for it."""
    old, _catalog = versions["v1"]
    dist, catalog = versions["v2"]
    files = site(dist, without_checksums(catalog, SAME))
    files |= {path: answer for path, answer in site(old, b"").items() if path.startswith("/feed")}
    server.serve(files)
    result = run(server, agg)
    assert result.status is Outcome.FRESH, result.line()
    assert requested(server) == [("/catalog", 200), (f"/dumps/{CHANGED}.nq", 200),
                                 ("/feed/1", 304)]  # fmt: skip
    assert title(agg, CHANGED) == {V2_TITLE}


def test_a_feed_that_lost_the_last_member_seen_tells_nothing(versions, server, agg) -> None:
    """A feed reset (or its retention dropped the member): every dump is asked again."""
    dist, catalog = versions["v2"]
    files = site(dist, without_checksums(catalog, CHANGED, SAME))
    page = (dist / "feed" / "1.trig").read_bytes()
    # Every member renamed (their IRIs are feed/{build}/{city}): the one the mark names is gone.
    files["/feed/1"] = File(re.sub(rb"/feed/(\d{8}T)", rb"/feed/reset-\1", page), TRIG)
    server.serve(files)
    result = run(server, agg)
    assert result.status is Outcome.FRESH and result.note is None, result.line()
    assert ("/feed", 200) in requested(server)  # read again from the start, in vain
    paths = [path for path, _status in requested(server)]
    assert f"/dumps/{CHANGED}.nq" in paths and f"/dumps/{SAME}.nq" in paths
