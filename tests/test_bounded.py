"""The short path for bounded SPARQL (publisher/store/guarded.py): one subject's triples are
read in the web process, without an executor; everything else still goes to an executor,
where it can be killed; both give the same bytes, row cap included."""

from __future__ import annotations

import pytest

from publisher import mediatypes as mt
from publisher.store import guard
from publisher.store.embedded import EmbeddedStore
from publisher.store.guarded import bounded

IRI = "https://w3id.org/smartcity-masterplan/id/testcity/masterplan"


@pytest.mark.parametrize(("query", "short"), [
    (f"SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o }}", True),
    (f"select * where {{<{IRI}> ?p ?o .}} LIMIT 10", True),
    (f"SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o }}\n#salt-1", True),
    (f"SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o . ?o ?q ?r }}", False),
    ("SELECT ?p ?o WHERE { <relative> ?p ?o }", False),
    (f"SELECT (COUNT(*) AS ?n) WHERE {{ <{IRI}> ?p ?o }}", False),
    (f"SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o }} ORDER BY ?o", False),
    (f"PREFIX a: <x:> SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o }}", False),
    (f"SELECT ?p ?o FROM <http://g> WHERE {{ <{IRI}> ?p ?o }}", False),
    (f"SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o }} # }}}} SERVICE <http://x> {{ }}", True),
    (f"SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o }}\n SERVICE <http://x> {{ }}", False),
    (f"SELECT ?p ?o WHERE {{ <{IRI}> ?p ?o }} LIMIT 1 UNION {{ ?s ?p ?o }}", False),
    ("SELECT ?p ?o WHERE { <http://a> ?p ?o }" + " " * 5000, False),
])  # fmt: skip
def test_only_one_subjects_triples_take_the_short_path(query, short):
    assert bounded(query) is short


@pytest.fixture()
def guarded(fixture_config, fixture_dist):
    store = guard(EmbeddedStore(fixture_dist, base_iri=fixture_config.base_iri), fixture_config)
    yield store
    store.close()


def test_bounded_queries_use_no_executor_and_give_the_executors_bytes(guarded, fixture_facts):
    query = f"SELECT ?p ?o WHERE {{ <{fixture_facts.masterplan}> ?p ?o }}"
    short = guarded.query(query, client="192.0.2.1").serialize_capped(mt.RESULTS_JSON, 2)
    stats = guarded.stats()
    assert stats["busy"] == 0 and stats["idle"] == 0  # no executor was ever started
    long = guarded.query(query + " ORDER BY ?p ?o", client="192.0.2.1")
    capped = long.serialize_capped(mt.RESULTS_JSON, 2)
    assert guarded.stats()["idle"] == 1  # that one ran in an executor
    assert short.truncated and short.rows == 2 and capped.rows == 2
    assert len(short.data) > 50 and short.header() == capped.header()
