"""The recipes of docs/architecture.md, followed once each: a new result format and a new
page kind, each added through its one registry, show up everywhere they should.

"Add a result format" is one row in ``publisher.mediatypes`` (here: N3, which pyoxigraph
writes); the test then asks every document the server offers for it. "Add a page kind" is
one row in ``publisher.web.lod.kinds.KINDS``, one template and its words in
``publisher.web.texts`` (here: a kind for the catalogue's ``dcat:Dataset``, which today get
the generic page). The third recipe, a YAML field, is held by the reader's tests
(tests/test_source.py, tests/test_examples.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader
from rdflib import Graph

from publisher import mediatypes as mt
from publisher.config import load_config
from publisher.web import texts
from publisher.web.app import create_app
from publisher.web.context import shared
from publisher.web.lod import kinds
from publisher.web.lod.pages import PageBuilder

ROOT = Path(__file__).resolve().parent.parent
N3 = mt.Format("n3", "text/n3", "n3", "http://www.w3.org/ns/formats/N3", None, ox.RdfFormat.N3)
PLAN = "doc/id/demo-city/masterplan"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
DCT_TITLE = "http://purl.org/dc/terms/title"


@pytest.fixture
def demo_app(demo_dist: Path) -> Iterator[Flask]:
    """A fresh app over the demo build (its caches start empty)."""
    app = create_app(load_config(overrides={"dist_dir": str(demo_dist)}, root=ROOT))
    yield app
    shared(app).store.close()


# --- add a result format ---------------------------------------------------------------------
@pytest.fixture
def with_n3(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe's one edit, made for the duration of a test: N3 in the format tables."""
    monkeypatch.setattr(mt, "DOCUMENT_OFFERS", (*mt.DOCUMENT_OFFERS, N3))
    monkeypatch.setattr(mt, "ALL_FORMATS", (*mt.ALL_FORMATS, N3))
    for table, key in ((mt.BY_NAME, N3.name), (mt.BY_EXTENSION, N3.extension),
                       (mt.BY_MEDIA_TYPE, N3.media_type)):  # fmt: skip
        monkeypatch.setitem(table, key, N3)


def n3_triples(data: bytes) -> int:
    return len(Graph().parse(data=data, format="n3"))


@pytest.mark.parametrize(
    "path", [PLAN, f"{PLAN}.n3", "ontology", "ontology.n3", ".well-known/void", "catalog", "sparql"]
)
def test_a_new_format_is_offered_by_every_document(with_n3, demo_app, path):
    reply = demo_app.test_client().get("/" + path, headers={"Accept": "text/n3"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.headers["Content-Type"].startswith("text/n3")
    assert n3_triples(reply.data) > 0
    assert path == "sparql" or 'type="text/n3"' in reply.headers["Link"]


def test_a_new_format_is_listed_by_the_pages(with_n3, demo_app):
    client = demo_app.test_client()
    page = client.get(f"/{PLAN}.html").get_data(as_text=True)
    assert f'href="/{PLAN}.n3"' in page  # the page's twins
    assert 'type="text/n3"' in client.get("/sparql", headers={"Accept": "text/html"}).text
    turtle = client.get(f"/{PLAN}.ttl").data
    assert n3_triples(client.get(f"/{PLAN}.n3").data) == len(Graph().parse(data=turtle))


def test_without_the_row_the_format_is_not_offered(demo_app):
    assert demo_app.test_client().get(f"/{PLAN}.n3").status_code == 404
    reply = demo_app.test_client().get(f"/{PLAN}", headers={"Accept": "text/n3"})
    assert reply.headers["Content-Type"].startswith("text/turtle")  # text/n3 is Turtle's alias


# --- add a page kind ----------------------------------------------------------------------------
def dataset_facts(b: PageBuilder) -> dict:
    return {"title": b.literal(b.thing, DCT_TITLE)}


DATASET_TEMPLATE = """{% extends "lod/resource.html" %}
{% block facts %}<p class="dataset-title">{{ t.dataset_title }}: {{ page.facts.title }}</p>
{% endblock %}"""


def test_a_new_page_kind_is_rendered(demo_app, monkeypatch):
    dataset = kinds.PageKind(
        "dataset", (DCAT_DATASET,), dataset_facts, "lod/resource_dataset.html"
    )
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, dataset))
    demo_app.jinja_loader = ChoiceLoader(
        [DictLoader({"lod/resource_dataset.html": DATASET_TEMPLATE}), demo_app.jinja_loader]
    )
    monkeypatch.setitem(texts.LOD["it"], "dataset_title", "Insieme di dati")
    monkeypatch.setitem(texts.LOD["en"], "dataset_title", "Dataset")
    client = demo_app.test_client()
    for lang, word in (("it", "Insieme di dati"), ("en", "Dataset")):
        page = client.get(f"/doc/dataset/demo-city.html?lang={lang}").get_data(as_text=True)
        assert f'<p class="dataset-title">{word}: ' in page
    masterplan = client.get(f"/{PLAN}.html").get_data(as_text=True)
    assert "dataset-title" not in masterplan  # other kinds keep their own page


def test_a_resource_of_no_kind_gets_the_generic_page(demo_app):
    page = demo_app.test_client().get("/doc/dataset/demo-city.html").get_data(as_text=True)
    assert "dataset-title" not in page and "<h2>" in page
