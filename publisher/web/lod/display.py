"""Turning RDF terms into what a reader sees: labels in a language, dates, numbers, euro.

The formatting itself (separators, the euro sign, month names) is Babel's, in
``publisher.web.http.l10n``, shared with the charts and the named-query tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS, XSD

from publisher.namespaces import L0, VCARD
from publisher.web.http import l10n
from publisher.web.http.negotiation import LANGUAGES

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
    return l10n.number(value, lang, places)


def euro(value: Decimal, lang: str) -> str:
    return l10n.euro(value, lang)


def percent(value: Decimal, lang: str) -> str:
    return l10n.percent(value, lang)


def date(literal: ox.Literal | None, lang: str) -> str | None:
    """xsd:date / xsd:dateTime as "3 novembre 2015" / "3 November 2015"; gYear as is."""
    if literal is None:
        return None
    day = l10n.parse_date(literal.value)
    return l10n.date(day, lang) if day is not None else literal.value


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
