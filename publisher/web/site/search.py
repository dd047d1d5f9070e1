"""Find things by their name, in Italian or English, across every city.

One SPARQL ``SELECT`` through the store (so a remote endpoint answers it too): the names
(``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``, ``dct:title``, ``foaf:name``) that
contain the words, case-insensitively, in any named graph. The words are never pasted into
the query: they become one RDF literal, written by pyoxigraph in a ``VALUES`` block and
checked like a named query's ``string`` parameter first (at most :data:`MAX_LENGTH`
characters, no ``\\u`` escapes, which SPARQL would decode before parsing). Results are
bounded (:data:`MAX_ROWS` matching names, :data:`MAX_RESULTS` things shown), the best first:
names that start with the words, then shorter names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS

from publisher import mediatypes as mt
from publisher import named_queries as nq
from publisher.iris import Iris
from publisher.store import Store

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_ROWS = 400
MAX_RESULTS = 50
NAMES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title, FOAF.name)
WORDS = nq.Parameter("q", "string", None, {}, max_length=MAX_LENGTH)


@dataclass(frozen=True)
class Found:
    iri: str
    label: str
    label_lang: str | None
    kind: str  # the path segment that says what it is: action, organisation, vocab, ...
    city: str | None


def search_query(words: str) -> str:
    """The SELECT for ``words`` (raises ``nq.ParameterError`` for refused text)."""
    (needle,) = WORDS.terms(words.strip().lower(), nq.Context(""))
    names = ", ".join(f"<{p}>" for p in NAMES)
    return f"""SELECT ?resource ?label ?graph WHERE {{
  {nq.values_clause(["needle"], [needle])}
  GRAPH ?graph {{ ?resource ?name ?label . }}
  FILTER(?name IN ({names}) && isIRI(?resource) && isLiteral(?label))
  BIND(LCASE(STR(?label)) AS ?folded)
  FILTER(CONTAINS(?folded, ?needle))
}}
ORDER BY DESC(STRSTARTS(?folded, ?needle)) STRLEN(?label) ?resource
LIMIT {MAX_ROWS}"""


def search(store: Store, iris: Iris, words: str, lang: str) -> tuple[list[Found], bool]:
    """The things whose names contain ``words`` (best first) and whether more were cut."""
    data = json.loads(store.query(search_query(words)).serialize(mt.RESULTS_JSON))
    rows = data["results"]["bindings"]
    best: dict[str, dict] = {}
    for row in rows:
        iri, label = row["resource"]["value"], row["label"]
        chosen = best.get(iri)
        if chosen is None:
            best[iri] = label  # the first is the best match
        elif label.get("xml:lang") == lang and chosen.get("xml:lang") != lang:
            best[iri] = label  # the same thing, named in the page language
    found = []
    for iri, label in best.items():
        path = iris.local_path(iri) or ""
        parts = path.split("/")
        kind = parts[2] if parts[0] == "id" and len(parts) > 2 else parts[0]
        found.append(Found(iri, label["value"], label.get("xml:lang"), kind, iris.city_of(iri)))
    return found[:MAX_RESULTS], len(found) > MAX_RESULTS or len(rows) >= MAX_ROWS
