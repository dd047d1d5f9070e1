"""``/sparql`` for people: the query editor page, with the results or the error in it.

A browser (a client that names ``text/html``, see ``mediatypes.with_page``) gets this page
for ``GET /sparql`` and for ``/sparql?query=…``, never a download. It works without
JavaScript: a form with the query kept, the results as a table (column names are the
query's variables; values written for people by ``publisher.web.http.cells``) under the
same row and byte caps as any client, a chart when the result is a list of names with
numbers, and a syntax error shown with its line and column. With JavaScript, the vendored
CodeMirror editor (``static/site/sparql-editor.js``) takes over the text box: highlighting,
the project's prefixes completed and declared, Ctrl+Enter to run, the error's line marked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox
from flask import Response, request

from publisher import mediatypes as mt
from publisher import named_queries as nq
from publisher.client import Cell, Table
from publisher.iris import Iris
from publisher.namespaces import PREFIXES
from publisher.store import (
    InvalidDataset,
    ProtocolDataset,
    QueryRefused,
    QueryResult,
    QuerySyntaxError,
    ResultKind,
)
from publisher.web.context import state
from publisher.web.errors import STORE_ERROR_STATUS
from publisher.web.http import charts
from publisher.web.http.cells import Shown, shown
from publisher.web.http.clients import client_address
from publisher.web.http.html import html_response, link_to, render_page
from publisher.web.http.links import limits_url
from publisher.web.http.negotiation import negotiate_language
from publisher.web.http.questions import context, labels_of, loaded, sparql_text
from publisher.web.texts import ENDPOINT

MAX_CHART_ROWS = 40  # a longer list of names and numbers is a table, not a picture
_POSITION = re.compile(r"\bat (\d+):(\d+)")
# IRIs, strings and comments, where a "word:" is not a prefixed name
_NOT_NAMES = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")
_USED = re.compile(r"(?<![\w:?$.-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:")
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w-]*(?:\.[\w-]+)*)?:", re.IGNORECASE)


@dataclass(frozen=True)
class QueryError:
    """A query the service did not run, as the page shows it: the parser's message and,
    when it gives one, the position (1-based) with the line of the query it points into."""

    message: str
    line: int | None = None
    column: int | None = None
    text: str = ""  # the query's line at the position
    missing: tuple[str, ...] = ()  # known prefixes used but not declared
    fixed_url: str | None = None  # the same query with those prefixes declared


@dataclass(frozen=True)
class Results:
    columns: list[str]
    rows: list[list[Shown]]
    truncated: str | None  # why the result was cut (the X-Result-Truncated value)
    chart: charts.Chart | None
    downloads: list[tuple[mt.Format, str]]


def editor_page(query: str | None = None, dataset: ProtocolDataset | None = None) -> Response:
    """The editor, with ``query`` run (its results or its error in the page) when given."""
    lang = negotiate_language()
    if query is None:
        return _page(lang, None)
    shared = state()
    client = client_address(request.environ, shared.config["server"])
    try:  # a store may parse only when the result is read (publisher.store.guarded)
        result = shared.store.query(query, dataset or None, client=client)
        results = read(result, query, lang)
    except QuerySyntaxError as exc:
        return _page(lang, query, error=syntax_error(query, str(exc)), status=400)
    except (QueryRefused, InvalidDataset) as exc:
        status = next(code for cls, code in STORE_ERROR_STATUS if isinstance(exc, cls))
        return _page(lang, query, error=QueryError(str(exc)), status=status)
    return _page(lang, query, results=results)


def _page(
    lang: str,
    query: str | None,
    results: Results | None = None,
    error: QueryError | None = None,
    status: int = 200,
) -> Response:
    shared = state()
    endpoint = request.base_url
    site = request.host_url + request.script_root.lstrip("/")
    page = render_page(
        "endpoint/sparql.html",
        lang,
        ENDPOINT,
        endpoint=endpoint,
        site=site if site.endswith("/") else site + "/",
        query=EXAMPLES[0][2] if query is None else query,
        results=results,
        error=error,
        examples=[(it if lang == "it" else en, text, link_to("sparql", query=text))
                  for it, en, text in EXAMPLES],
        questions=questions(lang),
        prefixes=json.dumps({p: str(ns) for p, ns in PREFIXES.items()}),
        prefix_lines=[(p, str(ns)) for p, ns in PREFIXES.items()],
        graphs=[(g, shared.store.count_triples(g)) for g in shared.store.graphs()],
        total=shared.store.count_triples(),
        sd_formats=mt.rdf_offers(),
        result_formats=mt.QUERY_FORMATS,
    )  # fmt: skip
    return html_response(page, lang, status)


# --- errors -----------------------------------------------------------------------------
def syntax_error(query: str, message: str) -> QueryError:
    """The parser's message with its position, and the fix when prefixes are missing."""
    missing = missing_prefixes(query)
    fixed = None
    if missing:
        fixed = link_to("sparql", query=declare(query, missing))
    found = _POSITION.search(message)
    if not found:
        return QueryError(message, missing=missing, fixed_url=fixed)
    line, column = int(found.group(1)), int(found.group(2))
    lines = query.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return QueryError(message, line, column, text, missing, fixed)


def missing_prefixes(query: str) -> tuple[str, ...]:
    """The project's prefixes (``publisher.namespaces.PREFIXES``) that the query uses
    without declaring them, in the order of that table."""
    text = _NOT_NAMES.sub(" ", query)
    declared = {m.group(1) or "" for m in _DECLARED.finditer(text)}
    used = {m.group(1) or "" for m in _USED.finditer(text)}
    return tuple(p for p in PREFIXES if p in used and p not in declared)


def declare(query: str, prefixes: tuple[str, ...]) -> str:
    """``query`` with a ``PREFIX`` line for each of ``prefixes`` in front."""
    lines = [f"PREFIX {p}: <{PREFIXES[p]}>" for p in prefixes]
    return "\n".join([*lines, query])


# --- results ----------------------------------------------------------------------------
def read(result: QueryResult, query: str, lang: str) -> Results:
    """The result under the configured caps, as a table for people."""
    limits = state().config["limits"]
    max_rows, max_bytes = int(limits["max_result_rows"]), int(limits["max_result_bytes"])
    if result.kind is ResultKind.GRAPH:
        capped = result.serialize_capped(mt.NTRIPLES, max_rows, limits_url(), max_bytes)
        table = triples(capped.data)
    else:
        capped = result.serialize_capped(mt.RESULTS_JSON, max_rows, limits_url(), max_bytes)
        table = Table.from_json(json.loads(capped.data))
    iris = Iris(state().config.base_iri)
    names = labels_of([c.value for row in table.rows for c in row if c and c.type == "uri"], lang)
    rows = [[shown(cell, None, iris, names, lang) for cell in row] for row in table.rows]
    downloads = [
        (f, link_to("sparql", query=query, format=f.extension)) for f in result.kind.formats
    ]
    return Results(table.columns, rows, capped.header(), chart_of(table, rows, lang), downloads)


def triples(data: bytes) -> Table:
    """An N-Triples result as a table of subject, predicate and object."""
    rows = [
        [_cell(t.subject), _cell(t.predicate), _cell(t.object)]
        for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    ]
    return Table(["subject", "predicate", "object"], rows)  # type: ignore[arg-type]


def _cell(term: object) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Cell("bnode", term.value)
    assert isinstance(term, ox.Literal)
    return Cell("literal", term.value, term.datatype.value, term.language)


def chart_of(table: Table, rows: list[list[Shown]], lang: str) -> charts.Chart | None:
    """A bar chart when the result suits one: names in the first column, numbers in every
    other, two rows or more (and not too many to read)."""
    if len(table.columns) < 2 or not 2 <= len(table.rows) <= MAX_CHART_ROWS:
        return None
    if not all(c is not None and c.is_number for row in table.rows for c in row[1:]):
        return None
    if any(row[0] is not None and row[0].is_number for row in table.rows):
        return None
    data = [
        (shown_row[0].text, [Decimal(c.value) for c in row[1:] if c is not None])
        for row, shown_row in zip(table.rows, rows, strict=True)
    ]
    series = [(name, "number") for name in table.columns[1:]]
    return charts.chart(ENDPOINT[lang]["chart"], table.columns[0], series, data, lang)


# --- one click away ---------------------------------------------------------------------
def questions(lang: str) -> list[tuple[str, str, str]]:
    """(title, its SPARQL on this page, its own page) of each named question that runs
    without parameters or with their defaults."""
    found = []
    for name, question in sorted(loaded().queries.items()):
        try:
            bound = question.bind({}, context())
        except nq.ParameterError:
            continue
        found.append(
            (
                question.title.get(lang, name),
                link_to("sparql", query=sparql_text(bound.sparql)),
                link_to(f"queries/{name}"),
            )
        )
    return found


EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "Grafi e numero di triple",
        "Graphs and their triple counts",
        "SELECT ?graph (COUNT(*) AS ?triples)\nWHERE { GRAPH ?graph { ?s ?p ?o } }\n"
        "GROUP BY ?graph\nORDER BY ?graph",
    ),
    (
        "Classi più usate",
        "Most used classes",
        "SELECT ?class (COUNT(?s) AS ?instances)\nWHERE { ?s a ?class }\n"
        "GROUP BY ?class\nORDER BY DESC(?instances)\nLIMIT 25",
    ),
    (
        "Etichette in italiano",
        "Labels in Italian",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?resource ?label\nWHERE {\n  ?resource rdfs:label ?label\n"
        '  FILTER(langMatches(lang(?label), "it"))\n}\nLIMIT 25',
    ),
    (
        "Un grafo RDF (CONSTRUCT)",
        "An RDF graph (CONSTRUCT)",
        "CONSTRUCT { ?s ?p ?o }\nWHERE { ?s ?p ?o }\nLIMIT 20",
    ),
)
