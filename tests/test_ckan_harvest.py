"""ckanext-dcat's own RDF parser (dati.gov.it's harvester: CKAN 2.12 + ckanext-dcat 2.4.4,
the optional ``harvest`` extra) reads the paged catalogue and yields every dataset with its
identifier, themes, frequency, licence and distributions.

It runs as the harvester's gather stage does, without a database (the set-up the research
note verified, ../shared/design/aggregation-research.md §1.2): HEAD first, the parser chosen
by the Content-Type, ``next_page()`` followed until there is none. The catalogue: 300
generated, fictional datasets paged at 100 (test_catalog_paging.py's build), and La Spezia.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import BIG_CITIES as CITIES
from conftest import Reply
from test_catalog_paging import BASE, local

ckan_common = pytest.importorskip("ckan.common", reason="the optional harvest extra (ckan)")
ckan_common.config.update({"ckan.site_url": "http://localhost", "sqlalchemy.url": "sqlite://"})
processors = pytest.importorskip("ckanext.dcat.processors")

EU = "http://publications.europa.eu/resource/authority/"
FORMATS = ("text/turtle", "application/rdf+xml", "application/ld+json")


def gather(send: Callable[..., Reply], accept: str) -> list[dict]:
    """The harvester's loop: HEAD (it refuses anything but 2xx, or 400/405 to fall back to
    GET), GET, parse by Content-Type, datasets, next page."""
    found, url = [], BASE + "catalog"
    while url:
        head = send("HEAD", local(url), headers={"Accept": accept})
        assert head.status == 200, url
        reply = send("GET", local(url), headers={"Accept": accept})
        parser = processors.RDFParser()
        parser.parse(reply.body, _format=reply.headers["Content-Type"].split(";")[0])
        found += list(parser.datasets())
        url = parser.next_page()
    return found


def extras(dataset: dict) -> dict[str, str]:
    return {e["key"]: e["value"] for e in dataset.get("extras", [])}


@pytest.mark.parametrize("accept", FORMATS)
def test_ckanext_dcat_reads_all_300_datasets_with_what_dati_gov_it_needs(big_http, accept):
    datasets = gather(big_http, accept)
    uris = [extras(d)["uri"] for d in datasets]
    assert len(uris) == len(set(uris)) == CITIES + 1
    for dataset in datasets:
        fields = extras(dataset)
        key = fields["uri"].removeprefix(BASE + "dataset").strip("/") or "all"
        assert fields["identifier"] == f"lodpub:D.{key}"
        assert EU + "data-theme/GOVE" in fields["theme"]
        assert fields["frequency"] == EU + "frequency/IRREG"
        assert fields["modified"]
        resources = dataset["resources"]
        assert len(resources) == (2 if key == "all" else 5)
        for resource in resources:
            assert resource["license"] == EU + "licence/CC_BY_4_0"
            assert resource["url"].startswith(BASE + "dumps/")
            assert resource["format"].startswith(EU + "file-type/")


def test_ckanext_dcat_reads_la_spezia(la_http):
    (dataset,) = [d for d in gather(la_http, "text/turtle")
                  if extras(d)["uri"] == BASE + "dataset/laspezia"]  # fmt: skip
    assert extras(dataset)["identifier"] == "lodpub:D.laspezia"
    assert len(dataset["resources"]) == 5
