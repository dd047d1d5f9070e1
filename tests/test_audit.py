"""``lodpub audit URL`` against real servers on 127.0.0.1: a lodpub publisher (the demo
cities, served as ``lodpub serve`` serves without workers) conforms; a plain static web
server does not, and neither does a fault-injecting server that copies a publisher's VoID
description and catalogue but corrupts a dump and has no SPARQL endpoint. Each failure is
reported with its reason, as text, JSON and EARL."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import _serve, free_port, wait_for
from harvesting import BASE, FaultServer, File, Status, routes

from publisher.cli import main
from publisher.config import load_config
from publisher.harvest import configured_sources, harvest
from publisher.harvest.audit import TESTS
from publisher.harvest.provenance import metric

REPO_ROOT = Path(__file__).resolve().parent.parent
EARL = "http://www.w3.org/ns/earl#"


@pytest.fixture(scope="module")
def publisher(demo_server: str) -> str:
    """The demo cities' publisher (conftest: a real build, served on a real HTTP server)."""
    return demo_server + "/"


def audit(*args: str):
    return CliRunner().invoke(main, ["audit", *args])  # in the repository: the project


def test_a_lodpub_publisher_conforms(publisher: str) -> None:
    result = audit(publisher)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{publisher}: conforms"
    assert "PASS catalogue: 1 page(s), 2 city dataset(s) (demo-city, second-city)" in result.output
    report = json.loads(audit("--format", "json", publisher).output)
    outcomes = {c["id"]: c["outcome"] for c in report["checks"]}
    assert report["conforms"] and report["base"] == "https://w3id.org/smartcity-masterplan/"
    assert outcomes == {name: "passed" for name in TESTS} | {"mqa": "inapplicable"}
    counts = next(c for c in report["checks"] if c["id"] == "void-counts")
    assert "as COUNT(*) says" in counts["message"]


def test_the_earl_report_has_an_assertion_per_check(publisher: str) -> None:
    result = audit("--format", "earl", publisher)
    assert result.exit_code == 0
    store = ox.Store()
    store.load(result.output.encode(), format=ox.RdfFormat.TURTLE)
    rows = store.query(f"""PREFIX earl: <{EARL}>
        SELECT ?test ?outcome WHERE {{ ?a a earl:Assertion ; earl:subject <{publisher}> ;
        earl:test ?test ; earl:mode earl:automatic ; earl:assertedBy ?who ;
        earl:result [ earl:outcome ?outcome ] . ?who a earl:Software }}""")
    found = {row["test"].value.rsplit("/", 1)[-1]: row["outcome"].value for row in rows}
    assert set(found) == set(TESTS)
    assert found["catalogue"] == EARL + "passed" and found["mqa"] == EARL + "inapplicable"


def test_a_plain_static_server_does_not_conform(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body>Comune</body></html>")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
         str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, process, "python -m http.server")
        result = audit(url)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert f"FAIL void: {url}.well-known/void: HTTP 404, no VoID description" in lines
    assert any(line.startswith("FAIL sparql-protocol: 3 problem(s): ASK by GET: HTTP 404")
               for line in lines)  # fmt: skip
    assert any(line.startswith(f"FAIL catalogue: {url}catalog: HTTP 404") for line in lines)
    assert "???? conformance: no data checked" in result.output
    assert lines[-1].startswith(f"{url}: does not conform (void, sparql-protocol,")


def copier(publisher: str):
    """``get(path, accept)``: the publisher's bytes at ``path``, for an imitation to serve."""

    def get(path: str, accept: str) -> bytes:
        request = urllib.request.Request(publisher + path, headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.read()

    return get


def test_a_server_that_imitates_a_publisher_fails_with_reasons(publisher: str) -> None:
    get = copier(publisher)
    dump = get("dumps/demo-city.nq", "application/n-quads")
    files = {
        "/.well-known/void": get(".well-known/void", "text/turtle"),
        "/catalog": get("catalog", "text/turtle"),
        "/dumps/demo-city.nq": dump.replace(b"fittizi", b"FITTIZI", 1),  # same size, other bytes
        "/dumps/second-city.nq": get("dumps/second-city.nq", "application/n-quads"),
    }
    server = FaultServer()
    try:
        ask = "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"})
        answers = routes(files) | {
            "/.well-known/void": File(files["/.well-known/void"]),
            ask: File(b"<html>not JSON</html>", "application/sparql-results+json"),
        }
        server.serve(answers)
        result = audit("--format", "json", server.url)
    finally:
        server.close()
    assert result.exit_code == 1
    report = json.loads(result.output)
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["void"]["outcome"] == "passed"  # a copy of a real description
    assert checks["sparql-protocol"]["message"].startswith("a malformed answer (JSONDecodeError")
    assert checks["void-counts"]["outcome"] == "cantTell"
    assert "HTTP 404 to a browser, not 303" in checks["dereference"]["message"]
    assert checks["catalogue"]["outcome"] == "failed"
    assert "demo-city.nq: wrong checksum" in checks["catalogue"]["message"]
    assert checks["conformance"]["outcome"] == "cantTell"
    assert not report["conforms"]


def test_nothing_listening_and_bad_urls() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    result = audit(url)
    assert result.exit_code == 1
    assert f"FAIL void: GET {url}.well-known/void: ConnectError" in result.output
    assert audit("ftp://example.org/").exit_code == 2
    assert "is not an absolute http(s) URL" in audit("ftp://example.org/").output


def test_the_mqa_score_a_catalogue_publishes_is_reported(publisher: str) -> None:
    """The catalogue's MQA module is not everywhere yet: a score published as piveau's DQV
    is read and banded; without one the check is inapplicable (the test above)."""
    get = copier(publisher)
    score = (
        "\n<https://w3id.org/smartcity-masterplan/catalog> "
        "<http://www.w3.org/ns/dqv#hasQualityMeasurement> [ "
        "<http://www.w3.org/ns/dqv#isMeasurementOf> <https://piveau.eu/ns/voc#score> ; "
        '<http://www.w3.org/ns/dqv#value> 380 ] .\n'
    )
    files = {
        "/catalog": get("catalog", "text/turtle") + score.encode(),
        **{f"/dumps/{city}.nq": get(f"dumps/{city}.nq", "application/n-quads")
           for city in ("demo-city", "second-city")},
    }  # fmt: skip
    server = FaultServer()
    try:
        server.serve(routes(files) | {"/.well-known/void": File(get(".well-known/void",
                                                                    "text/turtle"))})  # fmt: skip
        result = audit("--format", "json", server.url)
    finally:
        server.close()
    checks = {c["id"]: c for c in json.loads(result.output)["checks"]}
    assert checks["catalogue"]["outcome"] == "passed"
    assert checks["mqa"]["outcome"] == "passed"
    assert checks["mqa"]["message"] == "MQA score 380 of 405 (excellent)"


# --- a lodpub publisher that ran `lodpub mqa`: its /mqa, in the audit and the aggregate ---
@pytest.fixture(scope="module")
def assessed(demo_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the demo build, served, assessed by ``lodpub mqa`` as its CLI runs."""
    from test_mqa import copy_of, lodpub_mqa

    dist = copy_of(demo_dist, tmp_path_factory.mktemp("assessed"))
    for url in _serve(dist):
        run = lodpub_mqa(url, dist)
        assert run.returncode == 0, run.stdout + run.stderr
        yield url + "/"


def test_the_mqa_a_lodpub_publisher_links_is_read(assessed: str) -> None:
    result = audit("--format", "json", assessed)
    checks = {c["id"]: c for c in json.loads(result.output)["checks"]}
    assert result.exit_code == 0, result.output
    assert checks["mqa"]["outcome"] == "passed"
    assert checks["mqa"]["message"] == f"MQA score 405 of 405 (excellent), from {BASE}mqa"


def test_the_aggregator_publishes_the_mqa_score_of_each_source(assessed, tmp_path) -> None:
    config = load_config(overrides={
        "base_iri": "https://osservatorio.example/lod/",
        "harvest.sources": [{"name": "demo", "catalog": BASE + "catalog",
                             "url_map": {BASE: assessed}}]}, root=REPO_ROOT)  # fmt: skip
    report = harvest(config, tmp_path / "dist", configured_sources(config))
    assert report.exit_code == 0, report.summary()
    assert report.results[0].state.mqa.score == "405"
    score = metric("mqa-score").value
    store = ox.Store()
    store.load(path=str(tmp_path / "dist" / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    rows = list(store.query(f"""PREFIX dqv: <http://www.w3.org/ns/dqv#>
        SELECT ?value ?from WHERE {{ GRAPH <https://osservatorio.example/lod/graph/harvest> {{
          <{BASE}catalog> dqv:hasQualityMeasurement ?m .
          ?m dqv:computedOn <{BASE}catalog> ; dqv:value ?value ;
             dqv:isMeasurementOf <{score}> ;
             <http://www.w3.org/ns/prov#wasDerivedFrom> ?from }} }}"""))
    assert [(r["value"].value, r["from"].value) for r in rows] == [("405", BASE + "mqa")]
    # A second harvest asks /mqa conditionally: its 304 keeps the score.
    again = harvest(config, tmp_path / "dist", configured_sources(config))
    assert again.results[0].state.mqa.score == "405" and again.published is None


def test_an_mqa_document_that_cannot_be_read_fails_the_check_not_the_harvest(
    assessed: str,
) -> None:
    get = copier(assessed)
    files = {
        "/catalog": get("catalog", "text/turtle"),
        **{f"/dumps/{city}.nq": get(f"dumps/{city}.nq", "application/n-quads")
           for city in ("demo-city", "second-city")},
    }  # fmt: skip
    assert b"hasQualityMetadata" in files["/catalog"]  # the link, to a URL that fails
    server = FaultServer()
    try:
        server.serve(routes(files) | {"/.well-known/void": File(get(".well-known/void",
                                                                    "text/turtle")),
                                      "/mqa": Status(500)})  # fmt: skip
        result = audit("--format", "json", server.url)
    finally:
        server.close()
    checks = {c["id"]: c for c in json.loads(result.output)["checks"]}
    assert checks["catalogue"]["outcome"] == "passed"  # the harvest went on
    assert checks["mqa"]["outcome"] == "failed"
    failure = f"its MQA document: {server.url}mqa: HTTP 500 Internal Server Error"
    assert checks["mqa"]["message"] == failure
