"""The named queries (``queries/*.rq``) as every family runs them: loaded once per change
of the files, bound, run through the store, read back as a table.

The API serves them (``/queries/<name>``); the home and masterplan pages draw their charts
from the same questions, so a chart, its table and the query linked under it can never
disagree. ``sparql_link`` gives the ``/sparql?query=`` URL of a bound query (its header of
``#+`` comments left out), for "run this query yourself" links.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from publisher import mediatypes as mt
from publisher import named_queries as nq
from publisher.client import Table
from publisher.iris import Iris
from publisher.web.context import state
from publisher.web.http.labels import external_labels
from publisher.web.http.links import local


@dataclass(frozen=True)
class Loaded:
    signature: str
    queries: dict[str, nq.NamedQuery]


def queries_dir() -> Path:
    """The configured folder of named queries."""
    return state().config.path("queries_dir")


def loaded() -> Loaded:
    """The named queries, read again only when a file changed (malformed files: a 500
    whose details go to the log, as for any server fault)."""
    directory = queries_dir()
    signature = hashlib.sha256(repr(nq.signature(directory)).encode()).hexdigest()
    memo = state().memo("api.queries", 4)
    return memo.get(
        (str(directory), signature), lambda: Loaded(signature, nq.load_dir(directory))
    )


def context() -> nq.Context:
    """What binding needs: the base IRI and the cities the store holds."""
    shared = state()
    iris = Iris(shared.config.base_iri)
    cities = sorted({c for g in shared.store.graphs() if (c := iris.city_of_graph(g))})
    return nq.Context(shared.config.base_iri, tuple(cities))


def run(query: nq.NamedQuery, given: dict[str, str]) -> tuple[nq.BoundQuery, Table]:
    """Bind ``given`` (raises ``nq.ParameterError``), run, and read the rows back."""
    bound, table, _cut = run_capped(query, given, None)
    return bound, table


def run_capped(
    query: nq.NamedQuery, given: dict[str, str], max_bytes: int | None
) -> tuple[nq.BoundQuery, Table, bool]:
    """:func:`run`, reading back only the rows whose SPARQL JSON fits in ``max_bytes``
    (whole rows); the last value says whether rows were left out."""
    bound = query.bind(given, context())
    result = state().store.query(bound.sparql)
    capped = result.serialize_capped(mt.RESULTS_JSON, None, None, max_bytes or None)
    return bound, Table.from_json(json.loads(capped.data)), capped.truncated


def sparql_text(sparql: str) -> str:
    """The query without its ``#+`` header (what a person wants to read and edit)."""
    lines = sparql.split("\n")
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


def sparql_link(sparql: str) -> str:
    """``/sparql?query=…`` for a bound query: the endpoint runs exactly that text."""
    return local("sparql") + "?" + urlencode({"query": sparql_text(sparql)})


MAX_LABELLED = 500  # IRIs of one table whose names are looked up (the rest show compacted)
_NAMES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
)


def labels_of(iris: list[str], lang: str) -> dict[str, tuple[str, str | None]]:
    """``{iri: (name, its language)}`` for the IRIs the store names (one query): the name in
    ``lang`` first, else in another language, a preferred label before other names."""
    wanted = list(dict.fromkeys(iris))[:MAX_LABELLED]
    if not wanted:
        return {}
    values = " ".join(str(ox.NamedNode(i)) for i in wanted)
    names = ", ".join(f"<{n}>" for n in _NAMES)
    sparql = (
        f"SELECT ?s ?p ?name WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?name . "
        f"FILTER(?p IN ({names}) && isLiteral(?name)) }}"
    )
    rows = json.loads(state().store.query(sparql).serialize(mt.RESULTS_JSON))
    best: dict[str, tuple[tuple[int, int], str, str | None]] = {}
    for row in rows["results"]["bindings"]:
        name = row["name"]
        tag = (name.get("xml:lang") or "").split("-")[0]
        rank = (0 if tag == lang else 1 if tag else 2, _NAMES.index(row["p"]["value"]))
        iri = row["s"]["value"]
        if iri not in best or rank < best[iri][0]:
            best[iri] = (rank, name["value"], name.get("xml:lang"))
    named = {iri: (text, tag) for iri, (_, text, tag) in best.items()}
    for iri in wanted:
        copy = external_labels().get(iri)
        if iri not in named and copy:
            tag = lang if lang in copy else next(iter(copy))
            named[iri] = (copy[tag], tag)
    return named
