"""Pieces several kinds of page share: roles, periods, notations, sorting."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import ORG, SKOS, TIME

from publisher.namespaces import RO
from publisher.web.lod.describe import Term
from publisher.web.lod.pages import Link, PageBuilder

P = str  # predicates are plain strings in the description's index


def natural(text: str) -> tuple:
    """Sort key where "2.10" comes after "2.9" and "a10" after "a9"."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.lower()))


@dataclass(frozen=True)
class Role:
    link: Link | None
    role: Link | None
    role_key: str
    holder: Link | None
    target: Link | None
    period: str | None


def roles(b: PageBuilder, predicate: str, node: Term) -> list[Role]:
    """Role assignments whose ``predicate`` (target or holder) is ``node``."""
    found = []
    for r in b.d.subjects(predicate, node):
        role = b.d.first(r, P(RO.withRole)) or b.d.first(r, P(ORG.role))
        found.append(
            Role(
                b.link(r),
                b.link(role),
                b.key(role),
                b.first_link(r, P(ORG.member)),
                b.first_link(r, P(RO.forEntity)),
                period(b, b.d.first(r, P(ORG.memberDuring))),
            )
        )
    return sorted(
        found, key=lambda x: (x.role.text if x.role else "", x.holder.text if x.holder else "")
    )


def grouped(items: list[Role]) -> list[tuple[Link | None, list[Role]]]:
    """Roles by role concept, protocol signatories first."""
    groups: dict[str, tuple[Link | None, list[Role]]] = {}
    for item in items:
        groups.setdefault(item.role_key, (item.role, []))[1].append(item)
    order = sorted(
        groups, key=lambda k: (k != "protocol-signatory", groups[k][0].text if groups[k][0] else k)
    )
    return [groups[k] for k in order]


def period(b: PageBuilder, interval: Term | None) -> str | None:
    if interval is None:
        return None

    def instant(predicate: str) -> str | None:
        moment = b.d.first(interval, predicate)
        if moment is None:
            return None
        value = b.d.first(moment, P(TIME.inXSDDate))
        if isinstance(value, ox.Literal):
            return b.date(moment, P(TIME.inXSDDate))
        year = b.d.first(moment, P(TIME.inXSDgYear))
        return year.value if isinstance(year, ox.Literal) else None

    start, end = instant(P(TIME.hasBeginning)), instant(P(TIME.hasEnd))
    parts = [f"{b.t['from']} {start}" if start else "", f"{b.t['until']} {end}" if end else ""]
    return " ".join(p for p in parts if p) or None


def notation(b: PageBuilder, node: Term | None) -> str:
    found = b.literal(node, P(SKOS.notation))
    return found.value if found else ""


def url(b: PageBuilder, node: Term, predicate: str) -> str | None:
    value = b.d.first(node, predicate)
    return value.value if isinstance(value, ox.NamedNode) else None


def by_label(links: list[Link | None]) -> list[Link]:
    return sorted((x for x in links if x is not None), key=lambda x: natural(x.text))
