"""/catalog in Hydra pages, read the way each harvester reads them (docs/harvesting.md).

A real build of 299 generated, fictional cities (bench/generate.py: "Città fittizia 0001",
…) plus the every-city dataset, i.e. 300 datasets, served by a real HTTP server and paged at
the default 100. The paging rules of data.europa.eu's importer (piveau-utils ``Hydra.kt``)
and of ckanext-dcat's ``RDFParser.next_page`` are written here from their code as the
research note quotes it (../shared/design/aggregation-research.md §1.2, §1.3), as contract
tests; ckanext-dcat's own parser reads the same pages in test_ckan_harvest.py when it is
installed.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable

import pytest
from conftest import BIG_CITIES as CITIES  # + the every-city dataset = 300 datasets
from conftest import Reply, _client, _serve
from rdflib import Graph, Namespace, URIRef, namespace

BASE = "https://w3id.org/smartcity-masterplan/"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCAT, RDF = (Namespace(str(ns)) for ns in (namespace.DCAT, namespace.RDF))
RDFLIB = {"text/turtle": "turtle", "application/ld+json": "json-ld",
          "application/rdf+xml": "xml", "application/n-triples": "nt"}  # fmt: skip


def local(url: str) -> str:
    assert url.startswith(BASE + "catalog"), url
    return "/" + url[len(BASE) :]


def get_page(send: Callable[..., Reply], url: str, accept: str) -> tuple[Graph, bytes]:
    reply = send("GET", local(url), headers={"Accept": accept})
    assert reply.status == 200, (url, reply.body[:200])
    assert reply.media_type == accept
    return Graph().parse(data=reply.body, format=RDFLIB[accept]), reply.body


# --- the two harvesters' paging rules ---------------------------------------------------
def piveau_next(graph: Graph) -> tuple[str | None, int]:
    """data.europa.eu (piveau-utils Hydra.kt): on a PagedCollection only ``hydra:nextPage``,
    and ``totalItems`` read as an int, which throws when it is missing."""
    paged = list(graph.subjects(RDF.type, HYDRA.PagedCollection))
    if paged:
        node = paged[0]
        total = graph.value(node, HYDRA.totalItems)
        if total is None:
            raise ValueError("no hydra:totalItems on the PagedCollection")
        following = graph.value(node, HYDRA.nextPage)
        return (str(following) if following is not None else None), int(total)
    view = next(iter(graph.subjects(RDF.type, HYDRA.PartialCollectionView)))
    total = next(iter(graph.objects(None, HYDRA.totalItems)))
    following = graph.value(view, HYDRA.next)
    return (str(following) if following is not None else None), int(total)


def ckan_next(graph: Graph) -> str | None:
    """ckanext-dcat RDFParser.next_page: a node typed PartialCollectionView or
    PagedCollection, ``hydra:next`` else ``hydra:nextPage``, as a string."""
    for kind in (HYDRA.PartialCollectionView, HYDRA.PagedCollection):
        for node in graph.subjects(RDF.type, kind):
            for predicate in (HYDRA.next, HYDRA.nextPage):
                value = graph.value(node, predicate)
                if value is not None:
                    return str(value)
    return None


def harvest_piveau(send: Callable[..., Reply], accept: str, start: str) -> list[URIRef]:
    found, url, totals = [], start, set()
    while url is not None:
        graph, _body = get_page(send, url, accept)
        found += list(graph.subjects(RDF.type, DCAT.Dataset))
        url, total = piveau_next(graph)
        totals.add(total)
    assert totals == {len(found)}
    return found


def harvest_ckan(send: Callable[..., Reply], accept: str, start: str) -> list[URIRef]:
    """The gather loop: pages until there is no next, or a page is the first page again."""
    found, url, first = [], start, None
    while url is not None:
        graph, body = get_page(send, url, accept)
        digest = hashlib.md5(body).hexdigest()
        if digest == first:
            break
        first = first or digest
        found += list(graph.subjects(RDF.type, DCAT.Dataset))
        url = ckan_next(graph)
    return found


@pytest.mark.parametrize("accept", list(RDFLIB))
@pytest.mark.parametrize("rule", [harvest_piveau, harvest_ckan])
def test_300_datasets_paged_at_100_give_exactly_300(big_http, accept, rule):
    found = rule(big_http, accept, BASE + "catalog")
    assert len(found) == len(set(found)) == CITIES + 1
    assert URIRef(BASE + "dataset/city-0299") in found and URIRef(BASE + "dataset") in found


def test_every_page_has_the_interop_shape_and_the_last_has_no_next(big_http):
    pages = [get_page(big_http, f"{BASE}catalog?page={n}", "text/turtle")[0] for n in (1, 2, 3)]
    for number, graph in enumerate(pages, 1):
        node = URIRef(f"{BASE}catalog?page={number}")
        assert (node, RDF.type, HYDRA.PagedCollection) in graph
        assert int(graph.value(node, HYDRA.totalItems)) == 300
        assert int(graph.value(node, HYDRA.itemsPerPage)) == 100
        assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 100
        assert graph.value(node, HYDRA.first) == graph.value(node, HYDRA.firstPage)
        assert graph.value(node, HYDRA.last) == URIRef(f"{BASE}catalog?page=3")
        if number < 3:
            following = URIRef(f"{BASE}catalog?page={number + 1}")
            assert graph.value(node, HYDRA.next) == graph.value(node, HYDRA.nextPage) == following
        if number > 1:
            assert graph.value(node, HYDRA.previous) == URIRef(f"{BASE}catalog?page={number - 1}")
    assert (None, HYDRA.next, None) not in pages[2] and (None, HYDRA.nextPage, None) not in pages[2]
    assert (None, HYDRA.previous, None) not in pages[0]


def test_catalog_without_page_is_page_one(big_http):
    plain = big_http("GET", "/catalog", headers={"Accept": "text/turtle"})
    first = big_http("GET", "/catalog?page=1", headers={"Accept": "text/turtle"})
    assert plain.status == first.status == 200 and plain.body == first.body


@pytest.mark.parametrize(("query", "status"), [
    ("page=4", 404), ("page=99", 404), ("page=0", 400), ("page=-1", 400), ("page=x", 400),
    ("page=%C2%B2", 400), ("modified_since=yesterday", 400), ("modified_since=2026-13-01", 400),
])  # fmt: skip
def test_past_the_end_is_404_and_nonsense_is_400(big_http, query, status):
    assert big_http("GET", f"/catalog?{query}", headers={"Accept": "text/turtle"}).status == status


def test_modified_since_lists_only_what_changed(big_http):
    later = get_page(big_http, f"{BASE}catalog?modified_since=2999-01-01", "text/turtle")[0]
    node = URIRef(f"{BASE}catalog?page=1&modified_since=2999-01-01")
    assert int(later.value(node, HYDRA.totalItems)) == 0
    assert not set(later.subjects(RDF.type, DCAT.Dataset))
    assert (None, HYDRA.next, None) not in later
    since = "2000-01-01T00:00:00"
    found = harvest_piveau(big_http, "text/turtle", f"{BASE}catalog?modified_since={since}")
    assert len(found) == CITIES + 1


def test_a_page_missing_the_totals_breaks_piveau():
    """The contract itself: piveau refuses a PagedCollection without totalItems."""
    graph = Graph()
    graph.add((URIRef(BASE + "catalog?page=1"), RDF.type, HYDRA.PagedCollection))
    with pytest.raises(ValueError):
        piveau_next(graph)


def test_an_unreadable_catalogue_is_a_5xx_never_a_short_page(big_dist, tmp_path):
    """Harvesters delete the datasets a page no longer lists: a catalogue file damaged in
    place after the build was loaded (a build damaged before is not loaded at all,
    tests/test_integrity.py) must not give fewer datasets."""
    copy = tmp_path / "dist"
    shutil.copytree(big_dist, copy, symlinks=True)
    target = (copy / "catalog.ttl").resolve()
    data = bytearray(target.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 40] = b"<<<< not turtle at all >>>> ;;;;; . . . "
    for url in _serve(copy):
        if target.read_bytes() != data:  # the server has checked and loaded the build
            target.unlink()
            target.write_bytes(bytes(data))
        send = _client(url)
        for path in ("/catalog", "/catalog?page=2", "/catalog?page=3"):
            assert send("GET", path, headers={"Accept": "text/turtle"}).status >= 500
