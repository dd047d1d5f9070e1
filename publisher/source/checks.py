"""The values a city's YAML may hold, and the checks that turn text into them.

How each record field is read is declared once, on the field (:class:`Read`, used by
``publisher/source/records.py``): :func:`yaml_fields` lists a record's YAML keys and
:meth:`Checker.fields` reads them all, so a new field needs no change to the reader.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from publisher.iris import is_slug
from publisher.source.yamlfile import Node, Origin, _join

Text = dict[str, str]  # language -> text


@dataclass
class Amount:
    """Money or a count, exact or bounded; never a float."""

    value: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    precision: str = "exact"


LANGUAGES = ("it", "en")

EU_THEMES = (
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
OSSERVATORIO_THEMES = (
    "governance",
    "environment",
    "economy",
    "people",
    "living",
    "mobility",
    "planning",
    "energy",
)
TIMEFRAMES = ("short", "medium", "long")
ICT_ROLES = ("characterising", "enabling", "none")
FUNDING_TYPES = ("public", "private", "public-private-partnership", "mixed", "to-be-defined")
STATUSES = ("proposed", "planned", "in-progress", "completed", "suspended", "cancelled")
ROLES = (
    "process-coordinator",
    "coordinator",
    "team-leader",
    "lead",
    "partner",
    "protocol-signatory",
    "steering-committee-member",
    "technical-advisor",
    "member",
    "funder",
)
FIGURE_KINDS = (
    "actions",
    "total-investment",
    "short-term-actions-share",
    "participants",
    "participating-organisations",
    "work-tables",
    "methodology-phases",
)
PRECISIONS = ("exact", "approximate", "more-than", "at-least")
SOURCE_TYPES = (
    "web-page",
    "press-release",
    "news-article",
    "magazine-article",
    "academic-paper",
    "controlled-vocabulary",
)
ORGANISATION_TYPES = ("organisation", "steering-committee")
ROLE_TARGETS = ("masterplan", "table", "action", "organisation")


# --- checking values -------------------------------------------------------------------


class Checker:
    """Collects problems instead of stopping at the first, so one run shows them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, origin: Origin, message: str) -> None:
        self.problems.append(f"{origin}: {message}")

    def mapping(
        self, node: Node | None, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Node]:
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            self.fail(node.origin, f"expected a mapping, got {_describe(node.value)}")
            return {}
        for key, child in node.value.items():
            if key not in allowed:
                self.fail(child.origin, f"unknown field (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in node.value:
                self.fail(
                    Origin(
                        node.origin.file,
                        node.origin.line,
                        _join(node.origin.field, key) if node.origin.field != "(top)" else key,
                    ),
                    "missing field",
                )
        return node.value

    def items(self, node: Node | None) -> list[Node]:
        if node is None or node.value is None:
            return []
        if not isinstance(node.value, list):
            self.fail(node.origin, f"expected a list, got {_describe(node.value)}")
            return []
        return node.value

    def scalar(self, node: Node | None, check: Callable[[Any], Any], what: str) -> Any:
        """Convert a scalar with ``check``; a ValueError/TypeError becomes a problem."""
        if node is None:
            return None
        try:
            return check(node.value)
        except (ValueError, TypeError, InvalidOperation) as exc:
            detail = f" ({exc})" if str(exc) else ""
            self.fail(node.origin, f"expected {what}, got {_describe(node.value)}{detail}")
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
            self.fail(node.origin, "the Italian text (it:) is required")
        return result

    def _blank(self, node: Node) -> Text:
        self.fail(node.origin, "expected non-empty text")
        return {}

    def choice(self, node: Node | None, options: tuple[str, ...]) -> str | None:
        def check(value: Any) -> str:
            if value not in options:
                raise ValueError(f"allowed: {', '.join(options)}")
            return value

        return self.scalar(node, check, "one of the allowed values")

    def key(self, node: Node | None) -> str | None:
        return self.scalar(node, _slug, "a key of lower-case letters, digits and '-'")

    def keys(self, node: Node | None) -> list[str]:
        return [k for k in (self.key(item) for item in self.items(node)) if k]

    def choices(self, node: Node | None, options: tuple[str, ...]) -> list[str]:
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
            self.fail(node.origin, "give value:, or min: and/or max:")
        elif "value" in given and len(given) > 1:
            self.fail(node.origin, "give either value: or min:/max:, not both")
        if amount.min is not None and amount.max is not None and amount.min > amount.max:
            self.fail(f["min"].origin, "min is greater than max")
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


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"


def _nonblank(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError
    return value.strip()


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not is_slug(value):
        raise ValueError
    return value


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError("write YYYY-MM-DD")
    return value


def as_year_or_date(value: Any) -> dt.date | int:
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    return as_date(value)


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise ValueError("a finite number, not negative")
    return number


def as_url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value):
        raise ValueError("an http(s) URL without spaces")
    return _iri(value)


def _iri(value: str) -> str:
    """``value`` when it is an IRI the RDF writer takes (pyoxigraph checks it: the host,
    percent-escapes...), so a bad one is reported here with its line, not later."""
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ValueError(f"not a valid IRI: {exc}") from None
    return value


def as_email(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}", value):
        raise ValueError("name@example.org")
    _iri(f"mailto:{value}")
    return value


def as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def as_istat(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value):
        raise ValueError('six digits in quotes, e.g. "011015"')
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
        raise ValueError('digits in quotes, e.g. "100237"')
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
    return Read(kind, lambda c, node: c.scalar(node, check, what))


def choice(options: tuple[str, ...]) -> Read:
    return Read("choice", lambda c, node: c.choice(node, options))


def choices(options: tuple[str, ...]) -> Read:
    return Read("choices", lambda c, node: c.choices(node, options))


def scalars(kind: str, check: Callable[[Any], Any], what: str) -> Read:
    return Read(kind, lambda c, node: c.scalars(node, check, what))


TEXT = Read("text", lambda c, node: c.text(node))
TEXT_IT = Read("text", lambda c, node: c.text(node, require_it=True))  # "it required"
STRING = _scalar("string", as_string, "text")
DATE = _scalar("date", as_date, "a date")
YEAR_OR_DATE = _scalar("year-or-date", as_year_or_date, "a year or a date")
URL = _scalar("url", as_url, "an http(s) URL")
EMAIL = _scalar("email", as_email, "an e-mail address")
BOOLEAN = _scalar("boolean", as_bool, "true or false")
KEY = Read("key", lambda c, node: c.key(node))
KEYS = Read("keys", lambda c, node: c.keys(node))
AMOUNT = Read("amount", lambda c, node: c.amount(node))
AMOUNT_FIELDS = ("value", "min", "max", "precision")
