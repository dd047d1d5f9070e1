"""``lodpub mqa``: data.europa.eu's 23 MQA indicators on La Spezia and the demo cities, run
as the CLI runs against a real server (HEAD on every access and download URL, the official
DCAT-AP shapes on every dataset's document), published as W3C DQV at /mqa and linked from
the catalogue. A damaged build and an unreachable server are the error paths.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, _client, _serve, free_port
from rdflib import Graph, Literal, Namespace, URIRef, namespace

DQV = Namespace("http://www.w3.org/ns/dqv#")
PV = Namespace("https://piveau.eu/ns/voc#")
RDF = Namespace(str(namespace.RDF))
BASE = "https://w3id.org/smartcity-masterplan/"
LODPUB = str(Path(sys.executable).parent / "lodpub")


def copy_of(dist: Path, tmp_path: Path) -> Path:
    """A private copy of a session build (lodpub mqa writes into the build it assessed)."""
    target = tmp_path / "site" / "dist"
    shutil.copytree(dist.resolve(), target)
    return target


def lodpub_mqa(url: str, dist: Path) -> subprocess.CompletedProcess:
    config = dist.parent / "lodpub.yaml"
    config.write_text(f"dist_dir: {dist}\nshapes_dir: {REPO_ROOT / 'shapes'}\n", "utf-8")
    return subprocess.run([LODPUB, "mqa", "--config", str(config), "--server", url],
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip


def assessed(dist: Path) -> tuple[subprocess.CompletedProcess, Callable]:
    for url in _serve(dist):
        return lodpub_mqa(url, dist), _client(url)
    raise AssertionError("not served")


@pytest.mark.parametrize("which", ["la_dist", "demo_dist"])
def test_every_dataset_scores_405(which, request, tmp_path):
    dist = copy_of(request.getfixturevalue(which), tmp_path)
    for url in _serve(dist):
        run = lodpub_mqa(url, dist)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "| **score** | **405** |" in run.stdout
        assert run.stdout.count("Excellent") >= 2
        send = _client(url)
        reply = send("GET", "/mqa", headers={"Accept": "text/turtle"})
        assert reply.status == 200
        graph = Graph().parse(data=reply.body, format="turtle")
        datasets = set(Graph().parse(dist / "catalog.ttl").subjects(
            RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))  # fmt: skip
        for dataset in datasets:
            metrics = {graph.value(m, DQV.isMeasurementOf)
                       for m in graph.objects(dataset, DQV.hasQualityMeasurement)}  # fmt: skip
            assert len(metrics) == 23 + 1  # the indicators and the score
            scores = [m for m in graph.objects(dataset, DQV.hasQualityMeasurement)
                      if graph.value(m, DQV.isMeasurementOf) == PV.score]  # fmt: skip
            assert [graph.value(m, DQV.value) for m in scores] == [Literal(405)]
        for measurement in graph.subjects(RDF.type, DQV.QualityMeasurement):
            assert graph.value(measurement, DQV.computedOn) is not None
        catalogue = Graph().parse(data=send("GET", "/catalog", headers={"Accept": "text/turtle"})
                                  .body, format="turtle")  # fmt: skip
        assert (URIRef(BASE + "catalog"), DQV.hasQualityMetadata, URIRef(BASE + "mqa")) in catalogue
        page = send("GET", "/catalog", headers={"Accept": "text/html"}).text
        assert 'id="mqa"' in page and page.count("405/405") == len(datasets) + 1


def test_a_dump_that_does_not_answer_costs_the_access_points(demo_dist, tmp_path):
    dist = copy_of(demo_dist, tmp_path)
    dump = dist / "dumps" / "demo-city.ttl"
    for url in _serve(dist):
        # removed once the build is loaded (one missing before is refused whole): listed,
        # but the server answers 404
        dump.unlink(missing_ok=True)
        run = lodpub_mqa(url, dist)
        assert run.returncode == 3, run.stdout + run.stderr
        row = next(line for line in run.stdout.splitlines() if "accessUrlStatusCode" in line)
        # columns: all, demo-city, second-city: demo-city lost one distribution of five
        assert row.split("|")[3:6] == [" 50 ", " 40 ", " 50 "]


def test_an_unreachable_server_is_exit_1(demo_dist, tmp_path):
    dist = copy_of(demo_dist, tmp_path)
    run = lodpub_mqa(f"http://127.0.0.1:{free_port()}", dist)
    assert run.returncode == 1 and "cannot assess" in run.stderr
    assert not (dist / "mqa.ttl").exists()


def test_without_an_assessment_mqa_is_404(demo_http):
    assert demo_http("GET", "/mqa", headers={"Accept": "text/turtle"}).status == 404
