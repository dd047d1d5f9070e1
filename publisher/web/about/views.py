"""What the VoID and catalogue HTML pages show, read out of RDF once.

Why view models: templates stay free of RDF navigation (and Python free of HTML), and the
catalogue page is built from the *same* graph the RDF formats serialise, so the page can
never list a distribution the Turtle does not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS
from rdflib.term import Node

from publisher import namespaces
from publisher.namespaces import LOCN, SMP, SPDX, VCARD

DQV, MQA = Namespace(str(namespaces.DQV)), Namespace(str(namespaces.MQA))

IANA_MEDIA_TYPES = ("https://www.iana.org/assignments/media-types/",
                    "http://www.iana.org/assignments/media-types/")  # fmt: skip


def local_name(iri: str) -> str:
    """The last segment of an IRI (a code such as ``GOVE`` or ``RDF_TURTLE``)."""
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def text(graph: Graph, node: Node, prop: URIRef, lang: str) -> str:
    """The value of ``prop`` in ``lang``, else Italian, else English, else any."""
    values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
    for wanted in (lang, "it", "en", None):
        for value in values:
            if value.language == wanted:
                return str(value)
    return str(values[0]) if values else ""


def _name(graph: Graph, node: Node | None, lang: str) -> str:
    if node is None:
        return ""
    return text(graph, node, FOAF.name, lang) or str(node)


@dataclass
class DistributionView:
    iri: str
    title: str
    media_type: str
    format_code: str
    byte_size: int | None
    checksum: str
    algorithm: str
    download: str
    licence: str


@dataclass
class DatasetView:
    iri: str
    anchor: str
    title: str
    description: str
    identifier: str
    modified: str
    themes: list[str]
    frequency: str
    rights_holder: str
    contact: str
    spatial: str
    fictional: bool
    distributions: list[DistributionView] = field(default_factory=list)


@dataclass
class ServiceView:
    iri: str
    title: str
    endpoint: str
    description: str
    serves: list[str]


@dataclass
class CatalogView:
    iri: str
    title: str
    description: str
    publisher: str
    modified: str
    licence: str
    homepage: str
    datasets: list[DatasetView]
    licence_name: str
    services: list[ServiceView]


def _distribution(graph: Graph, node: Node, lang: str) -> DistributionView:
    media = str(graph.value(node, DCAT.mediaType) or "")
    for prefix in IANA_MEDIA_TYPES:
        media = media.removeprefix(prefix)
    size = graph.value(node, DCAT.byteSize)
    checksum = graph.value(node, SPDX.checksum)
    algorithm = graph.value(checksum, SPDX.algorithm) if checksum is not None else None
    return DistributionView(
        iri=str(node),
        title=text(graph, node, DCTERMS.title, lang),
        media_type=media,
        format_code=local_name(str(graph.value(node, DCTERMS["format"]) or "")),
        byte_size=int(size) if size is not None else None,
        checksum=str(graph.value(checksum, SPDX.checksumValue) or "") if checksum else "",
        algorithm=local_name(str(algorithm)).removeprefix("checksumAlgorithm_")
        if algorithm
        else "",
        download=str(graph.value(node, DCAT.downloadURL) or graph.value(node, DCAT.accessURL)),
        licence=str(graph.value(node, DCTERMS.license) or ""),
    )


def _dataset(graph: Graph, node: Node, lang: str) -> DatasetView:
    contact = graph.value(node, DCAT.contactPoint)
    email = graph.value(contact, VCARD.hasEmail) if contact is not None else None
    spatial = graph.value(node, DCTERMS.spatial)
    distributions = [_distribution(graph, d, lang) for d in graph.objects(node, DCAT.distribution)]
    return DatasetView(
        iri=str(node),
        anchor=local_name(str(node)),
        title=text(graph, node, DCTERMS.title, lang),
        description=text(graph, node, DCTERMS.description, lang),
        identifier=str(graph.value(node, DCTERMS.identifier) or ""),
        modified=str(graph.value(node, DCTERMS.modified) or ""),
        themes=sorted(local_name(str(t)) for t in graph.objects(node, DCAT.theme)),
        frequency=local_name(str(graph.value(node, DCTERMS.accrualPeriodicity) or "")),
        rights_holder=_name(graph, graph.value(node, DCTERMS.rightsHolder), lang),
        contact=str(email).removeprefix("mailto:") if email else "",
        spatial=text(graph, spatial, LOCN.geographicName, lang) if spatial is not None else "",
        fictional=bool(graph.value(node, SMP.fictional)),
        distributions=sorted(distributions, key=lambda d: d.download),
    )


@dataclass
class QualityRow:
    iri: str
    score: int
    rating: str


def quality_rows(graph: Graph) -> list[QualityRow]:
    """The MQA score of each dataset (and of the catalogue) in ``lodpub mqa``'s DQV."""
    rows = []
    for measurement in graph.subjects(DQV.isMeasurementOf, MQA.score):
        node, value = graph.value(measurement, DQV.computedOn), graph.value(measurement, DQV.value)
        label = graph.value(measurement, RDFS.label)
        rows.append(QualityRow(str(node), int(value), str(label or "")))
    return sorted(rows, key=lambda r: r.iri)


def catalog_view(graph: Graph, lang: str) -> CatalogView | None:
    """The catalogue page's content, or None when the graph holds no dcat:Catalog."""
    catalogs = sorted(set(graph.subjects(RDF.type, DCAT.Catalog)), key=str)
    if not catalogs:
        return None
    node = catalogs[0]
    datasets = [_dataset(graph, d, lang) for d in sorted(graph.objects(node, DCAT.dataset))]
    services = []
    for service in sorted(set(graph.objects(node, DCAT.service)), key=str):
        services.append(
            ServiceView(
                iri=str(service),
                title=text(graph, service, DCTERMS.title, lang),
                endpoint=str(graph.value(service, DCAT.endpointURL) or service),
                description=str(graph.value(service, DCAT.endpointDescription) or ""),
                serves=sorted(str(d) for d in graph.objects(service, DCAT.servesDataset)),
            )
        )
    return CatalogView(
        iri=str(node),
        title=text(graph, node, DCTERMS.title, lang),
        description=text(graph, node, DCTERMS.description, lang),
        publisher=_name(graph, graph.value(node, DCTERMS.publisher), lang),
        modified=str(graph.value(node, DCTERMS.modified) or ""),
        licence=str(graph.value(node, DCTERMS.license) or ""),
        # the licence's name, not its long IRI, as the link text (it must fit a phone)
        licence_name=_name(graph, graph.value(node, DCTERMS.license), lang),
        homepage=str(graph.value(node, FOAF.homepage) or ""),
        datasets=datasets,
        services=services,
    )
