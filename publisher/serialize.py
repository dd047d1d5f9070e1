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
_RDF_TYPE = str(RDF.type)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_string = json.encoder.encode_basestring  # a JSON string, non-ASCII kept (C when available)


def jsonld_context() -> dict:
    """The published JSON-LD @context: the project's prefixes."""
    return {"@context": {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}}


# The JSON-LD context's namespaces, longest first (see _curie).
_NAMESPACES = sorted(jsonld_context()["@context"].items(), key=lambda item: -len(item[1]))


def to_triples(graph: Graph) -> list[ox.Triple]:
    """An rdflib graph as pyoxigraph triples, through N-Triples (lossless), its blank nodes
    renamed canonically: rdflib names them at random, so without this two processes (web
    workers, replicas) would write the same graph as different bytes under one ETag."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return canonical(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))


def canonical(triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
    """The triples with their blank nodes named from what surrounds them, not from where
    they were read: a store or a parser names them at random in each process."""
    dataset = ox.Dataset(
        t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object)
        for t in triples
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return [quad.triple for quad in dataset]


def serialize_graph(graph: Graph, fmt: Format) -> bytes:
    """An rdflib graph in one graph format (see :func:`serialize`), the same bytes in every
    process."""
    return serialize(to_triples(graph), fmt)


def serialize(triples: Iterable[ox.Triple], fmt: Format, *, ordered: bool = False) -> bytes:
    """``triples`` in one of the document formats (never HTML), sorted by subject,
    predicate and object so the writers group each subject's triples: readable and
    diff-stable. ``ordered`` says they already are (``sort_triples``)."""
    if fmt.rdf_format is None or fmt.datasets:
        raise ValueError(f"{fmt.media_type} is not a graph format")
    triples = list(triples) if ordered else sort_triples(triples)
    if fmt == JSONLD:
        return jsonld(triples)
    if fmt.rdf_format == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(triples, format=fmt.rdf_format) or b""
    return ox.serialize(triples, format=fmt.rdf_format, prefixes=SERIALIZATION_PREFIXES) or b""


def sort_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The triples by subject (IRIs first), predicate and object, as their text sorts."""
    triples = list(triples)
    lines = _lines(triples)
    return [triples[i] for i in sorted(range(len(triples)), key=lines.__getitem__)]


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


def jsonld(triples: list[ox.Triple]) -> bytes:
    """Compacted JSON-LD of ``triples`` (sorted), written straight from the terms: the same
    bytes as ``compact_jsonld`` of pyoxigraph's expanded JSON-LD, without making, parsing
    and indenting that document: one node object per subject, ``@type`` for its classes,
    one key per property (CURIEs of the context), a list only for several values."""
    if not triples:
        return _indented({"@context": jsonld_context()["@context"], "@graph": []}, 0).encode()
    out = [_JSONLD_HEAD]
    subject = predicate = None
    values: list[Any] = []

    def close_property() -> None:
        if predicate is None:
            return
        if predicate.value == _RDF_TYPE and all(type(v) is ox.NamedNode for v in values):
            key, texts = "@type", [_string(_curie(v.value)) for v in values]
        else:
            key = _curie(predicate.value)
            many = len(values) > 1
            texts = [_jsonld_value(v, 4 if many else 3) for v in values]
        out.append(",\n   " + _string(key) + ": ")
        if len(texts) == 1:
            out.append(texts[0])
        else:
            out.append("[\n    " + ",\n    ".join(texts) + "\n   ]")

    for triple in triples:
        if triple.subject != subject:
            close_property()
            if subject is not None:
                out.append("\n  },\n  ")
            subject, predicate, values = triple.subject, None, []
            out.append('{\n   "@id": ' + _string(_jsonld_id(subject)))
        if triple.predicate != predicate:
            close_property()
            predicate, values = triple.predicate, []
        values.append(triple.object)
    close_property()
    out.append("\n  }\n ]\n}")
    return "".join(out).encode("utf-8")


def _jsonld_id(node: ox.NamedNode | ox.BlankNode) -> str:
    return node.value if type(node) is ox.NamedNode else f"_:{node.value}"


def _jsonld_value(term: Any, level: int) -> str:
    """One value object, indented as ``json.dumps(indent=1)`` does at ``level``."""
    inner, close = _PADS[level + 1], _PADS[level] + "}"
    if type(term) is not ox.Literal:
        return f'{{{inner}"@id": {_string(_jsonld_id(term))}{close}'
    value = _string(term.value)
    if term.language:
        return f'{{{inner}"@language": {_string(term.language)},{inner}"@value": {value}{close}'
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return f'{{{inner}"@value": {value}{close}'
    return f'{{{inner}"@type": {_string(_curie(datatype))},{inner}"@value": {value}{close}'


_PADS = ["\n" + " " * level for level in range(8)]


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


def _jsonld_head() -> str:
    """The document up to its first node: the context, then the opening of ``@graph``."""
    empty = _indented({"@context": jsonld_context()["@context"], "@graph": []}, 0)
    return empty.removesuffix("[]\n}") + "[\n  "


_JSONLD_HEAD = _jsonld_head()


def _is_iri_ref(item: dict[str, Any]) -> bool:
    return set(item) == {"@id"} and not item["@id"].startswith("_:")


def _one(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values
