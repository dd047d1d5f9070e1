"""The home page's content: what the dataset is, read from the catalogue graph.

One CONSTRUCT gathers the catalogue, its datasets, their distributions (the dumps) and the
masterplan each dataset is about, so the page never disagrees with ``/catalog``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS

from publisher.iris import Iris
from publisher.mediatypes import BY_MEDIA_TYPE
from publisher.namespaces import SMP
from publisher.store import Store
from publisher.web.lod.describe import Description, Term, run_construct
from publisher.web.lod.pages import Link, PageBuilder


@dataclass(frozen=True)
class City:
    title: str
    masterplan: Link | None
    fictional: bool
    published_actions: int | None
    dumps: list[Link]


def home_query(catalog: str) -> str:
    this = str(ox.NamedNode(catalog))
    keep = ", ".join(
        f"<{p}>" for p in (RDFS.label, DCTERMS.title, SMP.fictional, SMP.publishedActionCount)
    )
    return f"""CONSTRUCT {{ ?s ?p ?o . }}
WHERE {{
  {{ VALUES ?s {{ {this} }} ?s ?p ?o }}
  UNION {{ {this} <{DCAT.dataset}> ?s . ?s ?p ?o }}
  UNION {{ {this} <{DCAT.dataset}> ?d . ?d <{DCAT.distribution}> ?s . ?s ?p ?o }}
  UNION {{ {this} <{DCAT.dataset}> ?d . ?d <{FOAF.primaryTopic}> ?s . ?s ?p ?o .
           FILTER(?p IN ({keep})) }}
}}"""


def home(store: Store, iris: Iris, lang: str, root: str, keep_lang: bool) -> dict[str, Any]:
    """Title, description, cities with their masterplans and dumps, and the whole-data dumps."""
    catalog = str(iris.catalog())
    description = Description(catalog, run_construct(store, home_query(catalog)))
    b = PageBuilder(description, lang, iris, {}, root, keep_lang)
    cities, whole = [], []
    for dataset in description.objects(b.thing, str(DCAT.dataset)):
        plan = description.first(dataset, str(FOAF.primaryTopic))
        if plan is None:  # the union of the cities (a dataset about no one masterplan)
            whole += dumps(iris, root, description, dataset)
            continue
        fictional = description.first(plan, str(SMP.fictional))
        count = description.first(plan, str(SMP.publishedActionCount))
        cities.append(
            City(
                b.name(dataset).value,
                b.link(plan),
                fictional is not None and fictional.value in ("true", "1"),
                int(count.value) if count is not None else None,
                dumps(iris, root, description, dataset),
            )
        )
    if not whole:  # a catalogue without the all-cities dataset: the build writes these
        whole = [
            Link(name.rsplit(".", 1)[1], _local(iris, root, str(iris.dump(name))))
            for name in ("all.nq", "all.trig")
        ]
    return {
        "title": b.literal(b.thing, str(DCTERMS.title)),
        "description": b.literal(b.thing, str(DCTERMS.description)),
        "cities": sorted(cities, key=lambda c: c.title.lower()),
        "all_dumps": whole,
        "empty": not description.exists,
    }


def _local(iris: Iris, root: str, iri: str) -> str:
    """A local link with no ``?lang=`` (files do not change with the language)."""
    path = iris.local_path(iri)
    return f"{root}/{path}" if path is not None else iri


def dumps(iris: Iris, root: str, description: Description, dataset: Term) -> list[Link]:
    found = []
    for distribution in description.objects(dataset, str(DCAT.distribution)):
        url = description.first(distribution, str(DCAT.downloadURL))
        media = description.first(distribution, str(DCAT.mediaType))
        if not isinstance(url, ox.NamedNode):
            continue
        media_type = media.value.split("/media-types/")[-1] if media is not None else ""
        fmt = BY_MEDIA_TYPE.get(media_type)
        text = fmt.extension if fmt else url.value.rsplit(".", 1)[-1]
        found.append(Link(text, _local(iris, root, url.value)))
    return sorted(found, key=lambda link: link.text)
