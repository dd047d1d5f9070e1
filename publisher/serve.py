"""Production serving: ``lodpub serve --workers N`` runs gunicorn in this process.

The choices (measured and explained in ``docs/operations.md``):

- **gthread workers**: N processes × ``server.threads`` threads. A request waiting for a slow
  query holds a thread, not a whole process, so page requests and light queries keep being
  answered while runaway queries wait for their time limit;
- **preload**: the master loads ``dist/`` once, then forks the workers, so the store's
  memory is shared copy-on-write (``gc.freeze()`` before each fork keeps the garbage
  collector from touching, hence copying, the shared objects). Each worker starts its own
  query zygote in ``post_fork`` — before it has any thread (``publisher.store.guarded``);
- **reload on SIGHUP**: the master loads the *new* ``dist/`` completely (``dist`` is a
  symlink flipped atomically by ``lodpub build``); only if that succeeds do new workers
  start with it, and the old ones finish their requests and exit (gunicorn's graceful
  reload). A load that fails is logged and the master keeps serving the old data;
- **request limits**: request line ``limits.max_url_bytes`` (gunicorn's maximum is 8190),
  header count and size from ``server.max_header_fields`` / ``server.max_header_bytes``;
- **metrics across workers**: ``PROMETHEUS_MULTIPROC_DIR`` points at a fresh temporary
  folder (``prometheus_client`` multiprocess mode; removed at exit), so ``/metrics`` sums
  every worker, whichever answers.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication

from publisher.config import Config

log = logging.getLogger("lodpub.serve")
GUNICORN_MAX_REQUEST_LINE = 8190


def gunicorn_options(config: Config) -> dict[str, Any]:
    """gunicorn settings for this configuration (also a reference for hand-made setups)."""
    server, limits = config["server"], config["limits"]
    host = str(server["host"])
    bind = f"[{host}]:{server['port']}" if ":" in host else f"{host}:{server['port']}"
    return {
        "bind": [bind],
        "workers": max(1, int(server["workers"])),
        "worker_class": "gthread",
        "threads": max(1, int(server["threads"])),
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
        "pre_fork": _pre_fork,
        "post_fork": _post_fork,
        "child_exit": _child_exit,
    }


class LodpubApplication(BaseApplication):
    """gunicorn's application: our settings, our app, and a reload that never half-loads."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.options = gunicorn_options(config)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 24: one per user
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        from publisher.web.app import create_app

        return create_app(self.config)

    def reload(self) -> None:
        """SIGHUP: load the new dist/ fully in the master; keep the old app on failure."""
        super().reload()
        try:
            fresh = self.load()
        except Exception:
            log.exception("reload failed: still serving build %s", _build_of(self.callable))
            return
        log.info("reloaded: build %s replaces %s", _build_of(fresh), _build_of(self.callable))
        self.callable = fresh


def _build_of(app: Any) -> str:
    try:
        return str(app.extensions["lodpub"].store.version)
    except (AttributeError, KeyError):
        return "(none)"


def _pre_fork(server: Any, worker: Any) -> None:
    gc.freeze()  # objects loaded so far stay out of the collector's reach: pages stay shared


def _post_fork(server: Any, worker: Any) -> None:
    """In the new worker, before its threads exist: start its query executors."""
    store = server.app.wsgi().extensions["lodpub"].store
    start = getattr(store, "start", None)
    if start is not None:
        start()


def _child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def run(config: Config) -> None:
    """Serve with gunicorn until stopped (SIGINT/SIGTERM), reloading on SIGHUP."""
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
    try:
        LodpubApplication(config).run()
    finally:
        # Workers leave through here too (gunicorn's SystemExit in the forked child):
        # only the master removes the folder.
        if own_dir and os.getpid() == master:
            shutil.rmtree(own_dir, ignore_errors=True)
