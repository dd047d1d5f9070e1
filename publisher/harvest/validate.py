"""Checking a downloaded dump: it parses, it speaks only about its own namespace, it passes
the shapes (``publisher.validate``, the same gate as ``lodpub build``), and what it
measures (size, problems, declared versus published actions).

The quads come out in the aggregate's graph for the city, whatever graphs the dump used:
the aggregator decides where a city's data lives, not the city.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph

from publisher.harvest.ownership import check_subjects
from publisher.mediatypes import Format
from publisher.namespaces import SCHEMA, SMP, VOCAB
from publisher.validate import Problem, Validator, problems

TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
MASTERPLAN = ox.NamedNode(SMP.Masterplan)
ACTION = ox.NamedNode(SMP.Action)
DECLARED_FIGURE = ox.NamedNode(SMP.declaredFigure)
FIGURE_KIND = ox.NamedNode(SMP.figureKind)
ACTIONS_KIND = ox.NamedNode(VOCAB["figure-kind/actions"])
FIGURE_VALUES = (ox.NamedNode(SCHEMA.value), ox.NamedNode(SCHEMA.minValue))
SHOWN_PROBLEMS = 3


class CheckError(Exception):
    """The data is refused; ``report`` is the SHACL report when the shapes refused it."""

    def __init__(self, reason: str, report: Graph | None = None) -> None:
        super().__init__(reason)
        self.report = report


@dataclass(frozen=True)
class Measures:
    """What the harvester measures on a city's data (published as DQV)."""

    triples: int
    violations: int
    warnings: int
    declared_actions: int | None  # the highest number of actions a source declares
    published_actions: int

    @property
    def action_coverage(self) -> float | None:
        """Published over declared actions (None when no number is declared)."""
        if not self.declared_actions:
            return None
        return round(self.published_actions / self.declared_actions, 3)


@dataclass
class Checked:
    quads: list[ox.Quad]
    report: Graph
    problems: list[Problem]
    measures: Measures


def parse_dump(body: bytes, fmt: Format, base: str, graph: ox.NamedNode) -> list[ox.Quad]:
    """The dump's statements, each once, in ``graph``; CheckError if it does not parse."""
    try:
        statements = ox.parse(body, format=fmt.rdf_format, base_iri=base, rename_blank_nodes=True)
        quads = dict.fromkeys(ox.Quad(q.subject, q.predicate, q.object, graph) for q in statements)
    except (SyntaxError, ValueError) as exc:
        raise CheckError(f"invalid {fmt.media_type}: {' '.join(str(exc).split())}") from None
    if not quads:
        raise CheckError(f"the {fmt.media_type} dump holds no triples")
    return list(quads)


def _actions(quads: list[ox.Quad]) -> tuple[int | None, int]:
    """(declared, published) actions: the highest declared figure of kind "actions" of the
    city's masterplans, and the things typed smp:Action."""
    plans, published, figures, kinds, values = set(), set(), set(), set(), {}
    for quad in quads:
        s, p, o = quad.subject, quad.predicate, quad.object
        if p == TYPE and o == MASTERPLAN:
            plans.add(s)
        elif p == TYPE and o == ACTION:
            published.add(s)
        elif p == DECLARED_FIGURE:
            figures.add((s, o))
        elif p == FIGURE_KIND and o == ACTIONS_KIND:
            kinds.add(s)
        elif p in FIGURE_VALUES and isinstance(o, ox.Literal) and _number(o.value) is not None:
            values.setdefault(s, []).append(_number(o.value))
    declared = [
        value
        for plan, figure in figures
        if plan in plans and figure in kinds
        for value in values.get(figure, ())
    ]
    return (max(declared) if declared else None), len(published)


def _number(text: str) -> int | None:
    try:
        return int(float(text))
    except ValueError:
        return None


def check_city(quads: list[ox.Quad], namespaces: tuple[str, ...], validator: Validator) -> Checked:
    """Ownership and shapes; CheckError (with the report, for the shapes) when refused."""
    check_subjects(quads, namespaces)
    report = validator.report(quads)
    found = problems(report)
    violations = [p for p in found if p.is_violation]
    if violations:
        shown = "; ".join(str(p) for p in violations[:SHOWN_PROBLEMS])
        more = f" (and {len(violations) - SHOWN_PROBLEMS} more)" if len(violations) > 3 else ""
        raise CheckError(f"{len(violations)} SHACL violation(s): {shown}{more}", report)
    declared, published = _actions(quads)
    measures = Measures(len(quads), 0, len(found), declared, published)
    return Checked(quads, report, found, measures)
