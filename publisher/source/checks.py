"""The values a city's YAML may hold, and the checks that turn text into them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from publisher.iris import is_slug
from publisher.source.records import Text
from publisher.source.yamlfile import Node, Origin, _join

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


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError("write YYYY-MM-DD")
    return value


def _year_or_date(value: Any) -> dt.date | int:
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    return _date(value)


def _decimal_value(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise ValueError("a finite number, not negative")
    return number


def _url(value: Any) -> str:
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


def _email(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}", value):
        raise ValueError("name@example.org")
    _iri(f"mailto:{value}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def _istat(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value):
        raise ValueError('six digits in quotes, e.g. "011015"')
    return value


def _string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError
    text = str(value).strip()
    if not text:
        raise ValueError("not empty")
    return text


