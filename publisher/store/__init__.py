"""The one small, read-only interface the web layer talks to.

Two implementations sit behind it: ``embedded`` (pyoxigraph in the process, loaded from
``dist/``) and, later, ``remote`` (any SPARQL 1.1 endpoint). The web layer only ever:

- runs a SPARQL *query* (:meth:`Store.query`), optionally with a protocol dataset
  (``default-graph-uri`` / ``named-graph-uri``), and serialises the result itself to a
  :class:`publisher.mediatypes.Format`;
- asks for counts (:meth:`Store.count_triples`) and graph names (:meth:`Store.graphs`);
- reads :attr:`Store.version` (the build id, for ETags) and :attr:`Store.built_at` (for
  Last-Modified).

There is no update method on purpose, and :meth:`Store.query` refuses SPARQL Update text
(:class:`UpdateNotAllowed`) *before* it reaches an engine, so a remote store can never be
used to write even if the endpoint behind it would accept writes.

Errors are domain exceptions (:class:`StoreError` and subclasses) that the web layer maps to
HTTP statuses in one place (``publisher/web/errors.py``).
"""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from publisher.config import Config
from publisher.mediatypes import RDF_FORMATS, RESULTS_FORMATS, Format

HEALTH_QUERY = "ASK { ?s ?p ?o }"
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_KEYWORDS = frozenset(
    {"LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH"}
)


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


# --- reading just enough SPARQL text ------------------------------------------------------
# Why a lexer and not a parser: the engine parses anyway, and pyoxigraph's query parser
# only says "expected CONSTRUCT" for an update. Two facts decide what we need to know:
# the first keyword after the prologue (BASE/PREFIX/VERSION) names the operation, and a
# bare SERVICE keyword can only be a federated call. Strings, IRIs, comments, variables,
# language tags and prefixed names (which contain ':') are skipped as whole tokens so that
# words inside them never count. Every alternative matches without backtracking (an
# unterminated string runs to the end of its line or of the text), so lexing stays linear
# on hostile input; such queries are syntax errors for the engine anyway.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.?|'(?!''))*(?:'''|\Z)
      |\"\"\"(?:[^"\\]|\\.?|"(?!""))*(?:\"\"\"|\Z)
      |'(?:[^'\\\r\n]|\\.?)*(?:'|(?=[\r\n])|\Z)
      |"(?:[^"\\\r\n]|\\.?)*(?:"|(?=[\r\n])|\Z))
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\s{}()\[\];,<>"'\#=!&|+*/^?$@]+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_PROLOGUE = frozenset({"BASE", "PREFIX", "VERSION"})


def _words(sparql: str):
    """Bare words (keywords, names) in order, upper-cased; everything else skipped."""
    for match in _TOKEN.finditer(sparql):
        if match.lastgroup == "word":
            yield match.group()


def query_form(sparql: str) -> str | None:
    """The operation keyword (SELECT, ASK, INSERT, CLEAR, ...) after the prologue, or None.

    Cheap and engine-independent: used to refuse updates before any engine sees them and
    to choose result media types before running the query.
    """
    expect_operand = 0
    for word in _words(sparql):
        upper = word.upper()
        if expect_operand:
            expect_operand -= 1
            continue
        if upper in _PROLOGUE:
            # PREFIX takes "pname:" then <iri> (skipped as a token); BASE takes <iri>;
            # VERSION takes a string (skipped as a token).
            expect_operand = 1 if upper == "PREFIX" else 0
            continue
        return upper if upper.isalpha() else None
    return None


def is_update(sparql: str) -> bool:
    """True when the text is (or starts like) a SPARQL 1.1 Update request."""
    return query_form(sparql) in UPDATE_KEYWORDS


def uses_service(sparql: str) -> bool:
    """True when the text contains the SERVICE keyword outside strings, IRIs and comments.

    A bare word may glue dots to a keyword (``?o .SERVICE <x> {}`` is valid SPARQL and
    pyoxigraph runs it), so each dot-separated part counts; a prefixed name such as
    ``ex:a.service`` is refused too, which is the safe side. Executors also cannot open
    sockets at all (``publisher.store.guarded``).
    """
    if "SERVICE" not in sparql.upper():
        # str.upper maps character by character, so a word whose upper case is SERVICE
        # leaves SERVICE in the whole text's upper case: none here, no need to lex.
        return False
    return any(
        part.upper() == "SERVICE" for word in _words(sparql) for part in word.split(".")
    )


def check_query_text(sparql: str) -> str | None:
    """Refuse what a read-only public endpoint must not run; return the query form.

    Every :class:`Store` implementation calls this first.
    """
    form = query_form(sparql)
    if form in UPDATE_KEYWORDS:
        raise UpdateNotAllowed(
            f"SPARQL Update ({form}) is not allowed: this is a read-only endpoint"
        )
    if uses_service(sparql):
        raise ServiceNotAllowed(
            "SERVICE (federated query) is not allowed on this endpoint: run the federated "
            "query from your own SPARQL engine and call this endpoint from there"
        )
    return form


def open_store(config: Config) -> Store:
    """The store the configuration names: a remote SPARQL endpoint (``store: URL``), or the
    embedded one over ``dist_dir``, its queries in killable executor processes (timeouts,
    no network; docs/operations.md)."""
    from publisher.store.embedded import EmbeddedStore
    from publisher.store.remote import RemoteStore

    remote_url = str(config.values.get("store") or "embedded")
    if remote_url != "embedded":
        # HTTP, not pyoxigraph: threads can wait on it, so no executor processes; the time
        # limit is the HTTP timeout plus the engine's own (docs/deploy.md).
        return RemoteStore.from_config(config, remote_url)
    return guard(EmbeddedStore(config.path("dist_dir"), base_iri=config.base_iri), config)


# The guard's errors and events, so callers import them from here, not from an implementation.
from publisher.store.guarded import QueryTimeout, StoreBusy, add_listener, guard  # noqa: E402

__all__ = ["QueryTimeout", "StoreBusy", "add_listener", "guard"]
