"""The page kinds: which resources get which page, and the facts each kind shows.

:data:`KINDS` is the one table of page kinds: each row names the ``rdf:type`` IRIs that
select it, the function that reads its facts (on top of the generic table every page has)
and its template (in ``templates/lod/``). The first row whose types the resource has wins
(see :func:`kind_of`); a resource of any other type gets the generic page (its statements
and what points to it), so nothing the store holds is without a page. Adding a kind is one
row here, its facts function and its template (docs/architecture.md, "Add a page kind").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDFS, SKOS

from publisher.iris import Iris
from publisher.namespaces import COV, L0, RO, SCHEMA, SMP
from publisher.web.lod import display
from publisher.web.lod.describe import Description
from publisher.web.lod.pages import Link, PageBuilder
from publisher.web.lod.parts import P, by_label, grouped, natural, notation, period, roles, url
from publisher.web.lod.plan import masterplan


# --- one function per kind -------------------------------------------------------------------
def action(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    temporal = b.d.first(x, P(DCTERMS.temporal))
    return {
        "identifier": b.literal(x, P(DCTERMS.identifier)),
        "description": b.literal(x, P(DCTERMS.description)),
        "masterplan": b.first_link(x, P(DCTERMS.isPartOf)),
        "themes": b.links(x, P(DCTERMS.subject)),
        "timeframe": b.first_link(x, P(SMP.timeframe)),
        "ict_role": b.first_link(x, P(SMP.ictRole)),
        "funding": b.first_link(x, P(SMP.fundingType)),
        "status": b.first_link(x, P(SMP.status)),
        "investment": [b.amount(n, money=True) for n in b.d.objects(x, P(SMP.plannedInvestment))],
        "start": b.date(temporal, P(DCAT.startDate)),
        "end": b.date(temporal, P(DCAT.endDate)),
        "role_groups": grouped(roles(b, P(RO.forEntity), x)),
    }


def role(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    concept = b.d.first(x, P(RO.withRole)) or b.d.first(x, P(ORG.role))
    return {
        "holder": b.first_link(x, P(ORG.member)),
        "role": b.link(concept),
        "target": b.first_link(x, P(RO.forEntity)),
        "period": period(b, b.d.first(x, P(ORG.memberDuring))),
        "comment": b.literal(x, P(RDFS.comment)),
        "note": b.literal(x, P(SKOS.editorialNote)),
    }


def phase(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    position = b.d.first(x, P(L0.positionInSequence))
    return {
        "position": position.value if position is not None else None,
        "description": b.literal(x, P(DCTERMS.description)),
        "start": b.date(x, P(PROV.startedAtTime)),
        "end": b.date(x, P(PROV.endedAtTime)),
        "validated_by": b.links(x, P(SMP.validatedBy)),
        "previous": by_label([b.link(s) for s in b.d.subjects(P(L0.directlyPrecedes), x)]),
        "next": b.first_link(x, P(L0.directlyPrecedes)),
        "masterplan": by_label([b.link(s) for s in b.d.subjects(P(PROV.wasGeneratedBy), x)]),
    }


def source(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    return {
        "ref": b.source_ref(x),
        "title": b.literal(x, P(DCTERMS.title)),
        "publisher": b.first_link(x, P(DCTERMS.publisher)),
        "kind": b.first_link(x, P(SMP.sourceType)),
        "language": b.literal(x, P(DCTERMS.language)),
        "citation": b.literal(x, P(DCTERMS.bibliographicCitation)),
        "comment": b.literal(x, P(RDFS.comment)),
        "note": b.literal(x, P(SKOS.editorialNote)),
    }


def organisation(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    alt = [o for o in b.d.objects(x, P(SKOS.altLabel)) if isinstance(o, ox.Literal)]
    return {
        "name": b.literal(x, P(FOAF.name)),
        "other_names": sorted({a.value for a in alt}),
        "homepage": url(b, x, P(FOAF.homepage)),
        "ipa": b.literal(x, P(COV.IPAcode)),
        "same_as": b.links(x, P(OWL.sameAs)),
        "roles_held": roles(b, P(RO.isRoleInTimeOf), x),
        "roles_towards": roles(b, P(RO.forEntity), x),
        "note": b.literal(x, P(SKOS.editorialNote)),
    }


def table(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    return {
        "theme": b.first_link(x, P(ORG.purpose)),
        "parent": b.first_link(x, P(ORG.subOrganizationOf)),
        "sub_tables": by_label([b.link(s) for s in b.d.subjects(P(ORG.subOrganizationOf), x)]),
        "masterplan": by_label([b.link(s) for s in b.d.subjects(P(SMP.hasWorkTable), x)]),
        "role_groups": grouped(roles(b, P(RO.forEntity), x)),
        "note": b.literal(x, P(SKOS.editorialNote)),
    }


def theme(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    narrower = b.d.objects(x, P(SKOS.narrower)) + b.d.subjects(P(SKOS.broader), x)
    return {
        **concept(b),
        "broader": b.links(x, P(SKOS.broader)),
        "narrower": by_label([b.link(n) for n in dict.fromkeys(narrower)]),
        "eu_themes": b.links(x, P(SMP.euDataTheme)),
        "osservatorio": b.links(x, P(SMP.osservatorioTheme)),
        "eurovoc": b.links(x, P(DCTERMS.subject)),
        "actions": by_label([b.link(s) for s in b.d.subjects(P(DCTERMS.subject), x)]),
        "tables": by_label([b.link(s) for s in b.d.subjects(P(ORG.purpose), x)]),
        "note": b.literal(x, P(SKOS.editorialNote)),
    }


def concept(b: PageBuilder) -> dict[str, Any]:
    x = b.thing
    members = b.d.subjects(P(SKOS.inScheme), x)
    return {
        "notation": notation(b, x),
        "definition": b.literal(x, P(SKOS.definition)),
        "scope_note": b.literal(x, P(SKOS.scopeNote)),
        "schemes": b.links(x, P(SKOS.inScheme)),
        "top_concept_of": b.links(x, P(SKOS.topConceptOf)),
        "concepts": sorted(
            ((notation(b, m), b.link(m)) for m in members), key=lambda nl: natural(nl[0])
        ),
        "description": b.literal(x, P(DCTERMS.description), P(RDFS.comment)),
        "url": url(b, x, P(SCHEMA.url)),
    }


Facts = Callable[[PageBuilder], dict[str, Any]]


@dataclass(frozen=True)
class PageKind:
    """One kind of page: the types that select it, its facts and its template."""

    name: str
    types: tuple[str, ...]
    facts: Facts
    template: str
    under: str = ""  # only for things whose path starts with this (themes: id/…)


def _kind(name: str, facts: Facts, *types: object, template: str = "", under: str = "") -> PageKind:
    return PageKind(
        name, tuple(str(t) for t in types), facts, template or f"lod/resource_{name}.html", under
    )


# First match wins: a ConceptScheme is a scheme even if it is also a Concept, and a concept
# under id/ (a masterplan's theme) is a theme, not a vocabulary concept.
KINDS: tuple[PageKind, ...] = (
    _kind("masterplan", masterplan, SMP.Masterplan),
    _kind("action", action, SMP.Action),
    _kind("role", role, SMP.RoleAssignment),
    _kind("phase", phase, SMP.MethodologyPhase),
    _kind("source", source, SMP.SourceDocument),
    _kind("table", table, SMP.WorkTable),
    _kind("scheme", concept, SKOS.ConceptScheme, template="lod/resource_concept.html"),
    _kind("theme", theme, SKOS.Concept, under="id/"),
    _kind("concept", concept, SKOS.Concept),
    _kind("organisation", organisation, SMP.SteeringCommittee, ORG.Organization, FOAF.Agent),
)
GENERIC = PageKind("generic", (), lambda b: {}, "lod/resource.html")


def kind_of(description: Description, iris: Iris) -> PageKind:
    """The first kind whose types the resource has (and whose path prefix it is under)."""
    types = description.types(description.thing)
    path = iris.local_path(description.thing.value) or ""
    return next(
        (k for k in KINDS if types.intersection(k.types) and path.startswith(k.under)), GENERIC
    )


def trail(b: PageBuilder) -> list[Link]:
    """The breadcrumb between the home page and a city's resource: its masterplan."""
    city = b.iris.city_of(b.thing.value)
    if city is None:
        return []
    plan = ox.NamedNode(str(b.iris.thing(city, "masterplan")))
    if plan == b.thing:
        return []
    path = b.iris.local_path(plan.value)
    url = f"{b.root}/{path}" + (f"?lang={b.lang}" if b.keep_lang else "")
    named = b.literal(plan, *display.NAME_PREDICATES)
    return [Link(named.value if named else b.t["masterplan"], url)]


def page(
    description: Description,
    lang: str,
    iris: Iris,
    term_labels: dict[str, dict[str, str]],
    root: str = "",
    keep_lang: bool = False,
) -> tuple[dict[str, Any], PageKind]:
    """Everything a resource page shows (the generic parts and the facts of its kind), and
    the kind, whose template shows it."""
    b = PageBuilder(description, lang, iris, term_labels, root, keep_lang)
    kind = kind_of(description, iris)
    view = {
        "kind": kind.name,
        "trail": trail(b),
        "title": b.name(b.thing),
        "iri": b.thing.value,
        "types": b.types(),
        "fictional": b.fictional(),
        "sources": b.sources(),
        "rows": b.rows(b.thing),
        "incoming": b.incoming(),
        "page": description.page,
        "pages": description.pages,
        "facts": kind.facts(b),
    }
    return view, kind
