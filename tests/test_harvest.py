"""``lodpub harvest`` against real publishers on 127.0.0.1.

- two lodpub publishers, each serving one fictional demo city (its own build, the shared
  default base IRI, download URLs mapped with ``url_map``);
- a city without lodpub: ``python -m http.server`` over a static catalogue in two pages
  (its own base IRI, real download URLs, only a TriG dump);
- a fault-injecting server (``harvesting.FaultServer``) serving a small generated city, in
  two versions, for every failure the issue lists: each one leaves that city's last good
  version in place, says why, and leaves the other city alone;
- the aggregate served by the app (embedded), by ``lodpub serve --workers 1`` reloading on
  SIGHUP, and by an Oxigraph server loaded with ``lodpub load`` (``/compare`` in both);
- resource pages saying where their data came from; a publisher under its own real base
  (no ``url_map``); the sources' publishers audited, their EARL reports published.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import free_port, start_oxigraph, wait_for
from harvesting import (
    BASE,
    REPO_ROOT,
    Drip,
    FaultServer,
    File,
    Hang,
    Redirect,
    Status,
    Truncated,
    Unsized,
    announce,
    build_city,
    only_city,
    routes,
    static_site,
    turtle,
    without,
    write_generated_city,
)
from support import running

from publisher.cli import main
from publisher.config import Config, load_config
from publisher.harvest import SourceConfigError, configured_sources, harvest
from publisher.harvest.ownership import Owners, OwnershipError, city_key
from publisher.harvest.results import Status as Outcome
from publisher.validate import Validator, load_shapes
from publisher.web.app import create_app

AGGREGATOR = "https://osservatorio.example/lod/"  # fictional: the aggregator's own base
OWN_BASE = "https://province.example/lod/"  # fictional: cities with a base of their own
SMALL, STATIC = "city-0001", "city-0002"
V1_TITLE = "Masterplan Città fittizia 0001 città intelligente (fittizio)"
V2_TITLE = "Masterplan Città fittizia 0001, seconda versione (fittizio)"
NQ = f"/dumps/{SMALL}.nq"
PLAN_CLASS = "https://w3id.org/smartcity-masterplan/ontology#Masterplan"


# --- publishers ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real builds: each demo city alone (the default base), and two generated cities
    together under a base of their own (the small city and the static one)."""
    root = tmp_path_factory.mktemp("harvest-builds")
    examples = REPO_ROOT / "examples"
    for number in (1, 2):
        write_generated_city(root / "generated", number)
    return {
        "demo-city": build_city(examples / "demo-city", root / "demo" / "dist"),
        "second-city": build_city(examples / "second-city", root / "second" / "dist"),
        "generated": build_city(root / "generated", root / "both" / "dist", OWN_BASE),
    }


@pytest.fixture(scope="module")
def publishers(builds: dict[str, Path]) -> Iterator[dict[str, str]]:
    """Two lodpub publishers on real HTTP servers: base URL (with a final /) per city."""
    with ExitStack() as stack:
        urls = {}
        for city in ("demo-city", "second-city"):
            config = load_config(overrides={"dist_dir": str(builds[city])}, root=REPO_ROOT)
            urls[city] = f"http://{stack.enter_context(running(create_app(config)))}/"
        yield urls


@pytest.fixture(scope="module")
def static_server(
    builds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``python -m http.server`` over the static city's files; its URL."""
    folder = tmp_path_factory.mktemp("static-site")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    catalog = only_city(builds["generated"] / "catalog.ttl", OWN_BASE, SMALL)
    static_site(catalog, builds["generated"] / "dumps", folder, OWN_BASE, url, STATIC)
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
         str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(url + "catalog.ttl", process, "python -m http.server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.close()


# --- configurations -----------------------------------------------------------------------
def lodpub_source(name: str, url: str, base: str = BASE) -> dict:
    return {"name": name, "catalog": base + "catalog", "url_map": {base: url}}


def configured(sources: list[dict], **harvest: object) -> Config:
    overrides = {"base_iri": AGGREGATOR, "harvest.sources": sources}
    overrides |= {f"harvest.{key}": value for key, value in harvest.items()}
    return load_config(overrides=overrides, root=REPO_ROOT)


def run(config: Config, dist: Path):
    return harvest(config, dist, configured_sources(config))


def by_name(report) -> dict:
    return {result.source.name: result for result in report.results}


def store_of(dist: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(query))


def title_of(dist: Path, key: str) -> set[str]:
    """The Italian titles of a city's masterplan in the aggregate, read from its graph."""
    query = f"""SELECT ?t WHERE {{ GRAPH <{AGGREGATOR}graph/{key}> {{
        ?m a <{PLAN_CLASS}> ;
           <http://purl.org/dc/terms/title> ?t FILTER(lang(?t) = "it") }} }}"""
    return {row["t"].value for row in store_of(dist).query(query)}


# --- the main run: three publishers, one aggregate ----------------------------------------
@pytest.fixture(scope="module")
def three(publishers: dict[str, str], static_server: str) -> list[dict]:
    return [
        lodpub_source("esempiopoli", publishers["demo-city"]),
        lodpub_source("immaginopoli", publishers["second-city"]),
        {"name": "statico", "catalog": static_server + "catalog.ttl"},
    ]


@pytest.fixture(scope="module")
def aggregate(three: list[dict], tmp_path_factory: pytest.TempPathFactory):
    dist = tmp_path_factory.mktemp("aggregate") / "dist"
    return dist, run(configured(three), dist)


def test_every_city_is_harvested_into_its_own_graph(aggregate, builds) -> None:
    dist, report = aggregate
    assert report.exit_code == 0, report.summary()
    statuses = {name: (r.status, sorted(r.cities)) for name, r in by_name(report).items()}
    assert statuses == {
        "esempiopoli": (Outcome.FRESH, ["demo-city"]),
        "immaginopoli": (Outcome.FRESH, ["second-city"]),
        "statico": (Outcome.FRESH, [STATIC]),
    }
    manifest = json.loads((dist / "manifest.json").read_text())
    assert manifest["cities"] == ["city-0002", "demo-city", "second-city"]
    assert manifest["base_iri"] == AGGREGATOR
    store = store_of(dist)
    for key, source in (("demo-city", builds["demo-city"]), ("second-city", builds["second-city"]),
                        (STATIC, builds["generated"])):  # fmt: skip
        original = {q.triple for q in ox.parse(path=str(source / "dumps" / f"{key}.nq"))}
        graph = ox.NamedNode(f"{AGGREGATOR}graph/{key}")
        harvested = {q.triple for q in store.quads_for_pattern(None, None, None, graph)}
        assert len(harvested) == len(original), key  # the city's data, all of it, only it


def test_the_static_city_is_read_over_two_pages_from_its_trig_dump(
    aggregate, static_server
) -> None:
    _dist, report = aggregate
    result = by_name(report)["statico"]
    assert [page.url for page in result.catalogue.pages] == [
        static_server + "catalog.ttl", static_server + "catalog-2.ttl"]  # fmt: skip
    state = result.cities[STATIC].state
    assert state.download == f"{static_server}dumps/{STATIC}.trig"
    assert state.extension == "trig"
    assert state.namespaces == [f"{OWN_BASE}id/{STATIC}/"]


def test_the_aggregate_catalogue_says_where_each_city_came_from(aggregate) -> None:
    dist, _report = aggregate
    catalog = list(ox.parse(path=str(dist / "catalog.ttl"), format=ox.RdfFormat.TURTLE))
    problems = Validator(load_shapes(REPO_ROOT / "shapes")).check(catalog)
    assert not [p for p in problems if p.is_violation]
    store = ox.Store()
    store.extend(catalog)
    prov, dct = "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/"
    for key, original in (("demo-city", BASE + "dataset/demo-city"),
                          (STATIC, f"{OWN_BASE}dataset/{STATIC}")):  # fmt: skip
        assert ask(
            store,
            f"""ASK {{ <{AGGREGATOR}catalog> <http://www.w3.org/ns/dcat#dataset>
            <{AGGREGATOR}dataset/{key}> . <{AGGREGATOR}dataset/{key}> <{prov}wasDerivedFrom>
            <{original}> ; <{prov}wasGeneratedBy> ?activity }}""",
        )
    assert ask(store, f"ASK {{ <{AGGREGATOR}catalog> <{dct}hasPart> <{OWN_BASE}catalog> }}")
    identifier = f"""SELECT ?id WHERE {{ <{AGGREGATOR}dataset/demo-city> <{dct}identifier> ?id }}"""
    assert [row["id"].value for row in store.query(identifier)] == ["lodpub:D.demo-city"]


def test_provenance_and_quality_are_published_as_data(aggregate) -> None:
    dist, report = aggregate
    store = store_of(dist)
    graph = f"<{AGGREGATOR}graph/harvest>"
    dqv, prov = "http://www.w3.org/ns/dqv#", "http://www.w3.org/ns/prov#"
    metric = f"<{BASE}vocab/quality-metric/action-coverage>"
    rows = list(
        store.query(f"""SELECT ?value WHERE {{ GRAPH {graph} {{
        <{AGGREGATOR}dataset/demo-city> <{dqv}hasQualityMeasurement> ?m .
        ?m <{dqv}isMeasurementOf> {metric} ; <{dqv}value> ?value }} }}""")
    )
    assert [row["value"].value for row in rows] == ["1"]  # 45 declared, 45 published
    activity = f"<{AGGREGATOR}harvest/{report.run_id}/esempiopoli>"
    assert ask(
        store,
        f"""ASK {{ GRAPH {graph} {{ {activity} a <{prov}Activity> ;
        <{prov}startedAtTime> ?s ; <{prov}endedAtTime> ?e ; <{prov}used> <{BASE}catalog> ;
        <http://schema.org/actionStatus> <http://schema.org/CompletedActionStatus> ;
        <{prov}generated> <{AGGREGATOR}dataset/demo-city> }} }}""",
    )
    report_iri = f"<{AGGREGATOR}harvest/{report.run_id}/esempiopoli/demo-city/shacl>"
    assert ask(
        store,
        f"""ASK {{ GRAPH {graph} {{
        {report_iri} a <http://www.w3.org/ns/shacl#ValidationReport> ;
            <http://www.w3.org/ns/shacl#conforms> true .
        <{AGGREGATOR}dataset/demo-city> <{dqv}hasQualityAnnotation> ?a .
        ?a <http://www.w3.org/ns/oa#hasBody> {report_iri} }} }}""",
    )
    file = f"<{AGGREGATOR}harvest/{report.run_id}/esempiopoli/demo-city>"
    assert ask(
        store,
        f"""ASK {{ GRAPH {graph} {{ {file} <{prov}wasGeneratedBy> {activity} ;
        <http://www.w3.org/ns/dcat#byteSize> ?size ;
        <http://spdx.org/rdf/terms#checksum> ?c }} }}""",
    )


def test_the_aggregate_is_served_as_a_build_is(aggregate) -> None:
    dist, report = aggregate
    config = load_config(overrides={"dist_dir": str(dist), "base_iri": AGGREGATOR}, root=REPO_ROOT)
    client = create_app(config).test_client()
    reply = client.get("/queries/cities-compared", query_string={"format": "csv"})
    assert reply.status_code == 200
    lines = reply.get_data(as_text=True).splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["city-0002", "demo-city", "second-city"]
    areas = client.get("/queries/actions-per-area", query_string={"format": "csv"})
    keys = {line.split(",")[0] for line in areas.get_data(as_text=True).splitlines()[1:]}
    assert keys == {"city-0002", "demo-city", "second-city"}  # comparable across sources
    shared = client.get("/queries/organisations-in-several-cities", query_string={"format": "csv"})
    assert "demo-city" in shared.get_data(as_text=True)
    manifest = json.loads((dist / "manifest.json").read_text())
    dump = client.get("/dumps/demo-city.nq")
    assert dump.status_code == 200
    assert dump.headers["ETag"] == f'"{manifest["files"]["dumps/demo-city.nq"]["sha256"]}"'
    assert client.get("/catalog", headers={"Accept": "text/turtle"}).status_code == 200
    activity = client.get(f"/harvest/{report.run_id}/statico")
    assert activity.status_code == 303
    page = client.get("/compare", headers={"Accept": "text/html"}).get_data(as_text=True)
    areas = page.split('<section id="actions-per-area-osservatorio-theme"', 1)[1]
    assert all(key in areas.split("</section>", 1)[0] for key in ("city-0002", "demo-city"))


def test_a_second_harvest_costs_one_request_per_page_and_writes_nothing(aggregate, three) -> None:
    dist, first = aggregate
    before = dist.resolve()
    report = run(configured(three), dist)
    assert report.exit_code == 0
    assert {r.status for r in report.results} == {Outcome.UNCHANGED}
    assert report.published is None and "nothing changed" in report.summary()
    assert dist.resolve() == before  # the same build: the server keeps its ETags
    used = {name: r.used for name, r in by_name(report).items()}
    assert used["esempiopoli"] == [f"{by_name(first)['esempiopoli'].source.real_url(BASE)}catalog"]
    assert len(used["statico"]) == 2  # one conditional request per page, no dump


# --- faults -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_site(builds: dict[str, Path]) -> dict[str, dict[str, bytes]]:
    """The small city as its publisher serves it: version 1, and version 2 (another title,
    the catalogue announcing the new dump)."""
    dist = builds["generated"]
    v1 = {"/catalog": only_city(dist / "catalog.ttl", OWN_BASE, STATIC),
          NQ: (dist / "dumps" / f"{SMALL}.nq").read_bytes()}  # fmt: skip
    old, new = (f'"{title}"@it'.encode() for title in (V1_TITLE, V2_TITLE))
    assert old in v1[NQ]
    nq = v1[NQ].replace(old, new)
    return {"v1": v1, "v2": {"/catalog": announce(v1["/catalog"], v1[NQ], nq), NQ: nq}}


@pytest.fixture(scope="module")
def pair(faults: FaultServer, static_server: str) -> list[dict]:
    """The small city on the fault server, and the static city (which must stay unharmed)."""
    return [lodpub_source("piccola", faults.url, OWN_BASE),
            {"name": "statico", "catalog": static_server + "catalog.ttl"}]  # fmt: skip


@pytest.fixture(scope="module")
def baseline(aggregate, pair, faults, small_site, tmp_path_factory) -> Path:
    """An aggregate with version 1 of the small city: its last good version (made from a
    copy of the first aggregate, so its ontology pages are not written again)."""
    folder = tmp_path_factory.mktemp("baseline") / "agg"
    shutil.copytree(aggregate[0].parent, folder, symlinks=True)
    faults.serve(routes(small_site["v1"]))
    report = run(configured(pair), folder / "dist")
    assert report.exit_code == 0 and by_name(report)["piccola"].status is Outcome.FRESH
    return folder


@pytest.fixture
def agg(baseline: Path, tmp_path: Path) -> Path:
    """A copy of the baseline aggregate to harvest into; its ``dist``."""
    shutil.copytree(baseline, tmp_path / "agg", symlinks=True)
    return tmp_path / "agg" / "dist"


def changed_dump(v2: dict[str, bytes], body: bytes) -> dict[str, bytes]:
    """Version 2 whose catalogue announces ``body`` (size and checksum) as the N-Quads dump."""
    return {**v2, "/catalog": announce(v2["/catalog"], v2[NQ], body), NQ: body}


def without_triples(catalog: bytes, subject: str, predicate: str) -> bytes:
    triples = [q.triple for q in ox.parse(catalog, format=ox.RdfFormat.TURTLE)]
    drop = (ox.NamedNode(subject), ox.NamedNode(predicate))
    return turtle([t for t in triples if (t.subject, t.predicate) != drop])


def without_distributions(catalog: bytes, *extensions: str) -> bytes:
    triples = [q.triple for q in ox.parse(catalog, format=ox.RdfFormat.TURTLE)]
    nodes = [ox.NamedNode(f"{OWN_BASE}dataset/{SMALL}/{extension}") for extension in extensions]
    return turtle(without(triples, nodes))


HYDRA = "http://www.w3.org/ns/hydra/core#"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
MASTERPLAN = f"<{OWN_BASE}id/{SMALL}/masterplan>".encode()


def untyped(nq: bytes) -> bytes:
    """The dump without the masterplan's l0:Description type: a shape violation."""
    lines = nq.split(b"\n")
    return b"\n".join(
        line for line in lines
        if not (line.startswith(MASTERPLAN) and b"onto/l0/Description" in line)
    )  # fmt: skip


def cut(nq: bytes) -> bytes:
    """The first half of a dump, ending inside a statement (before its final "."): half the
    bytes alone may end on a line boundary, a valid shorter file."""
    return nq[: nq.index(b" .\n", len(nq) // 2)]


def with_lines(catalog: bytes, *lines: str) -> bytes:
    return catalog + "".join(f"\n{line} .\n" for line in lines).encode()


Case = tuple[dict, dict, str]  # files or answers, harvest settings, expected reason (regex)
_CATALOG, _PAGE2 = f"<{OWN_BASE}catalog>", f"<{OWN_BASE}catalog?page=2>"
_HIJACK = f'<{BASE}id/demo-city/masterplan> {LABEL} "preso" <{OWN_BASE}graph/{SMALL}> .\n'
_TOO_BIG = r"over harvest\.max_bytes"
CASES: dict[str, Callable[[dict[str, bytes], str], Case]] = {
    "catalogue 404": lambda v2, url: ({"/catalog": Status(404)}, {}, r"/catalog: HTTP 404"),
    "dump 500": lambda v2, url: ({**v2, NQ: Status(500)}, {}, r"city-0001\.nq: HTTP 500"),
    "timeout": lambda v2, url: ({"/catalog": Hang(3)}, {"timeout_s": 0.5}, r"timed out"),
    "slow body past the deadline": lambda v2, url: (
        {**v2, NQ: Drip(v2[NQ], chunk=4096, pause=0.2)}, {"deadline_s": 1},
        r"still downloading after 1 s"),
    "redirect loop": lambda v2, url: (
        {"/catalog": Redirect("/a"), "/a": Redirect("/catalog")}, {},
        r"redirect loop: .*/catalog -> .*/a -> .*/catalog"),
    "too many redirects": lambda v2, url: (
        {f"/{a}": Redirect(f"/{b}") for a, b in (("catalog", "r1"), ("r1", "r2"), ("r2", "r3"),
                                                  ("r3", "r4"))}, {}, r"more than 3 redirects"),
    "redirect to another host": lambda v2, url: (
        {"/catalog": Redirect(url.replace("127.0.0.1", "localhost") + "catalog")}, {},
        r"host localhost:\d+ is not one of the source's allowed hosts"),
    "redirect to a file": lambda v2, url: (
        {"/catalog": Redirect("file:///etc/passwd")}, {}, r"only http and https"),
    "paging loop": lambda v2, url: (
        {**v2, "/catalog": with_lines(v2["/catalog"], f"{_CATALOG} <{HYDRA}next> {_PAGE2}"),
         "/catalog?page=2": with_lines(b"", f"{_PAGE2} <{HYDRA}next> {_CATALOG}")}, {},
        r"paging loop: page 2 links back to page 1"),
    "too many pages": lambda v2, url: (  # the static source has 2 pages: it stays fine
        {**v2, "/catalog": with_lines(v2["/catalog"], f"{_CATALOG} <{HYDRA}next> {_PAGE2}"),
         "/catalog?page=2": with_lines(b"", f"{_PAGE2} <{HYDRA}next> <{OWN_BASE}catalog?page=3>"),
         "/catalog?page=3": with_lines(b"", f"<{OWN_BASE}catalog?page=3> a <{HYDRA}Collection>")},
        {"max_pages": 2}, r"more than 2 catalogue pages \(harvest\.max_pages\)"),
    "a page repeating another": lambda v2, url: (
        {**v2, "/catalog": with_lines(v2["/catalog"], f"{_CATALOG} <{HYDRA}next> {_PAGE2}"),
         "/catalog?page=2": with_lines(v2["/catalog"], f"{_CATALOG} <{HYDRA}next> {_PAGE2}")},
        {}, r"paging loop: page 2 \(.*\?page=2\) repeats page 1"),
    "no catalogue": lambda v2, url: (
        {"/catalog": with_lines(b"", f"{_CATALOG} <{HYDRA}totalItems> 0")}, {},
        r"no dcat:Catalog with a dcat:dataset"),
    "thin description": lambda v2, url: (
        {**v2, "/catalog": without_triples(v2["/catalog"], f"{OWN_BASE}dataset/{SMALL}",
                                           "http://purl.org/dc/terms/description")}, {},
        r"catalogue: 1 violation\(s\) in .*/dataset/city-0001's description: .*description"),
    "short listing": lambda v2, url: (
        {**v2, "/catalog": with_lines(v2["/catalog"], f"{_CATALOG} <{HYDRA}totalItems> 5")}, {},
        r"the pages list 2 dataset\(s\) but hydra:totalItems says 5"),
    "not RDF": lambda v2, url: (
        {"/catalog": File(b"<html>hello</html>", "text/html")}, {},
        r"not an RDF catalogue \(Content-Type text/html\)"),
    "no dump to harvest": lambda v2, url: (
        {**v2, "/catalog": without_distributions(v2["/catalog"], "nq", "trig")}, {},
        r"no N-Quads or TriG distribution to harvest \(offered: .*text/turtle"),
    "wrong checksum": lambda v2, url: (
        {**v2, NQ: v2[NQ].replace(b"fittizia", b"FITTIZIA", 1)}, {},
        r"wrong checksum: sha256 [0-9a-f]{64}, but the catalogue says"),
    "wrong size": lambda v2, url: (
        {**v2, NQ: v2[NQ] + b"\n"}, {},
        rf"{len(v2[NQ]) + 1:,} bytes downloaded, but the catalogue says dcat:byteSize "
        rf"{len(v2[NQ]):,}"),
    "truncated download": lambda v2, url: ({**v2, NQ: Truncated(v2[NQ])}, {}, r"cut short"),
    "invalid RDF": lambda v2, url: (
        changed_dump(v2, b"this is not N-Quads\n"), {}, r"invalid application/n-quads"),
    "truncated RDF": lambda v2, url: (
        changed_dump(v2, cut(v2[NQ])), {}, r"invalid application/n-quads"),
    "shape violation": lambda v2, url: (
        changed_dump(v2, untyped(v2[NQ])), {},
        r"1 SHACL violation\(s\): .*typed smp:Masterplan, l0:Description"),
    "triples about another city": lambda v2, url: (
        changed_dump(v2, v2[NQ] + _HIJACK.encode()), {},
        r"1 triple\(s\) about things outside its namespace .*/id/city-0001/, "
        r"e\.g\. <.*/id/demo-city/masterplan>"),
    "file over max_bytes": lambda v2, url: (
        {**v2}, {"max_bytes": len(v2[NQ]) - 1}, r"announces [\d,]+ bytes, " + _TOO_BIG),
    "streamed file over max_bytes": lambda v2, url: (
        {**v2, NQ: Unsized(v2[NQ])}, {"max_bytes": len(v2[NQ]) - 1},
        r"sent more than [\d,]+ bytes, " + _TOO_BIG),
}  # fmt: skip


def answers(files: dict) -> dict:
    return {
        path: body if callable(body) else routes({path: body})[path] for path, body in files.items()
    }


@pytest.mark.parametrize("fault", list(CASES))
def test_a_fault_keeps_the_last_good_version_and_says_why(
    fault, agg, pair, faults, small_site
) -> None:
    files, settings, reason = CASES[fault](small_site["v2"], faults.url)
    faults.serve(answers(files))
    before = (agg / f"dumps/{SMALL}.nq").read_bytes()
    report = run(configured(pair, **settings), agg)
    results = by_name(report)
    small = results["piccola"]
    assert small.status is Outcome.KEPT, small.line()
    assert re.search(reason, small.reason), small.reason
    assert small.line().startswith("piccola: kept: city-0001; last good version of ")
    assert results["statico"].status is Outcome.UNCHANGED  # the other city is untouched
    assert report.exit_code == 0
    assert (agg / f"dumps/{SMALL}.nq").read_bytes() == before
    assert title_of(agg, SMALL) != {V2_TITLE}
    state = json.loads((agg / "harvest/state.json").read_text())
    assert state["sources"]["piccola"]["error"] == small.reason


def test_shape_violations_are_published_as_a_report(agg, pair, faults, small_site) -> None:
    files, _settings, _reason = CASES["shape violation"](small_site["v2"], faults.url)
    faults.serve(answers(files))
    report = run(configured(pair), agg)
    iri = f"<{AGGREGATOR}harvest/{report.run_id}/piccola/refused/shacl>"
    assert ask(
        store_of(agg),
        f"""ASK {{ GRAPH <{AGGREGATOR}graph/harvest> {{
        {iri} <http://www.w3.org/ns/shacl#conforms> false ; <http://www.w3.org/ns/shacl#result> ?r .
        <{AGGREGATOR}harvest/{report.run_id}/piccola> <http://schema.org/error> ?why ;
            <http://schema.org/actionStatus> <http://schema.org/FailedActionStatus> }} }}""",
    )


def test_a_source_that_changes_is_harvested_again(agg, pair, faults, small_site) -> None:
    faults.serve(routes(small_site["v2"]))
    report = run(configured(pair), agg)
    assert by_name(report)["piccola"].status is Outcome.FRESH
    assert title_of(agg, SMALL) == {V2_TITLE}
    assert [path for _m, path, _s in faults.log] == ["/catalog", NQ]
    faults.serve(routes(small_site["v2"]))
    again = run(configured(pair), agg)
    assert by_name(again)["piccola"].status is Outcome.UNCHANGED
    assert faults.log == [("GET", "/catalog", 304)]  # an unchanged source costs one 304


def test_a_source_that_disappears_keeps_its_last_good_version(agg, pair) -> None:
    gone = [lodpub_source("piccola", f"http://127.0.0.1:{free_port()}/"), pair[1]]
    report = run(configured(gone), agg)
    small = by_name(report)["piccola"]
    assert small.status is Outcome.KEPT and "ConnectError" in small.reason
    assert report.exit_code == 0
    assert (
        title_of(agg, SMALL) and SMALL in json.loads((agg / "manifest.json").read_text())["cities"]
    )


def test_a_source_dropped_from_the_configuration_is_dropped(agg, pair) -> None:
    report = run(configured(pair[1:]), agg)
    assert report.exit_code == 0
    assert json.loads((agg / "manifest.json").read_text())["cities"] == [STATIC]


def test_two_sources_claiming_one_namespace(agg, pair, faults, small_site) -> None:
    """The source that published a namespace first keeps it, whatever the order."""
    copy = {"/copy" + path: body for path, body in small_site["v1"].items()}
    faults.serve(routes({**small_site["v1"], **copy}))
    copycat = lodpub_source("copione", faults.url + "copy/", OWN_BASE)
    report = run(configured([copycat, *pair]), agg)
    results = by_name(report)
    assert results["copione"].status is Outcome.FAILED
    assert (
        f"namespace {OWN_BASE}id/{SMALL}/ is owned by source 'piccola'" in results["copione"].reason
    )
    assert results["piccola"].status is Outcome.UNCHANGED
    assert report.exit_code == 3  # published, but one source has no version at all


def test_namespaces_go_to_the_first_claim_and_never_overlap() -> None:
    owners = Owners({}, {})
    assert owners.conflict("a", {"x": ("https://p.example/id/x/",)}) is None
    owners.grant("a", {"x": ("https://p.example/id/x/",)})
    assert "owned by source 'a'" in owners.conflict("b", {"y": ("https://p.example/id/x/",)})
    assert "owned by source 'a'" in owners.conflict("b", {"y": ("https://p.example/id/",)})
    assert "owned by source 'a'" in owners.conflict("b", {"y": ("https://p.example/id/x/y/",)})
    assert "city key 'x' is already taken" in owners.conflict("b", {"x": ("https://q.example/",)})
    assert owners.conflict("a", {"x": ("https://p.example/id/x/",)}) is None
    owners.release("a")
    assert owners.conflict("b", {"x": ("https://p.example/id/x/",)}) is None


@pytest.mark.parametrize(
    ("namespaces", "message"),
    [
        ((), "declares no namespace"),
        (("ftp://p.example/id/x/",), "is not an http(s) IRI ending in / or #"),
        (("https://p.example/id/x",), "is not an http(s) IRI ending in / or #"),
        ((AGGREGATOR,), "covers the aggregator's own IRIs"),
        (("https://osservatorio.example/",), "covers the aggregator's own IRIs"),
        ((AGGREGATOR + "graph/x/",), "covers the aggregator's own IRIs"),
        (("https://p.example/id/harvest/",), "cannot name a city after namespace"),
        (("https://p.example/id/Due_Parole/",), "cannot name a city after namespace"),
    ],
)
def test_unusable_namespaces_are_refused(namespaces, message) -> None:
    with pytest.raises(OwnershipError, match=re.escape(message)):
        city_key("https://p.example/dataset/x", namespaces, AGGREGATOR)
    assert city_key("d", (AGGREGATOR + "id/x/",), AGGREGATOR) == "x"


def test_an_aggregator_under_its_sources_base_is_refused(tmp_path, publishers) -> None:
    config = load_config(overrides={"base_iri": BASE, "harvest.sources": [
        lodpub_source("esempiopoli", publishers["demo-city"])]}, root=REPO_ROOT)  # fmt: skip
    report = run(config, tmp_path / "dist")
    (result,) = report.results
    assert result.status is Outcome.FAILED and report.exit_code == 1
    assert "is the aggregator's own dataset IRI: the aggregator needs a base_iri" in result.reason


# --- the command ----------------------------------------------------------------------------
# The project's folders, absolute: a configuration file outside the project still finds them.
PROJECT_FOLDERS = {f"{n}_dir": str(REPO_ROOT / n) for n in ("shapes", "ontology", "queries")}


def write_config(folder: Path, sources: list[dict], dist: Path | None = None, **settings) -> Path:
    import yaml

    document = {"base_iri": AGGREGATOR, "dist_dir": str(dist or folder / "dist"),
                "harvest": {"sources": sources}, **PROJECT_FOLDERS, **settings}  # fmt: skip
    path = folder / "osservatorio.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_command_prints_a_line_per_source_and_a_summary(agg, pair, faults, small_site) -> None:
    faults.serve(routes(small_site["v2"]))
    config = write_config(agg.parent, pair, agg)
    result = CliRunner().invoke(main, ["harvest", "--config", str(config), "--quiet"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["piccola: fresh: city-0001", "statico: unchanged: city-0002"]
    assert lines[2].startswith("harvest ") and "1 fresh, 1 unchanged; published " in lines[2]
    assert lines[2].endswith(f"triples in {agg}")  # the dist/ link, though the path resolves
    assert sorted(p.name for p in agg.parent.iterdir()) == [".dist.builds", "dist",
                                                            "osservatorio.yaml"]  # fmt: skip


def test_an_unreadable_state_stops_the_harvest(agg, pair) -> None:
    (agg / "harvest/state.json").write_text("{not json", encoding="utf-8")
    before = agg.resolve()
    config = write_config(agg.parent, pair, agg)
    result = CliRunner().invoke(main, ["harvest", "--config", str(config)])
    assert result.exit_code == 1
    assert "unreadable harvest state" in result.stderr and "nothing was published" in result.stderr
    assert agg.resolve() == before


def test_the_command_exits_1_when_nothing_can_be_published(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}/catalog"
    config = write_config(tmp_path, [])
    result = CliRunner().invoke(main, ["harvest", "--config", str(config), "--quiet", url])
    assert result.exit_code == 1, result.output
    assert "ConnectError" in result.stdout and "nothing could be published" in result.stdout
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([], "no sources: list them in harvest.sources or give catalogue URLs"),
        ([{"catalog": "ftp://example.org/catalog"}], "is not an absolute http(s) URL"),
        ([{"catalog": "http://example.org/", "nome": "x"}], "unknown key(s) nome"),
        ([{"catalog": "http://example.org/", "name": "Due Parole"}], "must be a slug"),
        ([{"catalog": "http://a.example/", "name": "x"},
          {"catalog": "http://b.example/", "name": "x"}],
         "two sources are named 'x'"),
        ([{"catalog": "http://a.example/", "url_map": ["x"]}], "url_map must map IRI prefixes"),
        ([{"catalog": "http://a.example/", "allowed_hosts": "a.example"}],
         "allowed_hosts must be a list"),
        ([{"catalog": "http://a.example/", "audit": "ftp://a.example/"}],
         "audit: 'ftp://a.example/' is not an absolute http(s) URL"),
    ],
)  # fmt: skip
def test_bad_sources_are_usage_errors(tmp_path, sources, message) -> None:
    result = CliRunner().invoke(main, ["harvest", "--config", str(write_config(tmp_path, sources))])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_sources_map_urls_and_allow_only_their_hosts() -> None:
    config = configured(
        [{"catalog": BASE + "catalog", "url_map": {BASE: "http://127.0.0.1:9/x/"}}],
    )
    (source,) = configured_sources(config, [BASE + "catalog", "https://other.example/catalog"])[:1]
    assert source.name == "w3id-org-smartcity-masterplan-catalog"
    assert source.real_url(BASE + "dumps/a.nq") == "http://127.0.0.1:9/x/dumps/a.nq"
    assert source.refusal("http://127.0.0.1:9/anything") is None
    assert "not one of the source's allowed hosts" in source.refusal("http://127.0.0.1:10/")
    assert "only http and https" in source.refusal("gopher://127.0.0.1:9/")
    sources = configured_sources(config, [BASE + "catalog", "https://other.example/catalog"])
    assert [s.name for s in sources] == ["w3id-org-smartcity-masterplan-catalog",
                                         "other-example-catalog"]  # fmt: skip
    with pytest.raises(SourceConfigError):
        configured_sources(configured([{"catalog": 3}]))


# --- serving the aggregate: SIGHUP, remote store ------------------------------------------
def health(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        return json.loads(response.read())["build"]


def test_a_running_server_picks_up_a_new_harvest_on_sighup(agg, pair, faults, small_site) -> None:
    folder, port = agg.parent, free_port()
    config = write_config(folder, pair, agg, server={"port": port})
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "serve", "--config", str(config), "--workers", "1"],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/health", process, "lodpub serve", 60)
        assert health(port) == json.loads((agg / "manifest.json").read_text())["build_id"]
        faults.serve(routes(small_site["v2"]))
        harvested = CliRunner().invoke(main, ["harvest", "--config", str(config), "--quiet"])
        assert "piccola: fresh" in harvested.stdout
        rebuilt = json.loads((agg / "manifest.json").read_text())["build_id"]
        process.send_signal(signal.SIGHUP)
        query = f"SELECT ?t WHERE {{ ?m a <{PLAN_CLASS}> ; <http://purl.org/dc/terms/title> ?t }}"
        url = f"http://127.0.0.1:{port}/sparql?query={urllib.parse.quote(query)}"
        request = urllib.request.Request(url, headers={"Accept": "text/csv"})
        deadline = time.monotonic() + 30
        while True:  # the old worker may answer a last request or two while it stops
            with urllib.request.urlopen(request, timeout=10) as reply:
                if V2_TITLE in reply.read().decode() and health(port) == rebuilt:
                    break
            assert time.monotonic() < deadline, (folder / "serve.log").read_text()[-2000:]
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_the_aggregate_on_a_remote_store(aggregate, tmp_path) -> None:
    from publisher.load import load
    from publisher.store.remote import RemoteStore

    dist, _report = aggregate
    port = free_port()
    process = start_oxigraph(tmp_path / "oxigraph", port)
    try:
        load(dist, f"http://127.0.0.1:{port}/store", AGGREGATOR)
        config = load_config(
            overrides={"base_iri": AGGREGATOR, "dist_dir": str(dist)}, root=REPO_ROOT
        )
        store = RemoteStore.from_config(config, f"http://127.0.0.1:{port}/query")
        client = create_app(config, store=store).test_client()
        reply = client.get("/queries/cities-compared", query_string={"format": "csv"})
        assert reply.status_code == 200
        keys = [line.split(",")[0] for line in reply.get_data(as_text=True).splitlines()[1:]]
        assert keys == ["city-0002", "demo-city", "second-city"]
        graphs = set(store.graphs())
        assert f"{AGGREGATOR}graph/harvest" in graphs and f"{AGGREGATOR}graph/{STATIC}" in graphs
        compared = client.get("/compare", headers={"Accept": "application/json"}).get_json()
        assert compared["cities"] == ["city-0002", "demo-city", "second-city"]
        per_city = next(q for q in compared["questions"] if q["id"] == "cities-compared")
        assert [row["city_key"] for row in per_city["rows"]] == compared["cities"]
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- resource pages on the aggregator say where the data came from -----------------------
OWN_CITY = "city-0003"  # a city that took the aggregator's base for its IRIs
ELSEWHERE = "https://comune3.example/"  # fictional: where its catalogue's own IRIs live


def test_resource_pages_show_the_city_publisher_harvest_time_and_document(tmp_path) -> None:
    """A city minting its IRIs under the aggregator's base (a static site whose catalogue
    and datasets have IRIs of their own): its pages on the aggregator resolve, and each says
    where its data came from; a page of an unharvested build says nothing of the kind."""
    write_generated_city(tmp_path / "data", 3)
    dist = build_city(tmp_path / "data", tmp_path / "city" / "dist", AGGREGATOR)
    server = FaultServer()
    try:
        catalog = (dist / "catalog.ttl").read_bytes()
        static_site(catalog, dist / "dumps", tmp_path / "site", AGGREGATOR, server.url, OWN_CITY)
        files = {f"/{p.relative_to(tmp_path / 'site')}": p.read_bytes()
                 for p in (tmp_path / "site").rglob("*") if p.is_file()}  # fmt: skip
        for path in ("/catalog.ttl", "/catalog-2.ttl"):  # the catalogue's IRIs are its own
            for kind in ("dataset/", "catalog"):
                files[path] = files[path].replace(f"{AGGREGATOR}{kind}".encode(),
                                                  f"{ELSEWHERE}{kind}".encode())  # fmt: skip
        server.serve(routes(files))
        sources = [{"name": "comune3", "catalog": server.url + "catalog.ttl"}]
        report = run(configured(sources), tmp_path / "agg" / "dist")
    finally:
        server.close()
    assert by_name(report)["comune3"].status is Outcome.FRESH, report.summary()
    config = load_config(
        overrides={"dist_dir": str(tmp_path / "agg" / "dist"), "base_iri": AGGREGATOR},
        root=REPO_ROOT,
    )
    client = create_app(config).test_client()
    page = client.get(f"/id/{OWN_CITY}/masterplan?lang=en", headers={"Accept": "text/html"},
                      follow_redirects=True)
    assert page.status_code == 200, page.get_data(as_text=True).split("<main")[1][:1500]
    text = page.get_data(as_text=True)
    origin = text.split('<section class="origin"', 1)[1].split("</section>", 1)[0]
    assert "Where these data come from" in origin
    assert f'<a href="/id/{OWN_CITY}/masterplan?lang=en">{OWN_CITY}</a>' in origin
    assert f'href="{server.url}dumps/{OWN_CITY}.trig"' in origin  # the original document
    assert f'href="{ELSEWHERE}dataset/{OWN_CITY}"' in origin  # the original dataset
    assert "Original publisher" in origin and "UTC</time>" in origin
    action = client.get(f"/id/{OWN_CITY}/action/a01", headers={"Accept": "text/html"},
                        follow_redirects=True)
    assert "Da dove vengono questi dati" in action.get_data(as_text=True)
    built = create_app(load_config(overrides={"dist_dir": str(dist), "base_iri": AGGREGATOR},
                                   root=REPO_ROOT)).test_client()  # fmt: skip
    plain = built.get(f"/id/{OWN_CITY}/masterplan", headers={"Accept": "text/html"},
                      follow_redirects=True)
    assert plain.status_code == 200 and 'class="origin"' not in plain.get_data(as_text=True)


# --- the aggregator audits its sources' publishers ----------------------------------------
def test_the_aggregator_publishes_each_audited_source_as_earl(publishers, static_server, tmp_path):
    from publisher.harvest.auditing import auditor

    sources = [lodpub_source("esempiopoli", publishers["demo-city"])
               | {"audit": publishers["demo-city"]},
               {"name": "statico", "catalog": static_server + "catalog.ttl",
                "audit": static_server}]  # fmt: skip
    config = configured(sources)
    dist = tmp_path / "dist"
    report = harvest(config, dist, configured_sources(config), auditor=auditor(config))
    results = by_name(report)
    assert results["esempiopoli"].line().endswith("; audit: conforms")
    assert results["statico"].status is Outcome.FRESH  # an audit never stops a harvest
    assert "; audit: does not conform (void, sparql-protocol" in results["statico"].line()
    earl = "http://www.w3.org/ns/earl#"
    rows = store_of(dist).query(f"""SELECT ?subject ?test ?outcome WHERE {{
        GRAPH <{AGGREGATOR}graph/harvest> {{
          ?a a <{earl}Assertion> ; <{earl}subject> ?subject ; <{earl}test> ?test ;
             <{earl}result> [ <{earl}outcome> ?outcome ] ;
             <http://www.w3.org/ns/prov#wasGeneratedBy> ?activity .
          ?activity <http://www.w3.org/ns/prov#used> ?catalogue }} }}""")
    found = {(r["subject"].value, r["test"].value.rsplit("/", 1)[-1]): r["outcome"].value
             for r in rows}  # fmt: skip
    assert found[(publishers["demo-city"], "catalogue")] == earl + "passed"
    assert found[(static_server, "void")] == earl + "failed"
    assert found[(static_server, "catalogue")] == earl + "passed"  # its catalogue is fine
    written = json.loads((dist / "harvest" / "report.json").read_text())
    audits = {source["name"]: source["audit"] for source in written["sources"]}
    assert audits["esempiopoli"]["verdict"] == "conforms"
    assert audits["statico"]["checks"]["void"] == "failed"


# --- url_map both ways: a lodpub publisher whose catalogue prints its real URLs -----------
def test_a_publisher_under_its_own_real_base_needs_no_map(tmp_path) -> None:
    """The other way round from the shared base: a city that sets its real address as its
    base_iri prints download URLs that resolve, and is harvested with no url_map."""
    port = free_port()
    real = f"http://127.0.0.1:{port}/"
    write_generated_city(tmp_path / "data", 4)
    dist = build_city(tmp_path / "data", tmp_path / "city" / "dist", real)
    config = load_config(overrides={"dist_dir": str(dist), "base_iri": real}, root=REPO_ROOT)
    with running(create_app(config), port):
        report = run(configured([{"name": "reale", "catalog": real + "catalog"}]),
                     tmp_path / "agg" / "dist")  # fmt: skip
    result = by_name(report)["reale"]
    assert result.status is Outcome.FRESH, result.line()
    assert result.source.url_map == ()
    assert result.cities["city-0004"].state.download == f"{real}dumps/city-0004.nq"
    assert result.cities["city-0004"].state.namespaces == [f"{real}id/city-0004/"]


def test_a_publisher_that_prints_its_real_urls_needs_no_map(tmp_path) -> None:
    """The shared base, and ``server.public_url`` its real address: the build prints the
    download URLs under it (the identifiers stay under the base), so the aggregator reads
    it with no url_map."""
    from publisher.build import build

    port = free_port()
    real = f"http://127.0.0.1:{port}/"
    write_generated_city(tmp_path / "data", 5)
    dist = tmp_path / "city" / "dist"
    config = load_config(overrides={"dist_dir": str(dist), "server.public_url": real},
                         root=REPO_ROOT)  # fmt: skip
    build(config, data_dir=tmp_path / "data", dist=dist)
    with running(create_app(config), port):
        report = run(configured([{"name": "pubblico", "catalog": real + "catalog"}]),
                     tmp_path / "agg" / "dist")  # fmt: skip
    result = by_name(report)["pubblico"]
    assert result.status is Outcome.FRESH, result.line()
    assert result.source.url_map == ()
    assert result.cities["city-0005"].state.download == f"{real}dumps/city-0005.nq"
    assert result.cities["city-0005"].state.namespaces == [f"{BASE}id/city-0005/"]
    assert result.catalogue and result.catalogue.catalog == BASE + "catalog"
