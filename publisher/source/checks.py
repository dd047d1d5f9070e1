"""The values a city's YAML may hold, and the checks that turn text into them.

How each record field is read is declared once, on the field (:class:`Read`, used by
``publisher/source/records.py``): :func:`yaml_fields` lists a record's YAML keys and
:meth:`Checker.fields` reads them all, so a new field needs no change to the reader.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from publisher.iris import is_slug
from publisher.messages import Localised, Located, msg
from publisher.source.vocabulary import Choices, load
from publisher.source.yamlfile import Node, Origin, _join

Text = dict[str, str]  # language -> text


@dataclass
class Amount:
    """Money or a count, exact or bounded; never a float."""

    value: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    precision: str = "exact"


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

    def scalars(self, node: Node | None, check: Callable[[Any], Any], what: str) -> list[Any]:
        return [v for v in (self.scalar(item, check, what) for item in self.items(node)) if v]

    def amount(self, node: Node | None) -> Amount | None:
        """A decimal, or ``{value | min/max, precision}``."""
        if node is None:
            return None
        if not isinstance(node.value, dict):
            value = self.scalar(node, as_decimal, "a decimal number")
            return Amount(value=value) if value is not None else None
        return self.bounded(node, self.mapping(node, AMOUNT_FIELDS))

    def bounded(self, node: Node, f: dict[str, Node]) -> Amount:
        """An amount from the fields ``value``, ``min``, ``max``, ``precision`` of ``f``."""
        amount = Amount(
            value=self.scalar(f.get("value"), as_decimal, "a decimal number"),
            min=self.scalar(f.get("min"), as_decimal, "a decimal number"),
            max=self.scalar(f.get("max"), as_decimal, "a decimal number"),
            precision=self.choice(f.get("precision"), PRECISIONS) or "exact",
        )
        given = [name for name in ("value", "min", "max") if name in f]
        if not given:
            self.fail(node.origin, "amount.nothing")
        elif "value" in given and len(given) > 1:
            self.fail(node.origin, "amount.both")
        if amount.min is not None and amount.max is not None and amount.min > amount.max:
            self.fail(f["min"].origin, "amount.min_max")
        return amount

    def fields(self, record: type, f: dict[str, Node]) -> dict[str, Any]:
        """Every field of ``record`` declared with :func:`yaml_field`, read from ``f``; a
        value that is absent (or wrong, and reported) is left out, so its default applies."""
        values = {}
        for name, read in _reads(record):
            value = read.read(self, f.get(name))
            if value is not None:
                values[name] = value
        return values


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


def as_date(value: Any) -> dt.date:
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


def as_year_or_date(value: Any) -> dt.date | int:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1000 <= value <= 9999:
            return value
        raise Invalid("year_or_date.format")
    try:
        return as_date(value)
    except Invalid as exc:
        if exc.key == "date.format":  # neither: say both are allowed
            raise Invalid("year_or_date.format") from None
        raise


_YEAR_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def as_year_or_month(value: Any) -> str:
    """A year (``2020``) or a month (``2015-04``), as its xsd:gYear / xsd:gYearMonth lexical
    form: for what a source dates only to the month or the year (a plan's horizon)."""
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return f"{value:04d}"
    match = _YEAR_MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1000:
        raise Invalid("year_or_month.format")
    return match.group(0)


_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def as_decimal(value: Any) -> Decimal:
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


def as_url(value: Any) -> str:
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


def as_email(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}", value):
        raise Invalid("email.format")
    _iri(f"mailto:{value}")
    return value


def as_bool(value: Any) -> bool:
    """true/false (YAML's yes/no too), or Italian: sì, vero, falso (no is YAML's)."""
    if isinstance(value, bool):
        return value
    key = BOOLEANS.key(value)
    if key is None:
        raise TypeError
    return key == "true"


def as_istat(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value):
        raise Invalid("istat.format")
    return value


def as_string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError
    text = str(value).strip()
    if not text:
        raise ValueError("not empty")
    return text


def as_eurovoc(value: Any) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise Invalid("eurovoc.format")
    return text


# --- how a record field is read from YAML ---------------------------------------------------
@dataclass(frozen=True)
class Read:
    """How one field is read: ``kind`` names the value type (docs/data-format.md, "Common
    value types"), ``read`` does it; a ``required`` field must be present."""

    kind: str
    read: Callable[[Checker, Node | None], Any]
    required: bool = False

    def needed(self) -> Read:
        return dataclasses.replace(self, required=True)


def yaml_field(read: Read, default: Any = None) -> Any:
    """A record field read from the YAML key of the same name (a list or dict default is
    copied per record)."""
    metadata = {"yaml": read}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=type(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def yaml_fields(record: type) -> tuple[str, ...]:
    """The YAML keys of ``record``'s declared fields, in declaration order."""
    return tuple(name for name, _read in _reads(record))


def yaml_field_kinds(record: type) -> tuple[tuple[str, str], ...]:
    """``(YAML key, kind of value)`` of each declared field, for generated examples."""
    return tuple((name, read.kind) for name, read in _reads(record))


def required_fields(record: type) -> tuple[str, ...]:
    return tuple(name for name, read in _reads(record) if read.required)


def _reads(record: type) -> list[tuple[str, Read]]:
    fields = dataclasses.fields(record)
    return [(f.name, f.metadata["yaml"]) for f in fields if "yaml" in f.metadata]


def _scalar(kind: str, check: Callable[[Any], Any], what: str) -> Read:
    """``what``: the phrase of "expected ...", a key "expected:<what>" of the catalogue."""
    return Read(kind, lambda c, node: c.scalar(node, check, what))


def choice(options: Choices) -> Read:
    return Read("choice", lambda c, node: c.choice(node, options))


def choices(options: Choices) -> Read:
    return Read("choices", lambda c, node: c.choices(node, options))


def scalars(kind: str, check: Callable[[Any], Any], what: str) -> Read:
    return Read(kind, lambda c, node: c.scalars(node, check, what))


TEXT = Read("text", lambda c, node: c.text(node))
TEXT_IT = Read("text", lambda c, node: c.text(node, require_it=True))  # "it required"
STRING = _scalar("string", as_string, "text")
DATE = _scalar("date", as_date, "a date")
YEAR_OR_DATE = _scalar("year-or-date", as_year_or_date, "a year or a date")
YEAR_OR_MONTH = _scalar("year-or-month", as_year_or_month, "a year or a month")
URL = _scalar("url", as_url, "an http(s) URL")
EMAIL = _scalar("email", as_email, "an e-mail address")
BOOLEAN = _scalar("boolean", as_bool, "true or false")
KEY = Read("key", lambda c, node: c.key(node))
KEYS = Read("keys", lambda c, node: c.keys(node))
AMOUNT = Read("amount", lambda c, node: c.amount(node))
AMOUNT_FIELDS = ("value", "min", "max", "precision")
