"""Helpers shared by test modules (importable as ``support``: pytest puts tests/ on the path).

Fixtures live in ``conftest.py``; plain functions that tests call with their own arguments
live here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path

import yaml
from werkzeug.serving import make_server

BASE = "https://w3id.org/smartcity-masterplan/"
THING = BASE + "id/test/s"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def write_dist(folder: Path, triples: int, build_id: str) -> Path:
    """A dist/ folder: ``triples`` things ``THING<i>`` with a link and a label each, and a
    manifest (build ``build_id``, city ``test``)."""
    folder.mkdir(parents=True, exist_ok=True)
    graph = f"<{BASE}graph/test>"
    lines = []
    for i in range(triples):
        lines.append(f"<{THING}{i}> <{BASE}p{i % 5}> <{THING}{(i * 7 + 1) % triples}> {graph} .")
        lines.append(f'<{THING}{i}> <{LABEL}> "cosa {i}"@it {graph} .')
    (folder / "dataset.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = {"build_id": build_id, "built_at": "2025-01-15T10:00:00Z", "base_iri": BASE,
                "cities": ["test"]}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@contextmanager
def running(app, port: int = 0) -> Iterator[str]:
    """``app`` on a real threaded HTTP server on 127.0.0.1 (``port``, else any free one);
    yields ``host:port``."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (relative path) with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request to 127.0.0.1:``port`` on its own connection: status, headers, body."""
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


@contextmanager
def production_server(folder: Path, settings: str, engine: str, workers: int = 2) -> Iterator[dict]:
    """``lodpub serve --workers N --engine E`` as an operator starts it, with ``settings``
    (YAML, ``server.port`` added) written to ``folder/lodpub.yaml``; stopped afterwards."""
    port = free_port()
    metrics_dir = folder / "metrics"
    metrics_dir.mkdir()
    values = yaml.safe_load(settings) or {}
    values.setdefault("server", {})["port"] = port
    config = folder / "lodpub.yaml"
    config.write_text(yaml.safe_dump(values), encoding="utf-8")
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "serve", "--config", str(config),
         "--workers", str(workers), "--engine", engine],
        cwd=folder,  # no data/ here: dist/ is never "stale", nothing is rebuilt
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(port, "/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, (folder / "serve.log").read_text()
            assert time.monotonic() < deadline, f"{engine} did not start"
            time.sleep(0.2)
        yield {"port": port, "process": process, "folder": folder, "metrics": metrics_dir,
               "log": folder / "serve.log"}  # fmt: skip
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen) -> None:
    """Stop a server started in its own session as an operator would (SIGTERM), then kill
    what is left of its process group (a master killed first would orphan its workers)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class Listener:
    """A local port that accepts and closes at once, counting connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1  # before the close: the engine's query returns after it
            connection.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.sock.close()
