"""The plain records a city's YAML becomes (what ``publisher.rdf`` turns into triples)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from publisher.source.yamlfile import Origin

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


