"""The dataset's description of itself: DCAT-AP_IT catalogue and the build's provenance.

Written by the build from what it just produced (file sizes, checksums, counts), so the
catalogue can never describe files that are not there. Like the cities' RDF (publisher/rdf.py)
it is made of pyoxigraph terms: with a thousand cities it is a hundred thousand triples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef

from publisher import __version__, namespaces
from publisher.config import Config
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

N = namespaces
DCATAPIT, EU_FILE_TYPE, EU_FREQUENCY, EU_LANGUAGE, LICENCES_IT, LOCN, SPDX = map(
    Terms,
    (N.DCATAPIT, N.EU_FILE_TYPE, N.EU_FREQUENCY, N.EU_LANGUAGE, N.LICENCES_IT, N.LOCN, N.SPDX),
)
del N

IANA = "http://www.iana.org/assignments/media-types/"  # the form DCAT-AP examples use
EU_THEME_SCHEME = URIRef("http://publications.europa.eu/resource/authority/data-theme")
CC_BY_40 = LICENCES_IT["A21_CCBY40"]
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


class _Catalog:
    def __init__(
        self, config: Config, cities: list[City], dumps: list[DumpFile], build: BuildInfo
    ) -> None:
        self.config = config
        self.iris = Iris(config.base_iri)
        self.cities = cities
        self.dumps = dumps
        self.build = build
        self.g = _Triples()
        # The build's start, like manifest.json's built_at and the server's Last-Modified.
        self.modified = date(build.started.date())

    def agent(self) -> URIRef:
        info = self.config["publisher"]
        node = self.iris.publisher()
        for t in (DCATAPIT.Agent, FOAF.Agent):
            self.g.add((node, RDF.type, t))
        self.g.add((node, DCTERMS.identifier, _lit(info["identifier"])))
        self.g.add((node, FOAF.name, _lit(info["name"])))
        self.g.add((node, RDFS.label, _lit(info["name"])))
        if info.get("homepage"):
            self.g.add((node, FOAF.homepage, URIRef(info["homepage"])))
        return node

    def licence(self) -> URIRef:
        node = URIRef(self.config["license"])
        for t in (DCATAPIT.LicenseDocument, DCTERMS.LicenseDocument):
            self.g.add((node, RDF.type, t))
        self.g.add((node, DCTERMS.type, CC_BY_40))
        self.g.add(
            (node, FOAF.name, _lit("Creative Commons Attribuzione 4.0 Internazionale", "it"))
        )
        self.g.add((node, FOAF.name, _lit("Creative Commons Attribution 4.0 International", "en")))
        self.g.add((node, OWL.versionInfo, _lit("4.0")))
        return node

    def catalog(self, agent: URIRef, service: URIRef) -> URIRef:
        node = self.iris.catalog()
        for t in (DCATAPIT.Catalog, DCAT.Catalog):
            self.g.add((node, RDF.type, t))
        for prop, texts in CATALOG_TEXT.items():
            for lang, text in texts.items():
                self.g.add((node, prop, _lit(text, lang)))
        self.g.add((node, DCTERMS.publisher, agent))
        self.g.add((node, DCTERMS.modified, self.modified))
        self.g.add((node, DCTERMS.issued, self.modified))
        self.g.add((node, DCTERMS.language, EU_LANGUAGE["ITA"]))
        self.g.add((node, FOAF.homepage, URIRef(self.config.base_iri)))
        self.g.add((node, DCAT.themeTaxonomy, EU_THEME_SCHEME))
        self.g.add((node, DCTERMS.license, URIRef(self.config["license"])))
        self.g.add((node, DCAT.service, service))
        self.g.add((node, DCAT.dataset, self.iris.all_datasets()))
        for city in self.cities:
            themes = self.iris.thing(city.key, "themes")
            self.g.add((node, DCAT.dataset, self.iris.dataset(city.key)))
            self.g.add((node, DCAT.themeTaxonomy, themes))
            self.g.add((themes, RDF.type, SKOS.ConceptScheme))
        return node

    def contact(self, city: City) -> ox.BlankNode | None:
        email = city.masterplan.contact_email
        if not email:
            return None
        node = ox.BlankNode()
        for t in (DCATAPIT.Organization, VCARD.Organization):
            self.g.add((node, RDF.type, t))
        self.g.add((node, VCARD.fn, _lit(city.masterplan.title.get("it", city.key))))
        self.g.add((node, VCARD.hasEmail, URIRef(f"mailto:{email}")))
        return node

    def dataset(self, city: City, agent: URIRef, activity: URIRef) -> URIRef:
        node = term(self.iris.dataset(city.key))
        plan = city.masterplan
        for t in (DCATAPIT.Dataset, DCAT.Dataset, PROV.Entity):
            self.g.add((node, RDF.type, t))
        ident = f"{self.config['publisher']['identifier']}:D.{city.key}"
        self.g.add((node, DCTERMS.identifier, _lit(ident)))
        for lang, title in plan.title.items():
            prefix = "Dati collegati" if lang == "it" else "Linked data"
            self.g.add((node, DCTERMS.title, _lit(f"{prefix}: {title}", lang)))
        for lang, text in (plan.description or plan.title).items():
            self.g.add((node, DCTERMS.description, _lit(text, lang)))
        self.g.add((node, DCTERMS.modified, self.modified))
        for code in self._eu_themes(city):
            self.g.add((node, DCAT.theme, EU_THEME[code]))
        self.g.add((node, DCTERMS.rightsHolder, agent))
        self.g.add((node, DCTERMS.publisher, agent))
        self.g.add((node, DCTERMS.accrualPeriodicity, EU_FREQUENCY["IRREG"]))
        self.g.add((node, DCTERMS.language, EU_LANGUAGE["ITA"]))
        self.g.add((node, DCTERMS.language, EU_LANGUAGE["ENG"]))
        self.g.add((node, DCTERMS.conformsTo, URIRef(str(self.iris.ontology))))
        self.g.add((node, PROV.wasGeneratedBy, activity))
        self.g.add((node, FOAF.primaryTopic, self.iris.thing(city.key, "masterplan")))
        self.g.add((node, DCTERMS.spatial, self.location(city)))
        contact = self.contact(city)
        if contact is not None:
            self.g.add((node, DCAT.contactPoint, contact))
        if city.fictional:
            self.g.add((node, SMP.fictional, TRUE))
        for theme in city.themes.values():
            for number in theme.eurovoc:
                self.g.add((node, DCTERMS.subject, URIRef(f"http://eurovoc.europa.eu/{number}")))
        return node

    def all_dataset(self, agent: URIRef, activity: URIRef) -> URIRef:
        """Every city together: the dataset the all.trig / all.nq dumps distribute."""
        node = self.iris.all_datasets()
        for t in (DCATAPIT.Dataset, DCAT.Dataset, PROV.Entity):
            self.g.add((node, RDF.type, t))
        ident = f"{self.config['publisher']['identifier']}:D.{ALL_CITIES}"
        self.g.add((node, DCTERMS.identifier, _lit(ident)))
        for prop, texts in ALL_TEXT.items():
            for lang, text in texts.items():
                self.g.add((node, prop, _lit(text, lang)))
        self.g.add((node, DCTERMS.modified, self.modified))
        for code in sorted({c for city in self.cities for c in self._eu_themes(city)}):
            self.g.add((node, DCAT.theme, EU_THEME[code]))
        for prop in (DCTERMS.rightsHolder, DCTERMS.publisher):
            self.g.add((node, prop, agent))
        self.g.add((node, DCTERMS.accrualPeriodicity, EU_FREQUENCY["IRREG"]))
        self.g.add((node, PROV.wasGeneratedBy, activity))
        for city in self.cities:
            self.g.add((node, DCTERMS.hasPart, self.iris.dataset(city.key)))
        return node

    def _eu_themes(self, city: City) -> list[str]:
        codes = {"GOVE"} | {code for t in city.themes.values() for code in t.eu_themes}
        return sorted(codes)

    def location(self, city: City) -> ox.BlankNode:
        node = ox.BlankNode()
        self.g.add((node, RDF.type, DCTERMS.Location))
        self.g.add((node, LOCN.geographicName, _lit(city.name.get("it", city.key), "it")))
        self.g.add((node, RDFS.seeAlso, city_place(city)))
        return node

    def distribution(self, dataset: URIRef, dump: DumpFile, licence: URIRef) -> None:
        node = term(self.iris.distribution(dump.city, dump.fmt.extension))
        self.g.add((dataset, DCAT.distribution, node))
        for t in (DCATAPIT.Distribution, DCAT.Distribution):
            self.g.add((node, RDF.type, t))
        url = term(self.iris.dump(dump.filename))
        self.g.add((node, DCAT.accessURL, url))
        self.g.add((node, DCAT.downloadURL, url))
        self.g.add((node, DCTERMS.format, EU_FILE_TYPE[dump.fmt.eu_file_type]))
        self.g.add((node, DCAT.mediaType, URIRef(IANA + dump.fmt.media_type)))
        self.g.add((node, DCTERMS.license, licence))
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

    def service(self, agent: URIRef, licence: URIRef, datasets: list[URIRef]) -> URIRef:
        node = self.iris.data_service()
        for t in (DCAT.DataService,):
            self.g.add((node, RDF.type, t))
        self.g.add((node, DCTERMS.title, _lit("Endpoint SPARQL 1.1", "it")))
        self.g.add((node, DCTERMS.title, _lit("SPARQL 1.1 endpoint", "en")))
        self.g.add((node, DCAT.endpointURL, node))
        self.g.add((node, DCAT.endpointDescription, node))
        self.g.add((node, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
        self.g.add((node, DCTERMS.publisher, agent))
        self.g.add((node, DCTERMS.license, licence))
        for dataset in datasets:
            self.g.add((node, DCAT.servesDataset, dataset))
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
        self.catalog(agent, service)
        return list(self.g.triples)


def catalog_triples(
    config: Config, cities: list[City], dumps: list[DumpFile], build: BuildInfo
) -> list[ox.Triple]:
    """The DCAT-AP_IT catalogue and provenance of one build."""
    return _Catalog(config, cities, dumps, build).write()


def catalog_graph(
    config: Config, cities: list[City], dumps: list[DumpFile], build: BuildInfo
) -> Graph:
    """The same as an rdflib graph."""
    from publisher.validate import to_rdflib

    return to_rdflib(catalog_triples(config, cities, dumps, build))
