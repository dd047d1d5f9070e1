"""``/sparql``: the SPARQL 1.1 Protocol query operation and the service description.

Request shapes (SPARQL 1.1 Protocol §2.1):

- ``GET ?query=`` ; ``POST application/x-www-form-urlencoded`` with ``query=`` in the body;
  ``POST application/sparql-query`` with the raw UTF-8 query as the body. ``HEAD`` is GET
  without a body; ``OPTIONS`` answers CORS preflights (headers from ``caching``).
- ``default-graph-uri`` / ``named-graph-uri`` (repeatable) may come from the URL and, for
  form posts, from the body; when present they define the dataset and override the query's
  FROM / FROM NAMED. Graphs we do not hold are empty (we never fetch URLs).

Choices, documented here because clients depend on them:

- a POST whose Content-Type is missing or is neither of the two query types → **415**
  (with ``Accept`` / ``Accept-Post`` listing the two), not 400: the body may be fine, its
  declared type is what we cannot take;
- a body or URL that is not UTF-8, or a declared charset other than UTF-8 → **400**;
- two ``query`` values, ``query`` both in the URL and as a direct body, an empty or missing
  query, a syntax error (with the parser's line:column) → **400**;
- any update (``update=`` in URL or form body, ``application/sparql-update``, or update
  text in ``query``) and ``SERVICE`` → **403**: the service is read-only and never
  fetches URLs on a client's behalf;
- ``PUT``/``DELETE``/``PATCH`` → **405** with ``Allow: GET, POST, HEAD, OPTIONS``;
- the media type is negotiated per query form (results formats for SELECT/ASK, RDF for
  CONSTRUCT/DESCRIBE), before the query runs; nothing acceptable → **406** listing what is
  available. ``?format=`` wins over Accept.
- ``GET /sparql`` without a query returns the service description (Turtle by default,
  RDF/XML, JSON-LD, N-Triples) or, for browsers, an HTML query form.

Limits (``limits:`` in the configuration, see ``docs/operations.md``):

- a query text longer than ``max_query_bytes`` (UTF-8) → **413**; nested deeper than
  ``max_query_depth`` → **400** (the engine's parser would overflow its stack); the request
  target and body limits are checked for every route by ``publisher.web.ops``;
- results are cut at ``max_result_rows`` rows (SELECT) or triples (CONSTRUCT/DESCRIBE).
  A cut result is never silent: ``X-Result-Truncated: true; limit=N`` on the response and,
  where the format has room, a marker in the body (``head.link`` / ``<link href>`` to
  ``/limits`` in SPARQL JSON/XML results, a ``# truncated`` comment in Turtle, N-Triples,
  N-Quads, TriG, an XML comment in RDF/XML; CSV, TSV and JSON-LD have only the header);
- every query runs in a killable executor with a time limit (``publisher.store.guarded``):
  stopped → **500** with the reason; too many at once → **503** + ``Retry-After``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from flask import Blueprint, Response, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF, RDFS, VOID, XSD
from werkzeug.http import parse_options_header

from publisher import mediatypes as mt
from publisher.iris import Iris
from publisher.mediatypes import Format
from publisher.namespaces import SD, bind_prefixes
from publisher.store import ProtocolDataset, QueryResult, ResultKind, Store, query_form
from publisher.store.embedded import Capped
from publisher.store.screen import too_deep
from publisher.web.app import problem, state
from publisher.web.caching import ordered_methods, vary_on
from publisher.web.negotiation import content_type, negotiate, negotiate_language

blueprint = Blueprint("sparql", __name__)

ALLOW = ordered_methods(("GET", "POST", "HEAD", "OPTIONS"))
QUERY_MEDIA_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")
UPDATE_MEDIA_TYPE = "application/sparql-update"
UTF8_NAMES = ("utf-8", "utf8", "us-ascii", "ascii")
MAX_PARAMETERS = 1000
# Service description formats, server preference first (curl's */* gets Turtle).
SD_FORMATS: tuple[Format, ...] = (mt.TURTLE, mt.HTML, mt.JSONLD, mt.RDFXML, mt.NTRIPLES)
_RDFLIB_NAMES = {mt.TURTLE: "turtle", mt.JSONLD: "json-ld", mt.RDFXML: "xml", mt.NTRIPLES: "nt"}
UPDATE_REFUSED = "SPARQL Update is not allowed: this is a read-only endpoint"
TRUNCATION_HEADER = "X-Result-Truncated"


@dataclass(frozen=True)
class Operation:
    """What a protocol request asks for, whatever its shape."""

    query: str | None
    dataset: ProtocolDataset
    formats: list[str]


@blueprint.route(
    "/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False
)
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": ALLOW})
    operation = read_operation()
    if operation.query is None:
        return service_description(operation.formats)
    return run_query(operation)


# --- reading the request ----------------------------------------------------------------
def read_operation() -> Operation:
    """Validate the protocol request and collect its parameters (raises 400/403/415)."""
    url = _parameters(request.query_string, "URL query string")
    if "update" in url:
        raise problem(403, UPDATE_REFUSED)
    body: dict[str, list[str]] = {}
    direct: str | None = None
    if request.method == "POST":
        media_type, options = parse_options_header(request.headers.get("Content-Type", ""))
        media_type = media_type.lower()
        if media_type == UPDATE_MEDIA_TYPE:
            raise problem(403, UPDATE_REFUSED)
        if media_type not in QUERY_MEDIA_TYPES:
            accepted = ", ".join(QUERY_MEDIA_TYPES)
            raise problem(
                415,
                f"a query POST must have Content-Type {' or '.join(QUERY_MEDIA_TYPES)}; got "
                + (repr(media_type) if media_type else "none"),
                headers={"Accept": accepted, "Accept-Post": accepted},
            )
        charset = options.get("charset", "utf-8").strip().lower()
        if charset not in UTF8_NAMES:
            raise problem(400, f"the request body must be UTF-8, not {charset}")
        raw = request.get_data(cache=False)
        if media_type == "application/x-www-form-urlencoded":
            body = _parameters(raw, "request body")
            if "update" in body:
                raise problem(403, UPDATE_REFUSED)
        else:
            direct = _utf8(raw, "request body").removeprefix("\ufeff")  # a UTF-8 BOM
    params = {key: url.get(key, []) + body.get(key, []) for key in {*url, *body}}
    queries = params.get("query", [])
    if direct is not None:
        if queries:
            raise problem(400, "the query is given both as the body and as a query parameter")
        queries = [direct]
    if len(queries) > 1:
        raise problem(400, f"exactly one query is allowed; got {len(queries)} query parameters")
    if request.method == "POST" and not queries:
        raise problem(400, "missing query: send query=... or an application/sparql-query body")
    if queries and not queries[0].strip():
        raise problem(400, "the query is empty")
    if queries:
        _check_size(queries[0])
        _check_depth(queries[0])
    return Operation(
        queries[0] if queries else None,
        ProtocolDataset(
            tuple(params.get("default-graph-uri", [])), tuple(params.get("named-graph-uri", []))
        ),
        params.get("format", []),
    )


def _check_size(query: str) -> None:
    limit = int(state().config["limits"]["max_query_bytes"])
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise problem(
            413,
            f"the query is {size} bytes; this endpoint takes at most {limit} "
            "(limits.max_query_bytes)",
            limit=limit,
        )


def _check_depth(query: str) -> None:
    limit = int(state().config["limits"]["max_query_depth"])
    depth = too_deep(query, limit)
    if depth is not None:
        raise problem(
            400,
            f"the query nests {depth} levels deep (braces, parentheses, brackets, runs of "
            f"'!'); this endpoint takes at most {limit} (limits.max_query_depth)",
            limit=limit,
        )


def _utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise problem(400, f"the {where} is not valid UTF-8 (byte {exc.start})") from None


def _parameters(raw: bytes, where: str) -> dict[str, list[str]]:
    text = _utf8(raw, where)
    try:
        return parse_qs(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARAMETERS,
        )
    except UnicodeDecodeError:
        raise problem(400, f"the {where} has percent-encoded bytes that are not UTF-8") from None
    except ValueError as exc:
        raise problem(400, f"the {where} is malformed: {exc}") from None


# --- answering --------------------------------------------------------------------------
def run_query(operation: Operation) -> Response:
    """Negotiate by query form first (406 costs nothing), then run and serialise."""
    assert operation.query is not None
    kind = ResultKind.for_form(query_form(operation.query))
    fmt = negotiate(kind.formats, operation.formats) if kind else None
    result = state().store.query(operation.query, operation.dataset or None)
    if fmt is None or fmt not in result.formats:
        fmt = negotiate(result.formats, operation.formats)
    capped = _capped(result, fmt, int(state().config["limits"]["max_result_rows"]))
    response = Response(capped.data, content_type=content_type(fmt))
    if capped.truncated:
        response.headers[TRUNCATION_HEADER] = f"true; limit={capped.limit}"
    return response


def _capped(result: QueryResult, fmt: Format, max_rows: int) -> Capped:
    """The result under the row cap (stores that cannot cap serialise it whole)."""
    from publisher.web.ops import limits_url

    writer = getattr(result, "serialize_capped", None)
    if writer is None:
        return Capped(result.serialize(fmt), False, None, None)
    return writer(fmt, max_rows, limits_url())


def service_description(format_values: list[str]) -> Response:
    """The SPARQL 1.1 Service Description, or the HTML query page for browsers."""
    fmt = negotiate(SD_FORMATS, format_values)
    vary_on("Accept-Language")  # the same URL serves an HTML page that is language-dependent
    shared = state()
    endpoint_url = request.base_url
    root = request.host_url + request.script_root.lstrip("/")
    root = root if root.endswith("/") else root + "/"
    if fmt == mt.HTML:
        lang = negotiate_language()
        page = render_template(
            "sparql.html",
            lang=lang,
            t=TEXTS[lang],
            endpoint=endpoint_url,
            root=root,
            examples=EXAMPLES,
            graphs=[(g, shared.store.count_triples(g)) for g in shared.store.graphs()],
            total=shared.store.count_triples(),
            sd_formats=[f for f in SD_FORMATS if f != mt.HTML],
            result_formats=FORM_FORMATS,
        )
        response = Response(page, content_type=content_type(fmt))
        response.headers["Content-Language"] = lang
        return response
    data = _sd_bytes(shared.store, endpoint_url, root, shared.config.base_iri, fmt)
    return Response(data, content_type=content_type(fmt))


# Keyed by data version (not by store object, so a replaced store is not kept alive) and by
# the endpoint URL, which is part of the description. Cleared when full: the Host header
# is client-controlled, so the number of keys must stay bounded.
_SD_CACHE_SIZE = 64
_sd_graphs: dict[tuple[str, str, str, str], Graph] = {}
_sd_documents: dict[tuple[str, str, str, str, str], bytes] = {}


def _sd_bytes(store: Store, endpoint: str, root: str, base: str, fmt: Format) -> bytes:
    key = (store.version, endpoint, root, base, fmt.name)
    data = _sd_documents.get(key)
    if data is None:
        graph_key = key[:4]
        graph = _sd_graphs.get(graph_key)
        if graph is None:
            graph = _remember(_sd_graphs, graph_key, _sd_graph(store, endpoint, root, base))
        data = graph.serialize(format=_RDFLIB_NAMES[fmt], encoding="utf-8")
        _remember(_sd_documents, key, data)
    return data


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= _SD_CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def _sd_graph(store: Store, endpoint: str, root: str, base: str) -> Graph:
    """The service description: built once per data version and endpoint URL."""
    iris = Iris(base)
    graph = bind_prefixes(Graph())
    service = iris.data_service()
    endpoint_ref = URIRef(endpoint)
    void_url, catalog_url = URIRef(root + ".well-known/void"), URIRef(root + "catalog")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, SD.endpoint, endpoint_ref))
    graph.add((service, DCAT.endpointURL, endpoint_ref))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*mt.RESULTS_FORMATS, *mt.RDF_FORMATS):
        graph.add((service, SD.resultFormat, URIRef(fmt.w3c_iri)))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, RDFS.seeAlso, void_url))
    graph.add((service, RDFS.seeAlso, catalog_url))
    graph.add((iris.catalog(), DCAT.service, service))

    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint_ref))
    graph.add((dataset, RDFS.seeAlso, void_url))
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, _count(store.count_triples())))
    for name in store.graphs():
        named, inner = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        graph.add((inner, VOID.triples, _count(store.count_triples(name))))
    return graph


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


# --- the HTML page ----------------------------------------------------------------------
FORM_FORMATS: tuple[Format, ...] = (
    *mt.RESULTS_FORMATS, mt.TURTLE, mt.JSONLD, mt.RDFXML, mt.NTRIPLES
)

EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "Grafi e numero di triple",
        "Graphs and their triple counts",
        "SELECT ?graph (COUNT(*) AS ?triples)\nWHERE { GRAPH ?graph { ?s ?p ?o } }\n"
        "GROUP BY ?graph\nORDER BY ?graph",
    ),
    (
        "Classi più usate",
        "Most used classes",
        "SELECT ?class (COUNT(?s) AS ?instances)\nWHERE { ?s a ?class }\n"
        "GROUP BY ?class\nORDER BY DESC(?instances)\nLIMIT 25",
    ),
    (
        "Etichette in italiano",
        "Labels in Italian",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?resource ?label\nWHERE {\n  ?resource rdfs:label ?label\n"
        '  FILTER(langMatches(lang(?label), "it"))\n}\nLIMIT 25',
    ),
    (
        "Un grafo RDF (CONSTRUCT)",
        "An RDF graph (CONSTRUCT)",
        "CONSTRUCT { ?s ?p ?o }\nWHERE { ?s ?p ?o }\nLIMIT 20",
    ),
)

TEXTS: dict[str, dict[str, str]] = {
    "it": {
        "title": "Endpoint SPARQL",
        "intro": "Interroga i dati aperti collegati dei masterplan con SPARQL 1.1 "
        "(solo lettura). Il grafo di default è l'unione di tutti i grafi con nome.",
        "query": "Query",
        "format": "Formato del risultato",
        "auto": "automatico (intestazione Accept)",
        "run": "Esegui",
        "examples": "Esempi",
        "try": "prova",
        "dataset": "Dati",
        "graph": "Grafo",
        "triples": "triple",
        "total": "Grafo di default (unione)",
        "description": "Descrizione del servizio",
        "void": "Descrizione VoID del dataset",
        "catalog": "Catalogo DCAT-AP_IT",
    },
    "en": {
        "title": "SPARQL endpoint",
        "intro": "Query the masterplans' Linked Open Data with SPARQL 1.1 (read-only). "
        "The default graph is the union of all named graphs.",
        "query": "Query",
        "format": "Result format",
        "auto": "automatic (Accept header)",
        "run": "Run",
        "examples": "Examples",
        "try": "try it",
        "dataset": "Data",
        "graph": "Graph",
        "triples": "triples",
        "total": "Default graph (union)",
        "description": "Service description",
        "void": "VoID description of the dataset",
        "catalog": "DCAT-AP_IT catalogue",
    },
}
