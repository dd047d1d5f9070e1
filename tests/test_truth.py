"""True in every language, attributed to whoever said it (issue #13).

Everything here reads real builds (``la_dist``: data/, ``demo_dist``: the fictional cities
of examples/) and, for dereferencing, the real HTTP server over La Spezia (``la_http``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, ORG, PROV, RDF, RDFS, SH, SKOS, XSD

from publisher.iris import Iris
from publisher.namespaces import ISTAT_CITY, SMP
from publisher.rdf import city_place
from publisher.source import read_city

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/smartcity-masterplan/"
VOCAB_GRAPH = URIRef(BASE + "graph/vocabulary")
CATALOG_GRAPH = URIRef(BASE + "graph/catalog")
LA = BASE + "id/laspezia/"
SHAPES = ROOT / "shapes" / "masterplan.shacl.ttl"
RO = "https://w3id.org/italia/onto/RO/"
COV_ORGANIZATION = URIRef("https://w3id.org/italia/onto/COV/Organization")


def _dataset(dist: Path) -> Dataset:
    ds = Dataset()
    ds.parse(dist / "dataset.nq", format="nquads")
    return ds


@pytest.fixture(scope="module")
def la(la_dist: Path) -> Dataset:
    return _dataset(la_dist)


@pytest.fixture(scope="module")
def demo(demo_dist: Path) -> Dataset:
    return _dataset(demo_dist)


def _union(ds: Dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _city_graphs(ds: Dataset) -> list[Graph]:
    return [
        ds.graph(c.identifier)
        for c in ds.graphs()
        if str(c.identifier).startswith(BASE + "graph/")
        and c.identifier not in (VOCAB_GRAPH, CATALOG_GRAPH)
    ]


# --- every label in its own language -----------------------------------------------------
@pytest.mark.parametrize("which", ["la", "demo"])
def test_role_labels_name_the_role_in_the_labels_language(which: str, request) -> None:
    """Each generated role label says the role as the vocabulary names it in the label's
    language ("coordinatore"@it, "coordinator"@en), never the other language's name."""
    ds: Dataset = request.getfixturevalue(which)
    vocab = ds.graph(VOCAB_GRAPH)
    checked = 0
    for city in _city_graphs(ds):
        for node in city.subjects(RDF.type, SMP.RoleAssignment):
            concept = city.value(node, ORG.role)
            names = {lit.language: str(lit) for lit in vocab.objects(concept, SKOS.prefLabel)}
            assert set(names) == {"it", "en"}, concept
            labels = {lit.language: str(lit) for lit in city.objects(node, RDFS.label)}
            assert set(labels) == {"it", "en"}, node
            for lang, other in (("it", "en"), ("en", "it")):
                assert f": {names[lang]} — " in labels[lang], (node, labels[lang])
                if names[other] != names[lang]:
                    assert f": {names[other]} — " not in labels[lang], (node, labels[lang])
            checked += 1
    assert checked >= 18


@pytest.mark.parametrize("which", ["la", "demo"])
def test_work_table_labels_are_in_their_language(which: str, request) -> None:
    ds: Dataset = request.getfixturevalue(which)
    for city in _city_graphs(ds):
        for table in city.subjects(RDF.type, SMP.WorkTable):
            labels = {lit.language: str(lit) for lit in city.objects(table, RDFS.label)}
            assert labels["it"].startswith("Tavolo "), labels
            if "en" in labels:
                assert labels["en"].endswith(" work table"), labels


def test_english_texts_translate_the_italian_names(la: Dataset) -> None:
    """"Comune", "Giunta" and "Osservatorio Nazionale Smart City" are translated in English
    texts (the Comune's own name stays as a proper name only in Italian)."""
    city = la.graph(URIRef(BASE + "graph/laspezia"))
    english = [str(o) for o in city.objects() if isinstance(o, Literal) and o.language == "en"]
    assert english
    for text in english:
        assert "the Comune" not in text and "Comune's" not in text, text
        assert "Comune della Spezia" not in text, text
        assert "Osservatorio Nazionale" not in text, text
        assert "Giunta" not in text or "(Giunta)" in text, text


# --- the publisher's own classification --------------------------------------------------
@pytest.mark.parametrize("which", ["la", "demo"])
def test_mappings_and_public_typing_cite_the_publishers_classification(
    which: str, request
) -> None:
    ds: Dataset = request.getfixturevalue(which)
    for city in _city_graphs(ds):
        key = str(city.identifier).rsplit("/", 1)[-1]
        doc = URIRef(f"{BASE}id/{key}/source/publisher-classification")
        mapped = {s for p in (SMP.euDataTheme, SMP.osservatorioTheme)
                  for s in city.subjects(p, None)}
        mapped |= {s for s, o in city.subject_objects(DCTERMS.subject)
                   if str(o).startswith("http://eurovoc.europa.eu/")}
        public = set(city.subjects(RDF.type, URIRef(
            "https://w3id.org/italia/onto/COV/PublicOrganization")))
        assert mapped and public
        for node in mapped | public:
            assert (node, DCTERMS.source, doc) in city, node
            notes = {n.language for n in city.objects(node, SKOS.editorialNote)}
            assert {"it", "en"} <= notes, node
        kind = URIRef(BASE + "vocab/source-type/publisher-classification")
        assert (doc, SMP.sourceType, kind) in city
        assert (doc, PROV.wasAttributedTo, URIRef(BASE + "publisher")) in city
        assert {c.language for c in city.objects(doc, RDFS.comment)} == {"it", "en"}
        # what the sources say is still cited beside it
        for node in mapped:
            assert len(set(city.objects(node, DCTERMS.source))) >= 2, node


def test_a_theme_page_says_the_mappings_are_the_publishers(la_http: Callable) -> None:
    reply = la_http("GET", "/doc/id/laspezia/theme/mobility.html?lang=it")
    assert reply.status == 200
    assert "classificazione di chi pubblica" in reply.text
    reply = la_http("GET", "/doc/id/laspezia/source/publisher-classification.html?lang=it")
    assert reply.status == 200 and "Non è una fonte esterna" in reply.text
    reply = la_http("GET", "/doc/id/laspezia/organisation/enea.html?lang=en")
    assert "the publisher&#39;s classification" in reply.text or (
        "the publisher's classification" in reply.text
    )


# --- attribution per fact ----------------------------------------------------------------
def test_work_tables_do_not_cite_the_vocabularies_their_theme_cites(la: Dataset) -> None:
    city = la.graph(URIRef(BASE + "graph/laspezia"))
    mapping = URIRef(LA + "source/ontopia-theme-mapping")
    tables = list(city.subjects(RDF.type, SMP.WorkTable))
    assert len(tables) == 11
    for table in tables:
        cited = set(city.objects(table, DCTERMS.source))
        assert cited and mapping not in cited, table
        assert URIRef(LA + "source/publisher-classification") not in cited, table
    theme = URIRef(LA + "theme/mobility")
    assert (theme, DCTERMS.source, mapping) in city


def test_phases_cite_what_supports_their_names(la: Dataset) -> None:
    city = la.graph(URIRef(BASE + "graph/laspezia"))
    for n in (1, 2, 3):
        assert set(city.objects(URIRef(f"{LA}phase/{n}"), DCTERMS.source)) == {
            URIRef(LA + "source/comune-page")
        }
    phases = URIRef(BASE + "vocab/figure-kind/methodology-phases")
    figures = [f for f in city.objects(URIRef(LA + "masterplan"), SMP.declaredFigure)
               if city.value(f, SMP.figureKind) == phases]
    cited = {city.value(f, DCTERMS.source) for f in figures}
    assert URIRef(LA + "source/enea-magazine-2017") in cited


@pytest.mark.parametrize("folder", ["data/laspezia", "examples/demo-city", "examples/second-city"])
def test_every_source_the_yaml_defines_is_cited_in_the_rdf(
    folder: str, la: Dataset, demo: Dataset
) -> None:
    """A source named in the YAML (istat-cities on the city block too) reaches the RDF as
    the object of a dct:source."""
    city = read_city(ROOT / folder)
    ds = la if folder.startswith("data") else demo
    graph = ds.graph(URIRef(f"{BASE}graph/{city.key}"))
    cited = set(graph.objects(None, DCTERMS.source))
    for key in [*city.sources, *city.city_sources]:
        assert URIRef(f"{BASE}id/{city.key}/source/{key}") in cited, key


def test_coordinators_named_as_persons_are_their_organisations_representatives(
    la: Dataset, la_http: Callable
) -> None:
    city = la.graph(URIRef(BASE + "graph/laspezia"))
    flagged = set(city.subjects(SMP.byRepresentative, Literal(True)))
    assert flagged == {
        URIRef(LA + "role/coordinator--circle--table--mobility"),
        URIRef(LA + "role/coordinator--cciaa--table--economy-governance"),
    }
    for node in flagged:
        assert {n.language for n in city.objects(node, SKOS.editorialNote)} == {"it", "en"}
    page = "/doc/id/laspezia/role/coordinator--circle--table--mobility.html?lang=it"
    reply = la_http("GET", page)
    assert "una persona dell&#39;organizzazione" in reply.text or (
        "una persona dell'organizzazione" in reply.text
    )


def test_titles_rebuilt_from_the_address_are_labels_with_a_note(la: Dataset) -> None:
    city = la.graph(URIRef(BASE + "graph/laspezia"))
    rebuilt = ["press-release-2015-11-03", "gazzetta-43459", "bizjournal-2015-11-18",
               "primocanale-162570", "osservatoriorti-enea-protocol"]
    for key in rebuilt:
        node = URIRef(f"{LA}source/{key}")
        assert (node, DCTERMS.title, None) not in city, key
        assert (node, RDFS.label, None) in city, key
        assert any("address" in str(n) for n in city.objects(node, SKOS.editorialNote)), key
    assert (URIRef(LA + "source/dltm-page"), DCTERMS.title, None) in city


# --- what the Comune's page says and the data had left out -------------------------------
def test_the_omissions_from_the_comunes_page_are_published(la: Dataset) -> None:
    city = la.graph(URIRef(BASE + "graph/laspezia"))
    plan = URIRef(LA + "masterplan")
    horizon = city.value(plan, DCTERMS.temporal)
    assert city.value(horizon, DCAT.endDate) == Literal("2020", datatype=XSD.gYear)
    tables = city.value(URIRef(LA + "phase/2"), DCTERMS.temporal)
    assert (tables, RDF.type, DCTERMS.PeriodOfTime) in city
    assert city.value(tables, DCAT.startDate) == Literal("2015-04", datatype=XSD.gYearMonth)
    assert city.value(tables, DCAT.endDate) == Literal("2015-06", datatype=XSD.gYearMonth)
    description = {d.language: str(d) for d in city.objects(plan, DCTERMS.description)}
    assert "cittadini" in description["it"] and "citizens" in description["en"]
    assert "qualità della vita" in description["it"] and "quality of life" in description["en"]
    notes = " ".join(str(n) for f in city.objects(plan, SMP.declaredFigure)
                     for n in city.objects(f, RDFS.comment))
    assert "elemento caratterizzante o abilitante" in notes
    assert "ricerca delle forme e degli strumenti di finanziamento" in notes
    assert "still to be sought" in notes
    assert "in forma del tutto gratuita" in notes and "unpaid" in notes


# --- the ORG pattern and the committee ---------------------------------------------------
@pytest.mark.parametrize("which", ["la", "demo"])
def test_memberships_have_an_organisation_and_committees_are_not_cov(
    which: str, request
) -> None:
    ds: Dataset = request.getfixturevalue(which)
    union = _union(ds)
    memberships = set(union.subjects(RDF.type, ORG.Membership))
    assert memberships
    for node in memberships:
        assert union.value(node, ORG.organization) is not None, node
    for node in union.subjects(RDF.type, SMP.RoleAssignment):
        if union.value(node, ORG.organization) is not None:
            assert node in memberships, node
    committees = set(union.subjects(RDF.type, SMP.SteeringCommittee))
    assert committees
    for node in committees:
        assert (node, RDF.type, COV_ORGANIZATION) not in union
        assert (node, RDF.type, ORG.Organization) in union


# --- shapes that hold on the published union ---------------------------------------------
def _results(data: Graph) -> set[tuple[str, ...]]:
    shapes = Graph().parse(SHAPES).parse(ROOT / "shapes" / "dcat-ap_it.shacl.ttl")
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=False,
                            allow_warnings=True)
    return {
        (str(report.value(r, SH.focusNode)) if isinstance(report.value(r, SH.focusNode), URIRef)
         else "_:", str(report.value(r, SH.resultPath)), str(report.value(r, SH.sourceShape)),
         str(report.value(r, SH.resultSeverity)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }


@pytest.mark.parametrize("which", ["la", "demo"])
def test_shapes_on_the_union_give_exactly_the_per_city_results(which: str, request) -> None:
    """What an aggregator holds (dataset.nq as one graph: cities, vocabulary, catalogue)
    gets, with both shape files, the results of each city graph and of the catalogue graph
    alone: no false violation against the vocabulary graph. The only extra results are
    warnings that the vocabulary's own source documents have no date (true: the sources
    the vocabularies were built from show none)."""
    ds: Dataset = request.getfixturevalue(which)
    per_city: set[tuple[str, ...]] = set()
    for city in [*_city_graphs(ds), ds.graph(CATALOG_GRAPH)]:  # as the build checks them
        per_city |= _results(city)
    union = _results(_union(ds))
    violations = {r for r in union if r[3].endswith("Violation")}
    assert violations == {r for r in per_city if r[3].endswith("Violation")} == set()
    extra = union - per_city
    assert per_city <= union
    for focus, _path, shape, severity in extra:
        assert focus.startswith(BASE + "vocab/source/"), focus
        assert shape.endswith("#SourceDocument-issued-recommended") and severity.endswith("Warning")


def test_every_shape_message_is_in_italian_and_english() -> None:
    shapes = Graph().parse(SHAPES).parse(ROOT / "shapes" / "dcat-ap_it.shacl.ttl")
    missing = []
    for shape in set(shapes.subjects(SH.message, None)):
        languages = {m.language for m in shapes.objects(shape, SH.message)}
        if not {"it", "en"} <= languages:
            missing.append(str(shape))
    assert not missing, f"{len(missing)} shapes lack an @it or @en message: {sorted(missing)[:5]}"


# --- dumps and dereferencing --------------------------------------------------------------
def test_the_all_cities_dumps_hold_the_vocabulary(la_dist: Path) -> None:
    """A researcher offline answers label questions from all.nq / all.trig alone."""
    for name in ("all.nq", "all.trig"):
        quads = list(ox.parse(path=str(la_dist / "dumps" / name)))
        graphs = {q.graph_name.value for q in quads}
        assert {str(VOCAB_GRAPH), BASE + "graph/laspezia"} <= graphs, name
        coordinator = ox.NamedNode(BASE + "vocab/role/coordinator")
        assert any(q.subject == coordinator and q.predicate.value == str(SKOS.prefLabel)
                   for q in quads), name
    store = {q for q in ox.parse(path=str(la_dist / "dataset.nq"))}
    dumped = set(ox.parse(path=str(la_dist / "dumps" / "all.nq")))
    assert dumped <= store
    assert {q.graph_name.value for q in store - dumped} == {str(CATALOG_GRAPH)}


@pytest.mark.parametrize(("path", "target"), [
    ("/ontology/0.1.0", "/ontology"),
    ("/ontology/alignments/0.1.0", "/ontology/alignments"),
    ("/vocab/0.1.0", "/vocab"),
])
def test_version_iris_dereference_to_the_current_version(
    la_http: Callable, path: str, target: str
) -> None:
    reply = la_http("GET", path, headers={"Accept": "text/turtle"})
    assert reply.status == 303
    assert reply.headers["Location"].endswith(target)
    followed = la_http("GET", target, headers={"Accept": "text/turtle"})
    assert followed.status in (200, 303)


@pytest.mark.parametrize(("path", "accept"), [
    ("/ontology/alignments", "text/turtle"),
    ("/ontology/alignments", "application/ld+json"),
    ("/ontology/alignments.nt", "text/html"),
])
def test_the_alignments_dereference(la_http: Callable, path: str, accept: str) -> None:
    reply = la_http("GET", path, headers={"Accept": accept})
    assert reply.status == 200
    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld",
           "application/n-triples": "nt"}[reply.media_type]
    g = Graph().parse(data=reply.body, format=fmt)
    alignments = URIRef("https://w3id.org/smartcity-masterplan/ontology/alignments")
    assert (alignments, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in g
    assert len(g) > 50


@pytest.mark.parametrize("path", ["/ontology/nothing", "/ontology/9.9.9", "/vocab/9.9.9",
                                  "/ontology/alignments.exe"])
def test_other_ontology_paths_are_404(la_http: Callable, path: str) -> None:
    assert la_http("GET", path, headers={"Accept": "text/turtle"}).status == 404


# --- the OntoPiA city IRI ------------------------------------------------------------------
def test_the_city_iris_date_comes_from_the_yaml() -> None:
    city = read_city(ROOT / "data" / "laspezia")
    assert city.istat_valid_from == dt.date(1948, 1, 1)
    assert city_place(city).value == str(ISTAT_CITY["011015-(1948-01-01)"])
    other = dataclasses.replace(city, istat="025001", istat_valid_from=dt.date(1866, 11, 19))
    assert city_place(other).value.endswith("/cities/025001-(1866-11-19)")
    assert "ISTAT_VALID_FROM" not in (ROOT / "publisher" / "rdf.py").read_text()


def test_iris_module_maps_the_ontologys_sub_iris() -> None:
    iris = Iris(BASE)
    assert iris.local_path("https://w3id.org/smartcity-masterplan/ontology/alignments") == (
        "ontology/alignments"
    )


# --- every external IRI exists in its vocabulary --------------------------------------------
VOCABULARIES = ROOT / "tests" / "fixtures" / "vocabularies"
OWN = (BASE, "https://w3id.org/smartcity-masterplan/")  # checked by tests/test_ontology.py
# Terms missing from their official file because of typos in it: DCAT-AP_IT's OWL declares
# Catalog with https and startDate/endDate under http://sdati.gov.it/ (the AgID guidelines
# use these IRIs; tests/fixtures/vocabularies/README.md).
UPSTREAM_TYPOS = {
    "http://dati.gov.it/onto/dcatapit#" + term for term in ("Catalog", "startDate", "endDate")
}
AXIOMS = {str(RDFS.subClassOf), str(RDFS.subPropertyOf), str(RDFS.domain), str(RDFS.range),
          "http://www.w3.org/2002/07/owl#annotatedTarget", str(SKOS.closeMatch),
          str(SKOS.exactMatch), str(SKOS.broadMatch), str(SKOS.narrowMatch),
          str(SKOS.relatedMatch), "http://www.w3.org/2002/07/owl#equivalentClass",
          "http://www.w3.org/2002/07/owl#equivalentProperty"}


def _term_lists() -> dict[str, set[str]]:
    lists: dict[str, set[str]] = {}
    for path in sorted(VOCABULARIES.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        namespace = lines[0].removeprefix("# ").strip()
        lists.setdefault(namespace, set()).update(
            line for line in lines[1:] if line and not line.startswith("#"))
    return lists


def _namespace(iri: str, lists: dict[str, set[str]]) -> str | None:
    found = [ns for ns in lists if iri.startswith(ns)]
    return max(found, key=len) if found else None


def _terms_used(path: Path, values: bool) -> set[str]:
    """Predicates, classes, datatypes and axiom targets; with ``values``, every IRI object."""
    used: set[str] = set()
    for q in ox.parse(path=str(path)):
        used.add(q.predicate.value)
        o = q.object
        if isinstance(o, ox.Literal):
            used.add(o.datatype.value)
        elif isinstance(o, ox.NamedNode) and (
            values
            or q.predicate.value == str(RDF.type)
            # axioms of the ontology and alignments, not a city theme's (values) mappings
            or (q.predicate.value in AXIOMS and not q.subject.value.startswith(BASE + "id/"))
        ):
            used.add(o.value)
    return used


@pytest.mark.parametrize("which", ["la_dist", "demo_dist"])
def test_every_external_iri_exists_in_its_vocabulary(which: str, request) -> None:
    """Each term from another vocabulary is in that vocabulary's term list; with the real
    data (not the fictional cities, whose codes are made up) every code-list value too:
    EU data themes, file types, languages, EuroVoc, the OntoPiA city and licence."""
    dist: Path = request.getfixturevalue(which)
    lists = _term_lists()
    real = which == "la_dist"
    used = _terms_used(dist / "dataset.nq", values=real)
    checked, unknown, missing = 0, set(), set()
    for iri in sorted(used):
        if iri.startswith(OWN) or iri in UPSTREAM_TYPOS:
            continue
        namespace = _namespace(iri, lists)
        if namespace is None:
            if iri in used - _terms_used(dist / "dataset.nq", values=False):
                continue  # a value outside any listed vocabulary: a web page, a mailbox
            unknown.add(iri)
            continue
        if iri == namespace:  # the vocabulary itself (vann:preferredNamespaceUri, …)
            continue
        checked += 1
        if iri[len(namespace):] not in lists[namespace]:
            missing.add(iri)
    assert not unknown, f"terms of vocabularies without a term list: {sorted(unknown)}"
    assert not missing, f"not in their vocabulary: {sorted(missing)}"
    assert checked > (150 if real else 100)


def test_the_term_lists_would_catch_a_made_up_term() -> None:
    lists = _term_lists()
    assert "Catalog" not in lists["http://dati.gov.it/onto/dcatapit#"]  # the upstream typo
    assert "Membership" in lists["http://www.w3.org/ns/org#"]
    assert "TimeIndexedRole" in lists["https://w3id.org/italia/onto/RO/"]
    assert "forAgent" not in lists["https://w3id.org/italia/onto/RO/"]  # RO-aligns' mistake
    assert "PublicOrganisation" in lists["http://data.europa.eu/m8g/"]
    assert "PublicOrganization" not in lists["http://data.europa.eu/m8g/"]
    assert "011015-(1948-01-01)" in lists[
        "https://w3id.org/italia/controlled-vocabulary/territorial-classifications/cities/"]


def test_the_committees_membership_is_unknown_not_unpublished(la: Dataset) -> None:
    """The sources consulted do not give it; that does not mean nobody published it."""
    city = la.graph(URIRef(BASE + "graph/laspezia"))
    notes = {n.language: str(n) for n in city.objects(
        URIRef(LA + "organisation/comitato-indirizzo"), SKOS.note)}
    assert "non risulta dalle fonti consultate" in notes["it"]
    assert "not known from the sources consulted" in notes["en"]
    assert "non è pubblicata" not in notes["it"]


@pytest.mark.parametrize("slot", ["type", "id"])
def test_the_yaml_cannot_write_the_publishers_classification(tmp_path: Path, slot: str) -> None:
    """It is the build's: a source in sources.yaml with its id or type is refused, with
    the file and line."""
    from test_data_entry import problems_of, write_city

    city = write_city(tmp_path, {("sources.yaml", "type"): "publisher-classification"})
    if slot == "id":
        path = city / "sources.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "type: publisher-classification", "type: web-page").replace(
            "id: fonte", "id: publisher-classification"), encoding="utf-8")
    found = problems_of(city)
    assert any("sources.yaml:" in p and "publisher's own classification" in p
               for p in found), found
