"""What ``GET /sparql`` without a query answers: the SPARQL 1.1 Service Description, or the
HTML query page for browsers (``publisher.web.endpoint.page``).

The description is negotiated among the document formats (``mediatypes.DOCUMENT_OFFERS``:
Turtle for ``*/*``, HTML for browsers) and written by ``publisher.serialize`` like every
other document, so its JSON-LD is compacted with the project's context. It depends on the
data (graph names and counts) and on the endpoint URL the client used, so it is built once
per data version and URL, in the app's cache (bounded: the Host header is the client's).
"""

from __future__ import annotations

from flask import Response, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF, RDFS, VOID, XSD

from publisher import mediatypes as mt
from publisher.iris import Iris
from publisher.namespaces import SD, bind_prefixes
from publisher.serialize import serialize_graph
from publisher.store import Store
from publisher.web.context import state
from publisher.web.endpoint.page import editor_page
from publisher.web.http.caching import vary_on
from publisher.web.http.negotiation import content_type, negotiate

SD_CACHE_SIZE = 64


def service_description(format_values: list[str]) -> Response:
    """The SPARQL 1.1 Service Description, or the HTML query page for browsers."""
    offers = mt.DOCUMENT_OFFERS
    fmt = negotiate(offers, format_values)
    vary_on("Accept-Language")  # the same URL serves an HTML page that is language-dependent
    shared = state()
    endpoint_url = request.base_url
    site = request.host_url + request.script_root.lstrip("/")
    site = site if site.endswith("/") else site + "/"
    if fmt == mt.HTML:
        return editor_page()
    store, base = shared.store, shared.config.base_iri
    memo = shared.memo("endpoint.service", SD_CACHE_SIZE)
    graph = memo.get(
        (endpoint_url, site, base), lambda: sd_graph(store, endpoint_url, site, base),
        version=store.version,
    )
    data = memo.get(
        (endpoint_url, site, base, fmt.name), lambda: serialize_graph(graph, fmt),
        version=store.version,
    )
    return Response(data, content_type=content_type(fmt))


def sd_graph(store: Store, endpoint: str, root: str, base: str) -> Graph:
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
