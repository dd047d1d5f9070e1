"""Every RDF and SPARQL-results format the project reads or writes, named once: the format registry.

The tables at the end are the only lists of formats: negotiation, the Linked Data
documents, the VoID and catalogue documents, the service description and the query page
all read :data:`DOCUMENT_OFFERS` (at request time), ``?format=`` and file extensions are
looked up in the ``BY_*`` tables, and the SPARQL endpoint offers :data:`RDF_FORMATS` /
:data:`RESULTS_FORMATS` by query form (``publisher.store.ResultKind``). To add a format,
define it here and put it in the tables it belongs to (docs/architecture.md, "Add a
result format"); ``publisher.serialize`` writes any graph format pyoxigraph knows.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class Format:
    """One serialisation: its media type, file extension and W3C format IRI."""

    name: str
    media_type: str
    extension: str
    w3c_iri: str
    eu_file_type: str | None = None
    rdf_format: RdfFormat | None = None
    results_format: QueryResultsFormat | None = None
    datasets: bool = False  # can carry named graphs

    @property
    def is_rdf(self) -> bool:
        return self.rdf_format is not None

    @property
    def label(self) -> str:
        """The format's name as people know it, for link texts ("Turtle", "RDF/XML")."""
        return LABELS.get(self.name, self.name.upper())


# Names for people where the format's own name is not one (the rest: the name in capitals).
LABELS = {
    "turtle": "Turtle", "ntriples": "N-Triples", "rdfxml": "RDF/XML", "jsonld": "JSON-LD",
    "trig": "TriG", "nquads": "N-Quads", "json": "SPARQL JSON", "xml": "SPARQL XML",
    "rows": "JSON",
}  # fmt: skip


_W3C = "http://www.w3.org/ns/formats/"

TURTLE = Format("turtle", "text/turtle", "ttl", _W3C + "Turtle", "RDF_TURTLE", RdfFormat.TURTLE)
NTRIPLES = Format(
    "ntriples",
    "application/n-triples",
    "nt",
    _W3C + "N-Triples",
    "RDF_N_TRIPLES",
    RdfFormat.N_TRIPLES,
)
RDFXML = Format(
    "rdfxml", "application/rdf+xml", "rdf", _W3C + "RDF_XML", "RDF_XML", RdfFormat.RDF_XML
)
JSONLD = Format(
    "jsonld", "application/ld+json", "jsonld", _W3C + "JSON-LD", "JSON_LD", RdfFormat.JSON_LD
)
TRIG = Format(
    "trig", "application/trig", "trig", _W3C + "TriG", "RDF_TRIG", RdfFormat.TRIG, datasets=True
)
NQUADS = Format(
    "nquads",
    "application/n-quads",
    "nq",
    _W3C + "N-Quads",
    "RDF_N_QUADS",
    RdfFormat.N_QUADS,
    datasets=True,
)
RESULTS_JSON = Format(
    "json",
    "application/sparql-results+json",
    "srj",
    _W3C + "SPARQL_Results_JSON",
    results_format=QueryResultsFormat.JSON,
)
RESULTS_XML = Format(
    "xml",
    "application/sparql-results+xml",
    "srx",
    _W3C + "SPARQL_Results_XML",
    results_format=QueryResultsFormat.XML,
)
RESULTS_CSV = Format(
    "csv",
    "text/csv",
    "csv",
    _W3C + "SPARQL_Results_CSV",
    "CSV",
    results_format=QueryResultsFormat.CSV,
)
RESULTS_TSV = Format(
    "tsv",
    "text/tab-separated-values",
    "tsv",
    _W3C + "SPARQL_Results_TSV",
    "TSV",
    results_format=QueryResultsFormat.TSV,
)
HTML = Format("html", "text/html", "html", _W3C + "RDFa", "HTML")

RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, RDFXML, NTRIPLES, TRIG, NQUADS)
RESULTS_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
# What a document (a thing's description, the ontology, VoID, the catalogue, the service
# description) is offered in, server preference first: curl's */* gets Turtle, browsers
# get HTML (graphs only, no datasets).
DOCUMENT_OFFERS: tuple[Format, ...] = (TURTLE, HTML, JSONLD, RDFXML, NTRIPLES)
ALL_FORMATS: tuple[Format, ...] = (HTML, *RDF_FORMATS, *RESULTS_FORMATS)
# Everything a SPARQL query can answer in, whatever its form.
QUERY_FORMATS: tuple[Format, ...] = (*RESULTS_FORMATS, *RDF_FORMATS)

BY_EXTENSION: dict[str, Format] = {f.extension: f for f in ALL_FORMATS}
BY_NAME: dict[str, Format] = {f.name: f for f in ALL_FORMATS}
BY_MEDIA_TYPE: dict[str, Format] = {f.media_type: f for f in ALL_FORMATS}


def rdf_offers() -> tuple[Format, ...]:
    """The document offers that are RDF (the twins of an HTML page)."""
    return tuple(f for f in DOCUMENT_OFFERS if f is not HTML)


def with_page(offers: tuple[Format, ...]) -> tuple[Format, ...]:
    """A query's result formats and, last, the HTML page for people (``/sparql``): last, so
    only a client that names ``text/html`` gets it; ``*/*`` and ``text/*`` still get the
    first result format of their kind."""
    return (*offers, HTML)


def lookup(token: str) -> Format | None:
    """A format from a ``?format=`` value: a name, an extension or a media type."""
    token = token.strip().lower()
    return BY_NAME.get(token) or BY_EXTENSION.get(token) or BY_MEDIA_TYPE.get(token)
