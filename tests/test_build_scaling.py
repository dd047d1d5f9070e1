"""What makes the build fast must not change what it says (docs/benchmarks.md).

- the benchmark's generated cities are deterministic, fictional and valid;
- cities validated in worker processes give exactly the problems of a build in one process,
  and the same data;
- pyshacl-turbo (the build's SHACL engine) gives pySHACL's results on the shapes' fixtures,
  apart from the documented cases pySHACL misses, and locates a result on a blank node at
  the same YAML line;
- libyaml reads the sources into the same located nodes as the pure-Python loader;
- the faster JSON writer writes what ``json.dumps(indent=1)`` writes.

No test here measures time: bench/build_scaling.py does, in docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph
from rdflib.namespace import RDF, SH
from support import tree_digest

from publisher import source
from publisher.build import PHASES, BuildError, build
from publisher.cli import main
from publisher.config import load_config
from publisher.iris import Iris
from publisher.rdf import SCHEMA, city_graph
from publisher.serialize import _indented, compact_jsonld, jsonld, sort_triples
from publisher.source import yamlfile
from publisher.validate import Validator, load_shapes

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "shapes"


def _load(name: str, path: Path):
    """A module of the repository that is not a package (bench/, tests/), by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


generate = _load("lodpub_bench_generate", ROOT / "bench" / "generate.py")


@pytest.fixture(scope="module")
def config():
    return load_config(root=ROOT)


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four generated cities (the benchmark's own data, smallest size)."""
    folder = tmp_path_factory.mktemp("bench") / "cities"
    generate.generate(folder, 4)
    return folder


# --- the generator -------------------------------------------------------------------------


def test_generated_cities_are_deterministic_and_fictional(cities: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    folders = generate.generate(again, 4)
    assert [f.name for f in folders] == ["city-0001", "city-0002", "city-0003", "city-0004"]
    assert tree_digest(again) == tree_digest(cities)
    codes = set()
    for folder in folders:
        city = source.read_city(folder)
        assert city.fictional
        assert city.name["it"].startswith("Città fittizia 000")
        codes.add(city.istat)
    assert codes == {"980001", "980002", "980003", "980004"}, "unique, outside ISTAT's range"
    assert generate.city_istat(1) != "999001", "never a demo city's code"


def test_generated_cities_pass_lodpub_validate(cities: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--data", str(cities)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_the_cache_is_reused_and_remade_when_stale(tmp_path: Path) -> None:
    first = generate.cached(tmp_path, 1)
    marker = first / "city-0001" / "masterplan.yaml"
    stamp = marker.stat().st_mtime_ns
    assert generate.cached(tmp_path, 1) == first and marker.stat().st_mtime_ns == stamp
    (tmp_path / f"{first.name}.{generate.STAMP_FILE}").write_text("{}", encoding="utf-8")
    generate.cached(tmp_path, 1)
    assert json.loads((tmp_path / f"{first.name}.{generate.STAMP_FILE}").read_text()) != {}


# --- parallel = sequential -----------------------------------------------------------------


def _with_second_lead(files: dict[str, dict]) -> None:
    """A city the loader accepts but the shapes refuse: an action with two leads."""
    plan = files["masterplan.yaml"]
    action = files["actions.yaml"]["actions"][0]
    action["lead"] = plan["city"]["municipality"]
    files["roles.yaml"]["roles"].append({
        "role": "lead",
        "holder": plan["masterplan"]["governance_bodies"][0],
        "of": f"action/{action['id']}",
        "sources": list(action["sources"]),
    })


@pytest.fixture(scope="module")
def broken_cities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("broken") / "cities"
    examples = generate._examples_generator()
    for number in range(1, 5):
        files = generate.city_files(number)
        _with_second_lead(files)
        examples.write_city(folder / generate.city_key(number), files)
    return folder


def test_parallel_validation_reports_exactly_the_sequential_problems(
    config, broken_cities: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("LODPUB_BUILD_WORKERS", workers)
        with pytest.raises(BuildError) as info:
            build(config, broken_cities, tmp_path / f"dist-{workers}")
        reports[workers] = info.value.problems
        assert not (tmp_path / f"dist-{workers}").exists()
    assert reports["1"] == reports["2"]
    for number in range(1, 5):  # one violation per city, at its own roles.yaml / actions.yaml
        key = generate.city_key(number)
        mine = [p for p in reports["1"] if f"/{key}/" in p]
        assert mine and all(": violation: " in p for p in mine), reports["1"]
        assert any("lead" in p for p in mine)


def _city_graphs(dist: Path) -> dict[str, list[str]]:
    """Each named graph of dataset.nq, blank nodes canonicalised (their labels are random)."""
    graphs: dict[str, list] = {}
    for quad in pyoxigraph.parse(path=str(dist / "dataset.nq"),
                                 format=pyoxigraph.RdfFormat.N_QUADS):
        if "/graph/catalog" not in quad.graph_name.value:  # build id, time, checksums
            graphs.setdefault(quad.graph_name.value, []).append(quad)
    canonical = {}
    for name, quads in graphs.items():
        dataset = pyoxigraph.Dataset(quads)
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        canonical[name] = sorted(str(q) for q in dataset)
    return canonical


def test_parallel_build_publishes_the_same_data(
    config, cities: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("LODPUB_BUILD_WORKERS", workers)
        results[workers] = build(config, cities, tmp_path / workers / "dist")
    one, two = results["1"], results["2"]
    assert one.cities == two.cities == [generate.city_key(n) for n in range(1, 5)]
    assert one.triples == two.triples
    assert [str(w) for w in one.warnings] == [str(w) for w in two.warnings]
    assert _city_graphs(one.dist) == _city_graphs(two.dist)
    for dist in (one.dist, two.dist):
        manifest = json.loads((dist / "manifest.json").read_text())
        for name in ("dumps/all.nq", "dumps/all.trig", "dataset.nq", "catalog.ttl"):
            data = (dist / name).read_bytes()
            assert manifest["files"][name]["sha256"] == hashlib.sha256(data).hexdigest()
    # the every-city dumps are the cities' own files end to end, then the vocabulary graph
    nq = b"".join((one.dist / "dumps" / f"{key}.nq").read_bytes() for key in one.cities)
    every = (one.dist / "dumps" / "all.nq").read_bytes()
    assert every.startswith(nq)
    assert {line.rsplit(b" ", 2)[-2] for line in every[len(nq):].splitlines()} == {
        f"<{config.base_iri}graph/vocabulary>".encode()
    }
    assert (one.dist / "dataset.nq").read_bytes().startswith(every)
    assert set(one.timings) == set(PHASES)


# --- the SHACL engines ---------------------------------------------------------------------


FIXTURES = _load("lodpub_shape_fixtures", ROOT / "tests" / "test_shapes.py")
# pySHACL 0.40 does not report values that cannot be compared under sh:lessThanOrEquals
# (shapes/README.md, "Known deviations"); pyshacl-turbo reports them, as SHACL says, on
# data that a datatype constraint refuses anyway.
PYSHACL_MISSES = {"action-end-as-year", "phase-end-as-year", "dataset-period-end-with-time"}


def _results(report: Graph) -> list[tuple]:
    def text(result, prop):
        value = report.value(result, prop)
        return None if value is None or isinstance(value, BNode) else str(value)

    return sorted(
        (*(text(r, p) for p in (SH.sourceShape, SH.sourceConstraintComponent,
                                SH.resultSeverity, SH.focusNode, SH.resultPath, SH.value)),
         tuple(sorted(m.n3() for m in report.objects(r, SH.resultMessage))))  # each language
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )  # fmt: skip


@pytest.fixture(scope="module")
def engines() -> dict[str, Validator]:
    pytest.importorskip("pyshacl_turbo", reason="pyshacl-turbo is not installed")
    shapes = FIXTURES.shapes_graph()
    return {name: Validator(shapes, name) for name in ("pyshacl", "turbo")}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", [
    pytest.param(case, id=case.name, marks=pytest.mark.skipif(
        case.extended and not FIXTURES.RUN_ALL,
        reason="extended fixture: set LODPUB_SHAPES_ALL=1"))
    for case in FIXTURES.CASES
])  # fmt: skip
def test_turbo_reports_what_pyshacl_reports(case, engines: dict[str, Validator]) -> None:
    graph = FIXTURES.valid_graph(case.graph)
    for operation in case.operations:
        graph.update(operation, initNs=FIXTURES.NAMESPACES)
    reference = _results(engines["pyshacl"].report(graph))
    fast = _results(engines["turbo"].report(graph))
    if case.name not in PYSHACL_MISSES:
        assert fast == reference
    else:
        extra = [r for r in fast if r not in reference]
        assert set(reference) <= set(fast) and extra
        assert all(r[1].endswith("#LessThanOrEqualsConstraintComponent") for r in extra)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_turbo_conforms_where_pyshacl_does(engines: dict[str, Validator]) -> None:
    dataset = FIXTURES.valid_dataset()
    assert _results(engines["turbo"].report(dataset)) == []
    assert _results(engines["pyshacl"].report(dataset)) == []


def test_both_engines_locate_the_same_yaml_lines(engines: dict[str, Validator]) -> None:
    """A result on a blank node (an action's amount) goes up to its action's line."""
    iris = Iris(load_config(root=ROOT).base_iri)
    located = city_graph(source.read_city(ROOT / "examples" / "demo-city"), iris)
    amount = next(q.subject for q in located.quads if q.predicate == SCHEMA.currency)
    located.quads = [q for q in located.quads
                     if not (q.subject == amount and q.predicate == SCHEMA.currency)]
    found = {name: [str(p) for p in engine.check_city(located)]
             for name, engine in engines.items()}
    assert found["turbo"] == found["pyshacl"]
    broken = [p for p in found["turbo"] if "currency" in p]
    assert broken and all(p.startswith(str(ROOT / "examples" / "demo-city")) for p in broken)
    assert any(": violation: " in p for p in broken)


def test_the_catalogue_check_works_on_rdflib_graphs_too() -> None:
    """publisher.validate.check keeps taking an rdflib graph (tests/test_meta.py does)."""
    from publisher.validate import check

    graph = FIXTURES.valid_graph(FIXTURES.CATALOG)
    assert [p for p in check(graph, load_shapes(SHAPES)) if p.is_violation] == []


# --- the YAML reader and the JSON writer ---------------------------------------------------


@pytest.mark.skipif(yamlfile._FastLoader is None, reason="PyYAML without libyaml")
def test_libyaml_and_python_loaders_give_the_same_nodes(cities: Path) -> None:
    files = [*sorted((ROOT / "data").rglob("*.yaml")),
             *sorted((ROOT / "examples").rglob("*.yaml")),
             *sorted(cities.rglob("*.yaml"))]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        trees = []
        for loader_class in (yamlfile._Loader, yamlfile._FastLoader):
            loader = loader_class(text)
            try:
                trees.append(yamlfile._wrap(loader.get_single_node(), loader, path, ""))
            finally:
                loader.dispose()
        assert trees[0] == trees[1], path


def test_only_shallow_yaml_goes_to_libyaml() -> None:
    assert yamlfile._shallow("a:\n  b: [1, 2]\n")
    assert not yamlfile._shallow("[" * 600 + "]" * 600)
    assert not yamlfile._shallow("a: " + "x" * 600)


@pytest.mark.parametrize("document", [
    {}, [], {"a": []}, {"a": {}}, {"@graph": [{"@id": "x", "é": ["1", {"@value": "a\nb\"c"}]}]},
    {"n": 1, "t": True, "f": None, "l": [1, [2, [3, {}]]]},
])  # fmt: skip
def test_indented_json_is_json_dumps(document) -> None:
    assert _indented(document, 0) == json.dumps(document, ensure_ascii=False, indent=1)


def test_jsonld_written_from_terms_is_the_compacted_expanded_jsonld(cities: Path) -> None:
    iris = Iris(load_config(root=ROOT).base_iri)
    located = city_graph(source.read_city(cities / "city-0001"), iris)
    triples = sort_triples(located.triples)
    expanded = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.JSON_LD)
    document = jsonld(triples)
    assert document == compact_jsonld(expanded)
    assert document == json.dumps(json.loads(document), ensure_ascii=False,
                                  indent=1).encode("utf-8")
    parsed = Graph().parse(data=document, format="json-ld")
    assert len(parsed) == len(located.quads)
    ids = [node["@id"] for node in json.loads(document)["@graph"]]
    assert len(ids) == len(set(ids)), "one node object per subject"


def test_a_bad_iri_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "city-0001"
    shutil.copytree(ROOT / "data" / "laspezia", folder)
    path = folder / "organisations.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "homepage: " in row)
    rows = text.splitlines(keepends=True)
    rows[line - 1] = rows[line - 1].split("homepage: ")[0] + "homepage: http://[bad\n"
    path.write_text("".join(rows), encoding="utf-8")
    with pytest.raises(source.SourceError) as info:
        source.read_city(folder)
    assert any(f"organisations.yaml:{line}:" in p and "not a valid IRI" in p
               for p in info.value.problems), info.value.problems


def test_a_build_leaves_the_garbage_collector_as_it_was(config, tmp_path: Path) -> None:
    import gc

    before = gc.get_threshold()
    build(config, ROOT / "data", tmp_path / "dist")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_number_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.build import CITIES_PER_WORKER, worker_count

    monkeypatch.delenv("LODPUB_BUILD_WORKERS", raising=False)
    assert worker_count(1) == 1
    assert worker_count(CITIES_PER_WORKER - 1) == 1, "a few cities: no process to start"
    monkeypatch.setenv("LODPUB_BUILD_WORKERS", "3")
    assert worker_count(1) == 3
    monkeypatch.setenv("LODPUB_BUILD_WORKERS", "many")
    with pytest.raises(ValueError, match="LODPUB_BUILD_WORKERS"):
        worker_count(100)
