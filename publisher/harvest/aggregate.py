"""The aggregate's own DCAT-AP_IT catalogue, made with ``publisher.catalog``'s parts.

Per harvested city, a dataset ``B dataset/{key}`` of the aggregator (``B`` its base IRI):

- described as its publisher described it (titles, descriptions, themes, identifier,
  publisher and rights holder, contact point, coverage…: the original dataset's triples,
  and those of the agents it names), typed ``dcatapit:Dataset`` and ``dcat:Dataset``;
- ``prov:wasDerivedFrom`` the original dataset and ``prov:wasGeneratedBy`` the harvest
  activity that fetched its data;
- with the aggregator's own dumps of the city's graph as its distributions (the same five
  formats ``lodpub build`` writes, sizes and checksums included).

The catalogue lists them (``dcat:dataset``), and each source's catalogue as a part
(``dct:hasPart``, ckanext-dcat's transitive harvesting), with that catalogue's title,
publisher and home page and the original datasets it lists. The every-city dataset has each
city dataset as a part, as in a build.

Before a source is accepted, :func:`description_problems` checks its datasets' descriptions
against the same shapes, so one city's thin metadata refuses that city, not the aggregate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.catalog import DCATAPIT, BuildInfo, DumpFile, _Catalog
from publisher.config import Config
from publisher.harvest.catalogue import Catalogue, Index
from publisher.iris import ALL_CITIES
from publisher.rdf import DCAT, DCTERMS, FOAF, PROV, RDF, term
from publisher.validate import Problem, Validator

SKIPPED = frozenset({DCAT.distribution, PROV.wasGeneratedBy, RDF.type})
AGENTS = (DCTERMS.publisher, DCTERMS.rightsHolder, DCAT.contactPoint)
# IRIs a dataset links to whose description the catalogue carries (the place is typed
# dct:Location there, the standard dct:Standard): kept with the dataset.
DESCRIBED = (*AGENTS, DCTERMS.spatial, DCTERMS.conformsTo)
CATALOG_KEPT = (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, FOAF.homepage)
DATASET_TYPES = (DCATAPIT.Dataset, DCAT.Dataset, PROV.Entity)


@dataclass(frozen=True)
class Listing:
    """One harvested city as the aggregate catalogue lists it."""

    key: str
    original: str  # the original dataset IRI
    catalogue: Catalogue  # the source's catalogue (its pages as last read)
    activity: str  # the harvest activity that fetched the version in place


def description(index: Index, original: str, node: ox.NamedNode) -> list[ox.Triple]:
    """The original dataset's description (and its agents', place's and standards'),
    about ``node`` instead."""
    source = ox.NamedNode(original)
    triples = [
        ox.Triple(node if t.subject == source else t.subject, t.predicate, t.object)
        for t in index.star(source, SKIPPED)
    ]
    for predicate in DESCRIBED:
        for agent in index.objects(source, predicate):
            if isinstance(agent, ox.NamedNode):
                triples += index.star(agent)
    return triples + [ox.Triple(node, RDF.type, t) for t in DATASET_TYPES]


def description_problems(
    catalogue: Catalogue, original: str, validator: Validator
) -> list[Problem]:
    """The shapes' violations of a dataset's description as the aggregate would publish
    it (its distributions included, as the original has them)."""
    index = catalogue.index
    node = ox.NamedNode(original)
    triples = description(index, original, node)
    for distribution in index.objects(node, DCAT.distribution):
        triples.append(ox.Triple(node, DCAT.distribution, distribution))
        triples += index.star(distribution)
        for licence in index.objects(distribution, DCTERMS.license):
            triples += index.star(licence)
    return [p for p in validator.check(triples) if p.is_violation]


def _sub_catalogue(catalogue: Catalogue, originals: list[str]) -> list[ox.Triple]:
    if not catalogue.catalog:
        return []
    node = ox.NamedNode(catalogue.catalog)
    triples = [ox.Triple(node, RDF.type, DCAT.Catalog)]
    triples += [t for t in catalogue.index.by_subject.get(node, ()) if t.predicate in CATALOG_KEPT]
    triples += [ox.Triple(node, DCAT.dataset, ox.NamedNode(o)) for o in originals]
    return triples


def aggregate_catalog(
    config: Config,
    run: BuildInfo,
    run_activity: str,
    listings: list[Listing],
    dumps: list[DumpFile],
) -> list[ox.Triple]:
    """The aggregate's catalogue: its own agent, licence, service and dumps (catalog.py),
    and one dataset per harvested city."""
    parts = _Catalog(config, [], dumps, run)
    agent, licence = parts.agent(), parts.licence()
    activity = ox.NamedNode(run_activity)
    whole = term(parts.all_dataset(agent, activity))
    datasets = [whole]
    by_catalogue: dict[str, tuple[Catalogue, list[str]]] = {}
    for listing in listings:
        node = term(parts.iris.dataset(listing.key))
        datasets.append(node)
        for triple in description(listing.catalogue.index, listing.original, node):
            parts.g.add((triple.subject, triple.predicate, triple.object))
        parts.g.add((node, PROV.wasDerivedFrom, ox.NamedNode(listing.original)))
        parts.g.add((node, PROV.wasGeneratedBy, ox.NamedNode(listing.activity)))
        parts.g.add((whole, DCTERMS.hasPart, node))
        for theme in listing.catalogue.index.objects(ox.NamedNode(listing.original), DCAT.theme):
            parts.g.add((whole, DCAT.theme, theme))
        key = listing.catalogue.catalog or listing.original
        by_catalogue.setdefault(key, (listing.catalogue, []))[1].append(listing.original)
    for dump in dumps:
        owner = (
            parts.iris.all_datasets() if dump.city == ALL_CITIES else parts.iris.dataset(dump.city)
        )
        parts.distribution(term(owner), dump, licence)
    catalog = term(parts.catalog(agent, parts.service(agent, licence, datasets)))
    for node in datasets[1:]:
        parts.g.add((catalog, DCAT.dataset, node))
    for catalogue, originals in by_catalogue.values():
        if catalogue.catalog:
            parts.g.add((catalog, DCTERMS.hasPart, ox.NamedNode(catalogue.catalog)))
        for triple in _sub_catalogue(catalogue, originals):
            parts.g.add((triple.subject, triple.predicate, triple.object))
    return list(parts.g.triples)


def run_info(run_id: str, started: dt.datetime, ended: dt.datetime) -> BuildInfo:
    """The harvest run as catalog.py's build record (it stamps dct:modified with it)."""
    return BuildInfo(run_id, started, ended, [])
