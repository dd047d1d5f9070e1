"""Operations: /health, /metrics, the production servers, reload, atomic dist/.

The production tests start ``lodpub serve --workers 2`` as a real subprocess over a small
dist, once per engine (granian, gunicorn), then check: both workers answer and /metrics
adds them up, a runaway query is stopped while /health answers, header limits give 4xx,
SIGHUP loads a new build fully (and a broken one not at all), and SIGTERM leaves no process
behind.
"""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from support import LABEL, THING, production_server, request, write_dist

from publisher import distdir
from publisher import serve as serve_module
from publisher.config import load_config
from publisher.serve import ENGINES
from publisher.store.embedded import EmbeddedStore
from publisher.store.guarded import GuardedStore, Limits
from publisher.web.app import create_app
from publisher.web.context import shared

LIGHT = f"SELECT ?l WHERE {{ <{THING}7> <{LABEL}> ?l }}"
# minutes of work on 200 triples (see tests/test_limits.py for the measurement)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
N_PROD = 200


# --- /health and /metrics in one process --------------------------------------------------
@pytest.fixture(scope="module")
def ops_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dist(tmp_path_factory.mktemp("ops") / "dist", triples=50, build_id="ops-0001")


@pytest.fixture(scope="module")
def ops_app(ops_dist: Path):
    config = load_config(
        overrides={
            "dist_dir": str(ops_dist),
            "limits.query_timeout_s": 1,
            "limits.max_result_rows": 10,
        },
        root=ops_dist.parent,
    )
    app = create_app(config)
    app.testing = True
    yield app
    shared(app).store.close()


def test_health_says_ok_with_build_and_size(ops_app) -> None:
    reply = ops_app.test_client().get("/health")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Cache-Control"] == "no-store"
    assert "ETag" not in reply.headers
    body = reply.get_json()
    assert body["status"] == "ok"
    assert body["build"] == "ops-0001"
    assert body["triples"] == 100


class SlowStore(EmbeddedStore):
    """A store that never answers (its queries sleep in the executor)."""

    def query(self, sparql, dataset=None):
        time.sleep(60)
        return super().query(sparql, dataset)


def test_health_is_503_when_the_store_does_not_answer(ops_dist: Path) -> None:
    config = load_config(overrides={"dist_dir": str(ops_dist)}, root=ops_dist.parent)
    store = GuardedStore(SlowStore(ops_dist), Limits(health_timeout_s=0.5))
    app = create_app(config, store=store)
    try:
        started = time.monotonic()
        reply = app.test_client().get("/health")
        assert time.monotonic() - started < 3
        assert reply.status_code == 503
        assert reply.headers["Retry-After"]
        body = reply.get_json()
        assert body["status"] == "unavailable" and "did not answer" in body["detail"]
    finally:
        store.close()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
    return total


def test_metrics_count_requests_timeouts_truncations_and_rejections(ops_app) -> None:
    client = ops_app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/health")
    client.get("/doc/id/test/s1.ttl")
    client.get("/sparql", query_string={"query": RUNAWAY})  # timeout
    client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})  # cut
    client.get("/sparql", query_string={"query": "CLEAR ALL"})  # 403
    client.get("/sparql", query_string={"query": "SELECT nonsense"})  # 400
    reply = client.get("/metrics")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain; version=")
    assert reply.headers["Cache-Control"] == "no-store"
    after = reply.get_data(as_text=True)

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert delta("lodpub_http_requests_total", route="/health", method="GET", status="200") == 1
    assert delta("lodpub_http_requests_total", route="/doc/<path:rest>", status="200") == 1
    assert delta("lodpub_http_requests_total", route="/sparql", status="500") == 1
    assert delta("lodpub_http_request_duration_seconds_count", route="/sparql") == 4
    assert delta("lodpub_query_timeouts_total") == 1
    assert delta("lodpub_query_duration_seconds_count", outcome="timeout") == 1
    assert delta("lodpub_query_truncations_total") == 1
    assert delta("lodpub_queries_rejected_total", reason="forbidden") == 1
    assert delta("lodpub_queries_rejected_total", reason="invalid") == 1
    assert 'lodpub_build_info{build_id="ops-0001"' in after
    assert metric(after, "lodpub_store_triples") == 100
    # this process's executors only; the server's slots are lodpub_query_slots
    gauges = set(re.findall(r"^lodpub_query_executors_(\w+) ", after, re.MULTILINE))
    assert gauges - {"started_total", "started_created"} == {"busy", "idle", "limit"}
    assert metric(after, "lodpub_query_slots", state="in_use") == 0
    assert metric(after, "lodpub_ready") == 1
    client.get("/nowhere/at/all")
    assert "/nowhere" not in client.get("/metrics").get_data(as_text=True)  # no raw paths


# --- atomic dist/ -------------------------------------------------------------------------
def staged(parent: Path, build_id: str, triples: int = 5) -> Path:
    folder = write_dist(parent / f".dist-new-{build_id}", triples=triples, build_id=build_id)
    (folder / "echo.txt").write_text(build_id, encoding="utf-8")
    return folder


def test_dist_is_a_symlink_flipped_in_one_step(tmp_path: Path) -> None:
    """A pinned reader reads one complete build however many publishes happen meanwhile,
    and no pinned build is removed under it (publisher/distdir.py states the guarantee)."""
    dist = tmp_path / "dist"
    distdir.publish(staged(tmp_path, "b0000"), dist)
    assert dist.is_symlink() and os.readlink(dist) == ".dist.builds/b0000"
    failures: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                with distdir.reading(dist) as build:
                    manifest = json.loads((build / "manifest.json").read_text())
                    time.sleep(0.001)  # let publishes happen while it holds the build
                    echo = (build / "echo.txt").read_text()
            except (OSError, ValueError) as exc:
                failures.append(repr(exc))
                continue
            seen.add(echo)
            if manifest.get("build_id") != echo:
                failures.append(f"two builds in one reading: {manifest} and {echo}")

    reader = threading.Thread(target=read)
    reader.start()
    for number in range(1, 60):
        distdir.publish(staged(tmp_path, f"b{number:04d}"), dist)
    stop.set()
    reader.join()
    assert not failures, failures[:5]
    assert len(seen) > 1
    distdir.prune(dist)  # the reader's last build may have been pinned at the last publish
    builds = sorted(p.name for p in (tmp_path / ".dist.builds").iterdir())
    assert builds == ["b0058", "b0059"]  # the current one and the previous one
    assert not list(tmp_path.glob(".dist-*"))


def test_a_pinned_build_outlives_later_publishes(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    distdir.publish(staged(tmp_path, "b0001"), dist)
    held = distdir.pin(dist)
    for number in (2, 3, 4):
        distdir.publish(staged(tmp_path, f"b{number:04d}"), dist)
    assert held.folder.name == "b0001"
    assert (held.folder / "echo.txt").read_text() == "b0001"
    builds = sorted(p.name for p in (tmp_path / ".dist.builds").iterdir())
    assert builds == ["b0001", "b0003", "b0004"]  # b0002 was neither pinned nor previous
    held.close()
    distdir.prune(dist)
    assert sorted(p.name for p in (tmp_path / ".dist.builds").iterdir()) == ["b0003", "b0004"]


def test_a_stage_is_published_whole_or_removed(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    with pytest.raises(RuntimeError, match="half-way"), distdir.staging(dist) as stage:
        write_dist(stage.folder, triples=3, build_id="never")
        raise RuntimeError("crash half-way")
    assert not dist.exists() and not list(tmp_path.iterdir())
    with distdir.staging(dist) as stage:
        write_dist(stage.folder, triples=3, build_id="b0001")
        assert stage.publish() == (tmp_path / ".dist.builds" / "b0001").resolve()
    assert os.readlink(dist) == ".dist.builds/b0001"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.builds", "dist"]


def test_a_real_dist_folder_is_replaced_atomically_too(tmp_path: Path) -> None:
    dist = write_dist(tmp_path / "dist", triples=3, build_id="legacy")
    distdir.publish(staged(tmp_path, "b0001"), dist)
    assert dist.is_symlink()
    assert json.loads((dist / "manifest.json").read_text())["build_id"] == "b0001"
    (previous,) = (tmp_path / ".dist.builds").glob("previous-*")
    assert json.loads((previous / "manifest.json").read_text())["build_id"] == "legacy"


def test_a_path_resolved_through_the_link_still_replaces_the_link(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    distdir.publish(staged(tmp_path, "b0001"), dist)
    distdir.publish(staged(tmp_path, "b0002"), dist.resolve())  # as build() passes it
    assert dist.is_symlink() and os.readlink(dist) == ".dist.builds/b0002"
    assert sorted(p.name for p in (tmp_path / ".dist.builds").iterdir()) == ["b0001", "b0002"]


def test_a_failed_flip_leaves_the_previous_dist(tmp_path: Path, monkeypatch) -> None:
    dist = tmp_path / "dist"
    distdir.publish(staged(tmp_path, "b0001"), dist)

    def refuse(*_args, **_kwargs):
        raise OSError("no space left")

    monkeypatch.setattr(distdir.os, "replace", refuse)
    with pytest.raises(OSError, match="no space"):
        distdir.publish(staged(tmp_path, "b0002"), dist)
    assert os.readlink(dist) == ".dist.builds/b0001"
    assert sorted(p.name for p in (tmp_path / ".dist.builds").iterdir()) == ["b0001"]
    assert not list(tmp_path.glob(".dist-*"))


# --- the production server ----------------------------------------------------------------
def descendants(root: int) -> set[int]:
    """Processes below ``root`` (zygotes are children of workers, executors of zygotes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def production(engine: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``lodpub serve --workers 2`` on each production engine (granian, gunicorn)."""
    folder = tmp_path_factory.mktemp(f"production-{engine}")
    dist = folder / "dist"
    distdir.publish(staged(folder, "b0001", triples=N_PROD), dist)
    settings = (
        f"dist_dir: {dist}\nserver:\n  threads: 6\n"
        # every test client is 127.0.0.1: no per-client limit here (tests/test_fairness.py)
        "limits:\n  query_timeout_s: 2\n  max_queries_per_client: 0\n"
    )
    with production_server(folder, settings, engine) as info:
        yield {**info, "dist": dist}


def build_id(port: int) -> str:
    status, _headers, body = request(port, "/health")
    assert status == 200, body
    return json.loads(body)["build"]


def test_a_reload_frees_the_app_it_replaces(tmp_path: Path) -> None:
    """The master freezes the collector after each load; the replaced app (reference
    cycles holding a whole store) must still be freed, or every reload keeps a store."""
    dist = write_dist(tmp_path / "dist", 5, "gc-0001")
    preloaded = serve_module.Preloaded(load_config(overrides={"dist_dir": str(dist)},
                                                   root=tmp_path))  # fmt: skip
    try:
        first = weakref.ref(preloaded.load())
        assert first() is not None
        second = preloaded.load()
        assert first() is None
        assert preloaded.app is second
    finally:
        gc.unfreeze()


def test_an_unknown_engine_is_refused_before_anything_loads(tmp_path: Path) -> None:
    config = load_config(
        overrides={"server.engine": "waitress", "dist_dir": str(tmp_path / "none")}, root=tmp_path
    )
    with pytest.raises(SystemExit, match="'waitress' is not one of granian, gunicorn"):
        serve_module.run(config)
    refused = subprocess.run(
        [sys.executable, "-m", "publisher", "serve", "--workers", "1", "--engine", "waitress"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "'waitress' is not one of 'granian', 'gunicorn'" in refused.stderr


def test_production_workers_share_the_work_and_the_metrics(production: dict) -> None:
    port = production["port"]
    deadline = time.monotonic() + 10
    while len(descendants(production["process"].pid)) < 2 + 2 + 2:
        # 2 workers, their zygotes, a warm executor each (at least)
        assert time.monotonic() < deadline, descendants(production["process"].pid)
        time.sleep(0.1)

    def hammer(count: int) -> None:
        for _ in range(count):
            assert request(port, "/sparql?" + urlencode({"query": LIGHT}),
                           {"Accept": "application/sparql-results+json"})[0] == 200  # fmt: skip

    threads = [threading.Thread(target=hammer, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    files = list(production["metrics"].glob("counter_*.db"))
    assert len(files) >= 2, files  # one file per worker
    text = request(port, "/metrics")[2].decode()
    assert metric(text, "lodpub_http_requests_total", route="/sparql", status="200") >= 100
    # each worker started its own executors: whichever answered, the sum has both
    assert metric(text, "lodpub_query_executors_started_total") >= 2


def test_production_stops_runaways_and_keeps_answering(production: dict) -> None:
    port = production["port"]
    results: list = []
    runaway = threading.Thread(target=lambda: results.append(
        request(port, "/sparql?" + urlencode({"query": RUNAWAY}), {"Accept": "text/csv"})))
    started = time.monotonic()
    runaway.start()
    time.sleep(0.3)
    for _ in range(5):
        assert request(port, "/health")[0] == 200
        assert request(port, "/doc/id/test/s3.ttl")[0] == 200
    runaway.join(timeout=10)
    assert results[0][0] == 500 and b"stopped after" in results[0][2]
    assert time.monotonic() - started < 2 + 2


def test_production_header_limits_are_4xx(production: dict) -> None:
    port = production["port"]
    many = {f"X-Header-{i}": "x" for i in range(100)}
    assert 400 <= request(port, "/health", many)[0] < 500
    assert 400 <= request(port, "/health", {"X-Big": "x" * 10000})[0] < 500
    status, _headers, _body = request(port, "/sparql?query=" + "x" * 9000)
    assert 400 <= status < 500
    assert request(port, "/health")[0] == 200


def test_production_reload_swaps_in_a_complete_build_or_nothing(production: dict) -> None:
    port, process, folder = production["port"], production["process"], production["folder"]
    assert build_id(port) == "b0001"
    distdir.publish(staged(folder, "b0002", triples=N_PROD), production["dist"])
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while build_id(port) != "b0002":
        assert time.monotonic() < deadline, production["log"].read_text()[-3000:]
        time.sleep(0.2)
    # a broken build: the master fails to load it and keeps serving b0002
    broken = staged(folder, "b0003")
    (broken / "dataset.nq").write_text("this is not N-Quads\n", encoding="utf-8")
    distdir.publish(broken, production["dist"])
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while "reload failed" not in production["log"].read_text():
        assert time.monotonic() < deadline, production["log"].read_text()[-3000:]
        time.sleep(0.2)
    for _ in range(10):
        assert build_id(port) == "b0002"


def test_production_stops_cleanly(production: dict) -> None:
    process = production["process"]
    below = descendants(process.pid)
    assert below
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in below):
        assert time.monotonic() < deadline, [pid for pid in below if alive(pid)]
        time.sleep(0.1)
