"""A guard around any :class:`~publisher.store.Store`: every query runs in a killable process.

pyoxigraph evaluates a query in Rust: it cannot be interrupted from Python, and a thread
does not help. So each web worker process owns a pool of **executor** processes that hold
the same store (forked after it was loaded, so its memory is shared copy-on-write), and
talks to them over a socket pair:

- the web worker sends ``(query, dataset, format, row and byte caps)`` and waits with a deadline;
  the executor evaluates, **serialises** (applying the caps while iterating) and sends
  back bytes. Nothing but small tuples and the result body crosses the pipe;
- past the deadline the worker SIGKILLs the executor, which really stops the work, and
  raises :class:`QueryTimeout`; a fresh executor replaces it on the next query;
- a query still running after ``renice_after_s`` is lowered in CPU priority (nice 10), so
  runaway queries leave the cores to everybody else's light ones; an executor that was
  lowered is retired after its query (priority cannot be raised back), and so is one whose
  query ran ``retire_after_s`` or more: pyoxigraph writes to the store pages it reads, so
  after a big scan the executor holds a private copy of much of the store (measured: 250 MB
  of a 900 MB store after a 0.5 s COUNT), which a fresh fork gives back;
- at most ``max_concurrent`` queries run at once per web worker, of which clients' own
  SPARQL queries may use all but ``reserved_light`` (the light lane: pages and named
  queries keep those); a query that cannot get an executor within ``queue_wait_s`` is
  refused with :class:`StoreBusy` (503 + Retry-After), never queued without bound.
  ``/health`` has one reserved executor;
- before that, the server admits the query (:mod:`publisher.store.admission`, shared by
  all workers): a client over ``per_client`` queries at once gets :class:`ClientBusy`
  (429), and a query that would take the running ones past ``memory_total_mb`` gets
  :class:`MemoryBusy` (503).

Executors are not forked from the web worker itself (which may be multi-threaded by then:
forking a threaded process can inherit locks held by other threads) but from a
single-threaded **zygote** forked once, right after the store was loaded (``start()``; the
gunicorn runner calls it in each worker's ``post_fork``). The zygote forks an executor on
request and passes back its socket and a pidfd (``SCM_RIGHTS``), so killing it can never hit
a recycled PID. When the web worker goes away its end of the control socket closes, and the
zygote kills its whole process group.

The pool is :mod:`publisher.store.executors` and its settings :mod:`publisher.store.limits`;
the zygote and the executors (child processes) are :mod:`publisher.store.sandbox`. Each
executor locks itself down before it runs anything:

- **no new file descriptors**: every inherited descriptor except stdio and its channel is
  closed, and ``RLIMIT_NOFILE`` is set to 4, so a query can never open a socket (pyoxigraph
  would otherwise connect for ``SERVICE``, see ``tests/test_limits.py``), a file or a pipe —
  a kernel-enforced second line behind :func:`publisher.store.check_query_text`;
- **memory**: ``RLIMIT_AS`` = its size at start + ``memory_mb``; a query that needs more
  dies (the client gets a 500 saying so) instead of pushing the machine into swap;
- **a kernel backstop**: ``alarm(timeout + 5 s)`` per query, in case its web worker died.
"""

from __future__ import annotations

import math
import pickle
import re
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.mediatypes import BY_NAME, Format
from publisher.store import (
    HEALTH_QUERY,
    Capped,
    ClientBusy,
    MemoryBusy,
    Page,
    ProtocolDataset,
    QueryCrashed,
    QueryFailed,
    QueryResult,
    QueryTimeout,
    ResultKind,
    Store,
    StoreBusy,
    add_listener,
    check_query_text,
    emit,
)
from publisher.store.admission import Ledger
from publisher.store.executors import Pool
from publisher.store.limits import Limits
from publisher.store.sandbox import ERRORS, Request, capped_from

# Also importable from here, where they used to live.
__all__ = [
    "HEALTH_QUERY",
    "GuardedResult",
    "GuardedStore",
    "Limits",
    "QueryCrashed",
    "QueryTimeout",
    "StoreBusy",
    "add_listener",
    "guard",
]


def guard(store: Store, config: Any) -> GuardedStore:
    """``store`` behind the guard, with the configured limits (executors start lazily)."""
    return GuardedStore(store, Limits.from_config(config))


# A SELECT of one triple pattern with a constant absolute subject IRI and nothing else (no
# prologue, no FROM, no modifiers but LIMIT; comments after it): it reads one subject's
# triples, so it is evaluated in the web process (its result is iterated up to the row
# cap). Anything else, however light it looks, goes to an executor, where it can be killed.
_IRI = r"<[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20]*>"
_VAR = r"[?$][A-Za-z_][A-Za-z0-9_]*"
_BOUNDED = re.compile(
    rf"\s*SELECT\s+(?:\*|(?:{_VAR}\s*)+)\s*WHERE\s*\{{\s*{_IRI}\s+{_VAR}\s+{_VAR}\s*\.?\s*\}}"
    r"\s*(?:LIMIT\s+\d{1,9}\s*)?(?:#[^\n]*(?:\n\s*|\Z))*",
    re.IGNORECASE,
)


def bounded(sparql: str) -> bool:
    """Whether ``sparql`` is a query that reads one subject's triples (see above)."""
    return len(sparql) < 4096 and _BOUNDED.fullmatch(sparql) is not None


# --- the store ----------------------------------------------------------------------------
class GuardedResult(QueryResult):
    """A query to run in an executor; it runs when serialised (the format must be known)."""

    def __init__(
        self,
        store: GuardedStore,
        sparql: str,
        dataset: ProtocolDataset | None,
        kind: Any,
        client: str | None,
    ) -> None:
        self._store = store
        self._sparql = sparql
        self._dataset = dataset
        self._client = client
        self.kind = kind
        self._ready: tuple[Format, Capped] | None = None
        self._used = False
        self.truncated = False
        self.rows: int | None = None
        self.limit: int | None = None

    def serialize(self, fmt: Format) -> bytes:
        return self.serialize_capped(fmt, None).data

    def serialize_capped(
        self,
        fmt: Format,
        max_rows: int | None,
        link: str | None = None,
        max_bytes: int | None = None,
    ) -> Capped:
        if fmt not in self.formats:
            raise ValueError(f"a {self.kind.value} result cannot be written as {fmt.media_type}")
        if self._used:
            raise RuntimeError("a query result can only be serialised once")
        self._used = True
        ready = self._ready
        if ready is not None and ready[0] == fmt and max_rows is None and max_bytes is None:
            capped = ready[1]
        else:
            request = Request(self._sparql, fmt_name=fmt.name, max_rows=max_rows, link=link,
                              max_bytes=max_bytes)  # fmt: skip
            _kind, _fmt, capped = self._store._run(request, self._dataset, self._client)
        self.truncated, self.rows, self.limit = capped.truncated, capped.rows, capped.limit
        return capped

    def _prefetch(self) -> None:
        """Run now in the kind's default format (used when the form is unknown: the engine
        then reports the syntax error, or tells the kind)."""
        kind, fmt, capped = self._store._run(Request(self._sparql), self._dataset, self._client)
        self.kind = kind
        self._ready = (fmt, capped)


class GuardedStore(Store):
    """Any store, queried through killable executor processes (see the module docstring)."""

    def __init__(self, inner: Store, limits: Limits | None = None) -> None:
        self.inner = inner
        self.limits = limits or Limits()
        self._pool = Pool(inner, self.limits)
        # Made here, in the process that forks the workers: they all share it.
        self._ledger = Ledger(self.limits.budget(inner.memory_mb()))
        self._finalizer = weakref.finalize(self, self._pool.close)

    # the cheap, in-process parts of the interface
    @property
    def version(self) -> str:
        return self.inner.version

    @property
    def built_at(self) -> datetime:
        return self.inner.built_at

    @property
    def folder(self) -> Path | None:
        return self.inner.folder

    def count_triples(self, graph: str | None = None) -> int:
        return self.inner.count_triples(graph)

    def graphs(self) -> tuple[str, ...]:
        return self.inner.graphs()

    def description(self, thing: str, page: int = 1) -> Page | None:
        """One lookup in a memory-mapped file: bounded, so no executor."""
        return self.inner.description(thing, page)

    # queries
    def query(
        self, sparql: str, dataset: ProtocolDataset | None = None, *, client: str | None = None
    ) -> QueryResult:
        if not dataset and bounded(sparql):
            # One subject's triples: bounded by the row cap the caller serialises with,
            # so no executor, no pickling, no socket round trip.
            return self.inner.query(sparql)
        form = check_query_text(sparql)
        result = GuardedResult(self, sparql, dataset, ResultKind.for_form(form), client)
        if result.kind is None:
            result._prefetch()
        return result

    def ping(self, timeout_s: float | None = None) -> bool:
        """True when a trivial ASK answers within ``timeout_s`` (reserved executor)."""
        timeout = self.limits.health_timeout_s if timeout_s is None else timeout_s
        return self._pool.ping(timeout)

    def start(self) -> None:
        """Fork the zygote and one warm executor now (call it in a single-threaded
        moment: after loading, before serving); otherwise the first query does it."""
        self._pool.start()

    def stats(self) -> dict[str, int]:
        """Executors of this process (``busy``, ``idle``, ``limit``, ``heavy_busy``,
        ``heavy_limit``) and the server's memory slots (``slots``, ``slots_in_use``)."""
        budget = self._ledger.budget
        return {
            **self._pool.stats(),
            "slots": budget.memory_slots,
            "slots_in_use": self._ledger.in_use(),
            "memory_total_mb": budget.memory_total_mb,
        }

    def saturated(self) -> str | None:
        pool = self._pool.stats()
        if pool["heavy_busy"] >= pool["heavy_limit"]:
            return (
                f"this process runs its maximum of {pool['heavy_limit']} clients' queries "
                "(limits.max_concurrent_queries - limits.reserved_light_queries)"
            )
        if not self._ledger.heavy_free():
            return (
                "the running queries may use the whole memory budget "
                f"({self._ledger.budget.memory_total_mb} MB, limits.memory_total_mb)"
            )
        return None

    def memory_mb(self) -> int:
        return self.inner.memory_mb()

    def close(self) -> None:
        self._finalizer()
        self._ledger.close()
        self.inner.close()

    def _run(
        self, request: Request, dataset: ProtocolDataset | None, client: str | None
    ) -> tuple[ResultKind, Format, Capped]:
        """Run ``request`` in an executor, once the server admits it (per client, memory)."""
        request = request._replace(
            default_graphs=dataset.default_graphs if dataset else (),
            named_graphs=dataset.named_graphs if dataset else (),
            alarm_s=math.ceil(self.limits.timeout_s) + 5,
        )
        try:
            ticket = self._ledger.admit(client, self.limits.queue_wait_s)
        except ClientBusy:
            emit("client_limit")
            raise
        except MemoryBusy:
            emit("memory")
            raise
        with ticket:
            head, body = self._pool.run(
                pickle.dumps(tuple(request), protocol=5), request.sparql, heavy=client is not None
            )
        if head[0] == "err":
            raise ERRORS.get(head[1], QueryFailed)(head[2])
        return ResultKind(head[1]), BY_NAME[head[2]], capped_from(head, body)
