"""Writing the aggregate ``dist/``: the layout ``lodpub build`` writes, swapped in atomically.

So ``lodpub serve`` (embedded or, after ``lodpub load``, on a remote store) serves it
unchanged, and a running production server picks it up on SIGHUP. What is in it:

- ``dumps/{key}.{trig,nq,ttl,nt,jsonld}`` per city (its graph ``graph/{key}``),
  ``dumps/all.{trig,nq}``, ``catalog.ttl`` (:mod:`publisher.harvest.aggregate`),
  ``context.jsonld``, ``ontology/`` and ``dataset.nq`` (every graph, plus
  ``graph/vocabulary``, ``graph/catalog`` and ``graph/harvest``), ``manifest.json``;
- ``harvest/``: the state for the next run (:mod:`publisher.harvest.state`), this run's
  report (``report.json``), the catalogue pages and each city's quality graph.

A city that did not change, or that failed and keeps its last good version, is not written
again: its files are hard-linked from the previous build (copied where links cannot be
made), with the sizes and checksums the previous manifest recorded. The ontology's pages are
made again only when its files changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from publisher import __version__
from publisher.catalog import DumpFile
from publisher.config import Config
from publisher.harvest import house
from publisher.harvest.aggregate import Listing, aggregate_catalog, run_info
from publisher.harvest.provenance import Provenance
from publisher.harvest.results import SourceResult
from publisher.harvest.state import (
    PAGES_DIR,
    QUALITY_DIR,
    REPORT_FILE,
    STATE_FILE,
    PageState,
    State,
)
from publisher.iris import ALL_CITIES, CATALOG_GRAPH, HARVEST_GRAPH, VOCABULARY_GRAPH, Iris
from publisher.mediatypes import TURTLE
from publisher.ontodoc import write_docs
from publisher.serialize import jsonld_context, serialize
from publisher.validate import Validator

ONTOLOGY_DIR = "ontology"
ONTOLOGY_FILE = "smp.ttl"


class PublishError(Exception):
    """The aggregate could not be written; nothing was published."""


@dataclass
class Published:
    dist: Path
    build_id: str
    cities: list[str]
    triples: int


def _link(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (a copy across file systems)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _quads(triples: list[ox.Triple], graph: str) -> bytes:
    name = ox.NamedNode(graph)
    quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


@dataclass
class Writer:
    """One aggregate being written into ``tmp`` (a sibling of ``dist``)."""

    config: Config
    tmp: Path
    previous: State
    run_id: str
    started: dt.datetime
    validator: Validator
    known: dict[str, dict] = field(default_factory=dict)  # file -> bytes, sha256

    def __post_init__(self) -> None:
        self.iris = Iris(self.config.base_iri)
        self.harvest_graph = str(self.iris.graph(HARVEST_GRAPH))
        manifest = self._previous_file("manifest.json")
        self.previous_files: dict[str, dict] = (
            json.loads(manifest.read_text(encoding="utf-8")).get("files", {}) if manifest else {}
        )

    def _previous_file(self, name: str) -> Path | None:
        if self.previous.dist is None or not (self.previous.dist / name).is_file():
            return None
        return self.previous.dist / name

    def keep(self, name: str) -> None:
        """Take file ``name`` over from the previous build, with its recorded digest."""
        source = self._previous_file(name)
        if source is None or name not in self.previous_files:
            raise PublishError(f"the previous build has no {name} to keep")
        _link(source, self.tmp / name)
        entry = self.previous_files[name]
        self.known[name] = {"bytes": entry["bytes"], "sha256": entry["sha256"]}

    def write(self, name: str, data: bytes) -> None:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.known[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    # --- cities ---------------------------------------------------------------------------
    def cities(self, results: list[SourceResult]) -> list[DumpFile]:
        """Each city's dumps and quality graph: written when fresh, kept otherwise."""
        provenance = Provenance(self.iris, self.run_id)
        dumps: list[DumpFile] = []
        entries = sorted((key, r, c) for r in results for key, c in r.cities.items())
        for key, result, city in entries:
            quality = f"{QUALITY_DIR}/{key}.nq"
            if city.quads is not None:
                graph = ox.NamedNode(self.iris.graph(key))
                written = house.write_city_dumps(key, graph, city.quads, self.tmp / "dumps")
                for extension, size, sha256 in written:
                    self.known[f"dumps/{key}.{extension}"] = {"bytes": size, "sha256": sha256}
                self.write(quality, _quads(provenance.city(result, key, city), self.harvest_graph))
            else:
                for fmt in house.CITY_DUMP_FORMATS:
                    self.keep(f"dumps/{key}.{fmt.extension}")
                self.keep(quality)
            for fmt in house.CITY_DUMP_FORMATS:
                entry = self.known[f"dumps/{key}.{fmt.extension}"]
                dumps.append(
                    DumpFile(key, f"{key}.{fmt.extension}", fmt, entry["bytes"], entry["sha256"])
                )
        return dumps

    def every_city(self, keys: list[str]) -> list[DumpFile]:
        """all.trig and all.nq: the cities' own files end to end (as the build does)."""
        dumps = []
        for fmt in house.ALL_DUMP_FORMATS:
            name = f"{ALL_CITIES}.{fmt.extension}"
            digest, size = hashlib.sha256(), 0
            with (self.tmp / "dumps" / name).open("wb") as out:
                for key in keys:
                    data = (self.tmp / "dumps" / f"{key}.{fmt.extension}").read_bytes()
                    out.write(data)
                    digest.update(data)
                    size += len(data)
            self.known[f"dumps/{name}"] = {"bytes": size, "sha256": digest.hexdigest()}
            dumps.append(DumpFile(ALL_CITIES, name, fmt, size, digest.hexdigest()))
        return dumps

    def pages(self, results: list[SourceResult]) -> None:
        """Each published source's catalogue pages, for the next conditional requests."""
        for result in results:
            if not result.cities or result.catalogue is None:
                continue
            states = []
            for number, page in enumerate(result.catalogue.pages, 1):
                name = f"{PAGES_DIR}/{result.source.name}/{number}"
                self.write(name, page.body)
                states.append(
                    PageState(
                        page.url,
                        page.base,
                        page.media_type,
                        page.validators.etag,
                        page.validators.last_modified,
                        name,
                    )
                )
            result.state.pages = states

    # --- the rest -------------------------------------------------------------------------
    def catalog(
        self, results: list[SourceResult], dumps: list[DumpFile], ended: dt.datetime
    ) -> list[ox.Triple]:
        listings = [
            Listing(key, city.state.dataset, result.catalogue, city.state.activity)
            for result in results
            if result.catalogue is not None
            for key, city in sorted(result.cities.items())
        ]
        info = run_info(self.run_id, self.started, ended)
        run = str(self.iris.harvest_run(self.run_id))
        triples = aggregate_catalog(self.config, info, run, listings, dumps)
        violations = [p for p in self.validator.check(triples) if p.is_violation]
        if violations:
            raise PublishError(
                "the aggregate catalogue does not conform to the shapes: "
                + "; ".join(str(p) for p in violations[:5])
            )
        self.write(house.CATALOG_FILE, serialize(triples, TURTLE))
        return triples

    def ontology(self) -> list[ox.Triple]:
        """ontology/ (files and pyLODE pages), kept when its files did not change."""
        source = self.config.path("ontology_dir")
        names = sorted(p.name for p in source.glob("*.ttl"))
        same = names and all(
            self.previous_files.get(f"{ONTOLOGY_DIR}/{n}", {}).get("sha256")
            == house.file_entry(source / n)["sha256"]
            for n in names
        )
        previous = self._previous_file(f"{ONTOLOGY_DIR}/{ONTOLOGY_FILE}")
        if same and previous is not None:
            for path in sorted(previous.parent.rglob("*")):
                if path.is_file():
                    self.keep(str(path.relative_to(self.previous.dist)))
        else:
            (self.tmp / ONTOLOGY_DIR).mkdir(exist_ok=True)
            for name in names:
                shutil.copyfile(source / name, self.tmp / ONTOLOGY_DIR / name)
            write_docs(source / ONTOLOGY_FILE, self.tmp / ONTOLOGY_DIR)
        return house.vocabulary(source)

    def store(
        self,
        catalog: list[ox.Triple],
        vocabulary: list[ox.Triple],
        run: list[ox.Triple],
        keys: list[str],
    ) -> int:
        """dataset.nq: every city, the vocabulary, the catalogue and the harvest graph;
        returns the number of quads written."""
        tail = _quads(vocabulary, str(self.iris.graph(VOCABULARY_GRAPH)))
        tail += _quads(catalog, str(self.iris.graph(CATALOG_GRAPH)))
        tail += _quads(run, self.harvest_graph)
        name = house.STORE_FILE
        digest, size = hashlib.sha256(), 0
        with (self.tmp / name).open("wb") as out:
            parts = [self.tmp / "dumps" / f"{ALL_CITIES}.nq"]
            parts += [self.tmp / QUALITY_DIR / f"{key}.nq" for key in keys]
            for part in parts:
                data = part.read_bytes()
                out.write(data)
                digest.update(data)
                size += len(data)
            out.write(tail)
            digest.update(tail)
        self.known[name] = {"bytes": size + len(tail), "sha256": digest.hexdigest()}
        return len(vocabulary) + len(catalog) + len(run)

    def manifest(self, keys: list[str], triples: int, results: list[SourceResult]) -> None:
        files = {}
        for path in sorted(self.tmp.rglob("*")):
            if path.is_file():
                name = str(path.relative_to(self.tmp))
                entry = self.known.get(name) or house.file_entry(path)
                files[name] = {
                    "bytes": entry["bytes"],
                    "media_type": house.media_type(path),
                    "sha256": entry["sha256"],
                }
        manifest = {
            "build_id": self.run_id,
            "built_at": self.started.isoformat().replace("+00:00", "Z"),
            "software_version": __version__,
            "base_iri": self.config.base_iri,
            "cities": keys,
            "triples": triples,
            "harvest": {r.source.name: r.status.value for r in results},
            "files": files,
        }
        text = json.dumps(manifest, indent=2)
        (self.tmp / house.MANIFEST_FILE).write_text(text, encoding="utf-8")


def publish(
    config: Config,
    dist: Path,
    previous: State,
    run_id: str,
    started: dt.datetime,
    results: list[SourceResult],
    provenance_run: list[ox.Triple],
    report: dict,
    state: State,
    validator: Validator,
) -> Published:
    """Write the aggregate beside ``dist`` and swap it in; PublishError leaves ``dist``."""
    dist.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dist.name}-new-", dir=dist.parent))
    tmp.chmod(0o755)
    try:
        (tmp / "dumps").mkdir()
        writer = Writer(config, tmp, previous, run_id, started, validator)
        dumps = writer.cities(results)
        keys = sorted({key for r in results for key in r.cities})
        dumps += writer.every_city(keys)
        writer.pages(results)
        catalog = writer.catalog(results, dumps, dt.datetime.now(dt.UTC).replace(microsecond=0))
        vocabulary = writer.ontology()
        extra = writer.store(catalog, vocabulary, provenance_run, keys)
        house.write_descriptions(config, tmp, len(keys))  # before the manifest lists files
        triples = extra + sum(
            int(c.state.measures.get("triples", 0)) for r in results for c in r.cities.values()
        )
        writer.write(house.CONTEXT_FILE, json.dumps(jsonld_context(), indent=2).encode())
        writer.write(STATE_FILE, state.to_json().encode())
        writer.write(REPORT_FILE, json.dumps(report, indent=1, ensure_ascii=False).encode())
        writer.manifest(keys, triples, results)
        house.swap(tmp, dist)
    except OSError as exc:
        raise PublishError(f"cannot write the aggregate: {exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return Published(dist, run_id, keys, triples)
