"""The web worker's side of the guard (:mod:`publisher.store.guarded`): a pool of executors.

One :class:`Pool` per web worker process: it asks the zygote (:mod:`publisher.store.sandbox`)
for executors, sends each one query at a time with a deadline, kills it past the deadline,
lowers the priority of long queries, retires executors that ran long, and bounds how many
queries run at once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import select
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from publisher.store import (
    HEALTH_QUERY,
    QueryCrashed,
    QueryTimeout,
    Store,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    emit,
)
from publisher.store.sandbox import Request, death, unpack, zygote_main

if TYPE_CHECKING:
    from publisher.store.limits import Limits

log = logging.getLogger("lodpub.query")
_NICE = 10


@dataclass
class _Child:
    pid: int
    pidfd: int
    conn: Connection
    status: int = -1  # the pipe the zygote writes our wait status to when we die
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

    def death_status(self, timeout_s: float = 1.0) -> int | None:
        """How the executor died (a wait status), once the zygote has reaped it; None when
        that is not known within ``timeout_s``."""
        if self.status < 0:
            return None
        ready, _, _ = select.select([self.status], [], [], timeout_s)
        data = os.read(self.status, 4) if ready else b""
        return struct.unpack("!i", data)[0] if len(data) == 4 else None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        for fd in (self.pidfd, self.status):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.pidfd = self.status = -1


class Pool:
    """Per web-worker process: the zygote, idle executors, the concurrency limit."""

    def __init__(self, inner: Store, limits: Limits) -> None:
        self._inner = inner
        self._limits = limits
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()  # the zygote's control socket and the idle list
        self._slots = threading.BoundedSemaphore(self._limits.max_concurrent)
        self._heavy = threading.BoundedSemaphore(self.heavy_limit)
        self._busy = 0
        self._heavy_busy = 0
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

    @property
    def heavy_limit(self) -> int:
        """Executors clients' own queries may use at once here; the rest is kept for light
        work (pages, named queries)."""
        limits = self._limits
        return max(1, limits.max_concurrent - limits.reserved_light)

    def stats(self) -> dict[str, int]:
        return {
            "busy": self._busy,
            "idle": len(self._idle),
            "limit": self._limits.max_concurrent,
            "heavy_busy": self._heavy_busy,
            "heavy_limit": self.heavy_limit,
        }

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
    def run(self, payload: bytes, sparql: str, heavy: bool) -> tuple[tuple, bytes]:
        """Run on an executor of this process; a ``heavy`` query (a client's own) may only
        use :attr:`heavy_limit` of them. Waits at most ``queue_wait_s`` for one."""
        self._same_process()
        limits = self._limits
        deadline = time.monotonic() + limits.queue_wait_s
        if heavy and not self._heavy.acquire(timeout=limits.queue_wait_s):
            emit("busy")
            raise StoreBusy(self.heavy_limit, limits.retry_after_s)
        try:
            if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
                emit("busy")
                raise StoreBusy(limits.max_concurrent, limits.retry_after_s)
            self._count(1, heavy)
            try:
                return self._run_on(self._take(), payload, sparql, limits.timeout_s)
            finally:
                self._count(-1, heavy)
                self._slots.release()
        finally:
            if heavy:
                self._heavy.release()

    def _count(self, change: int, heavy: bool) -> None:
        with self._count_lock:
            self._busy += change
            self._heavy_busy += change if heavy else 0

    def ping(self, timeout_s: float) -> bool:
        self._same_process()
        if not self._health_lock.acquire(timeout=timeout_s):
            return False
        try:
            child, self._health = self._health, None
            if child is None:
                child = self._spawn()
            request = Request(HEALTH_QUERY, fmt_name="json", alarm_s=math.ceil(timeout_s) + 5)
            child, head, _body = self._exchange(
                child, pickle.dumps(tuple(request)), HEALTH_QUERY, timeout_s
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
            emit("query", outcome=outcome, seconds=elapsed)
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
                _STOPPED.log(
                    "query stopped after %.2f s (limit %g s), executor %d killed: %s",
                    elapsed, timeout_s, child.pid, one_line(sparql),
                )  # fmt: skip
                raise QueryTimeout(timeout_s, elapsed)
        try:
            head, body = unpack(child.conn.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError, struct.error):
            elapsed = time.monotonic() - started
            reason = death(child.death_status(), self._limits.memory_mb)
            child.kill()
            _DIED.log(
                "query executor %d died after %.2f s (%s): %s",
                child.pid, elapsed, reason, one_line(sparql),
            )  # fmt: skip
            raise QueryCrashed(reason) from None
        if head[0] == "ok":
            elapsed = time.monotonic() - started
            if elapsed >= 1:
                log.info("slow query: %.2f s: %s", elapsed, one_line(sparql))
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
                    message, fds, _flags, _address = socket.recv_fds(self._ctl, 16, 3)
                except OSError as exc:
                    message, fds = b"", []
                    log.error("query zygote %d failed: %s", self._zygote_pid, exc)
                if len(message) == 4 and len(fds) >= 2:
                    (pid,) = struct.unpack("!i", message)
                    emit("spawn")
                    pidfd = fds[2] if len(fds) > 2 else -1
                    return _Child(pid, pidfd, Connection(fds[0]), status=fds[1])
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
                zygote_main(theirs, self._inner, self._limits)
            finally:
                os._exit(70)
        theirs.close()
        ours.settimeout(30)
        self._ctl = ours
        self._zygote_pid = pid


def one_line(sparql: str, limit: int = 200) -> str:
    """The query for a log line: one line, at most ``limit`` characters, control characters
    escaped (a hostile query must not fill the log)."""
    text = " ".join(sparql[: limit * 4].split())
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= limit else text[:limit] + f"… ({len(sparql)} chars)"


class _RateLimited:
    """A log line written at most ``burst`` times per ``every_s`` seconds per process; the
    first one after a quiet spell says how many were left out (a loop of crashing queries
    must not flood the log)."""

    def __init__(self, level: int, burst: int = 20, every_s: float = 10.0) -> None:
        self.level = level
        self.burst = burst
        self.every_s = every_s
        self._window = -every_s
        self._written = 0
        self._skipped = 0
        self._lock = threading.Lock()

    def log(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._window >= self.every_s:
                self._window, self._written = now, 0
            if self._written >= self.burst:
                self._skipped += 1
                return
            self._written += 1
            skipped, self._skipped = self._skipped, 0
        if skipped:
            message += f" ({skipped} more like it were not logged)"
        log.log(self.level, message, *args)


_STOPPED = _RateLimited(logging.WARNING)
_DIED = _RateLimited(logging.ERROR)
