"""The representation cache (publisher.web.http.replay.RepresentationCache): repeated GETs are
replayed byte for byte, keyed per representation, emptied by a new data version, and a
conditional GET is answered 304 before any query runs. No timings: counters only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from prometheus_client import REGISTRY

from publisher.config import load_config
from publisher.web.app import create_app
from publisher.web.context import shared
from publisher.web.http.replay import CACHE_EXTENSION

SELECT = "/sparql?query=" + quote("SELECT * { ?s ?p ?o } LIMIT 5")
RESULTS_JSON = "application/sparql-results+json"


class CountingStore:
    """The app's store, counting the queries that reach it; its version can be changed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.queries = 0
        self.version_override: str | None = None

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.queries += 1
        return self.inner.query(*args, **kwargs)

    @property
    def version(self) -> str:
        return self.version_override or self.inner.version

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def cached(fixture_dist):
    config = load_config(overrides={"dist_dir": str(fixture_dist)}, root=fixture_dist.parent)
    app = create_app(config)
    lodpub = shared(app)
    store = CountingStore(lodpub.store)
    lodpub.store = store
    try:
        yield app, app.test_client(), store
    finally:
        close = getattr(store.inner, "close", None)
        if close is not None:
            close()


def events(outcome: str) -> float:
    value = REGISTRY.get_sample_value("lodpub_representation_cache_total", {"outcome": outcome})
    return value or 0.0


def test_second_get_is_replayed_identically_without_a_query(cached):
    _app, client, store = cached
    first = client.get(SELECT, headers={"Accept": RESULTS_JSON})
    assert first.status_code == 200
    queries, hits = store.queries, events("hit")
    second = client.get(SELECT, headers={"Accept": RESULTS_JSON})
    assert store.queries == queries  # no query ran
    assert events("hit") == hits + 1
    assert second.status_code == 200
    assert second.data == first.data
    assert list(second.headers.items()) == list(first.headers.items())
    head = client.head(SELECT, headers={"Accept": RESULTS_JSON})
    assert store.queries == queries
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == first.headers["ETag"]
    assert head.headers["Content-Length"] == first.headers["Content-Length"]


def test_keyed_per_media_type_and_language(cached):
    _app, client, _store = cached
    json_reply = client.get(SELECT, headers={"Accept": RESULTS_JSON})
    xml_reply = client.get(SELECT, headers={"Accept": "application/sparql-results+xml"})
    assert json_reply.headers["Content-Type"] != xml_reply.headers["Content-Type"]
    assert json_reply.headers["ETag"] != xml_reply.headers["ETag"]
    for _ in range(2):  # the second round comes from the cache: still per representation
        again = client.get(SELECT, headers={"Accept": "application/sparql-results+xml"})
        assert again.data == xml_reply.data
        assert again.headers["ETag"] == xml_reply.headers["ETag"]
    pages = {}
    for lang in ("it", "en", "it", "en"):
        reply = client.get("/sparql", headers={"Accept": "text/html", "Accept-Language": lang})
        assert reply.headers["Content-Language"] == lang
        pages.setdefault(lang, reply.headers["ETag"])
        assert reply.headers["ETag"] == pages[lang]
    assert pages["it"] != pages["en"]


def test_a_new_data_version_empties_the_cache(cached):
    app, client, store = cached
    first = client.get(SELECT, headers={"Accept": RESULTS_JSON})
    client.get(SELECT, headers={"Accept": RESULTS_JSON})
    queries = store.queries
    store.version_override = "another-build"
    renewed = client.get(SELECT, headers={"Accept": RESULTS_JSON})
    assert store.queries == queries + 1  # computed again
    assert renewed.headers["ETag"] != first.headers["ETag"]
    assert len(app.extensions[CACHE_EXTENSION]) == 1  # the old entries are gone


def test_conditional_get_answered_304_before_any_query(cached):
    _app, client, store = cached
    first = client.get(SELECT, headers={"Accept": RESULTS_JSON})
    etag = first.headers["ETag"]
    # 304 computed the old way (through the view) for comparison: a fresh URL.
    other = SELECT + "&x=1"
    fresh = client.get(other, headers={"Accept": RESULTS_JSON})
    view_304 = client.get(
        other, headers={"Accept": RESULTS_JSON, "If-None-Match": fresh.headers["ETag"]}
    )
    queries, not_modified = store.queries, events("not_modified")
    reply = client.get(SELECT, headers={"Accept": RESULTS_JSON, "If-None-Match": etag})
    assert reply.status_code == 304 and reply.data == b""
    assert store.queries == queries
    assert events("not_modified") == not_modified + 1
    assert reply.headers["ETag"] == etag
    assert sorted(k for k, _v in reply.headers.items()) == sorted(
        k for k, _v in view_304.headers.items()
    )
    stale = client.get(SELECT, headers={"Accept": RESULTS_JSON, "If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_post_errors_and_no_store_are_not_kept(cached):
    app, client, store = cached
    cache = app.extensions[CACHE_EXTENSION]
    cache.clear()
    client.post("/sparql", data="ASK {}", content_type="application/sparql-query")
    client.post("/sparql", data="ASK {}", content_type="application/sparql-query")
    client.get("/sparql?query=" + quote("SELECT nonsense"))
    client.get("/health")
    client.get("/metrics")
    assert len(cache) == 0
    queries = store.queries
    client.post("/sparql", data="ASK {}", content_type="application/sparql-query")
    assert store.queries == queries + 1


def test_replayed_truncation_header(fixture_dist):
    config = load_config(
        overrides={"dist_dir": str(fixture_dist), "limits": {"max_result_rows": 2}},
        root=fixture_dist.parent,
    )
    app = create_app(config)
    client = app.test_client()
    try:
        first = client.get(SELECT, headers={"Accept": RESULTS_JSON})
        second = client.get(SELECT, headers={"Accept": RESULTS_JSON})
        assert first.headers["X-Result-Truncated"] == "true; limit=2"
        assert list(second.headers.items()) == list(first.headers.items())
        assert second.data == first.data
    finally:
        close = getattr(shared(app).store, "close", None)
        if close is not None:
            close()


def test_cache_can_be_turned_off(fixture_dist):
    config = load_config(
        overrides={"dist_dir": str(fixture_dist), "cache": {"representation_max_bytes": 0}},
        root=fixture_dist.parent,
    )
    app = create_app(config)
    try:
        assert CACHE_EXTENSION not in app.extensions
    finally:
        close = getattr(shared(app).store, "close", None)
        if close is not None:
            close()


PAGE = "/doc/id/testcity/masterplan.html"
THING = "/id/testcity/masterplan"


def test_parameters_a_page_does_not_read_do_not_bypass_the_cache(cached):
    """``?utm_source=x`` (any parameter a page ignores) is the same page: a hit, with the
    same body, and the page's language link does not carry it."""
    _app, client, store = cached
    first = client.get(PAGE + "?utm_source=first")
    assert first.status_code == 200
    assert b"utm_source" not in first.data
    queries, hits = store.queries, events("hit")
    for value in ("a", "b", "c"):
        assert client.get(f"{PAGE}?utm_source={value}&fbclid=z").data == first.data
    assert client.get(PAGE).data == first.data
    assert store.queries == queries and events("hit") == hits + 4


def test_parameters_a_page_reads_still_key_it(cached):
    _app, client, _store = cached
    italian = client.get(f"{PAGE}?lang=it&utm_source=a")
    english = client.get(f"{PAGE}?lang=en&utm_source=a")
    assert italian.headers["Content-Language"] == "it"
    assert english.headers["Content-Language"] == "en"
    hits = events("hit")
    assert client.get(f"{PAGE}?lang=en").data == english.data
    assert client.get(f"{PAGE}?utm_source=b&lang=it").data == italian.data
    assert events("hit") == hits + 2


def test_a_parameter_learned_later_keeps_the_answers_apart(cached):
    """What a path's answers read only grows: the HTML redirect reads ``lang``, the Turtle
    one does not; an answer kept before is never given to a request with another ``lang``."""
    _app, client, _store = cached
    assert client.get(f"{THING}?format=html").headers["Location"].endswith(".html")
    assert client.get(f"{THING}?format=ttl&utm_source=a").headers["Location"].endswith(".ttl")
    english = client.get(f"{THING}?format=html&lang=en")
    assert english.headers["Location"].endswith(".html?lang=en")
    hits = events("hit")
    assert client.get(f"{THING}?format=ttl&lang=en").headers["Location"].endswith(".ttl")
    assert client.get(f"{THING}?format=html").headers["Location"].endswith(".html")
    assert events("hit") == hits + 1  # the Turtle one is computed again: the key grew


def test_sparql_keys_on_the_whole_query_string(cached):
    """The endpoint reads the raw query string: every parameter keys it, as before."""
    _app, client, store = cached
    client.get(SELECT, headers={"Accept": RESULTS_JSON})
    queries = store.queries
    client.get(SELECT + "&utm_source=a", headers={"Accept": RESULTS_JSON})
    assert store.queries == queries + 1
