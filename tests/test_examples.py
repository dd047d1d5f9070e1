"""The fictional demo cities: generated, deterministic, consistent and exercising every field.

These checks are written against docs/data-format.md and docs/model.md, not against the
generator's own constants, so a generator bug cannot hide behind itself.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from publisher.iris import SLUG
from publisher.source import FILES_OPTIONAL, FILES_REQUIRED
from publisher.source.city import YAML_FIELDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DOC = ROOT / "docs" / "data-format.md"
FILE_NAMES = set(FILES_REQUIRED + FILES_OPTIONAL)
CITIES = {
    # folder: (city name, seed, actions, fictional ISTAT-like code)
    "demo-city": ("Esempiopoli", 1, 45, "999001"),
    "second-city": ("Immaginopoli", 2, 20, "999002"),
}

# Controlled values, as docs/model.md lists them.
ENUMS = {
    "timeframe": {"short", "medium", "long"},
    "ict_role": {"characterising", "enabling", "none"},
    "funding": {"public", "private", "public-private-partnership", "mixed", "to-be-defined"},
    "status": {"proposed", "planned", "in-progress", "completed", "suspended", "cancelled"},
    "role": {
        "process-coordinator", "coordinator", "team-leader", "lead", "partner",
        "protocol-signatory", "steering-committee-member", "technical-advisor", "member",
        "funder",
    },
    "figure kind": {
        "actions", "total-investment", "short-term-actions-share", "participants",
        "participating-organisations", "work-tables", "methodology-phases",
    },
    "precision": {"exact", "approximate", "more-than", "at-least"},
    "source type": {
        "web-page", "press-release", "news-article", "magazine-article", "academic-paper",
        "controlled-vocabulary",
    },
    "osservatorio theme": {
        "governance", "environment", "economy", "people", "living", "mobility", "planning",
        "energy",
    },
}
EU_THEMES = {
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTL", "JUST", "OP_DATPRO", "REGI",
    "SOCI", "TECH", "TRAN",
}


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("examples_generate", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


class _DecimalLoader(yaml.SafeLoader):
    """Reads floats as Decimal from their text, as the project's loader does."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def load_city(folder: Path) -> dict[str, Any]:
    return {
        name: yaml.load((folder / name).read_text(encoding="utf-8"), Loader=_DecimalLoader)
        for name in FILE_NAMES
    }


@pytest.fixture(scope="module", params=sorted(CITIES))
def city(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_city(EXAMPLES / request.param)


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return load_city(EXAMPLES / "demo-city")


def _written(tmp: Path, folder: str) -> dict[str, bytes]:
    name, seed, n_actions, istat = CITIES[folder]
    files = generator.generate_city(folder, name, seed, n_actions, istat=istat)
    generator.write_city(tmp / folder, files)
    return {p.name: p.read_bytes() for p in sorted((tmp / folder).iterdir())}


def _committed(folder: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((EXAMPLES / folder).glob("*.yaml"))}


# ---- generation ------------------------------------------------------------------------------


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = _written(tmp_path / "one", "demo-city")
    second = _written(tmp_path / "two", "demo-city")
    assert set(first) == FILE_NAMES
    assert first == second
    other = generator.generate_city("demo-city", "Esempiopoli", 99, 45, istat="999001")
    assert other != generator.generate_city("demo-city", "Esempiopoli", 1, 45, istat="999001")


@pytest.mark.parametrize("folder", sorted(CITIES))
def test_committed_examples_equal_a_fresh_generation(tmp_path: Path, folder: str) -> None:
    committed = _committed(folder)
    fresh = _written(tmp_path, folder)
    assert set(committed) == FILE_NAMES, "a city folder holds exactly the six files"
    for name in sorted(FILE_NAMES):
        assert committed[name] == fresh[name], (
            f"examples/{folder}/{name} differs from a fresh generation: do not edit it by hand, "
            "regenerate it (see examples/README.md)"
        )


def test_cli_matches_library_and_defaults(tmp_path: Path) -> None:
    script = str(EXAMPLES / "generate.py")
    out = tmp_path / "second-city"
    subprocess.run(
        [sys.executable, script, str(out), "--city-name", "Immaginopoli", "--seed", "2",
         "--actions", "20"],
        check=True, capture_output=True,
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == _committed("second-city")
    out = tmp_path / "demo-city"
    subprocess.run([sys.executable, script, str(out)], check=True, capture_output=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == _committed("demo-city")


def test_cli_rejects_bad_arguments(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "generate.py"), str(tmp_path / "x"), "--actions", "0"],
        capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert not (tmp_path / "x").exists()


def test_every_file_says_it_is_generated_fictional_data() -> None:
    for folder in CITIES:
        for path in (EXAMPLES / folder).glob("*.yaml"):
            head = path.read_text(encoding="utf-8").splitlines()[0]
            assert head.startswith("# DATI FITTIZI / FICTIONAL DATA, generated by "
                                   "examples/generate.py"), path
            assert "do not edit by hand" in head, path


def test_generated_city_of_any_size_is_consistent(tmp_path: Path) -> None:
    for n_actions in (1, 3, 7, 120):
        files = generator.generate_city("bench-city", "Cittadina", 5, n_actions)
        generator.write_city(tmp_path / f"c{n_actions}", files)
        data = load_city(tmp_path / f"c{n_actions}")
        assert len(data["actions.yaml"]["actions"]) == n_actions
        check_references(data)
        check_keys(data)


# ---- consistency -----------------------------------------------------------------------------


def _records(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every record that needs `sources`, with where it is."""
    mp = data["masterplan.yaml"]
    found = [("city", mp["city"]), ("masterplan", mp["masterplan"])]
    found += [(f"phase {i}", p) for i, p in enumerate(mp["masterplan"]["phases"], 1)]
    found.append(("scheme", data["themes.yaml"]["scheme"]))
    for theme in data["themes.yaml"]["themes"]:
        found.append((f"theme {theme['id']}", theme))
        found += [(f"theme {s['id']}", s) for s in theme.get("subthemes", [])]
    found += [(f"organisation {o['id']}", o) for o in data["organisations.yaml"]["organisations"]]
    found += [(f"role {i}", r) for i, r in enumerate(data["roles.yaml"]["roles"])]
    found += [(f"action {a['id']}", a) for a in data["actions.yaml"]["actions"]]
    return found


def check_keys(data: dict[str, Any]) -> None:
    theme_keys = [t["id"] for t in data["themes.yaml"]["themes"]]
    theme_keys += [s["id"] for t in data["themes.yaml"]["themes"] for s in t.get("subthemes", [])]
    per_file = {
        "sources.yaml": [s["id"] for s in data["sources.yaml"]["sources"]],
        "themes.yaml": theme_keys,
        "organisations.yaml": [o["id"] for o in data["organisations.yaml"]["organisations"]],
        "actions.yaml": [a["id"] for a in data["actions.yaml"]["actions"]],
    }
    for file_name, keys in per_file.items():
        assert keys, file_name
        for key in keys:
            assert isinstance(key, str) and SLUG.match(key), f"{file_name}: bad key {key!r}"
        assert len(keys) == len(set(keys)), f"{file_name}: duplicate keys"


def check_references(data: dict[str, Any]) -> None:
    sources = {s["id"] for s in data["sources.yaml"]["sources"]}
    orgs = {o["id"]: o for o in data["organisations.yaml"]["organisations"]}
    tables = {t["id"]: t for t in data["themes.yaml"]["themes"]}
    subs_of = {key: {s["id"] for s in t.get("subthemes", [])} for key, t in tables.items()}
    work_tables = {k for k, t in tables.items() if t.get("work_table", True) is not False}
    work_tables |= {s for k in list(work_tables) for s in subs_of[k]}
    actions = {a["id"]: a for a in data["actions.yaml"]["actions"]}
    mp = data["masterplan.yaml"]

    for where, record in _records(data):
        assert record.get("sources"), f"{where}: no sources"
        for key in record["sources"]:
            assert key in sources, f"{where}: unknown source {key!r}"
    for figure in mp["masterplan"]["figures"]:
        assert figure["source"] in sources, figure
    for source in data["sources.yaml"]["sources"]:
        publisher = source.get("publisher")
        assert publisher is None or isinstance(publisher, str)

    assert mp["city"]["municipality"] in orgs
    for body in mp["masterplan"].get("governance_bodies", []):
        assert orgs[body]["type"] == "steering-committee", body
    for phase in mp["masterplan"]["phases"]:
        if "validated_by" in phase:
            assert phase["validated_by"] in orgs
        if "started" in phase and "ended" in phase:
            assert phase["started"] <= phase["ended"]

    for table in tables.values():
        for sub in table.get("subthemes", []):
            assert "subthemes" not in sub, "sub-themes are one level deep"

    for role in data["roles.yaml"]["roles"]:
        assert role["holder"] in orgs, role
        target = role["of"]
        if target != "masterplan":
            kind, _, key = target.partition("/")
            known = {"table": work_tables, "action": actions, "organisation": orgs}[kind]
            assert key in known, f"role target {target!r} does not exist"
        if "since" in role and "until" in role:
            assert str(role["since"])[:4] <= str(role["until"])[:4]

    for action in actions.values():
        theme = action["theme"]
        assert theme in tables, f"{action['id']}: theme {theme!r} is not a table"
        if "subtheme" in action:
            assert action["subtheme"] in subs_of[theme], f"{action['id']}: subtheme not of theme"
        for key in [action.get("lead"), *action.get("partners", []), *action.get("funders", [])]:
            assert key is None or key in orgs, f"{action['id']}: unknown organisation {key!r}"
        if "start" in action and "end" in action:
            assert action["start"] <= action["end"]

    # A role assignment's IRI is role--holder--target: no two may coincide, counting the
    # lead / partners / funders written on the actions.
    seen: set[tuple[str, str, str]] = set()
    triples = [(r["role"], r["holder"], r["of"]) for r in data["roles.yaml"]["roles"]]
    for action in actions.values():
        target = f"action/{action['id']}"
        if "lead" in action:
            triples.append(("lead", action["lead"], target))
        triples += [("partner", p, target) for p in action.get("partners", [])]
        triples += [("funder", f, target) for f in action.get("funders", [])]
    for triple in triples:
        assert triple not in seen, f"role given twice: {triple}"
        seen.add(triple)


def test_every_reference_resolves(city: dict[str, Any]) -> None:
    check_references(city)


def test_keys_are_unique_slugs(city: dict[str, Any]) -> None:
    check_keys(city)


def test_publishers_are_organisation_keys_or_names(demo: dict[str, Any]) -> None:
    orgs = {o["id"] for o in demo["organisations.yaml"]["organisations"]}
    publishers = [s["publisher"] for s in demo["sources.yaml"]["sources"] if "publisher" in s]
    assert any(p in orgs for p in publishers)
    assert any(p not in orgs for p in publishers)


# ---- coverage of the format -------------------------------------------------------------------


def _paths(value: Any, prefix: str = "") -> set[str]:
    """Dotted field paths of a document; list items add `[]`."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.add(path)
            found |= _paths(item, path)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                found |= _paths(item, f"{prefix}[]")
    return found


def _documented() -> dict[str, dict[str, Any]]:
    text = DOC.read_text(encoding="utf-8")
    blocks = {
        m.group(1): yaml.safe_load(m.group(2))
        for m in re.finditer(r"^## (\w+\.yaml)\n.*?```yaml\n(.*?)```", text, re.S | re.M)
    }
    assert set(blocks) == FILE_NAMES, "docs/data-format.md should show an example of every file"
    return blocks


def _mappings(value: Any, path: str = "") -> dict[str, set[str]]:
    """The keys of every mapping in a document, by dotted path (list items add nothing)."""
    found: dict[str, set[str]] = {}
    if isinstance(value, list):
        for item in value:
            for where, keys in _mappings(item, path).items():
                found.setdefault(where, set()).update(keys)
    elif isinstance(value, dict):
        found.setdefault(path, set()).update(value)
        for key, item in value.items():
            for where, keys in _mappings(item, f"{path}.{key}".lstrip(".")).items():
                found.setdefault(where, set()).update(keys)
    return found


@pytest.mark.parametrize("file_name", sorted(FILE_NAMES))
def test_the_format_documents_exactly_the_fields_the_reader_takes(file_name: str) -> None:
    """The reader's keys come from the records' declarations (publisher/source/records.py);
    sub-themes take the themes' fields ("same fields, one level deep")."""
    everything = _mappings(_documented()[file_name])
    # texts ({it: …, en: …}) are value types, documented once at the top
    documented = {path: keys for path, keys in everything.items() if not keys <= {"it", "en"}}
    for path, fields in YAML_FIELDS[file_name].items():
        named = documented.pop(path, set())
        if path == "themes.subthemes":
            named |= everything["themes"] - {"subthemes"}
        assert named == set(fields), (
            f"docs/data-format.md, {file_name} at {path or 'the top'}: not documented "
            f"{sorted(set(fields) - named)}, not read {sorted(named - set(fields))}"
        )
    assert not documented, f"{file_name}: documented mappings the reader has none of"


def test_every_documented_action_field_is_used(demo: dict[str, Any]) -> None:
    documented = _documented()["actions.yaml"]["actions"][0]
    assert len(documented) >= 15, "the documented action fields were not found"
    for field in documented:
        assert any(field in a for a in demo["actions.yaml"]["actions"]), f"no action has {field}"


@pytest.mark.parametrize("file_name", sorted(FILE_NAMES))
def test_every_documented_field_is_used(demo: dict[str, Any], file_name: str) -> None:
    missing = _paths(_documented()[file_name]) - _paths(demo[file_name])
    assert not missing, f"{file_name}: documented fields never used by the demo city: {missing}"


def _values(demo: dict[str, Any]) -> dict[str, set[str]]:
    mp = demo["masterplan.yaml"]["masterplan"]
    actions = demo["actions.yaml"]["actions"]
    themes = [t for table in demo["themes.yaml"]["themes"]
              for t in [table, *table.get("subthemes", [])]]
    precisions = {f["precision"] for f in mp["figures"]}
    precisions |= {a["investment"]["precision"] for a in actions
                   if isinstance(a.get("investment"), dict) and "precision" in a["investment"]}
    roles = {r["role"] for r in demo["roles.yaml"]["roles"]}
    roles |= {"lead"} if any("lead" in a for a in actions) else set()
    return {
        "timeframe": {a["timeframe"] for a in actions},
        "ict_role": {a["ict_role"] for a in actions},
        "funding": {a["funding"] for a in actions},
        "status": {a["status"] for a in actions},
        "role": roles,
        "figure kind": {f["kind"] for f in mp["figures"]},
        "precision": precisions,
        "source type": {s["type"] for s in demo["sources.yaml"]["sources"]},
        "osservatorio theme": {o for t in themes for o in t["osservatorio_themes"]},
    }


@pytest.mark.parametrize("enum", sorted(ENUMS))
def test_every_enumerated_value_is_used(demo: dict[str, Any], enum: str) -> None:
    used = _values(demo)[enum]
    assert used <= ENUMS[enum], f"{enum}: unknown values {used - ENUMS[enum]}"
    assert used == ENUMS[enum], f"{enum}: never used: {ENUMS[enum] - used}"


def test_roles_file_alone_uses_every_role_and_target_form(demo: dict[str, Any]) -> None:
    roles = demo["roles.yaml"]["roles"]
    assert {r["role"] for r in roles} == ENUMS["role"]
    assert {r["of"].partition("/")[0] for r in roles} == {
        "masterplan", "table", "action", "organisation"}
    for bound in ("since", "until"):
        kinds = {type(r[bound]).__name__ for r in roles if bound in r}
        assert kinds == {"int", "date"}, f"{bound} should appear as a year and as a date"


def test_masterplan_figures_and_phases(city: dict[str, Any]) -> None:
    mp = city["masterplan.yaml"]
    assert mp["fictional"] is True
    plan = mp["masterplan"]
    assert "(fittizio)" in plan["title"]["it"] and "(fictional)" in plan["title"]["en"]
    assert "(fittizio)" in plan["description"]["it"]
    assert "(fictional)" in plan["description"]["en"]
    assert plan["approved"] <= plan["presented"]
    figures = plan["figures"]
    declared = [f for f in figures if f["kind"] == "actions"]
    assert len(declared) == 2, "two sources disagreeing on the number of actions"
    assert declared[0]["value"] != declared[1]["value"]
    assert declared[0]["source"] != declared[1]["source"]
    n_actions = len(city["actions.yaml"]["actions"])
    assert n_actions in {f["value"] for f in declared}
    total = next(f for f in figures if f["kind"] == "total-investment")
    assert total["precision"] == "more-than" and "min" in total
    for figure in figures:
        assert ("value" in figure) != ("min" in figure or "max" in figure), figure
        assert figure["precision"] in ENUMS["precision"]
    phases = plan["phases"]
    assert len(phases) == 3
    for earlier, later in itertools.pairwise(phases):
        assert earlier["ended"] < later["started"]
    assert all("validated_by" in p and "started" in p and "ended" in p for p in phases)


@pytest.mark.parametrize("folder", sorted(CITIES))
def test_istat_code_is_fictional(folder: str) -> None:
    city = load_city(EXAMPLES / folder)["masterplan.yaml"]["city"]
    assert city["istat"] == CITIES[folder][3]
    assert city["istat"].startswith("999"), "999 is not an ISTAT province code"
    name = CITIES[folder][0]
    assert city["name"]["it"].startswith(name)


def test_theme_shape(demo: dict[str, Any]) -> None:
    tables = demo["themes.yaml"]["themes"]
    assert len(tables) == 5
    sub_counts = sorted(len(t.get("subthemes", [])) for t in tables)
    assert sub_counts.count(2) >= 2 and 0 in sub_counts
    assert any(t.get("work_table") is False for t in tables)
    every = [t for table in tables for t in [table, *table.get("subthemes", [])]]
    for theme in every:
        assert theme["eu_themes"] and set(theme["eu_themes"]) <= EU_THEMES, theme["id"]
        assert theme["osservatorio_themes"], theme["id"]
    assert any("eurovoc" in t for t in every) and not all("eurovoc" in t for t in every)
    assert any("definition" in t for t in every) and any("note" in t for t in every)


def test_organisations(demo: dict[str, Any]) -> None:
    orgs = demo["organisations.yaml"]["organisations"]
    assert 20 <= len(orgs) <= 30
    assert {o["public"] for o in orgs} == {True, False}
    assert [o["type"] for o in orgs].count("steering-committee") == 1
    assert sum("homepage" in o for o in orgs) >= 3
    codes = [o["ipa_code"] for o in orgs if "ipa_code" in o]
    assert codes and all(c.startswith("fitt_") for c in codes)
    assert sum("same_as" in o for o in orgs) == 1
    assert any("note" in o for o in orgs)


def test_actions(city: dict[str, Any]) -> None:
    actions = city["actions.yaml"]["actions"]
    short = sum(a["timeframe"] == "short" for a in actions)
    assert short > len(actions) / 2, "over half the actions are short-term"
    forms = set()
    for action in actions:
        amount = action.get("investment")
        if amount is None:
            forms.add("none")
        elif isinstance(amount, Decimal):
            forms.add("exact")
            assert amount == amount.quantize(Decimal("0.01")) and amount > 0
        elif set(amount) == {"min", "max"}:
            forms.add("range")
            assert amount["min"] < amount["max"]
        else:
            assert amount == {"min": amount["min"], "precision": "more-than"}
            forms.add("lower bound")
        assert action["title"]["it"].endswith("(fittizia)")
        assert action["title"]["en"].endswith("(fictional)")
    assert forms == {"none", "exact", "range", "lower bound"}


def test_exact_amounts_keep_their_cents() -> None:
    text = (EXAMPLES / "demo-city" / "actions.yaml").read_text(encoding="utf-8")
    literals = re.findall(r"^    investment: (\d+\.\d+)$", text, re.M)
    assert literals and all(re.fullmatch(r"\d+\.\d\d", v) for v in literals)
    assert any(not v.endswith(".00") for v in literals), "some amounts have cents"
    assert any(v.endswith(".00") for v in literals), "trailing zeros are kept"


def test_sources(demo: dict[str, Any]) -> None:
    sources = demo["sources.yaml"]["sources"]
    assert any("citation" in s for s in sources)
    assert any("issued" in s for s in sources) and not all("issued" in s for s in sources)
    assert {s.get("language") for s in sources} >= {"it", "en"}


# ---- fictional, everywhere ------------------------------------------------------------------


def _texts(value: Any, fields: set[str]) -> list[tuple[str, Any]]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in fields:
                found.append((key, item))
            else:
                found += _texts(item, fields)
    elif isinstance(value, list):
        for item in value:
            found += _texts(item, fields)
    return found


def test_every_title_label_and_name_says_fictional(city: dict[str, Any]) -> None:
    fields = {"title", "label", "name", "description", "definition"}
    texts = [t for document in city.values() for t in _texts(document, fields)]
    assert len(texts) > 50
    for field, text in texts:
        by_language = text if isinstance(text, dict) else {"it": text}
        assert set(by_language) <= {"it", "en"} and "it" in by_language, (field, text)
        assert "fittizi" in by_language["it"].lower(), (field, text)
        if "en" in by_language:
            assert "fictional" in by_language["en"].lower(), (field, text)
    orgs = {o["id"] for o in city["organisations.yaml"]["organisations"]}
    for source in city["sources.yaml"]["sources"]:
        publisher = source.get("publisher")
        if publisher and publisher not in orgs:
            assert re.search("fittizi|fictional", publisher), publisher


def test_links_point_to_example_domains(city: dict[str, Any]) -> None:
    links = [s["url"] for s in city["sources.yaml"]["sources"]]
    plan = city["masterplan.yaml"]["masterplan"]
    links += [plan["homepage"]]
    assert plan["contact_email"].endswith("@example.org")
    for org in city["organisations.yaml"]["organisations"]:
        links += [org["homepage"]] if "homepage" in org else []
        links += org.get("same_as", [])
    for link in links:
        parts = urlsplit(link)
        assert parts.scheme == "https", link
        assert parts.hostname in {"example.org", "example.com", "www.example.com"}, link
