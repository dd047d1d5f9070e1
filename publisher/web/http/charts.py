"""Bar charts drawn on the server: HTML rows with an SVG bar each, and a data table.

Why not a JavaScript chart library: the numbers must reach everyone. Rows of text with a bar
beside each read on a phone (the label goes above its bar), print, work without JavaScript,
pass a Content-Security-Policy that allows no inline style (widths are SVG attributes), and
each chart carries a table of the same numbers for screen readers (the drawing itself is
hidden from them, so nothing is read twice). A value column is scaled to its own largest
value, since counts and euro do not share an axis; every bar is labelled with its value.

A chart is built from a named query's result and the ``chart:`` block of its header
(``publisher.named_queries.ChartSpec``): one chart per value of ``group`` when given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from publisher.client import Cell, Table
from publisher.named_queries import ChartSpec, NamedQuery
from publisher.web.http import l10n

SEPARATOR = " · "


@dataclass(frozen=True)
class Bar:
    text: str  # the value as written on the page
    width: str  # of the bar, in % of the row's width ("0" to "100")


@dataclass(frozen=True)
class ChartRow:
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    caption: str
    category: str  # the title of the label column in the data table
    series: tuple[str, ...]  # the title of each value column
    rows: tuple[ChartRow, ...]
    links: tuple[tuple[str, str], ...] = ()  # (text, URL): the question, its SPARQL


WRITERS: dict[str, Callable[[Decimal, str], str]] = {
    "count": lambda v, lang: l10n.number(v, lang),
    "number": lambda v, lang: l10n.number(v, lang),
    "euro": l10n.euro,
    "share": l10n.percent,
}


def write(value: Decimal, kind: str, lang: str) -> str:
    """A chart value as its kind reads (``count``, ``number``, ``euro``, ``share``)."""
    return WRITERS[kind](value, lang)


def chart(
    caption: str,
    category: str,
    series: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Sequence[Decimal]]],
    lang: str,
    links: Sequence[tuple[str, str]] = (),
) -> Chart:
    """A chart of ``rows`` (label, one value per series); ``series`` is (title, kind)."""
    peaks = [max((r[1][i] for r in rows), default=Decimal(0)) for i in range(len(series))]
    built = []
    for label, values in rows:
        bars = tuple(
            Bar(write(v, kind, lang), _width(v, peak))
            for v, (_, kind), peak in zip(values, series, peaks, strict=True)
        )
        built.append(ChartRow(label, bars))
    return Chart(caption, category, tuple(t for t, _ in series), tuple(built), tuple(links))


def _width(value: Decimal, peak: Decimal) -> str:
    if peak <= 0 or value <= 0:
        return "0"
    return f"{float(value / peak * 100):.2f}".rstrip("0").rstrip(".")


def number(cell: Cell | None) -> Decimal:
    """A cell as a number (0 when unbound or not a number)."""
    if cell is None:
        return Decimal(0)
    try:
        return Decimal(cell.value)
    except InvalidOperation:
        return Decimal(0)


def from_table(
    query: NamedQuery,
    table: Table,
    lang: str,
    links: Sequence[tuple[str, str]] = (),
    keep: Callable[[dict[str, Cell | None]], bool] = lambda row: True,
) -> list[Chart]:
    """The charts a named query's header asks for (none without a ``chart:`` block)."""
    spec: ChartSpec | None = query.chart
    if spec is None or not table.rows:
        return []
    titles = {c.name: c.description.get(lang, c.name) for c in query.columns}
    series = [(title(titles[name]), kind) for name, kind in spec.values]
    groups: dict[str, list[tuple[str, list[Decimal]]]] = {}
    for cells in table.rows:
        row = dict(zip(table.columns, cells, strict=True))
        if not keep(row):
            continue
        label = SEPARATOR.join(c.value for n in spec.category if (c := row.get(n)) is not None)
        group = row.get(spec.group) if spec.group else None
        values = [number(row.get(name)) for name, _ in spec.values]
        groups.setdefault(group.value if group else "", []).append((label, values))
    category = SEPARATOR.join(title(titles[n]) for n in spec.category)
    caption = query.title.get(lang, query.name)
    return [
        chart(f"{caption} ({name})" if name else caption, category, series, rows, lang, links)
        for name, rows in groups.items()
    ]


def title(text: str) -> str:
    """A column's description as a heading: its first letter in capitals."""
    return text[:1].upper() + text[1:]
