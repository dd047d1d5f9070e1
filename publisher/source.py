"""Read a city's YAML into plain records, remembering the file and line of every value.

Everything a municipal officer can get wrong by hand is refused here, before any RDF is
made: unknown keys, wrong types, missing fields and references to things that do not exist.
Each problem reads ``file:line: field: what is wrong``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from publisher.iris import RESERVED_CITY_IDS, is_slug

MAX_FILE_BYTES = 5 * 1024 * 1024
LANGUAGES = ("it", "en")
FILES_REQUIRED = ("sources.yaml", "masterplan.yaml", "themes.yaml", "organisations.yaml")
FILES_OPTIONAL = ("roles.yaml", "actions.yaml")

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


class SourceError(Exception):
    """One or more problems in a city's YAML; ``problems`` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Origin:
    """Where a value was written: the file, its line (1-based) and the field path."""

    file: Path
    line: int
    field: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}"


# --- reading YAML with line numbers -------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe loading (no tags that run code); floats are read as exact decimals."""


def _decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:  # .inf, .nan
        return Decimal("NaN")


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)

# libyaml (PyYAML's C extension) parses and composes about seven times faster than the
# pure-Python loader above and gives the same nodes, marks and tags; the constructors (and
# so the Decimal floats and the refusal of tags) stay the Python ones. It only gets text
# that cannot nest deeply (see _shallow: libyaml would stop at 1,000 levels with another
# message) and has no character the Python reader refuses (whose message says where):
# anything else goes to the Python loader, which turns both into the usual SourceErrors.
_FastLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.cyaml.CSafeLoader):  # type: ignore[no-redef]
        """_Loader's behaviour on libyaml's parser and composer."""

    _FastLoader.add_constructor("tag:yaml.org,2002:float", _decimal)

_FAST_MAX_DEPTH = 1000


def _shallow(text: str) -> bool:
    """True when ``text`` cannot nest deeper than _FAST_MAX_DEPTH collections.

    Each block level but an indentless sequence indents further (or follows "- " / "? "
    on the same line), so two block levels take at least one more column: block depth is at
    most twice the widest line. A flow level takes a "[" or "{" ("[a: b]" makes two levels
    from one "["). Aliases are never expanded by the composer.
    """
    widest = max(map(len, text.splitlines()), default=0)
    return 2 * (widest + 1) + 2 * text.count("[") + text.count("{") < _FAST_MAX_DEPTH


def _loader_for(text: str) -> yaml.SafeLoader:
    if (
        _FastLoader is not None
        and not yaml.reader.Reader.NON_PRINTABLE.search(text)
        and _shallow(text)
    ):
        return _FastLoader(text)
    return _Loader(text)


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")
)


@dataclass
class Node:
    """A YAML value with the line it starts on and its field path for messages."""

    value: Any
    origin: Origin

    def __getitem__(self, key: str) -> Node:
        return self.value[key]

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None


def _wrap(node: yaml.Node, loader: _Loader, file: Path, path: str) -> Node:
    origin = Origin(file, node.start_mark.line + 1, path or "(top)")
    # An alias is the same node met twice. Refused (plain YAML only): nested aliases
    # would expand exponentially here ("billion laughs") and no source needs them.
    seen: set[int] = loader.__dict__.setdefault("lodpub_seen", set())
    if id(node) in seen:
        raise SourceError([f"{origin}: anchors and aliases (&name, *name) are not allowed"])
    seen.add(id(node))
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_TAGS:
        raise SourceError([f"{origin}: tag {node.tag!r} is not allowed (plain YAML only)"])
    if isinstance(node, yaml.MappingNode):
        items: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(_scalar(loader, key_node))
            if key in items:
                raise SourceError(
                    [f"{file}:{key_node.start_mark.line + 1}: {_join(path, key)}: duplicate key"]
                )
            items[key] = _wrap(value_node, loader, file, _join(path, key))
        return Node(items, origin)
    if isinstance(node, yaml.SequenceNode):
        return Node(
            [_wrap(item, loader, file, f"{path}[{i}]") for i, item in enumerate(node.value)], origin
        )
    return Node(_scalar(loader, node), origin)


def _scalar(loader: _Loader, node: yaml.Node) -> Any:
    if node.tag in _SCALAR_TAGS:  # the constructor straight away: half the time
        return loader.yaml_constructors[node.tag](loader, node)
    return loader.construct_object(node, deep=True)  # refuses unknown tags


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def read_yaml(file: Path) -> Node:
    """Parse one file into located nodes; size and syntax problems become SourceErrors."""
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceError([f"{file}:1: (file): {size} bytes is over the {MAX_FILE_BYTES} limit"])
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError([f"{file}:1: (file): not UTF-8 text ({exc.reason})"]) from exc
    try:
        loader = _loader_for(text)  # the Python one refuses control characters at once
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(0, exc.position)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        problem = f"{file}:{line}: (syntax): character #x{code:04x}: {exc.reason}"
        raise SourceError([problem]) from exc
    try:
        root = loader.get_single_node()
        if root is None:
            return Node({}, Origin(file, 1, "(top)"))
        return _wrap(root, loader, file, "")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise SourceError([f"{file}:{line}: (syntax): {exc.problem or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise SourceError([f"{file}:1: (syntax): {exc}"]) from exc
    except RecursionError:
        raise SourceError([f"{file}:1: (syntax): nested too deeply"]) from None
    finally:
        loader.dispose()


# --- records ---------------------------------------------------------------------------

Text = dict[str, str]  # language -> text


@dataclass
class Record:
    """Common to every record: its key, sources and where each field was written."""

    key: str
    origin: Origin
    sources: list[str] = field(default_factory=list)
    lines: dict[str, Origin] = field(default_factory=dict)

    def where(self, name: str) -> Origin:
        return self.lines.get(name, self.origin)


@dataclass
class SourceDoc(Record):
    title: Text = field(default_factory=dict)
    url: str = ""
    type: str = "web-page"
    publisher: str | None = None
    language: str | None = None
    issued: dt.date | None = None
    citation: str | None = None
    note: Text = field(default_factory=dict)


@dataclass
class Amount:
    """Money or a count, exact or bounded; never a float."""

    value: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    precision: str = "exact"


@dataclass
class Figure(Record):
    kind: str = ""
    amount: Amount = field(default_factory=Amount)
    note: Text = field(default_factory=dict)


@dataclass
class Phase(Record):
    position: int = 0
    label: Text = field(default_factory=dict)
    description: Text = field(default_factory=dict)
    validated_by: str | None = None
    started: dt.date | None = None
    ended: dt.date | None = None


@dataclass
class Theme(Record):
    notation: str | None = None
    label: Text = field(default_factory=dict)
    definition: Text = field(default_factory=dict)
    note: Text = field(default_factory=dict)
    eu_themes: list[str] = field(default_factory=list)
    osservatorio_themes: list[str] = field(default_factory=list)
    eurovoc: list[str] = field(default_factory=list)
    work_table: bool = True
    parent: str | None = None
    children: list[str] = field(default_factory=list)


@dataclass
class Organisation(Record):
    name: Text = field(default_factory=dict)
    public: bool = False
    type: str = "organisation"
    homepage: str | None = None
    ipa_code: str | None = None
    same_as: list[str] = field(default_factory=list)
    note: Text = field(default_factory=dict)


@dataclass
class RoleAssignment(Record):
    role: str = ""
    holder: str = ""
    target_kind: str = "masterplan"
    target_key: str | None = None
    since: dt.date | int | None = None
    until: dt.date | int | None = None
    note: Text = field(default_factory=dict)


@dataclass
class Action(Record):
    identifier: str = ""
    title: Text = field(default_factory=dict)
    description: Text = field(default_factory=dict)
    theme: str = ""
    subtheme: str | None = None
    timeframe: str | None = None
    ict_role: str | None = None
    investment: Amount | None = None
    funding: str | None = None
    status: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    lead: str | None = None
    partners: list[str] = field(default_factory=list)
    funders: list[str] = field(default_factory=list)


@dataclass
class Masterplan(Record):
    title: Text = field(default_factory=dict)
    description: Text = field(default_factory=dict)
    approved: dt.date | None = None
    presented: dt.date | None = None
    homepage: str | None = None
    contact_email: str | None = None
    governance_bodies: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)


@dataclass
class City:
    """Everything one city folder says."""

    key: str
    folder: Path
    name: Text
    istat: str
    municipality: str
    city_sources: list[str]
    city_origin: Origin
    fictional: bool
    masterplan: Masterplan
    scheme_label: Text
    scheme_sources: list[str]
    scheme_origin: Origin
    sources: dict[str, SourceDoc]
    themes: dict[str, Theme]
    organisations: dict[str, Organisation]
    roles: list[RoleAssignment]
    actions: dict[str, Action]

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("*.yaml"))


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


# --- parsing each file -----------------------------------------------------------------

_SOURCE_FIELDS = (
    "id",
    "title",
    "url",
    "type",
    "publisher",
    "language",
    "issued",
    "citation",
    "note",
)
_FIGURE_FIELDS = ("kind", "value", "min", "max", "precision", "source", "note")
_PHASE_FIELDS = ("label", "description", "validated_by", "started", "ended", "sources")
_THEME_FIELDS = (
    "id",
    "notation",
    "label",
    "definition",
    "note",
    "eu_themes",
    "osservatorio_themes",
    "eurovoc",
    "work_table",
    "sources",
    "subthemes",
)
_ORG_FIELDS = ("id", "name", "public", "type", "homepage", "ipa_code", "same_as", "note", "sources")
_ROLE_FIELDS = ("role", "holder", "of", "since", "until", "note", "sources")
_ACTION_FIELDS = (
    "id",
    "identifier",
    "title",
    "description",
    "theme",
    "subtheme",
    "timeframe",
    "ict_role",
    "investment",
    "funding",
    "status",
    "start",
    "end",
    "lead",
    "partners",
    "funders",
    "sources",
)


def _record_base(c: Checker, node: Node, fields: dict[str, Node], key: str | None) -> dict:
    lines = {name: child.origin for name, child in fields.items()}
    return {
        "key": key or "",
        "origin": node.origin,
        "lines": lines,
        "sources": c.keys(fields.get("sources")),
    }


def _amount(c: Checker, node: Node | None) -> Amount | None:
    if node is None:
        return None
    if not isinstance(node.value, dict):
        value = c.scalar(node, _decimal_value, "a decimal number")
        return Amount(value=value) if value is not None else None
    f = c.mapping(node, ("value", "min", "max", "precision"))
    return _bounded(c, node, f, default_precision="exact")


def _bounded(c: Checker, node: Node, f: dict[str, Node], default_precision: str) -> Amount:
    amount = Amount(
        value=c.scalar(f.get("value"), _decimal_value, "a decimal number"),
        min=c.scalar(f.get("min"), _decimal_value, "a decimal number"),
        max=c.scalar(f.get("max"), _decimal_value, "a decimal number"),
        precision=c.choice(f.get("precision"), PRECISIONS) or default_precision,
    )
    given = [name for name in ("value", "min", "max") if name in f]
    if not given:
        c.fail(node.origin, "give value:, or min: and/or max:")
    elif "value" in given and len(given) > 1:
        c.fail(node.origin, "give either value: or min:/max:, not both")
    if amount.min is not None and amount.max is not None and amount.min > amount.max:
        c.fail(f["min"].origin, "min is greater than max")
    return amount


def _parse_sources(c: Checker, root: Node) -> dict[str, SourceDoc]:
    top = c.mapping(root, ("sources",), ("sources",))
    result: dict[str, SourceDoc] = {}
    for item in c.items(top.get("sources")):
        f = c.mapping(item, _SOURCE_FIELDS, ("id", "title", "url"))
        key = c.key(f.get("id"))
        record = SourceDoc(
            **{**_record_base(c, item, f, key), "sources": []},
            title=c.text(f.get("title"), require_it=True),
            url=c.scalar(f.get("url"), _url, "an http(s) URL") or "",
            type=c.choice(f.get("type"), SOURCE_TYPES) or "web-page",
            publisher=c.scalar(f.get("publisher"), _string, "an organisation key or a name"),
            language=c.choice(f.get("language"), LANGUAGES),
            issued=c.scalar(f.get("issued"), _date, "a date"),
            citation=c.scalar(f.get("citation"), _string, "text"),
            note=c.text(f.get("note")),
        )
        _add_unique(c, result, key, record, f.get("id"))
    return result


def _add_unique(c: Checker, into: dict, key: str | None, record: Any, node: Node | None) -> None:
    if key is None:
        return
    if key in into:
        c.fail(node.origin if node else record.origin, f"duplicate id {key!r}")
        return
    into[key] = record


def _parse_figure(c: Checker, node: Node) -> Figure:
    f = c.mapping(node, _FIGURE_FIELDS, ("kind", "source"))
    kind = c.choice(f.get("kind"), FIGURE_KINDS) or ""
    source = c.key(f.get("source"))
    amount = _bounded(
        c, node, {k: v for k, v in f.items() if k in ("value", "min", "max", "precision")}, "exact"
    )
    base = _record_base(c, node, f, None)
    base["sources"] = [source] if source else []
    return Figure(**base, kind=kind, amount=amount, note=c.text(f.get("note")))


def _parse_phase(c: Checker, node: Node, position: int) -> Phase:
    f = c.mapping(node, _PHASE_FIELDS, ("label", "sources"))
    return Phase(
        **_record_base(c, node, f, str(position)),
        position=position,
        label=c.text(f.get("label"), require_it=True),
        description=c.text(f.get("description")),
        validated_by=c.key(f.get("validated_by")),
        started=c.scalar(f.get("started"), _date, "a date"),
        ended=c.scalar(f.get("ended"), _date, "a date"),
    )


def _parse_masterplan(c: Checker, root: Node) -> tuple[dict[str, Node], Masterplan, bool]:
    top = c.mapping(root, ("city", "masterplan", "fictional"), ("city", "masterplan"))
    fictional = bool(c.scalar(top.get("fictional"), _bool, "true or false"))
    node = top.get("masterplan") or root
    f = c.mapping(
        top.get("masterplan"),
        (
            "title",
            "description",
            "approved",
            "presented",
            "homepage",
            "contact_email",
            "governance_bodies",
            "sources",
            "figures",
            "phases",
        ),
        ("title", "sources"),
    )
    plan = Masterplan(
        **_record_base(c, node, f, "masterplan"),
        title=c.text(f.get("title"), require_it=True),
        description=c.text(f.get("description")),
        approved=c.scalar(f.get("approved"), _date, "a date"),
        presented=c.scalar(f.get("presented"), _date, "a date"),
        homepage=c.scalar(f.get("homepage"), _url, "an http(s) URL"),
        contact_email=c.scalar(f.get("contact_email"), _email, "an e-mail address"),
        governance_bodies=c.keys(f.get("governance_bodies")),
        figures=[_parse_figure(c, item) for item in c.items(f.get("figures"))],
        phases=[_parse_phase(c, item, i + 1) for i, item in enumerate(c.items(f.get("phases")))],
    )
    city = c.mapping(
        top.get("city"),
        ("name", "istat", "municipality", "sources"),
        ("name", "istat", "municipality", "sources"),
    )
    return city, plan, fictional


def _parse_theme(c: Checker, node: Node, parent: str | None, into: dict[str, Theme]) -> None:
    fields = _THEME_FIELDS if parent is None else _THEME_FIELDS[:-1]
    f = c.mapping(node, fields, ("id", "label", "sources"))
    key = c.key(f.get("id"))
    theme = Theme(
        **_record_base(c, node, f, key),
        notation=c.scalar(f.get("notation"), _string, "text"),
        label=c.text(f.get("label"), require_it=True),
        definition=c.text(f.get("definition")),
        note=c.text(f.get("note")),
        eu_themes=c.choices(f.get("eu_themes"), EU_THEMES),
        osservatorio_themes=c.choices(f.get("osservatorio_themes"), OSSERVATORIO_THEMES),
        eurovoc=[
            v
            for v in (
                c.scalar(i, _eurovoc, "a EuroVoc concept number") for i in c.items(f.get("eurovoc"))
            )
            if v
        ],
        work_table=c.scalar(f.get("work_table"), _bool, "true or false") is not False,
        parent=parent,
    )
    _add_unique(c, into, key, theme, f.get("id"))
    for child in c.items(f.get("subthemes")):
        before = set(into)
        _parse_theme(c, child, key, into)
        theme.children.extend(k for k in into if k not in before)


def _eurovoc(value: Any) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise ValueError('digits in quotes, e.g. "100237"')
    return text


def _parse_themes(c: Checker, root: Node) -> tuple[dict[str, Node], dict[str, Theme]]:
    top = c.mapping(root, ("scheme", "themes"), ("scheme", "themes"))
    themes: dict[str, Theme] = {}
    for item in c.items(top.get("themes")):
        _parse_theme(c, item, None, themes)
    scheme = c.mapping(top.get("scheme"), ("label", "sources"), ("label", "sources"))
    return scheme, themes


def _parse_organisations(c: Checker, root: Node) -> dict[str, Organisation]:
    top = c.mapping(root, ("organisations",), ("organisations",))
    result: dict[str, Organisation] = {}
    for item in c.items(top.get("organisations")):
        f = c.mapping(item, _ORG_FIELDS, ("id", "name", "sources"))
        key = c.key(f.get("id"))
        org = Organisation(
            **_record_base(c, item, f, key),
            name=c.text(f.get("name"), require_it=True),
            public=bool(c.scalar(f.get("public"), _bool, "true or false")),
            type=c.choice(f.get("type"), ORGANISATION_TYPES) or "organisation",
            homepage=c.scalar(f.get("homepage"), _url, "an http(s) URL"),
            ipa_code=c.scalar(f.get("ipa_code"), _string, "text"),
            same_as=[
                u
                for u in (c.scalar(i, _url, "an http(s) IRI") for i in c.items(f.get("same_as")))
                if u
            ],
            note=c.text(f.get("note")),
        )
        _add_unique(c, result, key, org, f.get("id"))
    return result


def _role_target(value: Any) -> tuple[str, str | None]:
    if value == "masterplan":
        return "masterplan", None
    kind, _, key = str(value).partition("/")
    if kind not in ROLE_TARGETS[1:] or not is_slug(key):
        raise ValueError("masterplan, table/<key>, action/<key> or organisation/<key>")
    return kind, key


def _parse_roles(c: Checker, root: Node) -> list[RoleAssignment]:
    top = c.mapping(root, ("roles",), ("roles",))
    result = []
    for item in c.items(top.get("roles")):
        f = c.mapping(item, _ROLE_FIELDS, ("role", "holder", "of", "sources"))
        target = c.scalar(f.get("of"), _role_target, "what the role is for") or ("masterplan", None)
        result.append(
            RoleAssignment(
                **_record_base(c, item, f, None),
                role=c.choice(f.get("role"), ROLES) or "",
                holder=c.key(f.get("holder")) or "",
                target_kind=target[0],
                target_key=target[1],
                since=c.scalar(f.get("since"), _year_or_date, "a year or a date"),
                until=c.scalar(f.get("until"), _year_or_date, "a year or a date"),
                note=c.text(f.get("note")),
            )
        )
    return result


def _parse_actions(c: Checker, root: Node) -> dict[str, Action]:
    top = c.mapping(root, ("actions",), ("actions",))
    result: dict[str, Action] = {}
    for item in c.items(top.get("actions")):
        f = c.mapping(item, _ACTION_FIELDS, ("id", "title", "theme", "sources"))
        key = c.key(f.get("id"))
        action = Action(
            **_record_base(c, item, f, key),
            identifier=c.scalar(f.get("identifier"), _string, "text") or key or "",
            title=c.text(f.get("title"), require_it=True),
            description=c.text(f.get("description")),
            theme=c.key(f.get("theme")) or "",
            subtheme=c.key(f.get("subtheme")),
            timeframe=c.choice(f.get("timeframe"), TIMEFRAMES),
            ict_role=c.choice(f.get("ict_role"), ICT_ROLES),
            investment=_amount(c, f.get("investment")),
            funding=c.choice(f.get("funding"), FUNDING_TYPES),
            status=c.choice(f.get("status"), STATUSES),
            start=c.scalar(f.get("start"), _date, "a date"),
            end=c.scalar(f.get("end"), _date, "a date"),
            lead=c.key(f.get("lead")),
            partners=c.keys(f.get("partners")),
            funders=c.keys(f.get("funders")),
        )
        _add_unique(c, result, key, action, f.get("id"))
    return result


# --- cross-references ------------------------------------------------------------------


def _check_references(c: Checker, city: City) -> None:
    """Every key a record names must exist, so no IRI in the output dangles."""

    def exists(key: str | None, pool: dict, what: str, origin: Origin) -> None:
        if key and key not in pool:
            c.fail(origin, f"no {what} with id {key!r}")

    for record in _all_records(city):
        for source in record.sources:
            exists(
                source,
                city.sources,
                "source in sources.yaml",
                record.where("sources") if "sources" in record.lines else record.where("source"),
            )
        if not record.sources:
            c.fail(record.origin, "needs at least one source (sources: [...])")
    plan = city.masterplan
    for body in plan.governance_bodies:
        exists(body, city.organisations, "organisation", plan.where("governance_bodies"))
    for phase in plan.phases:
        exists(phase.validated_by, city.organisations, "organisation", phase.where("validated_by"))
        if phase.started and phase.ended and phase.started > phase.ended:
            c.fail(phase.where("ended"), "ends before it starts")
    exists(city.municipality, city.organisations, "organisation", city.city_origin)
    for role in city.roles:
        exists(role.holder, city.organisations, "organisation", role.where("holder"))
        pools = {
            "table": (city.themes, "theme"),
            "action": (city.actions, "action"),
            "organisation": (city.organisations, "organisation"),
        }
        if role.target_kind in pools:
            pool, what = pools[role.target_kind]
            exists(role.target_key, pool, what, role.where("of"))
            if (
                role.target_kind == "table"
                and role.target_key in city.themes
                and not city.themes[role.target_key].work_table
            ):
                c.fail(role.where("of"), f"theme {role.target_key!r} has no work table")
    for action in city.actions.values():
        exists(action.theme, city.themes, "theme", action.where("theme"))
        if action.subtheme:
            sub = city.themes.get(action.subtheme)
            exists(action.subtheme, city.themes, "theme", action.where("subtheme"))
            if sub and sub.parent != action.theme:
                c.fail(
                    action.where("subtheme"),
                    f"{action.subtheme!r} is not a sub-theme of {action.theme!r}",
                )
        exists(action.lead, city.organisations, "organisation", action.where("lead"))
        for name, keys in (("partners", action.partners), ("funders", action.funders)):
            for key in keys:
                exists(key, city.organisations, "organisation", action.where(name))
        if action.start and action.end and action.start > action.end:
            c.fail(action.where("end"), "ends before it starts")


def _all_records(city: City) -> Iterator[Record]:
    yield city.masterplan
    yield from city.masterplan.figures
    yield from city.masterplan.phases
    yield from city.themes.values()
    yield from city.organisations.values()
    yield from city.roles
    yield from city.actions.values()


# --- entry points ----------------------------------------------------------------------


def read_city(folder: Path) -> City:
    """Read and check one city folder; raise SourceError listing every problem found."""
    folder = Path(folder)
    key = folder.name
    c = Checker()
    if not is_slug(key) or key in RESERVED_CITY_IDS:
        c.fail(
            Origin(folder, 1, "(folder)"),
            "a city folder name must be a key (a-z, 0-9, '-') and not one of "
            + ", ".join(RESERVED_CITY_IDS),
        )
    roots: dict[str, Node] = {}
    for path in sorted(folder.glob("*.y*ml")):
        if path.name not in FILES_REQUIRED + FILES_OPTIONAL:
            c.fail(
                Origin(path, 1, "(file)"),
                "unknown file (expected: " + ", ".join(FILES_REQUIRED + FILES_OPTIONAL) + ")",
            )
            continue
        try:
            roots[path.name] = read_yaml(path)
        except SourceError as exc:
            c.problems.extend(exc.problems)
    for name in FILES_REQUIRED:
        if name not in roots and not (folder / name).exists():
            c.fail(Origin(folder / name, 1, "(file)"), "missing file")
    if c.problems:
        raise SourceError(c.problems)

    def root(name: str) -> Node:
        return roots.get(name) or Node(
            {name.removesuffix(".yaml"): []}, Origin(folder / name, 1, "(top)")
        )

    sources = _parse_sources(c, root("sources.yaml"))
    city_fields, plan, fictional = _parse_masterplan(c, root("masterplan.yaml"))
    scheme, themes = _parse_themes(c, root("themes.yaml"))
    city_node = roots["masterplan.yaml"].get("city") if "masterplan.yaml" in roots else None
    city = City(
        key=key,
        folder=folder,
        name=c.text(city_fields.get("name"), require_it=True),
        istat=c.scalar(city_fields.get("istat"), _istat, "an ISTAT code") or "",
        municipality=c.key(city_fields.get("municipality")) or "",
        city_sources=c.keys(city_fields.get("sources")),
        city_origin=city_node.origin if city_node else Origin(folder, 1, "city"),
        fictional=fictional,
        masterplan=plan,
        scheme_label=c.text(scheme.get("label"), require_it=True),
        scheme_sources=c.keys(scheme.get("sources")),
        scheme_origin=scheme["label"].origin if "label" in scheme else plan.origin,
        sources=sources,
        themes=themes,
        organisations=_parse_organisations(c, root("organisations.yaml")),
        roles=_parse_roles(c, root("roles.yaml")) if "roles.yaml" in roots else [],
        actions=_parse_actions(c, root("actions.yaml")) if "actions.yaml" in roots else {},
    )
    for key_ in city.city_sources + city.scheme_sources:
        if key_ not in sources:
            c.fail(city.city_origin, f"no source in sources.yaml with id {key_!r}")
    if not c.problems:
        _check_references(c, city)
    if c.problems:
        raise SourceError(c.problems)
    return city


def city_folders(data_dir: Path) -> list[Path]:
    """The city folders under ``data_dir``, or ``data_dir`` itself when it is one."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise SourceError([f"{data_dir}:1: (folder): no such folder"])
    if (data_dir / "masterplan.yaml").exists():
        return [data_dir]
    folders = sorted(
        p for p in data_dir.iterdir() if p.is_dir() and (p / "masterplan.yaml").exists()
    )
    if not folders:
        raise SourceError([f"{data_dir}:1: (folder): no city folder (with masterplan.yaml) here"])
    return folders


def read_cities(data_dir: Path) -> list[City]:
    """Read every city; problems from all cities are reported together."""
    cities, problems = [], []
    for folder in city_folders(data_dir):
        try:
            cities.append(read_city(folder))
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    return cities
