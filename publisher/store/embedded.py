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
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher import distdir
from publisher import mediatypes as mt
from publisher.mediatypes import Format
from publisher.store import (
    Capped,
    InvalidDataset,
    Page,
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
from publisher.store.descriptions import DESCRIPTIONS_FILE, Descriptions

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
        self,
        fmt: Format,
        max_rows: int | None,
        link: str | None = None,
        max_bytes: int | None = None,
    ) -> Capped:
        """Iterates up to the caps (see :func:`write_capped`); ASK results are never cut."""
        if self.kind is ResultKind.BOOLEAN or (max_rows is None and max_bytes is None):
            return Capped(self.serialize(fmt), False, None, max_rows)
        if fmt not in self.formats:
            raise ValueError(f"a {self.kind.value} result cannot be written as {fmt.media_type}")
        if self._used:
            raise RuntimeError("a query result can only be serialised once")
        self._used = True
        variables = self._raw.variables if self.kind is ResultKind.SOLUTIONS else None
        try:
            return write_capped(self._raw, variables, fmt, max_rows, max_bytes, link)
        except QueryFailed:
            raise
        except Exception as exc:  # the engine's evaluation errors have no common base
            raise QueryFailed(f"query evaluation failed: {exc}") from exc


def write_capped(
    items: Any,
    variables: list[ox.Variable] | None,
    fmt: Format,
    max_rows: int | None,
    max_bytes: int | None,
    link: str | None,
) -> Capped:
    """Solutions (``variables`` given) or triples, written in ``fmt`` under the caps.

    Iteration stops at the first row past ``max_rows`` or past ``max_bytes`` (measured as
    lossless TSV / N-Triples while iterating, so the engine stops there too); then the kept
    rows are written, and if the format's own syntax is larger than ``max_bytes`` (XML,
    JSON), fewer rows are kept until it fits, marker included. A cut is marked in the body
    where the format allows (:func:`mark_truncated`). One row larger than ``max_bytes``
    gives an empty result that says it was cut.
    """
    kept: list[Any] = []
    size = 0
    reason = None
    for item in items:
        if max_rows is not None and len(kept) >= max_rows:
            reason = "rows"
            break
        line = _tsv_line(item) if variables is not None else str(item)
        size += len(line) + 1
        if max_bytes is not None and size > max_bytes:
            reason = "bytes"
            break
        kept.append(line if variables is not None else item)
    while True:
        data = _write(kept, variables, fmt)
        if reason is not None:
            data = mark_truncated(data, fmt, reason, max_rows if reason == "rows" else max_bytes,
                                  link)  # fmt: skip
        if max_bytes is None or len(data) <= max_bytes or not kept:
            break
        reason = "bytes"
        del kept[max(0, min(len(kept) - 1, len(kept) * max_bytes // len(data) - 1)) :]
    return Capped(data, reason is not None, len(kept), max_rows, reason, max_bytes)


def _tsv_line(row: ox.QuerySolution) -> str:
    # A solution iterates its values in the order of the variables (None when unbound),
    # much faster than looking each variable up.
    return "\t".join(["" if term is None else str(term) for term in row])


def _write(kept: list[Any], variables: list[ox.Variable] | None, fmt: Format) -> bytes:
    """Kept triples, or kept solutions (as TSV lines) in a results format, written by
    pyoxigraph (solutions through lossless TSV and pyoxigraph's results parser)."""
    if variables is None:
        return ox.serialize(kept, format=fmt.rdf_format) or b""
    header = "\t".join(str(v) for v in variables)
    tsv = ("\n".join([header, *kept]) + "\n").encode("utf-8")
    if fmt is mt.RESULTS_TSV:
        return tsv
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=fmt.results_format) or b""


def truncation_note(reason: str, limit: int | None) -> str:
    """The human-readable sentence used in every body marker."""
    if reason == "bytes":
        cut = f"at {limit} bytes by the server's limit (limits.max_result_bytes)"
    else:
        cut = f"at {limit} rows/triples by the server's limit (limits.max_result_rows)"
    return f"truncated: this result was cut {cut}; add LIMIT/OFFSET or download a dump"


def mark_truncated(
    data: bytes, fmt: Format, reason: str, limit: int | None, link: str | None
) -> bytes:
    """Say in the body that a result was cut (``reason``: rows or bytes), where the format
    has room for it.

    - SPARQL JSON results: ``head.link`` gets ``link`` (the spec's member for "further
      metadata about the query results"); SPARQL XML results: a ``<link href>`` in ``<head>``;
    - Turtle, N-Triples, N-Quads, TriG: a first ``# truncated: ...`` comment line;
    - RDF/XML: an XML comment after the XML declaration;
    - CSV, TSV, JSON-LD: no room without changing the data; the header says it.
    """
    note = truncation_note(reason, limit)
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
    """Read-only pyoxigraph store over ``dist/dataset.nq`` and ``dist/manifest.json``.

    ``folder`` is the build folder actually loaded (``dist`` resolved once, pinned by
    :func:`publisher.distdir.pin` until :meth:`close`), so files served beside the data
    come from the same build."""

    def __init__(self, dist_dir: Path, base_iri: str | None = None) -> None:
        try:
            # One build, whatever is published meanwhile; kept on disk while loaded.
            self._pin = distdir.pin(Path(dist_dir))
        except FileNotFoundError:
            raise StoreUnavailable(f"{dist_dir} not found: run `lodpub build` first") from None
        self._folder = self._pin.folder
        self._manifest = _read_manifest(self._folder / MANIFEST_FILE)
        self._base_iri = base_iri
        self._store = ox.Store()
        dataset = self._folder / DATASET_FILE
        if not dataset.is_file():
            raise StoreUnavailable(f"{dataset} not found: run `lodpub build` first")
        before = _resident_bytes()
        # Every file against the manifest, hashed on a thread while pyoxigraph loads (both
        # release the GIL): a cut or changed build is refused, never served half.
        with ThreadPoolExecutor(1, thread_name_prefix="build-check") as pool:
            checked = pool.submit(distdir.check_files, self._folder, self._manifest)
            try:
                self._store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise StoreUnavailable(f"{dataset} is not valid N-Quads: {exc}") from exc
            problems = checked.result()
        if problems:
            raise StoreUnavailable(
                f"build {self._manifest['build_id']} in {self._folder} does not match its "
                f"manifest, refused: {'; '.join(problems[:3])}"
                + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
            )
        # The union default graph, materialised (see the module docstring).
        self._store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        self._memory_mb = max(0, _resident_bytes() - before) // (1024 * 1024)
        self._counts = self._count_all()
        self._graphs = tuple(sorted(g for g in self._counts if g is not None))
        self._version = str(self._manifest["build_id"])
        self._built_at = _parse_time(self._manifest["built_at"])
        # Opened in each process that reads it (an LMDB handle must not cross a fork).
        self._descriptions: tuple[int, Descriptions | None] | None = None

    @property
    def version(self) -> str:
        return self._version

    @property
    def folder(self) -> Path:
        return self._folder

    @property
    def built_at(self) -> datetime:
        return self._built_at

    @property
    def manifest(self) -> dict[str, Any]:
        """The build manifest as read (cities, files with sizes and checksums)."""
        return self._manifest

    def query(
        self, sparql: str, dataset: ProtocolDataset | None = None, *, client: str | None = None
    ) -> QueryResult:
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

    def description(self, thing: str, page: int = 1) -> Page | None:
        """From the build's descriptions.lmdb; None for a build without one (the CONSTRUCT
        then answers, as for a remote store)."""
        opened = self._descriptions
        if opened is None or opened[0] != os.getpid():
            path = self.folder / DESCRIPTIONS_FILE
            found = Descriptions(path) if path.is_file() else None
            opened = self._descriptions = (os.getpid(), found)
        return None if opened[1] is None else opened[1].page(thing, page)

    def graphs(self) -> tuple[str, ...]:
        return self._graphs

    def memory_mb(self) -> int:
        """What loading the data added to this process's resident memory."""
        return self._memory_mb

    def close(self) -> None:
        if self._descriptions is not None and self._descriptions[0] == os.getpid() \
                and self._descriptions[1] is not None:
            self._descriptions[1].close()
        self._pin.close()  # the build folder may now be pruned by the next publish

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


def _resident_bytes() -> int:
    """This process's resident memory (0 when unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


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
