"""A named query's answer as the HTML pages show it: the table's cells written for people
(names of IRIs, numbers and amounts in the page's language) and the charts its header asks
for. One place, so ``/queries/<name>`` and ``/compare`` show the same answer the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher import named_queries as nq
from publisher.client import Table
from publisher.iris import Iris
from publisher.web.context import state
from publisher.web.http import charts
from publisher.web.http.cells import Shown, shown
from publisher.web.http.questions import labels_of, sparql_link
from publisher.web.texts import QUERIES


@dataclass(frozen=True)
class ResultView:
    """What a page shows of one answer."""

    columns: list[str]  # the columns' titles
    rows: list[list[Shown]]
    charts: list[charts.Chart]
    sparql_url: str  # /sparql?query=… with the bound query


def result_view(query: nq.NamedQuery, bound: nq.BoundQuery, table: Table, lang: str) -> ResultView:
    """The table and charts of ``table``, the answer to ``bound``."""
    iris = Iris(state().config.base_iri)
    kinds = dict(query.chart.values) if query.chart else {}
    names = labels_of([c.value for row in table.rows for c in row if c and c.type == "uri"], lang)
    titles = {c.name: charts.title(c.description.get(lang, c.name)) for c in query.columns}
    link = sparql_link(bound.sparql)
    rows = [
        [shown(c, kinds.get(n), iris, names, lang) for n, c in zip(table.columns, r, strict=True)]
        for r in table.rows
    ]
    return ResultView(
        columns=[titles.get(c, c) for c in table.columns],
        rows=rows,
        charts=charts.from_table(query, table, lang, [(QUERIES[lang]["run_sparql"], link)]),
        sparql_url=link,
    )
