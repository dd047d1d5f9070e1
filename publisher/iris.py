"""The only place where IRIs are minted and parsed.

Layout under the base IRI (see docs/model.md):

- things: ``id/{city}/masterplan``, ``id/{city}/themes``, ``id/{city}/{kind}/{key}``
- vocabularies: ``vocab/{scheme}`` and ``vocab/{scheme}/{concept}`` (fixed namespace)
- documents about a thing: ``doc/`` + the thing's path, optionally ``.{ext}``
- named graphs: ``graph/{city}``, ``graph/vocabulary``, ``graph/catalog``, ``graph/harvest``
  (an aggregator's harvest provenance and quality, ``lodpub harvest``)
- metadata: ``catalog``, ``dataset/{city}``, ``dataset/{city}/{format}``, ``dumps/{file}``,
  ``.well-known/void`` (the VoID description document), ``harvest/{run}`` and
  ``harvest/{run}/{source}`` (a harvest and its activity per source)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from rdflib import URIRef

from publisher.namespaces import ONTOLOGY_IRI, VOCAB

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

# Kinds of resources a city publishes, in the order pages list them.
KINDS = (
    "masterplan",
    "themes",
    "theme",
    "table",
    "organisation",
    "role",
    "action",
    "phase",
    "source",
)
SINGLETON_KINDS = ("masterplan", "themes")
# Things the catalogue describes (datasets, distributions, the publishing agent, builds and the
# software): dereferenceable like city resources, from the catalogue graph.
METADATA_THINGS = ("dataset", "publisher", "build", "software", "harvest")
# Of those, the ones described in ``graph/catalog`` (their documents come from it alone).
CATALOG_THINGS = ("dataset", "publisher", "build", "software")
ALL_CITIES = "all"  # the key of the every-city dumps and dataset
HARVEST_GRAPH = "harvest"
RESERVED_CITY_IDS = ("vocab", "ontology", "catalog", "dataset", "dumps", "graph", "doc", "id",
                     ALL_CITIES, HARVEST_GRAPH, "feed", "mqa")  # fmt: skip
# A lodpub masterplan IRI, whatever the base: its city namespace is ``…/id/{city}/``.
_MASTERPLAN = re.compile(rf"^(https?://[^#]+?/id/{SLUG.pattern[1:-1]}/)masterplan$")

VOCABULARY_GRAPH = "vocabulary"
# The vocabularies' own owl:Ontology IRI (``vocab:`` without its trailing slash).
VOCAB_ONTOLOGY = str(VOCAB).rstrip("/")
CATALOG_GRAPH = "catalog"


def is_slug(value: str) -> bool:
    return bool(SLUG.match(value))


def masterplan_namespace(iri: str) -> str | None:
    """The city namespace (``…/id/{city}/``) of a masterplan IRI minted by any lodpub
    publisher, whatever its base; None for other IRIs."""
    match = _MASTERPLAN.match(iri)
    return match.group(1) if match else None


@dataclass(frozen=True)
class DocumentPath:
    """A parsed request path that names a document about a thing."""

    thing: URIRef
    extension: str | None


@dataclass(frozen=True)
class Iris:
    """Mints and parses the IRIs of one deployment, given its base IRI."""

    base: str

    def _iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    # --- minting -------------------------------------------------------------
    def thing(self, city: str, kind: str, key: str | None = None) -> URIRef:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if kind in SINGLETON_KINDS:
            return self._iri(f"id/{city}/{kind}")
        return self._iri(f"id/{city}/{kind}/{quote(str(key), safe='-')}")

    def role_key(self, role: str, holder: str, kind: str, key: str | None) -> str:
        """A stable key for a role assignment, derived from what it says."""
        return "--".join(part for part in (role, holder, kind, key) if part)

    def graph(self, name: str) -> URIRef:
        return self._iri(f"graph/{name}")

    def catalog(self) -> URIRef:
        return self._iri("catalog")

    def publisher(self) -> URIRef:
        """The agent publishing this instance (DCAT-AP_IT dcatapit:Agent)."""
        return self._iri("publisher")

    def all_datasets(self) -> URIRef:
        """The dataset of every city together (VoID's top dataset)."""
        return self._iri("dataset")

    def dataset(self, city: str) -> URIRef:
        return self._iri(f"dataset/{city}")

    def distribution(self, city: str, fmt: str) -> URIRef:
        return self._iri(f"dataset/{city}/{fmt}")

    def feed(self) -> URIRef:
        """The change feed (an LDES of the catalogue, publisher/feed.py)."""
        return self._iri("feed")

    def feed_page(self, number: int) -> URIRef:
        return self._iri(f"feed/{number}")

    def feed_member(self, build_id: str, key: str) -> URIRef:
        """One change of one dataset in one build (immutable, as LDES members are)."""
        return self._iri(f"feed/{quote(build_id, safe='-')}/{quote(key, safe='-')}")

    def data_service(self) -> URIRef:
        return self._iri("sparql")

    def dump(self, filename: str) -> URIRef:
        return self._iri(f"dumps/{filename}")

    def build_activity(self, build_id: str) -> URIRef:
        return self._iri(f"build/{build_id}")

    def harvest_run(self, run_id: str) -> URIRef:
        """One ``lodpub harvest`` run (a PROV activity)."""
        return self._iri(f"harvest/{run_id}")

    def harvest_activity(self, run_id: str, source: str) -> URIRef:
        """The harvest of one source within a run."""
        return self._iri(f"harvest/{run_id}/{source}")

    def harvested_file(self, run_id: str, source: str, city: str) -> URIRef:
        """One city's dump as downloaded in a run (a PROV entity)."""
        return self._iri(f"harvest/{run_id}/{source}/{city}")

    def shacl_report(self, run_id: str, source: str, city: str) -> URIRef:
        """The SHACL validation report of one city's data, as harvested in a run."""
        return self._iri(f"harvest/{run_id}/{source}/{city}/shacl")

    def software_agent(self) -> URIRef:
        return self._iri("software/lodpub")

    def context(self) -> URIRef:
        return self._iri("context.jsonld")

    def void_description(self) -> URIRef:
        """The VoID document (RFC 8615 well-known URI from the VoID spec, §7.2)."""
        return self._iri(".well-known/void")

    @staticmethod
    def vocab(scheme: str, concept: str | None = None) -> URIRef:
        return URIRef(f"{VOCAB}{scheme}" + (f"/{concept}" if concept else ""))

    # --- documents -----------------------------------------------------------
    def document(self, thing: str, extension: str | None = None) -> URIRef:
        """The document describing a thing (slash IRI), optionally in one format."""
        path = self.local_path(thing)
        if path is None or self.thing_for_path(path) is None:
            raise ValueError(f"{thing} is not a thing this deployment serves")
        return self._iri(f"doc/{path}" + (f".{extension}" if extension else ""))

    def path_of(self, iri: str) -> str | None:
        """The part of an IRI after the base, or None when the IRI is elsewhere."""
        return iri[len(self.base) :] if iri.startswith(self.base) else None

    def city_of_graph(self, iri: str) -> str | None:
        """The city whose named graph ``iri`` is; None for the vocabulary and catalogue
        graphs and for graphs that are not ours."""
        path = self.path_of(iri)
        if path is None or not path.startswith("graph/"):
            return None
        name = path[len("graph/") :]
        if name in (VOCABULARY_GRAPH, CATALOG_GRAPH, HARVEST_GRAPH) or not is_slug(name):
            return None
        return name

    def is_thing(self, iri: str) -> bool:
        path = self.local_path(iri)
        return path is not None and self.thing_for_path(path) is not None

    def parse_document(self, path: str, extensions: tuple[str, ...]) -> DocumentPath | None:
        """Read ``doc/<thing path>[.ext]``; None when the path is not a document path."""
        if not path.startswith("doc/"):
            return None
        rest, extension = path[4:], None
        stem, dot, ext = rest.rpartition(".")
        if dot and ext in extensions and "/" not in ext:
            rest, extension = stem, ext
        thing = self.thing_for_path(rest)
        return DocumentPath(thing, extension) if thing is not None else None

    @property
    def ontology(self) -> URIRef:
        return URIRef(ONTOLOGY_IRI)

    # --- serving: request paths <-> IRIs ---------------------------------------
    # The server answers on any host, so a request path (no leading slash) stands for an
    # IRI: ``id/...`` under the configured base, ``vocab`` and ``vocab/...`` in the fixed
    # vocabulary namespace (whatever the base), ``ontology`` for the fixed ontology.
    def thing_for_path(self, path: str) -> URIRef | None:
        """The thing a request path names, or None: not a thing path, or one with an empty,
        ``.`` or ``..`` segment (such paths name nothing, so they never reach anything)."""
        segments = path.split("/")
        if any(s in ("", ".", "..") for s in segments):
            return None
        if segments[0] == "id" and len(segments) > 2:
            return self._iri(path)
        if segments[0] in METADATA_THINGS:
            return self._iri(path)
        if segments[0] == "vocab":
            return URIRef(VOCAB_ONTOLOGY + path[len("vocab") :])
        return None

    def local_path(self, iri: str) -> str | None:
        """Where this server answers for an IRI (request path, no leading slash): the
        inverse of :meth:`thing_for_path`, plus ``ontology[#Term]`` and the other IRIs
        under the base; None for other publishers' IRIs."""
        if iri == ONTOLOGY_IRI or iri.startswith((ONTOLOGY_IRI + "#", ONTOLOGY_IRI + "/")):
            return "ontology" + iri[len(ONTOLOGY_IRI) :]  # terms, alignments, versions
        if iri == VOCAB_ONTOLOGY or iri.startswith(str(VOCAB)):
            return "vocab" + iri[len(VOCAB_ONTOLOGY) :]
        return self.path_of(iri)

    def in_catalogue(self, iri: str) -> bool:
        """True for the catalogue's own things (datasets, distributions, agent, builds)."""
        path = self.path_of(iri)
        return path is not None and path.split("/", 1)[0] in CATALOG_THINGS

    def city_of(self, iri: str) -> str | None:
        """The city key of a city resource (``id/{city}/...``), else None."""
        path = self.path_of(iri)
        if path is None or not path.startswith("id/"):
            return None
        city = path.split("/")[1]
        return city if is_slug(city) else None
