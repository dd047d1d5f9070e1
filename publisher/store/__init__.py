"""The one small, read-only interface the web layer talks to.

Two implementations sit behind it: ``embedded`` (pyoxigraph in the process, loaded from
``dist/``) and, later, ``remote`` (any SPARQL 1.1 endpoint). The web layer only ever:

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
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from publisher.config import Config
from publisher.mediatypes import RDF_FORMATS, RESULTS_FORMATS, Format

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
    """The engine failed while evaluating or serialising (later: timeouts, row limits)."""


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
    """A serialised result under a row cap: ``rows`` written, ``truncated`` if more existed."""

    data: bytes
    truncated: bool
    rows: int | None
    limit: int | None


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
        self, fmt: Format, max_rows: int | None, link: str | None = None
    ) -> Capped:
        """Like :meth:`serialize`, keeping at most ``max_rows`` rows or triples (``link``:
        the document explaining the cap). The default cannot cap: it writes everything."""
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

    @abstractmethod
    def query(self, sparql: str, dataset: ProtocolDataset | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query (never an update).

        Raises :class:`QuerySyntaxError`, :class:`QueryRefused`, :class:`InvalidDataset`
        or :class:`QueryFailed`.
        """

    @abstractmethod
    def count_triples(self, graph: str | None = None) -> int:
        """Distinct triples in one named graph, or in the union default graph (None)."""

    @abstractmethod
    def graphs(self) -> tuple[str, ...]:
        """The IRIs of the named graphs, sorted."""

    def ping(self, timeout_s: float | None = None) -> bool:
        """True when a trivial query answers (``/health``); the default just runs one."""
        try:
            self.query(HEALTH_QUERY).serialize(RESULTS_FORMATS[0])
        except StoreError:
            return False
        return True

    def stats(self) -> dict[str, int]:
        """Query executors of this process (``busy``, ``idle``, ``limit``); none by default."""
        return {}

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


# The guard's errors and events, so callers import them from here, not from an implementation.
from publisher.store.guarded import QueryTimeout, StoreBusy, add_listener, guard  # noqa: E402
from publisher.store.screen import too_deep  # noqa: E402

__all__ = ["QueryTimeout", "StoreBusy", "add_listener", "guard", "too_deep"]
