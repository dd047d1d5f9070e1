"""The EU MQA score a source's catalogue publishes, read as a harvester reads it.

Two places, as publishers write it (aggregation-research §1.6):

- in the catalogue itself, as piveau stores it: a ``dqv:QualityMeasurement`` of
  ``pv:score`` about the catalogue (or, failing that, about any of its nodes);
- in a DQV document the catalogue links with ``dqv:hasQualityMetadata``: what
  ``lodpub mqa`` writes and the server serves at ``/mqa`` (publisher/mqa.py), where the
  catalogue's total is the ``pv:score`` measurement ``dqv:computedOn`` the catalogue,
  beside one measurement per metric and dataset.

The document is fetched conditionally against the copy of the last harvest (a 304 keeps
its score). Why it is never a reason to refuse a source: the score is metadata about the
catalogue, not the cities' data; a document that cannot be read leaves the source without
a score and says why (``problem``), which the audit reports as a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from publisher import namespaces
from publisher.harvest.catalogue import (
    CATALOGUE_FORMATS,
    Catalogue,
    CatalogueError,
    Index,
    parse,
    rdf_format,
)
from publisher.harvest.fetch import Fetcher, FetchError, Validators
from publisher.harvest.sources import Source
from publisher.rdf import Terms

DQV = Terms(namespaces.DQV)
PV_SCORE = ox.NamedNode(str(namespaces.MQA["score"]))
ACCEPT = "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8"
TOTAL = 405
BANDS = ((351, "excellent"), (221, "good"), (121, "sufficient"), (0, "bad"))


@dataclass(frozen=True)
class Mqa:
    """What the last read found: the score (None: none published, or unreadable), where it
    was read, the document's validators for the next conditional request, and why there is
    no score when the catalogue promised one."""

    score: str | None = None  # a decimal, as published
    document: str | None = None  # the DQV document's IRI; None: in the catalogue itself
    etag: str | None = None
    last_modified: str | None = None
    problem: str | None = None

    @property
    def band(self) -> str:
        value = Decimal(self.score or 0)
        return next(name for floor, name in BANDS if value >= floor)

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> Mqa | None:
        return cls(**raw) if raw else None


def _decimal(term: object) -> Decimal | None:
    try:
        return Decimal(term.value) if isinstance(term, ox.Literal) else None
    except InvalidOperation:
        return None


def score_in(index: Index, catalog: ox.NamedNode | None) -> Decimal | None:
    """The ``pv:score`` measured on the catalogue, else the best one on any node."""
    found: dict[bool, list[Decimal]] = {True: [], False: []}
    for node in index.by_subject:
        if PV_SCORE not in index.objects(node, DQV.isMeasurementOf):
            continue
        about = catalog is not None and (
            catalog in index.objects(node, DQV.computedOn)
            or any(t.object == node for t in index.by_subject.get(catalog, ())
                   if t.predicate == DQV.hasQualityMeasurement)
        )  # fmt: skip
        found[about] += [v for v in map(_decimal, index.objects(node, DQV.value)) if v is not None]
    values = found[True] or found[False]
    return max(values) if values else None


def read_mqa(
    fetcher: Fetcher, source: Source, catalogue: Catalogue, kept: Mqa | None
) -> Mqa | None:
    """The catalogue's MQA score (None: it publishes none)."""
    catalog = ox.NamedNode(catalogue.catalog) if catalogue.catalog else None
    inline = score_in(catalogue.index, catalog)
    if inline is not None:
        return Mqa(str(inline))
    links = catalogue.index.objects(catalog, DQV.hasQualityMetadata) if catalog else []
    document = next((d.value for d in links if isinstance(d, ox.NamedNode)), None)
    if document is None:
        return None
    url = source.real_url(document)
    previous = kept if kept is not None and kept.document == document and kept.score else None
    try:
        validators = Validators(previous.etag, previous.last_modified) if previous else None
        fetched = fetcher.get(url, ACCEPT, validators)
        if fetched.not_modified:
            if previous is None:
                raise CatalogueError(f"{url}: 304 Not Modified to a request without validators")
            return previous
        fmt = rdf_format(fetched.media_type, url, CATALOGUE_FORMATS)
        if fmt is None:
            raise CatalogueError(f"{url}: not an RDF document ({fetched.media_type or 'no type'})")
        score = score_in(Index(parse(fetched.body, fmt, document, "MQA document")), catalog)
    except (FetchError, CatalogueError) as exc:
        return Mqa(document=document, problem=str(exc))
    if score is None:
        return Mqa(document=document, problem=f"{url}: no pv:score measured on the catalogue")
    validators = fetched.validators
    return Mqa(str(score), document, validators.etag, validators.last_modified)
