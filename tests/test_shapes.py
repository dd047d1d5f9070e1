"""The SHACL shapes in shapes/: the valid fixture conforms, and each rule fails where it should.

tests/fixtures/shapes/valid.trig is a small, complete, valid dataset (the fictional city of
Esempiopoli plus a DCAT-AP_IT catalogue). Each failing fixture below is that dataset with one
SPARQL Update applied, and it must produce exactly the listed results: (source shape,
constraint component, severity), nested sh:detail results included. Every node shape must be
exercised by a default failing fixture and every property shape by some fixture (extended
fixtures run with LODPUB_SHAPES_ALL=1), so a new shape needs a fixture.

The two named graphs of the fixture are independent for the shapes (no shape follows a link
from the city graph into the catalogue or back), so a failing fixture validates only the graph
it changes, against both shapes files; `test_valid_dataset_conforms` validates the union.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import RDF, Dataset, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SH

# rdflib 7 warns about its own use of ConjunctiveGraph / default_context when it parses TriG
# into a Dataset and when pySHACL iterates one; nothing this module can change.
pytestmark = [
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
]

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
SHAPES_FILES = ("masterplan.shacl.ttl", "dcat-ap_it.shacl.ttl")
VALID = ROOT / "tests" / "fixtures" / "shapes" / "valid.trig"

BASE = "https://w3id.org/smartcity-masterplan/"
CITY = "city"
CATALOG = "catalog"
GRAPHS = {CITY: URIRef(BASE + "graph/esempiopoli"), CATALOG: URIRef(BASE + "graph/catalog")}
SHAPE_PREFIXES = {
    "smps": Namespace(BASE + "shapes/masterplan#"),
    "dcatsh": Namespace(BASE + "shapes/dcat-ap_it#"),
}
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
# Each failing fixture costs one pySHACL run (about 0.1 s on the city graph). The default set
# covers every node shape and the main rules; LODPUB_SHAPES_ALL=1 adds the extended fixtures
# (one per remaining property shape worth checking). CI (CI=true) always runs them all.
RUN_ALL = os.environ.get("LODPUB_SHAPES_ALL", os.environ.get("CI", "")) not in ("", "0", "false")

# The exact call publisher/validate.py is expected to make (shapes/README.md).
VALIDATE_OPTIONS = {
    "inference": "none",
    "advanced": False,
    "abort_on_first": False,
    "allow_infos": True,
    "allow_warnings": True,
}

# Prefixes the SPARQL updates of the failing fixtures may use (as in valid.trig).
NAMESPACES = {
    "rdf": Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    "rdfs": Namespace("http://www.w3.org/2000/01/rdf-schema#"),
    "xsd": Namespace("http://www.w3.org/2001/XMLSchema#"),
    "owl": Namespace("http://www.w3.org/2002/07/owl#"),
    "dct": Namespace("http://purl.org/dc/terms/"),
    "dcat": Namespace("http://www.w3.org/ns/dcat#"),
    "dcatapit": Namespace("http://dati.gov.it/onto/dcatapit#"),
    "skos": Namespace("http://www.w3.org/2004/02/skos/core#"),
    "foaf": Namespace("http://xmlns.com/foaf/0.1/"),
    "org": Namespace("http://www.w3.org/ns/org#"),
    "prov": Namespace("http://www.w3.org/ns/prov#"),
    "schema": Namespace("http://schema.org/"),
    "time": Namespace("http://www.w3.org/2006/time#"),
    "vcard": Namespace("http://www.w3.org/2006/vcard/ns#"),
    "locn": Namespace("http://www.w3.org/ns/locn#"),
    "spdx": Namespace("http://spdx.org/rdf/terms#"),
    "m8g": Namespace("http://data.europa.eu/m8g/"),
    "l0": Namespace("https://w3id.org/italia/onto/l0/"),
    "COV": Namespace("https://w3id.org/italia/onto/COV/"),
    "CLV": Namespace("https://w3id.org/italia/onto/CLV/"),
    "TI": Namespace("https://w3id.org/italia/onto/TI/"),
    "RO": Namespace("https://w3id.org/italia/onto/RO/"),
    "smp": Namespace(BASE + "ontology#"),
    "vocab": Namespace(BASE + "vocab/"),
    "timeframe": Namespace(BASE + "vocab/timeframe/"),
    "ictrole": Namespace(BASE + "vocab/ict-role/"),
    "role": Namespace(BASE + "vocab/role/"),
    "funding": Namespace(BASE + "vocab/funding-type/"),
    "status": Namespace(BASE + "vocab/action-status/"),
    "figurekind": Namespace(BASE + "vocab/figure-kind/"),
    "precision": Namespace(BASE + "vocab/precision/"),
    "sourcetype": Namespace(BASE + "vocab/source-type/"),
    "osservatorio": Namespace(BASE + "vocab/osservatorio-theme/"),
    "eutheme": Namespace("http://publications.europa.eu/resource/authority/data-theme/"),
    "filetype": Namespace("http://publications.europa.eu/resource/authority/file-type/"),
    "b": Namespace(BASE),
    "ex": Namespace(BASE + "id/esempiopoli/"),
    "src": Namespace(BASE + "id/esempiopoli/source/"),
    "orgn": Namespace(BASE + "id/esempiopoli/organisation/"),
    "ra": Namespace(BASE + "id/esempiopoli/role/"),
    "act": Namespace(BASE + "id/esempiopoli/action/"),
    "ph": Namespace(BASE + "id/esempiopoli/phase/"),
    "thm": Namespace(BASE + "id/esempiopoli/theme/"),
    "tbl": Namespace(BASE + "id/esempiopoli/table/"),
    "ds": Namespace(BASE + "dataset/"),
    "dist": Namespace(BASE + "dataset/esempiopoli/"),
}

# A result is (source shape as a CURIE, constraint component without "ConstraintComponent",
# "Violation" | "Warning").
Result = tuple[str, str, str]


def V(shape: str, component: str) -> Result:
    return (shape, component, "Violation")


def W(shape: str, component: str) -> Result:
    return (shape, component, "Warning")


@dataclass(frozen=True)
class Case:
    """One failing fixture: the valid dataset with one change, and what it must report."""

    name: str
    graph: str
    update: str | tuple[str, ...]  # SPARQL 1.1 Update operations, applied one by one
    expected: tuple[Result, ...]
    extended: bool = False  # runs only when LODPUB_SHAPES_ALL=1 (see RUN_ALL)

    @property
    def operations(self) -> tuple[str, ...]:
        return (self.update,) if isinstance(self.update, str) else self.update


def replace(subject: str, predicate: str, new: str) -> str:
    """Replace every value of subject/predicate with `new`."""
    return (
        f"DELETE {{ {subject} {predicate} ?old }} INSERT {{ {subject} {predicate} {new} }} "
        f"WHERE {{ {subject} {predicate} ?old }}"
    )


def drop(subject: str, predicate: str, value: str = "?any") -> str:
    return f"DELETE WHERE {{ {subject} {predicate} {value} }}"


def add(triples: str) -> str:
    return f"INSERT DATA {{ {triples} }}"


def drop_text(subject: str, text: str, language: str, *predicates: str) -> tuple[str, ...]:
    """Remove one text in one language, as the generator would if the YAML lacked it."""
    return tuple(f'DELETE DATA {{ {subject} {p} "{text}"@{language} }}' for p in predicates)


# Blank nodes of the valid fixture, found by what they hang from.
FIGURE_ACTIONS = "?f . ?f smp:figureKind figurekind:actions"
A01_AMOUNT = "act:a01 smp:plannedInvestment ?m"
A02_AMOUNT = "act:a02 smp:plannedInvestment ?m"
A01_PERIOD = "act:a01 dct:temporal ?p"
ROLE_PERIOD = "ra:coordinator--energia-spa--table--ambiente org:memberDuring ?i"
DATASET_PERIOD = "ds:esempiopoli dct:temporal ?p"
CHECKSUM = "dist:turtle spdx:checksum ?c"
AGENT = "b:catalog dct:publisher ?a"
CONTACT = "ds:esempiopoli dcat:contactPoint ?k"

SOLARE = """
thm:solare a smp:Theme , skos:Concept ; skos:inScheme ex:themes ; skos:broader thm:energia ;
    skos:prefLabel "Solare (fittizio)"@it , "Solar (fictional)"@en ;
    rdfs:label "Solare (fittizio)"@it , "Solar (fictional)"@en ;
    skos:definition "Sotto-sotto-tema fittizio."@it ;
    smp:euDataTheme eutheme:ENER ; smp:osservatorioTheme osservatorio:energy ;
    skos:closeMatch eutheme:ENER , osservatorio:energy ; dct:source src:comune-page .
thm:energia skos:narrower thm:solare .
"""

SECOND_LEAD = """
ra:lead--energia-spa--action--a01 a smp:RoleAssignment , RO:TimeIndexedRole ;
    rdfs:label "Energia Esempio S.p.A.: capofila dell'azione A.01 (fittizio)"@it ;
    org:member orgn:energia-spa ; RO:isRoleInTimeOf orgn:energia-spa ;
    org:role role:lead ; RO:withRole role:lead ; RO:forEntity act:a01 ;
    dct:source src:comune-page .
orgn:energia-spa RO:holdsRoleInTime ra:lead--energia-spa--action--a01 .
"""

CITY_CASES = [
    # --- Masterplan ---------------------------------------------------------------------------
    Case("masterplan-without-italian-title", CITY,
         drop_text("ex:masterplan", "Esempiopoli 20.30 – la città di prova (fittizio)", "it",
                   "dct:title", "rdfs:label"),
         (V("smps:Masterplan-title", "QualifiedMinCount"),)),
    Case("masterplan-title-in-french", CITY,
         add('ex:masterplan dct:title "Esempiopoli 20.30 (fictif)"@fr ; '
             'rdfs:label "Esempiopoli 20.30 (fictif)"@fr .'),
         (V("smps:Masterplan-title", "LanguageIn"),),
         extended=True),
    Case("masterplan-without-english-title", CITY,
         drop_text("ex:masterplan", "Esempiopoli 20.30 – the test city (fictional)", "en",
                   "dct:title", "rdfs:label"),
         (W("smps:Masterplan-title-en", "QualifiedMinCount"),)),
    Case("masterplan-label-differs-from-title", CITY,
         add('ex:masterplan rdfs:label "Esempiopoli"@it .'),
         (V("smps:Masterplan-label", "Equals"),),
         extended=True),
    Case("masterplan-l0-name-in-english", CITY,
         replace("ex:masterplan", "l0:name", '"Esempiopoli 20.30 (fictional)"@en'),
         (V("smps:Masterplan-name", "LanguageIn"),),
         extended=True),
    Case("masterplan-approval-date-as-string", CITY,
         replace("ex:masterplan", "dct:issued", '"2016-03-01"'),
         (V("smps:Masterplan-issued", "Datatype"),),
         extended=True),
    Case("masterplan-without-publisher", CITY, drop("ex:masterplan", "dct:publisher"),
         (V("smps:Masterplan-publisher", "MinCount"),),
         extended=True),
    Case("masterplan-city-not-an-istat-concept", CITY,
         (replace("ex:masterplan", "dct:spatial", "<https://www.wikidata.org/wiki/Q00000>"),
          replace("ex:masterplan", "CLV:hasSpatialCoverage",
                  "<https://www.wikidata.org/wiki/Q00000>")),
         (V("smps:Masterplan-spatial", "Pattern"),)),
    Case("masterplan-without-clv-spatial-coverage", CITY,
         drop("ex:masterplan", "CLV:hasSpatialCoverage"),
         (V("smps:Masterplan-spatialCoverage", "Equals"),),
         extended=True),
    Case("masterplan-governance-body-not-a-committee", CITY,
         replace("ex:masterplan", "smp:hasGovernanceBody", "orgn:energia-spa"),
         (V("smps:Masterplan-hasGovernanceBody", "Class"),),
         extended=True),
    Case("masterplan-forgets-an-action", CITY,
         drop("ex:masterplan", "dct:hasPart", "act:a02"),
         (V("smps:Masterplan-partOf", "Equals"),),
         extended=True),
    Case("masterplan-action-count-as-integer", CITY,
         replace("ex:masterplan", "smp:publishedActionCount", "2"),
         (V("smps:Masterplan-publishedActionCount", "Datatype"),)),
    Case("masterplan-without-source", CITY, drop("ex:masterplan", "dct:source"),
         (V("smps:Masterplan-source", "MinCount"),)),
    Case("masterplan-dangling-source", CITY,
         add("ex:masterplan dct:source src:not-in-sources-yaml ."),
         (V("smps:Masterplan-source", "Class"),)),
    Case("total-investment-link-to-a-count", CITY,
         "DELETE { ?f smp:figureKind ?k } INSERT { ?f smp:figureKind figurekind:actions } "
         "WHERE { ex:masterplan smp:declaredTotalInvestment ?f . ?f smp:figureKind ?k }",
         (V("smps:Masterplan-totalInvestmentKind", "In"),),
         extended=True),
    # --- Declared figures ---------------------------------------------------------------------
    Case("figure-with-two-sources", CITY,
         f"INSERT {{ ?f dct:source src:press-2016 }} WHERE {{ ex:masterplan smp:declaredFigure "
         f"{FIGURE_ACTIONS} }}",
         (V("smps:DeclaredFigure-source", "MaxCount"),)),
    Case("figure-with-value-and-min", CITY,
         f"INSERT {{ ?f schema:minValue 1.0 }} WHERE {{ ex:masterplan smp:declaredFigure "
         f"{FIGURE_ACTIONS} }}",
         (V("smps:DeclaredFigureValueShape", "Xone"),)),
    Case("figure-without-value", CITY,
         f"DELETE {{ ?f schema:value ?v }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} ; schema:value ?v }}",
         (V("smps:DeclaredFigureValueShape", "Xone"),),
         extended=True),
    Case("figure-kind-outside-vocabulary", CITY,
         f"DELETE {{ ?f smp:figureKind figurekind:actions }} "
         f"INSERT {{ ?f smp:figureKind figurekind:budget }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} }}",
         (V("smps:DeclaredFigure-figureKind", "In"),),
         extended=True),
    Case("figure-without-precision", CITY,
         f"DELETE {{ ?f smp:precision ?p }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} ; smp:precision ?p }}",
         (V("smps:DeclaredFigure-precision", "MinCount"),),
         extended=True),
    Case("figure-not-attached-to-the-masterplan", CITY,
         f"DELETE {{ ex:masterplan smp:declaredFigure ?f }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} }}",
         (V("smps:DeclaredFigure-masterplan", "MinCount"),),
         extended=True),
    Case("total-investment-figure-not-money", CITY,
         f"DELETE {{ ?f smp:figureKind figurekind:actions }} "
         f"INSERT {{ ?f smp:figureKind figurekind:total-investment }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} }}",
         (V("smps:TotalInvestmentFigureShape", "Or"),)),
    Case("total-investment-min-as-double", CITY,
         'DELETE { ?f schema:minValue ?v } INSERT { ?f schema:minValue "1.0E6"^^xsd:double } '
         "WHERE { ex:masterplan smp:declaredTotalInvestment ?f . ?f schema:minValue ?v }",
         (V("smps:DeclaredFigure-minValue", "Datatype"),
          V("smps:InvestmentAmount-minValue", "Datatype"))),
    # --- Investment amounts -------------------------------------------------------------------
    Case("money-as-double", CITY,
         'DELETE { ?m schema:value ?v } INSERT { ?m schema:value "1250000.5"^^xsd:double } '
         f"WHERE {{ {A01_AMOUNT} . ?m schema:value ?v }}",
         (V("smps:InvestmentAmount-value", "Datatype"),)),
    Case("money-negative", CITY,
         'DELETE { ?m schema:value ?v } INSERT { ?m schema:value "-1.00"^^xsd:decimal } '
         f"WHERE {{ {A01_AMOUNT} . ?m schema:value ?v }}",
         (V("smps:InvestmentAmount-value", "MinInclusive"),),
         extended=True),
    Case("money-in-dollars", CITY,
         'DELETE { ?m schema:currency ?c } INSERT { ?m schema:currency "USD" } '
         f"WHERE {{ {A01_AMOUNT} . ?m schema:currency ?c }}",
         (V("smps:InvestmentAmount-currency", "In"),)),
    Case("money-min-above-max", CITY,
         "DELETE { ?m schema:minValue ?v } INSERT { ?m schema:minValue 300000.0 } "
         f"WHERE {{ {A02_AMOUNT} . ?m schema:minValue ?v }}",
         (V("smps:InvestmentAmount-minValue", "LessThanOrEquals"),)),
    Case("money-value-and-range", CITY,
         f"INSERT {{ ?m schema:maxValue 2000000.0 }} WHERE {{ {A01_AMOUNT} }}",
         (V("smps:InvestmentAmountValueShape", "Xone"),)),
    Case("money-not-a-monetary-amount", CITY,
         f"DELETE {{ ?m a schema:MonetaryAmount }} WHERE {{ {A01_AMOUNT} }}",
         (V("smps:InvestmentAmount-types", "HasValue"),),
         extended=True),
    Case("money-belonging-to-nothing", CITY,
         add('[] a smp:InvestmentAmount , schema:MonetaryAmount ; schema:value 1.00 ; '
             'schema:currency "EUR" .'),
         (V("smps:InvestmentAmount-owner", "MinCount"),),
         extended=True),
    # --- Theme scheme and themes --------------------------------------------------------------
    Case("scheme-not-a-concept-scheme", CITY, drop("ex:themes", "a", "skos:ConceptScheme"),
         (V("smps:ThemeSchemeShape", "Class"),)),
    Case("scheme-without-italian-label", CITY,
         drop_text("ex:themes", "Tavoli di Esempiopoli (fittizio)", "it",
                   "skos:prefLabel", "rdfs:label"),
         (V("smps:ThemeScheme-prefLabel", "QualifiedMinCount"),),
         extended=True),
    Case("scheme-forgets-a-top-theme", CITY,
         drop("ex:themes", "skos:hasTopConcept", "thm:mobilita"),
         (V("smps:ThemeScheme-topConcepts", "Equals"),)),
    Case("scheme-without-source", CITY, drop("ex:themes", "dct:source"),
         (V("smps:ThemeScheme-source", "MinCount"),),
         extended=True),
    Case("theme-not-a-concept", CITY, drop("thm:mobilita", "a", "skos:Concept"),
         (V("smps:ThemeShape", "Class"), V("smps:Action-subject", "Class"))),
    Case("theme-without-italian-label", CITY,
         drop_text("thm:mobilita", "Mobilità (fittizio)", "it", "skos:prefLabel", "rdfs:label"),
         (V("smps:Theme-prefLabel", "QualifiedMinCount"),),
         extended=True),
    Case("theme-without-rdfs-label", CITY, drop("thm:mobilita", "rdfs:label"),
         (V("smps:Theme-label", "MinCount"), V("smps:Theme-label", "Equals"),
          V("smps:Theme-label", "Equals")),
         extended=True),
    Case("theme-notation-as-integer", CITY, replace("thm:mobilita", "skos:notation", "2"),
         (V("smps:Theme-notation", "Datatype"),),
         extended=True),
    Case("theme-eu-theme-not-in-the-eu-table", CITY,
         add("thm:mobilita smp:euDataTheme eutheme:SPACE ; skos:closeMatch eutheme:SPACE ."),
         (V("smps:Theme-euDataTheme", "In"),)),
    Case("theme-without-eu-theme", CITY,
         "DELETE DATA { thm:mobilita smp:euDataTheme eutheme:TRAN ; "
         "skos:closeMatch eutheme:TRAN }",
         (W("smps:Theme-euDataTheme-recommended", "MinCount"),)),
    Case("theme-osservatorio-theme-unknown", CITY,
         add("thm:mobilita smp:osservatorioTheme osservatorio:tourism ; "
             "skos:closeMatch osservatorio:tourism ."),
         (V("smps:Theme-osservatorioTheme", "In"),)),
    Case("theme-close-match-missing", CITY,
         drop("thm:mobilita", "skos:closeMatch", "eutheme:TRAN"),
         (V("smps:Theme-closeMatch", "Equals"),)),
    Case("theme-eurovoc-not-a-number", CITY,
         add("thm:ambiente dct:subject <http://eurovoc.europa.eu/energy> ."),
         (V("smps:Theme-eurovoc", "Pattern"),)),
    Case("theme-without-source", CITY, drop("thm:mobilita", "dct:source"),
         (V("smps:Theme-source", "MinCount"),),
         extended=True),
    Case("theme-without-definition", CITY, drop("thm:mobilita", "skos:definition"),
         (W("smps:Theme-definition-recommended", "MinCount"),),
         extended=True),
    Case("top-theme-not-top-concept", CITY, drop("thm:mobilita", "skos:topConceptOf"),
         (V("smps:TopTheme-topConceptOf", "MinCount"),
          V("smps:TopTheme-topConceptOf", "Equals"),
          V("smps:TopTheme-hasTopConcept", "Equals"),
          V("smps:ThemeScheme-members", "Or"),
          V("smps:ThemeScheme-topConcepts", "Equals"),
          V("smps:Action-theme", "QualifiedMinCount"))),
    Case("top-theme-also-a-sub-theme", CITY,
         add("thm:mobilita skos:broader thm:ambiente ."),
         (V("smps:TopTheme-broader", "MaxCount"),
          V("smps:TopTheme-narrower", "Equals"),
          V("smps:SubTheme-topConceptOf", "MaxCount"),
          V("smps:SubTheme-narrower", "Equals")),
         extended=True),
    Case("sub-theme-two-levels-deep", CITY, add(SOLARE),
         (V("smps:SubTheme-parentIsTop", "MinCount"),)),
    Case("sub-theme-in-another-scheme", CITY,
         replace("thm:energia", "skos:inScheme",
                 "<https://w3id.org/smartcity-masterplan/id/altra/themes>"),
         (V("smps:SubTheme-sameScheme", "Equals"), V("smps:SubTheme-sameScheme", "Equals"))),
    # --- Work tables and organisations --------------------------------------------------------
    Case("work-table-without-theme", CITY, drop("tbl:energia", "org:purpose"),
         (V("smps:WorkTable-purpose", "MinCount"),)),
    Case("work-table-not-an-org-organization", CITY,
         drop("tbl:energia", "a", "org:Organization"),
         (V("smps:WorkTable-types", "HasValue"),),
         extended=True),
    Case("work-table-under-a-company", CITY,
         replace("tbl:energia", "org:subOrganizationOf", "orgn:energia-spa"),
         (V("smps:WorkTable-subOrganizationOf", "Class"),),
         extended=True),
    Case("work-table-without-italian-label", CITY, drop("tbl:energia", "rdfs:label"),
         (V("smps:AnyOrganization-label", "QualifiedMinCount"),),
         extended=True),
    Case("work-table-without-source", CITY, drop("tbl:energia", "dct:source"),
         (V("smps:AnyOrganization-source", "MinCount"),),
         extended=True),
    Case("org-organization-of-unknown-kind", CITY,
         add('orgn:misterioso a org:Organization ; rdfs:label "Misterioso"@it ; '
             "dct:source src:comune-page ."),
         (V("smps:AnyOrganizationShape", "Or"),)),
    Case("organisation-iri-outside-the-layout", CITY,
         add(f"<{BASE}id/esempiopoli/org/altra> a COV:Organization , org:Organization , "
             'schema:Organization , foaf:Agent ; foaf:name "Altra (fittizia)"@it ; '
             'rdfs:label "Altra (fittizia)"@it ; dct:source src:comune-page .'),
         (V("smps:OrganisationShape", "Pattern"),)),
    Case("organisation-name-without-language", CITY,
         replace("orgn:energia-spa", "foaf:name", '"Energia Esempio S.p.A. (fittizia)"'),
         (V("smps:Organisation-name", "LanguageIn"), V("smps:Organisation-name", "Equals"),
          V("smps:Organisation-name", "Equals")),
         extended=True),
    Case("organisation-not-a-schema-organization", CITY,
         drop("orgn:energia-spa", "a", "schema:Organization"),
         (V("smps:Organisation-types", "HasValue"),),
         extended=True),
    Case("organisation-home-page-as-text", CITY,
         replace("orgn:comune-esempiopoli", "foaf:homepage",
                 '"https://www.comune.esempiopoli.example/"'),
         (V("smps:Organisation-homepage", "NodeKind"),),
         extended=True),
    Case("organisation-ipa-code-with-language", CITY,
         replace("orgn:comune-esempiopoli", "COV:IPAcode", '"c_z999"@it'),
         (V("smps:Organisation-ipaCode", "Datatype"),),
         extended=True),
    Case("public-body-not-m8g", CITY,
         drop("orgn:comune-esempiopoli", "a", "m8g:PublicOrganisation"),
         (V("smps:PublicOrganisation-types", "HasValue"),)),
    Case("steering-committee-typed-cov", CITY,
         add("orgn:comitato-indirizzo a COV:Organization ."),
         (V("smps:SteeringCommittee-types", "Not"),)),
    Case("steering-committee-not-an-organisation", CITY,
         drop("orgn:comitato-indirizzo", "a", "smp:SteeringCommittee"),
         (V("smps:AnyOrganizationShape", "Or"), V("smps:Masterplan-hasGovernanceBody", "Class")),
         extended=True),
    Case("membership-without-organisation", CITY,
         add("ra:lead--comune-esempiopoli--action--a01 a org:Membership ."),
         (V("smps:Membership-organization", "MinCount"),
          V("smps:RoleAssignment-hasMembership", "Equals"))),
    # --- Role assignments ---------------------------------------------------------------------
    Case("role-outside-vocabulary", CITY,
         (replace("ra:coordinator--energia-spa--table--ambiente", "org:role", "role:boss"),
          replace("ra:coordinator--energia-spa--table--ambiente", "RO:withRole", "role:boss")),
         (V("smps:RoleAssignment-role", "In"),)),
    Case("role-ro-and-org-disagree", CITY,
         replace("ra:coordinator--energia-spa--table--ambiente", "RO:withRole", "role:member"),
         (V("smps:RoleAssignment-withRole", "Equals"),
          V("smps:RoleAssignment-withRole", "Equals")),
         extended=True),
    Case("role-without-holder", CITY,
         drop("ra:coordinator--energia-spa--table--ambiente", "org:member"),
         (V("smps:RoleAssignment-member", "MinCount"),
          V("smps:RoleAssignment-isRoleInTimeOf", "Equals"),
          V("smps:RoleAssignment-holdsRoleInTime", "Equals"),
          V("smps:RoleAssignment-hasMembership", "Equals")),
         extended=True),
    Case("role-held-by-a-work-table", CITY,
         "DELETE { ?r org:member ?o ; RO:isRoleInTimeOf ?o . ?o RO:holdsRoleInTime ?r ; "
         "org:hasMembership ?r } "
         "INSERT { ?r org:member tbl:ambiente ; RO:isRoleInTimeOf tbl:ambiente . "
         "tbl:ambiente RO:holdsRoleInTime ?r ; org:hasMembership ?r } "
         "WHERE { BIND(ra:coordinator--energia-spa--table--ambiente AS ?r) ?r org:member ?o }",
         (V("smps:RoleAssignment-member", "Class"),)),
    Case("role-for-a-source-document", CITY,
         replace("ra:lead--comune-esempiopoli--action--a01", "RO:forEntity", "src:comune-page"),
         (V("smps:RoleAssignment-forEntity", "Or"),)),
    Case("role-for-a-table-without-org-organization", CITY,
         drop("ra:coordinator--energia-spa--table--ambiente", "org:organization"),
         (V("smps:Membership-organization", "MinCount"),
          V("smps:RoleAssignmentOrganizationShape", "Or")),
         extended=True),
    Case("role-for-an-action-with-org-organization", CITY,
         add("ra:lead--comune-esempiopoli--action--a01 org:organization act:a01 ."),
         (V("smps:RoleAssignmentOrganizationShape", "Or"),
          V("smps:RoleAssignment-organization", "Class"))),
    Case("role-without-ti-temporal-entity", CITY,
         drop("ra:coordinator--energia-spa--table--ambiente", "TI:hasTemporalEntity"),
         (V("smps:RoleAssignment-temporalEntity", "Equals"),),
         extended=True),
    Case("role-without-label", CITY,
         drop("ra:coordinator--energia-spa--table--ambiente", "rdfs:label"),
         (V("smps:RoleAssignment-label", "QualifiedMinCount"),),
         extended=True),
    Case("role-without-source", CITY,
         drop("ra:lead--comune-esempiopoli--action--a01", "dct:source"),
         (V("smps:RoleAssignment-source", "MinCount"),),
         extended=True),
    Case("role-period-without-bounds", CITY,
         f"DELETE {{ ?i time:hasBeginning ?b ; time:hasEnd ?e }} "
         f"WHERE {{ {ROLE_PERIOD} . ?i time:hasBeginning ?b ; time:hasEnd ?e }}",
         (V("smps:Interval-bounds", "MinCount"),)),
    Case("role-period-not-ti", CITY,
         f"DELETE {{ ?i a TI:TimeInterval }} WHERE {{ {ROLE_PERIOD} }}",
         (V("smps:Interval-types", "HasValue"),),
         extended=True),
    Case("role-period-end-not-an-instant", CITY,
         f"DELETE {{ ?e a time:Instant }} WHERE {{ {ROLE_PERIOD} . ?i time:hasEnd ?e }}",
         (V("smps:Interval-hasEnd", "Class"),),
         extended=True),
    Case("role-period-bound-date-and-year", CITY,
         'INSERT { ?b time:inXSDDate "2015-01-01"^^xsd:date } '
         f"WHERE {{ {ROLE_PERIOD} . ?i time:hasBeginning ?b }}",
         (V("smps:InstantShape", "Xone"),)),
    Case("role-period-year-as-integer", CITY,
         "DELETE { ?b time:inXSDgYear ?y } INSERT { ?b time:inXSDgYear 2015 } "
         f"WHERE {{ {ROLE_PERIOD} . ?i time:hasBeginning ?b . ?b time:inXSDgYear ?y }}",
         (V("smps:Instant-year", "Datatype"),),
         extended=True),
    Case("action-with-two-leads", CITY, add(SECOND_LEAD),
         (V("smps:Action-lead", "QualifiedMaxCount"),)),
    # --- Methodology phases -------------------------------------------------------------------
    Case("phase-position-bare-integer", CITY,
         replace("ph:1", "l0:positionInSequence", "1"),
         (V("smps:MethodologyPhase-position", "Datatype"),)),
    Case("phase-position-zero", CITY,
         replace("ph:1", "l0:positionInSequence", '"0"^^xsd:int'),
         (V("smps:MethodologyPhase-position", "MinInclusive"),),
         extended=True),
    Case("phase-out-of-order", CITY,
         replace("ph:1", "l0:positionInSequence", '"3"^^xsd:int'),
         (V("smps:MethodologyPhase-previous", "LessThan"),)),
    Case("phase-not-linked-from-masterplan", CITY,
         drop("ex:masterplan", "prov:wasGeneratedBy", "ph:2"),
         (V("smps:MethodologyPhase-masterplan", "MinCount"),),
         extended=True),
    Case("phase-ends-before-it-starts", CITY,
         replace("ph:1", "prov:endedAtTime", '"2015-03-01"^^xsd:date'),
         (V("smps:MethodologyPhase-started", "LessThanOrEquals"),),
         extended=True),
    Case("phase-without-italian-label", CITY,
         'DELETE DATA { ph:2 rdfs:label "Progettazione (fittizio)"@it }',
         (V("smps:MethodologyPhase-label", "QualifiedMinCount"),),
         extended=True),
    Case("phase-without-description", CITY, drop("ph:2", "dct:description"),
         (W("smps:MethodologyPhase-description-recommended", "MinCount"),)),
    Case("phase-iri-not-a-number", CITY,
         add("ph:terza a smp:MethodologyPhase , l0:Activity , prov:Activity ; "
             'l0:positionInSequence "3"^^xsd:int ; rdfs:label "Terza (fittizio)"@it , '
             '"Third (fictional)"@en ; dct:description "Fase fittizia."@it ; '
             "dct:source src:comune-page . ex:masterplan prov:wasGeneratedBy ph:terza ."),
         (V("smps:MethodologyPhaseShape", "Pattern"),)),
    # --- Actions ------------------------------------------------------------------------------
    Case("action-timeframe-outside-vocabulary", CITY,
         replace("act:a01", "smp:timeframe", "timeframe:eternal"),
         (V("smps:Action-timeframe", "In"),)),
    Case("action-without-timeframe", CITY, drop("act:a01", "smp:timeframe"),
         (V("smps:Action-timeframe", "MinCount"),)),
    Case("action-ict-role-unknown", CITY, replace("act:a01", "smp:ictRole", "ictrole:central"),
         (V("smps:Action-ictRole", "In"),),
         extended=True),
    Case("action-without-status", CITY, drop("act:a02", "smp:status"),
         (V("smps:Action-status", "MinCount"),),
         extended=True),
    Case("action-funding-unknown", CITY,
         replace("act:a02", "smp:fundingType", "funding:crowdfunding"),
         (V("smps:Action-fundingType", "In"),),
         extended=True),
    Case("action-without-italian-title", CITY,
         drop_text("act:a01", "Lampioni intelligenti (fittizio)", "it", "dct:title",
                   "rdfs:label"),
         (V("smps:Action-title", "QualifiedMinCount"),)),
    Case("action-without-english-title", CITY,
         drop_text("act:a01", "Smart street lights (fictional)", "en", "dct:title",
                   "rdfs:label"),
         (W("smps:Action-title-en", "QualifiedMinCount"),)),
    Case("action-without-l0-name", CITY, drop("act:a02", "l0:name"),
         (V("smps:Action-name", "MinCount"),),
         extended=True),
    Case("action-identifier-as-integer", CITY, replace("act:a02", "dct:identifier", "2"),
         (V("smps:Action-identifier", "Datatype"),),
         extended=True),
    Case("action-without-theme", CITY, drop("act:a01", "dct:subject", "thm:ambiente"),
         (V("smps:Action-theme", "QualifiedMinCount"),)),
    Case("action-subject-not-a-city-theme", CITY,
         add("act:a02 dct:subject <http://eurovoc.europa.eu/100242> ."),
         (V("smps:Action-subject", "Pattern"), V("smps:Action-subject", "Class"))),
    Case("action-not-part-of-the-masterplan", CITY, drop("act:a02", "dct:isPartOf"),
         (V("smps:Action-isPartOf", "MinCount"), V("smps:Masterplan-partOf", "Equals")),
         extended=True),
    Case("action-without-investment", CITY,
         "DELETE { act:a02 smp:plannedInvestment ?m . ?m ?p ?o } "
         f"WHERE {{ {A02_AMOUNT} . ?m ?p ?o }}",
         (W("smps:Action-plannedInvestment-recommended", "MinCount"),)),
    Case("action-ends-before-it-starts", CITY,
         'DELETE { ?p dcat:endDate ?e } INSERT { ?p dcat:endDate "2015-12-31"^^xsd:date } '
         f"WHERE {{ {A01_PERIOD} . ?p dcat:endDate ?e }}",
         (V("smps:Action-temporal", "Node"),
          V("smps:ActionPeriod-startDate", "LessThanOrEquals"))),
    Case("action-period-without-dates", CITY,
         f"DELETE {{ ?p dcat:startDate ?s ; dcat:endDate ?e }} "
         f"WHERE {{ {A01_PERIOD} . ?p dcat:startDate ?s ; dcat:endDate ?e }}",
         (V("smps:Action-temporal", "Node"), V("smps:ActionPeriod-dates", "MinCount")),
         extended=True),
    Case("action-end-as-year", CITY,
         'DELETE { ?p dcat:endDate ?e } INSERT { ?p dcat:endDate "2017"^^xsd:gYear } '
         f"WHERE {{ {A01_PERIOD} . ?p dcat:endDate ?e }}",
         (V("smps:Action-temporal", "Node"), V("smps:ActionPeriod-endDate", "Datatype")),
         extended=True),
    Case("action-without-source", CITY, drop("act:a02", "dct:source"),
         (V("smps:Action-source", "MinCount"),)),
    # --- Sources ------------------------------------------------------------------------------
    Case("source-url-as-text", CITY,
         (replace("src:press-2016", "foaf:page", '"http://news.esempiopoli.example/"'),
          replace("src:press-2016", "schema:url", '"http://news.esempiopoli.example/"')),
         (V("smps:SourceDocument-page", "NodeKind"),)),
    Case("source-schema-url-differs", CITY,
         replace("src:press-2016", "schema:url", "<http://news.esempiopoli.example/>"),
         (V("smps:SourceDocument-url", "Equals"), V("smps:SourceDocument-url", "Equals")),
         extended=True),
    Case("source-type-outside-vocabulary", CITY,
         replace("src:press-2016", "smp:sourceType", "sourcetype:rumour"),
         (V("smps:SourceDocument-sourceType", "In"),)),
    Case("source-without-italian-title", CITY,
         drop_text("src:press-2016", "Comunicato stampa sul masterplan (fittizio)", "it",
                   "dct:title", "rdfs:label"),
         (V("smps:SourceDocument-label", "QualifiedMinCount"),),
         extended=True),
    Case("source-date-with-time", CITY,
         replace("src:press-2016", "dct:issued", '"2016-03-02T09:00:00"^^xsd:dateTime'),
         (V("smps:SourceDocument-issued", "Datatype"),),
         extended=True),
    Case("source-without-date", CITY, drop("src:press-2016", "dct:issued"),
         (W("smps:SourceDocument-issued-recommended", "Or"),)),
    Case("source-language-as-iri", CITY,
         replace("src:press-2016", "dct:language",
                 "<http://publications.europa.eu/resource/authority/language/ITA>"),
         (V("smps:SourceDocument-language", "In"),),
         extended=True),
    Case("source-publisher-without-name", CITY,
         "DELETE { ?a foaf:name ?n } WHERE { src:press-2016 dct:publisher ?a . ?a foaf:name ?n }",
         (V("smps:SourceDocument-publisher", "Node"), V("smps:NamedAgent-name", "MinCount"))),
    Case("source-not-a-foaf-document", CITY, drop("src:press-2016", "a", "foaf:Document"),
         (V("smps:SourceDocument-types", "HasValue"),),
         extended=True),
    Case("source-iri-outside-the-layout", CITY,
         add(f"<{BASE}id/esempiopoli/fonti/altra> a smp:SourceDocument , foaf:Document , "
             'prov:Entity ; dct:title "Altra fonte (fittizio)"@it ; '
             'rdfs:label "Altra fonte (fittizio)"@it ; '
             "foaf:page <https://esempiopoli.example/> ; "
             "schema:url <https://esempiopoli.example/> ; "
             'dct:issued "2016-01-01"^^xsd:date ; dct:publisher orgn:comune-esempiopoli ; '
             "smp:sourceType sourcetype:web-page ."),
         (V("smps:SourceDocumentShape", "Pattern"),)),
    # --- Any resource -------------------------------------------------------------------------
    Case("fictional-as-string", CITY, replace("act:a02", "smp:fictional", '"true"'),
         (V("smps:Fictional-value", "Datatype"),)),
]

CATALOG_CASES = [
    # --- Catalog ------------------------------------------------------------------------------
    Case("catalog-without-title", CATALOG, drop("b:catalog", "dct:title"),
         (V("dcatsh:Catalog-title", "MinCount"),)),
    Case("catalog-title-as-number", CATALOG, add("b:catalog dct:title 2030 ."),
         (V("dcatsh:Catalog-title", "Or"),),
         extended=True),
    Case("catalog-without-description", CATALOG, drop("b:catalog", "dct:description"),
         (V("dcatsh:Catalog-description", "MinCount"),),
         extended=True),
    Case("catalog-without-publisher", CATALOG, drop("b:catalog", "dct:publisher"),
         (V("dcatsh:Catalog-publisher", "MinCount"),)),
    Case("catalog-publisher-not-an-agent", CATALOG,
         replace("b:catalog", "dct:publisher", "ds:esempiopoli"),
         (V("dcatsh:Catalog-publisher", "Class"),),
         extended=True),
    Case("catalog-modified-as-string", CATALOG,
         replace("b:catalog", "dct:modified", '"2025-11-25"'),
         (V("dcatsh:Catalog-modified", "Or"),)),
    Case("catalog-without-datasets", CATALOG, drop("b:catalog", "dcat:dataset"),
         (V("dcatsh:Catalog-dataset", "MinCount"),)),
    Case("catalog-not-dcat-catalog", CATALOG, drop("b:catalog", "a", "dcat:Catalog"),
         (V("dcatsh:Catalog-types", "HasValue"),)),
    Case("catalog-without-home-page", CATALOG, drop("b:catalog", "foaf:homepage"),
         (W("dcatsh:Catalog-homepage", "MinCount"),)),
    Case("catalog-language-as-code", CATALOG,
         replace("b:catalog", "dct:language",
                 "<http://publications.europa.eu/resource/authority/language/it>"),
         (W("dcatsh:Catalog-language", "Pattern"),)),
    Case("catalog-without-issued", CATALOG, drop("b:catalog", "dct:issued"),
         (W("dcatsh:Catalog-issued", "MinCount"),),
         extended=True),
    Case("catalog-without-theme-taxonomy", CATALOG, drop("b:catalog", "dcat:themeTaxonomy"),
         (W("dcatsh:Catalog-themeTaxonomy", "MinCount"),),
         extended=True),
    Case("catalog-without-data-service", CATALOG, drop("b:catalog", "dcat:service"),
         (W("dcatsh:Catalog-service", "MinCount"),)),
    # --- Dataset ------------------------------------------------------------------------------
    Case("dataset-without-identifier", CATALOG, drop("ds:esempiopoli", "dct:identifier"),
         (V("dcatsh:Dataset-identifier", "MinCount"),)),
    Case("dataset-identifier-without-ipa-code", CATALOG,
         replace("ds:esempiopoli", "dct:identifier", '"esempiopoli"'),
         (V("dcatsh:Dataset-identifier", "Pattern"),)),
    Case("dataset-without-title", CATALOG, drop("ds:esempiopoli", "dct:title"),
         (V("dcatsh:Dataset-title", "MinCount"),),
         extended=True),
    Case("dataset-without-description", CATALOG, drop("ds:esempiopoli", "dct:description"),
         (V("dcatsh:Dataset-description", "MinCount"),),
         extended=True),
    Case("dataset-without-modified", CATALOG, drop("ds:esempiopoli", "dct:modified"),
         (V("dcatsh:Dataset-modified", "MinCount"),)),
    Case("dataset-modified-as-year", CATALOG,
         replace("ds:esempiopoli", "dct:modified", '"2025"^^xsd:gYear'),
         (V("dcatsh:Dataset-modified", "Or"),),
         extended=True),
    Case("dataset-theme-not-an-eu-theme", CATALOG,
         add("ds:esempiopoli dcat:theme <http://eurovoc.europa.eu/100242> ."),
         (V("dcatsh:Dataset-theme", "In"),)),
    Case("dataset-without-theme", CATALOG, drop("ds:esempiopoli", "dcat:theme"),
         (V("dcatsh:Dataset-theme", "MinCount"),)),
    Case("dataset-without-rights-holder", CATALOG, drop("ds:esempiopoli", "dct:rightsHolder"),
         (V("dcatsh:Dataset-rightsHolder", "MinCount"),)),
    Case("dataset-frequency-as-text", CATALOG,
         replace("ds:esempiopoli", "dct:accrualPeriodicity", '"irregular"'),
         (V("dcatsh:Dataset-accrualPeriodicity", "NodeKind"),
          V("dcatsh:Dataset-accrualPeriodicity", "Pattern"))),
    Case("dataset-without-distribution", CATALOG, drop("ds:esempiopoli", "dcat:distribution"),
         (V("dcatsh:Dataset-distribution", "MinCount"),)),
    Case("dataset-subject-not-eurovoc", CATALOG,
         add("ds:esempiopoli dct:subject eutheme:GOVE ."),
         (V("dcatsh:Dataset-subject", "Pattern"),)),
    Case("dataset-without-subject", CATALOG, drop("ds:esempiopoli", "dct:subject"),
         (W("dcatsh:Dataset-subject-recommended", "MinCount"),)),
    Case("dataset-without-contact-point", CATALOG, drop("ds:esempiopoli", "dcat:contactPoint"),
         (W("dcatsh:Dataset-contactPoint-recommended", "MinCount"),)),
    Case("dataset-contact-point-is-the-agent", CATALOG,
         f"DELETE {{ ds:esempiopoli dcat:contactPoint ?k }} "
         f"INSERT {{ ds:esempiopoli dcat:contactPoint ?a }} WHERE {{ {CONTACT} . {AGENT} }}",
         (V("dcatsh:Dataset-contactPoint", "Class"),)),
    Case("dataset-without-publisher", CATALOG, drop("ds:esempiopoli", "dct:publisher"),
         (W("dcatsh:Dataset-publisher-recommended", "MinCount"),),
         extended=True),
    Case("dataset-publisher-not-an-agent", CATALOG,
         replace("ds:esempiopoli", "dct:publisher", "b:catalog"),
         (V("dcatsh:Dataset-publisher", "Class"),),
         extended=True),
    Case("dataset-period-with-dcat-start-date", CATALOG,
         "DELETE { ?p dcatapit:startDate ?s } INSERT { ?p dcat:startDate ?s } "
         f"WHERE {{ {DATASET_PERIOD} . ?p dcatapit:startDate ?s }}",
         (V("dcatsh:Dataset-temporal", "Node"), V("dcatsh:PeriodOfTime-startDate", "MinCount"))),
    Case("dataset-period-ends-before-it-starts", CATALOG,
         'DELETE { ?p dcatapit:endDate ?e } INSERT { ?p dcatapit:endDate "2014-12-31"^^xsd:date } '
         f"WHERE {{ {DATASET_PERIOD} . ?p dcatapit:endDate ?e }}",
         (V("dcatsh:Dataset-temporal", "Node"),
          V("dcatsh:PeriodOfTime-startDate", "LessThanOrEquals"))),
    Case("dataset-period-end-with-time", CATALOG,
         "DELETE { ?p dcatapit:endDate ?e } "
         'INSERT { ?p dcatapit:endDate "2020-12-31T00:00:00"^^xsd:dateTime } '
         f"WHERE {{ {DATASET_PERIOD} . ?p dcatapit:endDate ?e }}",
         (V("dcatsh:Dataset-temporal", "Node"), V("dcatsh:PeriodOfTime-endDate", "Datatype")),
         extended=True),
    Case("dataset-spatial-not-a-location", CATALOG,
         "DELETE { ?l a dct:Location } WHERE { ds:esempiopoli dct:spatial ?l }",
         (V("dcatsh:Dataset-spatial", "Class"),)),
    Case("dataset-language-as-text", CATALOG, replace("ds:esempiopoli", "dct:language", '"it"'),
         (V("dcatsh:Dataset-language", "NodeKind"), V("dcatsh:Dataset-language", "Pattern")),
         extended=True),
    Case("dataset-issued-twice", CATALOG,
         add('ds:esempiopoli dct:issued "2025-10-01"^^xsd:date .'),
         (V("dcatsh:Dataset-issued", "MaxCount"),),
         extended=True),
    Case("dataset-not-dcat-dataset", CATALOG, drop("ds:esempiopoli", "a", "dcat:Dataset"),
         (V("dcatsh:Dataset-types", "HasValue"), W("dcatsh:DataService-servesDataset", "Class"))),
    # --- Distribution, licence, checksum ------------------------------------------------------
    Case("distribution-format-not-eu", CATALOG,
         replace("dist:turtle", "dct:format", "<http://www.w3.org/ns/formats/Turtle>"),
         (V("dcatsh:Distribution-format", "In"),)),
    Case("distribution-without-format", CATALOG, drop("dist:turtle", "dct:format"),
         (V("dcatsh:Distribution-format", "MinCount"),),
         extended=True),
    Case("distribution-without-access-url", CATALOG, drop("dist:turtle", "dcat:accessURL"),
         (V("dcatsh:Distribution-accessURL", "MinCount"),)),
    Case("distribution-without-licence", CATALOG, drop("dist:turtle", "dct:license"),
         (V("dcatsh:Distribution-license", "MinCount"),)),
    Case("distribution-licence-not-described", CATALOG,
         replace("dist:turtle", "dct:license", "<https://opendatacommons.org/licenses/odbl/>"),
         (V("dcatsh:Distribution-license", "Class"),)),
    Case("distribution-not-dcat-distribution", CATALOG,
         drop("dist:turtle", "a", "dcat:Distribution"),
         (V("dcatsh:Distribution-types", "HasValue"),),
         extended=True),
    Case("distribution-without-description", CATALOG, drop("dist:turtle", "dct:description"),
         (W("dcatsh:Distribution-description-recommended", "MinCount"),)),
    Case("distribution-download-url-as-text", CATALOG,
         replace("dist:turtle", "dcat:downloadURL", '"https://example.org/dump.ttl"'),
         (V("dcatsh:Distribution-downloadURL", "NodeKind"),),
         extended=True),
    Case("distribution-media-type-as-text", CATALOG,
         replace("dist:turtle", "dcat:mediaType", '"text/turtle"'),
         (V("dcatsh:Distribution-mediaType", "NodeKind"),
          V("dcatsh:Distribution-mediaType", "Pattern"))),
    Case("distribution-byte-size-as-integer", CATALOG,
         replace("dist:turtle", "dcat:byteSize", "12345"),
         (V("dcatsh:Distribution-byteSize", "Datatype"),)),
    Case("distribution-without-byte-size", CATALOG, drop("dist:turtle", "dcat:byteSize"),
         (W("dcatsh:Distribution-byteSize-recommended", "MinCount"),)),
    Case("distribution-without-checksum", CATALOG,
         f"DELETE {{ dist:turtle spdx:checksum ?c . ?c ?p ?o }} WHERE {{ {CHECKSUM} . ?c ?p ?o }}",
         (W("dcatsh:Distribution-checksum-recommended", "MinCount"),)),
    Case("distribution-checksum-untyped", CATALOG,
         f"DELETE {{ ?c a spdx:Checksum }} WHERE {{ {CHECKSUM} }}",
         (V("dcatsh:Distribution-checksum", "Class"),)),
    Case("distribution-access-service-not-a-service", CATALOG,
         replace("dist:turtle", "dcat:accessService", "ds:esempiopoli"),
         (V("dcatsh:Distribution-accessService", "Class"),),
         extended=True),
    Case("checksum-md5", CATALOG,
         "DELETE { ?c spdx:algorithm ?a } INSERT { ?c spdx:algorithm spdx:checksumAlgorithm_md5 } "
         f"WHERE {{ {CHECKSUM} . ?c spdx:algorithm ?a }}",
         (V("dcatsh:Checksum-algorithm", "In"),)),
    Case("checksum-value-as-string", CATALOG,
         "DELETE { ?c spdx:checksumValue ?v } INSERT { ?c spdx:checksumValue ?s } "
         f"WHERE {{ {CHECKSUM} . ?c spdx:checksumValue ?v BIND(STR(?v) AS ?s) }}",
         (V("dcatsh:Checksum-value", "Datatype"),)),
    Case("licence-without-type", CATALOG,
         drop("<https://creativecommons.org/licenses/by/4.0/>", "dct:type"),
         (W("dcatsh:LicenseDocument-type-recommended", "MinCount"),)),
    # OntoPiA's concept (dati.gov.it) or the ADMS licence type (DCAT-AP): nothing else.
    Case("licence-type-not-ontopia-nor-adms", CATALOG,
         replace("<https://creativecommons.org/licenses/by/4.0/>", "dct:type",
                 "<http://example.org/licence-types/Attribution>"),
         (V("dcatsh:LicenseDocument-type", "Pattern"),)),
    Case("licence-not-dct-license-document", CATALOG,
         drop("<https://creativecommons.org/licenses/by/4.0/>", "a", "dct:LicenseDocument"),
         (V("dcatsh:LicenseDocument-types", "HasValue"),)),
    Case("licence-version-as-number", CATALOG,
         replace("<https://creativecommons.org/licenses/by/4.0/>", "owl:versionInfo", "4.0"),
         (V("dcatsh:LicenseDocument-versionInfo", "Datatype"),),
         extended=True),
    # --- Agent, contact point, location, data service -----------------------------------------
    Case("agent-without-identifier", CATALOG,
         f"DELETE {{ ?a dct:identifier ?i }} WHERE {{ {AGENT} . ?a dct:identifier ?i }}",
         (V("dcatsh:Agent-identifier", "MinCount"),)),
    Case("agent-without-name", CATALOG,
         f"DELETE {{ ?a foaf:name ?n }} WHERE {{ {AGENT} . ?a foaf:name ?n }}",
         (V("dcatsh:Agent-name", "MinCount"),)),
    Case("agent-not-foaf-agent", CATALOG,
         f"DELETE {{ ?a a foaf:Agent }} WHERE {{ {AGENT} }}",
         (V("dcatsh:Agent-types", "HasValue"),)),
    Case("contact-without-email", CATALOG,
         f"DELETE {{ ?k vcard:hasEmail ?e }} WHERE {{ {CONTACT} . ?k vcard:hasEmail ?e }}",
         (V("dcatsh:ContactPoint-hasEmail", "MinCount"),)),
    Case("contact-email-without-mailto", CATALOG,
         'DELETE { ?k vcard:hasEmail ?e } INSERT { ?k vcard:hasEmail "dati@esempiopoli.example" } '
         f"WHERE {{ {CONTACT} . ?k vcard:hasEmail ?e }}",
         (V("dcatsh:ContactPoint-hasEmail", "NodeKind"),
          V("dcatsh:ContactPoint-hasEmail", "Pattern"))),
    Case("contact-without-name", CATALOG,
         f"DELETE {{ ?k vcard:fn ?n }} WHERE {{ {CONTACT} . ?k vcard:fn ?n }}",
         (V("dcatsh:ContactPoint-fn", "MinCount"),),
         extended=True),
    Case("contact-not-vcard-organization", CATALOG,
         f"DELETE {{ ?k a vcard:Organization }} WHERE {{ {CONTACT} }}",
         (V("dcatsh:ContactPoint-types", "HasValue"),)),
    Case("location-without-name", CATALOG,
         "DELETE { ?l locn:geographicName ?n } "
         "WHERE { ds:esempiopoli dct:spatial ?l . ?l locn:geographicName ?n }",
         (W("dcatsh:Location-geographicName-recommended", "MinCount"),)),
    Case("location-name-as-number", CATALOG,
         "INSERT { ?l locn:geographicName 42 } WHERE { ds:esempiopoli dct:spatial ?l }",
         (V("dcatsh:Location-geographicName", "Or"),)),
    Case("service-without-endpoint", CATALOG, drop("b:sparql", "dcat:endpointURL"),
         (V("dcatsh:DataService-endpointURL", "MinCount"),)),
    Case("service-without-title", CATALOG, drop("b:sparql", "dct:title"),
         (V("dcatsh:DataService-title", "MinCount"),)),
    Case("service-serves-nothing", CATALOG, drop("b:sparql", "dcat:servesDataset"),
         (W("dcatsh:DataService-servesDataset", "MinCount"),)),
    Case("service-without-description", CATALOG, drop("b:sparql", "dcat:endpointDescription"),
         (W("dcatsh:DataService-endpointDescription", "MinCount"),),
         extended=True),
]

# --- Extended fixtures: one per remaining property shape ----------------------------------
MORE_CITY_CASES = [
    Case("masterplan-not-prov-entity", CITY, drop("ex:masterplan", "a", "prov:Entity"),
         (V("smps:Masterplan-types", "HasValue"),), extended=True),
    Case("masterplan-description-in-french", CITY,
         add('ex:masterplan dct:description "Un plan fictif."@fr .'),
         (V("smps:Masterplan-description", "LanguageIn"),), extended=True),
    Case("masterplan-without-description", CITY, drop("ex:masterplan", "dct:description"),
         (W("smps:Masterplan-description-recommended", "MinCount"),), extended=True),
    Case("masterplan-presented-with-time", CITY,
         replace("ex:masterplan", "smp:presentedOn", '"2016-03-15T18:00:00"^^xsd:dateTime'),
         (V("smps:Masterplan-presentedOn", "Datatype"),), extended=True),
    Case("masterplan-without-theme-scheme", CITY, drop("ex:masterplan", "smp:themeScheme"),
         (V("smps:Masterplan-themeScheme", "MinCount"),), extended=True),
    Case("masterplan-work-table-is-a-theme", CITY,
         add("ex:masterplan smp:hasWorkTable thm:mobilita ."),
         (V("smps:Masterplan-hasWorkTable", "Class"),), extended=True),
    Case("masterplan-generated-by-a-source", CITY,
         add("ex:masterplan prov:wasGeneratedBy src:comune-page ."),
         (V("smps:Masterplan-wasGeneratedBy", "Class"),), extended=True),
    Case("masterplan-part-is-a-source", CITY, add("ex:masterplan dct:hasPart src:comune-page ."),
         (V("smps:Masterplan-hasPart", "Class"), V("smps:Masterplan-partOf", "Equals")),
         extended=True),
    Case("masterplan-figure-is-an-organisation", CITY,
         add("ex:masterplan smp:declaredFigure orgn:energia-spa ."),
         (V("smps:Masterplan-declaredFigure", "Class"),), extended=True),
    Case("masterplan-total-investment-is-a-count", CITY,
         f"INSERT {{ ex:masterplan smp:declaredTotalInvestment ?f }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} }}",
         (V("smps:Masterplan-declaredTotalInvestment", "Class"),
          V("smps:Masterplan-totalInvestmentKind", "In")), extended=True),
    Case("masterplan-home-page-not-http", CITY,
         replace("ex:masterplan", "foaf:page", "<ftp://ftp.esempiopoli.example/masterplan>"),
         (V("smps:Masterplan-page", "Pattern"),), extended=True),
    Case("figure-value-as-integer", CITY,
         f"DELETE {{ ?f schema:value ?v }} INSERT {{ ?f schema:value 2 }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} ; schema:value ?v }}",
         (V("smps:DeclaredFigure-value", "Datatype"),), extended=True),
    Case("figure-max-as-integer", CITY,
         "INSERT { ?f schema:maxValue 2000000 } "
         "WHERE { ex:masterplan smp:declaredTotalInvestment ?f }",
         (V("smps:DeclaredFigure-maxValue", "Datatype"),
          V("smps:InvestmentAmount-maxValue", "Datatype")), extended=True),
    Case("figure-note-in-german", CITY,
         f"INSERT {{ ?f rdfs:comment \"Zwei Massnahmen\"@de }} "
         f"WHERE {{ ex:masterplan smp:declaredFigure {FIGURE_ACTIONS} }}",
         (V("smps:DeclaredFigure-comment", "LanguageIn"),), extended=True),
    Case("money-max-as-double", CITY,
         'DELETE { ?m schema:maxValue ?v } INSERT { ?m schema:maxValue "2.0E5"^^xsd:double } '
         f"WHERE {{ {A02_AMOUNT} . ?m schema:maxValue ?v }}",
         (V("smps:InvestmentAmount-maxValue", "Datatype"),), extended=True),
    Case("money-precision-outside-vocabulary", CITY,
         "DELETE { ?m smp:precision ?p } INSERT { ?m smp:precision precision:roughly } "
         f"WHERE {{ {A01_AMOUNT} . ?m smp:precision ?p }}",
         (V("smps:InvestmentAmount-precision", "In"),), extended=True),
    Case("scheme-without-rdfs-label", CITY, drop("ex:themes", "rdfs:label"),
         (V("smps:ThemeScheme-label", "MinCount"), V("smps:ThemeScheme-label", "Equals"),
          V("smps:ThemeScheme-label", "Equals")), extended=True),
    Case("scheme-without-english-label", CITY,
         drop_text("ex:themes", "Esempiopoli work tables (fictional)", "en",
                   "skos:prefLabel", "rdfs:label"),
         (W("smps:ThemeScheme-prefLabel-en", "QualifiedMinCount"),), extended=True),
    Case("scheme-without-top-themes", CITY, drop("ex:themes", "skos:hasTopConcept"),
         (V("smps:ThemeScheme-hasTopConcept", "MinCount"),
          V("smps:ThemeScheme-topConcepts", "Equals"),
          V("smps:ThemeScheme-topConcepts", "Equals")), extended=True),
    Case("theme-in-two-schemes", CITY,
         add(f"thm:mobilita skos:inScheme <{BASE}id/altra/themes> ."),
         (V("smps:Theme-inScheme", "MaxCount"), V("smps:TopTheme-topConceptOf", "Equals")),
         extended=True),
    Case("theme-without-english-label", CITY,
         drop_text("thm:mobilita", "Mobility (fictional)", "en", "skos:prefLabel", "rdfs:label"),
         (W("smps:Theme-prefLabel-en", "QualifiedMinCount"),), extended=True),
    Case("theme-definition-in-french", CITY,
         add('thm:mobilita skos:definition "Thème fictif."@fr .'),
         (V("smps:Theme-definition", "LanguageIn"),), extended=True),
    Case("theme-scope-note-in-german", CITY,
         add('thm:ambiente skos:scopeNote "Nur für Tests."@de .'),
         (V("smps:Theme-scopeNote", "LanguageIn"),), extended=True),
    Case("theme-without-osservatorio-theme", CITY,
         "DELETE DATA { thm:mobilita smp:osservatorioTheme osservatorio:mobility ; "
         "skos:closeMatch osservatorio:mobility }",
         (W("smps:Theme-osservatorioTheme-recommended", "MinCount"),), extended=True),
    Case("sub-theme-with-two-parents", CITY, add("thm:energia skos:broader thm:mobilita ."),
         (V("smps:SubTheme-broader", "MaxCount"), V("smps:SubTheme-narrower", "Equals"),
          V("smps:TopTheme-narrower", "Equals")), extended=True),
    Case("work-table-note-in-german", CITY,
         add('tbl:ambiente skos:editorialNote "Nur für Tests."@de .'),
         (V("smps:WorkTable-editorialNote", "LanguageIn"),), extended=True),
    Case("organisation-other-name-in-french", CITY,
         add('orgn:comune-esempiopoli skos:altLabel "Ville d\'Esempiopoli"@fr .'),
         (V("smps:Organisation-altLabel", "LanguageIn"),), extended=True),
    Case("organisation-same-as-text", CITY,
         replace("orgn:comune-esempiopoli", "owl:sameAs", '"Q00000"'),
         (V("smps:Organisation-sameAs", "NodeKind"), V("smps:Organisation-sameAs", "Pattern")),
         extended=True),
    Case("organisation-city-not-istat", CITY,
         replace("orgn:comune-esempiopoli", "dct:spatial",
                 "<https://www.wikidata.org/wiki/Q00000>"),
         (V("smps:Organisation-spatial", "Pattern"),), extended=True),
    Case("role-not-ro-time-indexed-role", CITY,
         drop("ra:lead--comune-esempiopoli--action--a01", "a", "RO:TimeIndexedRole"),
         (V("smps:RoleAssignment-types", "HasValue"),), extended=True),
    Case("role-period-is-a-phase", CITY,
         (replace("ra:coordinator--energia-spa--table--ambiente", "org:memberDuring", "ph:1"),
          replace("ra:coordinator--energia-spa--table--ambiente", "TI:hasTemporalEntity",
                  "ph:1")),
         (V("smps:RoleAssignment-memberDuring", "Class"),), extended=True),
    Case("role-note-in-german", CITY,
         add('ra:lead--comune-esempiopoli--action--a01 rdfs:comment "Nur für Tests."@de .'),
         (V("smps:RoleAssignment-comment", "LanguageIn"),), extended=True),
    Case("role-period-two-beginnings", CITY,
         'INSERT { ?i time:hasBeginning [ a time:Instant ; time:inXSDgYear "2014"^^xsd:gYear ] } '
         f"WHERE {{ {ROLE_PERIOD} }}",
         (V("smps:Interval-hasBeginning", "MaxCount"),), extended=True),
    Case("role-period-end-with-time", CITY,
         "DELETE { ?e time:inXSDDate ?d } "
         'INSERT { ?e time:inXSDDate "2016-12-31T00:00:00"^^xsd:dateTime } '
         f"WHERE {{ {ROLE_PERIOD} . ?i time:hasEnd ?e . ?e time:inXSDDate ?d }}",
         (V("smps:Instant-date", "Datatype"),), extended=True),
    Case("phase-not-a-prov-activity", CITY, drop("ph:2", "a", "prov:Activity"),
         (V("smps:MethodologyPhase-types", "HasValue"),), extended=True),
    Case("phase-precedes-two", CITY, add("ph:1 l0:directlyPrecedes src:comune-page ."),
         (V("smps:MethodologyPhase-directlyPrecedes", "MaxCount"),
          V("smps:MethodologyPhase-directlyPrecedes", "Class")), extended=True),
    Case("phase-without-english-label", CITY,
         'DELETE DATA { ph:2 rdfs:label "Design (fictional)"@en }',
         (W("smps:MethodologyPhase-label-en", "QualifiedMinCount"),), extended=True),
    Case("phase-description-in-french", CITY,
         add('ph:2 dct:description "Phase fictive."@fr .'),
         (V("smps:MethodologyPhase-description", "LanguageIn"),), extended=True),
    Case("phase-validated-by-a-source", CITY,
         replace("ph:1", "smp:validatedBy", "src:comune-page"),
         (V("smps:MethodologyPhase-validatedBy", "Class"),), extended=True),
    Case("phase-end-as-year", CITY,
         replace("ph:1", "prov:endedAtTime", '"2015"^^xsd:gYear'),
         (V("smps:MethodologyPhase-ended", "Or"),), extended=True),
    Case("phase-without-source", CITY, drop("ph:2", "dct:source"),
         (V("smps:MethodologyPhase-source", "MinCount"),), extended=True),
    Case("action-not-l0-description", CITY, drop("act:a02", "a", "l0:Description"),
         (V("smps:Action-types", "HasValue"),), extended=True),
    Case("action-without-rdfs-label", CITY, drop("act:a02", "rdfs:label"),
         (V("smps:Action-label", "MinCount"), V("smps:Action-label", "Equals"),
          V("smps:Action-label", "Equals")), extended=True),
    Case("action-description-in-french", CITY,
         add('act:a02 dct:description "Une action fictive."@fr .'),
         (V("smps:Action-description", "LanguageIn"),), extended=True),
    Case("action-without-description", CITY, drop("act:a02", "dct:description"),
         (W("smps:Action-description-recommended", "MinCount"),), extended=True),
    Case("action-with-two-investments", CITY,
         add('act:a01 smp:plannedInvestment [ a smp:InvestmentAmount , schema:MonetaryAmount ; '
             'schema:value 1.00 ; schema:currency "EUR" ] .'),
         (V("smps:Action-plannedInvestment", "MaxCount"),), extended=True),
    Case("action-source-is-an-organisation", CITY,
         add("act:a02 dct:source orgn:comune-esempiopoli ."),
         (V("smps:Action-source", "Class"),), extended=True),
    Case("source-without-rdfs-label", CITY, drop("src:comune-page", "rdfs:label"),
         (V("smps:SourceDocument-label", "QualifiedMinCount"),), extended=True),
    Case("source-title-in-french", CITY, add('src:comune-page dct:title "Page (fictif)"@fr .'),
         (V("smps:SourceDocument-title", "LanguageIn"),), extended=True),
    Case("source-without-publisher", CITY, drop("src:comune-page", "dct:publisher"),
         (W("smps:SourceDocument-publisher-recommended", "MinCount"),), extended=True),
    Case("source-citation-with-language", CITY,
         replace("src:press-2016", "dct:bibliographicCitation", '"Agenzia Stampa Esempio"@it'),
         (V("smps:SourceDocument-citation", "Datatype"),), extended=True),
    Case("source-note-in-french", CITY,
         add('src:press-2016 rdfs:comment "Un communiqué fictif."@fr .'),
         (V("smps:SourceDocument-comment", "LanguageIn"),), extended=True),
]

MORE_CATALOG_CASES = [
    Case("distribution-description-as-number", CATALOG, add("dist:turtle dct:description 42 ."),
         (V("dcatsh:Distribution-description", "Or"),), extended=True),
    Case("licence-name-as-number", CATALOG,
         add("<https://creativecommons.org/licenses/by/4.0/> foaf:name 4 ."),
         (V("dcatsh:LicenseDocument-name", "Or"),), extended=True),
]

CASES = CITY_CASES + MORE_CITY_CASES + CATALOG_CASES + MORE_CATALOG_CASES
DEFAULT_CASES = [case for case in CASES if not case.extended]


# --- helpers --------------------------------------------------------------------------------


@cache
def shapes_graph() -> Graph:
    graph = Graph()
    for name in SHAPES_FILES:
        graph.parse(SHAPES_DIR / name, format="turtle")
    return graph


def valid_dataset() -> Dataset:
    dataset = Dataset()
    dataset.parse(VALID, format="trig")
    return dataset


@cache
def _valid_graphs() -> dict[str, Graph]:
    graphs = {which: Graph() for which in GRAPHS}
    names = {iri: which for which, iri in GRAPHS.items()}
    for s, p, o, g in valid_dataset().quads():
        graphs[names[g]].add((s, p, o))
    return graphs


def valid_graph(which: str) -> Graph:
    """A fresh copy of one named graph of the valid fixture."""
    graph = Graph()
    graph += _valid_graphs()[which]
    return graph


def curie(node) -> str:
    for prefix, namespace in SHAPE_PREFIXES.items():
        if str(node).startswith(str(namespace)):
            return f"{prefix}:{str(node)[len(namespace):]}"
    return str(node)


def report_results(report: Graph) -> list[Result]:
    """Every validation result of a report, nested sh:detail results included."""
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        component = str(report.value(result, SH.sourceConstraintComponent))
        severity = str(report.value(result, SH.resultSeverity))
        results.append((
            curie(report.value(result, SH.sourceShape)),
            component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent"),
            severity.rsplit("#", 1)[-1],
        ))
    return sorted(results)


def validate(data) -> list[Result]:
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph(), **VALIDATE_OPTIONS
    )
    return report_results(report)


def named_shapes(kind: URIRef) -> set[str]:
    graph = shapes_graph()
    return {curie(s) for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def owning_node_shape(shape: str) -> str:
    """The node shape a named shape belongs to (itself for a node shape)."""
    graph = shapes_graph()
    for prefix, namespace in SHAPE_PREFIXES.items():
        if shape.startswith(prefix + ":"):
            node = namespace[shape.split(":", 1)[1]]
            break
    else:
        raise AssertionError(f"{shape} is not a named shape")
    if (node, RDF.type, SH.NodeShape) in graph:
        return shape
    owners = list(graph.subjects(SH.property, node))
    assert len(owners) == 1, f"{shape} should belong to exactly one node shape"
    return curie(owners[0])


# --- tests ----------------------------------------------------------------------------------


def test_valid_dataset_conforms():
    """The whole valid fixture (both named graphs, as pySHACL's union) has no result at all."""
    results = validate(valid_dataset())
    violations = [r for r in results if r[2] == "Violation"]
    warnings = [r for r in results if r[2] == "Warning"]
    assert violations == []
    assert len(warnings) == 0, warnings


@pytest.mark.parametrize("which", [CITY, CATALOG])
def test_each_valid_graph_conforms_alone(which):
    """Each named graph validates alone, which lets the failing fixtures validate one graph."""
    assert validate(valid_graph(which)) == []


@pytest.mark.parametrize("case", [
    pytest.param(case, id=case.name, marks=pytest.mark.skipif(
        case.extended and not RUN_ALL, reason="extended fixture: set LODPUB_SHAPES_ALL=1"))
    for case in CASES
])
def test_failing_fixture(case: Case):
    graph = valid_graph(case.graph)
    for operation in case.operations:
        before = set(graph)
        graph.update(operation, initNs=NAMESPACES)
        assert set(graph) != before, f"this operation changed nothing: {operation}"
    assert validate(graph) == sorted(case.expected)


def test_fixture_names_are_unique():
    duplicates = [name for name, n in Counter(c.name for c in CASES).items() if n > 1]
    assert duplicates == []


def test_every_node_shape_has_a_failing_fixture():
    """Checked on the default fixtures, so every shape is exercised on every run."""
    node_shapes = named_shapes(SH.NodeShape)
    exercised = {
        owning_node_shape(shape) for case in DEFAULT_CASES for shape, _, _ in case.expected
    }
    assert node_shapes - exercised == set(), "these node shapes need a failing fixture"
    assert exercised - node_shapes == set(), "fixtures name shapes that do not exist"


def test_every_property_shape_has_a_failing_fixture():
    """Checked on all fixtures, extended ones included (they run with LODPUB_SHAPES_ALL=1)."""
    exercised = {shape for case in CASES for shape, _, _ in case.expected}
    assert named_shapes(SH.PropertyShape) - exercised == set()


def test_every_expected_shape_exists():
    shapes = named_shapes(SH.NodeShape) | named_shapes(SH.PropertyShape)
    named = {shape for case in CASES for shape, _, _ in case.expected}
    assert named - shapes == set()


@pytest.mark.parametrize("name", SHAPES_FILES)
def test_shapes_file_passes_meta_shacl(name):
    graph = Graph().parse(SHAPES_DIR / name, format="turtle")
    # abort_on_first only stops at a failure, so a conforming answer is the same as without it
    # (and three times faster: alternatives of sh:or / sh:xone stop at their first failure).
    conforms, _report, text = meta_validate(graph, inference="none", abort_on_first=True)
    assert conforms, text


@pytest.mark.parametrize("name", SHAPES_FILES)
def test_shapes_file_header(name):
    graph = Graph().parse(SHAPES_DIR / name, format="turtle")
    ontologies = list(graph.subjects(RDF.type, OWL.Ontology))
    assert len(ontologies) == 1
    header = ontologies[0]
    assert graph.value(header, DCTERMS.license) == CC_BY_4
    assert graph.value(header, OWL.versionInfo) is not None
    assert {t.language for t in graph.objects(header, DCTERMS.title)} >= {"en", "it"}


@pytest.mark.parametrize("name", SHAPES_FILES)
def test_every_shape_is_named_and_explained(name):
    graph = Graph().parse(SHAPES_DIR / name, format="turtle")
    kinds = (SH.NodeShape, SH.PropertyShape)
    shapes = {s for kind in kinds for s in graph.subjects(RDF.type, kind)}
    # Property shapes are named IRIs, so a report's sh:sourceShape says which rule failed.
    assert all(isinstance(s, URIRef) for s in shapes)
    assert all((None, SH.property, s) in graph or (s, RDF.type, SH.NodeShape) in graph
               for s in shapes)
    unnamed = [s for s in shapes if graph.value(s, SH.name) is None
               and graph.value(s, RDFS.label) is None]
    unexplained = [s for s in shapes if graph.value(s, SH.message) is None]
    assert unnamed == []
    assert unexplained == []


@pytest.mark.parametrize("name", SHAPES_FILES)
def test_shapes_use_core_shacl_only(name):
    """No SPARQL constraints or targets, no SHACL-AF, nothing that targets every node."""
    graph = Graph().parse(SHAPES_DIR / name, format="turtle")
    for predicate in (SH.sparql, SH.target, SH.rule, SH.select, SH.ask):
        assert (None, predicate, None) not in graph, predicate
    assert (None, SH.targetClass, RDFS.Resource) not in graph
