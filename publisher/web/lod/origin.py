"""Where a resource of an aggregate came from: the city, the original publisher, the
harvest time and the original document (aggregation-research §6, request 2: "show which
source each statement came from").

Read from the store, as everything the web shows: the named graph holding the resource
names its city (``graph/{city}``); the harvester's ``graph/harvest`` says from which file
the city's dataset (``dataset/{city}``) was derived, where that file was downloaded and
when the harvest that fetched it ended; the aggregate's catalogue keeps the original
dataset (``prov:wasDerivedFrom``) and its publisher. A resource of a build that was not
harvested has no such record, and its page shows nothing of this.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV

from publisher import mediatypes as mt
from publisher.iris import HARVEST_GRAPH, Iris
from publisher.store import Store
from publisher.web.http import l10n
from publisher.web.http.html import link_to


@dataclass(frozen=True)
class Origin:
    city: str  # the city's key in the aggregate
    masterplan: str | None  # a link to the city's masterplan, if it has one
    publisher: str | None  # the original publisher's name
    publisher_iri: str | None
    harvested: str  # when, as the page's language writes it
    harvested_at: str  # the same, as xsd:dateTime
    document: str  # the URL the city's data was downloaded from
    original: str | None  # the original dataset's IRI


def _rows(store: Store, sparql: str) -> list[dict[str, str]]:
    data = json.loads(store.query(sparql).serialize(mt.RESULTS_JSON))
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def origin(store: Store, iris: Iris, thing: str, lang: str) -> Origin | None:
    """The origin of ``thing`` in an aggregate, or None (not harvested). Two queries on an
    aggregate, none on a plain build (it has no ``graph/harvest``)."""
    harvest = ox.NamedNode(str(iris.graph(HARVEST_GRAPH)))
    if harvest.value not in store.graphs():
        return None
    this = ox.NamedNode(thing)
    graphs = _rows(store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {this} ?p ?o }} }} LIMIT 8")
    city = next((c for row in graphs if (c := iris.city_of_graph(row["g"]))), None)
    if city is None:
        return None
    dataset = ox.NamedNode(str(iris.dataset(city)))
    rows = _rows(
        store,
        f"""SELECT ?document ?ended ?original ?publisher ?name ?plan WHERE {{
          GRAPH {harvest} {{
            {dataset} <{PROV.wasDerivedFrom}> ?file .
            ?file <{DCAT.downloadURL}> ?document ; <{PROV.wasGeneratedBy}> ?activity .
            ?activity <{PROV.endedAtTime}> ?ended .
          }}
          OPTIONAL {{ {dataset} <{PROV.wasDerivedFrom}> ?original . FILTER(?original != ?file) }}
          OPTIONAL {{ {dataset} <{DCTERMS.publisher}> ?publisher .
                     OPTIONAL {{ ?publisher <{FOAF.name}> ?name }} }}
          OPTIONAL {{ {dataset} <{FOAF.primaryTopic}> ?plan }}
        }} ORDER BY DESC(?ended) LIMIT 1""",
    )
    if not rows:
        return None
    row = rows[0]
    plan = row.get("plan")
    return Origin(
        city=city,
        masterplan=_href(iris, plan) if plan else None,
        publisher=row.get("name"),
        publisher_iri=row.get("publisher"),
        harvested=when(row["ended"], lang),
        harvested_at=row["ended"],
        document=row["document"],
        original=row.get("original"),
    )


def _href(iris: Iris, iri: str) -> str:
    """A local link for this server's IRIs, the IRI itself for other publishers'."""
    path = iris.local_path(iri)
    return link_to(path) if path is not None else iri


def when(raw: str, lang: str) -> str:
    """An xsd:dateTime as the page writes it, in UTC (``7 dicembre 2026, 02:30 UTC``)."""
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return f"{l10n.date(moment.date(), lang)}, {moment:%H:%M} UTC"
