"""The catalogue as harvesters read it (docs/harvesting.md): identifiers with the IPA code,
the DCAT-AP_IT fields dati.gov.it requires, the official SEMIC DCAT-AP 3.0.1 shapes on every
representation of /catalog and of /doc/dataset/*.

Real builds of the fictional demo cities (examples/) and of La Spezia (data/), served by a
real HTTP server (conftest). The IPA codes used here (``c_z999``) are fictional.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef, namespace

from publisher.build import BuildError, build
from publisher.config import load_config
from publisher.mqa import Semic

ROOT = Path(__file__).resolve().parents[1]
SEMIC = ROOT / "shapes" / "dcat-ap-3.0.1"
BASE = "https://w3id.org/smartcity-masterplan/"
# Plain Namespaces: rdflib's DefinedNamespaces warn when pytest probes module attributes.
DCAT, DCTERMS, RDF, SH = (
    Namespace(str(ns)) for ns in (namespace.DCAT, namespace.DCTERMS, namespace.RDF, namespace.SH)
)
DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
CC_BY_EU = URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
CC_BY_ONTOPIA = URIRef("https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40")
ADMS_ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
RDFLIB = {"text/turtle": "turtle", "application/ld+json": "json-ld",
          "application/rdf+xml": "xml", "application/n-triples": "nt"}  # fmt: skip


def _catalog(dist: Path) -> Graph:
    return Graph().parse(dist / "catalog.ttl")


def _datasets(graph: Graph) -> list[URIRef]:
    return sorted(graph.subjects(RDF.type, DCAT.Dataset))


def _fictional_ipa_build(tmp_path: Path, code: object) -> Path:
    config = load_config(overrides={"publisher.ipa_code": code}, root=ROOT)
    dist = tmp_path / "dist"
    build(config, data_dir=ROOT / "examples", dist=dist)
    return dist


# --- identifiers ------------------------------------------------------------------------
def test_unset_ipa_code_warns_and_says_how_to_set_it(demo_dist):
    result_warning = _ipa_warning(demo_dist)
    assert "publisher.ipa_code" in result_warning
    assert "lodpub build --ipa-code" in result_warning
    graph = _catalog(demo_dist)
    identifiers = {str(graph.value(d, DCTERMS.identifier)) for d in _datasets(graph)}
    assert identifiers == {"lodpub:D.demo-city", "lodpub:D.second-city", "lodpub:D.all"}


def _ipa_warning(dist: Path) -> str:
    """The warning a build of examples/ with the shipped configuration gives."""
    result = build(load_config(root=ROOT), data_dir=ROOT / "examples", dist=dist.parent / "again")
    found = [str(w) for w in result.warnings if w.path == "publisher.ipa_code"]
    assert len(found) == 1
    return found[0]


def test_ipa_code_prefixes_every_identifier_and_is_the_agents(tmp_path):
    graph = _catalog(_fictional_ipa_build(tmp_path, "c_z999"))
    for dataset in _datasets(graph):
        key = str(dataset).removeprefix(BASE + "dataset").strip("/") or "all"
        assert graph.value(dataset, DCTERMS.identifier) == Literal(f"c_z999:D.{key}")
    assert graph.value(URIRef(BASE + "publisher"), DCTERMS.identifier) == Literal("c_z999")


@pytest.mark.parametrize("code", ["C_E463", "c e463", "c-e463", "x", "c_" + "a" * 30, 463])
def test_malformed_ipa_code_stops_the_build(tmp_path, code):
    with pytest.raises(BuildError) as caught:
        _fictional_ipa_build(tmp_path, code)
    assert "publisher.ipa_code" in str(caught.value.problems[0])
    assert not (tmp_path / "dist").exists()


def test_iris_and_identifiers_are_identical_across_two_builds(demo_dist, tmp_path):
    again = build(load_config(root=ROOT), data_dir=ROOT / "examples", dist=tmp_path / "dist")

    def names(dist: Path) -> set:
        graph = _catalog(dist)
        things = set(graph.subjects(RDF.type, DCAT.Dataset))
        things |= set(graph.subjects(RDF.type, DCAT.Distribution))
        return {(t, graph.value(t, DCTERMS.identifier)) for t in things}

    assert names(demo_dist) == names(again.dist)
    assert len(names(demo_dist)) == 3 + 5 * 2 + 2


# --- what dati.gov.it's profile requires ------------------------------------------------
@pytest.mark.parametrize("which", ["demo_dist", "la_dist"])
def test_every_dataset_has_what_dati_gov_it_requires(which, request):
    graph = _catalog(request.getfixturevalue(which))
    publisher = URIRef(BASE + "publisher")
    for dataset in _datasets(graph):
        assert (dataset, RDF.type, DCATAPIT.Dataset) in graph
        assert any(str(t).startswith(EU_THEME) for t in graph.objects(dataset, DCAT.theme))
        assert str(graph.value(dataset, DCTERMS.accrualPeriodicity)).startswith(EU_FREQUENCY)
        assert graph.value(dataset, DCTERMS.modified) is not None
        assert graph.value(dataset, DCTERMS.rightsHolder) == publisher
        contact = graph.value(dataset, DCAT.contactPoint)
        # the publisher's contact, not the masterplan's authors'
        assert str(graph.value(contact, VCARD.fn)) == "LA SPEZIA 20.20 Linked Open Data project"
        spatial = list(graph.objects(dataset, DCTERMS.spatial))
        assert spatial and all(isinstance(s, URIRef) for s in spatial)
        for distribution in graph.objects(dataset, DCAT.distribution):
            assert graph.value(distribution, DCTERMS.license) == CC_BY_EU
    assert {(CC_BY_EU, RDF.type, DCATAPIT.LicenseDocument),
            (CC_BY_EU, DCTERMS.type, CC_BY_ONTOPIA),
            (CC_BY_EU, DCTERMS.type, ADMS_ATTRIBUTION)} <= set(graph)  # fmt: skip


def test_configured_contact_point_replaces_the_publishers(tmp_path):
    config = load_config(
        overrides={"catalog.contact_name": "Ufficio fittizio", "catalog.contact_email":
                   "ufficio@example.org"}, root=ROOT)  # fmt: skip
    dist = build(config, data_dir=ROOT / "examples", dist=tmp_path / "dist").dist
    graph = _catalog(dist)
    for dataset in _datasets(graph):
        contact = graph.value(dataset, DCAT.contactPoint)
        assert str(graph.value(contact, VCARD.fn)) == "Ufficio fittizio"
        assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:ufficio@example.org")


# --- the official SEMIC DCAT-AP 3.0.1 shapes --------------------------------------------
@pytest.fixture(scope="module")
def semic() -> Semic:
    return Semic.load(SEMIC)


@pytest.mark.parametrize("which", ["demo_http", "la_http"])
@pytest.mark.parametrize("accept", list(RDFLIB))
def test_semic_shapes_pass_on_the_served_catalogue(which, accept, request, semic):
    reply = request.getfixturevalue(which)("GET", "/catalog", headers={"Accept": accept})
    assert reply.status == 200
    graph = Graph().parse(data=reply.body, format=RDFLIB[accept])
    assert len(_datasets(graph)) >= 2
    assert semic.violations(graph) == []


def _catalogue_things(graph: Graph) -> list[URIRef]:
    things = set(graph.subjects(RDF.type, DCAT.Dataset))
    return sorted(things | set(graph.subjects(RDF.type, DCAT.Distribution)))


@pytest.mark.parametrize("which", ["demo", "la"])
@pytest.mark.parametrize("accept", list(RDFLIB))
def test_semic_shapes_pass_on_every_dataset_and_distribution_document(
    which, accept, request, semic
):
    """/doc/dataset/… (where each dataset and distribution IRI sends a harvester) says what
    catalog.ttl says, byte sizes as xsd:nonNegativeInteger included, and passes alone."""
    send, dist = request.getfixturevalue(f"{which}_http"), request.getfixturevalue(f"{which}_dist")
    catalogue = _catalog(dist)
    things = _catalogue_things(catalogue)
    assert len(things) >= 8
    for thing in things:
        reply = send("GET", "/doc/" + str(thing).removeprefix(BASE), headers={"Accept": accept})
        assert reply.status == 200, thing
        graph = Graph().parse(data=reply.body, format=RDFLIB[accept])
        assert semic.violations(graph) == [], thing
        for size in catalogue.objects(thing, DCAT.byteSize):
            assert list(graph.objects(thing, DCAT.byteSize)) == [size]
            assert size.datatype == URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")


# --- HEAD: harvesters (ckanext-dcat) and the MQA's URL checks send HEAD first ------------
HEAD_PATHS = ["/catalog", "/catalog?page=1", "/catalog?format=jsonld", "/sparql",
              "/dumps/demo-city.ttl", "/dumps/demo-city.jsonld", "/dumps/all.nq",
              "/dumps/all.trig", "/doc/dataset/demo-city.ttl", "/doc/dataset/demo-city/nq",
              "/dataset/demo-city", "/.well-known/void", "/catalog?page=2"]  # fmt: skip
VARYING = ("Date",)


@pytest.mark.parametrize("path", HEAD_PATHS)
@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "*/*"])
def test_head_answers_with_the_headers_of_get(demo_http, path, accept):
    head = demo_http("HEAD", path, headers={"Accept": accept})
    get = demo_http("GET", path, headers={"Accept": accept})
    assert head.body == b""
    assert head.status == get.status
    fields = {k for k in get.headers if k not in VARYING}
    assert fields == {k for k in head.headers if k not in VARYING}
    for name in fields:
        assert head.headers.get_all(name) == get.headers.get_all(name), name
    if get.status == 200:
        assert int(head.headers["Content-Length"]) == len(get.body)


def test_dumps_have_exact_media_types_and_lengths(demo_http, demo_dist):
    expected = {"ttl": "text/turtle", "nt": "application/n-triples",
                "jsonld": "application/ld+json", "nq": "application/n-quads",
                "trig": "application/trig"}  # fmt: skip
    for path in sorted((demo_dist / "dumps").iterdir()):
        reply = demo_http("HEAD", f"/dumps/{path.name}")
        assert reply.status == 200
        assert reply.media_type == expected[path.suffix[1:]]
        assert int(reply.headers["Content-Length"]) == path.stat().st_size
