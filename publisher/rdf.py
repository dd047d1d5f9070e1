"""City records → RDF with the ontology's terms (docs/model.md). No I/O here.

The quads are pyoxigraph terms, made directly: the build writes them with pyoxigraph and
validates them without an rdflib graph in between (an rdflib graph costs about ten times as
much to fill and to serialise). The vocabulary's IRIs are still written with rdflib's
namespaces (``DCTERMS.title``), converted once and cached.

Alongside the quads it returns where each node and each (node, property) came from, so the
SHACL gate can point a violation back at the YAML file and line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox
from rdflib import URIRef
from rdflib import namespace as rdflib_namespace

from publisher import namespaces
from publisher.iris import Iris
from publisher.source import (
    Action,
    Amount,
    City,
    Figure,
    Masterplan,
    Organisation,
    Origin,
    Phase,
    Record,
    RoleAssignment,
    SourceDoc,
    Text,
    Theme,
)
from publisher.source.city import CLASSIFICATION
from publisher.source.vocabulary import pref_labels


class Terms:
    """An rdflib namespace whose terms are pyoxigraph nodes, each made once: ``DCTERMS.title``
    reads as with rdflib (closed namespaces still refuse unknown names) and costs a lookup."""

    def __init__(self, namespace: rdflib_namespace.Namespace) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = ox.NamedNode(getattr(self._namespace, name))
        setattr(self, name, node)
        return node

    def __getitem__(self, local: str) -> ox.NamedNode:
        return ox.NamedNode(self._namespace[local])


N = rdflib_namespace
DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD = map(
    Terms, (N.DCAT, N.DCTERMS, N.FOAF, N.OWL, N.PROV, N.RDF, N.RDFS, N.SKOS, N.TIME, N.XSD)
)
N = namespaces
CLV, COV, EU_THEME, EUROVOC, ISTAT_CITY, L0, M8G, ORG, RO, SCHEMA, SMP, TI, VCARD = map(
    Terms,
    (N.CLV, N.COV, N.EU_THEME, N.EUROVOC, N.ISTAT_CITY, N.L0, N.M8G, N.ORG, N.RO, N.SCHEMA,
     N.SMP, N.TI, N.VCARD),
)  # fmt: skip
del N


def city_place(city: City) -> ox.NamedNode:
    """The OntoPiA IRI of the city's comune (the RDF and the catalogue's dct:spatial): the ISTAT
    code and the date the comune's concept is valid from, both from the city's YAML (each
    comune has its own date, e.g. ``025001-(1866-11-19)``)."""
    valid_from = city.istat_valid_from.isoformat() if city.istat_valid_from else ""
    return ISTAT_CITY[f"{city.istat}-({valid_from})"]


# The publisher's own classification (theme mappings, public-body typing): a source of its
# own, generated, so that no page presents it as what the plan's sources say.
MAPPING_TYPES = ("controlled-vocabulary", CLASSIFICATION)
CLASSIFICATION_TITLE = {
    "it": "Classificazione di chi pubblica: corrispondenze dei temi e tipi di ente",
    "en": "The publisher's classification: theme mappings and types of body",
}
CLASSIFICATION_NOTE = {
    "it": "Non è una fonte esterna. Le corrispondenze dei temi con i temi dei dati UE, con le "
    "aree dell'Osservatorio Nazionale Smart City di ANCI e con i microthesauri EuroVoc, e il "
    "riconoscimento di alcune organizzazioni come enti pubblici, sono scelte di chi pubblica "
    "questi dati, non affermazioni delle fonti del masterplan. Le tre corrispondenze sono "
    "indipendenti: un microthesaurus EuroVoc è scelto per l'argomento del tema, anche quando "
    "OntoPiA lo colloca sotto un tema dei dati UE diverso da quelli del tema.",
    "en": "Not an outside source. The matches of the themes to EU data themes, to the areas "
    "of ANCI's National Smart City Observatory and to EuroVoc microthesauri, and the "
    "recognition of some organisations as public bodies, are choices of whoever publishes "
    "these data, not statements of the masterplan's sources. The three mappings are "
    "independent: a EuroVoc microthesaurus is chosen for the theme's subject, even where "
    "OntoPiA files it under an EU data theme other than the theme's.",
}
THEME_NOTE = {
    "it": "Le corrispondenze con temi dei dati UE, aree dell'Osservatorio ed EuroVoc sono una "
    "classificazione di chi pubblica, non delle fonti.",
    "en": "The matches to EU data themes, Observatory areas and EuroVoc are the publisher's "
    "classification, not the sources'.",
}
PUBLIC_BODY_NOTE = {
    "it": "Il tipo «ente pubblico» è una classificazione di chi pubblica, non delle fonti.",
    "en": "The type \"public body\" is the publisher's classification, not the sources'.",
}
REPRESENTATIVE_NOTE = {
    "it": "La fonte indica per questo ruolo una persona dell'organizzazione: il ruolo è "
    "attribuito all'organizzazione, di cui quella persona è rappresentante.",
    "en": "The source names a person from this organisation for the role: the role is given "
    "to the organisation, which that person represents.",
}
TITLE_FROM_URL = {
    "it": "Il nome è ricostruito dall'indirizzo della pagina, non letto come titolo sulla "
    "pagina.",
    "en": "The name is rebuilt from the page's address, not read as a title on the page.",
}

Subject = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal


@lru_cache(maxsize=4096)
def iri(value: str) -> ox.NamedNode:
    """An IRI that recurs (a vocabulary concept) as a pyoxigraph node, cached."""
    return ox.NamedNode(value)


@lru_cache(maxsize=1)
def role_names() -> dict[str, dict[str, str]]:
    """Role key -> language -> the role's name in the vocabulary (read once)."""
    return pref_labels("role")


def term(value: Term | URIRef) -> Term:
    """pyoxigraph terms as they are; an rdflib IRI (or any string) as a named node."""
    return ox.NamedNode(value) if isinstance(value, str) else value


def text(value: str, lang: str | None = None) -> ox.Literal:
    """A plain (xsd:string) or language-tagged literal."""
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def typed(lexical: str, datatype: ox.NamedNode) -> ox.Literal:
    return ox.Literal(lexical, datatype=datatype)


TRUE = typed("true", XSD.boolean)


def date(value: dt.date) -> ox.Literal:
    return typed(value.isoformat(), XSD.date)


def date_time(value: dt.datetime) -> ox.Literal:
    """An aware datetime as xsd:dateTime, written as rdflib wrote it (``+00:00``, not ``Z``)."""
    return typed(value.isoformat(), XSD.dateTime)


def integer(value: int, datatype: ox.NamedNode = XSD.integer) -> ox.Literal:
    return typed(str(value), datatype)


def decimal(value: Decimal) -> ox.Literal:
    """An xsd:decimal in the shortest plain form (1.5, 124000000): what SPARQL engines
    return, so dumps and query results agree; never an exponent, never a float."""
    return typed(format(value.normalize(), "f"), XSD.decimal)


@dataclass
class CityGraph:
    """A city's quads (in its named graph) plus the YAML origin of every subject and of each
    property use, and for every node the first subject that points at it."""

    city: City
    graph: ox.NamedNode
    quads: list[ox.Quad] = field(default_factory=list)
    origins: dict[Subject, Origin] = field(default_factory=dict)
    field_origins: dict[tuple[Subject, ox.NamedNode], Origin] = field(default_factory=dict)
    parents: dict[Subject, Subject] = field(default_factory=dict)

    @property
    def triples(self) -> list[ox.Triple]:
        return [quad.triple for quad in self.quads]

    def origin_of(self, node: Subject, path: ox.NamedNode | None = None) -> Origin | None:
        """Where ``node`` (or its ``path`` property) was written; a node without an origin of
        its own (a blank node: an amount, a period) is looked up through its parent."""
        seen: set[Subject] = set()
        current: Subject | None = node
        while current is not None and current not in seen:
            seen.add(current)
            if path is not None and (current, path) in self.field_origins:
                return self.field_origins[(current, path)]
            if current in self.origins:
                return self.origins[current]
            current = self.parents.get(current)
        return None


class _Writer:
    """Adds one city's quads, recording origins as it goes."""

    def __init__(self, city: City, iris: Iris, publisher_name: str = "") -> None:
        self.city = city
        self.iris = iris
        self.publisher_name = publisher_name
        self.out = CityGraph(city, ox.NamedNode(iris.graph(city.key)))
        self.graph = self.out.graph
        self.place = city_place(city)
        self.things: dict[tuple[str, str | None], ox.NamedNode] = {}
        # Blank nodes named from the city graph's IRI and their order of making, not at
        # random: the same YAML gives the same dumps byte for byte (an unchanged city costs
        # a harvester a 304), and no two cities, here or on another publisher, share a name.
        self._blank_prefix = "b" + hashlib.sha256(self.graph.value.encode()).hexdigest()[:16]
        self._blanks = 0

    def blank(self) -> ox.BlankNode:
        """A new blank node of this city, named deterministically (see ``__init__``)."""
        self._blanks += 1
        return ox.BlankNode(f"{self._blank_prefix}x{self._blanks}")

    # --- small helpers -------------------------------------------------------------------
    def iri(self, kind: str, key: str | None = None) -> ox.NamedNode:
        """A thing of this city (made once: a source is named by every record it backs)."""
        node = self.things.get((kind, key))
        if node is None:
            node = self.things[kind, key] = ox.NamedNode(self.iris.thing(self.city.key, kind, key))
        return node

    def vocab(self, scheme: str, concept: str) -> ox.NamedNode:
        return iri(self.iris.vocab(scheme, concept))

    def emit(self, s: Subject, p: ox.NamedNode, o: Term) -> None:
        """One quad in the city's graph; the object remembers its first subject."""
        self.out.quads.append(ox.Quad(s, p, o, self.graph))
        if type(o) is not ox.Literal:
            self.out.parents.setdefault(o, s)

    def start(
        self, node: Subject, record: Record, *types: ox.NamedNode, sources: list[str] | None = None
    ) -> Subject:
        """Type a node, note its origin, and add what every resource carries: its sources
        (``sources`` when the node states less than its record, e.g. a work table)."""
        for rdf_type in types:
            self.emit(node, RDF.type, rdf_type)
        self.out.origins[node] = record.origin
        for key in record.sources if sources is None else sources:
            self.add(node, DCTERMS.source, self.iri("source", key), record, "sources")
        if self.city.fictional:
            self.emit(node, SMP.fictional, TRUE)
        return node

    def add(
        self,
        s: Subject,
        p: ox.NamedNode,
        o: Term | None,
        record: Record | None = None,
        name: str | None = None,
    ) -> None:
        if o is None:
            return
        self.emit(s, p, o)
        if record is not None and name is not None:
            self.out.field_origins[(s, p)] = record.where(name)

    def text(
        self,
        s: Subject,
        predicates: tuple[ox.NamedNode, ...],
        text_: Text,
        record: Record,
        name: str,
    ) -> None:
        for lang, value in text_.items():
            for p in predicates:
                self.add(s, p, text(value, lang), record, name)

    def date(
        self, s: Subject, p: ox.NamedNode, value: dt.date | None, record: Record, name: str
    ) -> None:
        if value is not None:
            self.add(s, p, date(value), record, name)

    def amount(
        self, s: Subject, p: ox.NamedNode, amount: Amount, record: Record, name: str, money: bool
    ) -> ox.BlankNode:
        node = self.blank()
        self.add(s, p, node, record, name)
        self.out.origins[node] = record.where(name)
        if money:
            self.emit(node, RDF.type, SMP.InvestmentAmount)
            self.emit(node, RDF.type, SCHEMA.MonetaryAmount)
            self.emit(node, SCHEMA.currency, text("EUR"))
        for prop, value in (
            (SCHEMA.value, amount.value),
            (SCHEMA.minValue, amount.min),
            (SCHEMA.maxValue, amount.max),
        ):
            if value is not None:
                self.add(node, prop, decimal(value), record, name)
        self.emit(node, SMP.precision, self.vocab("precision", amount.precision))
        return node

    # --- resources -----------------------------------------------------------------------
    def sources(self) -> None:
        for source in self.city.sources.values():
            self.source(source)

    def source(self, src: SourceDoc) -> None:
        node = self.iri("source", src.key)
        self.start(node, src, SMP.SourceDocument, FOAF.Document, PROV.Entity)
        if src.title_from_url:  # a name rebuilt from the address is no title: a label only
            self.text(node, (RDFS.label,), src.title, src, "title")
            self.text(node, (SKOS.editorialNote,), TITLE_FROM_URL, src, "title_from_url")
        else:
            self.text(node, (DCTERMS.title, RDFS.label), src.title, src, "title")
        page = ox.NamedNode(src.url)
        self.add(node, FOAF.page, page, src, "url")
        self.add(node, SCHEMA.url, page, src, "url")
        self.add(node, SMP.sourceType, self.vocab("source-type", src.type), src, "type")
        self.date(node, DCTERMS.issued, src.issued, src, "issued")
        if src.language:
            self.add(node, DCTERMS.language, text(src.language), src, "language")
        if src.citation:
            self.add(node, DCTERMS.bibliographicCitation, text(src.citation), src, "citation")
        self.text(node, (RDFS.comment,), src.note, src, "note")
        self.publisher(node, src)

    def publisher(self, node: ox.NamedNode, src: SourceDoc) -> None:
        if not src.publisher:
            return
        if src.publisher in self.city.organisations:
            self.add(
                node, DCTERMS.publisher, self.iri("organisation", src.publisher), src, "publisher"
            )
            return
        agent = self.blank()
        self.add(node, DCTERMS.publisher, agent, src, "publisher")
        self.emit(agent, RDF.type, FOAF.Agent)
        self.emit(agent, FOAF.name, text(src.publisher))
        self.out.origins[agent] = src.where("publisher")

    def masterplan(self) -> None:
        city, plan = self.city, self.city.masterplan
        node = self.iri("masterplan")
        # The city block's sources (the ISTAT code and its date) back the plan's place.
        sources = list(dict.fromkeys([*plan.sources, *city.city_sources]))
        self.start(node, plan, SMP.Masterplan, L0.Description, PROV.Entity, sources=sources)
        self.text(node, (DCTERMS.title, RDFS.label), plan.title, plan, "title")
        self.text(
            node, (L0.name,), {k: v for k, v in plan.title.items() if k == "it"}, plan, "title"
        )
        self.text(node, (DCTERMS.description,), plan.description, plan, "description")
        self.date(node, DCTERMS.issued, plan.approved, plan, "approved")
        self.date(node, SMP.presentedOn, plan.presented, plan, "presented")
        if plan.horizon:
            self.period_of(node, plan, None, plan.horizon, "horizon")
        if plan.homepage:
            self.add(node, FOAF.page, ox.NamedNode(plan.homepage), plan, "homepage")
        if plan.contact_email:
            self.contact(node, plan)
        municipality = self.iri("organisation", city.municipality)
        self.add(node, DCTERMS.publisher, municipality)
        self.add(node, DCTERMS.spatial, self.place)
        self.add(node, CLV.hasSpatialCoverage, self.place)
        self.add(node, SMP.themeScheme, self.iri("themes"))
        for body in plan.governance_bodies:
            self.add(
                node,
                SMP.hasGovernanceBody,
                self.iri("organisation", body),
                plan,
                "governance_bodies",
            )
        for theme in city.themes.values():
            if theme.work_table:
                self.add(node, SMP.hasWorkTable, self.iri("table", theme.key))
        for action in city.actions:
            self.add(node, DCTERMS.hasPart, self.iri("action", action))
        self.add(node, SMP.publishedActionCount, integer(len(city.actions), XSD.nonNegativeInteger))
        for figure in plan.figures:
            self.figure(node, figure)
        for phase in plan.phases:
            self.phase(node, phase)

    def contact(self, node: ox.NamedNode, plan: Masterplan) -> None:
        """The contact the sources give for the plan, as a vCard (reused by the catalogue)."""
        card = self.blank()
        self.add(node, DCAT.contactPoint, card, plan, "contact_email")
        self.out.origins[card] = plan.where("contact_email")
        self.emit(card, RDF.type, VCARD.Kind)
        self.emit(card, VCARD.fn, text(plan.title.get("it", "")))
        self.emit(card, VCARD.hasEmail, ox.NamedNode(f"mailto:{plan.contact_email}"))

    def figure(self, plan: ox.NamedNode, figure: Figure) -> None:
        money = figure.kind == "total-investment"
        node = self.amount(plan, SMP.declaredFigure, figure.amount, figure, "kind", money)
        self.start(node, figure, SMP.DeclaredFigure)
        self.out.origins[node] = figure.origin
        self.add(node, SMP.figureKind, self.vocab("figure-kind", figure.kind), figure, "kind")
        self.text(node, (RDFS.comment,), figure.note, figure, "note")
        if money:
            self.add(plan, SMP.declaredTotalInvestment, node)

    def phase(self, plan: ox.NamedNode, phase: Phase) -> None:
        node = self.iri("phase", str(phase.position))
        self.start(node, phase, SMP.MethodologyPhase, L0.Activity, PROV.Activity)
        self.add(plan, PROV.wasGeneratedBy, node)
        self.add(node, L0.positionInSequence, integer(phase.position, XSD.int))
        if phase.position < len(self.city.masterplan.phases):
            self.add(node, L0.directlyPrecedes, self.iri("phase", str(phase.position + 1)))
        self.text(node, (RDFS.label,), phase.label, phase, "label")
        self.text(node, (DCTERMS.description,), phase.description, phase, "description")
        if phase.validated_by:
            self.add(
                node,
                SMP.validatedBy,
                self.iri("organisation", phase.validated_by),
                phase,
                "validated_by",
            )
        if phase.from_month or phase.to_month:
            name = "from_month" if phase.from_month else "to_month"
            self.period_of(node, phase, phase.from_month, phase.to_month, name)
        for prop, value, name in (
            (PROV.startedAtTime, phase.started, "started"),
            (PROV.endedAtTime, phase.ended, "ended"),
        ):
            if value is not None:
                stamp = date_time(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC))
                self.add(node, prop, stamp, phase, name)

    def scheme(self) -> None:
        city = self.city
        node = self.iri("themes")
        self.emit(node, RDF.type, SKOS.ConceptScheme)
        self.out.origins[node] = city.scheme_origin
        for key in city.scheme_sources:
            self.emit(node, DCTERMS.source, self.iri("source", key))
        if city.fictional:
            self.emit(node, SMP.fictional, TRUE)
        for lang, value in city.scheme_label.items():
            for p in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
                self.emit(node, p, text(value, lang))
        for theme in city.themes.values():
            if theme.parent is None:
                self.emit(node, SKOS.hasTopConcept, self.iri("theme", theme.key))

    def theme(self, theme: Theme) -> None:
        node = self.iri("theme", theme.key)
        scheme = self.iri("themes")
        classified = bool(theme.eu_themes or theme.osservatorio_themes or theme.eurovoc)
        sources = [*theme.sources, CLASSIFICATION] if classified else None
        self.start(node, theme, SMP.Theme, SKOS.Concept, sources=sources)
        if classified:
            self.classification(node, theme, THEME_NOTE)
        self.add(node, SKOS.inScheme, scheme)
        if theme.parent is None:
            self.add(node, SKOS.topConceptOf, scheme)
        else:
            self.add(node, SKOS.broader, self.iri("theme", theme.parent))
        for child in theme.children:
            self.add(node, SKOS.narrower, self.iri("theme", child))
        self.text(node, (SKOS.prefLabel, RDFS.label), theme.label, theme, "label")
        self.text(node, (SKOS.definition,), theme.definition, theme, "definition")
        self.text(node, (SKOS.scopeNote,), theme.note, theme, "note")
        if theme.notation:
            self.add(node, SKOS.notation, text(theme.notation), theme, "notation")
        for code in theme.eu_themes:
            self.add(node, SMP.euDataTheme, EU_THEME[code], theme, "eu_themes")
            self.add(node, SKOS.closeMatch, EU_THEME[code], theme, "eu_themes")
        for key in theme.osservatorio_themes:
            concept = self.vocab("osservatorio-theme", key)
            self.add(node, SMP.osservatorioTheme, concept, theme, "osservatorio_themes")
            self.add(node, SKOS.closeMatch, concept, theme, "osservatorio_themes")
        # EuroVoc microthesauri are skos:ConceptSchemes: a SKOS mapping to one would make it
        # a skos:Concept too (the two are disjoint), so the theme names them as subjects.
        for number in theme.eurovoc:
            self.add(node, DCTERMS.subject, EUROVOC[number], theme, "eurovoc")
        if theme.work_table:
            self.work_table(theme, node)

    def work_table(self, theme: Theme, concept: ox.NamedNode) -> None:
        node = self.iri("table", theme.key)
        # The table exists because the plan's sources say so; the vocabularies a theme cites
        # for its mappings say nothing about it.
        sources = [k for k in theme.sources if self.city.sources[k].type not in MAPPING_TYPES]
        self.start(node, theme, SMP.WorkTable, ORG.Organization, sources=sources)
        self.add(node, ORG.purpose, concept)
        labels = {
            lang: (f"Tavolo {text_}" if lang == "it" else f"{text_} work table")
            for lang, text_ in theme.label.items()
        }
        self.text(node, (RDFS.label, FOAF.name), labels, theme, "label")
        if theme.parent is not None:
            self.add(node, ORG.subOrganizationOf, self.iri("table", theme.parent))

    def organisation(self, org: Organisation) -> None:
        node = self.iri("organisation", org.key)
        if org.type == "steering-committee":
            # Not COV:Organization: a committee has no legal personality (alignments.ttl).
            types = (
                SMP.SteeringCommittee,
                ORG.Organization,
                SCHEMA.Organization,
                FOAF.Agent,
            )
        elif org.public:
            types = (
                COV.PublicOrganization,
                COV.Organization,
                ORG.Organization,
                M8G.PublicOrganisation,
                SCHEMA.GovernmentOrganization,
                SCHEMA.Organization,
                FOAF.Agent,
            )
        else:
            types = (COV.Organization, ORG.Organization, SCHEMA.Organization, FOAF.Agent)
        sources = [*org.sources, CLASSIFICATION] if org.public else None
        self.start(node, org, *types, sources=sources)
        if org.public:
            self.classification(node, org, PUBLIC_BODY_NOTE)
        self.text(node, (FOAF.name, RDFS.label), org.name, org, "name")
        self.text(node, (SKOS.note,), org.note, org, "note")
        if org.homepage:
            self.add(node, FOAF.homepage, ox.NamedNode(org.homepage), org, "homepage")
        if org.ipa_code:
            self.add(node, COV.IPAcode, text(org.ipa_code), org, "ipa_code")
        for same in org.same_as:
            self.add(node, OWL.sameAs, ox.NamedNode(same), org, "same_as")
        if org.key == self.city.municipality:
            self.add(node, DCTERMS.spatial, self.place)

    def role(self, role: RoleAssignment) -> None:
        key = self.iris.role_key(role.role, role.holder, role.target_kind, role.target_key)
        node = self.iri("role", key)
        # An org:Membership joins an agent to an organisation: only roles in a table or body.
        member = role.target_kind in ("table", "organisation")
        types = (SMP.RoleAssignment, ORG.Membership) if member else (SMP.RoleAssignment,)
        self.start(node, role, *types, RO.TimeIndexedRole)
        holder = self.iri("organisation", role.holder)
        concept = self.vocab("role", role.role)
        target = (
            self.iri("masterplan")
            if role.target_kind == "masterplan"
            else self.iri(role.target_kind, role.target_key)
        )
        for prop in (ORG.member, RO.isRoleInTimeOf):
            self.add(node, prop, holder, role, "holder")
        self.emit(holder, RO.holdsRoleInTime, node)
        if member:
            self.emit(holder, ORG.hasMembership, node)
        for prop in (ORG.role, RO.withRole):
            self.add(node, prop, concept, role, "role")
        self.add(node, RO.forEntity, target, role, "of")
        if role.target_kind in ("table", "organisation"):
            self.add(node, ORG.organization, target, role, "of")
        self.text(node, (RDFS.comment,), role.note, role, "note")
        if role.representative:
            self.add(node, SMP.byRepresentative, TRUE, role, "representative")
            self.text(node, (SKOS.editorialNote,), REPRESENTATIVE_NOTE, role, "representative")
        self.role_label(node, role)
        if role.since is not None or role.until is not None:
            self.interval(node, role)

    def role_label(self, node: ox.NamedNode, role: RoleAssignment) -> None:
        """A readable label: "<holder>: <role> — <target>", each part in the label's language
        (the role's skos:prefLabel in that language; a name without a translation is a
        proper name and stays as the source writes it)."""
        holder = self.city.organisations[role.holder].name
        target = self.target_name(role)
        names = role_names()[role.role]
        for lang in ("it", "en"):
            name = holder.get(lang, holder.get("it", role.holder))
            what = target.get(lang, target.get("it", ""))
            label = f"{name}: {names[lang]} — {what}"
            self.emit(node, RDFS.label, text(label, lang))

    def target_name(self, role: RoleAssignment) -> Text:
        city = self.city
        if role.target_kind == "masterplan":
            return city.masterplan.title
        if role.target_kind == "table":
            return city.themes[role.target_key].label
        if role.target_kind == "action":
            return city.actions[role.target_key].title
        return city.organisations[role.target_key].name

    def interval(self, node: ox.NamedNode, role: RoleAssignment) -> None:
        interval = self.blank()
        self.out.origins[interval] = role.where("since" if role.since is not None else "until")
        for prop in (ORG.memberDuring, TI.hasTemporalEntity):
            self.emit(node, prop, interval)
        self.emit(interval, RDF.type, TIME.Interval)
        self.emit(interval, RDF.type, TI.TimeInterval)
        for prop, value, name in (
            (TIME.hasBeginning, role.since, "since"),
            (TIME.hasEnd, role.until, "until"),
        ):
            if value is None:
                continue
            instant = self.blank()
            self.out.origins[instant] = role.where(name)
            self.emit(interval, prop, instant)
            self.emit(instant, RDF.type, TIME.Instant)
            if isinstance(value, int):
                self.emit(instant, TIME.inXSDgYear, typed(f"{value:04d}", XSD.gYear))
            else:
                self.emit(instant, TIME.inXSDDate, date(value))

    def period_of(
        self, node: ox.NamedNode, record: Record, start: str | None, end: str | None, name: str
    ) -> None:
        """A period a source dates only to the month or the year (April–June 2015, the 2020
        horizon), as a dct:PeriodOfTime with xsd:gYearMonth / xsd:gYear bounds."""
        period = self.blank()
        self.add(node, DCTERMS.temporal, period, record, name)
        self.out.origins[period] = record.where(name)
        self.emit(period, RDF.type, DCTERMS.PeriodOfTime)
        for prop, value in ((DCAT.startDate, start), (DCAT.endDate, end)):
            if value:
                self.emit(period, prop, typed(value, XSD.gYearMonth if "-" in value else XSD.gYear))

    def classification(self, node: ox.NamedNode, record: Record, note: Text) -> None:
        """Say on the node which of its statements are the publisher's own classification,
        and describe that classification (once) as a source of its own."""
        self.text(node, (SKOS.editorialNote,), note, record, "sources")
        doc = self.iri("source", CLASSIFICATION)
        if doc in self.out.origins:
            return
        self.out.origins[doc] = self.city.scheme_origin
        for rdf_type in (SMP.SourceDocument, FOAF.Document, PROV.Entity):
            self.emit(doc, RDF.type, rdf_type)
        for lang, value in CLASSIFICATION_TITLE.items():
            for p in (DCTERMS.title, RDFS.label):
                self.emit(doc, p, text(value, lang))
        for lang, value in CLASSIFICATION_NOTE.items():
            self.emit(doc, RDFS.comment, text(value, lang))
        page = ox.NamedNode(self.iris.document(str(doc.value), "html"))
        self.emit(doc, FOAF.page, page)
        self.emit(doc, SCHEMA.url, page)
        self.emit(doc, SMP.sourceType, self.vocab("source-type", CLASSIFICATION))
        self.emit(doc, PROV.wasAttributedTo, ox.NamedNode(self.iris.publisher()))
        if self.publisher_name:  # named here: a city graph says nothing about other subjects
            agent = self.blank()
            self.emit(doc, DCTERMS.publisher, agent)
            self.emit(agent, RDF.type, FOAF.Agent)
            self.emit(agent, FOAF.name, text(self.publisher_name))
            self.out.origins[agent] = self.city.scheme_origin
        if self.city.fictional:
            self.emit(doc, SMP.fictional, TRUE)

    def action(self, action: Action) -> None:
        node = self.iri("action", action.key)
        self.start(node, action, SMP.Action, L0.Description)
        self.add(node, DCTERMS.identifier, text(action.identifier), action, "identifier")
        self.text(node, (DCTERMS.title, RDFS.label), action.title, action, "title")
        self.text(
            node, (L0.name,), {k: v for k, v in action.title.items() if k == "it"}, action, "title"
        )
        self.text(node, (DCTERMS.description,), action.description, action, "description")
        self.add(node, DCTERMS.isPartOf, self.iri("masterplan"))
        self.add(node, DCTERMS.subject, self.iri("theme", action.theme), action, "theme")
        if action.subtheme:
            self.add(node, DCTERMS.subject, self.iri("theme", action.subtheme), action, "subtheme")
        for prop, scheme, value, name in (
            (SMP.timeframe, "timeframe", action.timeframe, "timeframe"),
            (SMP.ictRole, "ict-role", action.ict_role, "ict_role"),
            (SMP.fundingType, "funding-type", action.funding, "funding"),
            (SMP.status, "action-status", action.status, "status"),
        ):
            if value:
                self.add(node, prop, self.vocab(scheme, value), action, name)
        if action.investment is not None:
            self.amount(
                node, SMP.plannedInvestment, action.investment, action, "investment", money=True
            )
        if action.start or action.end:
            self.period(node, action)
        if action.homepage:
            self.add(node, FOAF.page, ox.NamedNode(action.homepage), action, "homepage")

    def period(self, node: ox.NamedNode, action: Action) -> None:
        period = self.blank()
        self.add(node, DCTERMS.temporal, period, action, "start" if action.start else "end")
        self.out.origins[period] = action.where("start" if action.start else "end")
        self.emit(period, RDF.type, DCTERMS.PeriodOfTime)
        self.date(period, DCAT.startDate, action.start, action, "start")
        self.date(period, DCAT.endDate, action.end, action, "end")

    def action_roles(self) -> list[RoleAssignment]:
        """Lead, partners and funders of each action become role assignments."""
        roles = []
        for action in self.city.actions.values():
            people = [("lead", action.lead, "lead")] if action.lead else []
            people += [("partner", key, "partners") for key in action.partners]
            people += [("funder", key, "funders") for key in action.funders]
            for role, holder, name in people:
                roles.append(
                    RoleAssignment(
                        key="",
                        origin=action.where(name),
                        sources=list(action.sources),
                        lines={
                            "holder": action.where(name),
                            "role": action.where(name),
                            "of": action.origin,
                            "sources": action.where("sources"),
                        },
                        role=role,
                        holder=holder,
                        target_kind="action",
                        target_key=action.key,
                    )
                )
        return roles

    def write(self) -> CityGraph:
        self.sources()
        self.masterplan()
        self.scheme()
        for theme in self.city.themes.values():
            self.theme(theme)
        for org in self.city.organisations.values():
            self.organisation(org)
        for action in self.city.actions.values():
            self.action(action)
        for role in [*self.city.roles, *self.action_roles()]:
            self.role(role)
        # An RDF graph is a set: a statement made twice (a source listed twice) is one.
        self.out.quads = list(dict.fromkeys(self.out.quads))
        return self.out


def city_graph(city: City, iris: Iris, publisher_name: str = "") -> CityGraph:
    """The RDF of one city, with the YAML origin of every subject; ``publisher_name`` names
    the publisher of the publisher's own classification (config ``publisher.name``)."""
    return _Writer(city, iris, publisher_name).write()
