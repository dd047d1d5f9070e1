"""Named queries (queries/*.rq), their API and ``lodpub query`` on a real build.

One build per session of the two fictional cities (examples/) together with La Spezia
(data/). Every expected value is computed here from the YAML, read with PyYAML's BaseLoader
(every scalar a string, so amounts stay exact decimals), independently of publisher/rdf.py
and of the queries themselves.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from support import running

from publisher import named_queries as nq
from publisher.build import build
from publisher.cli import main
from publisher.client import compact, render_table
from publisher.config import load_config
from publisher.web.app import create_app
from publisher.web.http.replay import CACHE_EXTENSION

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/smartcity-masterplan/"
VOCAB = BASE + "vocab/"
CITY_FOLDERS = {
    "demo-city": ROOT / "examples" / "demo-city",
    "second-city": ROOT / "examples" / "second-city",
    "laspezia": ROOT / "data" / "laspezia",
}
FICTIONAL = ("demo-city", "second-city")
HOSTILE = (
    '"} ; DROP ALL #',
    "> } UNION { ?s ?p ?o",
    '" . } UNION { ?s ?p ?o } #',
    "') } ; CLEAR DEFAULT",
    'a\\"b',
    "line\nbreak } UNION {",
    "<script>alert(1)</script>",
)


# --- the data, read independently --------------------------------------------------------
def read_yaml(city: str, name: str) -> dict[str, Any]:
    path = CITY_FOLDERS[city] / f"{name}.yaml"
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}


def actions(city: str) -> list[dict[str, Any]]:
    return read_yaml(city, "actions").get("actions") or []


def themes(city: str) -> list[tuple[dict[str, Any], str | None]]:
    """(theme, parent key) for every theme and sub-theme."""
    found = []
    for theme in read_yaml(city, "themes")["themes"]:
        found.append((theme, None))
        found.extend((sub, theme["id"]) for sub in theme.get("subthemes") or [])
    return found


def exact(action: dict[str, Any]) -> Decimal | None:
    value = action.get("investment")
    return Decimal(value) if isinstance(value, str) else None


def range_min(action: dict[str, Any]) -> Decimal | None:
    value = action.get("investment")
    return Decimal(value["min"]) if isinstance(value, dict) and "min" in value else None


def iri(city: str, kind: str, key: str | None = None) -> str:
    return f"{BASE}id/{city}/{kind}" + (f"/{key}" if key else "")


# --- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cities")
    for city, folder in CITY_FOLDERS.items():
        shutil.copytree(folder, data / city)
    out = tmp_path_factory.mktemp("named-queries") / "dist"
    config = load_config(root=ROOT)
    build(config, data, out, progress=lambda _m: None)
    return out


@pytest.fixture(scope="session")
def qapp(dist: Path):
    application = create_app(load_config(overrides={"dist_dir": str(dist)}, root=ROOT))
    application.testing = True
    return application


@pytest.fixture(scope="session")
def web(qapp):
    return qapp.test_client()


@pytest.fixture(scope="session")
def queries() -> dict[str, nq.NamedQuery]:
    return nq.load_dir()


@pytest.fixture(scope="session")
def server(qapp) -> Iterator[str]:
    with running(qapp) as address:
        yield f"http://{address}"


def rows(web, name: str, /, **params: str) -> list[dict[str, Any]]:
    """The answer as plain JSON rows (``application/json``)."""
    response = web.get(
        f"/queries/{name}", query_string=params, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["rows"]


def bindings(web, name: str, /, **params: str) -> list[dict[str, Any]]:
    """The answer as SPARQL JSON results (the default)."""
    response = web.get(f"/queries/{name}", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/sparql-results+json"
    return response.get_json()["results"]["bindings"]


def by(items: list[dict[str, Any]], *keys: str) -> dict[Any, dict[str, Any]]:
    return {
        tuple(item[k] for k in keys) if len(keys) > 1 else item[keys[0]]: item for item in items
    }


# --- the files ----------------------------------------------------------------------------
REQUIRED = {
    "masterplan-overview",
    "actions-per-theme",
    "actions-by-timeframe-and-ict-role",
    "organisation-roles",
    "actions-led-by",
    "themes-mapping",
    "data-completeness",
    "cities-compared",
    "sources-of-resource",
}


def test_every_question_of_the_issue_has_a_query(queries):
    assert set(queries) >= REQUIRED


def test_every_query_declares_its_columns_and_bilingual_texts(queries):
    for query in queries.values():
        assert query.title.keys() == {"it", "en"} and query.description.keys() == {"it", "en"}
        assert query.rows and query.columns
        for p in query.parameters:
            assert p.description.keys() == {"it", "en"}, (query.name, p.name)


def test_parameter_types_are_all_exercised(queries):
    used = {p.type for q in queries.values() for p in q.parameters}
    assert used == set(nq.TYPES)


def test_every_query_runs_on_the_data_with_its_declared_columns(web, queries):
    for query in queries.values():
        response = web.get(f"/queries/{query.name}")
        assert response.status_code == 200, (query.name, response.get_data(as_text=True))
        data = response.get_json()
        assert data["head"]["vars"] == [c.name for c in query.columns]
        assert data["results"]["bindings"], f"{query.name} returned nothing on the demo data"


def test_docs_describe_every_query(queries):
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    for name in queries:
        assert f"lodpub query {name}" in text, name
        assert f"/queries/{name}" in text, name


# --- each question, against values computed from the YAML ----------------------------------
def test_masterplan_overview(web):
    found = by(rows(web, "masterplan-overview"), "city_key")
    assert set(found) == set(CITY_FOLDERS)
    for city in CITY_FOLDERS:
        plan = read_yaml(city, "masterplan")
        row = found[city]
        all_themes = themes(city)
        assert row["masterplan"] == iri(city, "masterplan")
        assert row["title"] == plan["masterplan"]["title"]["it"]
        assert row["issued"] == plan["masterplan"]["approved"]
        assert row["presented"] == plan["masterplan"]["presented"]
        assert row["themes"] == len(all_themes)
        assert row["work_tables"] == sum(
            t.get("work_table", "true") != "false" for t, _ in all_themes
        )
        assert row["organisations"] == len(read_yaml(city, "organisations")["organisations"])
        assert row["published_actions"] == len(actions(city))
        assert row["fictional"] is (plan.get("fictional") == "true")
    (english,) = rows(web, "masterplan-overview", city="demo-city", lang="en")
    assert english["title"] == read_yaml("demo-city", "masterplan")["masterplan"]["title"]["en"]


@pytest.mark.parametrize("city", FICTIONAL)
def test_actions_per_theme_counts_and_exact_sums(web, city):
    found = by(rows(web, "actions-per-theme", city=city), "theme")
    listed = actions(city)
    assert len(found) == len(themes(city))
    for theme, parent in themes(city):
        mine = [a for a in listed if theme["id"] in (a["theme"], a.get("subtheme"))]
        row = found[iri(city, "theme", theme["id"])]
        assert row["city_key"] == city
        assert row["notation"] == theme["notation"]
        assert row["parent"] == (iri(city, "theme", parent) if parent else None)
        assert row["actions"] == len(mine)
        exacts = [v for a in mine if (v := exact(a)) is not None]
        ranged = [v for a in mine if (v := range_min(a)) is not None]
        assert row["exact_amounts"] == len(exacts)
        assert Decimal(row["exact_sum"]) == sum(exacts, Decimal(0))
        assert row["ranged_amounts"] == len(ranged)
        assert Decimal(row["ranged_min_sum"]) == sum(ranged, Decimal(0))


def test_actions_per_theme_min_actions_filter(web):
    every = rows(web, "actions-per-theme", city="demo-city")
    some = rows(web, "actions-per-theme", city="demo-city", min_actions="8")
    assert some == [r for r in every if r["actions"] >= 8] and 0 < len(some) < len(every)


@pytest.mark.parametrize("city", FICTIONAL)
def test_actions_by_timeframe_and_ict_role(web, city):
    found = rows(web, "actions-by-timeframe-and-ict-role", city=city)
    expected = Counter((a["timeframe"], a["ict_role"]) for a in actions(city))
    got = {
        (
            r["timeframe"].removeprefix(VOCAB + "timeframe/"),
            r["ict_role"].removeprefix(VOCAB + "ict-role/"),
        ): r["actions"]
        for r in found
    }
    assert got == dict(expected)
    assert all(r["timeframe_label"] and r["ict_role_label"] for r in found)
    exacts = [v for a in actions(city) if (v := exact(a)) is not None]
    assert sum(Decimal(r["exact_sum"]) for r in found) == sum(exacts, Decimal(0))
    short = rows(web, "actions-by-timeframe-and-ict-role", city=city, timeframe="short", lang="en")
    assert sum(r["actions"] for r in short) == sum(a["timeframe"] == "short" for a in actions(city))
    assert {r["timeframe_label"] for r in short} == {"short term"}


def expected_roles(city: str) -> set[tuple[str, str | None, str, str]]:
    """(target kind, target key, role, holder) from roles.yaml and the actions' lead,
    partners and funders."""
    found = set()
    for role in read_yaml(city, "roles").get("roles") or []:
        kind, _, key = role["of"].partition("/")
        found.add((kind, key or None, role["role"], role["holder"]))
    for action in actions(city):
        if action.get("lead"):
            found.add(("action", action["id"], "lead", action["lead"]))
        for key, role in (("partners", "partner"), ("funders", "funder")):
            found.update(("action", action["id"], role, holder) for holder in action.get(key) or [])
    return found


@pytest.mark.parametrize("city", [*FICTIONAL, "laspezia"])
def test_organisation_roles(web, city):
    found = rows(web, "organisation-roles", city=city)

    def key(row: dict[str, Any]) -> tuple[str, str | None, str, str]:
        target = None if row["target_kind"] == "masterplan" else row["target"].rsplit("/", 1)[1]
        holder = row["organisation"].rsplit("/", 1)[1]
        return (row["target_kind"], target, row["role"].removeprefix(VOCAB + "role/"), holder)

    assert {key(r) for r in found} == expected_roles(city)
    assert len(found) == len(expected_roles(city))
    assert all(r["organisation_name"] and r["target_label"] and r["role_label"] for r in found)
    tables = rows(web, "organisation-roles", city=city, of="table")
    assert {key(r) for r in tables} == {e for e in expected_roles(city) if e[0] == "table"}
    leads = rows(web, "organisation-roles", city=city, role="lead")
    assert {key(r) for r in leads} == {e for e in expected_roles(city) if e[2] == "lead"}


def test_actions_led_by_one_organisation(web):
    listed = actions("demo-city")
    leads = [(e[1], e[3]) for e in expected_roles("demo-city") if e[2] == "lead"]
    holder = Counter(h for _, h in leads).most_common(1)[0][0]
    found = rows(web, "actions-led-by", organisation=iri("demo-city", "organisation", holder))
    assert {r["action"] for r in found} == {
        iri("demo-city", "action", key) for key, h in leads if h == holder
    }
    for row in found:
        action = next(a for a in listed if iri("demo-city", "action", a["id"]) == row["action"])
        assert row["identifier"] == action.get("identifier", action["id"])
        title = action["title"]
        assert row["title"] == (title["it"] if isinstance(title, dict) else title)
        assert (Decimal(row["investment"]) if row["investment"] else None) == exact(action)


def test_actions_led_by_every_lead_and_by_name_and_amount(web):
    every = rows(web, "actions-led-by")
    leads = {(city, *e) for city in CITY_FOLDERS for e in expected_roles(city) if e[2] == "lead"}
    assert len(every) == len(leads)
    names = rows(web, "actions-led-by", name="ENERGIA")
    assert names and all("energia" in r["organisation_name"].lower() for r in names)
    threshold = Decimal("2000000")
    big = rows(web, "actions-led-by", city="demo-city", min_investment=str(threshold))
    led = {e[1] for e in expected_roles("demo-city") if e[2] == "lead"}
    expected_big = {
        iri("demo-city", "action", a["id"])
        for a in actions("demo-city")
        if a["id"] in led
        and (v := exact(a) if exact(a) is not None else range_min(a)) is not None
        and v >= threshold
    }
    assert {r["action"] for r in big} == expected_big and expected_big


@pytest.mark.parametrize("city", FICTIONAL)
def test_themes_mapping(web, city):
    found = rows(web, "themes-mapping", city=city)
    expected = set()
    for theme, _ in themes(city):
        expected.update(
            (theme["id"], "eu-data-theme", code) for code in theme.get("eu_themes") or []
        )
        expected.update(
            (theme["id"], "osservatorio-theme", code)
            for code in theme.get("osservatorio_themes") or []
        )
    assert {(r["theme"].rsplit("/", 1)[1], r["scheme"], r["code"]) for r in found} == expected
    eu = rows(web, "themes-mapping", city=city, scheme="eu-data-theme")
    assert {r["scheme"] for r in eu} == {"eu-data-theme"}
    assert all(r["concept"].startswith("http://publications.europa.eu/") for r in eu)
    areas = rows(web, "themes-mapping", city=city, scheme="osservatorio-theme")
    assert all(r["concept_label"] for r in areas)
    assert len(eu) + len(areas) == len(found)


def test_data_completeness_declared_versus_published(web):
    found = rows(web, "data-completeness")
    for city in CITY_FOLDERS:
        figures = [
            f
            for f in read_yaml(city, "masterplan")["masterplan"]["figures"]
            if f["kind"] == "actions"
        ]
        mine = [r for r in found if r["city_key"] == city]
        assert sorted((Decimal(r["declared"]), r["source"]) for r in mine) == sorted(
            (Decimal(f["value"]), iri(city, "source", f["source"])) for f in figures
        )
        published = len(actions(city))
        assert {r["published"] for r in mine} == {published}
        assert {r["actions_in_data"] for r in mine} == {published}
        assert all(Decimal(r["missing"]) == Decimal(r["declared"]) - published for r in mine)
    spezia = [r for r in found if r["city_key"] == "laspezia"]
    assert sorted(Decimal(r["declared"]) for r in spezia) == [44, 44, 45]
    assert {r["published"] for r in spezia} == {0}


def test_cities_compared(web):
    found = by(rows(web, "cities-compared"), "city_key")
    assert set(found) == set(CITY_FOLDERS)
    for city in CITY_FOLDERS:
        plan = read_yaml(city, "masterplan")["masterplan"]
        listed = actions(city)
        row = found[city]
        declared = [
            Decimal(f.get("value", f.get("min"))) for f in plan["figures"] if f["kind"] == "actions"
        ]
        totals = [
            Decimal(f.get("value", f.get("min")))
            for f in plan["figures"]
            if f["kind"] == "total-investment"
        ]
        short = sum(a["timeframe"] == "short" for a in listed)
        assert Decimal(row["declared_actions"]) == max(declared)
        assert row["published_actions"] == len(listed)
        assert row["short_term_actions"] == short
        if listed:
            expected_share = (Decimal(1000 * short) / len(listed)).quantize(Decimal(1)) / 1000
            assert Decimal(row["short_term_share"]) == expected_share
        else:
            assert row["short_term_share"] is None  # no published actions: no share
        assert row["characterising_actions"] == sum(
            a["ict_role"] == "characterising" for a in listed
        )
        assert row["themes"] == len(themes(city))
        assert row["organisations"] == len(read_yaml(city, "organisations")["organisations"])
        exacts = [v for a in listed if (v := exact(a)) is not None]
        assert Decimal(row["exact_investment_sum"]) == sum(exacts, Decimal(0))
        assert Decimal(row["declared_total_investment"]) == max(totals)


def test_actions_per_area(web):
    found = rows(web, "actions-per-area")
    for city in CITY_FOLDERS:
        mapped = {theme["id"]: theme for theme, _parent in themes(city)}
        for scheme, field in (("eu-data-theme", "eu_themes"), ("osservatorio-theme",
                                                              "osservatorio_themes")):  # fmt: skip
            expected: dict[str, list[dict[str, Any]]] = {}
            for action in actions(city):
                keys = [action["theme"], *([action["subtheme"]] if "subtheme" in action else [])]
                codes = {code for key in keys for code in mapped[key].get(field) or []}
                for code in codes:
                    expected.setdefault(code, []).append(action)
            mine = by([r for r in found if (r["city_key"], r["scheme"]) == (city, scheme)], "code")
            assert set(mine) == set(expected), (city, scheme)
            for code, listed in expected.items():
                row = mine[code]
                exacts = [v for a in listed if (v := exact(a)) is not None]
                minimums = [v for a in listed if (v := range_min(a)) is not None]
                assert row["actions"] == len(listed)
                assert (row["exact_amounts"], Decimal(row["exact_sum"])) == (
                    len(exacts), sum(exacts, Decimal(0)))  # fmt: skip
                assert (row["ranged_amounts"], Decimal(row["ranged_min_sum"])) == (
                    len(minimums), sum(minimums, Decimal(0)))  # fmt: skip
    areas = rows(web, "actions-per-area", city="demo-city", scheme="osservatorio-theme")
    assert {r["scheme"] for r in areas} == {"osservatorio-theme"} and areas
    assert {r["concept_label"] for r in areas} >= {"Mobility", "Economy"}


def test_organisations_in_several_cities(web):
    names: dict[str, dict[str, dict[str, Any]]] = {}
    for city in CITY_FOLDERS:
        for organisation in read_yaml(city, "organisations")["organisations"]:
            name = organisation["name"]
            name = name["it"] if isinstance(name, dict) else name
            names.setdefault(name.lower(), {})[city] = organisation
    shared = {name: cities for name, cities in names.items() if len(cities) >= 2}
    assert shared, "the demo cities share organisations"
    found = rows(web, "organisations-in-several-cities")
    assert {r["organisation_name"].lower() for r in found} == set(shared)
    for row in found:
        cities = shared[row["organisation_name"].lower()]
        assert row["cities"] == len(cities)
        assert set(row["city_keys"].split()) == set(cities)
        assert set(row["organisations"].split()) == {
            iri(city, "organisation", o["id"]) for city, o in cities.items()}  # fmt: skip
    assert rows(web, "organisations-in-several-cities", min_cities="3") == []
    by_code = rows(web, "organisations-in-several-cities", by="ipa-code")
    codes: dict[str, set[str]] = {}
    for city in CITY_FOLDERS:
        for organisation in read_yaml(city, "organisations")["organisations"]:
            if "ipa_code" in organisation:
                codes.setdefault(organisation["ipa_code"], set()).add(city)
    assert sorted(r["ipa_codes"] for r in by_code) == sorted(
        code for code, cities in codes.items() if len(cities) >= 2)  # fmt: skip


def test_sources_behind_a_resource(web):
    action = actions("demo-city")[0]
    found = rows(web, "sources-of-resource", resource=iri("demo-city", "action", action["id"]))
    assert {(r["via"], r["source"]) for r in found} == {
        ("resource", iri("demo-city", "source", key)) for key in action["sources"]
    }
    assert all(r["source_title"] and r["url"] and r["source_type"] for r in found)
    yaml = read_yaml("laspezia", "masterplan")
    plan = yaml["masterplan"]
    found = rows(web, "sources-of-resource", resource=iri("laspezia", "masterplan"))
    assert {(r["via"], r["source"].rsplit("/", 1)[1]) for r in found} == {
        *(("resource", key) for key in plan["sources"]),
        *(("resource", key) for key in yaml["city"]["sources"]),  # they back the place
        *(("declared-figure", f["source"]) for f in plan["figures"]),
    }
    city_wide = rows(web, "sources-of-resource", city="second-city")
    assert {r["city_key"] for r in city_wide} == {"second-city"}
    assert len({r["resource"] for r in city_wide}) > 20


# --- parameters: errors and hostile values ---------------------------------------------------
def test_unknown_parameters_are_ignored_known_ones_still_checked(web):
    """Issue #16: a shared link picks up utm_source or fbclid; the page must still work."""
    plain = web.get("/queries/cities-compared?format=rows").get_json()
    tagged = web.get("/queries/cities-compared?format=rows&utm_source=x&fbclid=y&city=z")
    assert tagged.status_code == 200 and tagged.get_json() == plain
    page = web.get("/queries/actions-per-theme?fbclid=abc", headers={"Accept": "text/html"})
    assert page.status_code == 200
    refused = web.get("/queries/actions-per-theme?fbclid=abc&min_actions=many")
    assert refused.status_code == 400 and "min_actions" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("actions-per-theme", {"min_actions": "many"}, "not an integer"),
        ("actions-per-theme", {"min_actions": "-1"}, "at least 0"),
        ("actions-led-by", {"min_investment": "1e6"}, "not a decimal"),
        ("actions-led-by", {"organisation": "not an iri"}, "not an absolute IRI"),
        ("actions-led-by", {"organisation": "> } UNION { ?s ?p ?o"}, "not an absolute IRI"),
        (
            "actions-led-by",
            {"organisation": "https://example.org/x> } UNION { ?s ?p ?o"},
            "valid IRI",
        ),
        ("actions-led-by", {"organisation": "https://example.org/elsewhere"}, "must start with"),
        ("actions-led-by", {"name": "x" * 101}, "longer than 100"),
        ("actions-led-by", {"name": "\\u0022"}, "\\u"),
        ("actions-by-timeframe-and-ict-role", {"timeframe": "eventually"}, "allowed values: short"),
        ("organisation-roles", {"role": "boss"}, "allowed values"),
        ("masterplan-overview", {"lang": "de"}, "allowed values: it, en"),
        ("masterplan-overview", {"city": "atlantis"}, "unknown city 'atlantis'"),
        ("masterplan-overview", {"city": "Not A Key"}, "not a city key"),
    ],
)
def test_parameter_errors_are_400_with_a_message(web, name, params, fragment):
    response = web.get(f"/queries/{name}", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert fragment in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    problem = web.get(
        f"/queries/{name}", query_string=params, headers={"Accept": "application/json"}
    )
    assert problem.status_code == 400 and problem.mimetype == "application/problem+json"
    assert fragment in problem.get_json()["detail"]
    assert problem.get_json()["parameter"] in params


def test_repeated_parameter_is_400(web):
    response = web.get("/queries/masterplan-overview?city=demo-city&city=second-city")
    assert response.status_code == 400
    assert "given 2 times" in response.get_data(as_text=True)


def test_parameter_error_page_for_browsers_keeps_the_form(web):
    response = web.get(
        "/queries/actions-per-theme?min_actions=many", headers={"Accept": "text/html"}
    )
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "not an integer" in page and '<form class="parameters"' in page


def test_unknown_query_is_404(web):
    response = web.get("/queries/no-such-question")
    assert response.status_code == 404
    assert "masterplan-overview" in response.get_data(as_text=True)


def test_empty_value_means_the_default(web):
    assert rows(web, "masterplan-overview", city="", lang="") == rows(web, "masterplan-overview")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_is_only_a_literal_searched(web, queries, value):
    response = web.get("/queries/actions-led-by", query_string={"name": value})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"]["bindings"] == []
    query = queries["actions-led-by"]
    context = nq.Context(BASE, ("demo-city",))
    sent = query.bind({"name": value}, context).sparql
    default = query.bind({}, context).sparql
    literal = str(ox.Literal(value))
    # the only difference from the default query: UNDEF became the escaped literal
    assert sent.count(literal) == 1
    assert sent.replace(literal, "UNDEF", 1) == default
    assert "\n" not in literal


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_finds_an_organisation_with_exactly_that_name(dist, queries, value):
    """Give an organisation the hostile name: the query finds it, and only it."""
    store = ox.Store()
    store.bulk_load(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    graph = ox.NamedNode(BASE + "graph/demo-city")
    odd = ox.NamedNode(iri("demo-city", "organisation", "odd"))
    role = ox.NamedNode(iri("demo-city", "role", "lead--odd--action--a01"))
    org = "http://www.w3.org/ns/org#"
    for s, p, o in [
        (odd, ox.NamedNode("http://xmlns.com/foaf/0.1/name"), ox.Literal(value)),
        (role, ox.NamedNode(org + "role"), ox.NamedNode(VOCAB + "role/lead")),
        (role, ox.NamedNode(org + "member"), odd),
        (
            role,
            ox.NamedNode("https://w3id.org/italia/onto/RO/forEntity"),
            ox.NamedNode(iri("demo-city", "action", "a01")),
        ),
    ]:
        store.add(ox.Quad(s, p, o, graph))
    sparql = queries["actions-led-by"].bind({"name": value}, nq.Context(BASE)).sparql
    found = list(store.query(sparql, use_default_graph_as_union=True))
    assert [(s["organisation"].value, s["action"].value) for s in found] == [
        (odd.value, iri("demo-city", "action", "a01"))
    ]


ECHO = """#+ title: {it: eco, en: echo}
#+ description: {it: restituisce il testo, en: returns the text}
#+ parameters:
#+   text: {type: string, default: null, max_length: 1000, description: {it: testo, en: text}}
#+ result:
#+   rows: {it: una riga, en: one row}
#+   columns:
#+     text: {it: il testo, en: the text}
SELECT ?text WHERE {
  #+ VALUES
}
"""


@pytest.fixture(scope="session")
def echo(tmp_path_factory) -> nq.NamedQuery:
    path = tmp_path_factory.mktemp("echo") / "echo.rq"
    path.write_text(ECHO, encoding="utf-8")
    return nq.load_file(path, require_header=True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60).filter(lambda s: "\\u" not in s and "\\U" not in s))
def test_any_text_comes_back_unchanged(echo, text):
    """Whatever the text, the query has one solution whose value is that text."""
    sparql = echo.bind({"text": text}, nq.Context(BASE)).sparql
    solutions = list(ox.Store().query(sparql))
    assert len(solutions) == 1
    assert (solutions[0]["text"].value if text else None) == (text or None)


# --- malformed files ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ECHO.replace("type: string", "type: text"),
            ":4: parameters.text.type: unknown type 'text'",
        ),
        (
            ECHO.replace("#+ title: {it: eco, en: echo}", "#+ title: {it: eco"),
            ":2: the header is not YAML",
        ),
        (ECHO.replace("en: echo", "de: Echo"), ":1: title: missing the 'en' text"),
        (
            ECHO.replace("#+ description", "#+ summary: x\n#+ description"),
            ":2: summary: unknown key",
        ),
        (ECHO.replace("  #+ VALUES\n", ""), "no '#+ VALUES' line"),
        (
            ECHO.replace("#+     text: {it: il testo", "#+     txt: {it: il testo"),
            ":7: result.columns ['txt'] differ",
        ),
        (
            ECHO.replace("default: null", "default: null, min: 3"),
            ":4: parameters.text.min: only integer",
        ),
        (ECHO.replace(", default: null", ""), ":4: parameters.text: missing default"),
        (ECHO.replace("SELECT ?text WHERE {", "ASK {"), "must be a SELECT query, not ASK"),
        (ECHO.replace("SELECT ?text WHERE {", "SELECT ?text WHERE { ?x"), "SPARQL error"),
        ("SELECT * WHERE { ?s ?p ?o }\n", ":1: missing header"),
    ],
)
def test_malformed_files_are_refused_with_file_and_line(tmp_path, text, expected):
    path = tmp_path / "broken.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(nq.QueryFileError) as info:
        nq.load_dir(tmp_path)
    assert any(
        expected in problem and problem.startswith(str(path)) for problem in info.value.problems
    ), info.value.problems


def test_a_bare_rq_file_needs_no_header(tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    query = nq.resolve(str(path))
    assert query.parameters == () and query.bind({}, nq.Context(BASE)).sparql == path.read_text()
    with pytest.raises(nq.ParameterError):
        query.bind({"x": "1"}, nq.Context(BASE))


# --- formats, listing, OpenAPI, caching -------------------------------------------------------
def test_results_as_csv(web):
    response = web.get("/queries/cities-compared?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["city_key"]: int(r["published_actions"]) for r in table} == {
        city: len(actions(city)) for city in CITY_FOLDERS
    }
    by_accept = web.get("/queries/cities-compared", headers={"Accept": "text/csv"})
    assert by_accept.get_data() == response.get_data()
    assert "Accept" in by_accept.headers["Vary"]


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type"),
    [
        ("*/*", None, "application/sparql-results+json"),
        (
            "application/sparql-results+json, application/json",
            None,
            "application/sparql-results+json",
        ),
        ("application/json", None, "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, "text/html"),
        ("text/tab-separated-values", None, "text/tab-separated-values"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/html", "json", "application/sparql-results+json"),
        ("*/*", "rows", "application/json"),
        ("*/*", "application/json", "application/json"),
        ("*/*", "csv", "text/csv"),
        ("*/*", "html", "text/html"),
    ],
)
def test_negotiation(web, accept, fmt, media_type):
    response = web.get(
        "/queries/masterplan-overview",
        query_string={"format": fmt} if fmt else {},
        headers={"Accept": accept},
    )
    assert response.status_code == 200 and response.mimetype == media_type


def test_unknown_or_unavailable_format(web):
    assert web.get("/queries/masterplan-overview?format=docx").status_code == 400
    assert web.get("/queries/masterplan-overview?format=ttl").status_code == 406
    assert (
        web.get("/queries/masterplan-overview", headers={"Accept": "image/png"}).status_code == 406
    )


def test_html_table_with_the_form(web):
    response = web.get(
        "/queries/actions-per-theme?city=demo-city&lang=en", headers={"Accept": "text/html"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Content-Language"] == "en"
    assert "<form" in page and 'name="min_actions"' in page and 'value="demo-city" selected' in page
    assert "Economy and tourism (fictional theme)" in page
    assert 'href="/id/demo-city/theme/economia?lang=en"' in page  # the chosen language kept
    assert "lodpub query actions-per-theme -p city=demo-city -p lang=en" in page
    assert "curl -H &#39;Accept: text/csv&#39;" in page
    italian = web.get("/queries/actions-per-theme?city=demo-city", headers={"Accept": "text/html"})
    assert "Economia e turismo (tema fittizio)" in italian.get_data(as_text=True)
    browser_en = web.get(
        "/queries/actions-per-theme?city=demo-city",
        headers={"Accept": "text/html", "Accept-Language": "en"},
    )
    assert "Economy and tourism (fictional theme)" in browser_en.get_data(as_text=True)
    assert "Accept-Language" in browser_en.headers["Vary"]


def test_rows_json_keeps_decimals_exact(web):
    data = web.get("/queries/cities-compared?format=rows").get_json()
    assert data["query"] == "cities-compared" and data["parameters"] == {"lang": "it"}
    demo = next(r for r in data["rows"] if r["city_key"] == "demo-city")
    assert isinstance(demo["exact_investment_sum"], str) and isinstance(demo["themes"], int)


def test_query_list_json_and_html(web, queries):
    response = web.get("/queries")
    assert response.status_code == 200 and response.mimetype == "application/json"
    listed = response.get_json()["queries"]
    assert [q["name"] for q in listed] == list(queries)
    organisation = next(
        p
        for q in listed
        if q["name"] == "actions-led-by"
        for p in q["parameters"]
        if p["name"] == "organisation"
    )
    assert organisation["prefix"] == BASE + "id/" and organisation["default"] is None
    page = web.get("/queries", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert all(f"/queries/{name}" in text for name in queries)
    assert web.get("/queries?format=html").mimetype == "text/html"
    assert web.get("/queries?format=json").mimetype == "application/json"


def test_openapi_is_valid(web, queries):
    validator = pytest.importorskip("openapi_spec_validator")
    response = web.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    validator.validate(document)
    assert set(document["paths"]) == {"/queries", *(f"/queries/{n}" for n in queries)}
    operation = document["paths"]["/queries/actions-by-timeframe-and-ict-role"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["timeframe"]["schema"]["enum"] == ["short", "medium", "long"]
    assert params["city"]["schema"]["enum"] == sorted(CITY_FOLDERS)
    assert params["lang"]["schema"]["default"] == "it"
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert "400" in operation["responses"]
    minimum = document["paths"]["/queries/actions-per-theme"]["get"]["parameters"]
    assert next(p for p in minimum if p["name"] == "min_actions")["schema"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 100000,
        "default": 0,
    }


@pytest.mark.parametrize(
    "path", ["/queries/themes-mapping?city=demo-city", "/queries", "/openapi.json"]
)
def test_cache_headers_and_304(web, path):
    first = web.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["Last-Modified"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = web.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.get_data()
    if path != "/openapi.json":  # negotiated: another representation, another ETag
        other = web.get(path, headers={"Accept": "text/html", "If-None-Match": etag})
        assert other.status_code == 200 and other.headers["ETag"] != etag


def test_another_parameter_value_is_another_etag(web):
    one = web.get("/queries/masterplan-overview?city=demo-city").headers["ETag"]
    two = web.get("/queries/masterplan-overview?city=second-city").headers["ETag"]
    assert one != two


# --- lodpub query ------------------------------------------------------------------------------
def cli(*args: str) -> Any:
    return CliRunner().invoke(main, ["query", *args], catch_exceptions=False)


def test_cli_table_against_the_local_server(server):
    result = cli(
        "actions-per-theme",
        "--endpoint",
        server + "/sparql",
        "-p",
        "city=demo-city",
        "-p",
        "lang=en",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["city_key", "theme", "notation"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[-1] == f"({len(themes('demo-city'))} rows)"
    assert ":id/demo-city/theme/economia" in result.output
    assert "Economy and tourism (fictional theme)" in result.output


def test_cli_csv_and_json_match_the_api(server, web):
    result = cli("cities-compared", "--endpoint", server + "/sparql", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert list(csv.DictReader(io.StringIO(result.output))) == list(
        csv.DictReader(
            io.StringIO(web.get("/queries/cities-compared?format=csv").get_data(as_text=True))
        )
    )
    result = cli(
        "themes-mapping",
        "--endpoint",
        server + "/sparql",
        "--format",
        "json",
        "-p",
        "city=second-city",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"]["bindings"] == bindings(
        web, "themes-mapping", city="second-city"
    )


def test_cli_default_endpoint_comes_from_the_configuration(server, tmp_path):
    port = server.rsplit(":", 1)[1]
    config = tmp_path / "config.yaml"
    config.write_text(f"server:\n  host: 127.0.0.1\n  port: {port}\n", encoding="utf-8")
    result = cli("masterplan-overview", "--config", str(config), "-p", "city=laspezia")
    assert result.exit_code == 0, result.output
    assert "laspezia" in result.output and "(1 row)" in result.output


def test_cli_runs_a_bare_rq_file(server, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text(
        "PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>\n"
        "SELECT (COUNT(?a) AS ?actions) WHERE { ?a a smp:Action }\n",
        encoding="utf-8",
    )
    result = cli(str(path), "--endpoint", server + "/sparql", "--format", "csv")
    assert result.exit_code == 0, result.output
    expected = sum(len(actions(city)) for city in CITY_FOLDERS)
    assert result.output.splitlines() == ["actions", str(expected)]


def test_cli_errors(server, tmp_path):
    result = CliRunner().invoke(
        main, ["query", "masterplan-overview", "--endpoint", "http://127.0.0.1:9/sparql"]
    )
    assert (
        result.exit_code == 1 and "no SPARQL endpoint at http://127.0.0.1:9/sparql" in result.output
    )
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE { ?s ?p }\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(bad), "--endpoint", server + "/sparql"])
    assert (
        result.exit_code == 1
        and "400 Bad Request" in result.output
        and "syntax error" in result.output
    )
    result = CliRunner().invoke(main, ["query", "actions-per-theme", "-p", "min_actions=many"])
    assert result.exit_code == 2 and "not an integer" in result.output
    result = CliRunner().invoke(main, ["query", "actions-per-theme", "-p", "bogus"])
    assert result.exit_code == 2 and "NAME=VALUE" in result.output
    result = CliRunner().invoke(main, ["query", "no-such-question"])
    assert result.exit_code == 2 and "masterplan-overview" in result.output
    result = CliRunner().invoke(main, ["query", "missing.rq"])
    assert result.exit_code == 2 and "no such query file" in result.output


def test_cli_print_query_shows_the_escaped_literal():
    result = cli("actions-led-by", "--print-query", "-p", 'name="} ; DROP ALL #')
    assert result.exit_code == 0
    assert 'UNDEF "\\"} ; DROP ALL #" UNDEF "it") }' in result.output


def test_cli_lists_the_queries(queries):
    result = cli()
    assert result.exit_code == 0
    assert [line.split(":")[0] for line in result.output.splitlines()] == list(queries)


def test_cli_as_a_real_process(server):
    lodpub = Path(sys.executable).with_name("lodpub")
    if not lodpub.exists():
        pytest.skip("the lodpub script is not installed next to this Python")
    done = subprocess.run(
        [
            str(lodpub),
            "query",
            "data-completeness",
            "-p",
            "city=laspezia",
            "--format",
            "csv",
            "--endpoint",
            server + "/sparql",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted(r["declared"] for r in table) == ["44", "44", "45"]
    assert {r["published"] for r in table} == {"0"}


def test_table_rendering_compacts_and_cuts():
    from publisher.client import Table

    table = Table.from_json(
        {
            "head": {"vars": ["thing", "label", "n"]},
            "results": {
                "bindings": [
                    {
                        "thing": {
                            "type": "uri",
                            "value": "https://w3id.org/smartcity-masterplan/ontology#Action",
                        },
                        "label": {"type": "literal", "value": "x" * 100, "xml:lang": "it"},
                        "n": {
                            "type": "literal",
                            "value": "7",
                            "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                        },
                    },
                    {"thing": {"type": "bnode", "value": "b0"}},
                ]
            },
        }
    )
    text = render_table(table, base=BASE, max_width=20)
    assert "smp:Action" in text and "_:b0" in text and ("x" * 19 + "…") in text
    assert text.splitlines()[2].endswith("  7") and text.endswith("(2 rows)\n")
    assert compact(BASE + "id/x/masterplan", BASE) == ":id/x/masterplan"
    assert compact("http://example.org/other") == "http://example.org/other"


# --- an Oxigraph server ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oxigraph(dist: Path, tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).exists():
        pytest.skip("the oxigraph server (PyPI package 'oxigraph') is not installed")
    location = tmp_path_factory.mktemp("oxigraph")
    subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(dist / "dataset.nq")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the oxigraph server did not start")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def solutions(data: dict[str, Any]) -> list[tuple]:
    return sorted(
        tuple(sorted((k, v["type"], v["value"]) for k, v in b.items()))
        for b in data["results"]["bindings"]
    )


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_cli_against_an_oxigraph_server(oxigraph, web, name):
    result = cli(name, "--endpoint", oxigraph, "--format", "json", "-p", "lang=en")
    assert result.exit_code == 0, result.output
    ours = web.get(f"/queries/{name}?lang=en").get_json()
    theirs = json.loads(result.output)
    assert theirs["head"]["vars"] == ours["head"]["vars"]
    assert solutions(theirs) == solutions(ours)


def test_hostile_text_against_an_oxigraph_server(oxigraph, echo):
    result = cli(
        str(echo.path), "--endpoint", oxigraph, "--format", "json", "-p", f"text={HOSTILE[0]}"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"]["bindings"] == [
        {"text": {"type": "literal", "value": HOSTILE[0]}}
    ]
    table = cli(str(echo.path), "--endpoint", oxigraph, "-p", f"text={HOSTILE[1]}")
    assert HOSTILE[1] in table.output and "(1 row)" in table.output


# --- /compare: the questions across cities ----------------------------------------------
COMPARED = [
    "cities-compared",
    "actions-per-theme",
    "actions-per-area-eu-data-theme",
    "actions-per-area-osservatorio-theme",
    "data-completeness",
    "organisations-in-several-cities",
]


@pytest.mark.parametrize(("lang", "title"), [("it", "Le città a confronto"),
                                             ("en", "The cities compared")])  # fmt: skip
def test_compare_shows_a_table_and_a_chart_per_question(web, lang, title):
    response = web.get(f"/compare?lang={lang}", headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Content-Language"] == lang
    assert f"<h1>{title}</h1>" in page
    for anchor in COMPARED:
        section = page.split(f'<section id="{anchor}"', 1)[1].split("</section>", 1)[0]
        assert '<table class="table table-sm result">' in section, anchor
        assert 'class="chart"' in section, anchor
        name = anchor.removesuffix("-eu-data-theme").removesuffix("-osservatorio-theme")
        assert f'href="/queries/{name}?' in section and "format=csv" in section, anchor
        assert 'href="/sparql?query=' in section, anchor
    assert "demo-city" in page and "second-city" in page


def test_compare_has_a_json_twin_with_the_same_rows(web):
    data = web.get("/compare", headers={"Accept": "application/json"}).get_json()
    assert [q["id"] for q in data["questions"]] == COMPARED
    assert data["cities"] == sorted(CITY_FOLDERS)
    areas = next(q for q in data["questions"] if q["id"] == "actions-per-area-osservatorio-theme")
    assert areas["parameters"]["scheme"].endswith("osservatorio-theme")
    assert {r["scheme"] for r in areas["rows"]} == {"osservatorio-theme"}
    csv = web.get(areas["csv"])
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert len(csv.get_data(as_text=True).splitlines()) == len(areas["rows"]) + 1
    assert web.get("/compare?format=html").mimetype == "text/html"


def test_compare_draws_a_few_charts_per_question_and_says_how_many_more(web, monkeypatch):
    from publisher.web.api import compare

    monkeypatch.setattr(compare, "MAX_CHARTS", 1)
    # an unknown parameter no longer bypasses the representation cache: empty it instead,
    # before and after (the page with fewer charts must not be replayed to other tests)
    cache = web.application.extensions[CACHE_EXTENSION]
    cache.clear()
    page = web.get("/compare?lang=en", headers={"Accept": "text/html"})
    cache.clear()
    text = page.get_data(as_text=True)
    themes = text.split('<section id="actions-per-theme"', 1)[1].split("</section>", 1)[0]
    assert themes.count('<figure class="chart"') == 1  # one chart per city otherwise
    assert f"{len(CITY_FOLDERS) - 1} more charts are not shown here" in themes
