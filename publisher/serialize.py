"""Writing RDF: the one place graphs become bytes, in every format the project offers.

pyoxigraph does the writing (many times faster than rdflib); JSON-LD is compacted with the
project's published ``@context`` so every JSON-LD output reads the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from publisher.mediatypes import JSONLD, Format
from publisher.namespaces import PREFIXES

SERIALIZATION_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
_string = json.encoder.encode_basestring  # a JSON string, non-ASCII kept (C when available)


def jsonld_context() -> dict:
    """The published JSON-LD @context: the project's prefixes."""
    return {"@context": {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}}


# The JSON-LD context's namespaces, longest first (see _curie).
_NAMESPACES = sorted(jsonld_context()["@context"].items(), key=lambda item: -len(item[1]))


def to_triples(graph: Graph) -> list[ox.Triple]:
    """An rdflib graph as pyoxigraph triples, through N-Triples (lossless)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))


def serialize_graph(graph: Graph, fmt: Format) -> bytes:
    """An rdflib graph in one graph format (see :func:`serialize`)."""
    return serialize(to_triples(graph), fmt)


def serialize(triples: Iterable[ox.Triple], fmt: Format) -> bytes:
    """``triples`` in one of the document formats (never HTML)."""
    if fmt == JSONLD:
        expanded = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]"
        return compact_jsonld(expanded)
    if fmt.rdf_format is None or fmt.datasets:
        raise ValueError(f"{fmt.media_type} is not a graph format")
    # Sorted by subject, the writer groups each subject's triples: readable and diff-stable.
    triples = list(triples)
    lines = _lines(triples)
    if fmt.rdf_format == ox.RdfFormat.N_TRIPLES:
        return b"".join(sorted(lines))
    ordered = [triples[i] for i in sorted(range(len(triples)), key=lines.__getitem__)]
    return ox.serialize(ordered, format=fmt.rdf_format, prefixes=SERIALIZATION_PREFIXES) or b""


def _lines(triples: list[ox.Triple]) -> list[bytes]:
    """Each triple's N-Triples line, in order. Sorting them sorts the triples by subject
    (IRIs, "<", before blank nodes, "_"), predicate and object, as the terms' own text
    would: UTF-8 bytes compare like the characters they encode."""
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    lines = data.splitlines(keepends=True)
    if len(lines) != len(triples):  # never: N-Triples escapes line breaks in literals
        raise ValueError("N-Triples lines do not match the triples")
    return lines


@lru_cache(maxsize=65536)
def _curie(iri: str) -> str:
    """``prefix:local`` for an IRI in one of the project's namespaces (the longest that
    leaves a local part), else the IRI itself."""
    for prefix, namespace in _NAMESPACES:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local and not local.startswith("//"):
                return f"{prefix}:{local}"
    return iri


def compact_jsonld(expanded: bytes) -> bytes:
    """pyoxigraph's expanded JSON-LD (a list of node objects) with the project's context."""
    context: dict[str, str] = jsonld_context()["@context"]
    rdf_type = str(RDF.type)

    def value(item: dict[str, Any]) -> dict[str, Any]:
        if "@type" in item and "@value" in item:
            return {**item, "@type": _curie(item["@type"])}
        return item

    graph = []
    for node in json.loads(expanded):
        out: dict[str, Any] = {"@id": node["@id"]}
        for key, values in node.items():
            if key.startswith("@"):
                continue
            if key == rdf_type and all(_is_iri_ref(v) for v in values):
                out["@type"] = _one([_curie(v["@id"]) for v in values])
            else:
                out[_curie(key)] = _one([value(v) for v in values])
        graph.append(out)
    document = {"@context": context, "@graph": graph}
    return _indented(document, 0).encode("utf-8")


def _indented(value: Any, level: int) -> str:
    """Exactly ``json.dumps(value, ensure_ascii=False, indent=1)`` for parsed JSON (string
    keys), three times faster: the standard library writes indented JSON in pure Python,
    one generator step per item."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is not dict and kind is not list:
        return json.dumps(value, ensure_ascii=False)
    if not value:
        return "{}" if kind is dict else "[]"
    inner = "\n" + " " * (level + 1)
    deeper = level + 1
    if kind is dict:
        parts = [
            _string(k) + ": " + (_string(v) if type(v) is str else _indented(v, deeper))
            for k, v in value.items()
        ]
        return "{" + inner + ("," + inner).join(parts) + "\n" + " " * level + "}"
    parts = [_string(v) if type(v) is str else _indented(v, deeper) for v in value]
    return "[" + inner + ("," + inner).join(parts) + "\n" + " " * level + "]"


def _is_iri_ref(item: dict[str, Any]) -> bool:
    return set(item) == {"@id"} and not item["@id"].startswith("_:")


def _one(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values
