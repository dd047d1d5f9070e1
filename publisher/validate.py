"""The SHACL gate: nothing that violates the shapes is published.

Each violation is mapped from its focus node back to the YAML file and line it came from,
so the person who edits the YAML sees where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from publisher.rdf import CityGraph
from publisher.source import Origin

SHAPES_GLOB = "*.shacl.ttl"


@dataclass(frozen=True)
class Problem:
    """One SHACL result, located in the YAML where possible."""

    severity: str  # "Violation", "Warning" or "Info"
    message: str
    focus: str
    path: str | None
    origin: Origin | None

    def __str__(self) -> str:
        where = f"{self.origin}" if self.origin else f"(generated) {self.focus}"
        path = f" [{self.path}]" if self.path else ""
        return f"{where}: {self.severity.lower()}: {self.message}{path}"

    @property
    def is_violation(self) -> bool:
        return self.severity == "Violation"


def load_shapes(shapes_dir: Path) -> Graph:
    """Every ``*.shacl.ttl`` in the shapes folder, as one shapes graph."""
    graph = Graph()
    files = sorted(Path(shapes_dir).glob(SHAPES_GLOB))
    if not files:
        raise FileNotFoundError(f"{shapes_dir}: no {SHAPES_GLOB} shapes files")
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def check(data: Graph, shapes: Graph, located: CityGraph | None = None) -> list[Problem]:
    """Validate ``data``; return every result, violations first."""
    _, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_warnings=True,
        allow_infos=True,
    )
    problems = [
        _problem(report, result, data, located)
        for result in report.subjects(SH.resultSeverity, None)
    ]
    return sorted(problems, key=lambda p: (not p.is_violation, str(p)))


def _problem(report: Graph, result: Node, data: Graph, located: CityGraph | None) -> Problem:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    severity = report.value(result, SH.resultSeverity)
    message = report.value(result, SH.resultMessage)
    value = report.value(result, SH.value)
    text = str(message) if message else "constraint not met"
    if value is not None and not isinstance(value, BNode):
        text += f" (value: {value.n3() if hasattr(value, 'n3') else value})"
    return Problem(
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        message=text,
        focus=str(focus),
        path=_short(path),
        origin=_locate(focus, path, data, located),
    )


def _short(path: Node | None) -> str | None:
    if path is None or not isinstance(path, URIRef):
        return None if path is None else "(complex path)"
    text = str(path)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _locate(
    focus: Node | None, path: Node | None, data: Graph, located: CityGraph | None
) -> Origin | None:
    """The YAML origin of the focus node (and property), following blank nodes upward."""
    if located is None or focus is None:
        return None
    seen: set[Node] = set()
    node = focus
    while node is not None and node not in seen:
        seen.add(node)
        origin = located.origin_of(node, path if isinstance(path, URIRef) else None)
        if origin is not None:
            return origin
        node = next(iter(data.subjects(None, node)), None)
    return None
