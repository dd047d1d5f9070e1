"""A guard around any :class:`~publisher.store.Store`: every query runs in a killable process.

pyoxigraph evaluates a query in Rust: it cannot be interrupted from Python, and a thread
does not help. So each web worker process owns a pool of **executor** processes that hold
the same store (forked after it was loaded, so its memory is shared copy-on-write), and
talks to them over a socket pair:

- the web worker sends ``(query, dataset, format, row cap)`` and waits with a deadline;
  the executor evaluates, **serialises** (applying the row cap while iterating) and sends
  back bytes. Nothing but small tuples and the result body crosses the pipe;
- past the deadline the worker SIGKILLs the executor, which really stops the work, and
  raises :class:`QueryTimeout`; a fresh executor replaces it on the next query;
- a query still running after ``renice_after_s`` is lowered in CPU priority (nice 10), so
  runaway queries leave the cores to everybody else's light ones; an executor that was
  lowered is retired after its query (priority cannot be raised back), and so is one whose
  query ran ``retire_after_s`` or more: pyoxigraph writes to the store pages it reads, so
  after a big scan the executor holds a private copy of much of the store (measured: 250 MB
  of a 900 MB store after a 0.5 s COUNT), which a fresh fork gives back;
- at most ``max_concurrent`` queries run at once per web worker; a query that cannot get
  an executor within ``queue_wait_s`` is refused with :class:`StoreBusy` (503 +
  Retry-After), never queued without bound. ``/health`` has one reserved executor.

Executors are not forked from the web worker itself (which may be multi-threaded by then:
forking a threaded process can inherit locks held by other threads) but from a
single-threaded **zygote** forked once, right after the store was loaded (``start()``; the
gunicorn runner calls it in each worker's ``post_fork``). The zygote forks an executor on
request and passes back its socket and a pidfd (``SCM_RIGHTS``), so killing it can never hit
a recycled PID. When the web worker goes away its end of the control socket closes, and the
zygote kills its whole process group.

Each executor locks itself down before it runs anything:

- **no new file descriptors**: every inherited descriptor except stdio and its channel is
  closed, and ``RLIMIT_NOFILE`` is set to 4, so a query can never open a socket (pyoxigraph
  would otherwise connect for ``SERVICE``, see ``tests/test_limits.py``), a file or a pipe —
  a kernel-enforced second line behind :func:`publisher.store.check_query_text`;
- **memory**: ``RLIMIT_AS`` = its size at start + ``memory_mb``; a query that needs more
  dies (the client gets a 500 saying so) instead of pushing the machine into swap;
- **a kernel backstop**: ``alarm(timeout + 5 s)`` per query, in case its web worker died.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import math
import os
import pickle
import resource
import select
import signal
import socket
import struct
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any, NoReturn

import publisher.store as store_module
from publisher.mediatypes import ALL_FORMATS, Format
from publisher.store import (
    HEALTH_QUERY,
    ProtocolDataset,
    QueryFailed,
    QueryResult,
    ResultKind,
    Store,
    StoreError,
    StoreUnavailable,
    check_query_text,
)
from publisher.store.embedded import Capped

log = logging.getLogger("lodpub.query")

_FORMATS: dict[str, Format] = {f.name: f for f in ALL_FORMATS}
_ERRORS: dict[str, type[StoreError]] = {
    name: value
    for name, value in vars(store_module).items()
    if isinstance(value, type) and issubclass(value, StoreError)
}
_NICE = 10
_CHANNEL_FD = 3


# --- errors -------------------------------------------------------------------------------
class QueryTimeout(QueryFailed):
    """The query ran past the time limit and its process was killed."""

    def __init__(self, timeout_s: float, elapsed_s: float) -> None:
        super().__init__(
            f"the query was stopped after {elapsed_s:.1f} s: this endpoint allows "
            f"{timeout_s:g} s per query (limits.query_timeout_s). Make it more selective, "
            "add a LIMIT, or download a dump (see /catalog)"
        )
        self.timeout_s = timeout_s
        self.elapsed_s = elapsed_s


class QueryCrashed(QueryFailed):
    """The executor died during the query (memory limit, engine crash)."""


class StoreBusy(StoreUnavailable):
    """Every executor of this worker is busy: try again later (503 + Retry-After)."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        super().__init__(
            f"the server is running its maximum of {limit} queries per process; "
            f"retry in {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


# --- events for metrics -------------------------------------------------------------------
Listener = Callable[[str, dict[str, Any]], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Call ``listener(event, info)`` on ``query`` (outcome, seconds), ``busy``, ``spawn``."""
    if listener not in _listeners:
        _listeners.append(listener)


def _emit(event: str, **info: Any) -> None:
    for listener in list(_listeners):
        try:
            listener(event, info)
        except Exception:  # metrics must never break a query
            log.exception("metrics listener failed on %s", event)


# --- configuration ------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """What the guard enforces; see ``limits:`` in ``publisher/defaults.yaml``."""

    timeout_s: float = 10.0
    max_concurrent: int = 6
    queue_wait_s: float = 0.5
    retry_after_s: int = 5
    memory_mb: int = 2048
    renice_after_s: float = 0.5
    retire_after_s: float = 0.25
    health_timeout_s: float = 2.0
    # False only for an engine that must itself reach the network (a remote store): the
    # executor then keeps the right to open descriptors.
    isolate_network: bool = True

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        values = config["limits"]
        return cls(
            timeout_s=float(values["query_timeout_s"]),
            max_concurrent=int(values["max_concurrent_queries"]),
            queue_wait_s=float(values["queue_wait_s"]),
            retry_after_s=int(values["retry_after_s"]),
            memory_mb=int(values["query_memory_mb"]),
            health_timeout_s=float(values["health_timeout_s"]),
        )


def guard(store: Store, config: Any) -> GuardedStore:
    """``store`` behind the guard, with the configured limits (executors start lazily)."""
    return GuardedStore(store, Limits.from_config(config))


# --- the store ----------------------------------------------------------------------------
class GuardedResult(QueryResult):
    """A query to run in an executor; it runs when serialised (the format must be known)."""

    def __init__(
        self, store: GuardedStore, sparql: str, dataset: ProtocolDataset | None, kind: Any
    ) -> None:
        self._store = store
        self._sparql = sparql
        self._dataset = dataset
        self.kind = kind
        self._ready: tuple[Format, Capped] | None = None
        self._used = False
        self.truncated = False
        self.rows: int | None = None
        self.limit: int | None = None

    def serialize(self, fmt: Format) -> bytes:
        return self.serialize_capped(fmt, None).data

    def serialize_capped(
        self, fmt: Format, max_rows: int | None, link: str | None = None
    ) -> Capped:
        if fmt not in self.formats:
            raise ValueError(f"a {self.kind.value} result cannot be written as {fmt.media_type}")
        if self._used:
            raise RuntimeError("a query result can only be serialised once")
        self._used = True
        if self._ready is not None and self._ready[0] == fmt and max_rows is None:
            capped = self._ready[1]
        else:
            _kind, _fmt, capped = self._store._run(self._sparql, self._dataset, fmt, max_rows, link)
        self.truncated, self.rows, self.limit = capped.truncated, capped.rows, capped.limit
        return capped

    def _prefetch(self) -> None:
        """Run now in the kind's default format (used when the form is unknown: the engine
        then reports the syntax error, or tells the kind)."""
        kind, fmt, capped = self._store._run(self._sparql, self._dataset, None, None, None)
        self.kind = kind
        self._ready = (fmt, capped)


class GuardedStore(Store):
    """Any store, queried through killable executor processes (see the module docstring)."""

    def __init__(self, inner: Store, limits: Limits | None = None) -> None:
        self.inner = inner
        self.limits = limits or Limits()
        self._pool = _Pool(inner, self.limits)
        self._finalizer = weakref.finalize(self, self._pool.close)

    # the cheap, in-process parts of the interface
    @property
    def version(self) -> str:
        return self.inner.version

    @property
    def built_at(self) -> datetime:
        return self.inner.built_at

    def count_triples(self, graph: str | None = None) -> int:
        return self.inner.count_triples(graph)

    def graphs(self) -> tuple[str, ...]:
        return self.inner.graphs()

    def __getattr__(self, name: str) -> Any:  # e.g. EmbeddedStore.manifest
        if name.startswith("_") or name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    # queries
    def query(self, sparql: str, dataset: ProtocolDataset | None = None) -> QueryResult:
        form = check_query_text(sparql)
        result = GuardedResult(self, sparql, dataset, ResultKind.for_form(form))
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
        """Executors of this process: ``busy``, ``idle``, ``limit``."""
        return self._pool.stats()

    def close(self) -> None:
        self._finalizer()
        self.inner.close()

    def _run(
        self,
        sparql: str,
        dataset: ProtocolDataset | None,
        fmt: Format | None,
        max_rows: int | None,
        link: str | None,
    ) -> tuple[ResultKind, Format, Capped]:
        request = (
            sparql,
            dataset.default_graphs if dataset else (),
            dataset.named_graphs if dataset else (),
            fmt.name if fmt else None,
            max_rows,
            link,
            math.ceil(self.limits.timeout_s) + 5,
        )
        head, body = self._pool.run(pickle.dumps(request, protocol=5), sparql)
        if head[0] == "err":
            raise _ERRORS.get(head[1], QueryFailed)(head[2])
        _ok, kind, fmt_name, truncated, rows, limit = head
        return ResultKind(kind), _FORMATS[fmt_name], Capped(body, truncated, rows, limit)


# --- the worker side: a pool of executors -------------------------------------------------
@dataclass
class _Child:
    pid: int
    pidfd: int
    conn: Connection
    demoted: bool = False
    poller: Any = None

    def __post_init__(self) -> None:
        self.poller = select.poll()  # cheaper than Connection.poll's selector per call
        self.poller.register(self.conn.fileno(), select.POLLIN)

    def ready(self, timeout_s: float) -> bool:
        """True when a reply (or EOF) is waiting, within ``timeout_s``."""
        try:
            return bool(self.poller.poll(max(0, math.ceil(timeout_s * 1000))))
        except InterruptedError:  # pragma: no cover - PEP 475 retries, belt and braces
            return False

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            if self.pidfd >= 0:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.pidfd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = -1


class _Pool:
    """Per web-worker process: the zygote, idle executors, the concurrency limit."""

    def __init__(self, inner: Store, limits: Limits) -> None:
        self._inner = inner
        self._limits = limits
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()  # the zygote's control socket and the idle list
        self._slots = threading.BoundedSemaphore(self._limits.max_concurrent)
        self._busy = 0
        self._count_lock = threading.Lock()
        self._idle: list[_Child] = []
        self._ctl: socket.socket | None = None
        self._zygote_pid = 0
        self._health_lock = threading.Lock()
        self._health: _Child | None = None

    def _same_process(self) -> None:
        """After a fork (gunicorn forks workers from a preloading master) nothing here
        belongs to this process: drop it (closing our copies only) and start afresh."""
        if os.getpid() != self._pid:
            for child in self._idle + ([self._health] if self._health else []):
                child.close()
            if self._ctl is not None:
                with contextlib.suppress(OSError):
                    self._ctl.close()
            self._reset()

    def start(self) -> None:
        self._same_process()
        child = self._take()
        self._give_back(child, healthy=True)

    def stats(self) -> dict[str, int]:
        return {"busy": self._busy, "idle": len(self._idle), "limit": self._limits.max_concurrent}

    def close(self) -> None:
        if os.getpid() != self._pid:
            return
        with self._lock:
            children, self._idle = self._idle, []
            if self._health is not None:
                children.append(self._health)
                self._health = None
            for child in children:
                child.kill()
            if self._ctl is not None:
                with contextlib.suppress(OSError):
                    self._ctl.close()  # the zygote sees EOF and kills its process group
                self._ctl = None

    # running
    def run(self, payload: bytes, sparql: str) -> tuple[tuple, bytes]:
        self._same_process()
        limits = self._limits
        if not self._slots.acquire(timeout=limits.queue_wait_s):
            _emit("busy")
            raise StoreBusy(limits.max_concurrent, limits.retry_after_s)
        with self._count_lock:
            self._busy += 1
        try:
            return self._run_on(self._take(), payload, sparql, limits.timeout_s)
        finally:
            with self._count_lock:
                self._busy -= 1
            self._slots.release()

    def ping(self, timeout_s: float) -> bool:
        self._same_process()
        if not self._health_lock.acquire(timeout=timeout_s):
            return False
        try:
            child, self._health = self._health, None
            if child is None:
                child = self._spawn()
            request = (HEALTH_QUERY, (), (), "json", None, None, math.ceil(timeout_s) + 5)
            child, head, _body = self._exchange(
                child, pickle.dumps(request), HEALTH_QUERY, timeout_s
            )
            if child.demoted:
                child.kill()
            else:
                self._health = child
            return head[0] == "ok"
        except StoreError:
            return False
        finally:
            self._health_lock.release()

    def _run_on(
        self, child: _Child, payload: bytes, sparql: str, timeout_s: float
    ) -> tuple[tuple, bytes]:
        started = time.monotonic()
        outcome = "error"
        try:
            child, head, body = self._exchange(child, payload, sparql, timeout_s)
            outcome = "ok" if head[0] == "ok" else "error"
        except QueryTimeout:
            outcome = "timeout"
            raise
        except QueryCrashed:
            outcome = "crash"
            raise
        finally:
            elapsed = time.monotonic() - started
            _emit("query", outcome=outcome, seconds=elapsed)
        # A long query has touched much of the store, and pyoxigraph writes to the pages it
        # reads: the executor now holds a private copy of them. Replace it.
        fresh = not child.demoted and elapsed < self._limits.retire_after_s
        self._give_back(child, healthy=fresh)
        return head, body

    def _exchange(
        self, child: _Child, payload: bytes, sparql: str, timeout_s: float
    ) -> tuple[_Child, tuple, bytes]:
        """Send one request, wait with a deadline, read the reply; kill on timeout.
        Returns the executor that answered (a dead idle one is replaced first)."""
        try:
            child.conn.send_bytes(payload)
        except OSError:  # it died while idle (memory limit, OOM killer, alarm): replace it
            child.kill()
            child = self._spawn()
            try:
                child.conn.send_bytes(payload)
            except OSError:
                child.kill()
                raise QueryCrashed("the query executor died before the query started") from None
        started = time.monotonic()
        deadline = started + timeout_s
        first = min(self._limits.renice_after_s, timeout_s)
        if not child.ready(first):
            self._demote(child)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not child.ready(remaining):
                child.kill()
                elapsed = time.monotonic() - started
                log.warning(
                    "query stopped after %.2f s (limit %g s), executor %d killed: %s",
                    elapsed, timeout_s, child.pid, _one_line(sparql),
                )  # fmt: skip
                raise QueryTimeout(timeout_s, elapsed)
        try:
            head, body = _unpack(child.conn.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError, struct.error):
            child.kill()
            elapsed = time.monotonic() - started
            log.error(
                "query executor %d died after %.2f s (memory limit %d MB?): %s",
                child.pid, elapsed, self._limits.memory_mb, _one_line(sparql),
            )  # fmt: skip
            raise QueryCrashed(
                "the query was stopped: it needed more memory than this endpoint allows "
                f"({self._limits.memory_mb} MB, limits.query_memory_mb) or crashed the engine"
            ) from None
        if head[0] == "ok":
            elapsed = time.monotonic() - started
            if elapsed >= 1:
                log.info("slow query: %.2f s: %s", elapsed, _one_line(sparql))
        return child, head, body

    def _demote(self, child: _Child) -> None:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, child.pid, _NICE)
        child.demoted = True

    def _take(self) -> _Child:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._spawn()

    def _give_back(self, child: _Child, healthy: bool) -> None:
        if not healthy:
            child.kill()
            return
        with self._lock:
            if os.getpid() == self._pid and len(self._idle) < self._limits.max_concurrent:
                self._idle.append(child)
                return
        child.kill()

    # the zygote
    def _spawn(self) -> _Child:
        with self._lock:
            for attempt in (1, 2):
                if self._ctl is None:
                    self._start_zygote()
                assert self._ctl is not None
                try:
                    self._ctl.sendall(b"s")
                    message, fds, _flags, _address = socket.recv_fds(self._ctl, 16, 2)
                except OSError as exc:
                    message, fds = b"", []
                    log.error("query zygote %d failed: %s", self._zygote_pid, exc)
                if len(message) == 4 and fds:
                    (pid,) = struct.unpack("!i", message)
                    _emit("spawn")
                    return _Child(pid, fds[1] if len(fds) > 1 else -1, Connection(fds[0]))
                for fd in fds:
                    os.close(fd)
                with contextlib.suppress(OSError):
                    self._ctl.close()
                self._ctl = None
                if attempt == 1:
                    log.warning("query zygote %d is gone; starting another", self._zygote_pid)
        raise StoreUnavailable("the query executor cannot be started")

    def _start_zygote(self) -> None:
        try:  # message boundaries; a stream works too (one request at a time, locked)
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except (AttributeError, OSError):
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                ours.close()
                _zygote_main(theirs, self._inner, self._limits)
            finally:
                os._exit(70)
        theirs.close()
        ours.settimeout(30)
        self._ctl = ours
        self._zygote_pid = pid


def _pack(head: tuple, body: bytes) -> bytes:
    """One frame per reply (one write, one wake-up): head length, pickled head, body."""
    encoded = pickle.dumps(head)
    return struct.pack("!I", len(encoded)) + encoded + body


def _unpack(frame: bytes) -> tuple[tuple, bytes]:
    (size,) = struct.unpack_from("!I", frame)
    return pickle.loads(frame[4 : 4 + size]), frame[4 + size :]


def _one_line(sparql: str, limit: int = 2000) -> str:
    """The query for a log line: one line, bounded, control characters escaped."""
    text = " ".join(sparql.split())
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= limit else text[:limit] + f"… ({len(sparql)} chars)"


# --- the zygote and the executors (child processes) ---------------------------------------
def _zygote_main(ctl: socket.socket, inner: Store, limits: Limits) -> NoReturn:
    """Fork executors on request; when the web worker is gone, kill them all and exit."""
    os.setpgid(0, 0)  # our own process group: killed together, no terminal signals
    _default_signals()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # executors are reaped by the kernel
    keep = {0, 1, 2, ctl.fileno()}
    _neutralise_descriptors(keep)
    gc.freeze()  # pre-fork objects are never scanned again: fewer copied pages
    while True:
        try:
            command = ctl.recv(16)
        except InterruptedError:
            continue
        except OSError:
            break
        if not command:
            break
        for _ in command[:1]:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            pid = os.fork()
            if pid == 0:
                try:
                    ctl.close()
                    ours.close()
                    _executor_main(theirs.detach(), inner, limits)
                finally:
                    os._exit(70)
            theirs.close()
            try:
                pidfd = os.pidfd_open(pid)
            except (AttributeError, OSError):
                pidfd = -1
            fds = [ours.fileno()] + ([pidfd] if pidfd >= 0 else [])
            try:
                socket.send_fds(ctl, [struct.pack("!i", pid)], fds)
            except OSError:
                break
            finally:
                ours.close()
                if pidfd >= 0:
                    os.close(pidfd)
    with contextlib.suppress(OSError):
        os.killpg(os.getpgid(0), signal.SIGKILL)
    os._exit(0)


def _executor_main(fd: int, inner: Store, limits: Limits) -> NoReturn:
    """Serve requests on ``fd`` until EOF: run, serialise, reply."""
    conn = _lock_down(fd, limits.memory_mb, limits.isolate_network)
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            os._exit(0)
        sparql, default_graphs, named_graphs, fmt_name, max_rows, link, alarm_s = pickle.loads(
            raw
        )
        signal.alarm(alarm_s)
        try:
            dataset = ProtocolDataset(tuple(default_graphs), tuple(named_graphs))
            result = inner.query(sparql, dataset or None)
            fmt = _FORMATS.get(fmt_name or "")
            if fmt not in result.formats:
                fmt = result.formats[0]
            capped_writer = getattr(result, "serialize_capped", None)
            if capped_writer is not None:
                capped = capped_writer(fmt, max_rows, link)
            else:
                capped = Capped(result.serialize(fmt), False, None, None)
            head: tuple = (
                "ok", result.kind.value, fmt.name, capped.truncated, capped.rows, capped.limit
            )
            body = capped.data
        except StoreError as exc:
            head, body = ("err", type(exc).__name__, str(exc)), b""
        except Exception as exc:
            head, body = ("err", "QueryFailed", f"query evaluation failed: {exc}"), b""
        signal.alarm(0)
        try:
            conn.send_bytes(_pack(head, body))
        except OSError:
            os._exit(0)
        result = body = capped = None  # free the result before waiting for the next


def _lock_down(fd: int, memory_mb: int, isolate: bool = True) -> Connection:
    """Stdio and the channel (fd 3) only, no way to open another descriptor (``isolate``),
    bounded memory, default signal actions (SIGALRM terminates)."""
    _default_signals()
    vm_bytes = _address_space()
    channel = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    for std in (0, 1, 2):
        try:
            os.fstat(std)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # takes the lowest free number: ``std``
    os.dup2(channel, _CHANNEL_FD)
    os.close(channel)
    os.closerange(_CHANNEL_FD + 1, _max_fd())
    if isolate:
        resource.setrlimit(resource.RLIMIT_NOFILE, (_CHANNEL_FD + 1, _CHANNEL_FD + 1))
    if memory_mb > 0 and vm_bytes:
        limit = vm_bytes + memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return Connection(_CHANNEL_FD)


def _default_signals() -> None:
    for name in ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTTIN",
                 "SIGTTOU", "SIGALRM", "SIGCHLD"):  # fmt: skip
        with contextlib.suppress(OSError, ValueError, AttributeError):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a closed channel is an OSError, not death
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _neutralise_descriptors(keep: set[int]) -> None:
    """Point every inherited descriptor (listening sockets, client connections, other
    zygotes' channels) at /dev/null: the originals are released, the numbers stay taken so
    a stale Python object closing one later cannot close something of ours."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in _open_descriptors():
            if fd not in keep and fd != null:
                with contextlib.suppress(OSError):
                    os.dup2(null, fd)
    finally:
        os.close(null)


def _open_descriptors() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(_max_fd()))


def _max_fd() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if 0 < soft < 1 << 20 else 1 << 16


def _address_space() -> int:
    """This process's virtual size in bytes (0 when unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
