"""The embedded store: the build's N-Quads loaded into an in-memory pyoxigraph store.

Why the union default graph is *materialised* rather than asked for with pyoxigraph's
``use_default_graph_as_union=True`` (checked against pyoxigraph 0.5):

- with that flag pyoxigraph ignores a query's own ``FROM`` clauses, so
  ``SELECT * FROM <g1> { ?s ?p ?o }`` would silently read every graph;
- it is a union of *quads*: a triple present in two graphs is counted and described
  twice, so ``COUNT(*)`` disagrees with the VoID/SD triple counts.

So at load time every named-graph triple is also written into the store's real default
graph (a set, hence deduplicated). Then the store's own semantics are the ones we want:
no dataset given → union default graph + all named graphs; ``FROM``/``FROM NAMED`` →
the query's dataset; protocol ``default-graph-uri``/``named-graph-uri`` → pyoxigraph's
``default_graph``/``named_graphs`` arguments, which take precedence over ``FROM`` as the
SPARQL Protocol requires. The price is memory for a second copy of the triples, which is
fine for masterplans; big deployments use a remote store.

Results are serialised by pyoxigraph itself (never through rdflib) for speed.

Row caps (:meth:`EmbeddedResult.serialize_capped`, used by the public endpoint): the
solutions or triples are *iterated* up to the cap + 1 (so evaluation stops there), the kept
ones are serialised, and a cut result is marked in the body where the format allows it
(:func:`mark_truncated`). Solutions are written by pyoxigraph too: the kept rows go through
SPARQL TSV (terms in N-Triples syntax, lossless) and pyoxigraph's results parser, so every
results format keeps pyoxigraph's exact output.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher import mediatypes as mt
from publisher.mediatypes import Format
from publisher.store import (
    Capped,
    InvalidDataset,
    ProtocolDataset,
    QueryFailed,
    QueryResult,
    QuerySyntaxError,
    ResultKind,
    Store,
    StoreUnavailable,
    check_query_text,
    screen,
)

DATASET_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"


class EmbeddedResult(QueryResult):
    """A pyoxigraph result; evaluation is lazy, so errors surface in :meth:`serialize`."""

    def __init__(
        self, raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
    ) -> None:
        self._raw = raw
        if isinstance(raw, ox.QuerySolutions):
            self.kind = ResultKind.SOLUTIONS
        elif isinstance(raw, ox.QueryBoolean):
            self.kind = ResultKind.BOOLEAN
        else:
            self.kind = ResultKind.GRAPH
        self._used = False

    def serialize(self, fmt: Format) -> bytes:
        if fmt not in self.formats:
            raise ValueError(f"a {self.kind.value} result cannot be written as {fmt.media_type}")
        if self._used:
            raise RuntimeError("a query result can only be serialised once")
        self._used = True
        target = fmt.rdf_format if self.kind is ResultKind.GRAPH else fmt.results_format
        try:
            data = self._raw.serialize(format=target)
        except Exception as exc:  # the engine's evaluation errors have no common base
            raise QueryFailed(f"query evaluation failed: {exc}") from exc
        return data or b""

    def serialize_capped(
        self, fmt: Format, max_rows: int | None, link: str | None = None
    ) -> Capped:
        """Like :meth:`serialize`, keeping at most ``max_rows`` solutions or triples.

        A cut result says so in the body where the format allows (see
        :func:`mark_truncated`, ``link`` is the document that explains the limit); the
        caller also says so in a header. ASK results are never cut.
        """
        if max_rows is None or self.kind is ResultKind.BOOLEAN:
            return Capped(self.serialize(fmt), False, None, max_rows)
        if fmt not in self.formats:
            raise ValueError(f"a {self.kind.value} result cannot be written as {fmt.media_type}")
        if self._used:
            raise RuntimeError("a query result can only be serialised once")
        self._used = True
        try:
            variables = self._raw.variables if self.kind is ResultKind.SOLUTIONS else None
            kept = list(islice(self._raw, max_rows + 1))  # type: ignore[arg-type]
            truncated = len(kept) > max_rows
            del kept[max_rows:]
            if variables is None:
                data = ox.serialize(kept, format=fmt.rdf_format) or b""
            else:
                data = _solutions(variables, kept, fmt)
        except Exception as exc:  # the engine's evaluation errors have no common base
            raise QueryFailed(f"query evaluation failed: {exc}") from exc
        if truncated:
            data = mark_truncated(data, fmt, max_rows, link)
        return Capped(data, truncated, len(kept), max_rows)


def _solutions(variables: list[ox.Variable], rows: list[ox.QuerySolution], fmt: Format) -> bytes:
    """Kept solutions in a results format, written by pyoxigraph (through lossless TSV)."""
    # A solution iterates its values in the order of ``variables`` (None when unbound),
    # much faster than looking each variable up.
    lines = ["\t".join(str(v) for v in variables)]
    lines += ["\t".join(["" if term is None else str(term) for term in row]) for row in rows]
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    if fmt is mt.RESULTS_TSV:
        return tsv
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=fmt.results_format) or b""


def truncation_note(limit: int) -> str:
    """The human-readable sentence used in every body marker."""
    return (
        f"truncated: this result was cut at {limit} rows/triples by the server's limit "
        "(limits.max_result_rows); add LIMIT/OFFSET or download a dump for everything"
    )


def mark_truncated(data: bytes, fmt: Format, limit: int, link: str | None) -> bytes:
    """Say in the body that a result was cut, where the format has room for it.

    - SPARQL JSON results: ``head.link`` gets ``link`` (the spec's member for "further
      metadata about the query results"); SPARQL XML results: a ``<link href>`` in ``<head>``;
    - Turtle, N-Triples, N-Quads, TriG: a first ``# truncated: ...`` comment line;
    - RDF/XML: an XML comment after the XML declaration;
    - CSV, TSV, JSON-LD: no room without changing the data; the header says it.
    """
    note = truncation_note(limit)
    if fmt is mt.RESULTS_JSON and link:
        prefix = b'{"head":{"vars":['
        entry = b',"link":' + json.dumps([link]).encode("utf-8")
        if data.startswith(prefix):  # variable names contain no "]": the vars array ends here
            end = data.index(b"]", len(prefix)) + 1
            return data[:end] + entry + data[end:]
        document = json.loads(data)
        document.setdefault("head", {}).setdefault("link", []).append(link)
        return json.dumps(document, ensure_ascii=False).encode("utf-8")
    if fmt is mt.RESULTS_XML and link:
        href = link.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return data.replace(b"</head>", f'<link href="{href}"/></head>'.encode(), 1)
    if fmt in (mt.TURTLE, mt.NTRIPLES, mt.NQUADS, mt.TRIG):
        return f"# {note}\n".encode() + data
    if fmt is mt.RDFXML:
        comment = f"<!-- {note} -->\n".encode()
        if data.startswith(b"<?xml"):
            end = data.index(b"?>") + 2
            return data[:end] + b"\n" + comment + data[end:].lstrip(b"\n")
        return comment + data
    return data


class EmbeddedStore(Store):
    """Read-only pyoxigraph store over ``dist/dataset.nq`` and ``dist/manifest.json``."""

    def __init__(self, dist_dir: Path, base_iri: str | None = None) -> None:
        dist_dir = Path(dist_dir)
        self._manifest = _read_manifest(dist_dir / MANIFEST_FILE)
        self._base_iri = base_iri
        self._store = ox.Store()
        dataset = dist_dir / DATASET_FILE
        if not dataset.is_file():
            raise StoreUnavailable(f"{dataset} not found: run `lodpub build` first")
        try:
            self._store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
        except SyntaxError as exc:
            raise StoreUnavailable(f"{dataset} is not valid N-Quads: {exc}") from exc
        # The union default graph, materialised (see the module docstring).
        self._store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        self._counts = self._count_all()
        self._graphs = tuple(sorted(g for g in self._counts if g is not None))
        self._version = str(self._manifest["build_id"])
        self._built_at = _parse_time(self._manifest["built_at"])

    @property
    def version(self) -> str:
        return self._version

    @property
    def built_at(self) -> datetime:
        return self._built_at

    @property
    def manifest(self) -> dict[str, Any]:
        """The build manifest as read (cities, files with sizes and checksums)."""
        return self._manifest

    def query(self, sparql: str, dataset: ProtocolDataset | None = None) -> QueryResult:
        check_query_text(sparql)
        # In production this runs in an executor (publisher.store.guarded): the parse is
        # contained there, and the executor cannot connect even if it missed SERVICE.
        screen.verify(sparql, self._base_iri)
        options: dict[str, Any] = {}
        if dataset:
            options["default_graph"] = _named_nodes(dataset.default_graphs, "default-graph-uri")
            options["named_graphs"] = _named_nodes(dataset.named_graphs, "named-graph-uri")
        try:
            raw = self._store.query(sparql, base_iri=self._base_iri, **options)
        except SyntaxError as exc:
            raise QuerySyntaxError("SPARQL syntax " + " ".join(str(exc).split())) from None
        except OSError as exc:
            raise QueryFailed(f"query evaluation failed: {exc}") from exc
        return EmbeddedResult(raw)

    def count_triples(self, graph: str | None = None) -> int:
        return self._counts.get(graph, 0)

    def graphs(self) -> tuple[str, ...]:
        return self._graphs

    def _count_all(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {}
        for row in self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        ):
            graph = row["g"]
            if isinstance(graph, ox.NamedNode):
                counts[graph.value] = int(row["n"].value)
        (total,) = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        counts[None] = int(total["n"].value)
        return counts


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreUnavailable(f"{path} not found: run `lodpub build` first") from None
    except (OSError, ValueError) as exc:
        raise StoreUnavailable(f"{path} is unreadable: {exc}") from exc
    missing = [key for key in ("build_id", "built_at") if key not in manifest]
    if missing:
        raise StoreUnavailable(f"{path} lacks {', '.join(missing)}")
    return manifest


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # the manifest promises UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _named_nodes(iris: tuple[str, ...], parameter: str) -> list[ox.NamedNode]:
    try:
        return [ox.NamedNode(iri) for iri in iris]
    except ValueError as exc:
        raise InvalidDataset(f"{parameter} must be an absolute IRI: {exc}") from None
