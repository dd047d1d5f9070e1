"""Every resource's description, computed once per build and read with one lookup.

The data changes only with a build (or a harvest), so the description of each resource —
the triples of ``publisher.web.lod.describe.describe_query``'s CONSTRUCT, which stays the
definition (remote stores still run it) — is computed when ``dist/`` is made, by a native
walk over the quads (:func:`walk`, pyoxigraph's ``quads_for_pattern``: several times faster
than the 16-branch UNION), and stored in ``dist/descriptions.lmdb``: an LMDB file, memory
mapped and shared by every worker process, one B-tree lookup per page request.
``tests/test_descriptions.py`` holds :func:`walk` equal to the CONSTRUCT for every resource
of the demo and of synthetic data.

**Pages.** A vocabulary concept or a source may be the object of thousands of triples;
its document would be megabytes. The incoming links of IRIs (``<x> ?p <it>`` and ``<x>``'s
labels) are therefore paged (:func:`paginate`): every page holds everything else (so each
page stands alone) and at most ``incoming_per_page`` linking resources, in about
``page_bytes`` bytes. The same function pages a CONSTRUCT's result, so a remote store
serves the same pages.

Records: the key is the IRI (UTF-8) for page 1 and ``IRI \\0 n`` for page *n* (a longer
key than LMDB allows: ``\\1`` + its SHA-256); the value is
``<pages>\\n`` followed by the page's triples in N-Triples, in reading order, compressed with
zlib (IRIs repeat: a sixth of the size, for about 10 µs per page). An IRI without a record has no
triple with it as subject (it is not published here).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import lmdb
import pyoxigraph as ox

DESCRIPTIONS_FILE = "descriptions.lmdb"
BLANK_DEPTH = 4  # as publisher.web.lod.describe.chains
LABELS = (
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
    ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
)
INCOMING_PER_PAGE = 500
PAGE_BYTES = 1 << 20
_MAP_GROWTH = 1 << 30
_LONGEST_KEY = 400
SERIAL_BELOW = 2000  # resources: fewer are walked in this process (no pool to start)


@dataclass(frozen=True)
class Paging:
    """How incoming links are paged (the ``descriptions:`` settings)."""

    incoming_per_page: int = INCOMING_PER_PAGE
    page_bytes: int = PAGE_BYTES

    @classmethod
    def from_config(cls, values: dict) -> Paging:
        settings = values.get("descriptions") or {}
        return cls(
            int(settings.get("incoming_per_page", INCOMING_PER_PAGE)),
            int(settings.get("page_bytes", PAGE_BYTES)),
        )


@dataclass(frozen=True)
class Page:
    """One page of a description: its triples in N-Triples, and how many pages there are
    (0: the resource has no description, it is not published here)."""

    ntriples: bytes
    number: int
    pages: int


# --- the walk ------------------------------------------------------------------------------
class Walker:
    """The native equivalent of the describe CONSTRUCT over one pyoxigraph store. The
    labels of every IRI are read in one pass when the walker is made: vocabulary concepts
    are met again and again, and most IRIs met have none."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._labels: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
        for predicate in LABELS:
            for quad in store.quads_for_pattern(None, predicate, None):
                self._labels.setdefault(quad.subject, []).append(quad.triple)

    def triples(self, subject: ox.NamedNode | ox.BlankNode) -> list[ox.Triple]:
        return [q.triple for q in self.store.quads_for_pattern(subject, None, None)]

    def labels(self, node: ox.NamedNode) -> list[ox.Triple]:
        return self._labels.get(node, [])

    def describe(self, thing: ox.NamedNode) -> set[ox.Triple]:
        out: set[ox.Triple] = set()
        # the resource and the blank nodes reachable from it through blank nodes only
        seen: set[ox.NamedNode | ox.BlankNode] = {thing}
        frontier: list[ox.NamedNode | ox.BlankNode] = [thing]
        for depth in range(BLANK_DEPTH + 1):
            following: list[ox.NamedNode | ox.BlankNode] = []
            for node in frontier:
                for triple in self.triples(node):
                    out.add(triple)
                    obj = triple.object
                    if isinstance(obj, ox.NamedNode):
                        out.update(self.labels(obj))
                    elif isinstance(obj, ox.BlankNode) and depth < BLANK_DEPTH and obj not in seen:
                        seen.add(obj)
                        following.append(obj)
            frontier = following
        # what links here; a blank node linking here brings its triples, its owner, labels
        for quad in self.store.quads_for_pattern(None, None, thing):
            subject = quad.subject
            out.add(quad.triple)
            if isinstance(subject, ox.NamedNode):
                out.update(self.labels(subject))
            elif isinstance(subject, ox.BlankNode):
                for triple in self.triples(subject):
                    out.add(triple)
                    if isinstance(triple.object, ox.NamedNode):
                        out.update(self.labels(triple.object))
                for owner in self.store.quads_for_pattern(None, None, subject):
                    out.add(owner.triple)
                    if isinstance(owner.subject, ox.NamedNode):
                        out.update(self.labels(owner.subject))
        return out


def walk(store: ox.Store, thing: str) -> set[ox.Triple]:
    """The description of ``thing`` in ``store`` (the CONSTRUCT's triples, as a set)."""
    return Walker(store).describe(ox.NamedNode(thing))


# --- pages ---------------------------------------------------------------------------------
def paginate(thing: str, triples: Iterable[ox.Triple], paging: Paging) -> list[list[ox.Triple]]:
    """The description cut into pages (at least one): the links ``<x> ?p <thing>`` from
    IRIs ``x``, with the labels of those ``x`` that nothing else needs, are spread over the
    pages in ``x`` order; every page also holds everything else (the resource's own
    triples, so each page stands alone)."""
    rest, slices = _pieces(thing, triples, paging)
    return [rest + part for part in slices]


def _pieces(
    thing: str, triples: Iterable[ox.Triple], paging: Paging
) -> tuple[list[ox.Triple], list[list[ox.Triple]]]:
    """:func:`paginate`'s pages as what every page holds and what each page adds."""
    this = ox.NamedNode(thing)
    triples = set(triples)
    if len(triples) <= min(paging.incoming_per_page, paging.page_bytes // 2000):
        return [], [list(triples)]  # too few to need pages (most resources)
    linking: dict[ox.NamedNode, list[ox.Triple]] = {}
    for triple in triples:
        subject = triple.subject
        if triple.object == this and isinstance(subject, ox.NamedNode) and subject != this:
            linking.setdefault(subject, []).append(triple)
    small = len(triples) < paging.page_bytes // 2000 or _size(triples) <= paging.page_bytes
    if len(linking) <= paging.incoming_per_page and small:
        return [], [list(triples)]
    moved = {t for group in linking.values() for t in group}
    needed = {  # what the rest mentions besides the linking resources' labels
        term
        for t in triples
        if t not in moved and not (t.subject in linking and t.predicate in LABELS)
        for term in (t.subject, t.object)
    }
    for triple in triples:
        group = linking.get(triple.subject)  # type: ignore[arg-type]
        if group is not None and triple.predicate in LABELS and triple.subject not in needed:
            group.append(triple)
    moved = {t for group in linking.values() for t in group}
    rest = [t for t in triples if t not in moved]
    # the links' share of a page: what the rest leaves, but never under a quarter
    room = max(paging.page_bytes - _size(rest), paging.page_bytes // 4)
    slices: list[list[ox.Triple]] = [[]]
    count, size = 0, 0
    for subject in sorted(linking, key=str):
        group = linking[subject]
        grown = _size(group)
        if count and (count >= paging.incoming_per_page or size + grown > room):
            slices.append([])
            count, size = 0, 0
        slices[-1] += group
        count, size = count + 1, size + grown
    return rest, slices


def reading_order(thing: ox.NamedNode) -> Callable[[ox.Triple], tuple[int, str, str, str]]:
    """Sort key: the resource first, then other IRIs, then blank nodes (Turtle groups by
    subject only when a subject's triples are adjacent). Stored pages are in this order."""

    def key(triple: ox.Triple) -> tuple[int, str, str, str]:
        s = triple.subject
        rank = 0 if s == thing else 1 if isinstance(s, ox.NamedNode) else 2
        return (rank, str(s), str(triple.predicate), str(triple.object))

    return key


def _sorted_lines(thing: str, triples: Iterable[ox.Triple]) -> tuple[list[bytes], list[bytes]]:
    """The N-Triples lines of ``thing``'s own triples and of the others, each sorted: in
    :func:`reading_order` once joined, by sorting the serialised lines (a term's text ends
    with ``>``, ``"``, a language tag or an identifier, so comparing ``"s p o .\\n"`` lines
    compares the terms one after the other, and ``<`` sorts before ``_``) at a fraction of
    the cost of a Python key per triple."""
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    prefix = f"<{thing}> ".encode()
    own: list[bytes] = []
    others: list[bytes] = []
    for line in body.split(b"\n")[:-1]:
        (own if line.startswith(prefix) else others).append(line + b"\n")
    own.sort()
    others.sort()
    return own, others


def _page_bodies(
    thing: str, rest: list[ox.Triple], slices: list[list[ox.Triple]]
) -> Iterator[bytes]:
    """Each page (``rest`` + a slice) in reading order; ``rest`` is serialised and sorted
    once: a hub's can be megabytes, repeated on every page (merging two sorted runs is
    linear)."""
    shared_own, shared_others = _sorted_lines(thing, rest) if rest else ([], [])
    for part in slices:
        own, others = _sorted_lines(thing, part)
        yield b"".join(sorted(shared_own + own)) + b"".join(sorted(shared_others + others))


def _size(triples: Iterable[ox.Triple]) -> int:
    """Bytes in N-Triples (written by pyoxigraph: much faster than ``str`` per triple)."""
    return len(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")


# --- writing at build time -----------------------------------------------------------------
def subjects(store: ox.Store) -> list[str]:
    """Every IRI that is the subject of a triple, sorted."""
    rows = store.query(
        "SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
        "FILTER(isIRI(?s)) }"
    )  # in Rust: a million quads are not walked in Python
    return sorted(row[0].value for row in rows)


def records(
    store: ox.Store | Walker, things: Iterable[str], paging: Paging
) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of every page of every thing's description (a walker made once
    serves every slice: it reads every label when made)."""
    walker = store if isinstance(store, Walker) else Walker(store)
    for thing in things:
        this = ox.NamedNode(thing)
        rest, slices = _pieces(thing, walker.describe(this), paging)
        head = f"{len(slices)}\n".encode()
        for number, body in enumerate(_page_bodies(thing, rest, slices), 1):
            yield _key(thing, number), head + zlib.compress(body, 1)


def _key(thing: str, number: int) -> bytes:
    """The record's key; an IRI too long for an LMDB key (511 bytes) goes by its SHA-256."""
    key = thing.encode() if number == 1 else f"{thing}\0{number}".encode()
    return key if len(key) <= _LONGEST_KEY else b"\1" + hashlib.sha256(key).digest()


_worker: Walker | None = None


def _load(dataset: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
    return store


def _start(dataset: Path) -> None:
    global _worker
    _worker = Walker(_load(dataset))


def _slice(job: tuple[list[str], Paging]) -> list[tuple[bytes, bytes]]:
    assert _worker is not None
    return list(records(_worker, *job))


def write(dataset: Path, out: Path, paging: Paging, workers: int = 1) -> int:
    """``out`` (an LMDB file) with every description of ``dataset`` (N-Quads); with
    ``workers`` > 1 the walk is spread over processes (see :func:`_pool`). Returns the
    number of described resources."""
    global _worker
    walker = Walker(_load(dataset))
    things = subjects(walker.store)
    env = lmdb.open(str(out), subdir=False, map_size=_MAP_GROWTH, lock=False,
                    writemap=False, sync=False, metasync=False)  # fmt: skip
    try:
        if workers <= 1 or len(things) < SERIAL_BELOW:
            _put_all(env, records(walker, things, paging))
        else:
            chunk = max(500, len(things) // (workers * 8))
            jobs = [(things[i : i + chunk], paging) for i in range(0, len(things), chunk)]
            forking = _can_fork()
            # forked workers inherit this process's store; spawned ones load their own, so
            # this copy is dropped first
            _worker, walker = (walker, walker) if forking else (None, None)
            try:
                with _pool(dataset, workers, forking) as pool:
                    _put_all(env, (r for batch in pool.map(_slice, jobs) for r in batch))
            finally:
                _worker = None
        env.sync(True)
    finally:
        env.close()
    return len(things)


def _can_fork() -> bool:
    """A process with other threads (a build inside a server) may not fork safely."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _pool(dataset: Path, workers: int, forking: bool) -> ProcessPoolExecutor:
    """Forked workers share the store this process loaded (copy-on-write: no second
    load, no re-import); spawned ones each load ``dataset``."""
    if forking:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(dataset,),
    )


def _put_all(env: lmdb.Environment, items: Iterable[tuple[bytes, bytes]]) -> None:
    """Write in batches, growing the map when it is full."""
    batch: list[tuple[bytes, bytes]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= 2000:
            _commit(env, batch)
            batch = []
    _commit(env, batch)


def _commit(env: lmdb.Environment, batch: list[tuple[bytes, bytes]]) -> None:
    while True:
        try:
            with env.begin(write=True) as txn:
                for key, value in batch:
                    txn.put(key, value)
            return
        except lmdb.MapFullError:
            env.set_mapsize(env.info()["map_size"] + _MAP_GROWTH)


# --- reading at serve time -----------------------------------------------------------------
class Descriptions:
    """``descriptions.lmdb`` opened read-only, memory-mapped (the pages are shared by every
    process that maps it). LMDB allows one handle per file and process: stores over the
    same build share it, and the last one to close it closes it."""

    _open: dict[tuple[int, str], tuple[lmdb.Environment, int]] = {}  # noqa: RUF012

    def __init__(self, path: Path) -> None:
        self._key = (os.getpid(), str(Path(path).resolve()))
        env, users = self._open.get(self._key, (None, 0))
        if env is None:
            env = lmdb.open(self._key[1], subdir=False, readonly=True, lock=False,
                            readahead=False, max_readers=1)  # fmt: skip
        self._open[self._key] = (env, users + 1)
        self._env = env

    def page(self, thing: str, number: int = 1) -> Page:
        with self._env.begin(buffers=False) as txn:
            value = txn.get(_key(thing, number))
        if value is None:
            pages = 0 if number == 1 else self.page(thing).pages
            return Page(b"", number, pages)
        head, _, body = value.partition(b"\n")
        return Page(zlib.decompress(body), number, int(head))

    def close(self) -> None:
        env, users = self._open.pop(self._key, (None, 0))
        if env is None:
            return
        if users > 1:
            self._open[self._key] = (env, users - 1)
        else:
            env.close()
