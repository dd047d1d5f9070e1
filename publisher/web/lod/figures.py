"""The key figures and charts the home page and each masterplan page open with.

Key figures: the actions each source declares beside the actions published here, the
declared total investment with its source, and the work tables, themes and organisations
counted in the data (by the ``masterplan-overview`` question, linked under them). Charts:
actions and exact amounts per theme, per timeframe and per ICT role, from the
``actions-per-theme`` and ``actions-by-timeframe-and-ict-role`` questions; each chart links
to its question and to its SPARQL. A deployment whose ``queries_dir`` lacks one of these
questions simply shows fewer figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from publisher import named_queries as nq
from publisher.client import Cell, Table
from publisher.store import QueryTimeout, StoreError, StoreUnavailable
from publisher.web.http import charts
from publisher.web.http.charts import Chart
from publisher.web.http.html import link_to
from publisher.web.http.questions import loaded, run, sparql_link
from publisher.web.lod.display import Text
from publisher.web.lod.plan import Figure
from publisher.web.texts import LOD

OVERVIEW = "masterplan-overview"
PER_THEME = "actions-per-theme"
PER_TIMEFRAME_AND_ROLE = "actions-by-timeframe-and-ict-role"
COMPLETENESS = "data-completeness"
TIMEFRAMES = ("short", "medium", "long")
ICT_ROLES = ("characterising", "enabling", "none")
COUNTED = ("work_tables", "themes", "organisations")


@dataclass(frozen=True)
class KeyFigure:
    """One figure in a card: what, how much, where it comes from."""

    label: str
    value: str
    note: str | None = None
    href: str | None = None
    link_text: str | None = None
    kind: str = "counted"  # declared, published, investment or counted (its CSS class)
    comment: Text | None = None


Answer = tuple[nq.NamedQuery, nq.BoundQuery, Table]


def question(name: str, lang: str, **params: str) -> Answer | None:
    """A named question's result; None when this deployment does not have it or its store
    refuses it for good (Virtuoso refuses some by its cost estimate): the page then shows
    fewer figures rather than none, and the log says why. A passing failure (busy, time
    limit) is raised: the page is then an error, never a poorer page kept by the cache."""
    query = loaded().queries.get(name)
    if query is None:
        return None
    try:
        bound, table = run(query, {**params, "lang": lang})
    except (StoreUnavailable, QueryTimeout):
        raise
    except StoreError as exc:
        current_app.logger.warning("key figures: %s not answered: %s", name, exc)
        return None
    return query, bound, table


def records(table: Table) -> list[dict[str, Cell | None]]:
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def overview(city: str, lang: str) -> dict[str, Cell | None]:
    """The ``masterplan-overview`` row of one city (empty when the question is missing)."""
    found = question(OVERVIEW, lang, city=city)
    rows = records(found[2]) if found is not None else []
    return rows[0] if rows else {}


def key_figures(
    city: str, figures: list[Figure], published: int, counts: dict[str, Cell | None], lang: str
) -> list[KeyFigure]:
    """The cards of one city: declared actions per source, published actions, declared
    investment per source, and the counts of the overview question."""
    t = LOD[lang]
    cards = [
        _declared(f, t["kf_declared_actions"], "declared")
        for f in figures
        if f.kind_key == "actions"
    ]
    cards.append(
        KeyFigure(
            t["kf_published_actions"],
            charts.write(Decimal(published), "count", lang),
            t["kf_published_note"],
            link_to(f"queries/{COMPLETENESS}", city=city),
            t["kf_compare"],
            "published",
        )
    )
    cards += [
        _declared(f, t["kf_investment"], "investment")
        for f in figures
        if f.kind_key == "total-investment"
    ]
    for name in COUNTED:
        cell = counts.get(name)
        if cell is not None:
            cards.append(
                KeyFigure(
                    t[f"kf_{name}"],
                    charts.write(charts.number(cell), "count", lang),
                    t["kf_counted"],
                    link_to(f"queries/{OVERVIEW}", city=city),
                    t["kf_query"],
                )
            )
    return cards


def _declared(figure: Figure, label: str, kind: str) -> KeyFigure:
    source = figure.source
    return KeyFigure(
        label,
        figure.value,
        (source.publisher or source.link.text) if source else None,
        source.link.href if source else None,
        source.link.text if source else None,
        kind,
        figure.comment,
    )


def action_charts(city: str, lang: str) -> list[Chart]:
    """Actions and amounts per theme, per timeframe and per ICT role (none without
    actions)."""
    t = LOD[lang]
    found: list[Chart] = []
    per_theme = question(PER_THEME, lang, city=city)
    if per_theme is not None:
        query, bound, table = per_theme
        found += [
            _captioned(c, t["chart_themes"])
            for c in charts.from_table(
                query, table, lang, _links(query, bound, city, lang),
                keep=lambda row: row.get("parent") is None and charts.number(row["actions"]) > 0,
            )
        ]  # fmt: skip
    combos = question(PER_TIMEFRAME_AND_ROLE, lang, city=city)
    if combos is not None and combos[2].rows:
        query, bound, table = combos
        rows = records(table)
        links = _links(query, bound, city, lang)
        for column, order, caption in (
            ("timeframe", TIMEFRAMES, t["chart_timeframes"]),
            ("ict_role", ICT_ROLES, t["chart_ict_roles"]),
        ):
            found.append(_totals(rows, column, order, caption, query, lang, links))
    return found


def _links(
    query: nq.NamedQuery, bound: nq.BoundQuery, city: str, lang: str
) -> list[tuple[str, str]]:
    t = LOD[lang]
    title = t["chart_question"].format(title=query.title[lang])
    return [
        (title, link_to(f"queries/{query.name}", city=city)),
        (t["chart_sparql"], sparql_link(bound.sparql)),
    ]


def _captioned(chart: Chart, caption: str) -> Chart:
    return Chart(caption, chart.category, chart.series, chart.rows, chart.links)


def _totals(
    rows: list[dict[str, Cell | None]],
    column: str,
    order: tuple[str, ...],
    caption: str,
    query: nq.NamedQuery,
    lang: str,
    links: list[tuple[str, str]],
) -> Chart:
    """Actions and amounts summed over one column of the timeframe × ICT role question."""
    totals: dict[str, tuple[str, list[Decimal]]] = {}
    for row in rows:
        iri = row[column].value if row.get(column) else ""
        label = row[f"{column}_label"].value if row.get(f"{column}_label") else iri
        _, values = totals.setdefault(iri.rsplit("/", 1)[-1], (label, [Decimal(0), Decimal(0)]))
        values[0] += charts.number(row.get("actions"))
        values[1] += charts.number(row.get("exact_sum"))
    titles = {c.name: charts.title(c.description[lang]) for c in query.columns}
    keys = sorted(totals, key=_rank(order))
    return charts.chart(
        caption,
        titles[f"{column}_label"],
        [(titles["actions"], "count"), (titles["exact_sum"], "euro")],
        [totals[k] for k in keys],
        lang,
        links,
    )


def _rank(order: Iterable[str]) -> Callable[[str], tuple[int, str]]:
    known = list(order)
    return lambda key: (known.index(key) if key in known else len(known), key)


def add_to_masterplan(facts: dict, city: str | None, lang: str) -> None:
    """The masterplan page's key figures and charts, added to its facts."""
    if city is None:
        facts.update(key_figures=[], charts=[])
        return
    counts = overview(city, lang)
    published = int(facts.get("published_actions") or 0)
    facts["key_figures"] = key_figures(city, facts["figures"], published, counts, lang)
    facts["charts"] = action_charts(city, lang) if published else []
