"""Turning RDF terms into what a reader sees: labels in a language, dates, numbers, euro.

Why not Babel: two languages and three number shapes do not justify a dependency, and the
rules are easy to test here. Italian groups thousands with ``.`` and writes decimals with
``,`` and the euro sign after the amount (``1.080.000 €``); English uses ``,`` and ``.``
and puts the sign first (``€1,080,000``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS, XSD

from publisher.namespaces import L0, VCARD
from publisher.web.http.negotiation import LANGUAGES
from publisher.web.texts import MONTHS

# Where a name may be, best first.
NAME_PREDICATES = (
    str(SKOS.prefLabel),
    str(RDFS.label),
    str(DCTERMS.title),
    str(FOAF.name),
    str(L0.name),
    str(VCARD.fn),
)
DECIMAL_TYPES = {str(XSD.decimal), str(XSD.double), str(XSD.float)}
INTEGER_TYPES = {
    str(XSD[name])
    for name in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")
}


@dataclass(frozen=True)
class Text:
    """A string and its language tag (None when untagged), so pages can mark it up."""

    value: str
    lang: str | None = None

    def __str__(self) -> str:
        return self.value


def pick(literals: list[ox.Literal], lang: str) -> ox.Literal | None:
    """The literal in ``lang``, else in the other page languages, else untagged, else any:
    a missing English label falls back to Italian and vice versa."""
    if not literals:
        return None
    order = [lang, *[other for other in LANGUAGES if other != lang]]
    for wanted in order:
        for literal in literals:
            if (literal.language or "").lower().split("-")[0] == wanted:
                return literal
    for literal in literals:
        if not literal.language:
            return literal
    return literals[0]


def text(literal: ox.Literal | None) -> Text | None:
    return None if literal is None else Text(literal.value, literal.language or None)


# --- numbers, money, dates ----------------------------------------------------------------
def decimal(literal: ox.Literal | None) -> Decimal | None:
    if literal is None:
        return None
    try:
        return Decimal(literal.value)
    except InvalidOperation:
        return None


def number(value: Decimal, lang: str, places: int | None = None) -> str:
    """Digits grouped by thousands in the language's style; ``places`` decimals, or as many
    as the value needs (``45.0`` → ``45``, ``12.50`` → ``12,5`` in Italian)."""
    if places is None:
        value = value.normalize()
        places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    english = f"{value:,.{places}f}"
    if lang == "it":
        return english.translate(str.maketrans({",": ".", ".": ","}))
    return english


def euro(value: Decimal, lang: str) -> str:
    """An amount in euro: cents only when there are any."""
    places = 0 if value == value.to_integral_value() else 2
    digits = number(value, lang, places)
    return f"{digits} €" if lang == "it" else f"€{digits}"


def percent(value: Decimal, lang: str) -> str:
    return f"{number(value * 100, lang)}%"


def date(literal: ox.Literal | None, lang: str) -> str | None:
    """xsd:date / xsd:dateTime as "3 novembre 2015" / "3 November 2015"; gYear as is."""
    if literal is None:
        return None
    raw = literal.value
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError:
        return raw
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def literal_text(literal: ox.Literal, lang: str) -> str:
    """Any literal as a reader sees it (numbers and dates localised)."""
    datatype = literal.datatype.value if literal.datatype else ""
    if datatype in DECIMAL_TYPES or datatype in INTEGER_TYPES:
        value = decimal(literal)
        return number(value, lang) if value is not None else literal.value
    if datatype in (str(XSD.date), str(XSD.dateTime)):
        return date(literal, lang) or literal.value
    if datatype == str(XSD.boolean):
        yes = literal.value in ("true", "1")
        return ("sì" if yes else "no") if lang == "it" else ("yes" if yes else "no")
    return literal.value
