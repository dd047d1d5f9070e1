"""The dataset's description of itself: DCAT-AP_IT catalogue and the build's provenance.

Written by the build from what it just produced (file sizes, checksums, counts), so the
catalogue can never describe files that are not there. Like the cities' RDF (publisher/rdf.py)
it is made of pyoxigraph terms: with a thousand cities it is a hundred thousand triples.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef

from publisher import __version__, namespaces
from publisher.config import Config, ConfigError
from publisher.iris import ALL_CITIES, Iris
from publisher.mediatypes import Format
from publisher.rdf import (
    DCAT,
    DCTERMS,
    EU_THEME,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SMP,
    TRUE,
    VCARD,
    XSD,
    Subject,
    Term,
    Terms,
    city_place,
    date,
    date_time,
    integer,
    term,
)
from publisher.rdf import text as _text
from publisher.source import City
from publisher.validate import Problem

N = namespaces
DCATAPIT, EU_FILE_TYPE, EU_FREQUENCY, EU_LANGUAGE, LICENCES_IT, LOCN, SPDX = map(
    Terms,
    (N.DCATAPIT, N.EU_FILE_TYPE, N.EU_FREQUENCY, N.EU_LANGUAGE, N.LICENCES_IT, N.LOCN, N.SPDX),
)
ADMS_LICENCE_TYPE, DCATAP, EU_ACCESS_RIGHT, EU_AVAILABILITY, EU_LICENCE = map(
    Terms,
    (N.ADMS_LICENCE_TYPE, N.DCATAP, N.EU_ACCESS_RIGHT, N.EU_AVAILABILITY, N.EU_LICENCE),
)
del N

# An IndicePA code (https://www.indicepa.gov.it): lower-case letters, digits and "_", e.g.
# c_e463 for a Comune. dati.gov.it wants it as the prefix of every dataset identifier.
IPA_CODE = re.compile(r"^[a-z0-9][a-z0-9_]{1,19}$")
IPA_HOW_TO = (
    "publisher.ipa_code is not set: dataset identifiers use publisher.identifier ({prefix}:…), "
    "which dati.gov.it does not accept. Set it to the publisher's code in IndicePA "
    "(https://www.indicepa.gov.it) once confirmed there: `publisher: {{ipa_code: c_e463}}` "
    "in lodpub.yaml, or `lodpub build --ipa-code c_e463` (docs/harvesting.md)."
)

IANA = "http://www.iana.org/assignments/media-types/"  # the form DCAT-AP examples use
EU_THEME_SCHEME = URIRef("http://publications.europa.eu/resource/authority/data-theme")
CC_BY_40 = LICENCES_IT["A21_CCBY40"]
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
LDES_SPEC = "https://w3id.org/ldes/specification"


@dataclass(frozen=True)
class Licence:
    """A licence as harvesters know it: the EU licence table's IRI (data.europa.eu's MQA
    knows only those), its ADMS licence type (DCAT-AP) and OntoPiA's concept (what
    ckanext-dcatapit matches on, through dct:type)."""

    eu: ox.NamedNode
    adms_type: ox.NamedNode
    ontopia: ox.NamedNode
    adms_label: str
    names: dict[str, str]
    version: str


LICENCES = {  # by the IRI configured as `license`
    "https://creativecommons.org/licenses/by/4.0/": Licence(
        EU_LICENCE["CC_BY_4_0"],
        ADMS_LICENCE_TYPE["Attribution"],
        CC_BY_40,
        "Attribution",
        {
            "it": "Creative Commons Attribuzione 4.0 Internazionale",
            "en": "Creative Commons Attribution 4.0 International",
        },
        "4.0",
    )
}
# The English labels of the EU authority tables' entries the catalogue uses: typing them with
# the class DCAT-AP's ranges name makes them described nodes, which need a label.
EU_LABELS = {
    "RDF_TURTLE": "RDF Turtle", "RDF_XML": "RDF/XML", "JSON_LD": "JSON-LD",
    "RDF_N_TRIPLES": "RDF N-Triples", "RDF_N_QUADS": "RDF N-Quads", "RDF_TRIG": "RDF TriG",
    "ITA": "Italian", "ENG": "English", "IRREG": "irregular",
}  # fmt: skip
RIGHTS_TEXT = {
    "it": "Riutilizzo libero con attribuzione, secondo la licenza {licence}.",
    "en": "Free reuse with attribution, under the {licence} licence.",
}
KEYWORDS = {"it": ("smart city", "masterplan", "pianificazione strategica"),
            "en": ("smart city", "masterplan", "strategic planning")}  # fmt: skip
DUMP_TEXT = {  # (one city, every city)
    "it": ("Dump completo dei dati della città", "Tutte le città, ciascuna nel proprio grafo"),
    "en": ("Complete dump of the city's data", "Every city, each in its own named graph"),
}
ALL_TEXT = {
    DCTERMS.title: {
        "it": "Dati collegati di tutti i masterplan pubblicati",
        "en": "Linked data of every published masterplan",
    },
    DCTERMS.description: {
        "it": "L'unione dei dataset delle città, ciascuna nel proprio grafo, con il grafo dei "
        "vocabolari (ontologia e vocabolari controllati) che dà le etichette di ogni concetto.",
        "en": "The union of the cities' datasets, each city in its own named graph, with the "
        "vocabulary graph (ontology and controlled vocabularies) that labels every concept.",
    },
}
CATALOG_TEXT = {
    DCTERMS.title: {
        "it": "Catalogo dei masterplan smart city in Linked Open Data",
        "en": "Catalogue of smart-city masterplans as Linked Open Data",
    },
    DCTERMS.description: {
        "it": "Masterplan comunali per la smart city (a partire da LA SPEZIA 20.20) come "
        "dati aperti collegati: piano, tavoli di lavoro, organizzazioni, ruoli, azioni, fonti.",
        "en": "Municipal smart-city masterplans (starting with LA SPEZIA 20.20) as Linked "
        "Open Data: plan, work tables, organisations, roles, actions and sources.",
    },
}


@dataclass(frozen=True)
class DumpFile:
    """A file the build wrote, as the catalogue describes it."""

    city: str
    filename: str
    fmt: Format
    byte_size: int
    sha256: str


@dataclass(frozen=True)
class BuildInfo:
    build_id: str
    started: dt.datetime
    ended: dt.datetime
    inputs: list[str]


def _lit(value: str, lang: str | None = None) -> ox.Literal:
    return _text(value, lang)


def _mailto(email: str) -> str:
    return email if email.startswith("mailto:") else f"mailto:{email}"


class _Triples:
    """The catalogue's triples, in order, each once; ``add`` takes rdflib IRIs too."""

    def __init__(self) -> None:
        self.triples: dict[ox.Triple, None] = {}

    def add(self, triple: tuple[Subject | URIRef, ox.NamedNode, Term | URIRef]) -> None:
        s, p, o = triple
        if type(s) is URIRef:
            s = ox.NamedNode(s)
        if type(o) is URIRef:
            o = ox.NamedNode(o)
        self.triples[ox.Triple(s, p, o)] = None


def ipa_code(config: Config) -> str | None:
    """The configured IPA code, checked; None when unset (the build then warns)."""
    code = config["publisher"].get("ipa_code")
    if code is None or code == "":
        return None
    if not isinstance(code, str) or not IPA_CODE.match(code):
        raise ConfigError(
            f"publisher.ipa_code: {code!r} is not an IndicePA code (lower-case letters, "
            "digits and '_', 2 to 20 characters, e.g. c_e463)"
        )
    return code


def ipa_warning(config: Config) -> Problem | None:
    """The warning every build gives while the IPA code is unset (None once it is set)."""
    if ipa_code(config) is not None:
        return None
    prefix = config["publisher"]["identifier"]
    return Problem(
        "Warning",
        IPA_HOW_TO.format(prefix=prefix),
        str(Iris(config.base_iri).publisher()),
        "publisher.ipa_code",
        None,
    )


def identifier_prefix(config: Config) -> str:
    """What prefixes dataset identifiers: the IPA code, else ``publisher.identifier``."""
    return ipa_code(config) or str(config["publisher"]["identifier"])


def dataset_identifier(config: Config, key: str) -> str:
    """``<IPA code>:D.<city>``: DCAT-AP_IT's form, unique on dati.gov.it and stable across
    builds (it depends on the configuration and the city's folder name only)."""
    return f"{identifier_prefix(config)}:D.{key}"


def city_dates(city: City) -> list[dt.date]:
    """Every date the city's data states (plan, phases, actions): its temporal coverage."""
    plan = city.masterplan
    dates = [plan.approved, plan.presented]
    dates += [d for phase in plan.phases for d in (phase.started, phase.ended)]
    dates += [d for action in city.actions.values() for d in (action.start, action.end)]
    return sorted(d for d in dates if d is not None)


class _Catalog:
    def __init__(
        self,
        config: Config,
        cities: list[City],
        dumps: list[DumpFile],
        build: BuildInfo,
        modified: dict[str, dt.date] | None = None,
    ) -> None:
        self.config = config
        self.changed = modified or {}
        self.iris = Iris(config.base_iri)
        # Where the dumps really are: under server.public_url when set (a publisher under a
        # shared base prints download URLs a harvester can reach), else under the base.
        public = config["server"].get("public_url")
        self.locations = Iris(str(public).rstrip("/") + "/") if public else self.iris
        self.cities = cities
        self.dumps = dumps
        self.build = build
        self.g = _Triples()
        # The build's start, like manifest.json's built_at and the server's Last-Modified.
        self.modified = date(build.started.date())

    def typed(self, node: Subject | URIRef, *types: ox.NamedNode) -> None:
        for t in types:
            self.g.add((node, RDF.type, t))

    def agent(self) -> URIRef:
        info = self.config["publisher"]
        node = self.iris.publisher()
        self.typed(node, DCATAPIT.Agent, FOAF.Agent)
        self.g.add((node, DCTERMS.identifier, _lit(identifier_prefix(self.config))))
        self.g.add((node, FOAF.name, _lit(info["name"])))
        self.g.add((node, RDFS.label, _lit(info["name"])))
        if info.get("homepage"):
            self.g.add((node, FOAF.homepage, URIRef(info["homepage"])))
            self.typed(URIRef(info["homepage"]), FOAF.Document)
        return node

    def licence(self) -> URIRef:
        """The licence node every distribution points to: the EU table's IRI for a licence
        harvesters know (``LICENCES``), else the configured IRI as it is."""
        configured = str(self.config["license"])
        known = LICENCES.get(configured)
        if known is None:
            node = URIRef(configured)
            self.typed(node, DCATAPIT.LicenseDocument, DCTERMS.LicenseDocument)
            return node
        node = URIRef(known.eu.value)
        self.typed(node, DCATAPIT.LicenseDocument, DCTERMS.LicenseDocument)
        # ADMS licence type for DCAT-AP; OntoPiA's licence for ckanext-dcatapit's matching.
        for kind in (known.adms_type, known.ontopia):
            self.g.add((node, DCTERMS.type, kind))
        self.concept(known.adms_type, known.adms_label)
        self.g.add((node, OWL.sameAs, URIRef(configured)))
        for lang, name in known.names.items():
            self.g.add((node, FOAF.name, _lit(name, lang)))
        self.g.add((node, OWL.versionInfo, _lit(known.version)))
        return node

    def contact(self) -> ox.BlankNode:
        """The contact point of every dataset and of the service: ``catalog.contact_*``,
        else the publisher's own (not the masterplan's, whose authors did not publish this)."""
        info, own = self.config["publisher"], self.config["catalog"]
        node = ox.BlankNode()  # one per dataset: a page of the catalogue carries its own
        self.typed(node, DCATAPIT.Organization, VCARD.Organization)
        self.g.add((node, VCARD.fn, _lit(own.get("contact_name") or info["name"])))
        email = own.get("contact_email") or info.get("email")
        if email:
            self.g.add((node, VCARD.hasEmail, URIRef(_mailto(email))))
        return node

    def coded(self, node: ox.NamedNode, kind: ox.NamedNode) -> None:
        """An entry of an EU table, typed with the class of the property's range."""
        self.typed(node, kind)
        code = node.value.rsplit("/", 1)[-1]
        self.g.add((node, SKOS.prefLabel, _lit(EU_LABELS.get(code, code), "en")))

    def concept(self, node: ox.NamedNode, label: str) -> None:
        """A concept of a table harvesters may not have loaded, with its official label."""
        self.typed(node, SKOS.Concept)
        self.g.add((node, SKOS.prefLabel, _lit(label, "en")))

    def standard(self, node: URIRef, identifier: str, title: str) -> URIRef:
        """A ``dct:conformsTo`` target, described as DCAT-AP and DCAT-AP_IT want."""
        self.typed(node, DCTERMS.Standard, DCATAPIT.Standard)
        self.g.add((node, DCTERMS.identifier, _lit(identifier)))
        self.g.add((node, DCTERMS.title, _lit(title, "en")))
        return node

    def languages(self, node: URIRef, *codes: str) -> None:
        for code in codes:
            self.g.add((node, DCTERMS.language, EU_LANGUAGE[code]))
            self.coded(EU_LANGUAGE[code], DCTERMS.LinguisticSystem)

    def keywords(self, node: URIRef, extra: dict[str, list[str]] | None = None) -> None:
        for lang, words in KEYWORDS.items():
            for word in [*words, *(extra or {}).get(lang, [])]:
                self.g.add((node, DCAT.keyword, _lit(word, lang)))

    def catalog(self, agent: URIRef, service: URIRef) -> URIRef:
        node = self.iris.catalog()
        self.typed(node, DCATAPIT.Catalog, DCAT.Catalog)
        for prop, texts in CATALOG_TEXT.items():
            for lang, text in texts.items():
                self.g.add((node, prop, _lit(text, lang)))
        self.g.add((node, DCTERMS.publisher, agent))
        self.g.add((node, DCTERMS.modified, self.modified))
        self.g.add((node, DCTERMS.issued, self.modified))
        self.languages(node, "ITA")
        self.g.add((node, FOAF.homepage, URIRef(self.config.base_iri)))
        self.typed(URIRef(self.config.base_iri), FOAF.Document)
        self.g.add((node, DCAT.themeTaxonomy, EU_THEME_SCHEME))
        self.typed(EU_THEME_SCHEME, SKOS.ConceptScheme)
        self.g.add((EU_THEME_SCHEME, DCTERMS.title, _lit("Data theme", "en")))
        self.g.add((node, DCTERMS.license, self.licence()))
        self.g.add((node, DCAT.service, service))
        self.g.add((node, DCAT.dataset, self.iris.all_datasets()))
        for city in self.cities:
            themes = self.iris.thing(city.key, "themes")
            self.g.add((node, DCAT.dataset, self.iris.dataset(city.key)))
            self.g.add((node, DCAT.themeTaxonomy, themes))
            self.typed(themes, SKOS.ConceptScheme)
            for lang, label in city.scheme_label.items():
                self.g.add((themes, DCTERMS.title, _lit(label, lang)))
        return node

    def common(self, node: URIRef, agent: URIRef, activity: URIRef) -> None:
        """What every dataset says alike: agents, dates, frequency, access, contact."""
        self.typed(node, DCATAPIT.Dataset, DCAT.Dataset, PROV.Entity)
        changed = self.changed.get(str(node))
        self.g.add((node, DCTERMS.modified, date(changed) if changed else self.modified))
        self.g.add((node, DCTERMS.issued, self.modified))
        for prop in (DCTERMS.rightsHolder, DCTERMS.publisher):
            self.g.add((node, prop, agent))
        self.g.add((node, DCTERMS.accrualPeriodicity, EU_FREQUENCY["IRREG"]))
        self.coded(EU_FREQUENCY["IRREG"], DCTERMS.Frequency)
        self.g.add((node, DCTERMS.accessRights, EU_ACCESS_RIGHT["PUBLIC"]))
        self.typed(EU_ACCESS_RIGHT["PUBLIC"], DCTERMS.RightsStatement)
        self.g.add((node, DCAT.contactPoint, self.contact()))
        self.g.add((node, PROV.wasGeneratedBy, activity))
        conforms = URIRef(str(self.iris.ontology))
        self.g.add((node, DCTERMS.conformsTo, conforms))
        self.standard(conforms, str(self.iris.ontology), "Smart-city masterplan ontology")
        self.languages(node, "ITA", "ENG")

    def temporal(self, node: URIRef, dates: list[dt.date]) -> None:
        if not dates:
            return
        period = ox.BlankNode()
        self.typed(period, DCTERMS.PeriodOfTime)
        for start, end in ((DCAT.startDate, DCAT.endDate),  # DCAT-AP, and DCAT-AP_IT:
                           (DCATAPIT.startDate, DCATAPIT.endDate)):  # fmt: skip
            self.g.add((period, start, date(dates[0])))
            self.g.add((period, end, date(dates[-1])))
        self.g.add((node, DCTERMS.temporal, period))

    def spatial(self, node: URIRef, city: City) -> None:
        place = city_place(city)
        self.g.add((node, DCTERMS.spatial, place))
        self.typed(place, DCTERMS.Location)
        self.g.add((place, LOCN.geographicName, _lit(city.name.get("it", city.key), "it")))

    def dataset(self, city: City, agent: URIRef, activity: URIRef) -> URIRef:
        node = term(self.iris.dataset(city.key))
        plan = city.masterplan
        self.common(node, agent, activity)
        self.g.add((node, DCTERMS.identifier, _lit(dataset_identifier(self.config, city.key))))
        for lang, title in plan.title.items():
            prefix = "Dati collegati" if lang == "it" else "Linked data"
            self.g.add((node, DCTERMS.title, _lit(f"{prefix}: {title}", lang)))
        for lang, text in (plan.description or plan.title).items():
            self.g.add((node, DCTERMS.description, _lit(text, lang)))
        for code in self._eu_themes(city):
            self.theme(node, code)
        self.g.add((node, FOAF.primaryTopic, self.iris.thing(city.key, "masterplan")))
        self.spatial(node, city)
        self.temporal(node, city_dates(city))
        names: dict[str, list[str]] = {}
        for theme in city.themes.values():
            if theme.parent is None:
                for lang, label in theme.label.items():
                    names.setdefault(lang, []).append(label)
        self.keywords(node, names)
        if city.fictional:
            self.g.add((node, SMP.fictional, TRUE))
        for theme in city.themes.values():
            for number in theme.eurovoc:
                self.g.add((node, DCTERMS.subject, URIRef(f"http://eurovoc.europa.eu/{number}")))
        return node

    def theme(self, node: URIRef, code: str) -> None:
        self.g.add((node, DCAT.theme, EU_THEME[code]))

    def all_dataset(self, agent: URIRef, activity: URIRef) -> URIRef:
        """Every city together: the dataset the all.trig / all.nq dumps distribute."""
        node = self.iris.all_datasets()
        self.common(node, agent, activity)
        ident = dataset_identifier(self.config, ALL_CITIES)
        self.g.add((node, DCTERMS.identifier, _lit(ident)))
        for prop, texts in ALL_TEXT.items():
            for lang, text in texts.items():
                self.g.add((node, prop, _lit(text, lang)))
        for code in sorted({c for city in self.cities for c in self._eu_themes(city)} or {"GOVE"}):
            self.theme(node, code)
        for city in self.cities:
            self.g.add((node, DCTERMS.hasPart, self.iris.dataset(city.key)))
            self.spatial(node, city)
        self.temporal(node, sorted(d for city in self.cities for d in city_dates(city)))
        self.keywords(node)
        return node

    def _eu_themes(self, city: City) -> list[str]:
        codes = {"GOVE"} | {code for t in city.themes.values() for code in t.eu_themes}
        return sorted(codes)

    def distribution(self, dataset: URIRef, dump: DumpFile, licence: URIRef) -> None:
        node = term(self.iris.distribution(dump.city, dump.fmt.extension))
        self.g.add((dataset, DCAT.distribution, node))
        self.typed(node, DCATAPIT.Distribution, DCAT.Distribution)
        url = term(self.locations.dump(dump.filename))
        self.g.add((node, DCAT.accessURL, url))
        self.g.add((node, DCAT.downloadURL, url))
        file_type = EU_FILE_TYPE[dump.fmt.eu_file_type]
        self.g.add((node, DCTERMS.format, file_type))
        self.coded(file_type, DCTERMS.MediaTypeOrExtent)
        media = URIRef(IANA + dump.fmt.media_type)
        self.g.add((node, DCAT.mediaType, media))
        self.typed(media, DCTERMS.MediaType)
        self.g.add((node, DCTERMS.license, licence))
        self.g.add((node, DCTERMS.rights, self.rights(licence)))
        self.g.add((node, DCATAP.availability, EU_AVAILABILITY["STABLE"]))
        self.concept(EU_AVAILABILITY["STABLE"], "stable")
        self.g.add((node, DCTERMS.title, _lit(f"{dump.filename} ({dump.fmt.media_type})")))
        for lang, text in DUMP_TEXT.items():
            what = text[dump.city == ALL_CITIES]
            self.g.add((node, DCTERMS.description, _lit(f"{what} ({dump.fmt.media_type})", lang)))
        self.g.add((node, DCAT.byteSize, integer(dump.byte_size, XSD.nonNegativeInteger)))
        checksum = ox.BlankNode()
        self.g.add((node, SPDX.checksum, checksum))
        self.g.add((checksum, RDF.type, SPDX.Checksum))
        self.g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        value = ox.Literal(dump.sha256, datatype=XSD.hexBinary)
        self.g.add((checksum, SPDX.checksumValue, value))
        self.g.add((node, DCTERMS.modified, self.modified))
        self.g.add((node, DCTERMS.issued, self.modified))

    def rights(self, licence: URIRef) -> ox.BlankNode:
        """The rights statement of every distribution: the licence, in words."""
        node = ox.BlankNode()  # one per distribution, as the contact (see ``contact``)
        self.typed(node, DCTERMS.RightsStatement)
        known = LICENCES.get(str(self.config["license"]))
        for lang, text in RIGHTS_TEXT.items():
            name = known.names[lang] if known else str(licence)
            self.g.add((node, RDFS.label, _lit(text.format(licence=name), lang)))
        return node

    def service(self, agent: URIRef, licence: URIRef, datasets: list[URIRef]) -> URIRef:
        node = self.iris.data_service()
        self.typed(node, DCAT.DataService)
        self.g.add((node, DCTERMS.title, _lit("Endpoint SPARQL 1.1", "it")))
        self.g.add((node, DCTERMS.title, _lit("SPARQL 1.1 endpoint", "en")))
        self.g.add((node, DCAT.endpointURL, node))
        self.g.add((node, DCAT.endpointDescription, node))
        self.g.add((node, DCTERMS.conformsTo, SPARQL_PROTOCOL))
        self.standard(SPARQL_PROTOCOL, "SPARQL 1.1 Protocol", "SPARQL 1.1 Protocol")
        self.g.add((node, DCTERMS.publisher, agent))
        self.g.add((node, DCTERMS.license, licence))
        self.g.add((node, DCAT.contactPoint, self.contact()))
        self.keywords(node, {"it": ["SPARQL"], "en": ["SPARQL"]})
        for dataset in datasets:
            self.g.add((node, DCAT.servesDataset, dataset))
        return node

    def feed(self, agent: URIRef, licence: URIRef) -> URIRef:
        """The change feed (publisher/feed.py), described as the service it is."""
        node = self.iris.feed()
        self.typed(node, DCAT.DataService)
        self.g.add((node, DCTERMS.title, _lit("Flusso delle modifiche del catalogo (LDES)", "it")))
        self.g.add((node, DCTERMS.title, _lit("Change feed of the catalogue (LDES)", "en")))
        self.g.add((node, DCAT.endpointURL, node))
        spec = URIRef(LDES_SPEC)
        self.g.add((node, DCTERMS.conformsTo, spec))
        self.standard(spec, LDES_SPEC, "Linked Data Event Streams")
        self.g.add((node, DCTERMS.publisher, agent))
        self.g.add((node, DCTERMS.license, licence))
        self.g.add((node, DCAT.contactPoint, self.contact()))
        self.keywords(node, {"it": ["LDES"], "en": ["LDES"]})
        return node

    def provenance(self) -> URIRef:
        """The build as a PROV activity: software, version, time and inputs."""
        node = self.iris.build_activity(self.build.build_id)
        software = self.iris.software_agent()
        self.g.add((node, RDF.type, PROV.Activity))
        self.g.add((node, RDFS.label, _lit(f"lodpub build {self.build.build_id}")))
        self.g.add((node, PROV.startedAtTime, date_time(self.build.started)))
        self.g.add((node, PROV.endedAtTime, date_time(self.build.ended)))
        self.g.add((node, PROV.wasAssociatedWith, software))
        self.g.add((node, SMP.softwareVersion, _lit(__version__)))
        for name in self.build.inputs:
            self.g.add((node, PROV.used, _lit(name)))
        self.g.add((software, RDF.type, PROV.SoftwareAgent))
        self.g.add((software, RDFS.label, _lit(f"lodpub {__version__}")))
        self.g.add((software, OWL.versionInfo, _lit(__version__)))
        return node

    def write(self) -> list[ox.Triple]:
        agent = self.agent()
        licence = self.licence()
        activity = self.provenance()
        datasets = [self.dataset(city, agent, activity) for city in self.cities]
        datasets.append(self.all_dataset(agent, activity))
        for dump in self.dumps:
            everything = dump.city == ALL_CITIES
            dataset = term(self.iris.all_datasets() if everything else self.iris.dataset(dump.city))
            self.distribution(dataset, dump, licence)
        service = self.service(agent, licence, datasets)
        catalog = self.catalog(agent, service)
        self.g.add((catalog, DCAT.service, self.feed(agent, licence)))
        return list(self.g.triples)


def catalog_triples(
    config: Config,
    cities: list[City],
    dumps: list[DumpFile],
    build: BuildInfo,
    modified: dict[str, dt.date] | None = None,
) -> list[ox.Triple]:
    """The DCAT-AP_IT catalogue and provenance of one build; ``modified`` gives a dataset
    (by IRI) the date its data last changed (default: the build's)."""
    return _Catalog(config, cities, dumps, build, modified).write()


def catalog_graph(
    config: Config, cities: list[City], dumps: list[DumpFile], build: BuildInfo
) -> Graph:
    """The same as an rdflib graph."""
    from publisher.validate import to_rdflib

    return to_rdflib(catalog_triples(config, cities, dumps, build))
