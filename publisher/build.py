"""Orchestrates a build: YAML → RDF → SHACL gate → dist/, swapped in atomically.

A failed build (bad YAML, a violation, a crash half-way) leaves the previous dist/ exactly as
it was: everything is written into a temporary sibling folder first, published in one step
by :mod:`publisher.distdir`.

Each city is read, converted, validated and written (its five dumps) on its own
(``CityPipeline``), so with many cities the work is spread over worker processes, one per
CPU; the results are gathered in city order, so the problems reported, the dumps and
``dataset.nq`` are the same whatever the number of workers. ``LODPUB_BUILD_WORKERS=N``
fixes the number (1: everything in this process, the default below CITIES_PER_WORKER × 2
cities). The every-city dumps and ``dataset.nq`` are the cities' own N-Quads / TriG files
put end to end as they come back (blank node labels are random, so they never meet across
cities); the ontology's pages are written meanwhile, in a thread.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, thread_time

import pyoxigraph as ox
from pyoxigraph import Quad, RdfFormat
from pyoxigraph import serialize as ox_serialize

from publisher import __version__, distdir
from publisher.catalog import BuildInfo, DumpFile, catalog_triples, ipa_code, ipa_warning
from publisher.closure import reachable
from publisher.config import Config, ConfigError
from publisher.feed import History, changes, retained, write_feed
from publisher.iris import ALL_CITIES, CATALOG_GRAPH, VOCABULARY_GRAPH, Iris
from publisher.mediatypes import BY_EXTENSION, JSONLD, NQUADS, NTRIPLES, TRIG, TURTLE
from publisher.messages import Localised
from publisher.ontodoc import write_docs
from publisher.rdf import CityGraph, city_graph
from publisher.serialize import jsonld_context, serialize, sort_triples
from publisher.source import City, SourceError, city_folders, read_city
from publisher.store import descriptions
from publisher.validate import Problem, Validator, engine_name, load_shapes

CITY_DUMP_FORMATS = (TRIG, NQUADS, TURTLE, NTRIPLES, JSONLD)
ALL_DUMP_FORMATS = (TRIG, NQUADS)  # the cities' files end to end
STORE_FILE = "dataset.nq"
MANIFEST_FILE = distdir.MANIFEST_FILE
CONTEXT_FILE = "context.jsonld"
DESCRIPTIONS_FILE = descriptions.DESCRIPTIONS_FILE
CATALOG_FILE = "catalog.ttl"
ONTOLOGY_FILE = "smp.ttl"
WORKERS_VARIABLE = "LODPUB_BUILD_WORKERS"
# A worker process costs about a second to start (imports, shapes); a city about 0.05 s.
CITIES_PER_WORKER = 20

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
    # Seconds spent in each phase (see PHASES), for progress reports and the benchmarks.
    timings: dict[str, float] = field(default_factory=dict)


# The phases a build times. Per city, in CPU seconds added up over the cities (and so over
# the workers): read the YAML, make the RDF, validate it, write its dumps. Then wall-clock
# seconds: all the cities ("cities"), the every-city dumps ("combine"), the ontology pages,
# the catalogue (made, validated, written), dataset.nq ("store"), the manifest and the swap
# every resource's description ("descriptions"), the manifest and the swap of dist/
# ("publish").
CITY_PHASES = ("read", "rdf", "validate", "dumps")
PHASES = (
    *CITY_PHASES, "cities", "combine", "ontology", "catalog", "store", "descriptions",
    "manifest", "publish",
)


# --- one city ----------------------------------------------------------------------------


@dataclass
class CityOutcome:
    """What reading, converting, validating and writing one city gave."""

    folder: Path
    city: City | None
    source_problems: list[str]
    problems: list[Problem]  # SHACL results, violations first
    dumps: list[tuple[str, int, str]]  # (extension, bytes, sha256), CITY_DUMP_FORMATS order
    triples: int
    timings: dict[str, float]

    @property
    def key(self) -> str:
        return self.city.key if self.city else self.folder.name


class CityPipeline:
    """Reads, converts, validates and (when ``dumps_dir`` is given) writes one city at a
    time; one per process, so the shapes are loaded and compiled once."""

    def __init__(
        self, base_iri: str, shapes_dir: Path, engine: str | None = None, publisher: str = ""
    ) -> None:
        self.iris = Iris(base_iri)
        self.publisher = publisher  # config publisher.name: who makes its own classification
        self.validator = Validator(load_shapes(shapes_dir), engine)

    def __call__(self, folder: Path, dumps_dir: Path | None) -> CityOutcome:
        timings: dict[str, float] = {}
        clock = thread_time()  # CPU seconds: what the city costs, however busy the machine

        def lap(name: str) -> None:
            nonlocal clock
            now = thread_time()
            timings[name] = now - clock
            clock = now

        try:
            city = read_city(folder)
        except SourceError as exc:
            lap("read")
            return CityOutcome(folder, None, exc.problems, [], [], 0, timings)
        lap("read")
        located = city_graph(city, self.iris, self.publisher)
        lap("rdf")
        problems = self.validator.check_city(located)
        lap("validate")
        dumps = []
        if dumps_dir is not None and not any(p.is_violation for p in problems):
            dumps = _write_dumps(located, dumps_dir)
            lap("dumps")
        return CityOutcome(folder, city, [], problems, dumps, len(located.quads), timings)


def _write_dumps(located: CityGraph, dumps_dir: Path) -> list[tuple[str, int, str]]:
    """One city's dumps: TriG/N-Quads keep the named graph, the rest drop it (sorted once
    for the three of them)."""
    triples = sort_triples(located.triples)
    written = []
    for fmt in CITY_DUMP_FORMATS:
        if fmt.datasets:
            data = ox_serialize(located.quads, format=fmt.rdf_format) or b""
        else:
            data = serialize(triples, fmt, ordered=True)
        (dumps_dir / f"{located.city.key}.{fmt.extension}").write_bytes(data)
        written.append((fmt.extension, len(data), hashlib.sha256(data).hexdigest()))
    return written


# A city makes some hundred thousand objects, nearly none in reference cycles: with the
# default thresholds the cyclic collector runs thousands of times per build and walks every
# object still alive (the modules, the shapes, the cities read so far) for 8 to 14% of the
# time. Higher thresholds and the start-up objects frozen out of its way take that to 1%.
GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """GC_THRESHOLDS during a build in this process; the previous ones restored after."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


# In a worker process: its pipeline, made once by the pool's initializer.
_pipeline: CityPipeline | None = None


def _start_worker(base_iri: str, shapes_dir: Path, engine: str, publisher: str) -> None:
    global _pipeline
    _pipeline = CityPipeline(base_iri, shapes_dir, engine, publisher)
    gc.freeze()  # the process's whole life is this build: see _fewer_collections
    gc.set_threshold(*GC_THRESHOLDS)


def _run_in_worker(job: tuple[Path, Path | None]) -> CityOutcome:
    assert _pipeline is not None, "worker not started"
    return _pipeline(*job)


def worker_count(cities: int) -> int:
    """How many processes to spread ``cities`` over ($LODPUB_BUILD_WORKERS, else one per
    CPU, at most one per CITIES_PER_WORKER cities; 1 = this process only)."""
    setting = os.environ.get(WORKERS_VARIABLE, "").strip()
    if setting:
        try:
            return max(1, int(setting))
        except ValueError:
            raise ValueError(f"{WORKERS_VARIABLE}={setting!r}: expected a number") from None
    if multiprocessing.current_process().daemon:  # a daemon process may not start any
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, cities // CITIES_PER_WORKER))


# --- files -------------------------------------------------------------------------------


def write_descriptions(config: Config, folder: Path, cities: int) -> int:
    """``folder``/descriptions.lmdb from ``folder``/dataset.nq (the build and the harvest
    both end with it): every resource's description, read by the server with one lookup
    (:mod:`publisher.store.descriptions`), over as many processes as ``cities`` would get.
    Returns the number of resources described."""
    return descriptions.write(
        folder / STORE_FILE,
        folder / DESCRIPTIONS_FILE,
        descriptions.Paging.from_config(config.values),
        worker_count(cities),
    )



def _digest(data: bytes) -> dict:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _file_entry(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _source_digest(city: City) -> str:
    """What a city's dataset is made from: its YAML files and the software that converts
    them (the dumps' own checksums change with every build's blank-node labels)."""
    digest = hashlib.sha256(__version__.encode("utf-8"))
    for path in city.files():
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _media_type(path: Path) -> str:
    if path.name == CONTEXT_FILE:
        return JSONLD.media_type
    fmt = BY_EXTENSION.get(path.suffix[1:])  # .html → text/html
    return fmt.media_type if fmt else "application/octet-stream"


def _vocabulary(ontology_dir: Path) -> list[ox.Triple]:
    """The ontology and vocabulary files' triples, each once."""
    triples: dict[ox.Triple, None] = {}
    for path in sorted(ontology_dir.glob("*.ttl")):
        triples.update(dict.fromkeys(ox.parse(path=str(path), format=RdfFormat.TURTLE)))
    return list(triples)


def _in_graph(triples: list[ox.Triple], graph: ox.NamedNode) -> list[Quad]:
    return [Quad(t.subject, t.predicate, t.object, graph) for t in triples]


class _Joiner:
    """The every-city dumps (all.trig, all.nq): each city's own file appended, in city
    order, as the city comes back from its worker; sizes and sha256 kept as they grow."""

    def __init__(self, dumps_dir: Path) -> None:
        self.dumps_dir = dumps_dir
        self.files = {fmt.extension: (dumps_dir / f"{ALL_CITIES}.{fmt.extension}").open("wb")
                      for fmt in ALL_DUMP_FORMATS}
        self.hashes = {extension: hashlib.sha256() for extension in self.files}
        self.sizes = dict.fromkeys(self.files, 0)

    def add(self, outcome: CityOutcome) -> None:
        if not outcome.dumps:  # refused: the build stops after gathering every problem
            return
        for extension, out in self.files.items():
            data = (self.dumps_dir / f"{outcome.key}.{extension}").read_bytes()
            out.write(data)
            self.hashes[extension].update(data)
            self.sizes[extension] += len(data)

    def add_graph(self, quads: list[ox.Quad]) -> None:
        """A graph that is no city's (the vocabulary), after the cities: the every-city dumps
        are then complete, so a reader offline can answer label questions too."""
        for extension, out in self.files.items():
            data = ox_serialize(quads, format=BY_EXTENSION[extension].rdf_format) or b""
            out.write(data)
            self.hashes[extension].update(data)
            self.sizes[extension] += len(data)

    def close(self) -> None:
        for out in self.files.values():
            out.close()


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
        self.timings: dict[str, float] = {}
        self.validator: Validator | None = None  # the shapes, for the catalogue
        self.joiner: _Joiner | None = None  # all.trig / all.nq while the cities come in
        self.known: dict[str, dict] = {}  # files written: size and sha256, for the manifest
        try:
            ipa_code(config)  # a malformed IPA code stops the build before any work
        except ConfigError as exc:
            raise BuildError([str(exc)]) from exc

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Add the time spent in the block to ``timings[name]``."""
        start = perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + perf_counter() - start

    def cities(self, dumps_dir: Path | None) -> list[CityOutcome]:
        """Every city through the pipeline (in worker processes when there are many), in
        city order; their per-city timings are added to ``timings``."""
        try:
            folders = city_folders(self.data_dir)
        except SourceError as exc:
            raise BuildError(exc.problems) from exc
        shapes_dir = self.config.path("shapes_dir")
        engine = engine_name()
        workers = min(worker_count(len(folders)), len(folders))
        outcomes: list[CityOutcome] = []
        with self.phase("cities"):
            if workers > 1:
                self.say(f"{len(folders)} cities over {workers} worker processes")
                try:
                    outcomes = self._in_workers(workers, folders, dumps_dir, engine)
                except BrokenProcessPool as exc:
                    # A worker died (out of memory, or a __main__ script without the
                    # ``if __name__ == "__main__":`` guard that spawned processes need):
                    # the same work in this process, where a real error shows itself.
                    self.say(f"worker processes failed ({exc}); going on in this process")
                    if self.joiner is not None:  # start the every-city dumps again
                        self.joiner.close()
                        self.joiner = _Joiner(self.joiner.dumps_dir)
            if not outcomes:
                pipeline = CityPipeline(
                    self.config.base_iri, shapes_dir, engine, self.config["publisher"]["name"]
                )
                self.validator = pipeline.validator
                outcomes = self._gather((pipeline(f, dumps_dir) for f in folders),
                                        len(folders))
        for outcome in outcomes:
            for name, seconds in outcome.timings.items():
                self.timings[name] = self.timings.get(name, 0.0) + seconds
        return outcomes

    def _in_workers(
        self, workers: int, folders: list[Path], dumps_dir: Path | None, engine: str
    ) -> list[CityOutcome]:
        with ProcessPoolExecutor(
            max_workers=workers,
            # spawn, not fork: a build may run inside a threaded server.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.config.base_iri, self.config.path("shapes_dir"), engine,
                      self.config["publisher"]["name"]),
        ) as pool:
            chunk = max(1, min(8, len(folders) // (workers * 8)))
            jobs = [(folder, dumps_dir) for folder in folders]
            return self._gather(pool.map(_run_in_worker, jobs, chunksize=chunk), len(folders))

    def _gather(self, results: Iterator[CityOutcome], total: int) -> list[CityOutcome]:
        outcomes = []
        for number, outcome in enumerate(results, 1):
            self.say(f"[{number}/{total}] {outcome.key}: converted and validated")
            if self.joiner is not None:
                self.joiner.add(outcome)
            outcomes.append(outcome)
        return outcomes

    def read_and_validate(
        self, dumps_dir: Path | None = None
    ) -> tuple[list[City], list[CityOutcome], list[Problem]]:
        """Every city read, converted and validated (and its dumps written into
        ``dumps_dir``); BuildError lists every YAML problem of every city, else every SHACL
        violation. Returns the cities, their outcomes and the warnings."""
        outcomes = self.cities(dumps_dir)
        source_problems = [p for outcome in outcomes for p in outcome.source_problems]
        if source_problems:
            raise BuildError(source_problems)
        problems = [p for outcome in outcomes for p in outcome.problems]
        violations = [Localised(p) for p in problems if p.is_violation]
        if violations:
            raise BuildError(violations)
        cities = [outcome.city for outcome in outcomes if outcome.city is not None]
        return cities, outcomes, [p for p in problems if not p.is_violation]

    def write(
        self,
        tmp: Path,
        cities: list[City],
        outcomes: list[CityOutcome],
        ontology: Future[list[ox.Triple]],
    ) -> int:
        """Everything but the cities' own dumps (already in tmp/dumps/); the triple count.
        ``ontology`` is the ontology's pages being written meanwhile (``_ontology``)."""
        dump_files: list[DumpFile] = []
        for outcome in outcomes:
            for extension, size, sha256 in outcome.dumps:
                name, fmt = f"{outcome.key}.{extension}", BY_EXTENSION[extension]
                dump_files.append(DumpFile(outcome.key, name, fmt, size, sha256))
        with self.phase("ontology"):  # what is left of it
            graph = ox.NamedNode(self.iris.graph(VOCABULARY_GRAPH))
            vocabulary = _in_graph(ontology.result(), graph)
        with self.phase("combine"):
            assert self.joiner is not None
            self.joiner.add_graph(vocabulary)
            self.joiner.close()
            for fmt in ALL_DUMP_FORMATS:
                size, digest = self.joiner.sizes[fmt.extension], self.joiner.hashes[fmt.extension]
                name = f"{ALL_CITIES}.{fmt.extension}"
                dump_files.append(DumpFile(ALL_CITIES, name, fmt, size, digest.hexdigest()))
        for dump in dump_files:
            self.known[f"dumps/{dump.filename}"] = {"bytes": dump.byte_size, "sha256": dump.sha256}
        with self.phase("catalog"), ThreadPoolExecutor(1) as thread:
            self.say("catalogue: writing and validating")
            info = BuildInfo(
                self.build_id,
                self.started,
                dt.datetime.now(dt.UTC).replace(microsecond=0),
                [str(p.relative_to(self.data_dir.parent)) for c in cities for p in c.files()],
            )
            previous = History.read(self.dist)  # the build being replaced, if any
            checksums = {str(self.iris.dataset(c.key)): _source_digest(c) for c in cities}
            modified = self._modified(previous, checksums)
            catalog = catalog_triples(self.config, cities, dump_files, info, modified)
            self._feed(tmp, previous, checksums, modified, catalog)
            if self.validator is None:
                self.validator = Validator(load_shapes(self.config.path("shapes_dir")))
            # pyshacl-turbo validates without the GIL: the files are written meanwhile, and
            # nothing is published unless it conforms.
            checked = thread.submit(self.validator.check, catalog)
            data = serialize(catalog, TURTLE)
            (tmp / CATALOG_FILE).write_bytes(data)
            self.known[CATALOG_FILE] = _digest(data)
            with self.phase("store"):
                self.say(f"{STORE_FILE}: writing")
                # all.nq already ends with the vocabulary graph: add the catalogue.
                extra = _in_graph(catalog, ox.NamedNode(self.iris.graph(CATALOG_GRAPH)))
                self._store(tmp, ox_serialize(extra, format=RdfFormat.N_QUADS) or b"")
                (tmp / CONTEXT_FILE).write_text(
                    json.dumps(jsonld_context(), indent=2), encoding="utf-8"
                )
            problems = [p for p in checked.result() if p.is_violation]
            if problems:
                raise BuildError([f"catalogue: {p}" for p in problems])
        return sum(outcome.triples for outcome in outcomes) + len(vocabulary) + len(extra)

    def _modified(self, previous: History | None, checksums: dict[str, str]) -> dict[str, dt.date]:
        """Each dataset's dct:modified: the last build in which its data changed."""
        today = self.started.date()
        if previous is None:
            return dict.fromkeys(checksums, today)
        return {
            iri: previous.modified_of(iri) if previous.datasets.get(iri) == digest else today
            for iri, digest in checksums.items()
        }

    def _feed(
        self,
        tmp: Path,
        previous: History | None,
        checksums: dict[str, str],
        modified: dict[str, dt.date],
        catalog: list[ox.Triple],
    ) -> None:
        """history.json (this build's datasets, checksums and the feed's members) and the
        change feed's pages (publisher/feed.py)."""
        by_subject: dict[object, list[ox.Triple]] = {}
        for triple in catalog:
            by_subject.setdefault(triple.subject, []).append(triple)
        describe = {
            iri: reachable([ox.NamedNode(iri)], lambda n: by_subject.get(n, ()))
            for iri in checksums
        }
        settings = self.config["feed"]
        new = changes(previous, checksums, self.build_id, self.started, describe, self.iris)
        members = retained((previous.members if previous else []) + new,
                           int(settings["versions_kept"]))  # fmt: skip
        dates = {iri: day.isoformat() for iri, day in modified.items()}
        History(self.build_id, checksums, members, dates).write(tmp)
        write_feed(tmp, members, self.iris, int(settings["page_size"]),
                   int(settings["versions_kept"]))  # fmt: skip

    def _store(self, tmp: Path, tail: bytes) -> None:
        """dataset.nq: all.nq (copied by the kernel; its sha256 carried on) and ``tail``."""
        assert self.joiner is not None
        shutil.copyfile(tmp / "dumps" / f"{ALL_CITIES}.{NQUADS.extension}", tmp / STORE_FILE)
        with (tmp / STORE_FILE).open("ab") as out:
            out.write(tail)
        digest = self.joiner.hashes[NQUADS.extension].copy()
        digest.update(tail)
        size = self.joiner.sizes[NQUADS.extension] + len(tail)
        self.known[STORE_FILE] = {"bytes": size, "sha256": digest.hexdigest()}

    def _ontology(self, tmp: Path) -> list[ox.Triple]:
        """Copy the ontology files, write their pyLODE pages; return their triples."""
        ontology_dir = self.config.path("ontology_dir")
        (tmp / "ontology").mkdir()
        for path in sorted(ontology_dir.glob("*.ttl")):
            shutil.copyfile(path, tmp / "ontology" / path.name)
        self.say("ontology: writing HTML documentation (pyLODE)")
        write_docs(ontology_dir / ONTOLOGY_FILE, tmp / "ontology")
        return _vocabulary(ontology_dir)

    def manifest(self, tmp: Path, cities: list[City], triples: int) -> None:
        """manifest.json: every file with its size, media type and sha256 (those written
        by this build are not read again)."""
        files = {}
        for path in sorted(tmp.rglob("*")):
            if path.is_file():
                name = str(path.relative_to(tmp))
                entry = self.known.get(name) or _file_entry(path)
                files[name] = {
                    "bytes": entry["bytes"],
                    "media_type": _media_type(path),
                    "sha256": entry["sha256"],
                }
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
        with distdir.staging(self.dist) as stage:
            tmp = stage.folder
            with _fewer_collections(), ThreadPoolExecutor(1) as thread:
                # The ontology's pages (pyLODE) are written while the cities are processed.
                ontology = thread.submit(self._ontology, tmp)
                try:
                    (tmp / "dumps").mkdir()
                    self.joiner = _Joiner(tmp / "dumps")
                    cities, outcomes, warnings = self.read_and_validate(tmp / "dumps")
                    unset = ipa_warning(self.config)
                    warnings += [unset] if unset else []
                    triples = self.write(tmp, cities, outcomes, ontology)
                finally:
                    if self.joiner is not None:
                        self.joiner.close()
                    ontology.cancel()
            with self.phase("descriptions"):
                self.say(f"{DESCRIPTIONS_FILE}: every resource's description")
                write_descriptions(self.config, tmp, len(cities))
            with self.phase("manifest"):
                self.manifest(tmp, cities, triples)
            with self.phase("publish"):
                stage.publish()
        self.say(f"built {len(cities)} cities, {triples} triples into {self.dist}")
        return BuildResult(
            self.dist, self.build_id, [c.key for c in cities], triples, warnings, self.timings
        )


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


def validate_only(config: Config, data_dir: Path | None = None) -> list[Problem]:
    """Check the YAML and the shapes without writing anything; return the warnings."""
    builder = Builder(
        config,
        Path(data_dir or config.path("data_dir")).resolve(),
        config.path("dist_dir"),
        lambda _msg: None,
    )
    with _fewer_collections():
        return builder.read_and_validate()[2]
