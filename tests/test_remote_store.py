"""What only a remote store has: replicas, an engine that goes away, ``lodpub load``.

The conformance tests (protocol, clients, headers, resources, meta) run over every backend
through the ``backend`` fixture (``tests/conftest.py``); this module checks the deployment
properties of issue 5 on real engines started on 127.0.0.1.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.store.remote import RemoteStore
from publisher.web.app import create_app
from publisher.web.context import shared

REMOTES = ["oxigraph", "virtuoso"]
PATHS = [
    ("/sparql?query=" + quote("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"),
     "application/sparql-results+json"),
    ("/sparql?query=" + quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), "text/turtle"),
    ("/.well-known/void", "text/turtle"),
    ("/sparql", "text/turtle"),
    ("/id/testcity/masterplan", "text/turtle"),
    ("/", "text/html"),
]  # fmt: skip


@pytest.mark.parametrize("remote", REMOTES)
def test_two_replicas_answer_identically(
    engines, load_into, fixture_dist, fixture_config, remote
):
    engine = engines.get(remote, "replicas")
    load_into(engine, fixture_dist, fixture_config)
    first = create_app(fixture_config, RemoteStore.from_config(fixture_config, engine.query_url))
    second = create_app(fixture_config, RemoteStore.from_config(fixture_config, engine.query_url))
    for path, accept in PATHS:
        replies = [
            app.test_client().get(path, headers={"Accept": accept}, follow_redirects=True)
            for app in (first, second)
        ]
        assert replies[0].status_code == 200, (path, replies[0].data[:300])
        assert replies[0].data == replies[1].data, path
        assert replies[0].headers["ETag"] == replies[1].headers["ETag"], path
        assert replies[0].headers["Last-Modified"] == replies[1].headers["Last-Modified"]


@pytest.mark.parametrize("remote", REMOTES)
def test_engine_down_is_a_quick_503_and_recovery_needs_no_restart(
    engines, load_into, fixture_dist, fixture_config, remote
):
    engine = engines.get(remote, "downtime")
    load_into(engine, fixture_dist, fixture_config)
    store = RemoteStore.from_config(fixture_config, engine.query_url)
    store.refresh_s = 0.2
    client = create_app(fixture_config, store).test_client()
    ask = "/sparql?query=" + quote("ASK { ?s ?p ?o }")
    assert client.get(ask).status_code == 200
    engine.stop()
    try:
        started = time.monotonic()
        time.sleep(0.3)  # past refresh_s: the build is asked for again (pages cached by
        # build, such as VoID, may still be served from memory, which is fine)
        for path, accept in ((ask, "*/*"), ("/id/testcity/masterplan", "text/turtle")):
            reply = client.get(path, headers={"Accept": accept}, follow_redirects=True)
            assert reply.status_code == 503, (path, reply.data[:300])
            assert reply.headers["Retry-After"]
            assert b"cannot be reached" in reply.data
            assert b"Traceback" not in reply.data
        assert time.monotonic() - started < 5
        assert client.get("/health").status_code == 503
    finally:
        engine.restart()
    deadline = time.monotonic() + 30
    while client.get(ask).status_code != 200:
        assert time.monotonic() < deadline, "the publisher did not recover"
        time.sleep(0.2)
    assert client.get("/id/testcity/masterplan", headers={"Accept": "text/turtle"}).status_code in (
        200, 303
    )  # fmt: skip


def test_lodpub_load_reports_graphs_and_triples(engines, fixture_dist, fixture_facts):
    engine = engines.get("oxigraph", "cli")
    result = CliRunner().invoke(
        main, ["load", "--endpoint", engine.query_url, "--dist", str(fixture_dist)]
    )
    assert result.exit_code == 0, result.output
    for graph, count in fixture_facts.counts.items():
        assert f"{graph}: {count} triples" in result.output
    assert f"loaded build {fixture_facts.build_id}: 2 graph(s)" in result.output


def test_the_store_setting_makes_a_remote_store(engines, fixture_dist, fixture_config):
    from publisher.config import load_config

    engine = engines.get("oxigraph", "cli")
    CliRunner().invoke(main, ["load", "--endpoint", engine.query_url, "--dist", str(fixture_dist)])
    config = load_config(
        overrides={"dist_dir": str(fixture_dist), "store": engine.query_url},
        root=fixture_dist.parent,
    )
    app = create_app(config)
    assert isinstance(shared(app).store, RemoteStore)
    reply = app.test_client().get("/sparql?query=" + quote("ASK { ?s ?p ?o }"))
    assert reply.status_code == 200 and reply.json["boolean"] is True


def test_a_failed_load_leaves_the_old_graph(
    engines, load_into, fixture_dist, fixture_config, tmp_path
):
    from publisher.load import LoadError, load

    engine = engines.get("oxigraph", "failed-load")
    load_into(engine, fixture_dist, fixture_config)
    broken = tmp_path / "dist"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"build_id": "x", "built_at": "2025-01-01T00:00:00Z"}')
    (broken / "dataset.nq").write_text("<a> <b> .\n")
    with pytest.raises(LoadError):
        load(broken, engine.graph_store_url, fixture_config.base_iri)
    store = RemoteStore.from_config(fixture_config, engine.query_url)
    assert store.version == "test-build-0001"


def test_a_silent_endpoint_is_a_timeout_on_the_publisher_side(fixture_config):
    """An engine that accepts the connection and never answers: the HTTP timeout stops it."""
    import socket
    import threading

    from publisher.store.guarded import QueryTimeout

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    port = listener.getsockname()[1]
    store = RemoteStore(f"http://127.0.0.1:{port}/sparql", fixture_config.base_iri, timeout_s=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeout, match="stopped after"):
            store.query("SELECT * WHERE { ?s ?p ?o }", dataset=None)
    finally:
        listener.close()
        for connection in accepted:
            connection.close()
    assert time.monotonic() - started < 3
