"""HTML documentation of the ontology, generated with pyLODE at build time (one page per language).

Each term's HTML id is its IRI's local name, so ``…/ontology#WorkTable`` lands on its section.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF

from publisher.namespaces import SMP

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def _ontpub() -> type:
    """pyLODE's OntPub, imported without letting pyLODE reconfigure the root logger
    (its import installs a stderr handler at DEBUG level, flooding our logs)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        from pylode import OntPub
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return OntPub
LANGUAGES = ("it", "en")


def render(ontology_file: Path, lang: str) -> str:
    """pyLODE HTML of one language's labels (pyLODE would run both languages together)."""
    source = Graph(bind_namespaces="core").parse(ontology_file, format="turtle")
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in source.namespaces():
        graph.bind(prefix, namespace, override=True)
    for s, p, o in source:
        if not (isinstance(o, Literal) and o.language not in (None, lang)):
            graph.add((s, p, o))
    doc = _ontpub()(graph, sort_subjects=True)
    terms = {
        s for t in TERM_TYPES for s in source.subjects(RDF.type, t) if str(s).startswith(str(SMP))
    }
    doc.fids.update({str(term): str(term)[len(str(SMP)) :] for term in terms})
    return doc.make_html()


def write_docs(ontology_file: Path, out_dir: Path) -> list[Path]:
    """Write ``<stem>.<lang>.html`` for each language; return the paths."""
    written = []
    for lang in LANGUAGES:
        path = out_dir / f"{ontology_file.stem}.{lang}.html"
        path.write_text(render(ontology_file, lang), encoding="utf-8")
        written.append(path)
    return written
