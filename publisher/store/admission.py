"""Who may start a query now, decided for the whole server, not per worker process.

Two budgets are shared by every worker process of one server (and by its threads):

- **per client**: a client (an address, see ``publisher/web/http/clients.py``) runs at most
  ``max_queries_per_client`` of its own SPARQL queries at once, whichever worker gets them;
  one more is refused with :class:`ClientBusy` (429 + Retry-After);
- **memory**: ``memory_total_mb`` is divided into slots of one query's worst case (its
  ``query_memory_mb`` of address space plus the store pages it may copy, see
  :func:`slots_for`); every query takes a slot while it runs, and a query that finds none
  is refused with :class:`MemoryBusy` (503 + Retry-After) *before* it starts, so the sum
  of what running queries may claim never exceeds the budget. The last
  ``reserved_light_slots`` slots are for light work only (pages, named queries: the
  server's own query texts), so clients' SPARQL can never take them all. A query waits
  for a slot as long as it would for an executor (``queue_wait_s``).

Why locks on a file: a slot is one byte of an anonymous file, held with an open file
description lock (``F_OFD_SETLK``) on a descriptor of its own. The kernel arbitrates
between processes and threads alike, and releases a slot when its holder closes it *or
dies*, so a killed worker can never leak a slot (a shared counter would). The file is
created before the workers are forked (``Ledger`` in the guard's constructor) and reached
through ``/proc/self/fd``; it has no name, so nothing is left on disk.

Tested in ``tests/test_limits.py`` (unit) and ``tests/test_fairness.py`` (production servers).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import struct
import tempfile
import time
from dataclasses import dataclass

from publisher.store import ClientBusy, MemoryBusy

_FLOCK = "@hhqqi4x"  # struct flock on Linux: type, whence, start, len, pid (+ padding)
_CLIENTS_AT = 1 << 32  # client ranges start here; memory slots sit below
_POLL_S = 0.02  # a slot freed is taken within this (any of N slots: no blocking lock for it)


@dataclass(frozen=True)
class Budget:
    """The numbers :class:`Ledger` enforces (derived from ``limits:``)."""

    # queries that may run at once server-wide (memory_total_mb / one's worst case); 0: no
    # memory budget (a remote store: the engine's memory is not ours)
    memory_slots: int
    reserved_light_slots: int
    per_client: int  # 0 = no per-client limit
    memory_total_mb: int
    retry_after_s: int


def slots_for(memory_total_mb: int, query_memory_mb: int, store_mb: int) -> int:
    """How many queries fit in the budget: each may grow by ``query_memory_mb`` of address
    space (its RLIMIT_AS) and copy up to ``store_mb`` of shared store pages."""
    worst = max(1, query_memory_mb + store_mb)
    return max(1, memory_total_mb // worst)


def default_budget_mb() -> int:
    """Half of the memory this server may use: the machine's, or its control group's limit
    when that is lower (a container, a systemd ``MemoryMax=``)."""
    total = 0
    meminfo = "/proc/meminfo"
    with contextlib.suppress(OSError, ValueError, IndexError), open(meminfo, "rb") as lines:
        total = int(lines.readline().split()[1]) * 1024  # MemTotal: N kB
    cgroup = "/sys/fs/cgroup/memory.max"
    with contextlib.suppress(OSError, ValueError), open(cgroup, "rb") as limit:
        total = min(total or 1 << 62, int(limit.read()))  # "max" when unlimited
    return max(256, total // 2 // (1024 * 1024)) if total else 4096


class Ticket:
    """The slots one query holds; :meth:`close` (or the holder's death) releases them."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Ledger:
    """The server's slots: make it before forking workers, then :meth:`admit` anywhere."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._file = tempfile.TemporaryFile(prefix="lodpub-slots-")  # noqa: SIM115 - lives with us
        self._path = f"/proc/self/fd/{self._file.fileno()}"

    def admit(self, client: str | None, wait_s: float = 0.0) -> Ticket:
        """Slots for one query: a client's own SPARQL (``client`` given) or light work of the
        server's own (None). A client over its limit is refused at once (:class:`ClientBusy`:
        it is the one to wait); a memory slot is waited for up to ``wait_s`` (then
        :class:`MemoryBusy`), like an executor."""
        budget = self.budget
        fd = os.open(self._path, os.O_RDWR | os.O_CLOEXEC)
        ticket = Ticket(fd)
        try:
            if client is not None and budget.per_client > 0:
                start = _CLIENTS_AT + _bucket(client) * budget.per_client
                if not _take_one(fd, range(start, start + budget.per_client)):
                    raise ClientBusy(budget.per_client, budget.retry_after_s)
            if budget.memory_slots:
                slots = self._slots(light=client is None)
                deadline = time.monotonic() + wait_s
                while not _take_one(fd, slots):
                    if time.monotonic() >= deadline:
                        raise MemoryBusy(budget.memory_total_mb, budget.retry_after_s)
                    time.sleep(_POLL_S)
        except BaseException:
            ticket.close()
            raise
        return ticket

    def in_use(self) -> int:
        """Memory slots held now, server-wide (for /ready and the metrics)."""
        fd = os.open(self._path, os.O_RDWR | os.O_CLOEXEC)
        try:
            return sum(_held(fd, slot) for slot in range(self.budget.memory_slots))
        finally:
            os.close(fd)

    def heavy_free(self) -> bool:
        """True when a client's query would find a memory slot now (``/ready``)."""
        if not self.budget.memory_slots:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CLOEXEC)
        try:
            return not all(_held(fd, slot) for slot in self._slots(light=False))
        finally:
            os.close(fd)

    def _slots(self, light: bool) -> range:
        total = self.budget.memory_slots
        heavy = max(1, total - self.budget.reserved_light_slots)
        # light work tries its reserved slots first, then the shared ones
        return range(total - 1, -1, -1) if light else range(min(heavy, total))

    def close(self) -> None:
        self._file.close()


def _bucket(client: str) -> int:
    """A client's place: 2**40 buckets, so two clients share one only by a 1 in 10**12 chance."""
    return int.from_bytes(hashlib.blake2b(client.encode(), digest_size=5).digest(), "big")


def _take_one(fd: int, slots: range) -> bool:
    for slot in slots:
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack(_FLOCK, fcntl.F_WRLCK, 0, slot, 1, 0))
        except (BlockingIOError, PermissionError):
            continue
        return True
    return False


def _held(fd: int, slot: int) -> bool:
    probe = struct.pack(_FLOCK, fcntl.F_WRLCK, 0, slot, 1, 0)
    answer = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, probe)
    return struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK
