"""The build: La Spezia and the demo cities build clean, dist/ is complete and parses, and a
broken source is refused with its file:line while the previous dist/ stays byte-identical."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, XSD
from support import tree_digest

from publisher.build import BuildError, build
from publisher.cli import main
from publisher.config import load_config
from publisher.mediatypes import BY_EXTENSION
from publisher.namespaces import SPDX
from publisher.source import read_city

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/smartcity-masterplan/"


@pytest.fixture(scope="module")
def config():
    return load_config(root=ROOT)


@pytest.fixture(scope="module")
def dist(config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "dist"
    build(config, ROOT / "data", out)
    return out


@pytest.fixture(scope="module")
def store(dist: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(dist / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def ask(store: pyoxigraph.Store, query: str) -> list:
    return list(store.query(query, use_default_graph_as_union=True))


def test_dist_layout(dist: Path) -> None:
    manifest = json.loads((dist / "manifest.json").read_text())
    assert manifest["cities"] == ["laspezia"]
    for ext in ("trig", "nq", "ttl", "nt", "jsonld"):
        assert (dist / "dumps" / f"laspezia.{ext}").stat().st_size > 0
    for name in ("dataset.nq", "catalog.ttl", "context.jsonld", "dumps/all.trig", "dumps/all.nq",
                 "ontology/smp.ttl"):
        assert (dist / name).is_file(), name
    assert set(manifest["files"]) == {str(p.relative_to(dist)) for p in dist.rglob("*")
                                      if p.is_file() and p.name != "manifest.json"}


@pytest.mark.parametrize("ext", ["trig", "nq", "ttl", "nt", "jsonld"])
def test_every_dump_parses_with_rdflib_and_pyoxigraph(dist: Path, ext: str) -> None:
    path = dist / "dumps" / f"laspezia.{ext}"
    fmt = BY_EXTENSION[ext]
    rdflib_graph = Dataset() if fmt.datasets else Graph()
    rdflib_graph.parse(path, format={"nq": "nquads", "nt": "nt", "ttl": "turtle",
                                     "trig": "trig", "jsonld": "json-ld"}[ext])
    oxi = list(pyoxigraph.parse(path=str(path), format=fmt.rdf_format))
    n_rdflib = len(rdflib_graph) if not fmt.datasets else sum(
        len(g) for g in rdflib_graph.graphs())
    assert len(oxi) == n_rdflib > 1000


def test_each_city_is_its_own_named_graph(store: pyoxigraph.Store) -> None:
    graphs = {str(g.value) for g in store.named_graphs()}
    assert graphs == {BASE + "graph/laspezia", BASE + "graph/vocabulary", BASE + "graph/catalog"}


@pytest.mark.parametrize("cls", [
    "smp:Masterplan", "skos:Concept", "org:Organization", "smp:RoleAssignment",
    "smp:MethodologyPhase", "smp:DeclaredFigure", "smp:WorkTable", "skos:ConceptScheme",
])
def test_every_resource_has_a_source(store: pyoxigraph.Store, cls: str) -> None:
    query = f"""
        PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT (COUNT(?s) AS ?all) (COUNT(?src) AS ?sourced) WHERE {{
          GRAPH <{BASE}graph/laspezia> {{
            ?s a {cls} .
            OPTIONAL {{ ?s dct:source ?src0 . ?src0 a smp:SourceDocument . BIND(?s AS ?src) }}
          }}
        }}"""
    (row,) = ask(store, query.replace("COUNT(?src)", "COUNT(DISTINCT ?src)").replace(
        "COUNT(?s)", "COUNT(DISTINCT ?s)"))
    assert int(row["all"].value) > 0
    assert row["all"].value == row["sourced"].value


def test_round_trip_yaml_to_sparql(store: pyoxigraph.Store) -> None:
    city = read_city(ROOT / "data" / "laspezia")
    figures = ask(store, """
        PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>
        PREFIX schema: <http://schema.org/>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?kind ?value ?min ?src WHERE {
          ?plan smp:declaredFigure ?f . ?f smp:figureKind ?kind ; dct:source ?src .
          OPTIONAL { ?f schema:value ?value } OPTIONAL { ?f schema:minValue ?min } }""")
    got = sorted((r["kind"].value.rsplit("/", 1)[1], (r["value"] or r["min"]).value,
                  r["src"].value.rsplit("/", 1)[1]) for r in figures)
    expected = sorted((f.kind, format(f.amount.value if f.amount.value is not None
                                      else f.amount.min, "f"), f.sources[0])
                      for f in city.masterplan.figures)
    assert got == expected
    labels = {r["t"].value.rsplit("/", 1)[1]: r["l"].value for r in ask(store, """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?t ?l WHERE { ?t a skos:Concept ; skos:prefLabel ?l FILTER(lang(?l) = "it")
          FILTER(STRSTARTS(STR(?t), "https://w3id.org/smartcity-masterplan/id/")) }""")}
    assert labels == {key: t.label["it"] for key, t in city.themes.items()}
    roles = ask(store, """
        PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>
        SELECT ?r WHERE { ?r a smp:RoleAssignment }""")
    assert len(roles) == len(city.roles)
    (count,) = ask(store, """
        PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>
        SELECT ?n WHERE { ?p smp:publishedActionCount ?n }""")
    assert count["n"].value == "0"


def test_money_is_decimal_never_float(store: pyoxigraph.Store) -> None:
    rows = ask(store, """
        PREFIX schema: <http://schema.org/>
        SELECT (DATATYPE(?v) AS ?dt) WHERE { ?a a schema:MonetaryAmount ;
          (schema:value|schema:minValue|schema:maxValue) ?v }""")
    assert rows and {r["dt"].value for r in rows} == {str(XSD.decimal)}


def test_catalogue_describes_the_files_exactly(dist: Path) -> None:
    catalog = Graph().parse(dist / "catalog.ttl")
    distributions = list(catalog.subjects(DCAT.downloadURL, None))
    assert len(distributions) == 7  # 5 for La Spezia, all.trig and all.nq
    for node in distributions:
        url = str(catalog.value(node, DCAT.downloadURL))
        data = (dist / "dumps" / url.rsplit("/", 1)[1]).read_bytes()
        assert catalog.value(node, DCAT.byteSize) == Literal(
            len(data), datatype=XSD.nonNegativeInteger)
        checksum = catalog.value(node, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == \
            hashlib.sha256(data).hexdigest()


def test_build_records_its_provenance(store: pyoxigraph.Store, dist: Path) -> None:
    manifest = json.loads((dist / "manifest.json").read_text())
    rows = ask(store, f"""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?used WHERE {{ <{BASE}build/{manifest['build_id']}> a prov:Activity ;
          prov:wasAssociatedWith ?agent ; prov:startedAtTime ?t ; prov:used ?used }}""")
    assert "data/laspezia/masterplan.yaml" in {r["used"].value for r in rows}


@pytest.fixture
def broken_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    return data


def test_a_rebuild_of_the_same_data_writes_the_same_city_dumps(config, dist, tmp_path) -> None:
    """Blank nodes are named from their city and their order, not at random: an unchanged
    city's dumps keep their bytes, checksums and ETags, so a harvester's conditional request
    gets a 304 (docs/aggregator.md)."""
    again = tmp_path / "dist"
    build(config, ROOT / "data", again)
    dumps = sorted(p.name for p in (dist / "dumps").iterdir() if not p.name.startswith("all."))
    assert dumps and any(b"_:" in (dist / "dumps" / n).read_bytes() for n in dumps)
    for name in dumps:
        assert (again / "dumps" / name).read_bytes() == (dist / "dumps" / name).read_bytes(), name


@pytest.mark.parametrize(("old", "new", "field"), [
    ("      value: 45\n", "      value: quarantacinque\n", "masterplan.figures[0].value"),
    ("    eu_themes: [TRAN]\n", "    eu_themes: [NOPE]\n", "themes[0].eu_themes[0]"),
    ("  title:\n    it: \"LA SPEZIA 20.20 – la città diventa Smart\"\n"
     "    en: \"LA SPEZIA 20.20 – the city becomes Smart\"\n", "", "masterplan.title"),
])
def test_broken_source_fails_and_keeps_previous_dist(
    config, broken_data: Path, tmp_path: Path, old: str, new: str, field: str
) -> None:
    out = tmp_path / "dist"
    build(config, broken_data, out)
    before = tree_digest(out)
    for name in ("masterplan.yaml", "themes.yaml"):
        path = broken_data / "laspezia" / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(BuildError) as info:
        build(config, broken_data, out)
    assert any(f": {field}:" in p and "/laspezia/" in p for p in info.value.problems), \
        info.value.problems
    assert tree_digest(out) == before
    assert not list(tmp_path.glob(".dist-*")), "no temporary folder is left behind"


def test_a_crash_while_writing_keeps_previous_dist(config, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "dist"
    build(config, ROOT / "data", out)
    before = tree_digest(out)

    def explode(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("publisher.build.Builder.manifest", explode)
    with pytest.raises(OSError, match="disk full"):
        build(config, ROOT / "data", out)
    assert tree_digest(out) == before
    assert not list(tmp_path.glob(".dist-*"))


def test_cli_build_and_validate(tmp_path: Path, broken_data: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", "--data", str(ROOT / "data"), "--out", str(out),
                                  "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / "dataset.nq").is_file()
    result = runner.invoke(main, ["validate", "--data", str(ROOT / "data")])
    assert result.exit_code == 0 and "valid" in result.output
    path = broken_data / "laspezia" / "masterplan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("approved: 2015-11-03",
                                                             "approved: ieri"))
    result = runner.invoke(main, ["validate", "--data", str(broken_data)])
    assert result.exit_code == 1
    assert "masterplan.yaml:" in result.output and "masterplan.approved" in result.output
    assert "nothing was published" in result.output


def test_console_script_runs_from_the_repository(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    done = subprocess.run([sys.executable, "-m", "publisher", "build", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "laspezia" in done.stdout
    assert URIRef(BASE)  # the default base IRI is the documented one
    assert json.loads((out / "manifest.json").read_text())["base_iri"] == BASE


def test_the_fictional_demo_cities_build_clean(config, tmp_path: Path) -> None:
    result = build(config, ROOT / "examples", tmp_path / "dist")
    assert result.cities == ["demo-city", "second-city"]
    store = pyoxigraph.Store()
    store.bulk_load(path=str(tmp_path / "dist" / "dataset.nq"),
                    format=pyoxigraph.RdfFormat.N_QUADS)
    (row,) = ask(store, """
        PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>
        SELECT (COUNT(?a) AS ?n) (SUM(IF(EXISTS { ?a smp:fictional true }, 1, 0)) AS ?f)
        WHERE { ?a a smp:Action }""")
    assert int(row["n"].value) == 65  # 45 + 20 fictional actions
    assert row["n"].value == row["f"].value, "every demo action says it is fictional"


def test_ontology_docs_leave_the_root_logger_alone() -> None:
    import logging

    from publisher.ontodoc import render

    for name in [m for m in sys.modules if m.split(".")[0] == "pylode"]:
        del sys.modules[name]  # so that render() really imports pyLODE again
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    html = render(ROOT / "ontology" / "smp.ttl", "en")
    assert 'id="WorkTable"' in html
    assert (root.handlers, root.level) == before


# --- every YAML field reaches the RDF ------------------------------------------------------
def _records(city):
    """(record, put back) for every record of a city: how to swap one for a changed copy."""
    plan = city.masterplan
    for pool in (city.sources, city.themes, city.organisations, city.actions):
        for key, record in pool.items():
            yield record, lambda new, pool=pool, key=key: pool.__setitem__(key, new)
    for pool in (city.roles, plan.figures, plan.phases):
        for index, record in enumerate(pool):
            yield record, lambda new, pool=pool, index=index: pool.__setitem__(index, new)
    yield plan, lambda new: setattr(city, "masterplan", new)


def _shape(city) -> Counter:
    """The city's RDF with blank nodes made anonymous (their labels are random), counted."""
    from publisher.iris import Iris
    from publisher.rdf import city_graph

    def term(node):
        return "_" if isinstance(node, pyoxigraph.BlankNode) else str(node)

    quads = city_graph(city, Iris(BASE)).quads
    return Counter((term(q.subject), str(q.predicate), term(q.object)) for q in quads)


def test_every_field_the_demo_city_sets_reaches_the_rdf() -> None:
    """A field declared in publisher/source/records.py is read (the reader derives its keys)
    but must also be written by publisher/rdf.py: put back to its default on one record,
    each field the demo city sets changes the RDF (so a new field cannot be read and dropped)."""
    import dataclasses

    from publisher.source.checks import yaml_fields

    city = read_city(ROOT / "examples" / "demo-city")
    whole = _shape(city)
    checked, dropped = set(), []
    for record, put_back in list(_records(city)):
        kind = type(record)
        for name in yaml_fields(kind):
            if (kind.__name__, name) in checked:
                continue
            default = type(record)(key=record.key, origin=record.origin)
            if getattr(record, name) == getattr(default, name):
                continue
            checked.add((kind.__name__, name))
            put_back(dataclasses.replace(record, **{name: getattr(default, name)}))
            try:
                if _shape(city) == whole:
                    dropped.append(f"{kind.__name__}.{name}")
            except (ValueError, KeyError):  # a required value left empty: the writer needs it
                pass
            put_back(record)
    assert not dropped, f"read from YAML but never written to RDF: {dropped}"
    assert len(checked) >= 50, sorted(checked)
