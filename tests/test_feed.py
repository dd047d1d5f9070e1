"""The change feed (/feed, an LDES in SEMIC's DCAT-AP Feeds profile) read by the reference
client, the npm ``ldes-client`` (tests/node, pinned): it replicates the feed, and after a
rebuild with one changed city its second run (``--save`` state) emits only that change.

The server is ``lodpub serve`` started as in production, on a port chosen first, with the
base IRI set to that address (the feed's pages link to each other by their IRIs). The data
are a copy of the fictional demo cities (examples/).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, free_port, wait_for
from rdflib import Dataset, Graph, URIRef

LODPUB = str(Path(sys.executable).parent / "lodpub")
CLIENT = REPO_ROOT / "tests" / "node" / "node_modules" / ".bin" / "ldes-client"
AS = "https://www.w3.org/ns/activitystreams#"


@dataclass
class Site:
    folder: Path
    url: str
    server: subprocess.Popen | None = None

    def build(self) -> None:
        """Build, and serve the new build: a server serves the build it loaded until it is
        restarted (or reloaded, docs/operations.md)."""
        subprocess.run([LODPUB, "build", "--quiet"], cwd=self.folder, check=True, timeout=300)
        self.stop()
        port = self.url.rsplit(":", 1)[1]
        self.server = subprocess.Popen([LODPUB, "serve", "--port", port], cwd=self.folder,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)  # fmt: skip
        wait_for(f"{self.url}/feed", self.server, "lodpub serve")

    def stop(self) -> None:
        if self.server is not None:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)
            self.server = None

    def history(self) -> dict:
        return json.loads((self.folder / "dist" / "history.json").read_text("utf-8"))

    def replicate(self, state: Path) -> list[tuple[str, str]]:
        """One ldes-client run with saved state: the (activity type, dataset) it emits."""
        run = subprocess.run([str(CLIENT), f"{self.url}/feed", "--save", str(state)],
                             capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        # The client prints members as N-Quads-like lines (booleans bare): read the two
        # lines per member that say what happened to which dataset.
        kinds, objects = {}, {}
        for line in run.stdout.splitlines():
            parts = line.split(" ")
            if len(parts) >= 3 and parts[1] == f"<{RDF_TYPE}>" and parts[2].startswith(f"<{AS}"):
                kinds[parts[0]] = parts[2][len(AS) + 1 : -1]
            elif len(parts) >= 3 and parts[1] == f"<{AS}object>":
                objects[parts[0]] = parts[2].strip("<>")
        found = [(kind, objects[member]) for member, kind in kinds.items()]
        return sorted(found)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    if not CLIENT.exists():
        pytest.fail("tests/node: run `npm ci` (ldes-client is pinned in package.json)")
    port = free_port()
    folder = tmp_path / "site"
    for city in ("demo-city", "second-city"):
        shutil.copytree(REPO_ROOT / "examples" / city, folder / "data" / city)
    folders = {"shapes_dir": "shapes", "ontology_dir": "ontology", "queries_dir": "queries"}
    settings = "".join(f"{key}: {REPO_ROOT / name}\n" for key, name in folders.items())
    (folder / "lodpub.yaml").write_text(f"base_iri: http://127.0.0.1:{port}/\n{settings}", "utf-8")
    result = Site(folder, f"http://127.0.0.1:{port}")
    try:
        result.build()
        yield result
    finally:
        result.stop()


def change_a_title(site: Site, city: str) -> None:
    path = site.folder / "data" / city / "masterplan.yaml"
    text = path.read_text("utf-8")
    assert "(fittizio)" in text
    path.write_text(text.replace("(fittizio)", "(fittizio, rivisto)", 1), "utf-8")


def test_ldes_client_replicates_then_gets_only_the_change(site, tmp_path):
    state = tmp_path / "client-state"
    base = site.url + "/dataset/"
    assert site.replicate(state) == [
        ("Create", base + "demo-city"),
        ("Create", base + "second-city"),
    ]
    site.build()  # the same data again: nothing to tell
    assert len(site.history()["members"]) == 2
    change_a_title(site, "second-city")
    site.build()
    assert site.replicate(state) == [("Update", base + "second-city")]


def test_a_member_carries_the_new_description_in_its_graph(site):
    change_a_title(site, "demo-city")
    site.build()
    pages = Dataset().parse(site.folder / "dist" / "feed" / "1.trig", format="trig")
    updates = [m for m, k in pages.subject_objects(URIRef(RDF_TYPE)) if str(k) == AS + "Update"]
    assert len(updates) == 1
    graph = Graph(store=pages.store, identifier=updates[0])
    dataset = URIRef(site.url + "/dataset/demo-city")
    titles = {str(t) for t in graph.objects(dataset, URIRef("http://purl.org/dc/terms/title"))}
    assert any("rivisto" in t for t in titles)


def test_a_removed_city_is_a_delete_and_unchanged_cities_keep_their_dates(site):
    before = site.history()
    shutil.rmtree(site.folder / "data" / "second-city")
    site.build()
    after = site.history()
    last = after["members"][-1]
    assert (last["kind"], last["dataset"]) == ("Delete", site.url + "/dataset/second-city")
    demo = site.url + "/dataset/demo-city"
    assert after["modified"][demo] == before["modified"][demo]


def test_the_feed_is_paged_and_retained(site):
    config = site.folder / "lodpub.yaml"
    config.write_text(config.read_text("utf-8") + "feed:\n  page_size: 1\n  versions_kept: 2\n",
                      "utf-8")  # fmt: skip
    for _round in range(3):
        change_a_title(site, "demo-city")
        site.build()
    members = site.history()["members"]
    demo = [m for m in members if m["dataset"].endswith("/demo-city")]
    assert [m["kind"] for m in demo] == ["Update", "Update"]  # the Create is past retention
    pages = sorted((site.folder / "dist" / "feed").glob("[0-9]*.trig"))
    assert len(pages) == len(members) == 3
    first = Dataset().parse(pages[0], format="trig")
    assert (None, URIRef("https://w3id.org/tree#relation"), None) in first


def test_the_feed_is_linked_from_the_catalogue_and_void_and_served_as_trig(site):
    import urllib.request

    def get(path: str, accept: str = "text/turtle") -> tuple[str, bytes]:
        request = urllib.request.Request(site.url + path, headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.headers["Content-Type"], reply.read()

    feed = URIRef(site.url + "/feed")
    catalogue = Graph().parse(data=get("/catalog")[1], format="turtle")
    assert (URIRef(site.url + "/catalog"), URIRef("http://www.w3.org/ns/dcat#service"),
            feed) in catalogue  # fmt: skip
    void = Graph().parse(data=get("/.well-known/void")[1], format="turtle")
    assert (None, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), feed) in void
    for path in ("/feed", "/feed/1"):
        media, body = get(path, "*/*")
        assert media == "application/trig"
        assert len(Dataset().parse(data=body, format="trig")) > 0
