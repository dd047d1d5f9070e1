"""Provenance and quality of a harvest, as data (aggregation-research §4): PROV, SHACL, DQV.

Everything here goes into the aggregate's ``graph/harvest`` (a ``dqv:QualityMetadata``):

- the run ``harvest/{run}`` and, per source, the activity ``harvest/{run}/{source}``
  (``prov:Activity`` and ``schema:Action``): start, end, the catalogue and the URLs it
  fetched (``prov:used``), its outcome (``schema:actionStatus`` completed or failed, with
  ``schema:error`` the reason), the cities it generated;
- per city, for the version in place (written when it is harvested, carried over while it
  stays): the downloaded file ``harvest/{run}/{source}/{city}`` (``prov:Entity``, derived
  from the original distribution, with its URL, size and SHA-256), the SHACL validation
  report with an IRI, attached to the dataset as a ``dqv:QualityCertificate``, and the
  DQV measurements below, each ``dqv:computedOn`` the aggregate's dataset;
- the metrics and dimensions themselves (``vocab/quality-metric/…``), so the graph explains
  its own numbers.

Per source, the catalogue's own measures (:func:`catalogue_measures`): its pages, its city
datasets and the EU MQA score it publishes (:mod:`publisher.harvest.mqa`), derived from the
source's DQV document when it links one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Graph, Namespace
from rdflib.namespace import SH as RDFLIB_SH

from publisher.catalog import SPDX
from publisher.harvest.catalogue import Catalogue
from publisher.harvest.mqa import Mqa
from publisher.harvest.results import City, SourceResult
from publisher.harvest.validate import Measures
from publisher.iris import Iris
from publisher.rdf import (
    DCAT,
    DCTERMS,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
    Terms,
    date_time,
    decimal,
    integer,
    text,
    typed,
)
from publisher.serialize import to_triples

DQV = Terms(Namespace("http://www.w3.org/ns/dqv#"))
OA = Terms(Namespace("http://www.w3.org/ns/oa#"))
SH = Terms(RDFLIB_SH)

# name -> (dimension, datatype, Italian label, English label)
METRICS: dict[str, tuple[str, ox.NamedNode, str, str]] = {
    "triples": ("completeness", XSD.integer, "Triple pubblicate", "Triples published"),
    "declared-actions": (
        "completeness",
        XSD.integer,
        "Azioni dichiarate (massimo tra le fonti)",
        "Declared actions (highest among the sources)",
    ),
    "published-actions": ("completeness", XSD.integer, "Azioni pubblicate", "Published actions"),
    "action-coverage": (
        "completeness",
        XSD.decimal,
        "Copertura delle azioni: pubblicate / dichiarate",
        "Action coverage: published / declared",
    ),
    "shacl-violations": ("conformance", XSD.integer, "Violazioni SHACL", "SHACL violations"),
    "shacl-warnings": ("conformance", XSD.integer, "Avvisi SHACL", "SHACL warnings"),
    "catalogue-pages": ("findability", XSD.integer, "Pagine del catalogo", "Catalogue pages"),
    "catalogue-datasets": (
        "findability",
        XSD.integer,
        "Dataset di città nel catalogo",
        "City datasets in the catalogue",
    ),
    "mqa-score": (
        "metadata-quality",
        XSD.decimal,
        "Punteggio MQA del catalogo (data.europa.eu, su 405), come lo pubblica la fonte",
        "MQA score of the catalogue (data.europa.eu, out of 405), as the source publishes it",
    ),
}
DIMENSIONS = {
    "completeness": ("Completezza", "Completeness"),
    "conformance": ("Conformità alle shape", "Conformance to the shapes"),
    "findability": ("Reperibilità", "Findability"),
    "metadata-quality": ("Qualità dei metadati (MQA)", "Metadata quality (MQA)"),
}
EARL_ASSERTION = ox.NamedNode("http://www.w3.org/ns/earl#Assertion")
STATUS = {True: SCHEMA.CompletedActionStatus, False: SCHEMA.FailedActionStatus}


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def metric(name: str) -> ox.NamedNode:
    return _node(Iris.vocab("quality-metric", name))


def dimension(name: str) -> ox.NamedNode:
    return _node(Iris.vocab("quality-dimension", name))


def vocabulary() -> list[ox.Triple]:
    """The metrics and their dimensions, described."""
    out = []
    for name, (it, en) in DIMENSIONS.items():
        node = dimension(name)
        out += [
            ox.Triple(node, RDF.type, DQV.Dimension),
            ox.Triple(node, SKOS.prefLabel, text(it, "it")),
            ox.Triple(node, SKOS.prefLabel, text(en, "en")),
        ]
    for name, (dim, datatype, it, en) in METRICS.items():
        node = metric(name)
        out += [
            ox.Triple(node, RDF.type, DQV.Metric),
            ox.Triple(node, SKOS.prefLabel, text(it, "it")),
            ox.Triple(node, SKOS.prefLabel, text(en, "en")),
            ox.Triple(node, DQV.expectedDataType, datatype),
            ox.Triple(node, DQV.inDimension, dimension(dim)),
        ]
    return out


def measurement(
    target: ox.NamedNode, name: str, value: float | Decimal, activity: ox.NamedNode
) -> list[ox.Triple]:
    datatype = METRICS[name][1]
    literal = integer(int(value)) if datatype == XSD.integer else decimal(Decimal(str(value)))
    node = ox.BlankNode()
    return [
        ox.Triple(target, DQV.hasQualityMeasurement, node),
        ox.Triple(node, RDF.type, DQV.QualityMeasurement),
        ox.Triple(node, DQV.computedOn, target),
        ox.Triple(node, DQV.isMeasurementOf, metric(name)),
        ox.Triple(node, DQV.value, literal),
        ox.Triple(node, PROV.wasGeneratedBy, activity),
    ]


def measures_of(measures: Measures) -> dict[str, float]:
    """A city's measurements by metric name (those that apply)."""
    values: dict[str, float | None] = {
        "triples": measures.triples,
        "shacl-violations": measures.violations,
        "shacl-warnings": measures.warnings,
        "published-actions": measures.published_actions,
        "declared-actions": measures.declared_actions,
        "action-coverage": measures.action_coverage,
    }
    return {name: value for name, value in values.items() if value is not None}


def catalogue_measures(catalogue: Catalogue, mqa: Mqa | None) -> dict[str, float | Decimal]:
    """Measurements of a source's catalogue: its size, and the EU MQA score it publishes
    (its total; the 23 indicators stay in the source's own DQV, which the score cites)."""
    found: dict[str, float | Decimal] = {
        "catalogue-pages": len(catalogue.pages),
        "catalogue-datasets": len(catalogue.datasets),
    }
    if mqa is not None and mqa.score is not None:
        found["mqa-score"] = Decimal(mqa.score)
    return found


def shacl_report(report: Graph, iri: ox.NamedNode) -> list[ox.Triple]:
    """The validation report as triples, the report node named ``iri``."""
    triples = to_triples(report)
    nodes = {
        t.subject for t in triples if t.predicate == RDF.type and t.object == SH.ValidationReport
    }

    def named(term):
        return iri if term in nodes else term

    return [ox.Triple(named(t.subject), t.predicate, named(t.object)) for t in triples]


def annotation(dataset: ox.NamedNode, report: ox.NamedNode) -> list[ox.Triple]:
    node = ox.BlankNode()
    return [
        ox.Triple(dataset, DQV.hasQualityAnnotation, node),
        ox.Triple(node, RDF.type, DQV.QualityCertificate),
        ox.Triple(node, OA.motivatedBy, DQV.qualityAssessment),
        ox.Triple(node, OA.hasBody, report),
        ox.Triple(node, DQV.inDimension, dimension("conformance")),
    ]


class Provenance:
    """The harvest graph's triples for one run."""

    def __init__(self, iris: Iris, run_id: str) -> None:
        self.iris = iris
        self.run_id = run_id

    def activity(self, result: SourceResult) -> list[ox.Triple]:
        """The harvest of one source in this run."""
        node = _node(self.iris.harvest_activity(self.run_id, result.source.name))
        out = [
            ox.Triple(node, RDF.type, PROV.Activity),
            ox.Triple(node, RDF.type, SCHEMA.Action),
            ox.Triple(node, RDFS.label, text(f"harvest of {result.source.name} ({self.run_id})")),
            ox.Triple(node, DCTERMS.isPartOf, _node(self.iris.harvest_run(self.run_id))),
            ox.Triple(node, PROV.startedAtTime, date_time(result.started)),
            ox.Triple(node, PROV.endedAtTime, date_time(result.ended)),
            ox.Triple(node, PROV.wasAssociatedWith, _node(self.iris.software_agent())),
            ox.Triple(node, SCHEMA.actionStatus, STATUS[result.status.ok and not result.reason]),
            ox.Triple(node, SCHEMA.description, text(result.line())),
            ox.Triple(node, PROV.used, _node(result.source.catalog)),
        ]
        out += [ox.Triple(node, PROV.used, _node(url)) for url in dict.fromkeys(result.used)]
        if result.reason:
            out.append(ox.Triple(node, SCHEMA.error, text(result.reason)))
        return out

    def checks(self, result: SourceResult) -> list[ox.Triple]:
        """What this run found on the source beyond its cities: the catalogue's measures,
        the report of data the shapes refused."""
        node = _node(self.iris.harvest_activity(self.run_id, result.source.name))
        out = []
        if result.refused_report is not None:
            report = _node(self.iris.shacl_report(self.run_id, result.source.name, "refused"))
            out += shacl_report(result.refused_report, report)
            out.append(ox.Triple(node, PROV.generated, report))
        if result.catalogue is not None and result.catalogue.catalog:
            catalog = _node(result.catalogue.catalog)
            mqa = result.state.mqa
            for name, value in catalogue_measures(result.catalogue, mqa).items():
                found = measurement(catalog, name, value, node)
                if name == "mqa-score" and mqa and mqa.document:  # where the score was read
                    found.append(ox.Triple(found[1].subject, PROV.wasDerivedFrom,
                                           _node(mqa.document)))  # fmt: skip
                out += found
        if result.audit is not None:  # EARL assertions about the source's publisher
            out += result.audit.triples
            out += [
                ox.Triple(t.subject, PROV.wasGeneratedBy, node)
                for t in result.audit.triples
                if t.predicate == RDF.type and t.object == EARL_ASSERTION
            ]
        return out

    def city(self, result: SourceResult, key: str, city: City) -> list[ox.Triple]:
        """A freshly harvested city: its file, report and measurements (kept with it)."""
        assert city.checked is not None
        activity = _node(self.iris.harvest_activity(self.run_id, result.source.name))
        dataset = _node(self.iris.dataset(key))
        file = _node(self.iris.harvested_file(self.run_id, result.source.name, key))
        state = city.state
        checksum = ox.BlankNode()
        out = [
            ox.Triple(file, RDF.type, PROV.Entity),
            ox.Triple(file, PROV.wasGeneratedBy, activity),
            ox.Triple(file, DCAT.downloadURL, _node(state.download)),
            ox.Triple(file, DCAT.byteSize, integer(state.bytes, XSD.nonNegativeInteger)),
            ox.Triple(file, SPDX.checksum, checksum),
            ox.Triple(checksum, RDF.type, SPDX.Checksum),
            ox.Triple(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256),
            ox.Triple(checksum, SPDX.checksumValue, typed(state.sha256, XSD.hexBinary)),
            ox.Triple(dataset, PROV.wasDerivedFrom, file),
            ox.Triple(dataset, PROV.wasGeneratedBy, activity),
        ]
        if city.distribution:
            out.append(ox.Triple(file, PROV.wasDerivedFrom, _node(city.distribution)))
        report = _node(self.iris.shacl_report(self.run_id, result.source.name, key))
        out += shacl_report(city.checked.report, report)
        out.append(ox.Triple(report, PROV.wasGeneratedBy, activity))
        out += annotation(dataset, report)
        for name, value in measures_of(city.checked.measures).items():
            out += measurement(dataset, name, value, activity)
        out.append(ox.Triple(activity, PROV.generated, dataset))
        # The activity that generated this version, described with it (while the version
        # stays, later runs carry this file over); the same triples as in this run's.
        return out + self.activity(result)

    def run(
        self, started: dt.datetime, ended: dt.datetime, results: Iterable[SourceResult], graph: str
    ) -> list[ox.Triple]:
        """The run, every source's activity and checks, and the metrics' descriptions."""
        node = _node(self.iris.harvest_run(self.run_id))
        out = [
            ox.Triple(node, RDF.type, PROV.Activity),
            ox.Triple(node, RDFS.label, text(f"lodpub harvest {self.run_id}")),
            ox.Triple(node, PROV.startedAtTime, date_time(started)),
            ox.Triple(node, PROV.endedAtTime, date_time(ended)),
            ox.Triple(node, PROV.wasAssociatedWith, _node(self.iris.software_agent())),
            ox.Triple(_node(graph), RDF.type, DQV.QualityMetadata),
            ox.Triple(_node(graph), PROV.generatedAtTime, date_time(ended)),
            ox.Triple(_node(graph), PROV.wasGeneratedBy, node),
        ]
        for result in results:
            out += self.activity(result) + self.checks(result)
        return out + vocabulary()
