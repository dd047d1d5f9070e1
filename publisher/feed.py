"""The change feed: a Linked Data Event Stream of the catalogue, in SEMIC's "DCAT-AP Feeds"
profile (docs/harvesting.md), and the build history it is made from.

Why: a harvester that visits weekly should not re-read every dataset to learn which changed.
Each build compares its cities' data with the previous build's (``history.json``, read from
the published ``dist/`` before the new one replaces it) and appends one member per change:
an ``as:Create``, ``as:Update`` or ``as:Delete`` of the city's dataset, stamped with the
build time (``as:published``), whose named graph holds the dataset's new description.
Nothing changed, nothing appended: a rebuild of the same data adds no member.

A dataset's checksum is the SHA-256 of its city's YAML files and the software version (what
its RDF is made from: the dumps themselves differ between builds in their blank-node
labels, and its catalogue entry carries the build date). The every-city dataset is derived
from the others and has no members of its own. Retention: the latest ``feed.versions_kept``
members per dataset (``ldes:LatestVersionSubset``). Pages: ``feed.page_size`` members each,
oldest first, linked by ``tree:GreaterThanOrEqualToRelation`` on ``as:published``; all but
the last are full and marked immutable. Written as TriG files (members need named graphs),
served at ``/feed`` and ``/feed/{n}``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher import namespaces
from publisher.iris import Iris
from publisher.rdf import RDF, TRUE, XSD, Terms, integer

AS, LDES, TREE = (Terms(n) for n in (namespaces.AS, namespaces.LDES, namespaces.TREE))
HISTORY_FILE = "history.json"
FEED_FOLDER = "feed"
STREAM_FILE = "feed.trig"


@dataclass(frozen=True)
class Member:
    """One change: an activity about one dataset in one build."""

    iri: str
    kind: str  # Create, Update, Delete
    dataset: str
    published: str  # the build's start, xsd:dateTime with Z
    description: str  # the dataset's new description, N-Triples ("" for Delete)


@dataclass
class History:
    """What ``history.json`` keeps: the current datasets' checksums and the feed's members."""

    build_id: str
    datasets: dict[str, str]  # dataset IRI -> checksum
    members: list[Member]
    modified: dict[str, str]  # dataset IRI -> the ISO date its data last changed

    def modified_of(self, dataset: str) -> dt.date:
        return dt.date.fromisoformat(self.modified[dataset])

    @classmethod
    def read(cls, dist: Path) -> History | None:
        """The history of the build published at ``dist`` (None: no build, or none kept)."""
        try:
            raw = json.loads((dist / HISTORY_FILE).read_text(encoding="utf-8"))
            members = [Member(**m) for m in raw["members"]]
            return cls(str(raw["build_id"]), dict(raw["datasets"]), members,
                       dict(raw["modified"]))  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, folder: Path) -> None:
        data = {"build_id": self.build_id, "datasets": self.datasets, "modified": self.modified,
                "members": [asdict(m) for m in self.members]}  # fmt: skip
        (folder / HISTORY_FILE).write_text(json.dumps(data, indent=1), encoding="utf-8")


def changes(
    previous: History | None,
    checksums: dict[str, str],
    build_id: str,
    started: dt.datetime,
    describe: dict[str, list[ox.Triple]],
    iris: Iris,
) -> list[Member]:
    """The members this build appends: datasets created, whose checksum changed, or gone."""
    before = previous.datasets if previous else {}
    stamp = started.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    found = []
    for dataset in sorted(set(before) | set(checksums)):
        if dataset not in checksums:
            kind = "Delete"
        elif dataset not in before:
            kind = "Create"
        elif before[dataset] != checksums[dataset]:
            kind = "Update"
        else:
            continue
        text = "" if kind == "Delete" else _ntriples(describe.get(dataset, []))
        key = dataset.rstrip("/").rsplit("/", 1)[-1]
        iri = str(iris.feed_member(build_id, key))
        found.append(Member(iri, kind, dataset, stamp, text))
    return found


def retained(members: list[Member], versions_kept: int) -> list[Member]:
    """The latest ``versions_kept`` members of each dataset, in order."""
    counts: dict[str, int] = {}
    kept = []
    for member in reversed(members):
        counts[member.dataset] = counts.get(member.dataset, 0) + 1
        if counts[member.dataset] <= versions_kept:
            kept.append(member)
    return list(reversed(kept))


def _ntriples(triples: list[ox.Triple]) -> str:
    return "".join(f"{t} .\n" for t in triples)


def write_feed(folder: Path, members: list[Member], iris: Iris, page_size: int,
               versions_kept: int) -> None:  # fmt: skip
    """``feed/feed.trig`` (the stream, its retention and view) and ``feed/{n}.trig``."""
    out = folder / FEED_FOLDER
    out.mkdir()
    stream = ox.NamedNode(str(iris.feed()))
    pages = [members[i : i + page_size] for i in range(0, len(members), page_size)] or [[]]
    quads = [*_stream(stream, versions_kept),
             ox.Quad(stream, TREE.view, ox.NamedNode(str(iris.feed_page(1))))]  # fmt: skip
    (out / STREAM_FILE).write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG) or b"")
    for number, page in enumerate(pages, 1):
        node = ox.NamedNode(str(iris.feed_page(number)))
        quads = [*_stream(stream, versions_kept), ox.Quad(stream, TREE.view, node)]
        if number < len(pages):
            quads += _relation(node, iris, number + 1, pages[number][0].published)
            quads.append(ox.Quad(node, LDES.immutable, TRUE))
        for member in page:
            quads += _member(stream, member)
        data = ox.serialize(quads, format=ox.RdfFormat.TRIG) or b""
        (out / f"{number}.trig").write_bytes(data)


def _stream(stream: ox.NamedNode, versions_kept: int) -> list[ox.Quad]:
    policy = ox.BlankNode()
    return [
        ox.Quad(stream, RDF.type, LDES.EventStream),
        ox.Quad(stream, LDES.timestampPath, AS.published),
        ox.Quad(stream, LDES.versionOfPath, AS.object),
        ox.Quad(stream, LDES.retentionPolicy, policy),
        ox.Quad(policy, RDF.type, LDES.LatestVersionSubset),
        ox.Quad(policy, LDES.amount, integer(versions_kept)),
    ]


def _relation(node: ox.NamedNode, iris: Iris, target: int, first: str) -> list[ox.Quad]:
    relation = ox.BlankNode()
    return [
        ox.Quad(node, TREE.relation, relation),
        ox.Quad(relation, RDF.type, TREE.GreaterThanOrEqualToRelation),
        ox.Quad(relation, TREE.path, AS.published),
        ox.Quad(relation, TREE.value, ox.Literal(first, datatype=XSD.dateTime)),
        ox.Quad(relation, TREE.node, ox.NamedNode(str(iris.feed_page(target)))),
    ]


def _member(stream: ox.NamedNode, member: Member) -> list[ox.Quad]:
    node = ox.NamedNode(member.iri)
    quads = [
        ox.Quad(stream, TREE.member, node),
        ox.Quad(node, RDF.type, AS[member.kind]),
        ox.Quad(node, AS.object, ox.NamedNode(member.dataset)),
        ox.Quad(node, AS.published, ox.Literal(member.published, datatype=XSD.dateTime)),
    ]
    if member.description:
        for quad in ox.parse(member.description.encode(), format=ox.RdfFormat.N_TRIPLES):
            quads.append(ox.Quad(quad.subject, quad.predicate, quad.object, node))
    return quads
