"""The masterplan page: figures with their sources, declared versus published actions,
the themes and work-table trees, phases in order, roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, PROV, RDFS, SKOS

from publisher.namespaces import L0, RO, SMP, VCARD
from publisher.web.lod.describe import Term
from publisher.web.lod.display import Text
from publisher.web.lod.pages import Link, PageBuilder, SourceRef
from publisher.web.lod.parts import P, by_label, grouped, natural, notation, roles, url

FIGURE_ORDER = (
    "actions", "total-investment", "short-term-actions-share", "participants",
    "participating-organisations", "work-tables", "methodology-phases",
)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    kind: Link | None
    kind_key: str
    value: str
    comment: Text | None
    source: SourceRef | None


@dataclass
class Node:
    """A theme or a work table in a tree."""

    link: Link | None
    notation: str = ""
    theme: Link | None = None
    coordinators: list[Link] = field(default_factory=list)
    leaders: list[Link] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def figure(b: PageBuilder, node: Term) -> Figure:
    kind = b.d.first(node, P(SMP.figureKind))
    sources = b.d.objects(node, P(DCTERMS.source))
    return Figure(
        b.link(kind),
        b.key(kind),
        b.figure_value(node),
        b.literal(node, P(RDFS.comment)),
        b.source_ref(sources[0]) if sources else None,
    )


def masterplan(b: PageBuilder) -> dict[str, Any]:
    d, x = b.d, b.thing
    nodes = list(
        dict.fromkeys(
            d.objects(x, P(SMP.declaredFigure)) + d.objects(x, P(SMP.declaredTotalInvestment))
        )
    )
    figures = [figure(b, n) for n in nodes]
    figures.sort(
        key=lambda f: (
            FIGURE_ORDER.index(f.kind_key) if f.kind_key in FIGURE_ORDER else 99,
            f.value,
        )
    )
    published = d.first(x, P(SMP.publishedActionCount))
    actions = [
        (b.literal(a, P(DCTERMS.identifier)), b.link(a)) for a in d.objects(x, P(DCTERMS.hasPart))
    ]
    actions.sort(key=lambda item: natural(item[0].value if item[0] else item[1].text))
    contact = d.first(x, P(DCAT.contactPoint))
    return {
        "title": b.literal(x, P(DCTERMS.title)),
        "description": b.literal(x, P(DCTERMS.description)),
        "issued": b.date(x, P(DCTERMS.issued)),
        "presented": b.date(x, P(SMP.presentedOn)),
        "publisher": b.first_link(x, P(DCTERMS.publisher)),
        "homepage": url(b, x, P(FOAF.page)),
        "contact": url(b, contact, P(VCARD.hasEmail)) if contact is not None else None,
        "governance": b.links(x, P(SMP.hasGovernanceBody)),
        "figures": figures,
        "declared_actions": [f for f in figures if f.kind_key == "actions"],
        "published_actions": int(published.value) if published is not None else len(actions),
        "scheme": b.first_link(x, P(SMP.themeScheme)),
        "themes": theme_tree(b, d.first(x, P(SMP.themeScheme))),
        "tables": table_tree(b, d.objects(x, P(SMP.hasWorkTable))),
        "phases": phases(b, d.objects(x, P(PROV.wasGeneratedBy))),
        "role_groups": grouped(roles(b, P(RO.forEntity), x)),
        "actions": actions,
    }


def theme_tree(b: PageBuilder, scheme: Term | None) -> list[Node]:
    if scheme is None:
        return []
    concepts = b.d.subjects(P(SKOS.inScheme), scheme)
    nodes = {c: Node(b.link(c), notation(b, c)) for c in concepts}
    roots = []
    for concept, node in nodes.items():
        parent = b.d.first(concept, P(SKOS.broader))
        (nodes[parent].children if parent in nodes else roots).append(node)
    return _sorted_tree(roots)


def table_tree(b: PageBuilder, tables: list[Term]) -> list[Node]:
    nodes = {}
    for table in tables:
        theme = b.d.first(table, P(ORG.purpose))
        held = roles(b, P(RO.forEntity), table)
        nodes[table] = Node(
            b.link(table),
            notation(b, theme),
            b.link(theme),
            by_label([r.holder for r in held if r.role_key == "coordinator"]),
            by_label([r.holder for r in held if r.role_key == "team-leader"]),
        )
    roots = []
    for table, node in nodes.items():
        parent = b.d.first(table, P(ORG.subOrganizationOf))
        (nodes[parent].children if parent in nodes else roots).append(node)
    return _sorted_tree(roots)


def _sorted_tree(nodes: list[Node]) -> list[Node]:
    for node in nodes:
        node.children = _sorted_tree(node.children)
    return sorted(nodes, key=lambda n: natural(n.notation or (n.link.text if n.link else "")))


def phases(b: PageBuilder, items: list[Term]) -> list[dict[str, Any]]:
    found = []
    for phase in items:
        position = b.d.first(phase, P(L0.positionInSequence))
        found.append(
            {
                "position": int(position.value) if isinstance(position, ox.Literal) else 0,
                "link": b.link(phase),
                "start": b.date(phase, P(PROV.startedAtTime)),
                "end": b.date(phase, P(PROV.endedAtTime)),
            }
        )
    return sorted(found, key=lambda p: p["position"])
