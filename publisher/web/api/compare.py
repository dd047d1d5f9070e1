"""``/compare``: the Osservatorio's questions across cities, on one page.

Each section is a named query (``queries/*.rq``) run with fixed parameters: its answer as a
table and the charts its header asks for, with links to the question's own page, its CSV
and the SPARQL it sent, so every figure on the page can be reproduced and cited. The JSON
twin gives the same rows. The questions are the ones an aggregate of many cities is for
(docs/aggregator.md): the same figures per city, actions and investment per theme, per EU
data theme and per Osservatorio area, declared against published actions, organisations
active in several cities.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from publisher import named_queries as nq
from publisher.client import Table
from publisher.web.api.tables import ResultView, result_view
from publisher.web.http.links import local
from publisher.web.http.questions import run

LANG = "lang"
# Charts per section at most: a question drawn per city (themes differ from city to city)
# would otherwise draw a hundred charts for a hundred cities. The table has every row, and
# the question's page draws any one city's chart.
MAX_CHARTS = 12


@dataclass(frozen=True)
class Question:
    """One section: a named query and the parameters it is run with."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    heading: dict[str, str] | None = None  # when the query's title says too little


QUESTIONS = (
    Question("cities-compared"),
    Question("actions-per-theme"),
    Question(
        "actions-per-area",
        {"scheme": "eu-data-theme"},
        {"it": "Azioni e investimenti per tema dei dati UE, città per città",
         "en": "Actions and investment per EU data theme, city by city"},
    ),
    Question(
        "actions-per-area",
        {"scheme": "osservatorio-theme"},
        {"it": "Azioni e investimenti per area dell'Osservatorio, città per città",
         "en": "Actions and investment per Osservatorio area, city by city"},
    ),
    Question("data-completeness"),
    Question("organisations-in-several-cities"),
)  # fmt: skip


@dataclass(frozen=True)
class Section:
    anchor: str  # the section's id on the page
    question: Question
    query: nq.NamedQuery
    heading: str
    bound: nq.BoundQuery
    table: Table

    def url(self, lang: str, fmt: str) -> str:
        """The question's own URL with this section's parameters, in format ``fmt``."""
        values = self.question.values | ({LANG: lang} if self._has_lang else {})
        return local(f"queries/{self.query.name}") + "?" + urlencode(values | {"format": fmt})

    @property
    def _has_lang(self) -> bool:
        return any(p.name == LANG for p in self.query.parameters)

    def view(self, lang: str) -> tuple[ResultView, int]:
        """The answer's table and its first :data:`MAX_CHARTS` charts; how many more."""
        view = result_view(self.query, self.bound, self.table, lang)
        omitted = max(0, len(view.charts) - MAX_CHARTS)
        return dataclasses.replace(view, charts=view.charts[:MAX_CHARTS]), omitted

    def record(self, lang: str) -> dict[str, Any]:
        """The section in the JSON twin."""
        return {
            "id": self.anchor,
            "question": self.query.name,
            "title": self.heading,
            "parameters": self.bound.values,
            "url": self.url(lang, "html"),
            "csv": self.url(lang, "csv"),
            "sparql": self.bound.sparql,
            "rows": self.table.records(),
        }


def sections(queries: dict[str, nq.NamedQuery], lang: str) -> list[Section]:
    """Every question this server has, answered (a question whose file is missing from the
    configured ``queries_dir`` is left out)."""
    answered = []
    for question in QUESTIONS:
        query = queries.get(question.name)
        if query is None:
            continue
        given = dict(question.values)
        if any(p.name == LANG for p in query.parameters):
            given[LANG] = lang
        bound, table = run(query, given)
        heading = (question.heading or query.title).get(lang, query.name)
        anchor = "-".join([query.name, *question.values.values()])
        answered.append(Section(anchor, question, query, heading, bound, table))
    return answered
