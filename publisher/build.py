"""Orchestrates a build: YAML → RDF → SHACL gate → dist/, swapped in atomically.

A failed build (bad YAML, a violation, a crash half-way) leaves the previous dist/ exactly as
it was: everything is written into a temporary sibling folder first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat
from pyoxigraph import serialize as ox_serialize
from rdflib import Graph, URIRef

from publisher import __version__
from publisher.catalog import BuildInfo, DumpFile, catalog_graph
from publisher.config import Config
from publisher.iris import ALL_CITIES, CATALOG_GRAPH, VOCABULARY_GRAPH, Iris
from publisher.mediatypes import BY_EXTENSION, JSONLD, NQUADS, NTRIPLES, TRIG, TURTLE, Format
from publisher.namespaces import bind_prefixes
from publisher.ontodoc import write_docs
from publisher.rdf import CityGraph, city_graph
from publisher.serialize import jsonld_context, serialize, to_triples
from publisher.source import City, SourceError, read_cities
from publisher.validate import Problem, check, load_shapes

CITY_DUMP_FORMATS = (TRIG, NQUADS, TURTLE, NTRIPLES, JSONLD)
STORE_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
CONTEXT_FILE = "context.jsonld"
ONTOLOGY_FILE = "smp.ttl"

Progress = Callable[[str], None]


class BuildError(Exception):
    """The build refused to publish; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class BuildResult:
    dist: Path
    build_id: str
    cities: list[str]
    triples: int
    warnings: list[Problem] = field(default_factory=list)


def _to_quads(graph: Graph, graph_iri: URIRef) -> list[Quad]:
    target = NamedNode(str(graph_iri))
    return [Quad(t.subject, t.predicate, t.object, target) for t in to_triples(graph)]


def _write_graph(quads: list[Quad], fmt: Format, path: Path) -> None:
    """One city's quads to a file: TriG/N-Quads keep the named graph, the rest drop it."""
    if fmt.datasets:
        path.write_bytes(ox_serialize(quads, format=fmt.rdf_format) or b"")
    else:
        path.write_bytes(serialize([q.triple for q in quads], fmt))


def _describe(path: Path, fmt: Format, city: str, root: Path) -> DumpFile:
    data = path.read_bytes()
    return DumpFile(
        city,
        str(path.relative_to(root / "dumps")),
        fmt,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def _manifest_entry(path: Path, root: Path, media_type: str) -> tuple[str, dict]:
    data = path.read_bytes()
    return str(path.relative_to(root)), {
        "bytes": len(data),
        "media_type": media_type,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _media_type(path: Path) -> str:
    if path.name == CONTEXT_FILE:
        return JSONLD.media_type
    fmt = BY_EXTENSION.get(path.suffix[1:])  # .html → text/html
    return fmt.media_type if fmt else "application/octet-stream"


def _vocabulary(ontology_dir: Path) -> Graph:
    graph = bind_prefixes(Graph())
    for path in sorted(ontology_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _swap(tmp: Path, dist: Path) -> None:
    """Replace dist/ by tmp/; until the first rename the old dist/ is untouched."""
    old = dist.with_name(f".{dist.name}-old-{uuid.uuid4().hex[:8]}")
    if dist.exists():
        os.rename(dist, old)
    os.rename(tmp, dist)
    if old.exists():
        shutil.rmtree(old)


class Builder:
    """One build run; see ``build``."""

    def __init__(self, config: Config, data_dir: Path, dist: Path, progress: Progress) -> None:
        self.config = config
        self.iris = Iris(config.base_iri)
        self.data_dir = data_dir
        self.dist = dist
        self.say = progress
        self.started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.build_id = self.started.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]

    def read_and_validate(self) -> tuple[list[City], list[CityGraph], list[Problem]]:
        try:
            cities = read_cities(self.data_dir)
        except SourceError as exc:
            raise BuildError(exc.problems) from exc
        shapes = load_shapes(self.config.path("shapes_dir"))
        graphs, warnings, violations = [], [], []
        for number, city in enumerate(cities, 1):
            self.say(f"[{number}/{len(cities)}] {city.key}: converting and validating")
            located = city_graph(city, self.iris)
            problems = check(located.graph, shapes, located)
            violations += [p for p in problems if p.is_violation]
            warnings += [p for p in problems if not p.is_violation]
            graphs.append(located)
        if violations:
            raise BuildError([str(p) for p in violations])
        self._shapes = shapes
        return cities, graphs, warnings

    def write(self, tmp: Path, cities: list[City], graphs: list[CityGraph]) -> int:
        dumps_dir = tmp / "dumps"
        dumps_dir.mkdir()
        dump_files: list[DumpFile] = []
        city_quads: list[Quad] = []
        for located in graphs:
            key = located.city.key
            self.say(f"{key}: writing dumps")
            quads = _to_quads(located.graph, self.iris.graph(key))
            for fmt in CITY_DUMP_FORMATS:
                path = dumps_dir / f"{key}.{fmt.extension}"
                _write_graph(quads, fmt, path)
                dump_files.append(_describe(path, fmt, key, tmp))
            city_quads += quads
        for fmt in (TRIG, NQUADS):
            path = dumps_dir / f"{ALL_CITIES}.{fmt.extension}"
            path.write_bytes(ox_serialize(city_quads, format=fmt.rdf_format) or b"")
            dump_files.append(_describe(path, fmt, ALL_CITIES, tmp))
        vocabulary = self._ontology(tmp)
        info = BuildInfo(
            self.build_id,
            self.started,
            dt.datetime.now(dt.UTC).replace(microsecond=0),
            [str(p.relative_to(self.data_dir.parent)) for c in cities for p in c.files()],
        )
        catalog = catalog_graph(self.config, cities, dump_files, info)
        problems = [p for p in check(catalog, self._shapes) if p.is_violation]
        if problems:
            raise BuildError([f"catalogue: {p}" for p in problems])
        catalog.serialize(tmp / "catalog.ttl", format="turtle", encoding="utf-8")
        everything = (
            city_quads
            + _to_quads(vocabulary, self.iris.graph(VOCABULARY_GRAPH))
            + _to_quads(catalog, self.iris.graph(CATALOG_GRAPH))
        )
        (tmp / STORE_FILE).write_bytes(ox_serialize(everything, format=RdfFormat.N_QUADS) or b"")
        (tmp / CONTEXT_FILE).write_text(json.dumps(jsonld_context(), indent=2), encoding="utf-8")
        return len(everything)

    def _ontology(self, tmp: Path) -> Graph:
        """Copy the ontology files, write their pyLODE pages; return them as one graph."""
        ontology_dir = self.config.path("ontology_dir")
        (tmp / "ontology").mkdir()
        for path in sorted(ontology_dir.glob("*.ttl")):
            shutil.copyfile(path, tmp / "ontology" / path.name)
        self.say("ontology: writing HTML documentation (pyLODE)")
        write_docs(ontology_dir / ONTOLOGY_FILE, tmp / "ontology")
        return _vocabulary(ontology_dir)

    def manifest(self, tmp: Path, cities: list[City], triples: int) -> None:
        files = dict(
            _manifest_entry(path, tmp, _media_type(path))
            for path in sorted(tmp.rglob("*"))
            if path.is_file()
        )
        manifest = {
            "build_id": self.build_id,
            "built_at": self.started.isoformat().replace("+00:00", "Z"),
            "software_version": __version__,
            "base_iri": self.config.base_iri,
            "cities": [c.key for c in cities],
            "triples": triples,
            "files": files,
        }
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    def run(self) -> BuildResult:
        cities, graphs, warnings = self.read_and_validate()
        self.dist.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.dist.name}-new-", dir=self.dist.parent))
        tmp.chmod(0o755)
        try:
            triples = self.write(tmp, cities, graphs)
            self.manifest(tmp, cities, triples)
            _swap(tmp, self.dist)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        self.say(f"built {len(cities)} cities, {triples} triples into {self.dist}")
        return BuildResult(self.dist, self.build_id, [c.key for c in cities], triples, warnings)


def build(
    config: Config,
    data_dir: Path | None = None,
    dist: Path | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build every city under ``data_dir`` into ``dist``; raise BuildError on any problem."""
    return Builder(
        config,
        Path(data_dir or config.path("data_dir")).resolve(),
        Path(dist or config.path("dist_dir")).resolve(),
        progress or (lambda _msg: None),
    ).run()


def is_stale(config: Config) -> bool:
    """True when dist/ is missing, was built for another base IRI, or any input is newer."""
    manifest_path = config.path("dist_dir") / MANIFEST_FILE
    if not manifest_path.is_file():
        return True
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("base_iri") != config.base_iri:
        return True
    built = manifest_path.stat().st_mtime
    inputs = [config.path(key) for key in ("data_dir", "ontology_dir", "shapes_dir")]
    return any(
        path.stat().st_mtime > built
        for folder in inputs
        if folder.is_dir()
        for path in folder.rglob("*")
    )


def validate_only(config: Config, data_dir: Path | None = None) -> list[Problem]:
    """Check the YAML and the shapes without writing anything; return the warnings."""
    builder = Builder(
        config,
        Path(data_dir or config.path("data_dir")).resolve(),
        config.path("dist_dir"),
        lambda _msg: None,
    )
    return builder.read_and_validate()[2]
