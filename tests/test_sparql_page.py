"""``/sparql`` for people (issue #16): a browser gets the editor page with the results, the
chart or the error in it, never a download; machines get exactly what they got before
(tests/protocol/ and tests/test_sparql_clients.py hold that)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import pytest
from conftest import REPO_ROOT, Reply, _client, running

from publisher.config import load_config
from publisher.web.app import create_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ITALIAN = {"Accept": BROWSER, "Accept-Language": "it-IT,it;q=0.9"}
PER_THEME = (
    "PREFIX dct: <http://purl.org/dc/terms/>\n"
    "SELECT ?theme (COUNT(?action) AS ?actions)\n"
    "WHERE { ?action dct:subject ?theme }\nGROUP BY ?theme ORDER BY ?theme"
)


def sparql(query: str, **params: str) -> str:
    return "/sparql?" + urlencode({"query": query, **params})


def textarea(reply: Reply) -> str:
    """The query the page keeps in its form."""
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", reply.text, re.S)
    assert found, reply.text[:500]
    return html.unescape(found.group(1))


def table(reply: Reply) -> tuple[list[str], list[list[str]]]:
    """(column titles, rows of cell texts) of the result table."""
    body = reply.text.split('class="table table-sm result"', 1)[1].split("</table>", 1)[0]
    heads = [html.unescape(h) for h in re.findall(r'<th scope="col">(.*?)</th>', body)]
    cells = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
    rows = [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells.findall(r)]
        for r in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    ]
    return heads, rows


def test_a_browser_gets_the_results_in_the_page(embedded_demo_http):
    reply = embedded_demo_http("GET", sparql(PER_THEME), headers=ITALIAN)
    assert reply.status == 200 and reply.media_type == "text/html"
    assert reply.headers["Content-Language"] == "it"
    assert "Content-Disposition" not in reply.headers
    vary = reply.headers["Vary"]
    assert "Accept" in vary and "Accept-Language" in vary
    assert textarea(reply) == PER_THEME  # the query is kept in the form
    heads, rows = table(reply)
    assert heads == ["theme", "actions"]
    assert len(rows) >= 2 and all(r[1].isdigit() for r in rows)
    # names and numbers: a chart too, with its table for screen readers
    assert 'class="chart"' in reply.text and "Grafico del risultato" in reply.text
    for fmt in ("csv", "srj", "tsv", "srx"):  # the same query as a download, one click away
        assert html.escape(sparql(PER_THEME, format=fmt)).replace("&#x27;", "&#39;") in reply.text


def test_format_html_and_english(embedded_demo_http):
    reply = embedded_demo_http("GET", sparql("ASK { ?s ?p ?o }", format="html", lang="en"))
    assert reply.status == 200 and reply.media_type == "text/html"
    assert '<html lang="en">' in reply.text
    assert table(reply) == (["boolean"], [["yes"]])
    assert 'name="lang" value="en"' in reply.text  # the next run stays in English


def test_a_graph_is_a_table_of_statements(embedded_demo_http):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
    reply = embedded_demo_http("GET", sparql(query), headers=ITALIAN)
    assert reply.status == 200
    heads, rows = table(reply)
    assert heads == ["subject", "predicate", "object"] and len(rows) == 5
    assert "format=ttl" in reply.text  # its downloads are RDF formats


def test_a_syntax_error_is_shown_with_its_position_and_the_query_kept(embedded_demo_http):
    query = "SELECT * WHERE {\n  ?s ?p ?o \n"
    reply = embedded_demo_http("GET", sparql(query), headers=ITALIAN)
    assert reply.status == 400 and reply.media_type == "text/html"
    assert textarea(reply) == query
    assert 'role="alert"' in reply.text and "Riga 3, colonna 1" in reply.text
    assert 'data-error-line="3" data-error-column="1"' in reply.text
    assert 'aria-describedby="query-help query-error"' in reply.text


def test_missing_prefixes_are_named_and_declared_in_one_click(embedded_demo_http):
    query = "SELECT ?label WHERE {\n  ?s rdfs:label ?label ; dct:subject ?theme\n} LIMIT 3"
    reply = embedded_demo_http("GET", sparql(query), headers=ITALIAN)
    assert reply.status == 400 and "Riga 2" in reply.text
    assert "<code>dct:</code>, <code>rdfs:</code>" in reply.text
    fix = html.unescape(re.search(r'<a class="btn[^"]*" href="([^"]+)">', reply.text).group(1))
    fixed = embedded_demo_http("GET", fix, headers=ITALIAN)
    assert fixed.status == 200
    assert textarea(fixed).startswith("PREFIX dct: <http://purl.org/dc/terms/>\nPREFIX rdfs:")
    assert len(table(fixed)[1]) == 3


def test_an_unreadable_query_is_an_error_in_the_page_for_a_browser_only(embedded_demo_http):
    reply = embedded_demo_http("GET", sparql("HELLO world"), headers=ITALIAN)
    assert reply.status == 400 and reply.media_type == "text/html"
    assert textarea(reply) == "HELLO world" and "Riga 1, colonna 1" in reply.text
    machine = embedded_demo_http("GET", sparql("HELLO world"))
    assert machine.status == 400 and machine.media_type == "text/plain"


def test_a_refused_query_is_shown_in_the_page(embedded_demo_http):
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    reply = embedded_demo_http("GET", sparql(query), headers=ITALIAN)
    assert reply.status == 403 and reply.media_type == "text/html"
    assert textarea(reply) == query and "SERVICE" in reply.text


def test_machines_and_downloads_are_unchanged(embedded_demo_http):
    for accept, expected in (
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/*", "text/csv"),
        ("application/xml, */*;q=0.8", "application/sparql-results+xml"),
    ):
        headers = {"Accept": accept} if accept else {}
        reply = embedded_demo_http("GET", sparql(PER_THEME), headers=headers)
        assert (reply.status, reply.media_type) == (200, expected), accept
    reply = embedded_demo_http("GET", sparql(PER_THEME, format="csv"), headers=ITALIAN)
    assert reply.media_type == "text/csv"  # a format chosen in the form is a download


def test_examples_and_questions_are_one_click_away(embedded_demo_http):
    page = embedded_demo_http("GET", "/sparql", headers=ITALIAN)
    assert page.status == 200
    lists = "".join(re.findall(r'<ul class="sparql-links">(.*?)</ul>', page.text, re.S))
    links = [html.unescape(h) for h in re.findall(r'href="(/sparql\?query=[^"]+)"', lists)]
    assert len(links) >= 8  # 4 examples and the questions that run with their defaults
    for link in links:
        reply = embedded_demo_http("GET", link, headers=ITALIAN)
        assert reply.status == 200, (link, reply.text[-2000:])
        assert "sparql-results" in reply.text


# --- the caps hold for the page too -------------------------------------------------------
@pytest.fixture(scope="module")
def capped_http(demo_dist) -> Iterator[Callable[..., Reply]]:
    config = load_config(
        overrides={"dist_dir": str(demo_dist), "limits": {"max_result_rows": 3}},
        root=REPO_ROOT,
    )
    with running(create_app(config)) as address:
        yield _client(f"http://{address}")


def test_the_page_keeps_the_row_cap_and_says_so(capped_http):
    reply = capped_http("GET", sparql("SELECT * WHERE { ?s ?p ?o }"), headers=ITALIAN)
    assert reply.status == 200
    assert len(table(reply)[1]) == 3
    assert "troncato" in reply.text and "true; limit=3" in reply.text


def test_a_browser_asking_for_a_format_the_form_cannot_give_gets_a_406_page(embedded_demo_http):
    reply = embedded_demo_http("GET", sparql("SELECT * {}", format="ttl"), headers=ITALIAN)
    assert reply.status == 406 and reply.media_type == "text/html"
    assert "text/csv" in reply.text  # what the query can be written in
