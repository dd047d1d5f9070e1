"""The values a city's YAML may hold, and the checks that turn text into them."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from publisher.iris import is_slug
from publisher.messages import Localised, Located, msg
from publisher.source.records import Text
from publisher.source.vocabulary import Choices, load
from publisher.source.yamlfile import Node, Origin, _join

LANGUAGES = Choices(("it", "en"))

EU_THEMES = Choices(
    (
        "AGRI",
        "ECON",
        "EDUC",
        "ENER",
        "ENVI",
        "GOVE",
        "HEAL",
        "INTL",
        "JUST",
        "OP_DATPRO",
        "REGI",
        "SOCI",
        "TECH",
        "TRAN",
    )
)
# The controlled vocabularies (ontology/vocabularies.ttl) and the few other enumerations,
# each with every name it accepts (publisher/source/vocabulary.py).
_CHOICES = load()
OSSERVATORIO_THEMES = _CHOICES["osservatorio-theme"]
TIMEFRAMES = _CHOICES["timeframe"]
ICT_ROLES = _CHOICES["ict-role"]
FUNDING_TYPES = _CHOICES["funding-type"]
STATUSES = _CHOICES["action-status"]
ROLES = _CHOICES["role"]
FIGURE_KINDS = _CHOICES["figure-kind"]
PRECISIONS = _CHOICES["precision"]
SOURCE_TYPES = _CHOICES["source-type"]
ORGANISATION_TYPES = _CHOICES["organisation-type"]
ROLE_TARGETS = _CHOICES["role-target"]
BOOLEANS = _CHOICES["boolean"]
# The most digits a number may have: amounts and counts, never more than this.
MAX_DIGITS = 30


# --- checking values -------------------------------------------------------------------


class Invalid(ValueError):
    """A value refused with its own message (catalogue ``key``; ``value`` is added)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


class Checker:
    """Collects problems instead of stopping at the first, so one run shows them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, origin: Origin, key: str, /, **params: Any) -> None:
        """Report the message ``key`` (publisher/messages.py) at ``origin``."""
        self.problems.append(Localised(Located(origin, msg(key, **params))))

    def mapping(
        self, node: Node | None, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Node]:
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            self.expected(node, "a mapping")
            return {}
        for key, child in node.value.items():
            if key not in allowed:
                self.fail(child.origin, "field.unknown", allowed=allowed)
        for key in required:
            if key not in node.value:
                self.fail(
                    Origin(
                        node.origin.file,
                        node.origin.line,
                        _join(node.origin.field, key) if node.origin.field != "(top)" else key,
                    ),
                    "field.missing",
                )
        return node.value

    def items(self, node: Node | None) -> list[Node]:
        if node is None or node.value is None:
            return []
        if not isinstance(node.value, list):
            self.expected(node, "a list")
            return []
        return node.value

    def expected(self, node: Node, what: str) -> None:
        """Report that ``node`` is not ``what`` (a key "expected:<what>" of the catalogue)."""
        self.fail(node.origin, "value.expected", what=msg("expected:" + what), value=shown(node))

    def scalar(self, node: Node | None, check: Callable[[Any], Any], what: str) -> Any:
        """Convert a scalar with ``check``; a ValueError/TypeError becomes a problem: the
        check's own message when it raises :class:`Invalid`, else "expected ``what``"."""
        if node is None:
            return None
        try:
            return check(node.value)
        except Invalid as exc:
            self.fail(node.origin, exc.key, value=shown(node), **exc.params)
        except (ValueError, TypeError, InvalidOperation):
            self.expected(node, what)
        return None

    def text(self, node: Node | None, require_it: bool = False) -> Text:
        if node is None:
            return {}
        if isinstance(node.value, str):
            return {"it": _nonblank(node.value)} if node.value.strip() else self._blank(node)
        mapping = self.mapping(node, LANGUAGES)
        result: Text = {}
        for lang, child in mapping.items():
            if lang in LANGUAGES:
                value = self.scalar(child, _nonblank, "non-empty text")
                if value:
                    result[lang] = value
        if require_it and mapping and "it" not in result:
            self.fail(node.origin, "text.italian_required")
        return result

    def _blank(self, node: Node) -> Text:
        self.expected(node, "non-empty text")
        return {}

    def choice(self, node: Node | None, options: Choices) -> str | None:
        """The key ``node`` names: a key of ``options``, or any of its names (``breve``
        for ``short``)."""
        if node is None:
            return None
        key = options.key(node.value)
        if key is None:
            self.fail(node.origin, "choice.unknown", value=shown(node), allowed=options)
        return key

    def key(self, node: Node | None) -> str | None:
        return self.scalar(node, _slug, "a key of lower-case letters, digits and '-'")

    def keys(self, node: Node | None) -> list[str]:
        return [k for k in (self.key(item) for item in self.items(node)) if k]

    def choices(self, node: Node | None, options: Choices) -> list[str]:
        return [c for c in (self.choice(item, options) for item in self.items(node)) if c]


def shown(node: Node) -> object:
    """``node``'s value as the person wrote it, for a message: the YAML text in quotes
    (``'011027'``, not the number YAML made of it), or what kind of thing it is."""
    if isinstance(node.value, dict):
        return msg("value.mapping")
    if isinstance(node.value, list):
        return msg("value.list")
    text = node.text if node.text is not None else str(node.value)
    if node.value is None and not text:
        return msg("value.nothing")
    return repr(text if len(text) <= 80 else text[:79] + "…")


def _nonblank(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError
    return value.strip()


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not is_slug(value):
        raise Invalid("key.format")
    return value


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt ].*)?")


def _date(value: Any) -> dt.date:
    """A date: YAML's own (``2015-11-03``), or the same written in quotes."""
    if isinstance(value, dt.datetime):
        raise Invalid("date.with_time")
    if isinstance(value, dt.date):
        return value
    match = _ISO_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise Invalid("date.format")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise Invalid("date.no_month", month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise Invalid("date.no_day", month=month, year=year, days=days)
    try:
        date = dt.date(year, month, day)
    except ValueError:  # year 0
        raise Invalid("date.impossible") from None
    if len(value.strip()) > 10:  # a time after a real day: a time, or an impossible one
        raise Invalid("date.with_time")
    return date


def _year_or_date(value: Any) -> dt.date | int:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1000 <= value <= 9999:
            return value
        raise Invalid("year_or_date.format")
    try:
        return _date(value)
    except Invalid as exc:
        if exc.key == "date.format":  # neither: say both are allowed
            raise Invalid("year_or_date.format") from None
        raise


_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _decimal_value(value: Any) -> Decimal:
    """A decimal number, never a float: YAML's, or the same written in quotes."""
    if isinstance(value, bool):
        raise Invalid("number.format")
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        value = Decimal(value.strip())
    if not isinstance(value, int | Decimal):
        raise Invalid("number.format")
    number = Decimal(value)
    if len(number.as_tuple().digits) > MAX_DIGITS:
        raise Invalid("number.too_long", digits=MAX_DIGITS)
    if number < 0:
        raise Invalid("number.negative")
    return number


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value):
        raise Invalid("url.format")
    return _iri(value)


def _iri(value: str) -> str:
    """``value`` when it is an IRI the RDF writer takes (pyoxigraph checks it: the host,
    percent-escapes...), so a bad one is reported here with its line, not later."""
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise Invalid("iri.invalid", reason=str(exc)) from None
    return value


def _email(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}", value):
        raise Invalid("email.format")
    _iri(f"mailto:{value}")
    return value


def _bool(value: Any) -> bool:
    """true/false (YAML's yes/no too), or Italian: sì, vero, falso (no is YAML's)."""
    if isinstance(value, bool):
        return value
    key = BOOLEANS.key(value)
    if key is None:
        raise TypeError
    return key == "true"


def _istat(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value):
        raise Invalid("istat.format")
    return value


def _string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError
    text = str(value).strip()
    if not text:
        raise ValueError("not empty")
    return text
