"""What the last good harvest left: kept inside the aggregate ``dist/`` itself.

The aggregate is its own state: ``dist/harvest/state.json`` says, per source, which cities
it published (with the validators and checksum of each dump, when and by which activity it
was harvested, and what it measured), and the validators of each catalogue page, whose body
is kept in ``dist/harvest/pages/``. Each city's dumps and its quality graph
(``dist/harvest/quality/{key}.nq``) are the last good version itself. Because ``dist/`` is
replaced atomically, the state always describes exactly the data being served; a harvest
that publishes nothing leaves it as it was.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from publisher.harvest.catalogue import Page, PageCache
from publisher.harvest.changes import Mark
from publisher.harvest.fetch import Validators
from publisher.harvest.mqa import Mqa

STATE_FILE = "harvest/state.json"
PAGES_DIR = "harvest/pages"
QUALITY_DIR = "harvest/quality"
REPORT_FILE = "harvest/report.json"
FORMAT_VERSION = 1


@dataclass
class CityState:
    """One city as published: where it came from and what it measured."""

    key: str
    dataset: str  # the original dataset IRI
    namespaces: list[str]
    download: str  # the real URL of the dump
    extension: str  # nq or trig
    sha256: str  # of the downloaded file
    bytes: int
    etag: str | None
    last_modified: str | None
    harvested_at: str
    activity: str  # the harvest activity that fetched this version
    measures: dict[str, Any] = field(default_factory=dict)

    @property
    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)


@dataclass
class PageState:
    url: str
    base: str
    media_type: str
    etag: str | None
    last_modified: str | None
    file: str  # relative to dist/


@dataclass
class SourceState:
    """One source as last published, and its last attempt."""

    name: str
    catalog: str
    catalog_iri: str | None = None
    cities: dict[str, CityState] = field(default_factory=dict)
    pages: list[PageState] = field(default_factory=list)
    harvested_at: str | None = None  # the last good harvest
    checked_at: str | None = None  # the last attempt
    error: str | None = None  # why the last attempt failed (None: it did not)
    mqa: Mqa | None = None  # the MQA score its catalogue publishes (publisher.harvest.mqa)
    feed: Mark | None = None  # where the last read of its change feed ended (.changes)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SourceState:
        nested = ("cities", "pages", "mqa", "feed")
        state = cls(**{k: v for k, v in raw.items() if k not in nested})
        state.mqa = Mqa.from_json(raw.get("mqa"))
        state.feed = Mark.from_json(raw.get("feed"))
        state.cities = {k: CityState(**v) for k, v in raw.get("cities", {}).items()}
        state.pages = [PageState(**p) for p in raw.get("pages", [])]
        return state


@dataclass
class State:
    sources: dict[str, SourceState] = field(default_factory=dict)
    signature: str | None = None  # what was published (see run.signature)
    dist: Path | None = None  # the build folder it was read from

    def page_cache(self, name: str) -> PageCache:
        """The pages of ``name``'s last good harvest, bodies read from the kept files."""
        source = self.sources.get(name)
        cache = PageCache()
        if source is None or self.dist is None:
            return cache
        for page in source.pages:
            try:
                body = (self.dist / page.file).read_bytes()
            except OSError:
                return PageCache()  # incomplete: read the catalogue afresh
            validators = Validators(page.etag, page.last_modified)
            cache.pages[page.url] = Page(page.url, page.base, page.media_type, validators, body)
        return cache

    def has_files(self, key: str) -> bool:
        """Whether the build read holds city ``key``'s dumps and quality graph."""
        if self.dist is None:
            return False
        return (self.dist / QUALITY_DIR / f"{key}.nq").is_file() and (
            self.dist / "dumps" / f"{key}.nq"
        ).is_file()

    def to_json(self) -> str:
        sources = {name: asdict(source) for name, source in sorted(self.sources.items())}
        document = {"version": FORMAT_VERSION, "signature": self.signature, "sources": sources}
        return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True)


def load_state(dist: Path) -> State:
    """The state of the aggregate at ``dist`` (empty when there is none yet)."""
    folder = dist.resolve()
    try:
        raw = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return State()
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder / STATE_FILE}: unreadable harvest state ({exc})") from None
    if raw.get("version") != FORMAT_VERSION:
        return State()  # another layout: start afresh (every source is read again)
    sources = {n: SourceState.from_json(s) for n, s in raw.get("sources", {}).items()}
    return State(sources, raw.get("signature"), folder)
