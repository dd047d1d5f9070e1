"""The child processes of the guard (:mod:`publisher.store.guarded`): zygote and executors.

The **zygote** is forked once per web worker, single-threaded, right after the store was
loaded; it forks an **executor** on request and hands its socket and pidfd back. An
executor locks itself down (:func:`lock_down`: no new descriptors, bounded address space,
default signals), then answers one request at a time: run, serialise under the caps, reply
in one frame (:func:`pack`).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import pickle
import resource
import signal
import socket
import struct
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, NamedTuple, NoReturn

import publisher.store as store_module
from publisher.mediatypes import BY_NAME
from publisher.store import Capped, ProtocolDataset, Store, StoreError

if TYPE_CHECKING:
    from publisher.store.limits import Limits

ERRORS: dict[str, type[StoreError]] = {
    name: value
    for name, value in vars(store_module).items()
    if isinstance(value, type) and issubclass(value, StoreError)
}
_CHANNEL_FD = 3


# --- framing: one frame per reply ---------------------------------------------------------
def pack(head: tuple, body: bytes) -> bytes:
    """One frame per reply (one write, one wake-up): head length, pickled head, body."""
    encoded = pickle.dumps(head)
    return struct.pack("!I", len(encoded)) + encoded + body


def unpack(frame: bytes) -> tuple[tuple, bytes]:
    (size,) = struct.unpack_from("!I", frame)
    return pickle.loads(frame[4 : 4 + size]), frame[4 + size :]


class Request(NamedTuple):
    """One query for an executor (pickled over its channel)."""

    sparql: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    fmt_name: str | None = None
    max_rows: int | None = None
    link: str | None = None
    max_bytes: int | None = None
    alarm_s: int = 0


def zygote_main(ctl: socket.socket, inner: Store, limits: Limits) -> NoReturn:
    """Fork executors on request; when the web worker is gone, kill them all and exit.

    Each executor comes with a status pipe: when it dies, the zygote (its parent, the only
    process that can learn how) writes its wait status there, so the web worker can tell a
    memory limit (SIGABRT: the engine's allocation failed) from an engine crash (SIGSEGV...).
    """
    os.setpgid(0, 0)  # our own process group: killed together, no terminal signals
    _default_signals()
    statuses: dict[int, int] = {}  # executor pid -> write end of its status pipe

    def reap(_signum: int, _frame: object) -> None:
        with contextlib.suppress(ChildProcessError):
            while True:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    return
                end = statuses.pop(pid, -1)
                if end >= 0:
                    with contextlib.suppress(OSError):
                        os.write(end, struct.pack("!i", status))
                    os.close(end)

    signal.signal(signal.SIGCHLD, reap)
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
            status_read, status_write = os.pipe()
            # no reaping until the executor's pipe is known (it may die at once)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
            pid = os.fork()
            if pid == 0:
                try:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
                    ctl.close()
                    ours.close()
                    _executor_main(theirs.detach(), inner, limits)
                finally:
                    os._exit(70)
            statuses[pid] = status_write
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
            theirs.close()
            try:
                pidfd = os.pidfd_open(pid)
            except (AttributeError, OSError):
                pidfd = -1
            fds = [ours.fileno(), status_read] + ([pidfd] if pidfd >= 0 else [])
            try:
                socket.send_fds(ctl, [struct.pack("!i", pid)], fds)
            except OSError:
                break
            finally:
                ours.close()
                os.close(status_read)
                if pidfd >= 0:
                    os.close(pidfd)
    with contextlib.suppress(OSError):
        os.killpg(os.getpgid(0), signal.SIGKILL)
    os._exit(0)


def _executor_main(fd: int, inner: Store, limits: Limits) -> NoReturn:
    """Serve requests on ``fd`` until EOF: run, serialise under the caps, reply."""
    conn = lock_down(fd, limits.memory_mb, limits.isolate_network)
    while True:
        try:
            request = Request(*pickle.loads(conn.recv_bytes()))
        except (EOFError, OSError):
            os._exit(0)
        signal.alarm(request.alarm_s)
        try:
            dataset = ProtocolDataset(request.default_graphs, request.named_graphs)
            result = inner.query(request.sparql, dataset or None)
            fmt = BY_NAME.get(request.fmt_name or "")
            if fmt not in result.formats:
                fmt = result.formats[0]
            capped = result.serialize_capped(
                fmt, request.max_rows, request.link, request.max_bytes
            )
            head: tuple = ("ok", result.kind.value, fmt.name, *_capped_head(capped))
            body = capped.data
        except StoreError as exc:
            head, body = ("err", type(exc).__name__, str(exc)), b""
        except Exception as exc:
            head, body = ("err", "QueryFailed", f"query evaluation failed: {exc}"), b""
        signal.alarm(0)
        try:
            conn.send_bytes(pack(head, body))
        except OSError:
            os._exit(0)
        result = body = capped = None  # free the result before waiting for the next


def _capped_head(capped: Capped) -> tuple:
    return capped.truncated, capped.rows, capped.limit, capped.reason, capped.max_bytes


def capped_from(head: tuple, body: bytes) -> Capped:
    """The :class:`Capped` an executor's ``ok`` reply describes."""
    truncated, rows, limit, reason, max_bytes = head[3:]
    return Capped(body, truncated, rows, limit, reason, max_bytes)


def death(status: int | None, memory_mb: int) -> str:
    """What a dead executor's wait status (None: unknown) means, for the client."""
    memory = (
        "the query was stopped: it needed more memory than this endpoint allows "
        f"({memory_mb} MB, limits.query_memory_mb)"
    )
    if status is None:
        return memory + " or crashed the query engine"
    if not os.WIFSIGNALED(status):
        return "the query engine stopped unexpectedly; try again or simplify the query"
    sig = os.WTERMSIG(status)
    if sig in (signal.SIGABRT, signal.SIGKILL):  # a failed allocation aborts; the OOM killer
        return memory
    return (
        f"the query crashed the query engine ({signal.Signals(sig).name}); this is not a "
        "limit of this endpoint: simplify the query (very deep nesting does this)"
    )


def lock_down(fd: int, memory_mb: int, isolate: bool = True) -> Connection:
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
