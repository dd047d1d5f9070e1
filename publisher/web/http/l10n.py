"""Numbers, amounts, shares and dates as a reader of each page language writes them.

Babel's CLDR data decides the separators and where the euro sign goes, so a third language
is one more row in :data:`LOCALES`: Italian ``1.080.000 €`` and ``3 novembre 2015``,
English (British, as the EU institutions write it) ``€1,080,000`` and ``3 November 2015``.
Amounts show cents only when there are any. Shared by every family that prints figures:
resource pages, charts, named-query tables.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"it": "it_IT", "en": "en_GB"}
CURRENCY = "EUR"


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["it"])


@functools.cache
def _whole_amount_pattern(lang: str) -> str:
    """The language's currency pattern without the decimals (``#,##0 ¤``)."""
    return Locale.parse(locale(lang)).currency_formats["standard"].pattern.replace(".00", "")


def number(value: Decimal | int, lang: str, places: int | None = None) -> str:
    """Digits grouped by thousands; ``places`` decimals, or as many as the value needs
    (``45.0`` → ``45``, ``12.50`` → ``12,5`` in Italian)."""
    value = Decimal(value)
    if places is None:
        return format_decimal(value.normalize(), locale=locale(lang), decimal_quantization=False)
    quantum = Decimal(1).scaleb(-places)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value.quantize(quantum), pattern, locale=locale(lang))


def euro(value: Decimal | int, lang: str) -> str:
    """An amount in euro: cents only when there are any."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return format_currency(
            value, CURRENCY, _whole_amount_pattern(lang), locale(lang), currency_digits=False
        )
    return format_currency(value, CURRENCY, locale=locale(lang))


def percent(share: Decimal, lang: str) -> str:
    """A share (0.25) as a percentage (25%), with the decimals it has."""
    return format_percent(Decimal(share), locale=locale(lang), decimal_quantization=False)


def date(day: dt.date, lang: str) -> str:
    """``3 novembre 2015`` / ``3 November 2015``."""
    return format_date(day, "d MMMM y", locale=locale(lang))


def parse_date(raw: str) -> dt.date | None:
    """The day of an xsd:date or xsd:dateTime lexical form, or None."""
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _load_locale_data() -> None:
    """Read the CLDR data of every page language now, at import (before a production
    server forks its workers), not during the first page a reader asks for."""
    for lang in LOCALES:
        euro(Decimal("1.5"), lang)
        date(dt.date(2000, 1, 1), lang)


_load_locale_data()
