"""Real SPARQL clients against the live server: SPARQLWrapper and rdflib's SPARQLStore.

Every answer is compared with what the store itself holds (asked directly, without HTTP),
and SPARQLWrapper's "format requested was X but Y returned" RuntimeWarning is an error:
the endpoint must label every body with what the client asked for.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from publisher import mediatypes as mt
from publisher.web.context import shared

BACKENDS = ["embedded", "oxigraph", "virtuoso"]

@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """Every test here runs on the embedded store, Oxigraph server and Virtuoso."""
    return request.param


pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label"
)
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }"
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]
METHOD_IDS = ["GET", "POST-form", "POST-direct"]


@pytest.fixture(scope="module")
def store(app):
    return shared(app).store


@pytest.fixture(scope="module")
def expected_labels(store) -> list[tuple[str, str, str | None]]:
    """(subject, label, language) from the store itself."""
    data = json.loads(store.query(LABELS).serialize(mt.RESULTS_JSON))
    return [
        (b["s"]["value"], b["label"]["value"], b["label"].get("xml:lang"))
        for b in data["results"]["bindings"]
    ]


def store_graph(store, graph_iri: str) -> Graph:
    return Graph().parse(
        data=store.query(CONSTRUCT % graph_iri).serialize(mt.NTRIPLES), format="nt"
    )


def wrapper(live_server: str, method, request_method, query: str, fmt) -> SPARQLWrapper:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def same_graph(left: Graph, right: Graph) -> bool:
    """Equal triple sets; the fixture's one blank node makes isomorphism the right test."""
    from rdflib.compare import isomorphic

    plain_left, plain_right = Graph(), Graph()
    for triple in left:
        plain_left.add(triple)
    for triple in right:
        plain_right.add(triple)
    return isomorphic(plain_left, plain_right)


# --- SPARQLWrapper: SELECT in every results format -----------------------------------------
@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=METHOD_IDS)
def test_select_json(live_server, expected_labels, method, request_method):
    result = wrapper(live_server, method, request_method, LABELS, JSON).query()
    assert result.info()["content-type"] == "application/sparql-results+json"
    rows = result.convert()["results"]["bindings"]
    assert [(r["s"]["value"], r["label"]["value"], r["label"].get("xml:lang")) for r in rows] == (
        expected_labels
    )


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=METHOD_IDS)
def test_select_xml(live_server, expected_labels, method, request_method):
    document = wrapper(live_server, method, request_method, LABELS, XML).query().convert()
    rows = []
    for result in document.getElementsByTagName("result"):
        values = {}
        for binding in result.getElementsByTagName("binding"):
            (term,) = [n for n in binding.childNodes if n.nodeType == n.ELEMENT_NODE]
            lang = term.getAttribute("xml:lang") or None
            values[binding.getAttribute("name")] = (term.firstChild.data, lang)
        rows.append((values["s"][0], values["label"][0], values["label"][1]))
    assert rows == expected_labels


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=METHOD_IDS)
def test_select_csv(live_server, expected_labels, method, request_method):
    data = wrapper(live_server, method, request_method, LABELS, CSV).query().convert()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == ["s", "label"]
    assert [tuple(r) for r in rows[1:]] == [(s, label) for s, label, _ in expected_labels]


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=METHOD_IDS)
def test_select_tsv(live_server, expected_labels, method, request_method):
    data = wrapper(live_server, method, request_method, LABELS, TSV).query().convert()
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "?s\t?label"
    expected = [
        f'<{s}>\t"{label}"' + (f"@{lang}" if lang else "") for s, label, lang in expected_labels
    ]
    assert lines[1:] == expected


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(live_server, fixture_facts, method, request_method, fmt):
    query = f"ASK {{ <{fixture_facts.masterplan}> ?p ?o }}"
    result = wrapper(live_server, method, request_method, query, fmt).query().convert()
    if fmt == JSON:
        assert result["boolean"] is True
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"


# --- SPARQLWrapper: CONSTRUCT / DESCRIBE in RDF formats ------------------------------------
@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        (TURTLE, "text/turtle"),
        (RDFXML, "application/rdf+xml"),
        (XML, "application/rdf+xml"),  # SPARQLWrapper's default format for CONSTRUCT
        (JSONLD, "application/ld+json"),
    ],
)
def test_construct(live_server, store, fixture_facts, method, request_method, fmt, media_type):
    query = CONSTRUCT % fixture_facts.city_graph
    result = wrapper(live_server, method, request_method, query, fmt).query()
    assert result.info()["content-type"].split(";")[0] == media_type
    converted = result.convert()
    graph = (
        converted
        if isinstance(converted, Graph)
        else Graph().parse(data=converted, format="turtle")
    )
    assert same_graph(graph, store_graph(store, fixture_facts.city_graph))


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=METHOD_IDS)
def test_construct_ntriples_by_conneg(live_server, store, fixture_facts, method, request_method):
    client = wrapper(live_server, method, request_method, CONSTRUCT % fixture_facts.vocab_graph, N3)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/n-triples")
    result = client.query()
    assert result.info()["content-type"] == "application/n-triples"
    graph = Graph().parse(data=result.convert(), format="nt")
    assert same_graph(graph, store_graph(store, fixture_facts.vocab_graph))


def test_describe(live_server, fixture_facts):
    query = f"DESCRIBE <{fixture_facts.university}>"
    data = wrapper(live_server, GET, URLENCODED, query, TURTLE).query().convert()
    graph = Graph().parse(data=data, format="turtle")
    label = graph.value(
        URIRef(fixture_facts.university), URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    )
    assert label == Literal("Università degli Studi", lang="it")


# --- rdflib's SPARQLStore ------------------------------------------------------------------
@pytest.fixture(scope="module", params=["GET", "POST", "POST_FORM"])
def remote_graph(request, live_server) -> Graph:
    return Graph(SPARQLStore(query_endpoint=live_server + "/sparql", method=request.param))


def test_sparqlstore_select(remote_graph, expected_labels):
    rows = remote_graph.query(LABELS)
    got = [(str(r.s), str(r.label), r.label.language) for r in rows]
    assert got == expected_labels


def test_sparqlstore_ask_and_len(remote_graph, fixture_facts):
    assert remote_graph.query(f"ASK {{ <{fixture_facts.action}> ?p ?o }}").askAnswer is True
    assert len(remote_graph) == fixture_facts.union_count


def test_sparqlstore_triples(remote_graph, store, fixture_facts):
    got = set(remote_graph.triples((URIRef(fixture_facts.masterplan), None, None)))
    expected = {
        t
        for t in store_graph(store, fixture_facts.city_graph)
        if str(t[0]) == fixture_facts.masterplan
    }
    assert got == expected
    budget = remote_graph.value(
        URIRef(fixture_facts.masterplan), URIRef(fixture_facts.smp + "budget")
    )
    assert budget.toPython() == pytest.approx(12.5)


def test_sparqlstore_construct(remote_graph, store, fixture_facts):
    result = remote_graph.query(CONSTRUCT % fixture_facts.vocab_graph)
    assert same_graph(result.graph, store_graph(store, fixture_facts.vocab_graph))


def test_sparqlstore_named_graph_uses_the_protocol_dataset(live_server, fixture_facts):
    """rdflib sends default-graph-uri for a graph with an identifier."""
    remote = SPARQLStore(query_endpoint=live_server + "/sparql")
    for name, count in fixture_facts.counts.items():
        assert len(Graph(remote, identifier=URIRef(name))) == count
