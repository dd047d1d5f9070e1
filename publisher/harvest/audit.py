"""``lodpub audit URL``: is this a city publisher the Osservatorio can harvest? Checked from
outside, with nothing but HTTP, as the aggregator sees it (aggregation-research §7, item 5).

The checks, in order (each one an EARL test, ``vocab/audit-test/{id}``):

- ``void``: a VoID description at ``/.well-known/void`` naming the dataset's ``void:uriSpace``
  (the publisher's base IRI: its IRIs are then fetched from URL, as ``url_map`` does for
  the harvester), its triples and example resources;
- ``sparql-protocol``: ``ASK`` by GET and ``SELECT`` by POST answer with SPARQL JSON results,
  a query that is not SPARQL is a 400;
- ``service-description``: the endpoint without a query describes itself (``sd:Service``
  with its ``sd:endpoint``) in Turtle;
- ``void-counts``: VoID's ``void:triples`` is what ``COUNT(*)`` over the endpoint says;
- ``dereference``: each example resource (a few): a browser is sent on with 303, an RDF
  client is sent on with 303 (``Vary: Accept``: the answer depends on it) to Turtle that
  describes the resource, with an ``ETag``, and 304 to a conditional request;
- ``catalogue``: the harvester's own checks on the catalogue (every page, paging loops,
  ``hydra:totalItems``, the DCAT-AP_IT descriptions), and every city dump downloaded and
  verified against its announced size and SHA-256 (:meth:`Harvest.source`, nothing
  published);
- ``head``: ``HEAD`` on the catalogue, the endpoint and every distribution's URL answers
  2xx or 3xx (what the EU's MQA asks of access and download URLs);
- ``conformance``: the dumps' data pass the project's shapes;
- ``mqa``: the EU Metadata Quality Assessment score, when the catalogue publishes one as
  DQV: piveau's ``pv:score`` in the catalogue, or the DQV document it links with
  ``dqv:hasQualityMetadata`` (``lodpub mqa``'s ``/mqa``); inapplicable when it publishes
  none (a build not assessed yet), failed when the linked document cannot be read.

The publisher conforms when no check failed (inapplicable ones do not count against it).
A check that cannot run because an earlier one failed says so (``cantTell``), and counts
as a failure: a publisher without a VoID description or a catalogue does not conform.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin

import httpx
import pyoxigraph as ox

from publisher import __version__
from publisher.config import Config
from publisher.harvest.fetch import Limits
from publisher.harvest.mqa import TOTAL
from publisher.harvest.results import SourceResult, Status
from publisher.harvest.run import Harvest
from publisher.harvest.sources import Source, configured_sources

# The harvester's own base while auditing: under no publisher's, so no city is refused as
# the aggregator's own.
AUDIT_BASE = "https://audit.invalid/lodpub/"
SAMPLE = 5  # example resources dereferenced
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
FOAF_TOPIC = "http://xmlns.com/foaf/0.1/primaryTopic"
SPARQL_JSON = "application/sparql-results+json"


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    CANT_TELL = "cantTell"
    INAPPLICABLE = "inapplicable"


# id -> (title, what it checks): the EARL tests
TESTS: dict[str, tuple[str, str]] = {
    "void": ("VoID description", "a VoID description at /.well-known/void with the dataset's "
             "void:uriSpace, void:triples and example resources"),
    "sparql-protocol": ("SPARQL protocol", "ASK by GET and SELECT by POST answer with SPARQL "
                        "JSON results; a query that is not SPARQL is a 400"),
    "service-description": ("Service description", "the endpoint without a query describes "
                            "itself as an sd:Service with its sd:endpoint"),
    "void-counts": ("VoID counts", "VoID's void:triples equals COUNT(*) over the endpoint"),
    "dereference": ("Dereferencing", "example IRIs answer 303 to browsers and RDF clients; "
                    "the Turtle describes the IRI, with Vary: Accept, an ETag and 304s"),
    "catalogue": ("Harvestable catalogue", "every catalogue page, paging, DCAT-AP_IT "
                  "descriptions, and every city dump with its announced size and SHA-256"),
    "head": ("HEAD", "HEAD on the catalogue, the endpoint and every distribution URL "
             "answers 2xx or 3xx"),
    "conformance": ("Conformance to the shapes", "the dumps' data pass the project's SHACL "
                    "shapes"),
    "mqa": ("MQA score", "the EU Metadata Quality Assessment score the catalogue publishes "
            "as DQV (piveau pv:score, in it or in the document it links), if any"),
}  # fmt: skip


@dataclass
class Check:
    id: str
    outcome: Outcome
    message: str
    notes: list[str] = field(default_factory=list)  # one line per problem or measure

    @property
    def title(self) -> str:
        return TESTS[self.id][0]


@dataclass
class AuditReport:
    target: str
    base: str | None  # the publisher's base IRI, as its VoID says
    started: dt.datetime
    checks: list[Check]

    @property
    def conforms(self) -> bool:
        return all(c.outcome in (Outcome.PASSED, Outcome.INAPPLICABLE) for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.conforms else 1


class ProbeError(Exception):
    """A request failed; the message says which URL and why."""


@dataclass(frozen=True)
class Answer:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Probe:
    """Single requests to the audited publisher only (no redirect followed unless asked),
    bounded like the harvester's (``harvest.timeout_s``, ``harvest.max_bytes``)."""

    def __init__(self, source: Source, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.client = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": f"lodpub-audit/{__version__}"},
            timeout=limits.timeout_s,
        )

    def close(self) -> None:
        self.client.close()

    def url(self, iri: str) -> str:
        return self.source.real_url(iri)

    def send(
        self, method: str, url: str, headers: dict[str, str] | None = None, data: dict | None = None
    ) -> Answer:
        refusal = self.source.refusal(url)
        if refusal:
            raise ProbeError(refusal)
        try:
            request = self.client.build_request(method, url, headers=headers, data=data)
            response = self.client.send(request, stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.limits.max_bytes:
                        raise ProbeError(f"{url}: more than {self.limits.max_bytes:,} bytes")
                return Answer(url, response.status_code, response.headers, bytes(body))
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise ProbeError(f"{method} {url}: {type(exc).__name__}: {exc}") from None

    def follow(self, answer: Answer, headers: dict[str, str]) -> Answer:
        """The GET a redirect points to (its Location mapped like any IRI)."""
        location = answer.headers.get("location")
        if not location:
            raise ProbeError(f"{answer.url}: {answer.status} without a Location")
        return self.send("GET", self.url(urljoin(answer.url, location)), headers)


def parse_rdf(answer: Answer, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> list[ox.Triple]:
    try:
        return [q.triple for q in ox.parse(answer.body, format=fmt, base_iri=answer.url)]
    except (SyntaxError, ValueError) as exc:
        raise ProbeError(f"{answer.url}: not valid {fmt.name}: {exc}") from None


def _objects(triples: list[ox.Triple], subject: object, predicate: str) -> list:
    return [t.object for t in triples if t.subject == subject and t.predicate.value == predicate]


@dataclass
class Void:
    base: str
    dataset: str
    triples: int | None
    examples: list[str]
    endpoint: str | None
    catalog: str | None


def read_void(triples: list[ox.Triple]) -> Void:
    """The described dataset: the description's primary topic, else the one with subsets."""
    topics = [t.object for t in triples if t.predicate.value == FOAF_TOPIC]
    with_space = [t.subject for t in triples if t.predicate.value == VOID + "uriSpace"]
    top = next((t for t in topics if t in with_space), None)
    if top is None:
        subsets = {t.subject for t in triples if t.predicate.value == VOID + "subset"}
        top = next((s for s in with_space if s in subsets), with_space[0] if with_space else None)
    if top is None:
        raise ProbeError("the VoID description names no dataset with a void:uriSpace")
    space = _objects(triples, top, VOID + "uriSpace")[0].value
    counts = _objects(triples, top, VOID + "triples")
    subsets = _objects(triples, top, VOID + "subset")
    examples = [
        e.value
        for node in (top, *subsets)
        for p in ("exampleResource", "rootResource")
        for e in _objects(triples, node, VOID + p)
    ]
    endpoint = next(iter(_objects(triples, top, VOID + "sparqlEndpoint")), None)
    catalog = next(iter(_objects(triples, top, RDFS_SEE_ALSO)), None)
    return Void(
        base=space,
        dataset=top.value,
        triples=int(counts[0].value) if counts else None,
        examples=list(dict.fromkeys(examples))[:SAMPLE],
        endpoint=endpoint.value if endpoint else None,
        catalog=catalog.value if catalog else None,
    )


class Audit:
    """One audit of the publisher at ``url`` (its home, with a final /)."""

    def __init__(
        self, config: Config, url: str, base: str | None = None, catalog: str | None = None
    ) -> None:
        self.config = config
        self.url = url if url.endswith("/") else url + "/"
        self.base = base
        self.catalog = catalog
        self.limits = Limits.from_config(config["harvest"])
        self.checks: list[Check] = []
        self.void: Void | None = None
        self.count: int | None = None  # COUNT(*) over the endpoint
        self.harvest: SourceResult | None = None

    def source(self, catalog: str) -> Source:
        entry: dict = {"name": "audited", "catalog": catalog}
        if self.base and self.base != self.url:
            entry["url_map"] = {self.base: self.url}
        values = {**self.config.values, "harvest": {**self.config["harvest"], "sources": [entry]}}
        return configured_sources(Config(values, self.config.root))[0]

    def run(self) -> AuditReport:
        started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        probe = Probe(self.source(self.url), self.limits)
        try:
            self._check("void", lambda: self.check_void(probe))
            probe.close()
            catalog = (
                self.catalog
                or (self.void.catalog if self.void else None)
                or (self.base or self.url) + "catalog"
            )
            probe = Probe(self.source(catalog), self.limits)
            for name, check in (
                ("sparql-protocol", self.check_protocol),
                ("service-description", self.check_service_description),
                ("void-counts", self.check_counts),
                ("dereference", self.check_dereference),
                ("catalogue", lambda _p: self.check_catalogue(catalog)),
                ("head", self.check_head),
                ("conformance", self.check_conformance),
                ("mqa", self.check_mqa),
            ):
                self._check(name, lambda c=check: c(probe))
        finally:
            probe.close()
        return AuditReport(self.url, self.base, started, self.checks)

    def _check(self, name: str, check: Callable[[], Check]) -> None:
        try:
            self.checks.append(check())
        except ProbeError as exc:
            self.checks.append(Check(name, Outcome.FAILED, str(exc)))
        except (ValueError, KeyError, IndexError, TypeError) as exc:  # an answer not as said
            problem = f"a malformed answer ({type(exc).__name__}: {exc})"
            self.checks.append(Check(name, Outcome.FAILED, problem))

    # --- the checks -------------------------------------------------------------------------
    def check_void(self, probe: Probe) -> Check:
        answer = probe.send("GET", self.url + ".well-known/void", {"Accept": "text/turtle"})
        if answer.status != 200:
            raise ProbeError(f"{answer.url}: HTTP {answer.status}, no VoID description")
        self.void = read_void(parse_rdf(answer))
        self.base = self.base or self.void.base
        missing = [
            what
            for what, value in (("void:triples", self.void.triples),
                                ("void:exampleResource", self.void.examples))
            if not value
        ]  # fmt: skip
        outcome = Outcome.FAILED if missing else Outcome.PASSED
        text = f"dataset {self.void.dataset}, base {self.void.base}"
        return Check("void", outcome, text + (f"; missing {', '.join(missing)}" if missing else ""))

    def endpoint(self, probe: Probe) -> str:
        given = self.void.endpoint if self.void else None
        return probe.url(given) if given else self.url + "sparql"

    def check_protocol(self, probe: Probe) -> Check:
        endpoint = self.endpoint(probe)
        notes = []
        ask = probe.send("GET", endpoint + "?" + urlencode({"query": "ASK { ?s ?p ?o }"}),
                         {"Accept": SPARQL_JSON})  # fmt: skip
        if ask.status != 200 or ask.media_type != SPARQL_JSON:
            notes.append(f"ASK by GET: HTTP {ask.status}, {ask.media_type or 'no Content-Type'}")
        elif json.loads(ask.body).get("boolean") is not True:
            notes.append("ASK { ?s ?p ?o } is not true: the endpoint holds no data")
        count = probe.send(
            "POST", endpoint, {"Accept": SPARQL_JSON},
            {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        )  # fmt: skip
        if count.status != 200 or count.media_type != SPARQL_JSON:
            notes.append(f"SELECT by POST: HTTP {count.status}, {count.media_type or 'no type'}")
        else:
            bindings = json.loads(count.body)["results"]["bindings"]
            self.count = int(bindings[0]["n"]["value"]) if bindings else None
        bad = probe.send("GET", endpoint + "?" + urlencode({"query": "SELEKT nothing"}),
                         {"Accept": SPARQL_JSON})  # fmt: skip
        if bad.status != 400:
            notes.append(f"a query that is not SPARQL: HTTP {bad.status}, not 400")
        return _verdict("sparql-protocol", notes, f"{endpoint} answers the SPARQL protocol")

    def check_service_description(self, probe: Probe) -> Check:
        endpoint = self.endpoint(probe)
        answer = probe.send("GET", endpoint, {"Accept": "text/turtle"})
        if answer.status != 200:
            raise ProbeError(f"{endpoint}: HTTP {answer.status} to a request without a query")
        triples = parse_rdf(answer)
        services = [
            t.subject
            for t in triples
            if t.predicate.value == RDF_TYPE and t.object.value == SD + "Service"
        ]
        declared = [e for s in services for e in _objects(triples, s, SD + "endpoint")]
        if not declared:
            return Check("service-description", Outcome.FAILED,
                         f"{endpoint}: no sd:Service with an sd:endpoint")  # fmt: skip
        return Check("service-description", Outcome.PASSED,
                     f"sd:Service, sd:endpoint {declared[0].value}")  # fmt: skip

    def check_counts(self, _probe: Probe) -> Check:
        said = self.void.triples if self.void else None
        if said is None or self.count is None:
            return Check("void-counts", Outcome.CANT_TELL,
                         "no void:triples or no COUNT(*) from the endpoint to compare")  # fmt: skip
        if said != self.count:
            return Check("void-counts", Outcome.FAILED,
                         f"VoID says {said:,} triples, COUNT(*) says {self.count:,}")  # fmt: skip
        return Check("void-counts", Outcome.PASSED, f"{said:,} triples, as COUNT(*) says")

    def check_dereference(self, probe: Probe) -> Check:
        examples = self.void.examples if self.void else []
        if not examples:
            return Check("dereference", Outcome.CANT_TELL, "no example resource to dereference")
        notes = []
        for iri in examples:
            notes += [f"{iri}: {problem}" for problem in self._dereference(probe, iri)]
        return _verdict("dereference", notes, f"{len(examples)} IRI(s): 303, Turtle, Vary, ETag")

    def _dereference(self, probe: Probe, iri: str) -> list[str]:
        url = probe.url(iri)
        page = probe.send("GET", url, {"Accept": "text/html"})
        problems = [] if page.status == 303 else [f"HTTP {page.status} to a browser, not 303"]
        first = probe.send("GET", url, {"Accept": "text/turtle"})
        if first.status != 303:
            return [*problems, f"HTTP {first.status} to an RDF client, not 303"]
        answer = probe.follow(first, {"Accept": "text/turtle"})
        if answer.status != 200 or answer.media_type != "text/turtle":
            return [*problems, f"{answer.url}: HTTP {answer.status}, {answer.media_type}"]
        if not any(t.subject == ox.NamedNode(iri) for t in parse_rdf(answer)):
            problems.append(f"{answer.url} says nothing about it")
        if "accept" not in first.headers.get("vary", "").lower():
            problems.append("its 303 depends on Accept but has no Vary: Accept")
        etag = answer.headers.get("etag")
        if not etag:
            return [*problems, f"{answer.url}: no ETag"]
        again = probe.send("GET", answer.url, {"Accept": "text/turtle", "If-None-Match": etag})
        if again.status != 304:
            problems.append(f"{answer.url}: HTTP {again.status} to If-None-Match, not 304")
        return problems

    def check_catalogue(self, catalog: str) -> Check:
        config = Config({**self.config.values, "base_iri": AUDIT_BASE}, self.config.root)
        with tempfile.TemporaryDirectory(prefix="lodpub-audit-") as folder:
            harvest = Harvest(config, Path(folder) / "dist", [self.source(catalog)])
            self.harvest = result = harvest.source(self.source(catalog))
        if result.status is not Status.FRESH:
            return Check("catalogue", Outcome.FAILED, result.reason or result.status.value)
        assert result.catalogue is not None
        cities = sorted(result.cities)
        pages = len(result.catalogue.pages)
        return Check(
            "catalogue",
            Outcome.PASSED,
            f"{pages} page(s), {len(cities)} city dataset(s) ({', '.join(cities)}); "
            "every dump of the announced size and SHA-256",
        )

    def check_head(self, probe: Probe) -> Check:
        if self.harvest is None or self.harvest.catalogue is None:
            return Check("head", Outcome.CANT_TELL, "no catalogue to read URLs from")
        urls = [self.harvest.catalogue.pages[0].url, self.endpoint(probe)]
        urls += [probe.url(d.url) for s in self.harvest.catalogue.datasets for d in s.distributions]
        notes = []
        for url in dict.fromkeys(urls):
            status = probe.send("HEAD", url).status
            if not 200 <= status < 400:
                notes.append(f"HEAD {url}: HTTP {status}")
        return _verdict("head", notes, f"{len(set(urls))} URL(s) answer HEAD")

    def check_conformance(self, _probe: Probe) -> Check:
        result = self.harvest
        if result is None or (result.status is not Status.FRESH and result.refused_report is None):
            reason = result.reason if result else "the catalogue was not read"
            return Check("conformance", Outcome.CANT_TELL, f"no data checked: {reason}")
        if result.refused_report is not None:
            return Check("conformance", Outcome.FAILED, result.reason or "shape violations")
        checked = [c.checked for c in result.cities.values() if c.checked is not None]
        triples = sum(c.measures.triples for c in checked)
        warnings = sum(c.measures.warnings for c in checked)
        return Check("conformance", Outcome.PASSED,
                     f"{triples:,} triples in {len(checked)} city dump(s), no violation, "
                     f"{warnings} warning(s)")  # fmt: skip

    def check_mqa(self, _probe: Probe) -> Check:
        """The score the harvest read (:mod:`publisher.harvest.mqa`): in the catalogue, or in
        the DQV document it links (``lodpub mqa``'s ``/mqa``)."""
        if self.harvest is None or self.harvest.catalogue is None:
            return Check("mqa", Outcome.CANT_TELL, "no catalogue to read a score from")
        mqa = self.harvest.state.mqa
        if mqa is None:
            none = "the catalogue publishes no MQA score (pv:score as DQV): not scored"
            return Check("mqa", Outcome.INAPPLICABLE, none)
        if mqa.score is None:
            return Check("mqa", Outcome.FAILED, f"its MQA document: {mqa.problem}")
        where = f", from {mqa.document}" if mqa.document else ""
        return Check("mqa", Outcome.PASSED,
                     f"MQA score {mqa.score} of {TOTAL} ({mqa.band}){where}")  # fmt: skip


def _verdict(name: str, notes: list[str], passed: str) -> Check:
    if notes:
        return Check(name, Outcome.FAILED, f"{len(notes)} problem(s): {notes[0]}", notes)
    return Check(name, Outcome.PASSED, passed)


def audit(
    config: Config, url: str, base: str | None = None, catalog: str | None = None
) -> AuditReport:
    """Audit the publisher at ``url``; ``base`` is its base IRI when its VoID does not say,
    ``catalog`` its catalogue's IRI or URL when not the VoID's ``rdfs:seeAlso`` (or
    ``catalog`` under the base)."""
    return Audit(config, url, base, catalog).run()

