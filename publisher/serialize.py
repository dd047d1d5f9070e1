"""Writing RDF: the one place graphs become bytes, in every format the project offers.

pyoxigraph does the writing (many times faster than rdflib); JSON-LD is compacted with the
project's published ``@context`` so every JSON-LD output reads the same way.
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from publisher.mediatypes import JSONLD, Format
from publisher.namespaces import PREFIXES

SERIALIZATION_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


def jsonld_context() -> dict:
    """The published JSON-LD @context: the project's prefixes."""
    return {"@context": {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}}


def to_triples(graph: Graph) -> list[ox.Triple]:
    """An rdflib graph as pyoxigraph triples, through N-Triples (lossless)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))


def serialize_graph(graph: Graph, fmt: Format) -> bytes:
    """An rdflib graph in one graph format (see :func:`serialize`)."""
    return serialize(to_triples(graph), fmt)


def serialize(triples: list[ox.Triple], fmt: Format) -> bytes:
    """``triples`` in one of the document formats (never HTML)."""
    if fmt == JSONLD:
        expanded = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]"
        return compact_jsonld(expanded)
    if fmt.rdf_format is None or fmt.datasets:
        raise ValueError(f"{fmt.media_type} is not a graph format")
    # Sorted by subject, the writer groups each subject's triples: readable and diff-stable.
    ordered = sorted(triples, key=_order)
    return ox.serialize(ordered, format=fmt.rdf_format, prefixes=SERIALIZATION_PREFIXES) or b""


def _order(triple: ox.Triple) -> tuple[bool, str, str, str]:
    subject = triple.subject
    return (isinstance(subject, ox.BlankNode), str(subject), str(triple.predicate),
            str(triple.object))


def compact_jsonld(expanded: bytes) -> bytes:
    """pyoxigraph's expanded JSON-LD (a list of node objects) with the project's context."""
    context: dict[str, str] = jsonld_context()["@context"]
    namespaces = sorted(context.items(), key=lambda item: -len(item[1]))

    def curie(iri: str) -> str:
        for prefix, namespace in namespaces:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        return iri

    def value(item: dict[str, Any]) -> dict[str, Any]:
        if "@type" in item and "@value" in item:
            return {**item, "@type": curie(item["@type"])}
        return item

    graph = []
    for node in json.loads(expanded):
        out: dict[str, Any] = {"@id": node["@id"]}
        for key, values in node.items():
            if key.startswith("@"):
                continue
            values = [value(v) for v in values]
            if key == str(RDF.type) and all(_is_iri_ref(v) for v in values):
                out["@type"] = _one([curie(v["@id"]) for v in values])
            else:
                out[curie(key)] = _one(values)
        graph.append(out)
    document = {"@context": context, "@graph": graph}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _is_iri_ref(item: dict[str, Any]) -> bool:
    return set(item) == {"@id"} and not item["@id"].startswith("_:")


def _one(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values
