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
from publisher.store.sandbox import unpack, zygote_main

if TYPE_CHECKING:
    from publisher.store.guarded import Limits

log = logging.getLogger("lodpub.query")
_NICE = 10


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
            emit("busy")
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
                log.warning(
                    "query stopped after %.2f s (limit %g s), executor %d killed: %s",
                    elapsed, timeout_s, child.pid, _one_line(sparql),
                )  # fmt: skip
                raise QueryTimeout(timeout_s, elapsed)
        try:
            head, body = unpack(child.conn.recv_bytes())
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
                    emit("spawn")
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
                zygote_main(theirs, self._inner, self._limits)
            finally:
                os._exit(70)
        theirs.close()
        ours.settimeout(30)
        self._ctl = ours
        self._zygote_pid = pid


def _one_line(sparql: str, limit: int = 2000) -> str:
    """The query for a log line: one line, bounded, control characters escaped."""
    text = " ".join(sparql.split())
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= limit else text[:limit] + f"… ({len(sparql)} chars)"
