"""One harvest: every source on its own, then who owns what, then one aggregate.

1. Each source (in ``harvest.workers`` threads) reads its catalogue, and for each city
   dataset chooses the dump, downloads it unless the last good copy is current, verifies
   it, parses it, checks its namespace and the shapes. Any failure of any step makes the
   whole source fail with that reason: it keeps its last good version (``kept``), or has
   none (``failed``). Sources never share anything but the machine.
2. In the configured order, each source's cities are granted their namespaces and keys
   unless another source owns them (:mod:`publisher.harvest.ownership`); a refused source
   keeps its last good version as in 1.
3. Unless what would be published is exactly what is published already (the same data,
   sources and outcomes: then nothing is written and the server keeps its ETags), the
   aggregate is written and swapped in (:mod:`publisher.harvest.output`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from publisher import __version__
from publisher.config import Config
from publisher.harvest import house
from publisher.harvest.aggregate import description_problems
from publisher.harvest.catalogue import (
    Catalogue,
    CatalogueError,
    Dataset,
    Distribution,
    cached_catalogue,
    read_catalogue,
)
from publisher.harvest.changes import Feed
from publisher.harvest.fetch import Fetched, Fetcher, FetchError, Limits
from publisher.harvest.mqa import Mqa, read_mqa
from publisher.harvest.output import Published, PublishError, publish
from publisher.harvest.ownership import Owners, OwnershipError, city_key, overlapping
from publisher.harvest.provenance import Provenance, measures_of
from publisher.harvest.results import Audited, City, SourceResult, Status
from publisher.harvest.selection import SelectionError, best_distribution, verify
from publisher.harvest.sources import Source
from publisher.harvest.state import CityState, SourceState, State, load_state
from publisher.harvest.validate import CheckError, check_city, parse_dump
from publisher.iris import HARVEST_GRAPH, Iris
from publisher.validate import Validator, load_shapes

EXIT_OK = 0  # every source fresh, unchanged or at its last good version
EXIT_NOTHING = 1  # nothing could be published
EXIT_PARTIAL = 3  # published, but a source has no version at all yet
REFUSALS = (FetchError, CatalogueError, SelectionError, OwnershipError, CheckError)

Progress = Callable[[str], None]
# Audits a source's publisher (``publisher.harvest.auditing``, which the command passes in:
# the audit itself harvests through this module, so this module cannot import it).
Auditor = Callable[[Source], Audited]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _score(mqa: Mqa | None) -> str | None:
    return mqa.score if mqa else None


class HarvestError(Exception):
    """The harvest could not run or publish at all (exit status 1)."""


@dataclass
class HarvestReport:
    run_id: str
    results: list[SourceResult]
    published: Published | None  # None: nothing written
    changed: bool  # False: the aggregate already was what this run found

    @property
    def exit_code(self) -> int:
        if not any(r.cities for r in self.results):
            return EXIT_NOTHING
        if any(r.status is Status.FAILED for r in self.results):
            return EXIT_PARTIAL
        return EXIT_OK

    def summary(self) -> str:
        counts = {s: sum(r.status is s for r in self.results) for s in Status}
        parts = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        cities = sorted({k for r in self.results for k in r.cities})
        if self.published is not None:
            where = (
                f"published {self.published.build_id}: {len(cities)} cities, "
                f"{self.published.triples} triples in {self.published.dist}"
            )
        elif self.changed:
            where = "nothing could be published"
        else:
            where = f"nothing changed: the aggregate stays as it was ({len(cities)} cities)"
        return f"harvest {self.run_id}: {len(self.results)} source(s): {parts}; {where}"

    def as_json(self) -> dict:
        return {
            "run": self.run_id,
            "sources": [
                {
                    "name": r.source.name,
                    "catalog": r.source.catalog,
                    "status": r.status.value,
                    "cities": sorted(r.cities),
                    "reason": r.reason,
                    "line": r.line(),
                    "started": _iso(r.started),
                    "ended": _iso(r.ended),
                    **({"audit": {"verdict": r.audit.verdict, "checks": dict(r.audit.outcomes)}}
                       if r.audit else {}),
                }
                for r in self.results
            ],
        }


class Harvest:
    """One run over ``sources`` into the aggregate at ``dist``."""

    def __init__(
        self,
        config: Config,
        dist: Path,
        sources: list[Source],
        progress: Progress | None = None,
        auditor: Auditor | None = None,
    ) -> None:
        self.config = config
        self.auditor = auditor
        self.settings = config["harvest"]
        self.dist = dist
        self.sources = sources
        self.say = progress or (lambda _m: None)
        self.iris = Iris(config.base_iri)
        self.limits = Limits.from_config(self.settings)
        self.started = _now()
        self.run_id = self.started.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        try:
            self.previous = load_state(dist)
        except ValueError as exc:
            raise HarvestError(str(exc)) from None
        self._shapes: Graph | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def validator(self) -> Validator:
        """This thread's validator: the shapes read once (only when something is to be
        checked: an unchanged harvest never needs them), compiled once per thread."""
        if not hasattr(self._local, "validator"):
            with self._lock:
                if self._shapes is None:
                    self._shapes = load_shapes(self.config.path("shapes_dir"))
            self._local.validator = Validator(self._shapes)
        return self._local.validator

    # --- one source -----------------------------------------------------------------------
    def source(self, source: Source) -> SourceResult:
        """The source harvested and, when it asks for it and an auditor is given, its
        publisher audited (whatever the harvest's outcome: the audit says why)."""
        result = self._harvested(source)
        if self.auditor is not None and source.audit:
            result.audit = self.auditor(source)
            self.say(f"{source.name}: audit of {source.audit}: {result.audit.verdict}")
        return result

    def _harvested(self, source: Source) -> SourceResult:
        started = _now()
        previous = self.previous.sources.get(source.name)
        fetcher = Fetcher(source, self.limits)
        try:
            catalogue = read_catalogue(
                fetcher,
                source,
                self.previous.page_cache(source.name),
                int(self.settings["max_pages"]),
            )
            feed = Feed(fetcher, source, catalogue, previous.feed if previous else None,
                        int(self.settings["max_pages"]))  # fmt: skip
            cities: dict[str, City] = {}
            for dataset in catalogue.datasets:
                key = self._key(dataset, cities)
                kept = self._last_good(previous, dataset, key)
                cities[key] = self._city(fetcher, source, catalogue, dataset, key, kept, feed)
            if feed.wanted and (not catalogue.unchanged or feed.mark is None):
                feed.catch_up()  # so that the next harvest reads only what is new
            mqa = read_mqa(fetcher, source, catalogue, previous.mqa if previous else None)
        except REFUSALS as exc:
            report = exc.report if isinstance(exc, CheckError) else None
            return self.failure(source, started, str(exc), fetcher.used, report)
        except Exception as exc:  # a bug must not take the other sources down with it
            reason = f"unexpected error (please report it): {type(exc).__name__}: {exc}"
            return self.failure(source, started, reason, fetcher.used)
        finally:
            fetcher.close()
        state = SourceState(
            source.name,
            source.catalog,
            catalogue.catalog,
            {k: c.state for k, c in cities.items()},
            [],
            _iso(started),
            _iso(started),
            mqa=mqa,
            feed=feed.mark,
        )
        changed = (
            any(c.checked for c in cities.values())
            or not catalogue.unchanged
            or (previous is None or set(previous.cities) != set(cities))
            or _score(previous.mqa) != _score(mqa)
        )
        status = Status.FRESH if changed else Status.UNCHANGED
        result = SourceResult(
            source, status, started, _now(), state, cities, catalogue, used=fetcher.used
        )
        if feed.problem:
            result.note = f"feed not used: {feed.problem}"
        self.say(result.line())
        return result

    def _last_good(
        self, previous: SourceState | None, dataset: Dataset, key: str
    ) -> CityState | None:
        """The city as last published, when it can stand for this dataset: the same dataset,
        the same namespaces, its files still in the previous aggregate."""
        kept = previous.cities.get(key) if previous else None
        if kept is None or kept.dataset != dataset.iri:
            return None
        if tuple(kept.namespaces) != dataset.namespaces or not self.previous.has_files(key):
            return None
        return kept

    def _key(self, dataset: Dataset, cities: dict[str, City]) -> str:
        key = city_key(dataset.iri, dataset.namespaces, self.config.base_iri)
        if str(self.iris.dataset(key)) == dataset.iri:
            raise OwnershipError(
                f"{dataset.iri} is the aggregator's own dataset IRI: the aggregator needs a "
                "base_iri of its own, not the base its sources publish under"
            )
        if key in cities:
            raise OwnershipError(f"two datasets of the catalogue are city {key!r}")
        for other, city in cities.items():
            if overlapping(dataset.namespaces, tuple(city.state.namespaces)):
                raise OwnershipError(
                    f"{dataset.iri}: its namespace overlaps city {other!r}'s "
                    f"({', '.join(city.state.namespaces)})"
                )
        return key

    def _city(
        self,
        fetcher: Fetcher,
        source: Source,
        catalogue: Catalogue,
        dataset: Dataset,
        key: str,
        kept: CityState | None,
        feed: Feed,
    ) -> City:
        """One city dataset: its last good version when current, else a new one, checked.
        Its description is checked when the catalogue changed (else it passed last time).
        Current: the catalogue's checksum is the file's, or, with no checksum to go by, the
        change feed lists no change since the last harvest (else a conditional request)."""
        problems = [] if catalogue.unchanged else description_problems(
            catalogue, dataset.iri, self.validator)  # fmt: skip
        if problems:
            shown = "; ".join(str(p) for p in problems[:3])
            raise SelectionError(
                f"catalogue: {len(problems)} violation(s) in {dataset.iri}'s description: {shown}"
            )
        distribution = best_distribution(dataset)
        if kept is not None and distribution.checksum == ("sha256", kept.sha256):
            return City(kept)  # the catalogue promises the very file published
        if distribution.checksum is None:
            feed.wanted = True
            if kept is not None and feed.unchanged(dataset.iri):
                return City(kept)
        url = source.real_url(distribution.url)
        fetched = fetcher.get(url, distribution.fmt.media_type, kept.validators if kept else None)
        if fetched.not_modified:
            if kept is None:
                raise FetchError(f"{url}: 304 Not Modified to a request that had no validators")
            return City(kept)
        return self._checked(source, dataset, distribution, key, fetched)

    def _checked(
        self,
        source: Source,
        dataset: Dataset,
        distribution: Distribution,
        key: str,
        fetched: Fetched,
    ) -> City:
        verify(distribution, fetched.body)
        assert distribution.fmt is not None
        graph = self.iris.graph(key)
        quads = parse_dump(fetched.body, distribution.fmt, distribution.url, ox.NamedNode(graph))
        checked = check_city(quads, dataset.namespaces, self.validator)
        state = CityState(
            key,
            dataset.iri,
            list(dataset.namespaces),
            fetched.url,
            distribution.fmt.extension,
            fetched.sha256,
            len(fetched.body),
            fetched.validators.etag,
            fetched.validators.last_modified,
            _iso(_now()),
            str(self.iris.harvest_activity(self.run_id, source.name)),
            measures_of(checked.measures),
        )
        return City(state, checked, distribution.iri)

    def failure(
        self, source: Source, started: dt.datetime, reason: str, used: list[str], report=None
    ) -> SourceResult:
        """The source failed: it keeps its last good version, if it has one."""
        previous = self.previous.sources.get(source.name)
        catalogue = None
        if previous is not None and previous.cities:
            try:
                catalogue = cached_catalogue(source, self.previous.page_cache(source.name))
            except CatalogueError as exc:
                reason += f"; and its last good version cannot be kept: {exc}"
        if catalogue is not None:
            state = dataclasses.replace(previous, checked_at=_iso(started), error=reason)
            cities = {k: City(c) for k, c in previous.cities.items()}
            status = Status.KEPT
        else:
            state = SourceState(source.name, source.catalog, checked_at=_iso(started), error=reason)
            catalogue, cities, status = None, {}, Status.FAILED
        result = SourceResult(
            source, status, started, _now(), state, cities, catalogue, reason, used, report
        )
        self.say(result.line())
        return result

    # --- every source ---------------------------------------------------------------------
    def _arbitrate(self, results: list[SourceResult]) -> list[SourceResult]:
        """Grant each source its cities' namespaces and keys, in order; refuse the rest."""
        names = {r.source.name for r in results}
        owners = Owners({}, {})
        for name, state in self.previous.sources.items():
            if name in names:
                owners.grant(name, {k: tuple(c.namespaces) for k, c in state.cities.items()})
        arbitrated = []
        for result in results:
            if result.status in (Status.FRESH, Status.UNCHANGED):
                claims = {k: tuple(c.state.namespaces) for k, c in result.cities.items()}
                owners.release(result.source.name)
                reason = owners.conflict(result.source.name, claims)
                if reason is not None:
                    result = self.failure(result.source, result.started, reason, result.used)
                    previous = self.previous.sources.get(result.source.name)
                    if previous is not None:  # its last good version: it owned that
                        owners.grant(
                            result.source.name,
                            {k: tuple(c.namespaces) for k, c in previous.cities.items()},
                        )
                else:
                    owners.grant(result.source.name, claims)
            arbitrated.append(result)
        return arbitrated

    def signature(self, results: list[SourceResult]) -> str:
        """What publishing ``results`` would publish, as one digest (times left out)."""
        ontology = sorted(
            (p.name, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in self.config.path("ontology_dir").glob("*.ttl")
        )
        sources = {
            r.source.name: {
                "error": r.reason,
                "cities": {k: c.state.sha256 for k, c in sorted(r.cities.items())},
                "pages": [
                    hashlib.sha256(p.body).hexdigest()
                    for p in (r.catalogue.pages if r.catalogue else [])
                ],
                "audit": r.audit.outcomes if r.audit else None,
                "mqa": _score(r.state.mqa),
            }
            for r in results
        }
        document = {
            "software": __version__,
            "base_iri": self.config.base_iri,
            "publisher": self.config["publisher"],
            "license": self.config["license"],
            "ontology": ontology,
            "sources": sources,
        }
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()

    def run(self) -> HarvestReport:
        workers = max(1, min(int(self.settings["workers"]), len(self.sources)))
        with ThreadPoolExecutor(workers, thread_name_prefix="harvest") as pool:
            results = list(pool.map(self.source, self.sources))
        results = self._arbitrate(results)
        signature = self.signature(results)
        if signature == self.previous.signature and self.previous.dist is not None:
            return HarvestReport(self.run_id, results, None, changed=False)
        if not any(r.cities for r in results):
            return HarvestReport(self.run_id, results, None, changed=True)
        state = State({r.source.name: r.state for r in results}, signature)
        report = HarvestReport(self.run_id, results, None, changed=True)
        provenance = Provenance(self.iris, self.run_id)
        run = provenance.run(self.started, _now(), results, str(self.iris.graph(HARVEST_GRAPH)))
        try:
            report.published = publish(
                self.config,
                self.dist,
                self.previous,
                self.run_id,
                self.started,
                results,
                run,
                report.as_json(),
                state,
                self.validator,
            )
        except PublishError as exc:
            raise HarvestError(str(exc)) from None
        return report


def harvest(
    config: Config,
    dist: Path,
    sources: list[Source],
    progress: Progress | None = None,
    auditor: Auditor | None = None,
) -> HarvestReport:
    """Harvest ``sources`` into the aggregate at ``dist``; HarvestError when nothing can run.
    ``auditor`` audits the publishers of the sources that name one (``audit:``)."""
    if not sources:
        raise HarvestError("no sources: list them in harvest.sources or give catalogue URLs")
    folder = house.published_path(Path(dist).absolute())
    return Harvest(config, folder, sources, progress, auditor).run()
