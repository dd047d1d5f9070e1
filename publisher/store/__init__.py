"""The one small, read-only interface the web layer talks to.

Two implementations sit behind it: ``embedded`` (pyoxigraph in the process, loaded from
``dist/``, queried through the killable executors of ``guarded``) and ``remote`` (any
SPARQL 1.1 endpoint). The web layer only ever:

- runs a SPARQL *query* (:meth:`Store.query`), optionally with a protocol dataset
  (``default-graph-uri`` / ``named-graph-uri``), and serialises the result itself to a
  :class:`publisher.mediatypes.Format`;
- asks for counts (:meth:`Store.count_triples`) and graph names (:meth:`Store.graphs`);
- reads :attr:`Store.version` (the build id, for ETags) and :attr:`Store.built_at` (for
  Last-Modified).

There is no update method on purpose, and :meth:`Store.query` refuses SPARQL Update and
``SERVICE`` (:class:`UpdateNotAllowed`, :class:`ServiceNotAllowed`) *before* an engine runs
the text, so a remote store can never be used to write or to make the engine fetch URLs
(``publisher.store.screen``).

Errors are domain exceptions (:class:`StoreError` and subclasses) that the web layer maps to
HTTP statuses in one place (``publisher/web/errors.py``).

Optional features are methods of the base classes with defaults (:meth:`Store.ping`,
:meth:`Store.stats`, :meth:`Store.saturated`, :meth:`Store.start`, :meth:`Store.memory_mb`,
:meth:`Store.description`, :meth:`QueryResult.serialize_capped`), so callers call them
plainly; :func:`open_store` builds the configured store, so the web layer imports this
package only.
"""

from __future__ import annotations

import enum
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.config import Config
from publisher.mediatypes import RDF_FORMATS, RESULTS_FORMATS, Format
from publisher.store.descriptions import Page

log = logging.getLogger("lodpub.query")

HEALTH_QUERY = "ASK { ?s ?p ?o }"


class StoreError(Exception):
    """Base of every error a store reports; the message is safe to show to clients."""


class StoreUnavailable(StoreError):
    """The data cannot be loaded or reached (no build yet, endpoint down)."""


class QuerySyntaxError(StoreError):
    """The text is not a valid SPARQL query; the message carries the parser's position."""


class InvalidDataset(StoreError):
    """A ``default-graph-uri`` / ``named-graph-uri`` value is not an absolute IRI."""


class QueryRefused(StoreError):
    """The query is valid but this read-only public service will not run it."""


class UpdateNotAllowed(QueryRefused):
    """SPARQL Update was sent to the read-only endpoint."""


class ServiceNotAllowed(QueryRefused):
    """The query uses ``SERVICE`` (federation), which would make the server fetch URLs."""


class QueryFailed(StoreError):
    """The engine failed while evaluating or serialising."""


class QueryTimeout(QueryFailed):
    """The query ran past the time limit and was stopped."""

    def __init__(self, timeout_s: float, elapsed_s: float) -> None:
        super().__init__(
            f"the query was stopped after {elapsed_s:.1f} s: this endpoint allows "
            f"{timeout_s:g} s per query (limits.query_timeout_s). Make it more selective, "
            "add a LIMIT, or download a dump (see /catalog)"
        )
        self.timeout_s = timeout_s
        self.elapsed_s = elapsed_s


class QueryCrashed(QueryFailed):
    """The process running the query died during it (memory limit, engine crash)."""


class StoreBusy(StoreUnavailable):
    """No capacity for the query now: try again later (503 + Retry-After)."""

    def __init__(self, limit: int, retry_after_s: int, message: str | None = None) -> None:
        super().__init__(
            message
            or f"the server is running its maximum of {limit} queries per process; "
            f"retry in {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


class MemoryBusy(StoreBusy):
    """The running queries may already claim the whole memory budget (503 + Retry-After)."""

    def __init__(self, budget_mb: int, retry_after_s: int) -> None:
        super().__init__(
            0,
            retry_after_s,
            "the queries running now may use all the memory this server allows for queries "
            f"({budget_mb} MB, limits.memory_total_mb); retry in {retry_after_s} s",
        )


class ClientBusy(StoreError):
    """This client already runs its maximum of queries (429 + Retry-After)."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        super().__init__(
            f"you already have {limit} queries running on this endpoint, its limit per client "
            "(limits.max_queries_per_client): wait for one to finish, then retry "
            f"(in {retry_after_s} s)"
        )
        self.retry_after_s = retry_after_s


# --- events for metrics -------------------------------------------------------------------
Listener = Callable[[str, dict[str, Any]], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Call ``listener(event, info)`` on ``query`` (outcome, seconds), ``busy``, ``spawn``."""
    if listener not in _listeners:
        _listeners.append(listener)


def emit(event: str, **info: Any) -> None:
    """Tell the listeners; a failing listener is logged, never raised to the query."""
    for listener in list(_listeners):
        try:
            listener(event, info)
        except Exception:  # metrics must never break a query
            log.exception("metrics listener failed on %s", event)


class ResultKind(enum.Enum):
    """What a query returns, which decides the media types it can be written in."""

    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    GRAPH = "graph"

    @property
    def formats(self) -> tuple[Format, ...]:
        """Formats in server preference order (the first is the default)."""
        return RDF_FORMATS if self is ResultKind.GRAPH else RESULTS_FORMATS

    @classmethod
    def for_form(cls, form: str | None) -> ResultKind | None:
        """The kind a query form yields, or None when the form is unknown."""
        return {
            "SELECT": cls.SOLUTIONS,
            "ASK": cls.BOOLEAN,
            "CONSTRUCT": cls.GRAPH,
            "DESCRIBE": cls.GRAPH,
        }.get(form or "")


@dataclass(frozen=True)
class ProtocolDataset:
    """An RDF dataset given by the protocol; when non-empty it overrides FROM/FROM NAMED.

    As with FROM/FROM NAMED in SPARQL 1.1 Query §13.2, giving only named graphs means an
    *empty* default graph, and giving only default graphs means *no* named graphs.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


@dataclass(frozen=True)
class Capped:
    """A serialised result under the caps: ``rows`` written, ``truncated`` if more existed;
    ``reason`` says which cap cut it: ``rows`` (at ``limit``) or ``bytes`` (at ``max_bytes``)."""

    data: bytes
    truncated: bool
    rows: int | None
    limit: int | None
    reason: str | None = None
    max_bytes: int | None = None

    def header(self) -> str | None:
        """The ``X-Result-Truncated`` value of a cut result: ``true; limit=N`` (rows) or
        ``true; max-bytes=N``; None when nothing was cut."""
        if not self.truncated:
            return None
        if self.reason == "bytes":
            return f"true; max-bytes={self.max_bytes}"
        return f"true; limit={self.limit}"


class QueryResult(ABC):
    """The outcome of one query; it serialises itself once, to one format."""

    kind: ResultKind

    @property
    def formats(self) -> tuple[Format, ...]:
        return self.kind.formats

    @abstractmethod
    def serialize(self, fmt: Format) -> bytes:
        """The whole result in ``fmt``; ValueError if ``fmt`` is not in :attr:`formats`.

        Results may be lazy (the engine evaluates while writing), so this is where
        evaluation errors surface, as :class:`QueryFailed`.
        """

    def serialize_capped(
        self,
        fmt: Format,
        max_rows: int | None,
        link: str | None = None,
        max_bytes: int | None = None,
    ) -> Capped:
        """Like :meth:`serialize`, keeping at most ``max_rows`` solutions or triples and at
        most ``max_bytes`` bytes (whole rows only); a cut result says so in the body where
        the format allows (``link`` explains the limits).

        The default cannot cut: it writes the whole result, marked as not truncated.
        """
        return Capped(self.serialize(fmt), False, None, None)


class Store(ABC):
    """A read-only SPARQL dataset whose default graph is the union of its named graphs."""

    @property
    @abstractmethod
    def version(self) -> str:
        """The build id of the loaded data; part of every ETag."""

    @property
    @abstractmethod
    def built_at(self) -> datetime:
        """When the data was built (timezone-aware UTC); the Last-Modified of every page."""

    @property
    def folder(self) -> Path | None:
        """The build folder of the data being served, whose files (dumps, ontology,
        catalogue) the server hands out, whatever ``dist`` points at now; None when it is
        not on this machine (then ``dist`` is read as it is)."""
        return None

    @abstractmethod
    def query(
        self, sparql: str, dataset: ProtocolDataset | None = None, *, client: str | None = None
    ) -> QueryResult:
        """Run a SPARQL 1.1 query (never an update).

        ``client`` says whose query it is: a client's own SPARQL text (the endpoint gives
        the client's address; it is heavy work, limited per client) or None, the server's
        own query texts (pages, named queries: light work, with capacity kept for it).

        Raises :class:`QuerySyntaxError`, :class:`QueryRefused`, :class:`InvalidDataset`,
        :class:`QueryFailed`, :class:`StoreBusy` or :class:`ClientBusy`.
        """

    @abstractmethod
    def count_triples(self, graph: str | None = None) -> int:
        """Distinct triples in one named graph, or in the union default graph (None)."""

    @abstractmethod
    def graphs(self) -> tuple[str, ...]:
        """The IRIs of the named graphs, sorted."""

    def ping(self, timeout_s: float | None = None) -> bool:
        """True when a trivial query answers (``/health``); stores with their own deadline
        for it use ``timeout_s``."""
        try:
            result = self.query(HEALTH_QUERY)
            result.serialize(result.formats[0])
        except StoreError:
            return False
        return True

    def stats(self) -> dict[str, int]:
        """Gauges of the query executors of this process (``busy``, ``idle``, ``limit``)
        and of the server's query slots; empty for a store without executors."""
        return {}

    def memory_mb(self) -> int:
        """Memory the loaded data takes in this process (MB): what a process forked from it
        may come to copy; 0 when the data lives elsewhere."""
        return 0

    def description(self, thing: str, page: int = 1) -> Page | None:
        """Page ``page`` of ``thing``'s description as the build computed it (one lookup,
        :mod:`publisher.store.descriptions`), or None when this store has none: then the
        describe CONSTRUCT, the definition, is the way (remote stores, older builds)."""
        return None

    def saturated(self) -> str | None:
        """Why a client's query would be refused now (``/ready``), or None when it could
        start."""
        return None

    def start(self) -> None:  # noqa: B027 - optional hook, most stores start nothing
        """Start helper processes now (call it single-threaded: after loading, before
        serving); the default does nothing."""

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing
        """Release resources; the default does nothing."""


# --- screening (publisher.store.screen, which needs the errors above) --------------------
def check_query_text(sparql: str) -> str | None:
    """Refuse an update by its form and return the form; every :class:`Store` calls this
    first. Stores that run pyoxigraph also call :func:`publisher.store.screen.verify`,
    which decides SERVICE and updates from the engine's parse."""
    from publisher.store import screen

    return screen.check_text(sparql)


def query_form(sparql: str) -> str | None:
    """The operation keyword after the prologue, or None (:func:`screen.query_form`)."""
    from publisher.store import screen

    return screen.query_form(sparql)


def open_store(config: Config) -> Store:
    """The store the configuration names: a remote SPARQL endpoint (``store: URL``), or the
    embedded one over ``dist_dir``, its queries in killable executor processes (timeouts,
    no network; docs/operations.md)."""
    from publisher.store.embedded import EmbeddedStore
    from publisher.store.remote import RemoteStore

    remote_url = str(config.values.get("store") or "embedded")
    if remote_url != "embedded":
        # HTTP to another engine: its queries are checked by a sandboxed parser process
        # first; the time limit is the HTTP timeout plus the engine's own (docs/deploy.md).
        return RemoteStore.from_config(config, remote_url)
    return guard(EmbeddedStore(config.path("dist_dir"), base_iri=config.base_iri), config)


# The guard, the nesting limit and the truncation marker, so callers import them from here,
# not from an implementation (they need everything above).
from publisher.store.embedded import mark_truncated  # noqa: E402
from publisher.store.guarded import guard  # noqa: E402
from publisher.store.screen import too_deep  # noqa: E402

__all__ = ["guard", "mark_truncated", "too_deep"]
