"""What one harvest found, source by source: the vocabulary the other modules share."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph

from publisher.harvest.catalogue import Catalogue
from publisher.harvest.sources import Source
from publisher.harvest.state import CityState, SourceState
from publisher.harvest.validate import Checked


class Status(enum.Enum):
    FRESH = "fresh"  # a new version was downloaded, checked and published
    UNCHANGED = "unchanged"  # nothing new (304s, or the same checksums): published as it was
    KEPT = "kept"  # failed; the last good version stays published
    FAILED = "failed"  # failed, and there is no earlier version to keep

    @property
    def ok(self) -> bool:
        """Whether the source ends up published (fresh, or at a last good version)."""
        return self is not Status.FAILED


@dataclass
class City:
    """A city as it will be published: its state, and its new quads when it is fresh
    (None: its files are the last good ones, taken over from the previous dist/)."""

    state: CityState
    checked: Checked | None = None
    distribution: str | None = None  # the original distribution's IRI (fresh only)

    @property
    def quads(self) -> list[ox.Quad] | None:
        return self.checked.quads if self.checked else None


@dataclass(frozen=True)
class Audited:
    """A source's publisher audited (``publisher.harvest.auditing``): its verdict, and the
    EARL assertions the aggregate publishes."""

    verdict: str  # "conforms", or "does not conform (the failed checks)"
    outcomes: tuple[tuple[str, str], ...]  # (check, outcome): what the signature covers
    triples: tuple[ox.Triple, ...]


@dataclass
class SourceResult:
    """The outcome of one source in one harvest."""

    source: Source
    status: Status
    started: dt.datetime
    ended: dt.datetime
    state: SourceState  # what the aggregate will say about it from now on
    cities: dict[str, City] = field(default_factory=dict)
    catalogue: Catalogue | None = None  # this run's read, or the last good one's pages
    reason: str | None = None  # why it failed
    used: list[str] = field(default_factory=list)  # real URLs fetched
    refused_report: Graph | None = None  # the SHACL report of data the shapes refused
    audit: Audited | None = None  # the publisher's audit in this run, when configured
    note: str | None = None  # what went wrong without failing it (an unreadable feed)

    def line(self) -> str:
        """The one-line status of the source."""
        keys = ", ".join(sorted(self.cities)) or "no city"
        text = f"{self.source.name}: {self.status.value}: {keys}"
        if self.status is Status.FRESH:
            fresh = [k for k, c in sorted(self.cities.items()) if c.checked is not None]
            if not fresh:
                text += " (the catalogue changed, the data did not)"
            elif fresh != sorted(self.cities):
                text += f" (new data: {', '.join(fresh)})"
        if self.reason:
            since = self.state.harvested_at
            kept = f"; last good version of {since}" if self.status is Status.KEPT else ""
            text += f"{kept}; reason: {self.reason}"
        if self.note:
            text += f"; {self.note}"
        if self.audit is not None:
            text += f"; audit: {self.audit.verdict}"
        return text
