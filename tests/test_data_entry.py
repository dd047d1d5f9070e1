"""Data entry for people: every YAML problem is ``file:line: field: message`` in Italian or
English, never a traceback (impossible dates and odd numbers included, fuzzed), and
enumerated values are accepted by their Italian names, taken from the vocabularies.

The city here is a tiny fictional one ("Città di prova", ISTAT 999901), written by the tests;
every scalar field of the format appears in it once, as a slot the tests can fill.
"""

from __future__ import annotations

import ast
import pickle
import re
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.namespace import SKOS

from publisher import messages
from publisher.iris import Iris
from publisher.messages import CATALOGUE, Localised, language
from publisher.rdf import city_graph
from publisher.source import (
    FIGURE_KINDS,
    FUNDING_TYPES,
    ICT_ROLES,
    ORGANISATION_TYPES,
    OSSERVATORIO_THEMES,
    PRECISIONS,
    ROLE_TARGETS,
    ROLES,
    SOURCE_TYPES,
    STATUSES,
    TIMEFRAMES,
    SourceError,
    read_city,
)

ROOT = Path(__file__).resolve().parents[1]
IRIS = Iris("https://w3id.org/smartcity-masterplan/")

# Every scalar slot of the format with a good value: (file, slot) -> YAML text.
GOOD: dict[tuple[str, str], str] = {
    ("sources.yaml", "type"): "web-page",
    ("sources.yaml", "language"): "it",
    ("sources.yaml", "issued"): "2015-11-03",
    ("sources.yaml", "citation"): '"Delibera n. 1 (fittizia)"',
    ("sources.yaml", "url"): "https://example.org/prova",
    ("masterplan.yaml", "istat"): '"999901"',
    ("masterplan.yaml", "fictional"): "true",
    ("masterplan.yaml", "approved"): "2015-11-03",
    ("masterplan.yaml", "presented"): "2015-11-17",
    ("masterplan.yaml", "homepage"): "https://example.org/piano",
    ("masterplan.yaml", "contact_email"): "info@example.org",
    ("masterplan.yaml", "kind"): "actions",
    ("masterplan.yaml", "value"): "3",
    ("masterplan.yaml", "precision"): "exact",
    ("masterplan.yaml", "started"): "2015-04-01",
    ("masterplan.yaml", "ended"): "2015-06-30",
    ("themes.yaml", "notation"): '"1"',
    ("themes.yaml", "eu_theme"): "TRAN",
    ("themes.yaml", "osservatorio_theme"): "mobility",
    ("themes.yaml", "eurovoc"): '"100237"',
    ("themes.yaml", "work_table"): "true",
    ("organisations.yaml", "public"): "true",
    ("organisations.yaml", "type"): "organisation",
    ("organisations.yaml", "homepage"): "https://example.org/comune",
    ("organisations.yaml", "ipa_code"): "c_prova",
    ("organisations.yaml", "same_as"): "https://example.org/id/comune",
    ("roles.yaml", "role"): "coordinator",
    ("roles.yaml", "of"): "table/mobilita",
    ("roles.yaml", "since"): "2015",
    ("roles.yaml", "until"): "2016-12-31",
    ("actions.yaml", "identifier"): '"A.01"',
    ("actions.yaml", "timeframe"): "short",
    ("actions.yaml", "ict_role"): "enabling",
    ("actions.yaml", "investment"): "1250000.50",
    ("actions.yaml", "funding"): "public",
    ("actions.yaml", "status"): "planned",
    ("actions.yaml", "start"): "2016-01-01",
    ("actions.yaml", "end"): "2017-12-31",
}

FILES = {
    "sources.yaml": """\
sources:
  - id: fonte
    title: {it: "Pagina di prova (fittizia)"}
    url: <url>
    type: <type>
    publisher: comune-prova
    language: <language>
    issued: <issued>
    citation: <citation>
""",
    "masterplan.yaml": """\
city:
  name: {it: Città di prova}
  istat: <istat>
  istat_valid_from: 1948-01-01
  municipality: comune-prova
  sources: [fonte]
fictional: <fictional>
masterplan:
  title: {it: "Piano di prova (fittizio)", en: "Test plan (fictional)"}
  approved: <approved>
  presented: <presented>
  homepage: <homepage>
  contact_email: <contact_email>
  sources: [fonte]
  figures:
    - kind: <kind>
      value: <value>
      precision: <precision>
      source: fonte
  phases:
    - label: {it: Ascolto}
      started: <started>
      ended: <ended>
      sources: [fonte]
""",
    "themes.yaml": """\
scheme:
  label: {it: Temi di prova}
  sources: [fonte]
themes:
  - id: mobilita
    notation: <notation>
    label: {it: Mobilità}
    eu_themes: [<eu_theme>]
    osservatorio_themes: [<osservatorio_theme>]
    eurovoc: [<eurovoc>]
    work_table: <work_table>
    sources: [fonte]
""",
    "organisations.yaml": """\
organisations:
  - id: comune-prova
    name: {it: Comune di prova (fittizio)}
    public: <public>
    type: <type>
    homepage: <homepage>
    ipa_code: <ipa_code>
    same_as: [<same_as>]
    sources: [fonte]
""",
    "roles.yaml": """\
roles:
  - role: <role>
    holder: comune-prova
    of: <of>
    since: <since>
    until: <until>
    sources: [fonte]
""",
    "actions.yaml": """\
actions:
  - id: a01
    identifier: <identifier>
    title: {it: "Azione di prova (fittizia)"}
    theme: mobilita
    timeframe: <timeframe>
    ict_role: <ict_role>
    investment: <investment>
    funding: <funding>
    status: <status>
    start: <start>
    end: <end>
    lead: comune-prova
    sources: [fonte]
""",
}
LOCATED = re.compile(r"^(?P<file>/\S+?):(?P<line>[0-9]+): (?P<field>\S[^:]*): (?P<message>.+)$")


def write_city(folder: Path, changes: dict[tuple[str, str], str] | None = None) -> Path:
    """The test city in ``folder`` (named ``prova``), with ``changes`` to the good values."""
    city = folder / "prova"
    city.mkdir(parents=True, exist_ok=True)
    values = {**GOOD, **(changes or {})}
    for name, text in FILES.items():
        for (file, slot), value in values.items():
            if file == name:
                text = text.replace(f"<{slot}>", value)
        (city / name).write_text(text, encoding="utf-8")
    return city


def line_of(city: Path, name: str, slot: str) -> int:
    text = FILES[name]
    return text[: text.index(f"<{slot}>")].count("\n") + 1


def problems_of(city: Path) -> list[str]:
    with pytest.raises(SourceError) as info:
        read_city(city)
    return info.value.problems


def one_problem(tmp_path: Path, name: str, slot: str, value: str) -> str:
    """The one problem ``slot: value`` gives; it must be located at that slot's line."""
    city = write_city(tmp_path, {(name, slot): value})
    (found,) = problems_of(city)
    assert found.startswith(f"{city / name}:{line_of(city, name, slot)}: "), found
    return found


def test_the_test_city_reads_clean(tmp_path: Path) -> None:
    city = read_city(write_city(tmp_path))
    assert city.actions["a01"].investment.value == 1250000.50
    assert city.fictional


# --- dates ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "english", "italian"),
    [
        ("2024-02-30", "'2024-02-30' is not a date: month 2 of 2024 has 29 days",
         "'2024-02-30' non è una data: il mese 2 del 2024 ha 29 giorni"),
        ("2023-02-29", "month 2 of 2023 has 28 days", "il mese 2 del 2023 ha 28 giorni"),
        ("2024-13-45", "'2024-13-45' is not a date: there is no month 13",
         "il mese 13 non esiste"),
        ("2024-04-31", "month 4 of 2024 has 30 days", "ha 30 giorni"),
        ("0000-01-01", "is not a date of the calendar", "non è una data del calendario"),
        ("2024-02-30T10:00:00", "month 2 of 2024 has 29 days", "ha 29 giorni"),
        ("2024-03-12T10:00:00", "expected a date without a time, got '2024-03-12T10:00:00'",
         "attesa una data senza ora"),
        ("12/03/2024", "expected a date, got '12/03/2024' (write YYYY-MM-DD",
         "scrivi AAAA-MM-GG"),
        ("giugno 2024", "expected a date, got 'giugno 2024'", "attesa una data"),
        ('"2024-02-30"', "month 2 of 2024 has 29 days", "ha 29 giorni"),
    ],
)  # fmt: skip
def test_an_impossible_date_is_a_located_message(
    tmp_path: Path, written: str, english: str, italian: str
) -> None:
    found = one_problem(tmp_path, "masterplan.yaml", "approved", written)
    assert ": masterplan.approved: " in found
    assert english in found, found
    assert italian in found.render("it"), found.render("it")


@pytest.mark.parametrize("slot", ["issued", "start", "end", "until", "started"])
def test_every_date_field_reports_impossible_dates(tmp_path: Path, slot: str) -> None:
    name = next(file for file, s in GOOD if s == slot)
    assert "is not a date" in one_problem(tmp_path, name, slot, "2023-02-29")


def test_an_unknown_source_of_the_city_points_at_its_sources_line(tmp_path: Path) -> None:
    city = write_city(tmp_path)
    path = city / "masterplan.yaml"
    path.write_text(path.read_text().replace("  sources: [fonte]\nfictional", "  sources: "
                                             "[istat-cities]\nfictional"))  # fmt: skip
    (found,) = problems_of(city)
    assert found == f"{path}:6: city.sources: no source in sources.yaml with id 'istat-cities'"


def test_an_unreadable_file_is_a_located_message(tmp_path: Path) -> None:
    city = write_city(tmp_path)
    (city / "roles.yaml").unlink()
    (city / "roles.yaml").mkdir()  # named like the file, but a folder
    (found,) = problems_of(city)
    assert found.startswith(f"{city / 'roles.yaml'}:1: (file): cannot be read ("), found
    assert "non si può leggere" in found.render("it")


def test_a_real_leap_day_and_a_quoted_date_are_dates(tmp_path: Path) -> None:
    city = read_city(write_city(tmp_path, {("masterplan.yaml", "approved"): "2024-02-29",
                                           ("masterplan.yaml", "presented"): '"2024-03-01"'}))
    assert str(city.masterplan.approved) == "2024-02-29"
    assert str(city.masterplan.presented) == "2024-03-01"


# --- numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "english"),
    [
        ("-450000.00", "must not be negative, got '-450000.00'"),
        ('"450.000,00 €"', "expected a decimal number, got '450.000,00 €' (write e.g. 1250000.50"),
        ("4.5e5", "expected a decimal number, got '4.5e5'"),
        ("1.5e+3", "expected a decimal number, got '1.5e+3'"),
        ("0x1F", "expected a decimal number, got '0x1F'"),
        ("1_000", "expected a decimal number, got '1_000'"),
        ("1:30", "expected a decimal number, got '1:30'"),
        (".inf", "expected a decimal number, got '.inf'"),
        ("1.2.3", "expected a decimal number, got '1.2.3'"),
        ("1" + "0" * 40, "has more than 30 digits"),
        ("9" * 5000, "has more than 30 digits"),
        ("true", "expected a decimal number, got 'true'"),
    ],
)  # fmt: skip
def test_a_wrong_number_is_a_located_message(tmp_path: Path, written: str, english: str) -> None:
    found = one_problem(tmp_path, "actions.yaml", "investment", written)
    assert english in found, found
    assert "Decimal(" not in found and "(int)" not in found


def test_numbers_in_quotes_and_plain_integers_are_read_exactly(tmp_path: Path) -> None:
    city = read_city(write_city(tmp_path, {("actions.yaml", "investment"): '"450000.10"',
                                           ("masterplan.yaml", "value"): "45"}))
    assert str(city.actions["a01"].investment.value) == "450000.10"
    assert city.masterplan.figures[0].amount.value == 45


def test_an_unquoted_istat_code_keeps_its_leading_zero(tmp_path: Path) -> None:
    """YAML 1.1 reads 011027 as the octal number 4631; the reader keeps what was written."""
    city = read_city(write_city(tmp_path, {("masterplan.yaml", "istat"): "011027"}))
    assert city.istat == "011027"


# --- Italian names for enumerated values --------------------------------------------------
def vocabulary_names() -> list[tuple[str, str, str]]:
    """(scheme, name, key) for every label and notation of ontology/vocabularies.ttl."""
    graph = Graph().parse(ROOT / "ontology" / "vocabularies.ttl")
    found = []
    for concept, key in graph.subject_objects(SKOS.notation):
        scheme = str(graph.value(concept, SKOS.inScheme)).rsplit("/", 1)[-1]
        for label in (*graph.objects(concept, SKOS.prefLabel),
                      *graph.objects(concept, SKOS.altLabel), key):  # fmt: skip
            found.append((scheme, str(label), str(key)))
    return sorted(found)


CHOICES = {"timeframe": TIMEFRAMES, "ict-role": ICT_ROLES, "role": ROLES,
           "funding-type": FUNDING_TYPES, "action-status": STATUSES, "figure-kind": FIGURE_KINDS,
           "source-type": SOURCE_TYPES, "precision": PRECISIONS,
           "osservatorio-theme": OSSERVATORIO_THEMES}  # fmt: skip


def test_every_vocabulary_is_a_field_s_choices() -> None:
    assert {scheme for scheme, _name, _key in vocabulary_names()} == set(CHOICES)


@pytest.mark.parametrize(("scheme", "name", "key"), vocabulary_names())
def test_every_label_of_a_concept_names_it(scheme: str, name: str, key: str) -> None:
    choices = CHOICES[scheme]
    assert choices.key(name) == key
    assert choices.key(name.upper()) == key  # any case


@pytest.mark.parametrize(
    ("name", "slot", "written", "key"),
    [
        ("actions.yaml", "timeframe", "breve", "short"),
        ("actions.yaml", "timeframe", "Lungo termine", "long"),
        ("actions.yaml", "ict_role", "abilitante", "enabling"),
        ("actions.yaml", "funding", "partenariato pubblico-privato", "public-private-partnership"),
        ("actions.yaml", "status", "in corso", "in-progress"),
        ("masterplan.yaml", "precision", "più di", "more-than"),
        ("masterplan.yaml", "precision", "piu di", "more-than"),
        ("masterplan.yaml", "kind", "azioni", "actions"),
        ("sources.yaml", "type", "comunicato stampa", "press-release"),
        ("themes.yaml", "osservatorio_theme", "mobilità", "mobility"),
        ("themes.yaml", "eu_theme", "tran", "TRAN"),
        ("roles.yaml", "role", "capofila", "lead"),
        ("roles.yaml", "of", "tavolo/mobilita", ("table", "mobilita")),
        ("organisations.yaml", "type", "comitato di indirizzo", "steering-committee"),
        ("organisations.yaml", "public", "sì", True),
        ("masterplan.yaml", "fictional", "vero", True),
    ],
)  # fmt: skip
def test_italian_names_are_accepted(
    tmp_path: Path, name: str, slot: str, written: str, key: object
) -> None:
    city = read_city(write_city(tmp_path, {(name, slot): written}))
    action, role = city.actions["a01"], city.roles[0]
    read = {
        "timeframe": action.timeframe, "ict_role": action.ict_role, "funding": action.funding,
        "status": action.status, "precision": city.masterplan.figures[0].amount.precision,
        "kind": city.masterplan.figures[0].kind, "type": (
            city.sources["fonte"].type if name == "sources.yaml"
            else city.organisations["comune-prova"].type),
        "osservatorio_theme": city.themes["mobilita"].osservatorio_themes[0],
        "eu_theme": city.themes["mobilita"].eu_themes[0], "role": role.role,
        "of": (role.target_kind, role.target_key),
        "public": city.organisations["comune-prova"].public, "fictional": city.fictional,
    }[slot]  # fmt: skip
    assert read == key


def test_data_format_md_lists_every_key_with_the_italian_name_messages_show() -> None:
    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    section = text[text.index("## Italian names") :]
    documented = {}
    for field, cell in re.findall(r"^\| `(\w+)` \(\w+[^|]*\| (.+) \|$", section, re.M):
        pairs = re.findall(r"`([a-z-]+)` ([^,`(]+?)(?=,|$| \()", cell)
        documented[field + "/" + cell.split("`")[1]] = dict(pairs)
    fields = {"timeframe": TIMEFRAMES, "ict_role": ICT_ROLES, "funding": FUNDING_TYPES,
              "status": STATUSES, "role": ROLES, "of": ROLE_TARGETS, "kind": FIGURE_KINDS,
              "precision": PRECISIONS, "osservatorio_themes": OSSERVATORIO_THEMES}  # fmt: skip
    by_first_key = {"web-page": SOURCE_TYPES, "organisation": ORGANISATION_TYPES}
    assert len(documented) == 11, documented
    for name, pairs in documented.items():
        field, first = name.split("/")
        choices = by_first_key.get(first) or fields[field]
        assert pairs == {key: choices.italian[key] for key in choices}, name


def test_an_unknown_value_lists_the_keys_and_the_italian_names(tmp_path: Path) -> None:
    found = one_problem(tmp_path, "actions.yaml", "timeframe", "subito")
    assert "(allowed: short, medium, long; or in Italian: breve, medio, lungo)" in found
    assert found.render("it").endswith(
        "actions[0].timeframe: valore non ammesso 'subito' "
        "(sono ammessi: breve, medio, lungo; oppure in inglese: short, medium, long)"
    )


# --- messages: the catalogue, the language ------------------------------------------------
def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    fields = string.Formatter()
    for key, texts in CATALOGUE.items():
        assert {"it", "en"} <= set(texts), key
        names = {lang: {f for _, f, _, _ in fields.parse(text) if f} for lang, text in
                 texts.items()}  # fmt: skip
        assert names["it"] == names["en"], key
        for lang in texts:
            assert lang.split(":")[0] in messages.LANGUAGES, key
            if lang.endswith(":one"):
                assert names[lang] <= names[lang.split(":")[0]], key


def _used_keys() -> tuple[set[str], set[str]]:
    """The catalogue keys the code names (as messages: fail, msg, say, Invalid, problem,
    and as "expected ..." with Checker.scalar/expected and the fields' declarations,
    checks._scalar/scalars), and every string it holds."""
    named, strings = set(), set()
    for path in (ROOT / "publisher").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            constants = [a.value for a in node.args
                         if isinstance(a, ast.Constant) and isinstance(a.value, str)]  # fmt: skip
            if name in ("fail", "msg", "say", "Invalid", "problem", "exists") and constants:
                named.update(c for c in constants if "." in c and " " not in c)
            if name in ("scalar", "expected", "_scalar", "scalars") and constants:
                named.add("expected:" + constants[-1])
    return named, strings


def test_the_catalogue_holds_every_message_the_code_names_and_no_other() -> None:
    named, strings = _used_keys()
    assert named - set(CATALOGUE) == set(), "messages missing from publisher/messages.py"
    unused = {k for k in CATALOGUE if k not in strings and k not in named
              and not k.startswith("shacl.")}  # fmt: skip
    assert unused == set(), "messages nothing uses"


def test_every_shape_message_a_yaml_author_can_meet_is_in_italian_too() -> None:
    """Each masterplan shape message is tagged @en; those naming the YAML have an @it twin
    that names the same YAML fields."""
    from rdflib.namespace import SH

    fields = re.compile(r"[a-z_]+(?:\[\])?(?:\.[a-z_]+(?:\[\])?)+|[a-z]+\.yaml")
    shapes = Graph().parse(ROOT / "shapes" / "masterplan.shacl.ttl")
    yaml_facing = 0
    for shape in set(shapes.subjects(SH.message, None)):
        by_lang = {m.language: str(m) for m in shapes.objects(shape, SH.message)}
        assert set(by_lang) <= {"en", "it"} and "en" in by_lang, (shape, by_lang)
        if "YAML" in by_lang["en"]:
            yaml_facing += 1
            assert "it" in by_lang, shape
            named = [set(fields.findall(by_lang[lang])) - {"e.g"} for lang in ("it", "en")]
            assert named[0] == named[1], shape
    assert yaml_facing >= 130


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "it_IT.UTF-8"}, "it"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_MESSAGES": "it_IT", "LANG": "en_US"}, "it"),
        ({"LC_ALL": "C", "LC_MESSAGES": "it_IT", "LANG": "it_IT"}, "en"),
        ({"LC_ALL": "it_CH.UTF-8", "LANG": "de_DE"}, "it"),
        ({"LC_ALL": "", "LANG": "it_IT"}, "it"),
    ],
)
def test_the_language_comes_from_the_environment(environ: dict, expected: str) -> None:
    assert language(None, environ) == expected
    assert language("auto", environ) == expected
    assert language("it", {"LANG": "en_US"}) == "it"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        language("fr")


def test_problems_cross_processes_and_keep_both_languages(tmp_path: Path) -> None:
    found = one_problem(tmp_path, "roles.yaml", "since", "ieri")
    again = pickle.loads(pickle.dumps(found))
    assert isinstance(again, Localised) and again == found
    assert again.render("it") == found.render("it") != str(found)
    assert "atteso un anno (AAAA) o una data (AAAA-MM-GG), trovato 'ieri'" in again.render("it")


# --- fuzz: any scalar in any field is accepted or refused with a located message ---------
DIGITS = st.integers(min_value=0, max_value=99999).map(str)
DATES = st.tuples(
    st.integers(0, 10000), st.integers(0, 99), st.integers(0, 99),
    st.sampled_from(["", "T10:00:00", " 25:61:00", "T23:59:60Z", "T00:00:00+99:00", "t1:2:3"]),
    st.sampled_from(["", '"', "'"]),
).map(lambda d: f"{d[4]}{d[0]:04d}-{d[1]:02d}-{d[2]:02d}{d[3]}{d[4]}")  # fmt: skip
NUMBERS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    st.tuples(st.sampled_from(["", "-", "+", "0", "00"]), DIGITS,
              st.sampled_from(["", ".", ",", "_", "e", "e+", ":", "."]), DIGITS,
              st.sampled_from(["", " €", "%", "e5", "e+5", "0" * 50])).map("".join),
    st.integers(1, 6000).map(lambda n: "9" * n),
)  # fmt: skip
SPECIALS = st.sampled_from(
    ["~", "null", "", "yes", "no", "on", "off", "True", ".inf", "-.inf", ".NaN", "0x1F", "0o17",
     "0b101", "017", "1:30", "[]", "{}", "[a, b]", "{a: 1}", "!!int abc", "!!float x",
     "!!timestamp x", "!!bool maybe", "!!binary AA==", "!!str 5", "!!null x", '"\\u0000"',
     "2015", "99999", "-1", "'sì'", "a/b", "table/", "/x", "masterplan/x", "x" * 300]
)  # fmt: skip
SCALARS = st.one_of(DATES, NUMBERS, SPECIALS,
                    st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                   blacklist_characters="\n\r"),
                            max_size=30))  # fmt: skip
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@FUZZ
@given(slot=st.sampled_from(sorted(GOOD)), value=SCALARS)
def test_any_scalar_in_any_field_is_accepted_or_a_located_message(
    scratch: Path, slot: tuple[str, str], value: str
) -> None:
    city_folder = write_city(scratch, {slot: value})
    try:
        city = read_city(city_folder)
    except SourceError as exc:
        assert exc.problems
        for problem in exc.problems:
            for lang in ("en", "it"):
                said = problem.render(lang)
                match = LOCATED.match(said)
                assert match, said
                assert Path(match["file"]).parent == city_folder, said
                assert "Traceback" not in said and "Decimal(" not in said, said
        return
    city_graph(city, IRIS)  # and what is accepted becomes RDF
