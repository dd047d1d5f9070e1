"""The home page's content: what the dataset is, read from the catalogue graph, and each
city's key figures.

One CONSTRUCT gathers the catalogue, its datasets, their distributions (the dumps), the
masterplan each dataset is about, and that masterplan's declared figures with their sources,
so the page never disagrees with ``/catalog`` or the masterplan's page. The counts and the
chart come from the named questions (``publisher.web.lod.figures``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS, SKOS

from publisher.iris import Iris
from publisher.mediatypes import BY_EXTENSION, BY_MEDIA_TYPE
from publisher.namespaces import SCHEMA, SMP
from publisher.store import Store
from publisher.web.http.charts import Chart
from publisher.web.lod import figures
from publisher.web.lod.describe import Description, Term, run_construct
from publisher.web.lod.figures import KeyFigure
from publisher.web.lod.pages import Link, PageBuilder
from publisher.web.lod.plan import figure


@dataclass(frozen=True)
class City:
    title: str
    masterplan: Link | None
    fictional: bool
    published_actions: int | None
    dumps: list[Link]
    key_figures: list[KeyFigure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


FIGURES = (SMP.declaredFigure, SMP.declaredTotalInvestment)
KEEP = (RDFS.label, DCTERMS.title, SMP.fictional, SMP.publishedActionCount, *FIGURES)
SOURCE_FACTS = (
    DCTERMS.title, RDFS.label, SCHEMA.url, FOAF.page, DCTERMS.publisher, SMP.sourceType,
    DCTERMS.issued,
)  # fmt: skip
NAMED = (SKOS.prefLabel, RDFS.label, FOAF.name)


def _in(terms: tuple) -> str:
    return ", ".join(f"<{t}>" for t in terms)


def home_query(catalog: str) -> str:
    this = str(ox.NamedNode(catalog))
    plan = f"{this} <{DCAT.dataset}> ?d . ?d <{FOAF.primaryTopic}> ?m ."
    figure = f"{plan} ?m ?fp ?f . FILTER(?fp IN ({_in(FIGURES)}))"
    return f"""CONSTRUCT {{ ?s ?p ?o . }}
WHERE {{
  {{ VALUES ?s {{ {this} }} ?s ?p ?o }}
  UNION {{ {this} <{DCAT.dataset}> ?s . ?s ?p ?o }}
  UNION {{ {this} <{DCAT.dataset}> ?d . ?d <{DCAT.distribution}> ?s . ?s ?p ?o }}
  UNION {{ {plan} BIND(?m AS ?s) ?s ?p ?o . FILTER(?p IN ({_in(KEEP)})) }}
  UNION {{ {figure} BIND(?f AS ?s) ?s ?p ?o }}
  UNION {{ {figure} ?f <{DCTERMS.source}> ?s . ?s ?p ?o . FILTER(?p IN ({_in(SOURCE_FACTS)})) }}
  UNION {{ {figure} ?f ?x ?s . FILTER(isIRI(?s)) ?s ?p ?o . FILTER(?p IN ({_in(NAMED)})) }}
  UNION {{ {figure} ?f <{DCTERMS.source}> ?src . ?src ?x ?s .
           ?s ?p ?o . FILTER(?p IN ({_in(NAMED)})) }}
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
        published = int(count.value) if count is not None else 0
        nodes = [n for p in FIGURES for n in description.objects(plan, str(p))]
        declared = [figure(b, n) for n in dict.fromkeys(nodes)]
        city = iris.city_of(plan.value) if isinstance(plan, ox.NamedNode) else None
        cards, drawn = [], []
        if city is not None:
            counts = figures.overview(city, lang)
            cards = figures.key_figures(city, declared, published, counts, lang)
            drawn = figures.action_charts(city, lang)[:1] if published else []
        cities.append(
            City(
                b.name(dataset).value,
                b.link(plan),
                fictional is not None and fictional.value in ("true", "1"),
                published,
                dumps(iris, root, description, dataset),
                cards,
                drawn,
            )
        )
    if not whole:  # a catalogue without the all-cities dataset: the build writes these
        whole = [
            Link(BY_EXTENSION[name.rsplit(".", 1)[1]].label, _local(iris, root, iris.dump(name)))
            for name in ("all.nq", "all.trig")
        ]
    return {
        "title": b.literal(b.thing, str(DCTERMS.title)),
        "description": b.literal(b.thing, str(DCTERMS.description)),
        "cities": sorted(cities, key=lambda c: c.title.lower()),
        "all_dumps": whole,
        "empty": not description.exists,
    }


def _local(iris: Iris, root: str, iri: object) -> str:
    """A local link with no ``?lang=`` (files do not change with the language)."""
    path = iris.local_path(str(iri))
    return f"{root}/{path}" if path is not None else str(iri)


def dumps(iris: Iris, root: str, description: Description, dataset: Term) -> list[Link]:
    found = []
    for distribution in description.objects(dataset, str(DCAT.distribution)):
        url = description.first(distribution, str(DCAT.downloadURL))
        media = description.first(distribution, str(DCAT.mediaType))
        if not isinstance(url, ox.NamedNode):
            continue
        media_type = media.value.split("/media-types/")[-1] if media is not None else ""
        fmt = BY_MEDIA_TYPE.get(media_type)
        text = fmt.label if fmt else url.value.rsplit(".", 1)[-1]
        found.append(Link(text, _local(iris, root, url.value)))
    return sorted(found, key=lambda link: link.text)
