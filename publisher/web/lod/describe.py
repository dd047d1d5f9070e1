"""What the server says about one resource, and how it is written in each RDF format.

:func:`describe` is the one definition of a resource's description, used by every format and
by the HTML page. It is ONE SPARQL ``CONSTRUCT`` through :meth:`Store.query` (so a remote
endpoint can replace the embedded store) and holds:

- the resource's own triples;
- the blank-node closure: blank nodes reachable from it through blank nodes only, up to
  :data:`BLANK_DEPTH` steps (declared figures, amounts, periods, intervals and their
  instants, contact points hang off resources as blank nodes);
- the ``rdfs:label`` / ``skos:prefLabel`` of every IRI it (or its closure) links to;
- the incoming triples ``?x ?p <it>`` with the labels of ``?x``; when ``?x`` is a blank node
  (a declared figure citing a source), that node's own triples and the resource it hangs
  off, with labels, so "who cites this" has an answer.

The document adds two triples about itself (:func:`document_triples`): ``foaf:primaryTopic``
and, for city resources, ``void:inDataset <base>dataset/{city}``.

The CONSTRUCT result is read back once (N-Triples, parsed by pyoxigraph) instead of being
streamed to the client as it is: the document adds triples about itself, the HTML page needs
the triples anyway, and sorting them lets Turtle group each subject. Parsing and writing both
run in pyoxigraph, so this costs a millisecond or two for a masterplan.

Serialisation goes through pyoxigraph (Turtle, RDF/XML and N-Triples with the project's
prefixes). pyoxigraph writes expanded JSON-LD only, so :func:`compact_jsonld` rewrites its
output with the published ``@context`` (``publisher.serialize.jsonld_context``) inline: keys and
types become CURIEs, node ``@id`` values stay absolute IRIs. That is a compact form that any
JSON-LD 1.1 processor expands back to the same triples (every prefix IRI ends with ``/`` or
``#``, so each one may be used as a prefix).
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD

from publisher import mediatypes as mt
from publisher.closure import reachable
from publisher.iris import Iris
from publisher.namespaces import ORG, RO, SMP
from publisher.serialize import canonical
from publisher.store import Store
from publisher.store.descriptions import Paging, paginate, reading_order

Term = ox.NamedNode | ox.BlankNode | ox.Literal
BLANK_DEPTH = 4
LABELS = (str(RDFS.label), str(SKOS.prefLabel))
_LABEL_FILTER = f"FILTER(?lp IN (<{LABELS[0]}>, <{LABELS[1]}>))"


# --- the description ---------------------------------------------------------------------
class Description:
    """Triples indexed both ways, so pages can walk them without more queries."""

    def __init__(
        self, thing: str, triples: Iterable[ox.Triple] = (), page: int = 1, pages: int = 1
    ) -> None:
        self.thing = ox.NamedNode(thing)
        self.page = page  # incoming links are paged (publisher.store.descriptions)
        self.pages = pages
        self.triples: list[ox.Triple] = []
        self.ordered = False  # triples already in reading order (stored pages are)
        self._seen: set[ox.Triple] = set()
        self._indexed = 0  # how many of the triples are in the indexes (built when asked)
        self._out: dict[Term, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self._in: dict[Term, list[tuple[Term, str]]] = defaultdict(list)
        self.extend(triples)

    @classmethod
    def stored(cls, thing: str, triples: list[ox.Triple], page: int, pages: int) -> Description:
        """A page as the build stored it: distinct triples in reading order, kept as they
        are (an RDF document needs no index, and no sort)."""
        found = cls(thing, (), page, pages)
        found.triples = triples
        found._seen = set()  # filled when extended (an HTML page adds its context)
        found.ordered = True
        return found

    def extend(self, triples: Iterable[ox.Triple]) -> None:
        """Add triples (duplicates are dropped: CONSTRUCT may repeat them)."""
        if len(self._seen) < len(self.triples):
            self._seen.update(self.triples)
        for triple in triples:
            if triple in self._seen:
                continue
            self._seen.add(triple)
            self.triples.append(triple)
            self.ordered = False

    def _index(self) -> None:
        for triple in self.triples[self._indexed :]:
            self._out[triple.subject][triple.predicate.value].append(triple.object)
            self._in[triple.object].append((triple.subject, triple.predicate.value))
        self._indexed = len(self.triples)

    @property
    def exists(self) -> bool:
        """True when the store holds at least one triple with the resource as subject (and
        the page asked for exists)."""
        return 0 < self.page <= self.pages and bool(self.triples)

    def properties(self, subject: Term) -> dict[str, list[Term]]:
        self._index()
        return self._out.get(subject, {})

    def objects(self, subject: Term, predicate: str) -> list[Term]:
        self._index()
        return list(self._out.get(subject, {}).get(predicate, ()))

    def first(self, subject: Term, predicate: str) -> Term | None:
        self._index()
        values = self._out.get(subject, {}).get(predicate)
        return values[0] if values else None

    def subjects(self, predicate: str, obj: Term) -> list[Term]:
        self._index()
        return [s for s, p in self._in.get(obj, ()) if p == predicate]

    def incoming(self, obj: Term) -> list[tuple[Term, str]]:
        self._index()
        return list(self._in.get(obj, ()))

    def types(self, subject: Term) -> set[str]:
        objects = self.objects(subject, str(RDF.type))
        return {o.value for o in objects if isinstance(o, ox.NamedNode)}


def run_construct(store: Store, sparql: str) -> list[ox.Triple]:
    """A CONSTRUCT's triples, read back through N-Triples (lossless, keeps blank-node ids)."""
    data = store.query(sparql).serialize(mt.NTRIPLES)
    return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def exists(store: Store, candidates: Iterable[str]) -> str | None:
    """The first candidate IRI that is the subject of some triple, or None (a lookup per
    candidate in the stored descriptions, else one query)."""
    candidates = [str(iri) for iri in candidates]  # rdflib URIRefs never equal plain str
    stored = [store.description(iri) for iri in candidates]
    if all(page is not None for page in stored):
        return next((iri for iri, page in zip(candidates, stored, strict=True) if page.pages), None)
    values = " ".join(str(ox.NamedNode(iri)) for iri in candidates)
    if not values:
        return None
    data = store.query(
        f"SELECT ?s WHERE {{ VALUES ?s {{ {values} }} FILTER EXISTS {{ ?s ?p ?o }} }}"
    ).serialize(mt.RESULTS_JSON)
    bindings = json.loads(data)["results"]["bindings"]
    found = {b["s"]["value"] for b in bindings}
    return next((iri for iri in candidates if iri in found), None)


def describe(store: Store, thing: str, page: int = 1, paging: Paging | None = None) -> Description:
    """Page ``page`` of the description of ``thing`` (see the module docstring): the one
    the build stored when the store has it, else the CONSTRUCT's, paged the same way.
    ``.exists`` is False when ``thing`` is not published here or has fewer pages."""
    stored = store.description(thing, page)
    if stored is not None:
        triples = ox.parse(stored.ntriples, format=ox.RdfFormat.N_TRIPLES)
        return Description.stored(thing, [q.triple for q in triples], page, stored.pages)
    everything = run_construct(store, describe_query(thing))
    this = ox.NamedNode(thing)
    if not any(t.subject == this for t in everything):
        return Description(thing, (), page, 0)
    pages = paginate(thing, everything, paging or Paging())
    return Description(thing, pages[page - 1] if page <= len(pages) else (), page, len(pages))


def chains(this: str, var: str = "?s", depth: int = BLANK_DEPTH) -> list[str]:
    """Patterns binding ``var`` to ``this`` and to each blank node reachable from it through
    blank nodes only (one pattern per distance), each starting from the constant IRI so
    any engine evaluates it from there."""
    patterns = [f"VALUES {var} {{ {this} }}"]
    for distance in range(1, depth + 1):
        hops, previous = [], this
        for step in range(1, distance + 1):
            node = var if step == distance else f"?b{step}"
            hops.append(f"{previous} ?h{step} {node} . FILTER(isBlank({node}))")
            previous = node
        patterns.append(" ".join(hops))
    return patterns


def describe_query(thing: str) -> str:
    """The CONSTRUCT of :func:`describe` (``thing`` is validated as an IRI here)."""
    this = str(ox.NamedNode(thing))
    branches = []
    for chain in chains(this):
        branches.append(f"{chain} ?s ?p ?o .")
        branches.append(f"{chain} ?s ?x ?n . FILTER(isIRI(?n)) ?n ?lp ?lv . {_LABEL_FILTER}")
    branches += [
        f"?s ?p {this} . BIND({this} AS ?o)",
        f"?n ?x {this} . FILTER(isIRI(?n)) ?n ?lp ?lv . {_LABEL_FILTER}",
        # a blank node pointing here: its own triples, its owner, and their labels
        f"?s ?x {this} . FILTER(isBlank(?s)) ?s ?p ?o .",
        f"?o ?x {this} . FILTER(isBlank(?o)) ?s ?p ?o .",
        f"?b ?x {this} . FILTER(isBlank(?b)) ?n ?y ?b . FILTER(isIRI(?n)) "
        f"?n ?lp ?lv . {_LABEL_FILTER}",
        f"?b ?x {this} . FILTER(isBlank(?b)) ?b ?y ?n . FILTER(isIRI(?n)) "
        f"?n ?lp ?lv . {_LABEL_FILTER}",
    ]
    union = "\n  UNION ".join("{ " + b + " }" for b in branches)
    return f"CONSTRUCT {{ ?s ?p ?o . ?n ?lp ?lv . }}\nWHERE {{\n  {union}\n}}"


# --- the catalogue's own things ------------------------------------------------------------
# What the catalogue declares and the store normalises away (oxigraph/oxigraph#526 turns
# xsd:nonNegativeInteger into xsd:integer on load); DCAT-AP 3's shapes want the declared one.
DECLARED_DATATYPES = {str(DCAT.byteSize): ox.NamedNode(str(XSD.nonNegativeInteger))}


def catalogue_triples(store: Store, graph: str) -> list[ox.Triple]:
    """Every triple of the catalogue graph (the routes keep them once per data version)."""
    return run_construct(
        store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
    )


def catalogue_description(triples: list[ox.Triple], thing: str) -> Description:
    """What ``dist/catalog.ttl`` says of a catalogue thing: everything reachable from it (its
    distributions, licence, agent, contact, place, standards, checksums), so that the
    document alone passes the DCAT-AP shapes as the catalogue does; the datatypes the
    catalogue declares are given back."""
    by_subject: dict[Term, list[ox.Triple]] = defaultdict(list)
    for triple in triples:
        by_subject[triple.subject].append(triple)
    found = reachable([ox.NamedNode(thing)], lambda node: by_subject.get(node, ()))
    # the store names blank nodes at random per process: canonical names give every worker
    # and replica the same bytes (and ETag)
    return Description(thing, canonical(_declared(t) for t in found))


def _declared(triple: ox.Triple) -> ox.Triple:
    datatype = DECLARED_DATATYPES.get(triple.predicate.value)
    if datatype is None or not isinstance(triple.object, ox.Literal):
        return triple
    return ox.Triple(
        triple.subject, triple.predicate, ox.Literal(triple.object.value, datatype=datatype)
    )


# --- what pages show besides the description (HTML only) ------------------------------------
_NAMES = f"FILTER(?lp IN (<{LABELS[0]}>, <{LABELS[1]}>, <{FOAF.name}>, <{DCTERMS.title}>))"


def page_context(store: Store, description: Description) -> None:
    """Add to ``description`` what its HTML page shows from two steps away: the sources'
    titles, URLs, publishers and types; the role assignments of which the resource is the
    target or the holder, with labels; for a masterplan also its themes, work tables and
    their roles, phases and actions. One more CONSTRUCT; RDF documents do not include it."""
    is_plan = str(SMP.Masterplan) in description.types(description.thing)
    query = page_context_query(description.thing.value, masterplan=is_plan)
    description.extend(run_construct(store, query))


def page_context_query(thing: str, masterplan: bool = False) -> str:
    this = str(ox.NamedNode(thing))
    branches = []
    for chain in chains(this, var="?c"):
        branches.append(f"{chain} ?c <{DCTERMS.source}> ?s . ?s ?p ?o .")
        branches.append(f"{chain} ?c <{DCTERMS.source}> ?src . ?src ?x ?n . ?n ?lp ?lv . {_NAMES}")
    for link in (RO.forEntity, RO.isRoleInTimeOf):
        branches.append(f"?s <{link}> {this} . ?s ?p ?o .")
        branches.append(
            f"?r <{link}> {this} . ?r ?x ?n . FILTER(isIRI(?n)) ?n ?lp ?lv . {_LABEL_FILTER}"
        )
    if masterplan:
        tables = f"{this} <{SMP.hasWorkTable}> ?t ."
        branches += [
            f"{this} <{SMP.themeScheme}> ?k . ?s <{SKOS.inScheme}> ?k . ?s ?p ?o . "
            f"FILTER(?p IN (<{SKOS.broader}>, <{SKOS.notation}>, <{SKOS.prefLabel}>, "
            f"<{SKOS.topConceptOf}>, <{SKOS.inScheme}>))",
            f"{this} <{SMP.hasWorkTable}> ?s . ?s ?p ?o . "
            f"FILTER(?p IN (<{ORG.purpose}>, <{ORG.subOrganizationOf}>))",
            f"{tables} ?s <{RO.forEntity}> ?t . ?s ?p ?o .",
            f"{tables} ?r <{RO.forEntity}> ?t . ?r ?x ?n . FILTER(isIRI(?n)) "
            f"?n ?lp ?lv . {_LABEL_FILTER}",
            f"{this} <{PROV.wasGeneratedBy}> ?s . ?s ?p ?o .",
            f"{this} <{DCTERMS.hasPart}> ?s . ?s ?p ?o . "
            f"FILTER(?p IN (<{DCTERMS.identifier}>, <{DCTERMS.subject}>))",
        ]
    union = "\n  UNION ".join("{ " + b + " }" for b in branches)
    return f"CONSTRUCT {{ ?s ?p ?o . ?n ?lp ?lv . }}\nWHERE {{\n  {union}\n}}"


def term_labels(store: Store) -> dict[str, dict[str, str]]:
    """``{term IRI: {lang: label}}`` of the ontology's classes and properties (pages name
    properties and types with them; the routes keep them once per data version)."""
    data = store.query(
        f'SELECT ?t ?l WHERE {{ ?t <{RDFS.label}> ?l . FILTER(STRSTARTS(STR(?t), "{SMP}")) }}'
    ).serialize(mt.RESULTS_JSON)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in json.loads(data)["results"]["bindings"]:
        labels[row["t"]["value"]][row["l"].get("xml:lang", "")] = row["l"]["value"]
    return labels


def document_triples(description: Description, iris: Iris) -> list[ox.Triple]:
    """The description plus what the document says about itself."""
    thing = description.thing.value
    document = ox.NamedNode(str(iris.document(thing)))
    extra = [ox.Triple(document, ox.NamedNode(str(FOAF.primaryTopic)), description.thing)]
    city = iris.city_of(thing)
    if city is not None:
        dataset = ox.NamedNode(str(iris.dataset(city)))
        extra.append(ox.Triple(description.thing, ox.NamedNode(str(VOID.inDataset)), dataset))
    key = reading_order(description.thing)
    if not description.ordered:
        return sorted(description.triples + extra, key=key)
    triples = list(description.triples)
    for triple in extra:
        bisect.insort(triples, triple, key=key)
    return triples


def cut_to(description: Description, keep: int) -> Description:
    """The description with only its first ``keep`` triples in reading order (the
    resource's own statements first): what a page capped at a byte size shows."""
    triples = description.triples
    if not description.ordered:
        triples = sorted(triples, key=reading_order(description.thing))
    return Description(description.thing.value, triples[:keep], description.page,
                       description.pages)  # fmt: skip


# --- writing -----------------------------------------------------------------------------
