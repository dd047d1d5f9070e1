"""The YAML reader: La Spezia reads clean, and every kind of mistake is refused with file:line."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from publisher.source import SourceError, read_cities, read_city, read_yaml

ROOT = Path(__file__).resolve().parents[1]
LASPEZIA = ROOT / "data" / "laspezia"

# A fictional action used only by these tests, to exercise actions.yaml without the demo city.
TEST_ACTIONS = """\
actions:
  - id: t01
    title: {it: "Azione di prova (fittizia)", en: "Test action (fictional)"}
    theme: environment
    subtheme: energia
    timeframe: short
    ict_role: enabling
    investment: 1250000.10
    funding: public
    status: planned
    start: 2016-01-01
    end: 2017-12-31
    lead: enea
    partners: [cnr]
    sources: [comune-page]
"""


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """A writable copy of La Spezia's folder, with one fictional test action."""
    folder = tmp_path / "laspezia"
    shutil.copytree(LASPEZIA, folder)
    (folder / "actions.yaml").write_text(TEST_ACTIONS, encoding="utf-8")
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(folder: Path, name: str, needle: str) -> int:
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    return max(i for i, line in enumerate(lines, 1) if needle in line)  # the last one


def problems(folder: Path) -> list[str]:
    with pytest.raises(SourceError) as info:
        read_city(folder)
    return info.value.problems


def test_la_spezia_reads_clean() -> None:
    city = read_city(LASPEZIA)
    assert city.key == "laspezia"
    assert city.istat == "011015"
    assert len(city.themes) == 11  # 5 tables, 6 sub-tables
    assert sum(t.parent is None for t in city.themes.values()) == 5
    assert city.actions == {}  # the action list is not public: none is invented
    declared = sorted(f.amount.value for f in city.masterplan.figures if f.kind == "actions")
    assert declared == [44, 44, 45]
    assert [p.position for p in city.masterplan.phases] == [1, 2, 3]


def test_amounts_are_exact_decimals(city: Path) -> None:
    action = read_city(city).actions["t01"]
    assert action.investment.value == Decimal("1250000.10")


@pytest.mark.parametrize(
    ("name", "old", "new", "needle", "field", "message"),
    [
        ("masterplan.yaml", "value: 45", "value: molti", "value: molti",
         "masterplan.figures[0].value", "expected a decimal number"),
        ("actions.yaml", "investment: 1250000.10", "investment: tanti", "investment: tanti",
         "actions[0].investment", "expected a decimal number"),
        ("actions.yaml", "theme: environment", "theme: nowhere", "theme: nowhere",
         "actions[0].theme", "no theme with id 'nowhere'"),
        ("roles.yaml", "of: table/mobility", "of: table/nowhere", "of: table/nowhere",
         "roles[12].of", "no theme with id 'nowhere'"),
        ("actions.yaml", "subtheme: energia", "subtheme: economia", "subtheme: economia",
         "actions[0].subtheme", "not a sub-theme of 'environment'"),
        ("actions.yaml", "lead: enea", "lead: nobody", "lead: nobody",
         "actions[0].lead", "no organisation with id 'nobody'"),
        ("actions.yaml", "timeframe: short", "timeframe: soon", "timeframe: soon",
         "actions[0].timeframe", "allowed: short, medium, long"),
        ("actions.yaml", "start: 2016-01-01", "start: next year", "start: next year",
         "actions[0].start", "expected a date"),
        ("actions.yaml", "end: 2017-12-31", "end: 2015-12-31", "end: 2015-12-31",
         "actions[0].end", "ends before it starts"),
        ("actions.yaml", "    funding: public", "    funding: public\n    budget: 3",
         "budget: 3", "actions[0].budget", "unknown field"),
        ("organisations.yaml", "  - id: cnr", "  - id: CNR!", "id: CNR!",
         "organisations[4].id", "expected a key"),
        ("organisations.yaml", "  - id: ingv", "  - id: cssn", "  - id: cssn",
         "organisations[3].id", "duplicate id 'cssn'"),
        ("sources.yaml", "    issued: 2015-11-18", "    issued: 18/11/2015", "18/11/2015",
         "sources[3].issued", "expected a date"),
        ("masterplan.yaml", "  approved: 2015-11-03", "  approved: 3 novembre",
         "approved: 3 novembre", "masterplan.approved", "expected a date"),
        ("masterplan.yaml", "source: comune-page", "source: nowhere", "source: nowhere",
         "masterplan.figures[0].source", "no source in sources.yaml with id 'nowhere'"),
        ("masterplan.yaml", "  istat: \"011015\"", "  istat: 11015", "istat: 11015",
         "city.istat", "six digits"),
        ("themes.yaml", "eu_themes: [TRAN]", "eu_themes: [TRANSPORT]", "TRANSPORT",
         "themes[0].eu_themes[0]", "allowed: AGRI"),
    ],
)
def test_a_broken_field_names_file_line_and_field(
    city: Path, name: str, old: str, new: str, needle: str, field: str, message: str
) -> None:
    edit(city, name, old, new)
    found = problems(city)
    expected = f"{city / name}:{line_of(city, name, needle)}: {field}: "
    assert any(p.startswith(expected) and message in p for p in found), found


def test_missing_title_is_reported(city: Path) -> None:
    edit(city, "actions.yaml", '    title: {it: "Azione di prova (fittizia)", en: "Test action '
         '(fictional)"}\n', "")
    found = problems(city)
    assert any(re.match(rf"{re.escape(str(city))}/actions.yaml:2: actions\[0\]\.title: "
                        r"missing field", p) for p in found), found


def test_italian_text_is_required(city: Path) -> None:
    edit(city, "actions.yaml", '{it: "Azione di prova (fittizia)", en:', "{en:")
    assert any("actions[0].title: the Italian text (it:) is required" in p
               for p in problems(city))


def test_every_problem_is_reported_at_once(city: Path) -> None:
    edit(city, "actions.yaml", "timeframe: short", "timeframe: soon")
    edit(city, "actions.yaml", "status: planned", "status: dreaming")
    assert len(problems(city)) >= 2


def test_records_need_a_source(city: Path) -> None:
    edit(city, "actions.yaml", "    sources: [comune-page]\n", "")
    assert any("actions[0]" in p and "missing field" in p for p in problems(city))


def test_yaml_syntax_error_has_a_line(city: Path) -> None:
    edit(city, "themes.yaml", "  - id: mobility", "  - id: [mobility")
    found = problems(city)
    assert any(p.startswith(f"{city / 'themes.yaml'}:") and "(syntax)" in p for p in found)


def test_python_tags_are_never_executed(city: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    edit(city, "sources.yaml", "    type: web-page\n",
         f"    type: !!python/object/apply:os.system ['touch {marker}']\n")
    found = problems(city)
    assert not marker.exists()
    assert any("sources.yaml" in p and "python/object/apply" in p for p in found), found


def test_non_utf8_file_is_refused(city: Path) -> None:
    (city / "roles.yaml").write_bytes("roles: []\n# caf\xe9\n".encode("latin-1"))
    assert any("roles.yaml:1: (file): not UTF-8" in p for p in problems(city))


def test_oversized_file_is_refused(city: Path) -> None:
    (city / "roles.yaml").write_text("#" * (5 * 1024 * 1024 + 1), encoding="utf-8")
    assert any("roles.yaml:1: (file):" in p and "limit" in p for p in problems(city))


def test_unknown_file_is_refused(city: Path) -> None:
    (city / "action.yaml").write_text("actions: []\n", encoding="utf-8")
    assert any("action.yaml:1: (file): unknown file" in p for p in problems(city))


def test_missing_required_file_is_refused(city: Path) -> None:
    (city / "themes.yaml").unlink()
    assert any("themes.yaml:1: (file): missing file" in p for p in problems(city))


def test_duplicate_yaml_key_is_refused(city: Path) -> None:
    edit(city, "actions.yaml", "    status: planned\n", "    status: planned\n    status: done\n")
    assert any("actions[0].status: duplicate key" in p for p in problems(city))


def test_reserved_or_invalid_city_folder_names(tmp_path: Path) -> None:
    bad = tmp_path / "vocab"
    shutil.copytree(LASPEZIA, bad)
    assert any("(folder)" in p for p in problems(bad))


def test_read_cities_accepts_a_parent_or_a_city_folder(city: Path) -> None:
    assert [c.key for c in read_cities(city.parent)] == ["laspezia"]
    assert [c.key for c in read_cities(city)] == ["laspezia"]
    empty = city.parent / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no city folder"):
        read_cities(empty)


def test_read_yaml_keeps_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  b: 1\n  c:\n    - 2\n    - 3\n", encoding="utf-8")
    root = read_yaml(path)
    assert root["a"]["c"].value[1].origin.line == 5
    assert root["a"]["c"].value[1].origin.field == "a.c[1]"
