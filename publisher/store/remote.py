"""The remote store: any SPARQL 1.1 endpoint, loaded with the Graph Store HTTP Protocol.

Tested against Oxigraph server (PyPI ``oxigraph``) and Virtuoso open source 7 (Debian
``virtuoso-opensource``); see ``docs/deploy.md``.

How it gives the web layer exactly what the embedded store gives:

- **Results.** The engine is asked for one lossless syntax per result kind (SPARQL XML
  results for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE; what every engine writes
  correctly), and the publisher parses it with pyoxigraph and writes the format the client
  negotiated with pyoxigraph, as the embedded store does. So media types, JSON-LD, TSV
  and CSV are byte-for-byte the embedded store's whatever the engine (Virtuoso's own
  JSON-LD and TSV differ), and the row cap (``limits.max_result_rows``) applies the same
  way (:class:`~publisher.store.embedded.EmbeddedResult`).
- **The union default graph.** Neither engine gives the embedded store's semantics by
  itself: Virtuoso's default graph is the union of *every* graph including its own system
  graphs (thousands of triples) and, like Oxigraph's ``--union-default-graph``, a union of
  quads (a triple in two graphs counts twice; Oxigraph then also ignores ``FROM``). So
  ``lodpub load`` writes the deduplicated union into a hidden graph (``graph/union``) and a
  query that brings no dataset of its own (no ``FROM``/``FROM NAMED``, no protocol
  ``default-graph-uri``/``named-graph-uri``) is sent with ``default-graph-uri`` = that
  graph and ``named-graph-uri`` = each published graph. Queries that bring a dataset are
  passed on as they are (a ``FROM`` over several graphs is then a union of quads on both
  engines).
- **The build.** ``lodpub load`` also writes the manifest (build id, time, graphs) into a
  hidden graph (``graph/build``); the store reads it at most every ``refresh_s`` seconds,
  so every replica over one store has the same ETags and Last-Modified, and picks up a new
  load by itself.
- **Failures.** A refused or unreachable endpoint is :class:`StoreUnavailable` (503); no
  broken state is cached, the next request tries again. A query past ``timeout_s`` is
  :class:`QueryTimeout` (the HTTP read times out on our side; the engine's own timeout is
  given where it has one: Virtuoso's ``timeout`` parameter, Oxigraph's ``--timeout-s``).
  The engine's own error text is logged (bounded), never shown to the client: it would
  echo internal addresses and the bodies of whatever the engine was made to call.
- **Checking.** The engine would run ``SERVICE`` (a request forgery from the store's host)
  and may crash on deep nesting, so before a query is sent, pyoxigraph parses it in a
  killable executor process that cannot connect (:class:`SyntaxChecker` behind
  :class:`~publisher.store.guarded.GuardedStore`): a syntax error is reported there with
  its line and column; ``SERVICE`` and updates are refused from that parse
  (``publisher.store.screen``); and a text that overflows a 2 MB parser stack (the engine
  would crash too: Oxigraph server dies on about 2,000 nested braces) is refused.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.error
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper import SPARQLExceptions as swe

from publisher import distdir
from publisher.mediatypes import Format
from publisher.store import (
    Capped,
    ClientBusy,
    ProtocolDataset,
    QueryFailed,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ResultKind,
    Store,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    check_query_text,
    emit,
    screen,
)
from publisher.store.admission import Budget, Ledger
from publisher.store.embedded import EmbeddedResult, _named_nodes, write_capped
from publisher.store.guarded import GuardedStore, Limits, QueryCrashed

log = logging.getLogger("lodpub.store")

LODPUB = "https://w3id.org/smartcity-masterplan/lodpub#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
RESULTS_XML = "application/sparql-results+xml"
GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.5, text/turtle;q=0.4"
LOGGED_CHARS = 300
ENGINE_SYNTAX = (
    "the SPARQL store behind this endpoint cannot parse this query, although it is valid "
    "SPARQL: it may use syntax that store does not support"
)
ENGINE_FAILED = "query evaluation failed in the SPARQL store (its message is in the server log)"
TOO_DEEP = (
    "the query is nested too deeply, or chains too many operators or patterns, for the "
    "SPARQL store to parse safely: simplify it"
)


def union_graph(base_iri: str) -> str:
    return base_iri + "graph/union"


def build_graph(base_iri: str) -> str:
    return base_iri + "graph/build"


class EndpointUnavailable(StoreBusy):
    """The endpoint cannot be reached or refuses to work: 503 + Retry-After."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        StoreUnavailable.__init__(self, message)
        self.retry_after_s = retry_after_s


class RemoteResult(EmbeddedResult):
    """A result parsed from the engine's answer; written by pyoxigraph like the embedded one."""

    def __init__(self, kind: ResultKind, raw: Any) -> None:
        if kind is ResultKind.GRAPH:
            self._raw = raw  # a list of ox.Triple
            self.kind = kind
            self._used = False
        else:
            super().__init__(raw)

    def serialize(self, fmt: Format) -> bytes:
        if self.kind is not ResultKind.GRAPH:
            return super().serialize(fmt)
        return self.serialize_capped(fmt, None).data

    def serialize_capped(
        self,
        fmt: Format,
        max_rows: int | None,
        link: str | None = None,
        max_bytes: int | None = None,
    ) -> Capped:
        if self.kind is not ResultKind.GRAPH:
            return super().serialize_capped(fmt, max_rows, link, max_bytes)
        if fmt not in self.formats:
            raise ValueError(f"a graph result cannot be written as {fmt.media_type}")
        if self._used:
            raise RuntimeError("a query result can only be serialised once")
        self._used = True
        return write_capped(self._raw, None, fmt, max_rows, max_bytes, link)


class RemoteStore(Store):
    """A read-only view of a SPARQL 1.1 endpoint loaded by ``lodpub load``."""

    def __init__(
        self,
        query_url: str,
        base_iri: str,
        auth: tuple[str, str] | None = None,
        timeout_s: float = 10.0,
        max_concurrent: int = 6,
        queue_wait_s: float = 0.5,
        retry_after_s: int = 5,
        refresh_s: float = 10.0,
        engine_timeout: bool = True,
        per_client: int = 0,
        dist: Path | None = None,
    ) -> None:
        self.query_url = query_url
        self.dist = dist
        self._folders: dict[str, Path | None] = {}  # build id -> its folder under dist
        self.base_iri = base_iri
        self.auth = auth
        self.timeout_s = timeout_s
        self.refresh_s = refresh_s
        self.retry_after_s = retry_after_s
        self.engine_timeout = engine_timeout
        self._queue_wait_s = queue_wait_s
        self.max_concurrent = max_concurrent
        self._slots = threading.BoundedSemaphore(max_concurrent)
        # Made before the workers are forked: the per-client limit holds server-wide.
        self._ledger = Ledger(Budget(0, 0, per_client, 0, retry_after_s))
        self._lock = threading.Lock()
        self._info: dict[str, Any] | None = None
        self._checked = 0.0
        self._checker = GuardedStore(
            SyntaxChecker(base_iri),
            Limits(timeout_s=timeout_s, max_concurrent=max_concurrent,
                   queue_wait_s=queue_wait_s, retry_after_s=retry_after_s,
                   memory_budget=False),
        )  # fmt: skip

    @classmethod
    def from_config(cls, config: Any, url: str) -> RemoteStore:
        import os

        limits = config["limits"]
        user = os.environ.get("LODPUB_STORE_USER")
        password = os.environ.get("LODPUB_STORE_PASSWORD")
        return cls(
            url,
            config.base_iri,
            auth=(user, password or "") if user else None,
            timeout_s=float(limits["query_timeout_s"]),
            max_concurrent=int(limits["max_concurrent_queries"]),
            queue_wait_s=float(limits["queue_wait_s"]),
            retry_after_s=int(limits["retry_after_s"]),
            per_client=int(limits["max_queries_per_client"]),
            dist=config.root / str(config.values["dist_dir"]),  # the link, not resolved
        )

    # --- what the build says -------------------------------------------------------------
    def _build_info(self) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            if self._info is not None and now - self._checked < self.refresh_s:
                return self._info
        info = self._read_build()
        with self._lock:
            if info.get("version") != (self._info or {}).get("version"):
                info["counts"] = {}
            else:
                info["counts"] = (self._info or {}).get("counts", {})
            self._info, self._checked = info, now
            return info

    def _read_build(self) -> dict[str, Any]:
        graph = build_graph(self.base_iri)
        sparql = (
            f"SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ <{graph}> ?p ?o }} }}"
        )
        result = self._run(sparql, ProtocolDataset(named_graphs=(graph,)), ResultKind.SOLUTIONS)
        version = built_at = None
        graphs: list[str] = []
        for row in result:
            predicate, value = row["p"].value, row["o"].value
            if predicate == LODPUB + "buildId":
                version = value
            elif predicate == LODPUB + "builtAt":
                built_at = value
            elif predicate == LODPUB + "graph":
                graphs.append(value)
        if version is None or built_at is None:
            raise EndpointUnavailable(
                f"the SPARQL endpoint {self.query_url} holds no build of {self.base_iri}: "
                "publish one with `lodpub load`",
                self.retry_after_s,
            )
        moment = datetime.fromisoformat(built_at.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return {
            "version": version,
            "built_at": moment.astimezone(UTC),
            "graphs": tuple(sorted(graphs)),
        }

    @property
    def version(self) -> str:
        return str(self._build_info()["version"])

    @property
    def built_at(self) -> datetime:
        return self._build_info()["built_at"]

    @property
    def folder(self) -> Path | None:
        """The build the endpoint holds (by its build id), when ``dist`` or a build kept
        beside it is that build; None otherwise, or while the endpoint cannot say."""
        if self.dist is None:
            return None
        try:
            version = self.version
        except StoreError:
            return None
        found = self._folders.get(version)
        if version not in self._folders or (found is not None and not found.is_dir()):
            found = distdir.find_build(self.dist, version)
            self._folders = {version: found}
        return found

    def graphs(self) -> tuple[str, ...]:
        return self._build_info()["graphs"]

    def count_triples(self, graph: str | None = None) -> int:
        info = self._build_info()
        counts = info["counts"]
        if graph not in counts:
            if graph is not None and graph not in info["graphs"]:
                return 0
            target = graph or union_graph(self.base_iri)
            sparql = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}"
            only = ProtocolDataset(named_graphs=(target,))
            rows = list(self._run(sparql, only, ResultKind.SOLUTIONS))
            counts[graph] = int(rows[0]["n"].value) if rows else 0
        return counts[graph]

    def ping(self, timeout_s: float | None = None) -> bool:
        try:
            self._run("ASK { }", None, ResultKind.BOOLEAN, timeout_s=timeout_s)
            return True
        except Exception:
            return False

    # --- queries -------------------------------------------------------------------------
    def query(
        self, sparql: str, dataset: ProtocolDataset | None = None, *, client: str | None = None
    ) -> QueryResult:
        form = check_query_text(sparql)
        if dataset:  # the embedded store's message, not the engine's
            _named_nodes(dataset.default_graphs, "default-graph-uri")
            _named_nodes(dataset.named_graphs, "named-graph-uri")
        has_dataset = self._check(sparql)
        kind = ResultKind.for_form(form)
        if not dataset and not has_dataset:
            info = self._build_info()
            dataset = ProtocolDataset((union_graph(self.base_iri),), info["graphs"])
        elif dataset and not dataset.named_graphs:
            # Only default graphs given: no named graphs (SPARQL 1.1 Query §13.2). Virtuoso
            # would offer all of them, so name one that does not exist.
            dataset = ProtocolDataset(dataset.default_graphs, (self._nothing(),))
        elif dataset and not dataset.default_graphs:
            dataset = ProtocolDataset((self._nothing(),), dataset.named_graphs)
        try:
            ticket = self._ledger.admit(client)
        except ClientBusy:
            emit("client_limit")
            raise
        with ticket:
            # Relative IRIs resolve against the published base, as in the embedded store (a
            # BASE of the query's own comes later in the prologue and wins).
            return RemoteResult(*self._answer(f"BASE <{self.base_iri}> {sparql}", dataset, kind))

    def start(self) -> None:
        """Fork the checker's executors now (single-threaded, as the guard wants)."""
        self._checker.start()

    def close(self) -> None:
        self._checker.close()
        self._ledger.close()

    def _nothing(self) -> str:
        return self.base_iri + "graph/none"

    def _check(self, sparql: str) -> bool:
        """Parse in the checker (see the module docstring); True when the query has its
        own dataset (FROM / FROM NAMED)."""
        try:
            checked = self._checker.query(sparql)
            return checked.serialize(checked.formats[0]) == b"1"
        except QueryCrashed:
            raise QuerySyntaxError(TOO_DEEP) from None

    def _answer(
        self,
        sparql: str,
        dataset: ProtocolDataset | None,
        kind: ResultKind | None,
        timeout_s: float | None = None,
    ) -> tuple[ResultKind, Any]:
        raw, content_type = self._request(sparql, dataset, kind, timeout_s or self.timeout_s)
        media = content_type.split(";")[0].strip().lower()
        try:
            if media in ("application/sparql-results+xml", "application/xml", "text/xml"):
                # Virtuoso names blank nodes "nodeID://b123", not a valid blank node label.
                raw = raw.replace(b"<bnode>nodeID://", b"<bnode>")
                parsed = ox.parse_query_results(raw, format=ox.QueryResultsFormat.XML)
                found = (
                    ResultKind.BOOLEAN if isinstance(parsed, ox.QueryBoolean)
                    else ResultKind.SOLUTIONS
                )
                return found, parsed
            if media == "application/sparql-results+json":
                parsed = ox.parse_query_results(raw, format=ox.QueryResultsFormat.JSON)
                found = (
                    ResultKind.BOOLEAN if isinstance(parsed, ox.QueryBoolean)
                    else ResultKind.SOLUTIONS
                )
                return found, parsed
            rdf_format = {
                "application/n-triples": ox.RdfFormat.N_TRIPLES,
                "text/plain": ox.RdfFormat.N_TRIPLES,
                "text/turtle": ox.RdfFormat.TURTLE,
                "application/rdf+xml": ox.RdfFormat.RDF_XML,
            }.get(media)
            if rdf_format is None:
                raise QueryFailed(f"the SPARQL endpoint answered with unexpected {media!r}")
            triples = list(dict.fromkeys(ox.parse(raw, format=rdf_format)))
            return ResultKind.GRAPH, [ox.Triple(t.subject, t.predicate, t.object) for t in triples]
        except SyntaxError as exc:
            _log_engine(f"answered invalid {media} to", exc)
            raise QueryFailed(ENGINE_FAILED) from None

    def _run(
        self,
        sparql: str,
        dataset: ProtocolDataset | None,
        kind: ResultKind,
        timeout_s: float | None = None,
    ) -> Any:
        _kind, parsed = self._answer(sparql, dataset, kind, timeout_s)
        return parsed

    def _request(
        self,
        sparql: str,
        dataset: ProtocolDataset | None,
        kind: ResultKind | None,
        timeout_s: float,
    ) -> tuple[bytes, str]:
        if not self._slots.acquire(timeout=self._queue_wait_s):
            raise StoreBusy(self.max_concurrent, self.retry_after_s)
        started = time.monotonic()
        try:
            client = SPARQLWrapper(self.query_url)
            client.setMethod(POST)
            client.setOnlyConneg(True)  # no format= parameter: Virtuoso lets it beat Accept
            client.setRequestMethod(URLENCODED)  # Virtuoso 7.2 hangs on a direct POST
            client.setQuery(sparql)
            # The screen already refused updates; SPARQLWrapper's regex guess is weaker (it
            # takes INSERT inside a string for an update and would send it as one).
            client.queryType = "SELECT"
            client.timeout = timeout_s  # type: ignore[assignment]  # setTimeout() truncates
            if dataset:
                for graph in dataset.default_graphs:
                    client.addParameter("default-graph-uri", graph)
                for graph in dataset.named_graphs:
                    client.addParameter("named-graph-uri", graph)
            if self.engine_timeout:  # Virtuoso: milliseconds (others ignore it)
                client.addParameter("timeout", str(int(timeout_s * 1000)))
            if kind is ResultKind.GRAPH:
                accept = GRAPH_ACCEPT
            elif kind is None:
                accept = f"{RESULTS_XML}, {GRAPH_ACCEPT}"
            else:
                accept = RESULTS_XML
            client.addCustomHttpHeader("Accept", accept)
            if self.auth:
                client.setCredentials(*self.auth)
            response = client.query().response
            body = response.read()
            state = response.headers.get("X-SQL-State", "")
            if state:  # Virtuoso's "anytime" answer: partial results past its timeout
                raise QueryTimeout(timeout_s, time.monotonic() - started)
            return body, response.headers.get("Content-Type", "")
        except swe.QueryBadFormed as exc:
            _log_engine("refused the syntax of", exc)
            raise QuerySyntaxError(ENGINE_SYNTAX) from None
        except (swe.EndPointNotFound, swe.Unauthorized) as exc:
            _log_engine("refused", exc)
            raise EndpointUnavailable(
                f"the SPARQL store refused the query; retry in {self.retry_after_s} s",
                self.retry_after_s,
            ) from None
        except swe.EndPointInternalError as exc:
            message = _log_engine("failed on", exc).lower()
            if "timeout" in message or "timed out" in message:
                raise QueryTimeout(timeout_s, time.monotonic() - started) from None
            raise QueryFailed(ENGINE_FAILED) from None
        except TimeoutError:
            raise QueryTimeout(timeout_s, time.monotonic() - started) from None
        except urllib.error.HTTPError as exc:
            if exc.code in (502, 503, 504):
                raise EndpointUnavailable(
                    f"the SPARQL endpoint {self.query_url} is unavailable (HTTP {exc.code})",
                    self.retry_after_s,
                ) from None
            raise QueryFailed(f"the SPARQL endpoint answered HTTP {exc.code}") from None
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError | socket.timeout):
                raise QueryTimeout(timeout_s, time.monotonic() - started) from None
            raise EndpointUnavailable(
                f"the SPARQL endpoint {self.query_url} cannot be reached ({reason}); "
                f"retry in {self.retry_after_s} s",
                self.retry_after_s,
            ) from None
        finally:
            self._slots.release()


def _log_engine(what: str, exc: Exception) -> str:
    """Log the engine's error text (one line, bounded) and return it; clients never see it."""
    text = str(exc).split("Response:", 1)[-1].replace("b'", "").replace("\\n", " ")
    text = " ".join(text.split())[:LOGGED_CHARS]
    log.warning("the SPARQL store %s a query: %s", what, text)
    return text


class SyntaxChecker(Store):
    """Parses queries for :class:`RemoteStore`, inside a guarded executor; holds no data.

    Each query is parsed on a thread with a 2 MB stack, a quarter of the 8 MB on which the
    engine overflows at about 2,000 nested braces: what would crash the engine crashes this
    executor first, and is refused. Its answer is ``b"1"`` when the query has its own
    dataset (``FROM``/``FROM NAMED``, decided from the parse as SERVICE is), else ``b"0"``.
    """

    STACK_BYTES = 2 * 1024 * 1024

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri

    @property
    def version(self) -> str:
        return "checker"

    @property
    def built_at(self) -> datetime:
        return datetime.fromtimestamp(0, UTC)

    def count_triples(self, graph: str | None = None) -> int:
        return 0

    def graphs(self) -> tuple[str, ...]:
        return ()

    def query(
        self, sparql: str, dataset: ProtocolDataset | None = None, *, client: str | None = None
    ) -> QueryResult:
        outcome: list[bool | StoreError] = []

        def check() -> None:
            try:
                outcome.append(self._check(sparql))
            except StoreError as exc:
                outcome.append(exc)

        previous = threading.stack_size(self.STACK_BYTES)
        try:
            thread = threading.Thread(target=check, name="sparql-check")
            thread.start()
            thread.join()
        finally:
            threading.stack_size(previous)
        if isinstance(outcome[0], StoreError):
            raise outcome[0]
        return _Checked(outcome[0])

    def _check(self, sparql: str) -> bool:
        screen.verify(sparql, self.base_iri)
        try:  # parsed and planned on an empty store; an ASK is evaluated, on no data
            ox.Store().query(sparql, base_iri=self.base_iri)
        except SyntaxError as exc:
            raise QuerySyntaxError("SPARQL syntax " + " ".join(str(exc).split())) from None
        except UnicodeError:  # lone surrogates: the parser never saw it, nor will the engine
            raise QuerySyntaxError("the query is not valid Unicode text") from None
        except Exception:  # evaluation on no data: not our concern here
            pass
        return screen.uses_keyword(sparql, screen.DATASET, self.base_iri)


class _Checked(QueryResult):
    kind = ResultKind.BOOLEAN

    def __init__(self, has_dataset: bool) -> None:
        self._body = b"1" if has_dataset else b"0"

    def serialize(self, fmt: Format) -> bytes:
        return self._body


def gsp_url(graph_store_url: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of one graph (``None``: the default graph)."""
    separator = "&" if "?" in graph_store_url else "?"
    query = urlencode({"graph": graph}) if graph else "default"
    return graph_store_url + separator + query
