"""The plain records a city's YAML becomes (what ``publisher.rdf`` turns into triples).

Each field read from YAML says how (``yaml_field(DATE)``, see ``publisher.source.checks``):
the reader derives the allowed and required keys of each file from these declarations, and
``tests/test_examples.py`` checks that docs/data-format.md names each one. Adding a field
(docs/architecture.md, "Add a YAML field"): declare it here, write its triples in
``publisher/rdf.py``, document it in docs/data-format.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from publisher.source.checks import (
    AMOUNT,
    BOOLEAN,
    DATE,
    EMAIL,
    EU_THEMES,
    FIGURE_KINDS,
    FUNDING_TYPES,
    ICT_ROLES,
    KEY,
    KEYS,
    LANGUAGES,
    ORGANISATION_TYPES,
    OSSERVATORIO_THEMES,
    ROLES,
    SOURCE_TYPES,
    STATUSES,
    STRING,
    TEXT,
    TEXT_IT,
    TIMEFRAMES,
    URL,
    YEAR_OR_DATE,
    YEAR_OR_MONTH,
    Amount,
    Read,
    Text,
    as_eurovoc,
    as_string,
    as_url,
    choice,
    choices,
    scalars,
    yaml_field,
)
from publisher.source.yamlfile import Origin

# --- records ---------------------------------------------------------------------------


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
    title: Text = yaml_field(TEXT_IT.needed(), {})
    url: str = yaml_field(URL.needed(), "")
    type: str = yaml_field(choice(SOURCE_TYPES), "web-page")
    publisher: str | None = yaml_field(
        Read("string", lambda c, node: c.scalar(node, as_string, "an organisation key or a name"))
    )
    language: str | None = yaml_field(choice(LANGUAGES))
    issued: dt.date | None = yaml_field(DATE)
    citation: str | None = yaml_field(STRING)
    note: Text = yaml_field(TEXT, {})
    title_from_url: bool = yaml_field(BOOLEAN, False)  # the title is rebuilt from the URL


@dataclass
class Figure(Record):
    kind: str = yaml_field(choice(FIGURE_KINDS).needed(), "")
    amount: Amount = field(default_factory=Amount)  # from value/min/max/precision
    note: Text = yaml_field(TEXT, {})


@dataclass
class Phase(Record):
    position: int = 0
    label: Text = yaml_field(TEXT_IT.needed(), {})
    description: Text = yaml_field(TEXT, {})
    validated_by: str | None = yaml_field(KEY)
    started: dt.date | None = yaml_field(DATE)
    ended: dt.date | None = yaml_field(DATE)
    from_month: str | None = yaml_field(YEAR_OR_MONTH)  # when a source dates it by month
    to_month: str | None = yaml_field(YEAR_OR_MONTH)


@dataclass
class Theme(Record):
    notation: str | None = yaml_field(STRING)
    label: Text = yaml_field(TEXT_IT.needed(), {})
    definition: Text = yaml_field(TEXT, {})
    note: Text = yaml_field(TEXT, {})
    eu_themes: list[str] = yaml_field(choices(EU_THEMES), [])
    osservatorio_themes: list[str] = yaml_field(choices(OSSERVATORIO_THEMES), [])
    eurovoc: list[str] = yaml_field(
        scalars("eurovoc", as_eurovoc, "a EuroVoc concept number"), []
    )
    work_table: bool = yaml_field(BOOLEAN, True)
    parent: str | None = None
    children: list[str] = field(default_factory=list)


@dataclass
class Organisation(Record):
    name: Text = yaml_field(TEXT_IT.needed(), {})
    public: bool = yaml_field(BOOLEAN, False)
    type: str = yaml_field(choice(ORGANISATION_TYPES), "organisation")
    homepage: str | None = yaml_field(URL)
    ipa_code: str | None = yaml_field(STRING)
    same_as: list[str] = yaml_field(scalars("urls", as_url, "an http(s) IRI"), [])
    note: Text = yaml_field(TEXT, {})


@dataclass
class RoleAssignment(Record):
    role: str = yaml_field(choice(ROLES).needed(), "")
    holder: str = yaml_field(KEY.needed(), "")
    target_kind: str = "masterplan"  # from of:
    target_key: str | None = None
    since: dt.date | int | None = yaml_field(YEAR_OR_DATE)
    until: dt.date | int | None = yaml_field(YEAR_OR_DATE)
    note: Text = yaml_field(TEXT, {})
    representative: bool = yaml_field(BOOLEAN, False)  # a person of the holder, in the source


@dataclass
class Action(Record):
    identifier: str = yaml_field(STRING, "")  # default: the key
    title: Text = yaml_field(TEXT_IT.needed(), {})
    description: Text = yaml_field(TEXT, {})
    theme: str = yaml_field(KEY.needed(), "")
    subtheme: str | None = yaml_field(KEY)
    timeframe: str | None = yaml_field(choice(TIMEFRAMES))
    ict_role: str | None = yaml_field(choice(ICT_ROLES))
    investment: Amount | None = yaml_field(AMOUNT)
    funding: str | None = yaml_field(choice(FUNDING_TYPES))
    status: str | None = yaml_field(choice(STATUSES))
    start: dt.date | None = yaml_field(DATE)
    end: dt.date | None = yaml_field(DATE)
    lead: str | None = yaml_field(KEY)
    partners: list[str] = yaml_field(KEYS, [])
    funders: list[str] = yaml_field(KEYS, [])
    homepage: str | None = yaml_field(URL)

    def __post_init__(self) -> None:
        self.identifier = self.identifier or self.key


@dataclass
class Masterplan(Record):
    title: Text = yaml_field(TEXT_IT.needed(), {})
    description: Text = yaml_field(TEXT, {})
    approved: dt.date | None = yaml_field(DATE)
    presented: dt.date | None = yaml_field(DATE)
    homepage: str | None = yaml_field(URL)
    contact_email: str | None = yaml_field(EMAIL)
    governance_bodies: list[str] = yaml_field(KEYS, [])
    horizon: str | None = yaml_field(YEAR_OR_MONTH)
    figures: list[Figure] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)


@dataclass
class City:
    """Everything one city folder says."""

    key: str
    folder: Path
    name: Text
    istat: str
    istat_valid_from: dt.date | None
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


