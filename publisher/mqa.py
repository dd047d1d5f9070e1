"""``lodpub mqa``: data.europa.eu's Metadata Quality Assessment, computed on our own catalogue.

Why here and not in the build: four of the 23 indicators are HTTP answers (HEAD on every
access and download URL) and the build never knows HTTP; the assessment is made the way the
EU portal makes it, as a harvester, against the running server: it reads ``/catalog``
page by page (``hydra:next``), sends HEAD to each distribution's URLs, checks each dataset's
document against the official SEMIC DCAT-AP 3.0.1 shapes (``shapes/dcat-ap-3.0.1/``, the
offline stand-in for the portal's SHACL service), and scores with the portal's weights
(../shared/design/aggregation-research.md §1.6; 405 points, rating bands 120/220/350).

The result is W3C DQV in the shape piveau stores (one ``dqv:QualityMeasurement`` per
metric, ``dqv:computedOn`` the dataset or distribution, ``dqv:isMeasurementOf`` the piveau
metric, ``dqv:value``), written as ``mqa.ttl`` into the build it assessed; the server serves
it at ``/mqa``, links it from the catalogue and shows the table on the catalogue page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, SH, XSD

from publisher import namespaces as ns
from publisher.distdir import MQA_FILE
from publisher.iris import Iris

__all__ = ["MQA_FILE", "run", "table"]

PV, DQV, HYDRA = (Namespace(str(n)) for n in (ns.MQA, ns.DQV, ns.HYDRA))
SEMIC_FOLDER = "dcat-ap-3.0.1"
EU = "http://publications.europa.eu/resource/authority/"
IANA = ("http://www.iana.org/assignments/media-types/",
        "https://www.iana.org/assignments/media-types/")  # fmt: skip
# The EDP lists of non-proprietary and machine-readable formats, as far as this catalogue's
# formats go (all RDF serialisations are on both).
OPEN_FORMATS = frozenset({"RDF_TURTLE", "RDF_XML", "JSON_LD", "RDF_N_TRIPLES", "RDF_N_QUADS",
                          "RDF_TRIG", "CSV", "JSON", "XML"})  # fmt: skip
RATINGS = ((351, "Excellent"), (221, "Good"), (121, "Sufficient"), (0, "Bad"))


@dataclass(frozen=True)
class Context:
    """What the checks need beyond the catalogue: HTTP statuses and SHACL results."""

    graph: Graph
    status: Callable[[str], int | None]
    compliant: Callable[[URIRef], bool]


Check = Callable[[Context, URIRef], bool]


@dataclass(frozen=True)
class Metric:
    name: str  # the piveau metric's local name
    dimension: str
    points: int
    on: str  # "dataset" or "distribution"
    check: Check


def _has(prop: URIRef) -> Check:
    return lambda c, node: c.graph.value(node, prop) is not None


def _in_table(prop: URIRef, table: str) -> Check:
    return lambda c, node: any(str(v).startswith(EU + table + "/")
                               for v in c.graph.objects(node, prop))  # fmt: skip


def _answers(prop: URIRef) -> Check:
    def check(c: Context, node: URIRef) -> bool:
        urls = [str(u) for u in c.graph.objects(node, prop)]
        return bool(urls) and all(200 <= (c.status(u) or 0) < 400 for u in urls)

    return check


def _format_code(c: Context, node: URIRef) -> str:
    return str(c.graph.value(node, DCTERMS["format"]) or "").rsplit("/", 1)[-1]


def _vocabularies(c: Context, node: URIRef) -> bool:
    media = str(c.graph.value(node, DCAT.mediaType) or "")
    return _in_table(DCTERMS["format"], "file-type")(c, node) and media.startswith(IANA)


def _dated(prop: URIRef) -> Check:
    """Issued / modified: on the distribution and on its dataset (as the portal counts)."""
    return lambda c, node: all(
        c.graph.value(n, prop) is not None
        for n in (node, *c.graph.subjects(DCAT.distribution, node))
    )


METRICS = (
    Metric("keywordAvailability", "findability", 30, "dataset", _has(DCAT.keyword)),
    Metric("categoryAvailability", "findability", 30, "dataset", _has(DCAT.theme)),
    Metric("spatialAvailability", "findability", 20, "dataset", _has(DCTERMS.spatial)),
    Metric("temporalAvailability", "findability", 20, "dataset", _has(DCTERMS.temporal)),
    Metric("accessUrlStatusCode", "accessibility", 50, "distribution", _answers(DCAT.accessURL)),
    Metric("downloadUrlAvailability", "accessibility", 20, "distribution",
           _has(DCAT.downloadURL)),
    Metric("downloadUrlStatusCode", "accessibility", 30, "distribution",
           _answers(DCAT.downloadURL)),
    Metric("formatAvailability", "interoperability", 20, "distribution", _has(DCTERMS["format"])),
    Metric("mediaTypeAvailability", "interoperability", 10, "distribution",
           _has(DCAT.mediaType)),
    Metric("formatMediaTypeVocabularyAlignment", "interoperability", 10, "distribution",
           _vocabularies),
    Metric("formatMediaTypeNonProprietary", "interoperability", 20, "distribution",
           lambda c, n: _format_code(c, n) in OPEN_FORMATS),
    Metric("formatMediaTypeMachineInterpretable", "interoperability", 20, "distribution",
           lambda c, n: _format_code(c, n) in OPEN_FORMATS),
    Metric("dcatApCompliance", "interoperability", 30, "dataset", lambda c, n: c.compliant(n)),
    Metric("licenceAvailability", "reusability", 20, "distribution", _has(DCTERMS.license)),
    Metric("knownLicence", "reusability", 10, "distribution",
           _in_table(DCTERMS.license, "licence")),
    Metric("accessRightsAvailability", "reusability", 10, "dataset",
           _has(DCTERMS.accessRights)),
    Metric("accessRightsVocabularyAlignment", "reusability", 5, "dataset",
           _in_table(DCTERMS.accessRights, "access-right")),
    Metric("contactPointAvailability", "reusability", 20, "dataset", _has(DCAT.contactPoint)),
    Metric("publisherAvailability", "reusability", 10, "dataset", _has(DCTERMS.publisher)),
    Metric("rightsAvailability", "contextuality", 5, "distribution", _has(DCTERMS.rights)),
    Metric("byteSizeAvailability", "contextuality", 5, "distribution", _has(DCAT.byteSize)),
    Metric("dateIssuedAvailability", "contextuality", 5, "distribution", _dated(DCTERMS.issued)),
    Metric("dateModifiedAvailability", "contextuality", 5, "distribution",
           _dated(DCTERMS.modified)),
)  # fmt: skip
TOTAL = sum(m.points for m in METRICS)  # 405


def rating(score: int) -> str:
    return next(name for floor, name in RATINGS if score >= floor)


@dataclass
class Assessment:
    """One dataset's measurements: (metric, node it was computed on, passed)."""

    dataset: URIRef
    measurements: list[tuple[Metric, URIRef, bool]] = field(default_factory=list)

    def points(self, metric: Metric) -> int:
        """Full points when every node passes; a share (rounded up) when some do."""
        results = [ok for m, _n, ok in self.measurements if m is metric]
        if not results:
            return 0
        return math.ceil(metric.points * sum(results) / len(results))

    @property
    def score(self) -> int:
        return sum(self.points(m) for m in METRICS)


def assess(context: Context) -> list[Assessment]:
    """Every dataset of the catalogue graph, measured."""
    results = []
    for dataset in sorted(set(context.graph.subjects(RDF.type, DCAT.Dataset)), key=str):
        found = Assessment(dataset)
        distributions = sorted(context.graph.objects(dataset, DCAT.distribution), key=str)
        for metric in METRICS:
            nodes = [dataset] if metric.on == "dataset" else distributions
            for node in nodes:
                found.measurements.append((metric, node, bool(metric.check(context, node))))
        results.append(found)
    return results


def catalogue_score(results: list[Assessment]) -> int:
    """The catalogue's score: each metric's points times the share of passing measurements
    over every dataset (rounded up), as the portal aggregates."""
    total = 0
    for metric in METRICS:
        found = [ok for a in results for m, _n, ok in a.measurements if m is metric]
        total += math.ceil(metric.points * sum(found) / len(found)) if found else 0
    return total


def dqv_graph(results: list[Assessment], base: str, when: dt.datetime) -> Graph:
    """The measurements as DQV, in the shape piveau stores."""
    graph = Graph()
    for prefix, namespace in (("dqv", DQV), ("pv", PV), ("dcat", DCAT), ("dct", DCTERMS)):
        graph.bind(prefix, namespace)
    iris = Iris(base)
    document = URIRef(base + "mqa")
    stamp = Literal(when.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)
    graph.add((document, RDF.type, DQV.QualityMetadata))
    graph.add((document, PROV.generatedAtTime, stamp))
    graph.add((document, PROV.wasAttributedTo, URIRef(iris.publisher())))
    graph.add((document, RDFS.label, Literal("MQA self-assessment (data.europa.eu metrics)", "en")))
    graph.add((document, RDFS.seeAlso, URIRef("https://data.europa.eu/mqa/methodology")))
    for metric in METRICS:
        node = PV[metric.name]
        graph.add((node, RDF.type, DQV.Metric))
        graph.add((node, DQV.inDimension, PV[metric.dimension]))
        graph.add((node, PV.trueScore, Literal(metric.points)))
    for found in results:
        graph.add((document, DCTERMS.subject, found.dataset))
        for metric, node, ok in found.measurements:
            _measurement(graph, found.dataset, node, PV[metric.name], Literal(ok), stamp)
        score = _measurement(graph, found.dataset, found.dataset, PV.score,
                             Literal(found.score), stamp)  # fmt: skip
        graph.add((score, RDFS.label, Literal(rating(found.score), "en")))
    score = _measurement(graph, iris.catalog(), iris.catalog(), PV.score,
                         Literal(catalogue_score(results)), stamp)  # fmt: skip
    graph.add((score, RDFS.label, Literal(rating(catalogue_score(results)), "en")))
    return graph


def _measurement(
    graph: Graph, owner: URIRef, node: URIRef, metric: URIRef, value: Literal, stamp: Literal
) -> BNode:
    measurement = BNode()
    graph.add((owner, DQV.hasQualityMeasurement, measurement))
    graph.add((measurement, RDF.type, DQV.QualityMeasurement))
    graph.add((measurement, DQV.computedOn, node))
    graph.add((measurement, DQV.isMeasurementOf, metric))
    graph.add((measurement, DQV.value, value))
    graph.add((measurement, PROV.generatedAtTime, stamp))
    return measurement


def dataset_name(dataset: URIRef) -> str:
    """``laspezia`` for ``…/dataset/laspezia``; ``all`` for the every-city ``…/dataset``."""
    name = str(dataset).rstrip("/").rsplit("/", 1)[-1]
    return "all" if name == "dataset" else name


def table(results: list[Assessment]) -> str:
    """The scores as a Markdown table: one row per metric, one column per dataset."""
    names = [dataset_name(a.dataset) for a in results]
    lines = ["| metric | points | " + " | ".join(names) + " |",
             "|---|---|" + "---|" * len(names)]  # fmt: skip
    for metric in METRICS:
        cells = " | ".join(str(a.points(metric)) for a in results)
        lines.append(f"| {metric.name} | {metric.points} | {cells} |")
    lines.append(f"| **score** | **{TOTAL}** | " + " | ".join(f"**{a.score}**" for a in results)
                 + " |")  # fmt: skip
    lines.append("| rating | | " + " | ".join(rating(a.score) for a in results) + " |")
    return "\n".join(lines)


# --- the DCAT-AP check ------------------------------------------------------------------
@dataclass(frozen=True)
class Semic:
    """The official DCAT-AP 3.0.1 shapes, their subclass background and the code lists."""

    shapes: Graph
    ontology: Graph
    codelists: Graph

    @classmethod
    def load(cls, folder: Path) -> Semic:
        graphs = [Graph().parse(folder / name) for name in
                  ("shapes.ttl", "subclasses.ttl", "codelist-types.ttl")]  # fmt: skip
        return cls(*graphs)

    def violations(self, graph: Graph) -> list[str]:
        """Violations on the nodes ``graph`` describes (the code lists loaded beside it have
        results of their own, which are not the document's)."""
        from pyshacl import validate

        described = set(graph.subjects())
        _ok, report, _text = validate(graph + self.codelists, shacl_graph=self.shapes,
                                      ont_graph=self.ontology, inference="none")  # fmt: skip
        found = []
        for result in report.subjects(SH.resultSeverity, SH.Violation):
            focus = report.value(result, SH.focusNode)
            if focus in described:
                message = report.value(result, SH.resultMessage)
                found.append(f"{focus} {report.value(result, SH.resultPath)}: {message}")
        return sorted(found)


# --- against a running server -----------------------------------------------------------
class UnreadableServer(Exception):
    """The catalogue or a dataset's document could not be read (the score would be a guess)."""


class Server:
    """The running server, read as a harvester reads it: canonical IRIs under ``base`` are
    fetched from ``url`` instead."""

    def __init__(self, url: str, base: str, timeout: float = 30) -> None:
        self.url, self.base = url.rstrip("/") + "/", base
        self.client = httpx.Client(timeout=timeout, follow_redirects=True)
        self.statuses: dict[str, int | None] = {}

    def local(self, iri: str) -> str:
        return self.url + iri[len(self.base) :] if iri.startswith(self.base) else iri

    def graph(self, iri: str) -> Graph:
        try:
            reply = self.client.get(self.local(iri), headers={"Accept": "text/turtle"})
            reply.raise_for_status()
            return Graph().parse(data=reply.content, format="turtle")
        except (httpx.HTTPError, ValueError, SyntaxError) as exc:
            raise UnreadableServer(f"{self.local(iri)}: {exc}") from exc

    def catalogue(self) -> Graph:
        """Every page of ``/catalog``, following ``hydra:next``, merged."""
        merged, url, seen = Graph(), self.base + "catalog", set()
        while url is not None and url not in seen:
            seen.add(url)
            page = self.graph(url)
            merged += page
            following = [o for o in page.objects(None, HYDRA.next)]
            url = str(following[0]) if following else None
        return merged

    def status(self, iri: str) -> int | None:
        """The HEAD status of a URL (None when it cannot be reached), once per URL."""
        if iri not in self.statuses:
            try:
                self.statuses[iri] = self.client.head(self.local(iri)).status_code
            except httpx.HTTPError:
                self.statuses[iri] = None
        return self.statuses[iri]


def run(url: str, base: str, shapes_dir: Path) -> tuple[list[Assessment], Graph]:
    """Assess the catalogue the server at ``url`` publishes; the results and their DQV."""
    server = Server(url, base)
    semic = Semic.load(shapes_dir / SEMIC_FOLDER)
    graph = server.catalogue()
    # A dataset is compliant when its own document (where its IRI leads) passes alone.
    compliant = lambda dataset: not semic.violations(server.graph(str(dataset)))  # noqa: E731
    results = assess(Context(graph, server.status, compliant))
    return results, dqv_graph(results, base, dt.datetime.now(dt.UTC).replace(microsecond=0))
