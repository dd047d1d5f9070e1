"""What the SERVICE/update screen costs (not part of the test suite; a few seconds).

    .venv/bin/python bench/screen.py

Prints, per text: stage 1 (the web worker's check on every query: form, depth, the
spelling pre-filter) in microseconds, and stage 2 (pyoxigraph's parses, only when a
candidate word is in the text) in milliseconds, as the median of repeated runs; then
rdflib's parser and algebra on the same texts, the alternative that was not chosen
(bounded: texts over 8 KB are skipped for rdflib, which needs seconds on them).
Figures go in docs/operations.md ("What is refused, and how it is decided").
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from publisher.store import check_query_text, screen

TYPICAL = """PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?a ?label (COUNT(?x) AS ?n) WHERE {
  ?a a <https://w3id.org/smartcity-masterplan/vocab/Action> ; skos:prefLabel ?label .
  OPTIONAL { ?a dct:source ?x } FILTER(LANG(?label) = "it")
} GROUP BY ?a ?label ORDER BY DESC(?n) LIMIT 10"""
LIMIT = 64 * 1024


def _fill(head: str, unit: str, tail: str) -> str:
    """``head`` + as many ``unit`` as fit in 64 KB + ``tail``."""
    return head + unit * ((LIMIT - len(head) - len(tail)) // len(unit)) + tail


TEXTS = {
    "typical": TYPICAL,
    "typical, 'service' in a string": TYPICAL.replace('"it"', '"service"'),
    "64 KB VALUES of strings 'service'": _fill("SELECT * { VALUES ?v { ", '"service" ', "} }"),
    "64 KB VALUES of ex:service names": _fill(
        "PREFIX ex: <http://x/> SELECT * { VALUES ?v { ", "ex:service ", "} }"
    ),
    "64 KB of triple patterns": _fill("SELECT * { ", "?s <http://x/service> ?o . ", "}"),
    "64 KB collection, 'service'": _fill("SELECT * { ?s ?p (", ' "service"', ") }"),
    "64 KB, nesting 256, 'service'": _fill(
        "SELECT * WHERE " + "{" * 255 + " ?s ?p 'service' . ", "?s ?p ?o . ", "}" * 255
    ),
    "64 KB of \\u escapes, 'service'": _fill("SELECT * { ?s ?p '", "\\u0073ervice ", "' }"),
}


def median_s(call: Callable[[], object], budget_s: float = 0.5) -> float:
    """Median seconds per call over repeats within about ``budget_s``."""
    times: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(times) < 3 or (time.perf_counter() < deadline and len(times) < 2000):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def stage1(text: str) -> None:
    check_query_text(text)
    screen.too_deep(text, 256)
    screen.suspect(text)


def stage2(text: str) -> None:
    screen.verify(text, "http://example.org/")


def rdflib_algebra(text: str) -> None:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    translateQuery(parseQuery(text))


def main() -> None:
    print(f"{'text':36} {'bytes':>6} {'stage 1 µs':>10} {'stage 2 ms':>10} {'rdflib ms':>10}")
    for name, text in TEXTS.items():
        first = median_s(lambda text=text: stage1(text)) * 1e6
        second = median_s(lambda text=text: stage2(text)) * 1e3 if screen.suspect(text) else 0
        if len(text) <= 8192:
            try:
                other = f"{median_s(lambda text=text: rdflib_algebra(text), 2) * 1e3:10.1f}"
            except Exception as exc:  # RecursionError on deep texts
                other = f"{type(exc).__name__:>10}"
        else:
            other = f"{'skipped':>10}"
        print(f"{name:36} {len(text.encode()):6} {first:10.1f} {second:10.2f} {other}")


if __name__ == "__main__":
    main()
