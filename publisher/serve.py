"""Production serving: ``lodpub serve --workers N`` runs granian (default) or gunicorn.

``server.engine`` chooses the HTTP server; both behave the same way for the data
(measured and explained in ``docs/operations.md`` and ``docs/benchmarks.md``):

- **granian** (default): HTTP parsed by Rust, N worker processes, each handing complete
  requests to the request front (``publisher.front``, RSGI) that runs the app in
  ``server.threads`` threads; cache replays are answered on its event loop;
- **gunicorn**: N processes of its ``asgi`` worker (HTTP parsed in Python on an event
  loop), the same front over the app;
- ``server.buffer_requests: false``: the engines' own WSGI instead (granian's WSGI
  interface, gunicorn's gthread workers), for servers only reachable through a reverse
  proxy that buffers requests.

What the two share, in :class:`Preloaded`:

- **preload**: the master loads ``dist/`` once, then forks the workers, so the store's
  memory is shared copy-on-write (``gc.freeze()`` before forking keeps the garbage
  collector from touching, hence copying, the shared objects). Each worker starts its own
  query zygote right after the fork, before it has any thread (``publisher.store.guarded``);
- **reload on SIGHUP**: the master loads the *new* ``dist/`` completely (``dist`` is a
  symlink flipped atomically by ``lodpub build``); only if that succeeds do new workers
  start with it, and the old ones finish their requests and exit, closing each connection
  after its current answer (``Connection: close`` from the moment the reload starts), so
  no client finds its connection gone. A load that fails is logged and the workers keep
  the old data (granian keeps the workers; gunicorn replaces them with the old data). The
  replaced app is freed in the master (the collector is unfrozen once for it);
- **request limits**: the app answers 414 / 431 itself (``publisher.web.http.limits``); the engine
  bounds what it reads before that (gunicorn's request line and header limits, granian's
  head buffer);
- **metrics across workers**: ``PROMETHEUS_MULTIPROC_DIR`` points at a fresh temporary
  folder (``prometheus_client`` multiprocess mode; removed at exit), so ``/metrics`` sums
  every worker, whichever answers.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
from typing import Any

from publisher.config import Config
from publisher.front import ASGIFront, Front, RSGIFront
from publisher.front import Settings as FrontSettings

log = logging.getLogger("lodpub.serve")
ENGINES = ("granian", "gunicorn")
GUNICORN_MAX_REQUEST_LINE = 8190


class Preloaded:
    """The app loaded in the master, handed to every worker it forks."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.app: Any = None
        # Shared with every worker forked later: the master counts successful reloads, and a
        # worker born before the last one is retiring (publisher.front.Settings.retiring).
        self.generation = multiprocessing.RawValue("i", 0)

    def load(self) -> Any:
        """Load ``dist/`` into a new app; on a reload, keep the old app if that fails."""
        from publisher.web.app import create_app

        try:
            fresh = create_app(self.config)
        except Exception:
            if self.app is None:
                raise
            log.exception("reload failed: still serving build %s", _build_of(self.app))
            return self.app
        old, self.app = self.app, fresh
        if old is not None:
            self.retire_workers()
            log.info("reloaded: build %s replaces %s", _build_of(fresh), _build_of(old))
            del old
            # The old app was frozen with everything else: let the collector reach its
            # reference cycles (and the store they hold) once, or every reload keeps a store.
            gc.unfreeze()
            gc.collect()
        gc.freeze()  # objects loaded so far stay out of the collector's reach: pages stay shared
        return fresh

    def retire_workers(self) -> None:
        """Tell every worker forked so far that it is being replaced."""
        self.generation.value += 1

    def in_worker(self) -> Any:
        """In a freshly forked worker, before its threads exist: start its query executors."""
        self.app.extensions["lodpub"].store.start()
        return self.app

    def front(self, kind: type[Front]) -> Front:
        """The loaded app behind the request front (``publisher.front``)."""
        from publisher.web.http.replay import CACHE_EXTENSION, REPLAY_ONLY

        server, limits = self.config["server"], self.config["limits"]
        born, generation = self.generation.value, self.generation
        settings = FrontSettings(
            retiring=lambda: generation.value != born,
            threads=max(1, int(server["threads"])),
            body_timeout_s=float(server["body_timeout_s"]),
            max_body_bytes=int(limits["max_body_bytes"]),
            replay_key=REPLAY_ONLY if CACHE_EXTENSION in self.app.extensions else None,
        )
        return kind(self.app, settings)

    def front_in_worker(self, kind: type[Front]) -> Front:
        """:meth:`in_worker`, then the front over the app."""
        self.in_worker()
        return self.front(kind)


def _build_of(app: Any) -> str:
    try:
        return str(app.extensions["lodpub"].store.version)
    except (AttributeError, KeyError):
        return "(none)"


def buffered(config: Config) -> bool:
    """Whether requests go through the front (``server.buffer_requests``)."""
    return bool(config["server"]["buffer_requests"])


def _bind(config: Config) -> tuple[str, int]:
    server = config["server"]
    return str(server["host"]), int(server["port"])


# --- granian ------------------------------------------------------------------------------
def granian_server(config: Config, preloaded: Preloaded) -> Any:
    """A granian server for this configuration, forking workers from ``preloaded`` (loaded):
    RSGI with the request front over the app (WSGI if ``server.buffer_requests`` is off);
    one listening socket shared by every worker; a reload that replaces workers only when
    the new build loaded."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    server, limits = config["server"], config["limits"]
    host, port = _bind(config)
    head_bytes = int(limits["max_url_bytes"]) + int(server["max_header_fields"]) * int(
        server["max_header_bytes"]
    )
    threads = max(1, int(server["threads"]))
    interface = {"interface": Interfaces.RSGI} if buffered(config) else {
        "interface": Interfaces.WSGI, "blocking_threads": threads}  # fmt: skip
    return _granian_class(preloaded)(
        "publisher.web.app:create_app",  # a label only: the app comes from preloaded
        address=host,
        port=port,
        **interface,
        workers=max(1, int(server["workers"])),
        backlog=512,
        http1_settings=HTTP1Settings(
            max_buffer_size=max(head_bytes, 16384),
            header_read_timeout=int(float(server["body_timeout_s"]) * 1000),
        ),
        respawn_failed_workers=True,
        respawn_interval=1.0,
        workers_kill_timeout=int(float(limits["query_timeout_s"])) + 5,
    )


def _granian_class(preloaded: Preloaded) -> type:
    """granian's process server with two changes that keep every connection on a reload.

    - **one shared listening socket**: on Linux granian gives each worker its own socket
      (``SO_REUSEPORT``), and the connections waiting in a stopped worker's queue are reset
      (unless the ``net.ipv4.tcp_migrate_req`` sysctl is on); with one socket, inherited
      by every worker, a waiting connection goes to whichever worker accepts next;
    - **a failed reload keeps the workers**: granian replaces them after its reload hooks
      whatever they did; here a reload whose build does not load changes nothing.
    """
    import socket

    from granian.net import SocketSpec
    from granian.server import MPServer

    class LodpubGranian(MPServer):  # type: ignore[misc, valid-type]
        def _init_shared_socket(self) -> None:
            self._shd = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
            self._sfd = self._shd.get_fd()
            self._ssp = None
            self._sso = socket.socket(fileno=self._sfd)
            self._sso.set_inheritable(True)

        def _reload(self, spawn_target: Any, target_loader: Any) -> Any:
            before = preloaded.app
            if preloaded.load() is before:  # logged by load(): still serving the old build
                self.reload_signal = False
                self.main_loop_interrupt.clear()
                return None
            return super()._reload(spawn_target, target_loader)

    return LodpubGranian


# --- gunicorn -----------------------------------------------------------------------------
def gunicorn_options(config: Config) -> dict[str, Any]:
    """gunicorn settings for this configuration (also a reference for hand-made setups)."""
    server, limits = config["server"], config["limits"]
    host, port = _bind(config)
    # gunicorn's own asyncio worker: a request reaches the app (in the front's thread pool
    # of server.threads) only once it is complete (publisher.front); else gthread threads
    workers = {"worker_class": "asgi"} if buffered(config) else {
        "worker_class": "gthread", "threads": max(1, int(server["threads"]))}  # fmt: skip
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": max(1, int(server["workers"])),
        **workers,
        "preload_app": True,
        "timeout": int(server["worker_timeout_s"]),
        "graceful_timeout": int(float(limits["query_timeout_s"])) + 5,
        "keepalive": 5,
        "backlog": 512,
        "limit_request_line": min(GUNICORN_MAX_REQUEST_LINE, int(limits["max_url_bytes"]) + 32),
        "limit_request_fields": int(server["max_header_fields"]),
        "limit_request_field_size": int(server["max_header_bytes"]),
        "proc_name": "lodpub",
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        "child_exit": _child_exit,
    }


def gunicorn_server(config: Config, preloaded: Preloaded) -> Any:
    """gunicorn's application: our settings, the preloaded app, a reload that never half-loads."""
    from gunicorn.app.base import BaseApplication

    if buffered(config):
        _harden_gunicorn(float(config["server"]["body_timeout_s"]))

    class LodpubApplication(BaseApplication):
        def load_config(self) -> None:
            options = {
                **gunicorn_options(config),
                "post_fork": lambda _server, _worker: preloaded.in_worker(),
            }
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 24: one per user
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return preloaded.front(ASGIFront) if buffered(config) else preloaded.app

        def reload(self) -> None:
            super().reload()
            before = preloaded.app
            if preloaded.load() is before:
                preloaded.retire_workers()  # gunicorn replaces them all the same
            self.callable = self.load()

    return LodpubApplication()


def _harden_gunicorn(head_timeout_s: float) -> None:
    """Two gaps of gunicorn's asyncio worker, closed where its classes are looked up.

    - its parser checks its line limit (``limit_request_field_size``) only while a line is
      incomplete, so a 100 KB chunk-size line that arrives whole is taken: complete lines
      are checked too (400, like any other over-long line);
    - it has no deadline for a request head (only the keep-alive timer between requests):
      a connection whose head is not complete ``head_timeout_s`` after it started is closed,
      as granian does.
    """
    from gunicorn.asgi import parser, protocol
    from gunicorn.workers import gasgi

    class StrictLines(parser.PythonProtocol):  # type: ignore[misc, valid-type]
        def _find_line(self, limit: int, error: Exception) -> int:
            index = super()._find_line(limit, error)
            if index > limit:
                raise error
            return int(index)

    class HeadDeadline(protocol.ASGIProtocol):  # type: ignore[misc, valid-type]
        _lodpub_head: Any = None

        def _lodpub_arm(self) -> None:
            self._lodpub_disarm()
            self._lodpub_head = self.worker.loop.call_later(head_timeout_s, self._lodpub_late)

        def _lodpub_disarm(self) -> None:
            if self._lodpub_head is not None:
                self._lodpub_head.cancel()
                self._lodpub_head = None

        def _lodpub_late(self) -> None:
            self._lodpub_head = None
            self._keepalive_timeout()  # closes the connection and wakes its handler

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._lodpub_arm()

        def _arm_keepalive_timer(self) -> None:  # an answer is out: the next head starts
            super()._arm_keepalive_timer()
            self._lodpub_arm()

        def _on_headers_complete(self) -> Any:
            self._lodpub_disarm()
            return super()._on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._lodpub_disarm()
            super().connection_lost(exc)

    protocol.PythonProtocol = StrictLines
    gasgi.ASGIProtocol = HeadDeadline


def _child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# --- both ---------------------------------------------------------------------------------
def run(config: Config) -> None:
    """Serve with ``server.engine`` until stopped (SIGINT/SIGTERM), reloading on SIGHUP."""
    engine = str(config["server"]["engine"])
    if engine not in ENGINES:
        raise SystemExit(f"server.engine: {engine!r} is not one of {', '.join(ENGINES)}")
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    own_dir = None
    if not metrics_dir:
        own_dir = tempfile.mkdtemp(prefix="prometheus-lodpub-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir
    if "prometheus_client" in sys.modules and own_dir:
        log.warning("prometheus_client was imported before the metrics folder was set")
    master = os.getpid()
    preloaded = Preloaded(config)
    try:
        preloaded.load()  # before binding: a broken dist/ stops here, with its message
        if engine == "granian":
            loader = (lambda: preloaded.front_in_worker(RSGIFront)) if buffered(config) else (
                preloaded.in_worker)  # fmt: skip
            granian_server(config, preloaded).serve(target_loader=loader, wrap_loader=False)
        else:
            gunicorn_server(config, preloaded).run()
    finally:
        # Workers leave through here too (gunicorn's SystemExit in the forked child):
        # only the master removes the folder.
        if own_dir and os.getpid() == master:
            shutil.rmtree(own_dir, ignore_errors=True)
