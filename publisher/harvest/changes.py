"""A source's change feed: which city datasets changed since the last member seen.

A catalogue offers the feed as a ``dcat:DataService`` (``dcat:service`` of the catalogue)
that ``dct:conformsTo`` the LDES specification, in SEMIC's DCAT-AP Feeds profile
(docs/harvesting.md, publisher/feed.py): pages oldest first, linked by ``tree:relation`` /
``tree:node``, one member per change with ``as:object`` the dataset and ``as:published``
the time. The harvest state keeps a :class:`Mark`: the last member seen, the page it was on
and that page's validators. The next read starts at that page (a 304 there: nothing new,
since members are only appended to the last page), follows the pages after it, and names
the datasets with a member published after the mark.

Why it is only ever a hint: the feed answers only for datasets the catalogue gives no
checksum for (those cost a conditional request each without it), so a source whose
catalogue has checksums for every dump is never asked for its feed. A checksum in the
catalogue always decides: a dataset whose checksum changed is downloaded whatever the feed
says, so a feed that lies cannot keep stale data where a checksum is published. A feed that
is absent, cannot be read, or no longer holds the marked member (its retention dropped
it, or it was reset) tells nothing: every dataset is then treated as without a feed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyoxigraph as ox

from publisher import namespaces
from publisher.harvest.catalogue import Catalogue, CatalogueError, Index, parse, rdf_format
from publisher.harvest.fetch import Fetcher, FetchError, Validators
from publisher.harvest.sources import Source
from publisher.rdf import DCAT, DCTERMS, Terms

AS, TREE = Terms(namespaces.AS), Terms(namespaces.TREE)
LDES_SPEC = ox.NamedNode("https://w3id.org/ldes/specification")
ACCEPT = "application/trig, application/n-quads;q=0.9"


@dataclass(frozen=True)
class Mark:
    """Where the last read of a feed ended (kept in the harvest state)."""

    feed: str  # the feed's IRI, as the catalogue names it
    page: str  # the page (canonical IRI) holding the last member seen
    member: str
    published: str  # the member's as:published
    etag: str | None = None  # of that page
    last_modified: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> Mark | None:
        return cls(**raw) if raw else None


@dataclass(frozen=True)
class Member:
    iri: str
    dataset: str
    published: dt.datetime
    page: str


def feed_of(catalogue: Catalogue) -> str | None:
    """The IRI of the LDES change feed the catalogue offers, if any."""
    if not catalogue.catalog:
        return None
    index = catalogue.index
    for service in index.objects(ox.NamedNode(catalogue.catalog), DCAT.service):
        if isinstance(service, ox.NamedNode) and LDES_SPEC in index.objects(
            service, DCTERMS.conformsTo
        ):
            endpoint = index.first(service, DCAT.endpointURL)
            return endpoint.value if isinstance(endpoint, ox.NamedNode) else service.value
    return None


def _time(literal: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(literal.value) if isinstance(literal, ox.Literal) else None
    except ValueError:
        return None


class FeedError(Exception):
    """The feed cannot tell what changed; the message says why."""


class Feed:
    """One source's feed in one harvest, read at most once, when first asked."""

    def __init__(
        self, fetcher: Fetcher, source: Source, catalogue: Catalogue, kept: Mark | None,
        max_pages: int,
    ) -> None:  # fmt: skip
        self.fetcher, self.source, self.max_pages = fetcher, source, max_pages
        self.iri = feed_of(catalogue)
        self.mark = kept if kept is not None and kept.feed == self.iri else None
        self.problem: str | None = None
        self._validators: dict[str, Validators] = {}  # of each page read
        self.wanted = False  # a dataset had no checksum to go by: the feed is worth reading

    @cached_property
    def changed(self) -> frozenset[str] | None:
        """The datasets with a member after the mark; None when the feed cannot tell."""
        if self.iri is None:
            return None
        try:
            return self._read()
        except (FetchError, CatalogueError, FeedError) as exc:
            self.problem = str(exc)
            return None

    def catch_up(self) -> None:
        """Read the feed (once), moving the mark to its last member."""
        self.changed  # noqa: B018 (a cached property: read once, for its mark)

    def unchanged(self, dataset: str) -> bool:
        """Whether the feed says ``dataset`` did not change since the last harvest."""
        changed = self.changed
        return changed is not None and dataset not in changed

    def _read(self) -> frozenset[str] | None:
        mark = self.mark
        if mark is not None:
            validators = Validators(mark.etag, mark.last_modified)
            members = self._members(mark.page, validators)
            if members is None:  # 304: the last page as it was, so no member after the mark
                return frozenset()
            if any(m.iri == mark.member for m in members):
                return self._since(mark, members)
        members = self._members(self.iri, None) or []  # from the start
        if mark is not None and any(m.iri == mark.member for m in members):
            return self._since(mark, members)
        self._remember(members)
        return None  # no mark, or it is gone: nothing known about what changed

    def _since(self, mark: Mark, members: list[Member]) -> frozenset[str]:
        # The same time as the mark counts as after it (two builds in one second): a member
        # of the mark's own build listed again costs a conditional request, nothing more.
        after = dt.datetime.fromisoformat(mark.published)
        self._remember(members)
        return frozenset(m.dataset for m in members
                         if m.published >= after and m.iri != mark.member)  # fmt: skip

    def _remember(self, members: list[Member]) -> None:
        if members:
            last = max(members, key=lambda m: (m.published, m.iri))
            validators = self._validators.get(last.page, Validators())
            self.mark = Mark(self.iri or "", last.page, last.iri,
                             last.published.isoformat(), validators.etag,
                             validators.last_modified)  # fmt: skip

    def _members(self, start: str, validators: Validators | None) -> list[Member] | None:
        """The members of ``start`` and every page after it (None: ``start`` is a 304)."""
        found: list[Member] = []
        todo, seen = [start], set()
        while todo:
            page = todo.pop(0)
            if page in seen:
                continue
            if len(seen) >= self.max_pages:
                raise FeedError(f"more than {self.max_pages} feed pages (harvest.max_pages)")
            seen.add(page)
            url = self.source.real_url(page)
            fetched = self.fetcher.get(url, ACCEPT, validators if page == start else None)
            if fetched.not_modified:
                if page == start and validators is not None:
                    return None
                raise FeedError(f"{url}: 304 Not Modified to a request without validators")
            fmt = rdf_format(fetched.media_type, url)
            if fmt is None:
                raise FeedError(f"{url}: not RDF ({fetched.media_type or 'no Content-Type'})")
            index = Index(parse(fetched.body, fmt, page, f"feed page {url}"))
            self._validators[page] = fetched.validators
            found += self._page_members(index, page)
            todo += self._next(index, page)
        return found

    @staticmethod
    def _page_members(index: Index, page: str) -> list[Member]:
        found = []
        for triples in index.by_subject.values():
            for triple in triples:
                if triple.predicate != TREE.member or not isinstance(triple.object, ox.NamedNode):
                    continue
                dataset = index.first(triple.object, AS.object)
                published = _time(index.first(triple.object, AS.published))
                if not isinstance(dataset, ox.NamedNode) or published is None:
                    raise FeedError(f"member {triple.object.value}: no as:object or as:published")
                found.append(Member(triple.object.value, dataset.value, published, page))
        return found

    @staticmethod
    def _next(index: Index, page: str) -> list[str]:
        """The pages this one links: its view (on the stream's own document) and the nodes
        of its relations."""
        links = []
        for triples in index.by_subject.values():
            for triple in triples:
                if triple.predicate in (TREE.view, TREE.node) and isinstance(
                    triple.object, ox.NamedNode
                ):
                    links.append(triple.object.value)
        return [link for link in dict.fromkeys(links) if link != page]
