"""The SHACL gate: nothing that violates the shapes is published.

Each violation is mapped from its focus node back to the YAML file and line it came from,
so the person who edits the YAML sees where to look.

Two engines run the same call (shapes/README.md): pySHACL, the reference, and
pyshacl-turbo, a Rust engine with pySHACL's interface that is 10-15 times faster on a city.
Both give the same results on every fixture of tests/test_shapes.py except where pySHACL
misses a documented case (incomparable values under ``sh:lessThanOrEquals``, see
shapes/README.md), which pyshacl-turbo reports as one more violation of data that is refused
anyway; tests/test_build_scaling.py holds them to that. The build uses pyshacl-turbo when it
is installed; ``LODPUB_SHACL_ENGINE=pyshacl`` (or ``turbo``) chooses.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from publisher.messages import DEFAULT, say
from publisher.rdf import CityGraph
from publisher.source import Origin

SHAPES_GLOB = "*.shacl.ttl"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
ENGINE_VARIABLE = "LODPUB_SHACL_ENGINE"
ENGINES = ("turbo", "pyshacl")
# The exact options of the gate (shapes/README.md, tests/test_shapes.py).
OPTIONS: dict[str, Any] = {
    "inference": "none",
    "abort_on_first": False,
    "allow_warnings": True,
    "allow_infos": True,
}

try:
    import pyshacl_turbo
except ImportError:  # pragma: no cover - an optional speed-up; pySHACL gives the same reports
    pyshacl_turbo = None


@dataclass(frozen=True)
class Problem:
    """One SHACL result, located in the YAML where possible.

    ``message`` is the shape's ``sh:message`` in English (or without a language);
    ``translations`` the same in other languages, (language, text) pairs, for :meth:`render`.
    """

    severity: str  # "Violation", "Warning" or "Info"
    message: str
    focus: str
    path: str | None
    origin: Origin | None
    value: str | None = None  # the offending value, when it is not a blank node
    translations: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.render(DEFAULT)

    def render(self, lang: str) -> str:
        """``file:line: field: severity: message (value: …) [path]`` in ``lang``."""
        where = str(self.origin) if self.origin else say(lang, "shacl.generated", focus=self.focus)
        text = dict(self.translations).get(lang) or self.message or say(lang, "shacl.unexplained")
        if self.value is not None:
            text += f" ({say(lang, 'shacl.value', value=self.value)})"
        path = f" [{self.path}]" if self.path else ""
        return f"{where}: {say(lang, 'shacl.' + self.severity)}: {text}{path}"

    @property
    def is_violation(self) -> bool:
        return self.severity == "Violation"

    def order(self) -> tuple:
        """Violations first, then by file and line (as numbers: line 5 before line 30)."""
        origin = self.origin
        return (not self.is_violation, origin is None, str(origin.file) if origin else "",
                origin.line if origin else 0, str(self))  # fmt: skip


def load_shapes(shapes_dir: Path) -> Graph:
    """Every ``*.shacl.ttl`` in the shapes folder, as one shapes graph."""
    graph = Graph()
    files = sorted(Path(shapes_dir).glob(SHAPES_GLOB))
    if not files:
        raise FileNotFoundError(f"{shapes_dir}: no {SHAPES_GLOB} shapes files")
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def engine_name(requested: str | None = None) -> str:
    """The engine to use: ``requested``, else $LODPUB_SHACL_ENGINE, else turbo if installed."""
    name = (requested or os.environ.get(ENGINE_VARIABLE) or "").strip().lower()
    if not name or name == "auto":
        return "turbo" if pyshacl_turbo is not None else "pyshacl"
    if name not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE}: unknown SHACL engine {name!r} (one of {ENGINES})")
    if name == "turbo" and pyshacl_turbo is None:
        raise ValueError(f"{ENGINE_VARIABLE}=turbo but pyshacl-turbo is not installed")
    return name


Data = Graph | Iterable[ox.Quad | ox.Triple]


class Validator:
    """The shapes, prepared once, and the engine that checks data against them."""

    def __init__(self, shapes: Graph, engine: str | None = None) -> None:
        self.shapes = shapes
        self.engine = engine_name(engine)
        self._program = (
            pyshacl_turbo.compile_shapes(shapes, advanced=False)
            if self.engine == "turbo"
            else None
        )

    def report(self, data: Data) -> Graph:
        """The SHACL validation report (an rdflib graph) of ``data``: an rdflib graph or
        pyoxigraph quads / triples (their graph names are ignored: one graph is checked)."""
        if self._program is not None:
            source = data if isinstance(data, Graph) else _turbo_input(data)
            _, report, _ = self._program.validate(source, **OPTIONS)
        else:
            from pyshacl import validate as shacl_validate  # only when asked: slow to import

            source = data if isinstance(data, Graph) else to_rdflib(data)
            _, report, _ = shacl_validate(
                source, shacl_graph=self.shapes, advanced=False, **OPTIONS
            )
        return report

    def check(self, data: Data, located: CityGraph | None = None) -> list[Problem]:
        """Validate ``data``; return every result, violations first."""
        return problems(self.report(data), located)

    def check_city(self, located: CityGraph) -> list[Problem]:
        return self.check(located.quads, located)


def check(data: Data, shapes: Graph, located: CityGraph | None = None) -> list[Problem]:
    """Validate ``data`` against ``shapes``; return every result, violations first."""
    return Validator(shapes).check(data, located)


def problems(report: Graph, located: CityGraph | None = None) -> list[Problem]:
    """Every result of a validation report, violations first (a harvester keeps the report
    as data and reads the problems from the same graph)."""
    found = [_problem(report, result, located) for result in report.subjects(SH.resultSeverity)]
    return sorted(found, key=Problem.order)


# --- data for the engines -----------------------------------------------------------------


def to_rdflib(data: Iterable[ox.Quad | ox.Triple]) -> Graph:
    """pyoxigraph quads or triples as one rdflib graph, blank node labels and literals kept."""
    graph = Graph()
    for statement in data:
        graph.add((_rdflib(statement.subject), _rdflib(statement.predicate),
                   _rdflib(statement.object)))
    return graph


def _rdflib(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    datatype = _datatype(term)
    return Literal(
        term.value, lang=term.language, datatype=datatype and URIRef(datatype), normalize=False
    )


def _datatype(literal: ox.Literal) -> str | None:
    """A literal's datatype as rdflib has it: none for a plain or language-tagged string."""
    if literal.language:
        return None
    datatype = literal.datatype.value
    return None if datatype == XSD_STRING else datatype


def _turbo_input(data: Iterable[ox.Quad | ox.Triple]) -> Any:
    """pyshacl-turbo's typed term transfer (what it makes of an rdflib graph), built straight
    from pyoxigraph terms: ten times cheaper than an rdflib graph, and blank nodes keep their
    labels in the report, so a result on an amount or a period finds its YAML line."""
    try:
        from pyshacl_turbo.rdf import Input
    except ImportError:  # pragma: no cover - another pyshacl-turbo layout: the slow way
        return to_rdflib(data)
    records: list[tuple[int, str, str | None, str | None]] = []
    index: dict[Any, int] = {}
    statements = []

    def intern(term: Any) -> int:
        number = index.get(term)
        if number is None:
            if isinstance(term, ox.NamedNode):
                record = (0, term.value, None, None)
            elif isinstance(term, ox.BlankNode):
                record = (1, term.value, None, None)
            else:
                record = (2, term.value, _datatype(term), term.language)
            number = index[term] = len(records)
            records.append(record)
        return number

    for statement in data:
        statements.append(
            (intern(statement.subject), intern(statement.predicate), intern(statement.object),
             None)
        )
    return Input((records, statements), "terms", None, {}, preserve_ids=True)


# --- results ------------------------------------------------------------------------------


def _problem(report: Graph, result: Node, located: CityGraph | None) -> Problem:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    severity = report.value(result, SH.resultSeverity)
    value = report.value(result, SH.value)
    messages = {
        (m.language if isinstance(m, Literal) and m.language else DEFAULT): str(m)
        for m in sorted(report.objects(result, SH.resultMessage))  # sorted: the same every run
    }
    return Problem(
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        message=messages.get(DEFAULT, ""),
        focus=str(focus),
        path=_short(path),
        origin=_locate(focus, path, located),
        value=None if value is None or isinstance(value, BNode) else value.n3(),
        translations=tuple(sorted((k, v) for k, v in messages.items() if k != DEFAULT)),
    )


def _short(path: Node | None) -> str | None:
    if path is None or not isinstance(path, URIRef):
        return None if path is None else "(complex path)"
    text = str(path)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _locate(focus: Node | None, path: Node | None, located: CityGraph | None) -> Origin | None:
    """The YAML origin of the focus node (and property), following blank nodes upward."""
    if located is None or focus is None:
        return None
    try:
        if isinstance(focus, URIRef):
            node = ox.NamedNode(str(focus))
        elif isinstance(focus, BNode):
            node = ox.BlankNode(str(focus))
        else:
            return None
        prop = ox.NamedNode(str(path)) if isinstance(path, URIRef) else None
    except ValueError:
        return None
    return located.origin_of(node, prop)
