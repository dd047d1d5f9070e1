"""The VoID description of the published data: statistics by SPARQL, then an RDF graph.

Why the numbers come from SPARQL through :class:`publisher.store.Store` and not from the
build's own counts: VoID readers check them against the endpoint (``SELECT (COUNT(*) ...)``),
so they are computed by the same engine over the same dataset a client queries. The top
dataset is the **union default graph** (what ``/sparql`` answers without ``FROM``: every
named graph, each triple once); each city subset is its **named graph**. Going through the
Store interface also keeps this working for a remote store.

Definitions (VoID §4.5, §4.6), each one a single SPARQL aggregate:

- ``void:triples`` = ``COUNT(*)`` of ``?s ?p ?o``;
- ``void:entities`` = distinct **IRI** subjects (VoID: "an entity must have a URI"; we do
  not also filter by ``void:uriSpace``, because the union holds the ontology and the EU/
  ISTAT terms the catalogue describes, and a reader compares with the simple count);
- ``void:distinctSubjects`` / ``void:distinctObjects`` / ``void:properties`` = distinct
  subjects (IRIs and blank nodes) / objects / predicates;
- ``void:classes`` = distinct objects of ``rdf:type``;
- class partition: ``void:entities`` = distinct IRI instances of the class,
  ``void:distinctSubjects`` = all its distinct instances (blank nodes too); only classes
  that are IRIs get a partition (a blank-node class cannot be named outside the document);
- property partition: ``void:triples``, ``void:distinctSubjects``, ``void:distinctObjects``;
- ``void:vocabulary`` = the namespaces of every predicate and class used (the IRI up to its
  last ``#`` or ``/``).

This module knows nothing about HTTP; ``publisher.web.about.routes`` caches the result per
data version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from publisher import mediatypes as mt
from publisher.iris import CATALOG_GRAPH, Iris
from publisher.namespaces import bind_prefixes
from publisher.store import Store
from publisher.web.texts import VOID_DOCUMENT


@dataclass(frozen=True, order=True)
class ClassPartition:
    iri: str
    entities: int  # distinct IRI instances
    distinct_subjects: int  # distinct instances, blank nodes included


@dataclass(frozen=True, order=True)
class PropertyPartition:
    iri: str
    triples: int
    distinct_subjects: int
    distinct_objects: int


@dataclass(frozen=True)
class Statistics:
    """The VoID numbers of one dataset (the union default graph or one named graph)."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    properties: int
    classes: int
    class_partitions: tuple[ClassPartition, ...]
    property_partitions: tuple[PropertyPartition, ...]
    vocabularies: tuple[str, ...]


@dataclass(frozen=True)
class Subset:
    """One city's dataset: its named graph, described as a VoID subset."""

    city: str
    iri: str
    graph: str
    titles: dict[str, str]
    uri_space: str
    example: str
    dumps: tuple[str, ...]
    stats: Statistics


@dataclass(frozen=True)
class VoidDocument:
    """Everything the VoID document says; rendered as RDF or as an HTML page."""

    iri: str
    document: str
    base: str
    version: str
    built_at: datetime
    licence: str
    publisher: str | None
    homepage: str
    endpoint: str
    catalog: str
    dumps: tuple[str, ...]
    examples: tuple[str, ...]
    formats: tuple[mt.Format, ...]
    stats: Statistics
    subsets: tuple[Subset, ...]


# --- SPARQL -------------------------------------------------------------------------------
SUMMARY = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
  (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { %s }"""
ENTITIES = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { %s FILTER(isIRI(?s)) }"
CLASSES = """SELECT ?class (COUNT(?s) AS ?instances) (SUM(IF(isIRI(?s), 1, 0)) AS ?entities)
WHERE { SELECT DISTINCT ?class ?s WHERE { %s } }
GROUP BY ?class"""
PROPERTIES = """SELECT ?p (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
  (COUNT(DISTINCT ?o) AS ?objects)
WHERE { %s }
GROUP BY ?p"""
TITLES = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?dataset ?title WHERE { GRAPH <%s> { ?dataset dct:title ?title } }"""
PUBLISHER = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?agent WHERE { GRAPH <%s> { <%s> dct:publisher ?agent } } ORDER BY ?agent LIMIT 1"""
TRIPLE = "?s ?p ?o"
TYPED = "?s a ?class"


def _scoped(pattern: str, graph: str | None) -> str:
    return pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}"


def select(store: Store, sparql: str) -> list[dict[str, dict[str, str]]]:
    """The bindings of a SELECT, as SPARQL JSON results (store-agnostic)."""
    data = json.loads(store.query(sparql).serialize(mt.RESULTS_JSON))
    return data["results"]["bindings"]


def _int(row: dict[str, dict[str, str]], name: str) -> int:
    return int(row[name]["value"]) if name in row else 0


def namespace(iri: str) -> str:
    """The vocabulary an IRI belongs to: up to its last '#', else its last '/'."""
    cut = iri.rfind("#")
    if cut < 0:
        cut = iri.rfind("/")
    return iri[: cut + 1] if cut >= 0 else iri


def statistics(store: Store, graph: str | None = None) -> Statistics:
    """VoID statistics of the union default graph (None) or of one named graph."""
    (summary,) = select(store, SUMMARY % _scoped(TRIPLE, graph))
    (entities,) = select(store, ENTITIES % _scoped(TRIPLE, graph))
    class_rows = select(store, CLASSES % _scoped(TYPED, graph))
    property_rows = select(store, PROPERTIES % _scoped(TRIPLE, graph))
    classes = tuple(
        sorted(
            ClassPartition(r["class"]["value"], _int(r, "entities"), _int(r, "instances"))
            for r in class_rows
            if r["class"]["type"] == "uri"
        )
    )
    properties = tuple(
        sorted(
            PropertyPartition(
                r["p"]["value"], _int(r, "triples"), _int(r, "subjects"), _int(r, "objects")
            )
            for r in property_rows
        )
    )
    used = [c.iri for c in classes] + [p.iri for p in properties]
    return Statistics(
        triples=_int(summary, "triples"),
        entities=_int(entities, "n"),
        distinct_subjects=_int(summary, "subjects"),
        distinct_objects=_int(summary, "objects"),
        properties=_int(summary, "properties"),
        classes=len(class_rows),
        class_partitions=classes,
        property_partitions=properties,
        vocabularies=tuple(sorted({namespace(iri) for iri in used})),
    )


def statistics_description(
    store: Store,
    base: str,
    licence: str,
    dump_names: Iterable[str],
) -> VoidDocument:
    """Compute the whole description (one SPARQL pass per dataset): call once per version."""
    iris = Iris(base)
    names = sorted(dump_names)
    catalog_graph = str(iris.graph(CATALOG_GRAPH))
    titles: dict[str, dict[str, str]] = {}
    for row in select(store, TITLES % catalog_graph):
        lang = row["title"].get("xml:lang", "")
        titles.setdefault(row["dataset"]["value"], {})[lang] = row["title"]["value"]
    agents = select(store, PUBLISHER % (catalog_graph, iris.catalog()))
    subsets = []
    for graph in store.graphs():
        city = iris.city_of_graph(graph)
        if city is None:
            continue
        dataset = str(iris.dataset(city))
        subsets.append(
            Subset(
                city=city,
                iri=dataset,
                graph=graph,
                titles=titles.get(dataset, {"": city}),
                uri_space=f"{base}id/{city}/",
                example=str(iris.thing(city, "masterplan")),
                dumps=tuple(str(iris.dump(n)) for n in names if n.rsplit(".", 1)[0] == city),
                stats=statistics(store, graph),
            )
        )
    return VoidDocument(
        iri=str(iris.all_datasets()),
        document=str(iris.void_description()),
        base=base,
        version=store.version,
        built_at=store.built_at,
        licence=licence,
        publisher=agents[0]["agent"]["value"] if agents else None,
        homepage=base,
        endpoint=str(iris.data_service()),
        catalog=str(iris.catalog()),
        dumps=tuple(str(iris.dump(n)) for n in names if n.rsplit(".", 1)[0] == "all"),
        examples=tuple(s.example for s in subsets),
        formats=mt.RDF_FORMATS,
        stats=statistics(store),
        subsets=tuple(subsets),
    )


# --- RDF ----------------------------------------------------------------------------------
def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def _add_statistics(graph: Graph, node: URIRef, stats: Statistics) -> None:
    for prop, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
        (VOID.properties, stats.properties),
        (VOID.classes, stats.classes),
    ):
        graph.add((node, prop, _count(value)))
    for vocabulary in stats.vocabularies:
        graph.add((node, VOID.vocabulary, URIRef(vocabulary)))
    for cls in stats.class_partitions:
        part = BNode()
        graph.add((node, VOID.classPartition, part))
        graph.add((part, RDF.type, VOID.Dataset))
        graph.add((part, VOID["class"], URIRef(cls.iri)))
        graph.add((part, VOID.entities, _count(cls.entities)))
        graph.add((part, VOID.distinctSubjects, _count(cls.distinct_subjects)))
    for prop in stats.property_partitions:
        part = BNode()
        graph.add((node, VOID.propertyPartition, part))
        graph.add((part, RDF.type, VOID.Dataset))
        graph.add((part, VOID.property, URIRef(prop.iri)))
        graph.add((part, VOID.triples, _count(prop.triples)))
        graph.add((part, VOID.distinctSubjects, _count(prop.distinct_subjects)))
        graph.add((part, VOID.distinctObjects, _count(prop.distinct_objects)))


def _add_common(graph: Graph, node: URIRef, desc: VoidDocument) -> None:
    graph.add((node, RDF.type, VOID.Dataset))
    graph.add((node, VOID.sparqlEndpoint, URIRef(desc.endpoint)))
    graph.add((node, DCTERMS.license, URIRef(desc.licence)))
    graph.add((node, DCTERMS.modified, Literal(desc.built_at, datatype=XSD.dateTime)))
    if desc.publisher:
        graph.add((node, DCTERMS.publisher, URIRef(desc.publisher)))
    for fmt in desc.formats:
        graph.add((node, VOID.feature, URIRef(fmt.w3c_iri)))


def void_graph(desc: VoidDocument) -> Graph:
    """The VoID document as RDF; every IRI in it is canonical (under the base IRI)."""
    graph = bind_prefixes(Graph())
    top, document = URIRef(desc.iri), URIRef(desc.document)
    graph.add((document, RDF.type, VOID.DatasetDescription))
    graph.add((document, FOAF.primaryTopic, top))
    graph.add((document, DCTERMS.modified, Literal(desc.built_at, datatype=XSD.dateTime)))
    for lang, text in VOID_DOCUMENT["document"].items():
        graph.add((document, DCTERMS.title, Literal(text, lang=lang)))

    _add_common(graph, top, desc)
    for key in ("title", "description"):
        for lang, text in VOID_DOCUMENT[key].items():
            graph.add((top, DCTERMS[key], Literal(text, lang=lang)))
    graph.add((top, FOAF.homepage, URIRef(desc.homepage)))
    graph.add((top, RDFS.seeAlso, URIRef(desc.catalog)))
    if desc.dumps:  # a build's own description (not a bare store): its change feed too
        graph.add((top, RDFS.seeAlso, URIRef(desc.base + "feed")))
    graph.add((top, VOID.uriSpace, Literal(desc.base)))
    for dump in desc.dumps:
        graph.add((top, VOID.dataDump, URIRef(dump)))
    for example in desc.examples:
        graph.add((top, VOID.exampleResource, URIRef(example)))
    _add_statistics(graph, top, desc.stats)

    for subset in desc.subsets:
        node = URIRef(subset.iri)
        graph.add((top, VOID.subset, node))
        _add_common(graph, node, desc)
        for lang, text in subset.titles.items():
            graph.add((node, DCTERMS.title, Literal(text, lang=lang or None)))
        graph.add((node, VOID.uriSpace, Literal(subset.uri_space)))
        graph.add((node, VOID.exampleResource, URIRef(subset.example)))
        graph.add((node, VOID.rootResource, URIRef(subset.example)))
        for dump in subset.dumps:
            graph.add((node, VOID.dataDump, URIRef(dump)))
        _add_statistics(graph, node, subset.stats)
    return graph
