"""Reading a source's DCAT catalogue: every page, every dataset, every distribution.

Paging (aggregation-research §1.2-1.3): a page that has a node typed
``hydra:PagedCollection`` or ``hydra:PartialCollectionView`` (or any node with a next link)
links the next page with ``hydra:next`` or ``hydra:nextPage``, as an IRI or a literal,
absolute or relative to the page. Reading stops at the last page (no next link). A next
link back to a page already read, or a page whose body repeats an earlier one (the
ckanext-dcat#260 loop), is a paging loop; more than ``harvest.max_pages`` pages is refused
too. When the pages say how many datasets there are (``hydra:totalItems``), the datasets
read must be exactly that many: a short listing is refused, because a harvester that
believed it would drop the missing cities.

Each page is fetched conditionally against the copy kept from the last good harvest
(:class:`PageCache`): a page answered 304 is read from that copy, so an unchanged catalogue
costs one 304 per page and nothing else.

A dataset that ``dct:hasPart`` other datasets of the same catalogue (lodpub's every-city
dataset) is their union, not a city: it is skipped.

The pages are always read (their checksums decide what is current); a source's change feed
(:mod:`publisher.harvest.changes`) only answers for dumps the catalogue gives no checksum for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
from rdflib import Namespace
from rdflib import namespace as rdflib_namespace

from publisher.catalog import SPDX
from publisher.harvest.fetch import Fetched, Fetcher, Validators
from publisher.harvest.sources import Source
from publisher.iris import masterplan_namespace
from publisher.mediatypes import BY_EXTENSION, BY_MEDIA_TYPE, RDF_FORMATS, Format
from publisher.rdf import DCAT, DCTERMS, FOAF, RDF, Terms

HYDRA = Terms(Namespace("http://www.w3.org/ns/hydra/core#"))
VOID = Terms(rdflib_namespace.VOID)
NEXT_LINKS = (HYDRA.next, HYDRA.nextPage)
# The graph formats a catalogue may come in, best first, as an Accept header.
CATALOGUE_FORMATS = tuple(f for f in RDF_FORMATS if not f.datasets)
ACCEPT = ", ".join(
    f.media_type + ("" if i == 0 else f";q={1 - i / 10:.1f}")
    for i, f in enumerate(CATALOGUE_FORMATS)
)


class CatalogueError(Exception):
    """The catalogue cannot be harvested; the message says which page and why."""


# --- parsing ------------------------------------------------------------------------------


def rdf_format(media_type: str, url: str, choices: Iterable[Format] = RDF_FORMATS) -> Format | None:
    """The format of a response: its Content-Type when that is an RDF one, else the URL's
    file extension (static web servers often say ``application/octet-stream``)."""
    allowed = tuple(choices)
    fmt = BY_MEDIA_TYPE.get(media_type)
    if fmt in allowed:
        return fmt
    extension = urlsplit(url).path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    fmt = BY_EXTENSION.get(extension)
    return fmt if fmt in allowed else None


def parse(body: bytes, fmt: Format, base: str, what: str) -> list[ox.Triple]:
    """Every triple of ``body`` (blank nodes renamed apart from every other document's);
    CatalogueError, with the parser's position, if it is invalid."""
    try:
        quads = ox.parse(body, format=fmt.rdf_format, base_iri=base, rename_blank_nodes=True)
        return [quad.triple for quad in quads]
    except (SyntaxError, ValueError) as exc:
        raise CatalogueError(
            f"{what}: invalid {fmt.media_type}: {' '.join(str(exc).split())}"
        ) from None


class Index:
    """Triples by subject, with just the look-ups a catalogue needs."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.by_subject: dict[object, list[ox.Triple]] = {}
        for triple in dict.fromkeys(triples):
            self.by_subject.setdefault(triple.subject, []).append(triple)

    def objects(self, subject: object, predicate: ox.NamedNode) -> list:
        return [t.object for t in self.by_subject.get(subject, ()) if t.predicate == predicate]

    def first(self, subject: object, predicate: ox.NamedNode) -> object | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def typed(self, cls: ox.NamedNode) -> list:
        return [s for s in self.by_subject if cls in self.objects(s, RDF.type)]

    def star(self, subject: object, skip: frozenset = frozenset()) -> list[ox.Triple]:
        """``subject``'s triples (except ``skip`` predicates) and, recursively, those of the
        blank nodes they point at."""
        out: list[ox.Triple] = []
        todo, seen = [subject], set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for triple in self.by_subject.get(node, ()):
                if node is subject and triple.predicate in skip:
                    continue
                out.append(triple)
                if isinstance(triple.object, ox.BlankNode):
                    todo.append(triple.object)
        return out


# --- the catalogue's content --------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    iri: str
    url: str  # download URL (else access URL) as the catalogue prints it
    fmt: Format | None
    declared_type: str  # what the catalogue says the format is, for messages
    byte_size: int | None
    checksum: tuple[str, str] | None  # (hashlib algorithm name, hex value)


@dataclass(frozen=True)
class Dataset:
    iri: str
    namespaces: tuple[str, ...]  # declared void:uriSpace, else the masterplan's namespace
    distributions: tuple[Distribution, ...]


@dataclass
class Page:
    """One page as read: where, its validators and body (for the next conditional GET)."""

    url: str  # the real URL fetched
    base: str  # the URL as linked (canonical): relative IRIs in the page resolve against it
    media_type: str
    validators: Validators
    body: bytes
    not_modified: bool = False


@dataclass
class Catalogue:
    catalog: str | None  # the catalogue node's IRI
    datasets: list[Dataset]
    pages: list[Page]
    index: Index

    @property
    def unchanged(self) -> bool:
        """Every page answered 304: nothing in the catalogue changed."""
        return all(page.not_modified for page in self.pages)


@dataclass
class PageCache:
    """The pages of the last good harvest, by real URL."""

    pages: dict[str, Page] = field(default_factory=dict)


ALGORITHMS = ("sha256", "sha512", "sha1", "md5")  # SPDX names that are hashlib names


def _checksum(index: Index, node: object) -> tuple[str, str] | None:
    checksum = index.first(node, SPDX.checksum)
    if checksum is None:
        return None
    algorithm = index.first(checksum, SPDX.algorithm)
    value = index.first(checksum, SPDX.checksumValue)
    if not isinstance(algorithm, ox.NamedNode) or not isinstance(value, ox.Literal):
        return None
    name = algorithm.value.rsplit("checksumAlgorithm_", 1)[-1].lower()
    return (name, value.value.lower()) if name in ALGORITHMS else None


def _format(index: Index, node: object, url: str) -> tuple[Format | None, str]:
    """The distribution's format from dcat:mediaType, dct:format or the URL's extension."""
    declared = []
    media = index.first(node, DCAT.mediaType)
    if isinstance(media, ox.NamedNode | ox.Literal):
        media_type = media.value.split("/media-types/")[-1].lower()
        declared.append(media_type)
        if media_type in BY_MEDIA_TYPE:
            return BY_MEDIA_TYPE[media_type], media_type
    code = index.first(node, DCTERMS.format)
    if isinstance(code, ox.NamedNode | ox.Literal):
        token = code.value.rsplit("/", 1)[-1]
        declared.append(token)
        for fmt in RDF_FORMATS:
            if fmt.eu_file_type == token:
                return fmt, token
    fmt = rdf_format("", url)
    return fmt, ", ".join(declared) or "(no format declared)"


def _size(index: Index, node: object) -> int | None:
    value = index.first(node, DCAT.byteSize)
    try:
        return int(value.value) if isinstance(value, ox.Literal) else None
    except ValueError:
        return None


def _distribution(index: Index, node: object) -> Distribution | None:
    url = index.first(node, DCAT.downloadURL) or index.first(node, DCAT.accessURL)
    if not isinstance(url, ox.NamedNode | ox.Literal):
        return None
    fmt, declared = _format(index, node, url.value)
    iri = node.value if isinstance(node, ox.NamedNode) else url.value
    return Distribution(iri, url.value, fmt, declared, _size(index, node), _checksum(index, node))


def _namespaces(index: Index, dataset: object) -> tuple[str, ...]:
    declared = [
        o.value for o in index.objects(dataset, VOID.uriSpace) if isinstance(o, ox.Literal)
    ]
    if declared:
        return tuple(sorted(set(declared)))
    topics = [
        masterplan_namespace(o.value)
        for o in index.objects(dataset, FOAF.primaryTopic)
        if isinstance(o, ox.NamedNode)
    ]
    return tuple(sorted({ns for ns in topics if ns}))


def datasets(index: Index, catalog: object) -> list[Dataset]:
    """The catalogue's city datasets, in IRI order (unions of other datasets skipped)."""
    listed = [d for d in index.objects(catalog, DCAT.dataset) if isinstance(d, ox.NamedNode)]
    members = set(listed)
    found = []
    for node in sorted(set(listed), key=lambda n: n.value):
        if any(part in members for part in index.objects(node, DCTERMS.hasPart)):
            continue
        distributions = [_distribution(index, d) for d in index.objects(node, DCAT.distribution)]
        found.append(
            Dataset(node.value, _namespaces(index, node), tuple(d for d in distributions if d))
        )
    return found


# --- reading every page -------------------------------------------------------------------


def _next_link(statements: list[ox.Triple], base: str) -> str | None:
    for statement in statements:
        if statement.predicate in NEXT_LINKS and isinstance(
            statement.object, ox.NamedNode | ox.Literal
        ):
            return urljoin(base, statement.object.value)
    return None


def _total_items(statements: list[ox.Triple]) -> int | None:
    for statement in statements:
        if statement.predicate == HYDRA.totalItems and isinstance(statement.object, ox.Literal):
            try:
                return int(statement.object.value)
            except ValueError:
                return None
    return None


def _pages(
    fetcher: Fetcher, source: Source, cache: PageCache, max_pages: int
) -> Iterator[tuple[Page, list[ox.Triple]]]:
    """Each page with its statements, following the next links."""
    canonical: str | None = source.catalog
    seen_urls: dict[str, int] = {}
    seen_bodies: dict[str, int] = {}
    while canonical is not None:
        number = len(seen_urls) + 1
        if number > max_pages:
            raise CatalogueError(f"more than {max_pages} catalogue pages (harvest.max_pages)")
        url = source.real_url(canonical)
        if url in seen_urls:
            raise CatalogueError(
                f"paging loop: page {number - 1} links back to page {seen_urls[url]} ({url})"
            )
        seen_urls[url] = number
        page = _fetch_page(fetcher, url, canonical, cache.pages.get(url))
        digest = hashlib.sha256(page.body).hexdigest()
        if digest in seen_bodies:
            raise CatalogueError(
                f"paging loop: page {number} ({url}) repeats page {seen_bodies[digest]}"
            )
        seen_bodies[digest] = number
        fmt = rdf_format(page.media_type, url, CATALOGUE_FORMATS)
        if fmt is None:
            raise CatalogueError(
                f"{url}: not an RDF catalogue (Content-Type {page.media_type or 'missing'})"
            )
        statements = parse(page.body, fmt, canonical, f"catalogue page {number} ({url})")
        yield page, statements
        canonical = _next_link(statements, canonical)


def _fetch_page(fetcher: Fetcher, url: str, base: str, kept: Page | None) -> Page:
    fetched: Fetched = fetcher.get(url, ACCEPT, kept.validators if kept else None)
    if fetched.not_modified:
        if kept is None:  # a 304 to an unconditional request: a broken server
            raise CatalogueError(f"{url}: 304 Not Modified to a request that had no validators")
        return Page(url, base, kept.media_type, kept.validators, kept.body, not_modified=True)
    return Page(url, base, fetched.media_type, fetched.validators, fetched.body)


def read_catalogue(fetcher: Fetcher, source: Source, cache: PageCache, max_pages: int) -> Catalogue:
    """Every page of the source's catalogue, its datasets and their distributions."""
    pages: list[Page] = []
    statements: list[ox.Triple] = []
    total: int | None = None
    for page, page_statements in _pages(fetcher, source, cache, max_pages):
        pages.append(page)
        statements += page_statements
        if total is None:
            total = _total_items(page_statements)
    return _assemble(source, pages, statements, total)


def cached_catalogue(source: Source, cache: PageCache) -> Catalogue:
    """The catalogue as the last good harvest read it, from the pages kept (no request)."""
    statements = []
    for number, page in enumerate(cache.pages.values(), 1):
        fmt = rdf_format(page.media_type, page.url, CATALOGUE_FORMATS)
        if fmt is None:
            raise CatalogueError(f"kept page {number} ({page.url}): unknown format")
        statements += parse(page.body, fmt, page.base, f"kept page {number} ({page.url})")
    return _assemble(source, list(cache.pages.values()), statements, None)


def _assemble(
    source: Source, pages: list[Page], statements: list[ox.Triple], total: int | None
) -> Catalogue:
    index = Index(statements)
    catalogs = [c for c in index.typed(DCAT.Catalog) if index.objects(c, DCAT.dataset)]
    if not catalogs:
        raise CatalogueError(f"{source.catalog}: no dcat:Catalog with a dcat:dataset")
    if len(catalogs) > 1:
        names = ", ".join(sorted(str(c) for c in catalogs))
        raise CatalogueError(f"{source.catalog}: more than one catalogue listing datasets: {names}")
    listed = set(index.objects(catalogs[0], DCAT.dataset))
    if total is not None and total != len(listed):
        raise CatalogueError(
            f"{source.catalog}: the pages list {len(listed)} dataset(s) but hydra:totalItems "
            f"says {total}: a page is missing or short"
        )
    found = datasets(index, catalogs[0])
    if not found:
        raise CatalogueError(f"{source.catalog}: the catalogue lists no city dataset")
    catalog = catalogs[0].value if isinstance(catalogs[0], ox.NamedNode) else None
    return Catalogue(catalog, found, pages, index)
