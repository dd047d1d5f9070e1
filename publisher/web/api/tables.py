"""A named query's answer as the HTML pages show it: the table's cells written for people
(names of IRIs, numbers and amounts in the page's language) and the charts its header asks
for. One place, so ``/queries/<name>`` and ``/compare`` show the same answer the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from publisher import named_queries as nq
from publisher.client import Cell, Table, compact
from publisher.iris import Iris
from publisher.web.context import state
from publisher.web.http import charts, l10n
from publisher.web.http.html import link_to
from publisher.web.http.questions import labels_of, sparql_link
from publisher.web.texts import QUERIES


@dataclass(frozen=True)
class Shown:
    """One cell of the HTML table: the name of an IRI where the data has one (the IRI in
    its title), numbers, amounts and dates as the page language writes them."""

    text: str
    href: str | None = None
    lang: str | None = None
    number: bool = False
    title: str | None = None


XSD = "http://www.w3.org/2001/XMLSchema#"


def shown(
    cell: Cell | None,
    kind: str | None,
    iris: Iris,
    names: dict[str, tuple[str, str | None]],
    lang: str,
) -> Shown:
    """A cell as the table shows it; ``kind`` is the chart's kind of its column, if any."""
    if cell is None:
        return Shown("")
    if cell.type == "uri":
        path = iris.local_path(cell.value)
        href = link_to(path) if path is not None else cell.value
        name, name_lang = names.get(cell.value, (compact(cell.value, iris.base), None))
        return Shown(name, href, name_lang, title=cell.value)
    if cell.type == "bnode":
        return Shown(f"_:{cell.value}")
    if cell.is_number:
        value = Decimal(cell.value)
        text = charts.write(value, kind, lang) if kind else l10n.number(value, lang)
        return Shown(text, number=True)
    if cell.datatype in (XSD + "date", XSD + "dateTime"):
        day = l10n.parse_date(cell.value)
        return Shown(l10n.date(day, lang) if day else cell.value)
    if cell.datatype == XSD + "boolean":
        return Shown(QUERIES[lang]["yes" if cell.value in ("true", "1") else "no"])
    return Shown(cell.value, lang=cell.lang)


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
