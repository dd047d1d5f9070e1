"""The self-description over real HTTP on real builds: VoID, DCAT-AP_IT catalogue, dumps,
JSON-LD context (VoID, DCAT-AP_IT, SPARQL 1.1 Service Description, JSON-LD 1.1, RFC 9110
§13 and RFC 9111; docs/self-description.md).

Two builds, each once per session and served by a real threaded werkzeug server: the
fictional demo cities (``examples/``) and La Spezia (``data/``). VoID numbers are checked
against ``COUNT`` queries sent to ``/sparql`` with SPARQLWrapper, written here
independently of ``publisher/web/about/void.py``; the catalogue against the project's DCAT-AP_IT
shapes; every ``dcat:downloadURL`` is downloaded and checked against what the catalogue
says about it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef, namespace
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, SPARQLWrapper
from werkzeug.http import parse_options_header
from werkzeug.serving import make_server

from publisher.build import build
from publisher.catalog import IANA
from publisher.config import load_config
from publisher.namespaces import SPDX
from publisher.validate import check, load_shapes
from publisher.web.about import routes as about
from publisher.web.app import create_app
from publisher.web.memo import Memo

BACKENDS = ["embedded", "oxigraph", "virtuoso"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """Every test here runs on the embedded store, Oxigraph server and Virtuoso."""
    return request.param

ROOT = Path(__file__).resolve().parents[1]
# Plain Namespaces: rdflib's DefinedNamespaces warn when pytest probes module attributes.
DCAT, DCTERMS, RDF, RDFS, VOID, XSD = (
    Namespace(str(ns))
    for ns in (
        namespace.DCAT,
        namespace.DCTERMS,
        namespace.RDF,
        namespace.RDFS,
        namespace.VOID,
        namespace.XSD,
    )
)
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
DATASET_TYPES = ("application/trig", "application/n-quads")

CATALOG = "%sgraph/catalog"
VOID_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples")


# --- fixtures ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Site:
    """A real build served over HTTP."""

    name: str
    url: str  # http://127.0.0.1:<port>, no trailing slash
    dist: Path
    base: str
    manifest: dict

    def local(self, iri: str) -> str:
        """A canonical IRI of ours, as a path on the local server."""
        assert iri.startswith(self.base), iri
        return "/" + iri[len(self.base) :]


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()


def fetch(site: Site, method: str, path: str, headers: dict[str, str] | None = None) -> Reply:
    """One request with exactly this path (no normalisation, unlike urllib/requests)."""
    address = urlsplit(site.url)
    connection = HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def _serve(dist: Path) -> tuple[str, object, threading.Thread]:
    config = load_config(overrides={"dist_dir": str(dist)}, root=ROOT)
    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"meta-{dist.name}", daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server, thread


def _site(name: str, data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    dist = tmp_path_factory.mktemp(f"meta-{name}") / "dist"
    config = load_config(root=ROOT)
    build(config, data_dir=data, dist=dist)
    url, server, thread = _serve(dist)
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    try:
        yield Site(name, url, dist, config.base_iri, manifest)
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        thread.join(timeout=10)
        server.server_close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _site("demo", ROOT / "examples", tmp_path_factory)


@pytest.fixture(scope="session")
def laspezia_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _site("laspezia", ROOT / "data", tmp_path_factory)


@pytest.fixture(scope="session", params=["demo", "laspezia"])
def site(request: pytest.FixtureRequest) -> Site:
    return request.getfixturevalue(f"{request.param}_site")


def get_graph(site: Site, path: str, accept: str = "text/turtle") -> Graph:
    reply = fetch(site, "GET", path, {"Accept": accept})
    assert reply.status == 200, reply.body[:300]
    assert reply.media_type == accept
    return Graph().parse(data=reply.body, format=RDFLIB_FORMATS[accept])


@pytest.fixture(scope="session")
def void_of():
    cache: dict[str, Graph] = {}

    def get(site: Site) -> Graph:
        if site.name not in cache:
            cache[site.name] = get_graph(site, "/.well-known/void")
        return cache[site.name]

    return get


@pytest.fixture(scope="session")
def catalog_of():
    cache: dict[str, Graph] = {}

    def get(site: Site) -> Graph:
        if site.name not in cache:
            cache[site.name] = get_graph(site, "/catalog")
        return cache[site.name]

    return get


def sparql(site: Site, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT sent to /sparql with SPARQLWrapper, values as strings."""
    client = SPARQLWrapper(site.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    return [{k: v["value"] for k, v in row.items()} for row in result["results"]["bindings"]]


def count(site: Site, query: str) -> int:
    (row,) = sparql(site, query)
    return int(row["n"])


def over(template: str, pattern: str, graph: str | None) -> str:
    """``template`` with ``$P`` replaced by ``pattern``, inside ``GRAPH <graph>`` if given."""
    return template.replace("$P", pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}")


def number(graph: Graph, node, prop) -> int:
    value = graph.value(node, prop)
    assert value is not None, f"{node} has no {prop}"
    return int(value)


def datasets(site: Site, void: Graph) -> list[tuple[URIRef, str | None]]:
    """(VoID dataset, the graph its counts are over: None for the union) for all of them."""
    top = URIRef(site.base + "dataset")
    found = [(top, None)]
    for subset in sorted(void.objects(top, VOID.subset)):
        city = str(subset).rsplit("/", 1)[-1]
        found.append((subset, f"{site.base}graph/{city}"))
    return found


# --- VoID: numbers ----------------------------------------------------------------------
SUMMARY_QUERIES = {
    VOID.triples: "SELECT (COUNT(*) AS ?n) WHERE { $P }",
    VOID.entities: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { $P FILTER(isIRI(?s)) }",
    VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { $P }",
    VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { $P }",
    VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { $P }",
}
CLASSES = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { $P }"
CLASS_ENTITIES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { $P FILTER(isIRI(?s)) } GROUP BY ?c"
CLASS_INSTANCES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { $P FILTER(isIRI(?c)) } GROUP BY ?c"
PROPERTIES = """SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?ns) (COUNT(DISTINCT ?o) AS ?no)
WHERE { $P } GROUP BY ?p"""
TERMS = "SELECT DISTINCT ?t WHERE { $P FILTER(isIRI(?t)) }"


def test_void_counts_equal_sparql_counts(site, void_of):
    void = void_of(site)
    described = datasets(site, void)
    assert len(described) == 1 + len(site.manifest["cities"])
    for dataset, graph in described:
        for prop, query in SUMMARY_QUERIES.items():
            expected = count(site, over(query, "?s ?p ?o", graph))
            assert number(void, dataset, prop) == expected, (dataset, prop)
        classes = count(site, over(CLASSES, "?s a ?c", graph))
        assert number(void, dataset, VOID.classes) == classes, dataset
    top = described[0][0]
    assert number(void, top, VOID.triples) > max(
        number(void, subset, VOID.triples) for subset, _ in described[1:]
    )


def test_void_top_triples_equal_the_service_description(site, void_of):
    sd = get_graph(site, "/sparql")
    (default_graph,) = sd.objects(
        None, URIRef("http://www.w3.org/ns/sparql-service-description#defaultGraph")
    )
    assert number(void_of(site), URIRef(site.base + "dataset"), VOID.triples) == number(
        sd, default_graph, VOID.triples
    )


def test_void_subsets_are_the_city_graphs_and_catalogue_datasets(site, void_of, catalog_of):
    void = void_of(site)
    subsets = set(void.objects(URIRef(site.base + "dataset"), VOID.subset))
    catalog = catalog_of(site)
    top = URIRef(site.base + "dataset")  # VoID's top dataset is the catalogue's all-cities one
    assert set(catalog.objects(None, DCAT.dataset)) == subsets | {top}
    assert subsets == set(catalog.objects(top, DCTERMS.hasPart))
    graphs = {row["g"] for row in sparql(site, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")}
    cities = {g for g in graphs if not g.endswith(("graph/vocabulary", "graph/catalog"))}
    assert {f"{site.base}graph/{str(s).rsplit('/', 1)[-1]}" for s in subsets} == cities
    assert {str(s).rsplit("/", 1)[-1] for s in subsets} == set(site.manifest["cities"])


def test_class_partitions_equal_sparql_counts(site, void_of):
    void = void_of(site)
    for dataset, graph in datasets(site, void):
        partitions = {
            void.value(p, VOID["class"]): p for p in void.objects(dataset, VOID.classPartition)
        }
        entities = {
            row["c"]: int(row["n"]) for row in sparql(site, over(CLASS_ENTITIES, "?s a ?c", graph))
        }
        instances = {
            row["c"]: int(row["n"]) for row in sparql(site, over(CLASS_INSTANCES, "?s a ?c", graph))
        }
        assert {str(c) for c in partitions} == set(instances), dataset
        assert len(partitions) > 3
        for cls, part in partitions.items():
            assert number(void, part, VOID.entities) == entities.get(str(cls), 0), (dataset, cls)
            assert number(void, part, VOID.distinctSubjects) == instances[str(cls)]


def test_property_partitions_equal_sparql_counts(site, void_of):
    void = void_of(site)
    for dataset, graph in datasets(site, void):
        partitions = {
            void.value(p, VOID.property): p for p in void.objects(dataset, VOID.propertyPartition)
        }
        rows = sparql(site, over(PROPERTIES, "?s ?p ?o", graph))
        expected = {row["p"]: row for row in rows}
        assert {str(p) for p in partitions} == set(expected), dataset
        for prop, part in partitions.items():
            row = expected[str(prop)]
            assert number(void, part, VOID.triples) == int(row["n"]), (dataset, prop)
            assert number(void, part, VOID.distinctSubjects) == int(row["ns"])
            assert number(void, part, VOID.distinctObjects) == int(row["no"])
        assert sum(number(void, p, VOID.triples) for p in partitions.values()) == number(
            void, dataset, VOID.triples
        )


def test_void_vocabularies_are_exactly_the_namespaces_used(site, void_of):
    void = void_of(site)
    for dataset, graph in datasets(site, void):
        vocabularies = {str(v) for v in void.objects(dataset, VOID.vocabulary)}
        terms = {
            row["t"]
            for pattern in ("?s ?t ?o", "?s a ?t")  # predicates, classes
            for row in sparql(site, over(TERMS, pattern, graph))
        }
        assert terms
        for term in terms:
            assert any(term.startswith(v) for v in vocabularies), (dataset, term)
        for vocabulary in vocabularies:
            assert any(t.startswith(vocabulary) for t in terms), (dataset, vocabulary)
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#" in vocabularies


# --- VoID: what it links to -------------------------------------------------------------
def test_void_describes_endpoint_dumps_uri_spaces_and_examples(site, void_of):
    void = void_of(site)
    top = URIRef(site.base + "dataset")
    document = URIRef(site.base + ".well-known/void")
    assert (document, RDF.type, VOID.DatasetDescription) in void
    assert void.value(document, URIRef("http://xmlns.com/foaf/0.1/primaryTopic")) == top
    assert void.value(top, VOID.uriSpace) == Literal(site.base)
    assert void.value(top, DCTERMS.license) is not None
    modified = void.value(top, DCTERMS.modified).toPython()
    assert modified.isoformat().replace("+00:00", "Z") == site.manifest["built_at"]
    dumps = {f.split("/", 1)[1] for f in site.manifest["files"] if f.startswith("dumps/")}
    advertised = set()
    for dataset, _ in datasets(site, void):
        assert (dataset, RDF.type, VOID.Dataset) in void
        assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(site.base + "sparql")
        assert URIRef("http://www.w3.org/ns/formats/Turtle") in set(
            void.objects(dataset, VOID.feature)
        )
        for dump in void.objects(dataset, VOID.dataDump):
            advertised.add(str(dump).rsplit("/", 1)[-1])
            reply = fetch(site, "HEAD", site.local(str(dump)))
            assert reply.status == 200, dump
        if dataset == top:
            assert {str(d).rsplit("/", 1)[-1] for d in void.objects(top, VOID.dataDump)} == {
                "all.trig",
                "all.nq",
            }
            continue
        city = str(dataset).rsplit("/", 1)[-1]
        assert void.value(dataset, VOID.uriSpace) == Literal(f"{site.base}id/{city}/")
        example = URIRef(f"{site.base}id/{city}/masterplan")
        assert void.value(dataset, VOID.exampleResource) == example
        assert (top, VOID.exampleResource, example) in void
        query = over("SELECT ?t WHERE { $P }", f"<{example}> a ?t", f"{site.base}graph/{city}")
        assert sparql(site, query), f"{example} is not in its city's graph"
        assert len(list(void.objects(dataset, VOID.dataDump))) == 5
    assert advertised == dumps


def test_void_iris_are_canonical_whatever_the_host(site, void_of):
    terms = {str(t) for triple in void_of(site) for t in triple if isinstance(t, URIRef)}
    assert not [t for t in terms if t.startswith(("http://127.0.0.1", "http://localhost"))]
    assert sum(t.startswith(site.base) for t in terms) > 10


@pytest.mark.parametrize("accept", VOID_TYPES)
def test_void_parses_in_every_format(demo_site, void_of, accept):
    graph = get_graph(demo_site, "/.well-known/void", accept)
    assert isomorphic(graph, void_of(demo_site))


@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog"])
def test_negotiation_turtle_by_default_html_for_browsers_406_otherwise(demo_site, path):
    reply = fetch(demo_site, "GET", path, {"Accept": "*/*"})
    assert (reply.status, reply.media_type) == (200, "text/turtle")
    assert "Accept" in (reply.headers.get("Vary") or "")
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert 'rel="alternate"; type="application/ld+json"' in reply.headers["Link"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    html = fetch(demo_site, "GET", path, {"Accept": browser, "Accept-Language": "en"})
    assert (html.status, html.media_type) == (200, "text/html")
    assert html.headers["Content-Language"] == "en"
    assert b'<link rel="alternate" type="text/turtle"' in html.body
    assert html.headers["ETag"] != reply.headers["ETag"]
    assert fetch(demo_site, "GET", path, {"Accept": "image/png"}).status == 406
    assert fetch(demo_site, "GET", path + "?format=nt").media_type == "application/n-triples"


def test_void_html_shows_the_counts(site, void_of):
    reply = fetch(site, "GET", "/.well-known/void", {"Accept": "text/html"})
    assert reply.status == 200
    page = reply.body.decode("utf-8")
    void = void_of(site)
    for dataset, _ in datasets(site, void):
        assert f"<td>{number(void, dataset, VOID.triples)}</td>" in page
        assert str(dataset) in page
    assert 'href="/dumps/all.trig"' in page


def test_void_and_catalogue_are_conditional(demo_site):
    for path in ("/.well-known/void", "/catalog"):
        first = fetch(demo_site, "GET", path, {"Accept": "text/turtle"})
        conditional = {"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}
        again = fetch(demo_site, "GET", path, conditional)
        assert (again.status, again.body) == (304, b"")
        assert again.headers["ETag"] == first.headers["ETag"]


def test_void_is_computed_once_per_data_version(demo_site, monkeypatch):
    fetch(demo_site, "GET", "/.well-known/void", {"Accept": "text/turtle"})
    calls: list[tuple] = []
    monkeypatch.setattr(about, "statistics_description", lambda *args: calls.append(args))
    for accept in ("text/turtle", "application/ld+json", "text/html"):
        assert fetch(demo_site, "GET", "/.well-known/void", {"Accept": accept}).status == 200
    assert calls == []


def test_version_cache_computes_once_per_key():
    cache = Memo(size=2)
    calls: list[str] = []
    for key in ("v1", "v1", "v2", "v1"):
        assert cache.get((key,), lambda k=key: calls.append(k) or k.upper()) == key.upper()
    assert calls == ["v1", "v2"]


# --- catalogue --------------------------------------------------------------------------
def test_catalogue_passes_the_dcat_ap_it_shapes(site, catalog_of):
    graph = catalog_of(site)
    catalog = URIRef(site.base + "catalog")
    assert (catalog, RDF.type, URIRef("http://dati.gov.it/onto/dcatapit#Catalog")) in graph
    # one dataset per city, plus every city together (the all.trig / all.nq dumps)
    assert len(list(graph.objects(catalog, DCAT.dataset))) == len(site.manifest["cities"]) + 1
    violations = [p for p in check(graph, load_shapes(ROOT / "shapes")) if p.is_violation]
    assert violations == []


def integers_normalised(graph: Graph) -> Graph:
    """The graph with every integer-derived literal as ``xsd:integer``, as pyoxigraph stores
    it (oxigraph/oxigraph#526): ``"5"^^xsd:nonNegativeInteger`` → ``"5"^^xsd:integer``."""
    result = Graph()
    for s, p, o in graph:
        value = o.toPython() if isinstance(o, Literal) else None
        if isinstance(value, int) and not isinstance(value, bool):
            o = Literal(int(o), datatype=XSD.integer)
        result.add((s, p, o))
    return result


def without_paging(graph: Graph) -> Graph:
    """The catalogue page without its Hydra paging node (test_catalog_paging.py's)."""
    hydra = "http://www.w3.org/ns/hydra/core#"
    pages = {s for s, p, o in graph if str(p).startswith(hydra) or str(o).startswith(hydra)}
    result = Graph()
    for triple in graph:
        if triple[0] not in pages:
            result.add(triple)
    return result


def test_catalogue_is_the_published_file_and_the_catalogue_graph(site, catalog_of):
    served = without_paging(catalog_of(site))
    assert len(served) > 50
    assert isomorphic(served, Graph().parse(site.dist / "catalog.ttl"))
    client = SPARQLWrapper(site.url + "/sparql")
    client.setQuery(over("CONSTRUCT { ?s ?p ?o } WHERE { $P }", "?s ?p ?o", CATALOG % site.base))
    client.setReturnFormat("turtle")
    from_endpoint = Graph().parse(data=client.query().convert(), format="turtle")
    assert isomorphic(integers_normalised(served), from_endpoint)


@pytest.mark.parametrize("accept", VOID_TYPES[1:])
def test_catalogue_parses_in_every_format(demo_site, catalog_of, accept):
    assert isomorphic(get_graph(demo_site, "/catalog", accept), catalog_of(demo_site))


def test_catalogue_html_lists_datasets_distributions_and_service(site, catalog_of):
    reply = fetch(site, "GET", "/catalog", {"Accept": "text/html", "Accept-Language": "it"})
    assert reply.status == 200
    page = reply.body.decode("utf-8")
    graph = catalog_of(site)
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        url = str(graph.value(distribution, DCAT.downloadURL))
        assert f'href="{site.local(url)}"' in page
        assert str(graph.value(distribution, DCAT.byteSize)) in page
    for name in site.manifest["files"]:
        if name.startswith("dumps/"):
            assert f'href="/{name}"' in page
    assert f"<code>{site.base}sparql</code>" in page


def test_every_download_url_is_what_the_catalogue_says(site, catalog_of):
    graph = catalog_of(site)
    distributions = list(graph.subjects(RDF.type, DCAT.Distribution))
    # five formats per city, plus all.trig and all.nq
    assert len(distributions) == 5 * len(site.manifest["cities"]) + 2
    for distribution in distributions:
        url = str(graph.value(distribution, DCAT.downloadURL))
        reply = fetch(site, "GET", site.local(url))
        assert reply.status == 200, url
        media = str(graph.value(distribution, DCAT.mediaType))
        assert reply.media_type == media.removeprefix(IANA), url
        size = int(graph.value(distribution, DCAT.byteSize))
        assert int(reply.headers["Content-Length"]) == size == len(reply.body)
        checksum = graph.value(graph.value(distribution, SPDX.checksum), SPDX.checksumValue)
        assert hashlib.sha256(reply.body).hexdigest() == str(checksum)
        assert reply.headers["ETag"] == f'"{checksum}"'
        assert "Accept" not in (reply.headers.get("Vary") or "")
        parsed = (Dataset() if reply.media_type in DATASET_TYPES else Graph()).parse(
            data=reply.body, format=RDFLIB_FORMATS[reply.media_type]
        )
        assert len(parsed) > 0


def test_union_dumps_match_the_manifest(site):
    for name in ("all.trig", "all.nq"):
        entry = site.manifest["files"][f"dumps/{name}"]
        reply = fetch(site, "GET", f"/dumps/{name}")
        assert reply.status == 200
        assert reply.media_type == entry["media_type"]
        assert hashlib.sha256(reply.body).hexdigest() == entry["sha256"]
        dataset = Dataset().parse(data=reply.body, format=RDFLIB_FORMATS[reply.media_type])
        assert len(list(dataset.graphs())) > len(site.manifest["cities"])


# --- dumps: HTTP ------------------------------------------------------------------------
def test_dump_head_and_conditional_requests(demo_site):
    path = "/dumps/demo-city.ttl"
    entry = demo_site.manifest["files"]["dumps/demo-city.ttl"]
    head = fetch(demo_site, "HEAD", path)
    assert (head.status, head.body) == (200, b"")
    assert int(head.headers["Content-Length"]) == entry["bytes"]
    assert head.headers["ETag"] == f'"{entry["sha256"]}"'
    assert head.headers["Cache-Control"].startswith("public, max-age=")
    assert head.headers["Last-Modified"]
    disposition, options = parse_options_header(head.headers["Content-Disposition"])
    assert (disposition, options["filename"]) == ("inline", "demo-city.ttl")
    for conditions in (
        {"If-None-Match": head.headers["ETag"]},
        {"If-None-Match": f'"other", W/{head.headers["ETag"]}'},
        {"If-Modified-Since": head.headers["Last-Modified"]},
    ):
        reply = fetch(demo_site, "GET", path, conditions)
        assert (reply.status, reply.body) == (304, b""), conditions
        assert reply.headers["ETag"] == head.headers["ETag"]
    assert fetch(demo_site, "GET", path, {"If-None-Match": '"stale"'}).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../manifest.json",
        "/dumps/%2e%2e/manifest.json",
        "/dumps/..%2Fmanifest.json",
        "/dumps/%2E%2E%2Fmanifest.json",
        "/dumps/nope.ttl",
        "/dumps/",
        "/dumps//etc/passwd",
        "/dumps/%2Fetc%2Fpasswd",
        "/dumps/./demo-city.ttl",
        "/dumps/../dataset.nq",
        "/dumps/..%5Cmanifest.json",
        "/dumps/demo-city.ttl/",
    ],
)
def test_dump_path_tricks_are_404(demo_site, path):
    reply = fetch(demo_site, "GET", path)
    assert reply.status == 404
    assert b"build_id" not in reply.body and b"root:" not in reply.body
    assert reply.headers["Cache-Control"] == "no-store"


def test_unlisted_symlink_in_dumps_is_404(demo_site):
    link = demo_site.dist / "dumps" / "evil.ttl"
    link.symlink_to(demo_site.dist / "manifest.json")
    try:
        assert fetch(demo_site, "GET", "/dumps/evil.ttl").status == 404
    finally:
        link.unlink()


def test_listed_files_replaced_by_symlinks_are_404(demo_site, tmp_path):
    """Even names the manifest lists are refused once the file is a symbolic link: one to a
    copy inside dist/ (only O_NOFOLLOW stops it) and one to a copy outside dist/. (A build
    with such links is not even loaded: its files must match the manifest; here they are
    replaced after the load.)"""
    dist = tmp_path / "dist"
    shutil.copytree(demo_site.dist, dist, symlinks=False)
    config = load_config(overrides={"dist_dir": str(dist)}, root=ROOT)
    client = create_app(config).test_client()
    shutil.copyfile(demo_site.dist / "dumps/demo-city.ttl", dist / "inside.ttl")
    shutil.copyfile(demo_site.dist / "dumps/demo-city.trig", tmp_path / "outside.trig")
    for name in ("demo-city.ttl", "demo-city.trig"):
        (dist / "dumps" / name).unlink()
    os.symlink("../inside.ttl", dist / "dumps/demo-city.ttl")
    os.symlink(tmp_path / "outside.trig", dist / "dumps/demo-city.trig")
    assert client.get("/dumps/demo-city.nt").status_code == 200
    assert client.get("/dumps/demo-city.ttl").status_code == 404
    assert client.get("/dumps/demo-city.trig").status_code == 404


# --- context and the service description ------------------------------------------------
def test_jsonld_context_is_served_with_cors_and_long_caching(site):
    reply = fetch(site, "GET", "/context.jsonld", {"Origin": "https://example.org"})
    assert reply.status == 200
    assert reply.media_type == "application/ld+json"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    max_age = int(reply.headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 86400
    context = json.loads(reply.body)["@context"]
    assert context["dcat"] == str(DCAT)
    entry = site.manifest["files"]["context.jsonld"]
    assert reply.headers["ETag"] == f'"{entry["sha256"]}"'
    assert "Accept" not in (reply.headers.get("Vary") or "")


def test_service_description_links_to_void_and_catalogue_resolve(site):
    sd = get_graph(site, "/sparql")
    links = {str(o) for o in sd.objects(None, RDFS.seeAlso)}
    assert {site.url + "/.well-known/void", site.url + "/catalog"} <= links
    for link in links:
        assert link.startswith(site.url)
        reply = fetch(site, "GET", link[len(site.url) :], {"Accept": "text/turtle"})
        assert (reply.status, reply.media_type) == (200, "text/turtle"), link


# --- a dist without catalogue, dumps or context (conftest's fixture build) -------------
def test_minimal_dist_has_void_but_no_catalogue_dumps_or_context(http, fixture_facts):
    reply = http("GET", "/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status == 200
    void = Graph().parse(data=reply.body, format="turtle")
    top = URIRef(fixture_facts.base + "dataset")
    assert number(void, top, VOID.triples) == fixture_facts.union_count
    (subset,) = void.objects(top, VOID.subset)
    assert subset == URIRef(fixture_facts.base + "dataset/testcity")
    assert number(void, subset, VOID.triples) == fixture_facts.counts[fixture_facts.city_graph]
    assert list(void.objects(None, VOID.dataDump)) == []
    for path in ("/catalog", "/dumps/testcity.ttl", "/context.jsonld", "/dumps/dataset.nq"):
        assert http("GET", path).status == 404, path
