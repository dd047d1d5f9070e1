"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests ``sparql/sparql11/protocol/manifest.ttl``)
against a real server, one test per manifest entry, named after it.

Adaptations, since we serve our own data and never fetch URLs:

- the manifest's graphs ``http://kasei.us/2009/09/sparql/data/data1.rdf`` / ``data2.rdf``
  (each holding ``<dataN.rdf> a foaf:Document``) become the fixture's two named graphs:
  ``data1`` → the city graph (``<masterplan> a smp:Masterplan``), ``data2`` → the
  vocabulary graph (``<active> a skos:Concept``), and the manifest's ``data3`` (a third
  default graph) → the vocabulary graph. ``data0.rdf`` stays: a graph we do not hold is
  empty, and ``ASK {}`` over an empty default graph is still true.
- ``query_multiple_dataset`` has a typo in the manifest (the second ``named-graph-uri`` is
  percent-encoded into the first value); we send the two parameters it means.
- The service is read-only: every ``update_*`` test must be refused (403, nothing
  changes), and the ``bad_update_*`` tests get 403, or 415 when the request does not even
  say it is SPARQL (wrong or missing Content-Type).
- The manifest path is ``/sparql/``; ours is ``/sparql``.

After the manifest: dataset semantics, refusals, conneg by query form, result syntaxes
and the service description (SPARQL 1.1 Protocol §2.1, SPARQL 1.1 Query Results formats,
SPARQL 1.1 Service Description).
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID

from publisher.namespaces import SD

BACKENDS = ["embedded", "oxigraph", "virtuoso"]

@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """Every test here runs on the embedded store, Oxigraph server and Virtuoso."""
    return request.param


RESULTS_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_TYPES = {
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/trig",
    "application/n-quads",
}
DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update"}


def path(**params: str | list[str]) -> str:
    """``/sparql?...`` with repeatable parameters, encoded like the manifest (%20)."""
    return "/sparql?" + urlencode(params, doseq=True, quote_via=quote) if params else "/sparql"


def assert_boolean(reply, expected: bool) -> None:
    assert reply.status == 200, reply.text
    assert reply.media_type in BOOLEAN_TYPES
    assert reply.json()["boolean"] is expected


def assert_plain_error(reply, status: int, *words: str) -> None:
    assert reply.status == status, reply.text
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    for word in words:
        assert word.lower() in reply.text.lower()


@pytest.fixture(scope="module")
def data1(fixture_facts):
    return fixture_facts.city_graph


@pytest.fixture(scope="module")
def data2(fixture_facts):
    return fixture_facts.vocab_graph


@pytest.fixture(scope="module")
def both_typed(fixture_facts) -> str:
    """``<data1.rdf> a ?type . <data2.rdf> a ?type`` in our terms."""
    return f"<{fixture_facts.masterplan}> a ?t1 . <{fixture_facts.active}> a ?t2 ."


@pytest.fixture(scope="module")
def both_named(fixture_facts) -> str:
    return (
        f"GRAPH ?g1 {{ <{fixture_facts.masterplan}> a ?t1 }} "
        f"GRAPH ?g2 {{ <{fixture_facts.active}> a ?t2 }}"
    )


# --- the manifest: queries ---------------------------------------------------------------
def test_query_get(http):
    assert_boolean(http("GET", path(query="ASK {}", **{"default-graph-uri": DATA0})), True)


def test_query_post_form(http):
    reply = http(
        "POST", path(**{"default-graph-uri": DATA0}), body="query=ASK%20%7B%7D", headers=FORM
    )
    assert_boolean(reply, True)


def test_query_post_direct(http):
    assert_boolean(http("POST", "/sparql", body="ASK {}", headers=DIRECT), True)


def test_query_dataset_default_graph(http, data1, fixture_facts):
    """Not in the current manifest (the brief names it): one protocol default graph."""
    query = f"ASK {{ <{fixture_facts.masterplan}> a ?t }}"
    assert_boolean(http("GET", path(query=query, **{"default-graph-uri": data1})), True)


def test_query_dataset_default_graphs_get(http, data1, data2, both_typed):
    query = f"ASK {{ {both_typed} }}"
    reply = http("GET", path(query=query, **{"default-graph-uri": [data1, data2]}))
    assert_boolean(reply, True)
    # and the protocol dataset really is the dataset: one graph alone cannot answer
    assert_boolean(http("GET", path(query=query, **{"default-graph-uri": data1})), False)


def test_query_dataset_default_graphs_post(http, data1, data2, both_typed):
    url = path(**{"default-graph-uri": [data1, data2]})
    assert_boolean(http("POST", url, body=f"ASK {{ {both_typed} }}", headers=DIRECT), True)


def test_query_dataset_named_graphs_post(http, data1, data2, both_named):
    url = path(**{"named-graph-uri": [data1, data2]})
    assert_boolean(http("POST", url, body=f"ASK {{ {both_named} }}", headers=DIRECT), True)
    only = path(**{"named-graph-uri": data1})
    assert_boolean(http("POST", only, body=f"ASK {{ {both_named} }}", headers=DIRECT), False)


def test_query_dataset_named_graphs_get(http, data1, data2, both_named):
    query = f"ASK {{ {both_named} }}"
    assert_boolean(http("GET", path(query=query, **{"named-graph-uri": [data1, data2]})), True)


def test_query_dataset_full(http, data1, data2, fixture_facts):
    url = path(**{"default-graph-uri": data2, "named-graph-uri": [data1, data2]})
    query = (
        f"ASK {{ <{fixture_facts.active}> a ?type "
        f"GRAPH ?g1 {{ <{fixture_facts.masterplan}> a ?type1 }} "
        f"GRAPH ?g2 {{ <{fixture_facts.active}> a ?type2 }} }}"
    )
    assert_boolean(http("POST", url, body=query, headers=DIRECT), True)
    not_default = f"ASK {{ <{fixture_facts.masterplan}> a ?type }}"
    assert_boolean(http("POST", url, body=not_default, headers=DIRECT), False)


def test_query_multiple_dataset(http, data1, data2, both_named, fixture_facts):
    url = path(**{"named-graph-uri": [data1, data2]})
    query = f"ASK FROM <{data2}> {{ {both_named} }}"
    assert_boolean(http("POST", url, body=query, headers=DIRECT), True)
    # The protocol's default graph overrides FROM as well.
    url = path(**{"default-graph-uri": data1})
    query = f"ASK FROM <{data2}> {{ <{fixture_facts.masterplan}> a ?t }}"
    assert_boolean(http("POST", url, body=query, headers=DIRECT), True)


def test_query_content_type_select(http):
    url = path(**{"default-graph-uri": DATA0})
    reply = http("POST", url, body="SELECT (1 AS ?value) {}", headers=DIRECT)
    assert reply.status == 200
    assert reply.media_type in RESULTS_TYPES
    assert reply.json()["results"]["bindings"][0]["value"]["value"] == "1"


def test_query_content_type_ask(http):
    url = path(**{"default-graph-uri": DATA0})
    assert_boolean(http("POST", url, body="ASK {}", headers=DIRECT), True)


def test_query_content_type_describe(http, fixture_facts):
    url = path(**{"default-graph-uri": DATA0})
    reply = http("POST", url, body="DESCRIBE <http://example.org/>", headers=DIRECT)
    assert reply.status == 200
    assert reply.media_type in RDF_TYPES
    Graph().parse(data=reply.body, format=reply.media_type)
    # and a DESCRIBE with data, over the union default graph
    reply = http("POST", "/sparql", body=f"DESCRIBE <{fixture_facts.masterplan}>", headers=DIRECT)
    assert reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.body, format="turtle")
    assert (URIRef(fixture_facts.masterplan), None, None) in graph


def test_query_content_type_construct(http, fixture_facts):
    url = path(**{"default-graph-uri": DATA0})
    reply = http("POST", url, body="CONSTRUCT { <s> <p> 1 } WHERE {}", headers=DIRECT)
    assert reply.status == 200
    assert reply.media_type in RDF_TYPES
    graph = Graph().parse(data=reply.body, format=reply.media_type)
    # relative IRIs resolve against the configured base IRI
    assert list(graph) == [
        (URIRef(fixture_facts.base + "s"), URIRef(fixture_facts.base + "p"), Literal(1))
    ]


def test_bad_query_method(http):
    reply = http(
        "PUT", path(query="ASK {}", **{"default-graph-uri": DATA0}), body=b"", headers=FORM
    )
    assert_plain_error(reply, 405)
    assert reply.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    for method in ("DELETE", "PATCH"):
        reply = http(method, path(query="ASK {}"))
        assert reply.status == 405
        assert reply.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_bad_multiple_queries(http):
    reply = http("GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert_plain_error(reply, 400, "exactly one query")


def test_bad_query_wrong_media_type(http):
    reply = http("POST", "/sparql", body="ASK {}", headers={"Content-Type": "text/plain"})
    assert_plain_error(reply, 415, "application/sparql-query")
    assert "application/x-www-form-urlencoded" in reply.headers["Accept-Post"]


def test_bad_query_missing_form_type(http):
    assert_plain_error(http("POST", "/sparql", body="query=ASK%20%7B%7D"), 415, "none")


def test_bad_query_missing_direct_type(http):
    assert_plain_error(http("POST", "/sparql", body="ASK {}"), 415)


def test_bad_query_non_utf8(http):
    reply = http(
        "POST",
        "/sparql",
        body="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert_plain_error(reply, 400, "UTF-8")
    # undeclared, but still not UTF-8
    reply = http("POST", "/sparql", body="ASK {}".encode("utf-16"), headers=DIRECT)
    assert_plain_error(reply, 400, "not valid UTF-8")


def test_bad_query_syntax(http):
    reply = http("GET", "/sparql?query=ASK%20%7B")
    assert_plain_error(reply, 400, "syntax", "1:")


# --- the manifest: updates, all refused ------------------------------------------------
UPDATE_TEXT = (
    "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
    "CLEAR ALL ;\nINSERT DATA { GRAPH <http://kasei.us/2009/09/sparql/data/data1.rdf> "
    "{ <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document } }"
)


def assert_refused_and_unchanged(http, reply, fixture_facts) -> None:
    assert_plain_error(reply, 403, "read-only")
    count = http("GET", path(query="SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"))
    n = count.json()["results"]["bindings"][0]["n"]["value"]
    assert int(n) == fixture_facts.union_count


@pytest.mark.parametrize(
    "url",
    [
        "/sparql?using-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf",
        "/sparql?using-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf"
        "&using-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf",
        "/sparql?using-named-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf",
        "/sparql?using-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf"
        "&using-named-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf",
    ],
    ids=[
        "update_dataset_default_graph",
        "update_dataset_default_graphs",
        "update_dataset_named_graphs",
        "update_dataset_full",
    ],
)
def test_update_dataset(http, fixture_facts, url):
    reply = http("POST", url, body=UPDATE_TEXT, headers=UPDATE)
    assert_refused_and_unchanged(http, reply, fixture_facts)


def test_update_post_form(http, fixture_facts):
    reply = http("POST", "/sparql", body="update=CLEAR+ALL", headers=FORM)
    assert_refused_and_unchanged(http, reply, fixture_facts)


def test_update_post_direct(http, fixture_facts):
    reply = http("POST", "/sparql", body="CLEAR ALL", headers=UPDATE)
    assert_refused_and_unchanged(http, reply, fixture_facts)


def test_update_base_uri(http, fixture_facts):
    body = (
        "CLEAR GRAPH <http://example.org/protocol-base-test/> ;\n"
        "INSERT DATA { GRAPH <http://example.org/protocol-base-test/> "
        "{ <http://example.org/s> <http://example.org/p> <test> } }"
    )
    reply = http("POST", "/sparql", body=body, headers=UPDATE)
    assert_refused_and_unchanged(http, reply, fixture_facts)


def test_bad_update_get(http):
    assert_plain_error(http("GET", "/sparql?update=CLEAR%20ALL"), 403, "read-only")


def test_bad_multiple_updates(http):
    body = "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT"
    assert_plain_error(http("POST", "/sparql", body=body, headers=FORM), 403, "read-only")


def test_bad_update_wrong_media_type(http):
    reply = http("POST", "/sparql", body="CLEAR NAMED", headers={"Content-Type": "text/plain"})
    assert_plain_error(reply, 415)


def test_bad_update_missing_form_type(http):
    assert_plain_error(http("POST", "/sparql", body="update=CLEAR%20NAMED"), 415)


def test_bad_update_non_utf8(http):
    reply = http(
        "POST",
        "/sparql",
        body="CLEAR NAMED".encode("utf-16"),
        headers={"Content-Type": "application/sparql-update; charset=UTF-16"},
    )
    assert_plain_error(reply, 403, "read-only")


def test_bad_update_syntax(http):
    reply = http("POST", "/sparql", body="update=CLEAR%20XYZ", headers=FORM)
    assert_plain_error(reply, 403, "read-only")


def test_bad_update_dataset_conflict(http):
    body = (
        "PREFIX foaf:  <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
        "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
        "WHERE {\n    ?person foaf:givenName 'Bill'\n}"
    )
    url = "/sparql?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople"
    assert_plain_error(http("POST", url, body=body, headers=UPDATE), 403, "read-only")


# --- beyond the manifest: refusals and request validation -------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }",
        "# a comment first\nprefix ex: <http://e/#x> delete where { ?s ?p ?o }",
        "BASE <http://e/> CLEAR ALL",
        "LOAD <http://127.0.0.1:1/evil>",
        "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_update_text_in_query_parameter_is_refused(http, fixture_facts, query):
    reply = http("GET", path(query=query))
    assert_refused_and_unchanged(http, reply, fixture_facts)
    reply = http("POST", "/sparql", body=query, headers=DIRECT)
    assert_plain_error(reply, 403, "read-only")


def test_words_inside_strings_iris_and_comments_are_not_updates(http):
    query = (
        "PREFIX insert: <http://e/INSERT#> # DELETE\n"
        "SELECT ?x WHERE { BIND('CLEAR ALL; SERVICE' AS ?x) }"
    )
    reply = http("GET", path(query=query))
    assert reply.status == 200, reply.text
    assert reply.json()["results"]["bindings"][0]["x"]["value"] == "CLEAR ALL; SERVICE"


def test_service_is_refused_so_the_server_never_fetches_urls(http):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_plain_error(http("GET", path(query=query)), 403, "SERVICE")


@pytest.mark.parametrize(
    ("method", "url", "body", "headers", "words"),
    [
        ("GET", "/sparql?query=", None, {}, ["empty"]),
        ("POST", "/sparql", "", DIRECT, ["empty"]),
        ("POST", "/sparql", "default-graph-uri=http%3A%2F%2Fe%2Fg", FORM, ["missing query"]),
        ("POST", "/sparql?query=ASK%7B%7D", "ASK {}", DIRECT, ["both"]),
        ("POST", "/sparql?query=ASK%7B%7D", "query=ASK%7B%7D", FORM, ["exactly one"]),
        ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None, {}, ["IRI"]),
        ("GET", "/sparql?query=ASK%20%7B%7D%FF", None, {}, ["UTF-8"]),
        ("POST", "/sparql", "query=ASK%20%7B%7D%FF", FORM, ["UTF-8"]),
        ("GET", "/sparql?query=ASK%7B%7D&format=yaml", None, {}, ["format", "json"]),
    ],
    ids=[
        "empty-get",
        "empty-direct",
        "form-without-query",
        "query-in-url-and-body",
        "query-in-url-and-form",
        "dataset-not-an-iri",
        "non-utf8-url",
        "non-utf8-form",
        "unknown-format",
    ],
)
def test_bad_requests_are_400_with_a_reason(http, method, url, body, headers, words):
    assert_plain_error(http(method, url, body=body, headers=headers), 400, *words)


def test_head_is_get_without_a_body(http):
    url = path(query="SELECT * { ?s ?p ?o } LIMIT 3")
    get, head = http("GET", url), http("HEAD", url)
    assert head.status == 200 and head.body == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Vary", "Cache-Control"):
        assert head.headers[name] == get.headers[name], name


def test_options_answers_with_allow(http):
    reply = http("OPTIONS", "/sparql")
    assert reply.status == 204 and reply.body == b""
    assert reply.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


# --- beyond the manifest: the dataset --------------------------------------------------
def select_one(http, query: str, **params) -> str:
    reply = http("GET", path(query=query, **params))
    assert reply.status == 200, reply.text
    ((binding,),) = [list(b.values()) for b in reply.json()["results"]["bindings"]]
    return binding["value"]


def test_default_graph_is_the_union_without_duplicates(http, fixture_facts):
    count = select_one(http, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert int(count) == fixture_facts.union_count
    graphs = http("GET", path(query="SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"))
    names = [b["g"]["value"] for b in graphs.json()["results"]["bindings"]]
    assert names == sorted(fixture_facts.graphs)


def test_from_in_the_query_is_respected(http, fixture_facts):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{fixture_facts.vocab_graph}> {{ ?s ?p ?o }}"
    assert int(select_one(http, query)) == fixture_facts.counts[fixture_facts.vocab_graph]
    query = f"ASK FROM NAMED <{fixture_facts.vocab_graph}> {{ ?s ?p ?o }}"
    assert_boolean(http("GET", path(query=query)), False)  # FROM NAMED alone: empty default


def test_protocol_named_graphs_alone_leave_the_default_graph_empty(http, data1):
    reply = http("GET", path(query="ASK { ?s ?p ?o }", **{"named-graph-uri": data1}))
    assert_boolean(reply, False)


def test_protocol_default_graphs_alone_leave_no_named_graphs(http, data1):
    query = "ASK { GRAPH ?g { ?s ?p ?o } }"
    assert_boolean(http("GET", path(query=query, **{"default-graph-uri": data1})), False)


# --- beyond the manifest: media types by query form -------------------------------------
SRJ, SRX = "application/sparql-results+json", "application/sparql-results+xml"
SELECT_ALL, CONSTRUCT_ALL = "SELECT * { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (SELECT_ALL, f"{SRJ}, text/turtle", SRJ),
        (CONSTRUCT_ALL, f"{SRJ}, text/turtle", "text/turtle"),
        ("ASK {}", f"text/turtle;q=1, {SRX};q=0.5", SRX),
        ("DESCRIBE <http://e/>", f"{SRX}, application/rdf+xml;q=0.1", "application/rdf+xml"),
        (SELECT_ALL, None, SRJ),
        (CONSTRUCT_ALL, None, "text/turtle"),
        (SELECT_ALL, "*/*", SRJ),
        (CONSTRUCT_ALL, "application/*", "application/ld+json"),
        (SELECT_ALL, "text/*", "text/csv"),
        (SELECT_ALL, "application/json", SRJ),
        (CONSTRUCT_ALL, "application/json", "application/ld+json"),
        (CONSTRUCT_ALL, "application/n-quads", "application/n-quads"),
        (CONSTRUCT_ALL, "application/trig", "application/trig"),
    ],
)
def test_media_type_follows_the_query_form(http, query, accept, expected):
    headers = {"Accept": accept} if accept else {}
    reply = http("GET", path(query=query), headers=headers)
    assert reply.status == 200, reply.text
    assert reply.media_type == expected


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/csv"),
        ("DESCRIBE <http://e/>", "application/sparql-results+json"),
        ("SELECT * {}", "text/turtle"),
        ("ASK {}", "application/ld+json"),
        ("SELECT * {}", "*/*;q=0"),
    ],
)
def test_nothing_acceptable_is_406_listing_what_is(http, query, accept):
    reply = http("GET", path(query=query), headers={"Accept": accept})
    assert reply.status == 406
    assert "Accept" in reply.headers["Vary"]
    if "json" in accept:  # a JSON client gets its error as problem+json
        assert reply.media_type == "application/problem+json"
    else:
        assert_plain_error(reply, 406, "available")
    offered = RDF_TYPES if query.startswith(("CONSTRUCT", "DESCRIBE")) else RESULTS_TYPES
    for media_type in offered:
        assert media_type in reply.text


def test_format_parameter_wins_over_accept(http):
    tsv = {"Accept": "text/tab-separated-values"}
    reply = http("GET", path(query="SELECT * {}", format="csv"), headers=tsv)
    assert reply.media_type == "text/csv"
    assert "Accept" not in (reply.headers.get("Vary") or "")
    reply = http("GET", path(query="CONSTRUCT WHERE {?s ?p ?o}", format="csv"))
    assert_plain_error(reply, 406, "format=csv")


def test_json_errors_when_the_client_wants_json(http):
    reply = http("GET", "/sparql?query=ASK%20%7B", headers={"Accept": SRJ})
    assert reply.status == 400
    assert reply.media_type == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == 400 and "syntax" in problem["detail"]
    reply = http("GET", path(query="SELECT * {}"), headers={"Accept": "application/ld+json"})
    assert reply.status == 406 and reply.media_type == "application/problem+json"
    assert "application/sparql-results+json" in reply.json()["available"]


# --- beyond the manifest: result syntaxes --------------------------------------------------
SELECT_ACTION = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>\n"
    "SELECT ?label ?budget ?missing WHERE {{ <{action}> rdfs:label ?label ; smp:budget ?budget "
    "OPTIONAL {{ <{action}> smp:nothing ?missing }} }}"
)


def test_json_results_terms(http, fixture_facts):
    reply = http("GET", path(query=SELECT_ACTION.format(action=fixture_facts.action)))
    data = reply.json()
    assert data["head"]["vars"] == ["label", "budget", "missing"]
    (row,) = data["results"]["bindings"]
    assert "missing" not in row  # unbound variables are left out
    label = {"type": "literal", "value": "Azione «uno», con virgola", "xml:lang": "it"}
    assert row["label"] == label
    assert row["budget"]["datatype"] == "http://www.w3.org/2001/XMLSchema#decimal"


def test_csv_and_tsv_results(http, fixture_facts):
    query = SELECT_ACTION.format(action=fixture_facts.action)
    reply = http("GET", path(query=query), headers={"Accept": "text/csv"})
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.text.startswith("label,budget,missing\r\n")
    rows = list(csv.reader(io.StringIO(reply.text)))
    # pyoxigraph stores numbers in canonical form: "1000000.00" comes back as "1000000"
    assert rows[1][0] == "Azione «uno», con virgola"
    assert Decimal(rows[1][1]) == Decimal("1000000.00")
    reply = http("GET", path(query=query), headers={"Accept": "text/tab-separated-values"})
    header, line = reply.text.splitlines()[:2]
    assert header == "?label\t?budget\t?missing"
    assert line.split("\t")[0] == '"Azione «uno», con virgola"@it'


def test_non_ascii_iris_survive_every_format(http, fixture_facts):
    query = f"CONSTRUCT WHERE {{ <{fixture_facts.university}> ?p ?o }}"
    for accept in sorted(RDF_TYPES):
        reply = http("GET", path(query=query), headers={"Accept": accept})
        graph = Graph().parse(data=reply.body, format=reply.media_type)
        assert (URIRef(fixture_facts.university), None, None) in graph, accept


# --- beyond the manifest: the service description ----------------------------------------
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
    ],
)
def test_service_description(http, live_server, fixture_facts, accept, media_type):
    reply = http("GET", "/sparql", headers={"Accept": accept} if accept else {})
    assert reply.status == 200
    assert reply.media_type == media_type
    graph = Graph().parse(data=reply.body, format=media_type)
    (service,) = graph.subjects(RDF.type, SD.Service)
    assert graph.value(service, SD.endpoint) == URIRef(live_server + "/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    for name in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "RDF_XML",
        "JSON-LD",
        "N-Triples",
    ):
        assert "http://www.w3.org/ns/formats/" + name in formats
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    dataset = graph.value(service, SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    assert graph.value(default, VOID.triples).toPython() == fixture_facts.union_count
    named = {
        str(graph.value(n, SD.name)): graph.value(graph.value(n, SD.graph), VOID.triples).toPython()
        for n in graph.objects(dataset, SD.namedGraph)
    }
    assert named == fixture_facts.counts
    see_also = {
        str(o)
        for o in graph.objects(service, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"))
    }
    assert {live_server + "/.well-known/void", live_server + "/catalog"} <= see_also


def test_service_description_html_for_browsers(http):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reply = http("GET", "/sparql", headers={"Accept": browser, "Accept-Language": "en-GB,en;q=0.9"})
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Content-Language"] == "en"
    assert '<html lang="en">' in reply.text
    assert '<form method="get"' in reply.text and 'name="query"' in reply.text
    assert "/.well-known/void" in reply.text and "/catalog" in reply.text
    scripts = re.findall(r"<script[^>]*>", reply.text)  # the editor's files, none inline
    assert scripts and all(s.startswith('<script src="/static/') for s in scripts)
    assert "http://cdn" not in reply.text
    italian = http("GET", "/sparql", headers={"Accept": "text/html"})
    assert italian.headers["Content-Language"] == "it" and '<html lang="it">' in italian.text


def test_service_description_never_advertises_update(http):
    reply = http("GET", "/sparql", headers={"Accept": "application/n-triples"})
    assert "SPARQL11Update" not in reply.text
    assert json.loads(http("GET", "/sparql?format=jsonld").body)


@pytest.mark.parametrize(
    "hostile",
    ["'x\\" * 21000, '"\\' * 32000, "'''" + "\\'" * 32000, "<" + "(x" * 32000, "'" * 65000],
    ids=["single-escapes", "double-escapes", "long-escapes", "open-iri", "quotes"],
)
def test_hostile_query_text_is_rejected_quickly(http, hostile):
    """The screen (form, nesting scan, pre-filter) is linear: no regex blow-up on 64 KB."""
    started = time.perf_counter()
    reply = http("POST", "/sparql", body=hostile, headers=DIRECT)
    assert reply.status == 400
    assert time.perf_counter() - started < 2


def test_a_utf8_bom_in_a_direct_post_is_ignored(http):
    assert_boolean(http("POST", "/sparql", body="\ufeffASK {}".encode(), headers=DIRECT), True)
