"""``/catalog`` in pages, as harvesters read them (docs/harvesting.md).

Why this shape: dati.gov.it's CKAN (ckanext-dcat) and data.europa.eu's importer (piveau)
read Hydra paging differently, and one page shape satisfies both: a node typed
``hydra:PagedCollection`` with ``hydra:totalItems`` on every page and both ``hydra:next``
(ckanext-dcat) and ``hydra:nextPage`` (piveau reads only that one on a PagedCollection), plus
first/last/previous in both spellings and ``hydra:itemsPerPage``. Page links are built from
the configured base IRI, never from the request (a proxy would break them), and carry only
``page`` and ``modified_since``.

A page holds the catalogue node (with ``dcat:dataset`` for its own datasets only), what it
reaches (agent, licence, service, taxonomies) and its datasets with everything they reach:
each page stands alone, as each is parsed alone. Items are the datasets, by IRI; the last
page is never empty (a catalogue with no dataset is one page), and past it is a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from publisher.closure import reachable
from publisher.namespaces import HYDRA as HYDRA_NS
from publisher.namespaces import bind_prefixes

HYDRA = Namespace(str(HYDRA_NS))
# (current, deprecated) spellings: ckanext-dcat writes and reads both; piveau reads nextPage.
LINKS = {
    "first": (HYDRA.first, HYDRA.firstPage),
    "last": (HYDRA.last, HYDRA.lastPage),
    "previous": (HYDRA.previous, HYDRA.previousPage),
    "next": (HYDRA.next, HYDRA.nextPage),
}


@dataclass(frozen=True)
class Page:
    """One page of the catalogue: its graph, number, the last number and the item count."""

    graph: Graph
    number: int
    last: int
    total: int


def page_url(catalog: str, number: int, since: dt.date | None) -> str:
    query = {"page": number} | ({"modified_since": since.isoformat()} if since else {})
    return f"{catalog}?{urlencode(query)}"


def datasets(graph: Graph, catalog: URIRef, since: dt.date | None) -> list[URIRef]:
    """The catalogue's datasets by IRI, those modified on or after ``since`` only."""
    listed = sorted(graph.objects(catalog, DCAT.dataset), key=str)
    if since is None:
        return listed
    return [d for d in listed if _modified(graph, d) is not None and _modified(graph, d) >= since]


def _modified(graph: Graph, node: URIRef) -> dt.date | None:
    value = graph.value(node, DCTERMS.modified)
    python = value.toPython() if isinstance(value, Literal) else None
    if isinstance(python, dt.datetime):
        return python.date()
    return python if isinstance(python, dt.date) else None


def catalogue_page(
    graph: Graph, catalog: URIRef, size: int, number: int, since: dt.date | None
) -> Page | None:
    """Page ``number`` (1 first) of ``size`` datasets; None past the last page."""
    items = datasets(graph, catalog, since)
    last = max(1, -(-len(items) // size))
    if not 1 <= number <= last:
        return None
    mine = items[(number - 1) * size : number * size]
    page = bind_prefixes(Graph())
    page.bind("hydra", HYDRA)
    others = set(graph.objects(catalog, DCAT.dataset)) - set(mine)
    for triple in reachable([catalog, *mine], lambda node: graph.triples((node, None, None))):
        if not (triple[0] == catalog and triple[1] == DCAT.dataset and triple[2] in others):
            page.add(triple)
    node = URIRef(page_url(str(catalog), number, since))
    page.add((node, RDF.type, HYDRA.PagedCollection))
    page.add((node, RDF.type, HYDRA.PartialCollectionView))
    page.add((node, HYDRA.totalItems, Literal(len(items), datatype=XSD.integer)))
    page.add((node, HYDRA.itemsPerPage, Literal(size, datatype=XSD.integer)))
    targets = {"first": 1, "last": last, "previous": number - 1, "next": number + 1}
    for name, target in targets.items():
        if 1 <= target <= last:
            for predicate in LINKS[name]:
                page.add((node, predicate, URIRef(page_url(str(catalog), target, since))))
    return Page(page, number, last, len(items))
