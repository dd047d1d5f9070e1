"""A SPARQL result's cells as the HTML tables show them, for people.

The named-question pages (``publisher.web.api``) and the SPARQL editor's results
(``publisher.web.endpoint``) write values the same way: an IRI as the name the data gives
it (the IRI in its title, a link to its page when it is published here), numbers, amounts
and dates as the page's language writes them, booleans as words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from publisher.client import Cell, compact
from publisher.iris import Iris
from publisher.web.http import charts, l10n
from publisher.web.http.html import link_to
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
