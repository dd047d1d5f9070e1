"""The screen refuses what pyoxigraph would run as SERVICE or an update, whatever the escapes.

The oracle is the engine itself: a candidate text is run in a plain pyoxigraph store whose
SERVICE target is a local listener that counts connections (``engine_calls_service``).
Hypothesis builds texts from every lexical trap of the SPARQL grammar (each ``PN_LOCAL_ESC``
escape, ``ECHAR`` and ``UCHAR`` in strings, long strings with quotes, comments, IRIs,
percent-encoding, letter case and Unicode case variants) around a SERVICE call, and checks:
whenever the engine connects, the screen said so first; and texts that only *mention*
service (in strings, IRIs, comments, names, variables) pass it.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support import Listener

from publisher.store import (
    QuerySyntaxError,
    ServiceNotAllowed,
    StoreError,
    UpdateNotAllowed,
    check_query_text,
    screen,
)

BASE = "http://example.org/"
PREFIXES = "PREFIX ex: <http://example.org/>\n"
PN_LOCAL_ESC = "_~.-!$&'()*+,;=/?#@%"


# --- the oracle: does pyoxigraph itself call the service? ---------------------------------
@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    target = Listener()
    yield target
    target.close()


def engine_calls_service(text: str, listener: Listener) -> bool:
    """Run ``text`` in an ordinary pyoxigraph store: did it connect to the listener?"""
    before = listener.count
    try:
        result = ox.Store().query(text, base_iri=BASE)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except Exception:  # syntax errors, the refused service call (unless SILENT)
        pass
    return listener.count > before


def refused(text: str) -> type[StoreError] | None:
    """What the screen does with ``text`` (both stages, as an executor runs them)."""
    try:
        check_query_text(text)
        screen.verify(text, BASE)
    except (ServiceNotAllowed, UpdateNotAllowed, QuerySyntaxError) as exc:
        return type(exc)
    return None


# --- the audit's reproductions ------------------------------------------------------------
AUDIT_BYPASSES = [
    PREFIXES + "SELECT * WHERE { VALUES ?v { ex:a\\# } SERVICE <http://127.0.0.1:{port}/x> "
    "{ ?x ?y ?z } }",
    PREFIXES + "SELECT * WHERE { VALUES ?v { ex:a\\' } SERVICE <http://127.0.0.1:{port}/x> "
    "{ ?x ?y ?z } }",
]


@pytest.mark.parametrize("template", AUDIT_BYPASSES)
def test_the_audit_bypasses_call_the_engine_and_are_refused(template: str, listener) -> None:
    query = template.replace("{port}", str(listener.port))
    assert engine_calls_service(query, listener)  # the oracle sees the call...
    assert refused(query) is ServiceNotAllowed  # ...and the screen refuses it first


# --- hypothesis: every lexical trap -------------------------------------------------------
def _string(quote: str, long: bool) -> st.SearchStrategy[str]:
    pieces = [
        "a", " ", "service", "SERVICE", "}", "{", "#", "<", ">", "\\\\", "\\t", "\\n", "\\r",
        "\\b", "\\f", '\\"', "\\'", "\\u0053", "\\U00000045", "\\u0022", "\\u0027",
        "\\u0023", "\\u000A",
    ]  # fmt: skip
    pieces += [quote + "x", quote * 2 + "x", "\n"] if long else ["'" if quote == '"' else '"']
    body = st.lists(st.sampled_from(pieces), max_size=6).map("".join)
    delimiter = quote * 3 if long else quote
    return body.map(lambda text: delimiter + text + delimiter)


def _pname() -> st.SearchStrategy[str]:
    local = st.lists(
        st.sampled_from(["a", "1", "service", "%41", "%2F"] + ["\\" + c for c in PN_LOCAL_ESC]),
        min_size=1, max_size=4,
    ).map("".join)  # fmt: skip
    return local.map(lambda name: "ex:" + name)


TOKENS = st.one_of(
    _string('"', long=False), _string("'", long=False),
    _string('"', long=True), _string("'", long=True),
    _pname(),
    st.sampled_from([
        "<http://x/SERVICE>", "<http://x/#service>", "<http://x/\\u0053ERVICE>", "42", "1e5",
        '"service"@en', '"x"^^ex:service', "ex:", "ex:service", "true",
    ]),
)  # fmt: skip
SEPARATORS = st.sampled_from(
    [" ", "\n", "\t", "", ".", ".\t", " # SERVICE { }\n", "#\\u000A\n", "\r\n"]
)
SPELLINGS = st.sampled_from([
    "SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "service silent", "\u017fervice",
    "serv\u0131ce", "\\u0053ERVICE", "SERV\\u0049CE", "\\U00000053ERVICE", "SERVICE\\u0020",
])  # fmt: skip


@st.composite
def attacks(draw) -> str:
    before = " ".join(draw(st.lists(TOKENS, min_size=1, max_size=3)))
    after = " ".join(draw(st.lists(TOKENS, max_size=2)))
    return (
        PREFIXES + "SELECT * WHERE { VALUES ?v { " + before + " }" + draw(SEPARATORS)
        + draw(SPELLINGS) + " <http://127.0.0.1:{port}/x> { ?x ?y ?z }" + draw(SEPARATORS)
        + ("VALUES ?w { " + after + " }" if after else "") + " }"
    )  # fmt: skip


FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(template=attacks())
def test_whenever_the_engine_calls_a_service_the_screen_refused_it(template, listener) -> None:
    query = template.replace("{port}", str(listener.port))
    calls = engine_calls_service(query, listener)
    event(f"the engine calls the service: {calls}")
    if calls:
        assert screen.suspect(query), query  # the cheap stage never skips such a text
        assert refused(query) is ServiceNotAllowed, query


@st.composite
def mentions(draw) -> str:
    """Valid queries where service is only ever inside a token, never a keyword."""
    values = " ".join(draw(st.lists(TOKENS, min_size=1, max_size=4)))
    comment = draw(st.sampled_from(["", "# SERVICE <http://127.0.0.1:9/> { }\n"]))
    return (
        PREFIXES + comment + "SELECT ?service WHERE { VALUES ?v { " + values + " } "
        "BIND(<http://127.0.0.1:{port}/service> AS ?service) }"
    )


@FUZZ
@given(template=mentions())
def test_texts_that_only_mention_service_pass_the_screen(template, listener) -> None:
    query = template.replace("{port}", str(listener.port))
    try:
        ox.Store().query(query, base_iri=BASE)
    except SyntaxError:
        return  # the strategy can build an invalid token (e.g. "\u0022" ending a string)
    outcome = refused(query)
    if "\\u0022" in query or "\\u0027" in query or "\\u000A" in query:
        # decoded as the spec says, such a text may read differently: refused is fine
        assert outcome in (None, QuerySyntaxError, ServiceNotAllowed), query
    else:
        assert outcome is None, query
    assert not engine_calls_service(query, listener)


# --- what a spec-conforming engine would read ---------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o # \\u000A SERVICE <http://127.0.0.1:9/> { ?a ?b ?c }\n}",
        'SELECT * WHERE { ?s ?p "\\u0022" . SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }',
    ],
)
def test_escapes_decoded_before_parsing_cannot_spell_a_service(query: str) -> None:
    assert refused(query) in (ServiceNotAllowed, QuerySyntaxError)


def test_a_decoded_text_that_cannot_be_checked_is_refused_with_a_reason() -> None:
    query = 'SELECT * WHERE { ?s ?p "\\u0022 . SERVICE <http://x/> { } ?s ?p " }'
    ox.Store().query(query)  # valid for pyoxigraph: the service is inside a string
    with pytest.raises(QuerySyntaxError, match=r"\\u escapes .* write those characters"):
        screen.verify(query, BASE)


# --- the cheap stage ----------------------------------------------------------------------
def test_the_case_variant_table_is_complete() -> None:
    """Every character whose upper or lower case is an ASCII letter is in the table (which
    also has İ, whose lower case is two characters but which regular expressions fold)."""
    found: dict[str, set[str]] = {}
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        for cased in (char.upper(), char.lower(), char.casefold()):
            if len(cased) == 1 and cased.isascii() and cased.isalpha():
                found.setdefault(cased.lower(), set()).add(char)
    assert found.keys() == screen._CASE_VARIANTS.keys()
    assert all(chars <= set(screen._CASE_VARIANTS[letter]) for letter, chars in found.items())


def test_escapes_of_letters_are_recognised_and_no_others() -> None:
    letters = set(string.ascii_letters + "".join(screen._CASE_VARIANTS.values()))
    for code in range(0x10000):
        for escape in (f"\\u{code:04x}", f"\\U{code:08X}"):
            assert bool(screen._LETTER_ESCAPE.fullmatch(escape)) == (chr(code) in letters)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { ?s ?p ?o }",
        'SELECT * { ?s ?p "servic" . ?s <http://x/ervice> ?o }',
        "SELECT * { ?s ?p ?o } # SERV ICE",
        "SELECT * { ?s ?p 'caf\\u00e9' }",  # an escape, but not of a letter
    ],
)
def test_texts_without_any_spelling_skip_the_parse(text: str) -> None:
    assert not screen.suspect(text)


@pytest.mark.parametrize(
    "text",
    ["x SERVICE", "x sErViCe", "x \u017fervice", "x serv\u0130ce",
     "x \\u0053ERVICE", "x SERV\\u0049CE", "x \\U00000053ERVICE", "x LoAd", "x drop",
     "x '\\u0041'"],  # any escape of a letter: stage 1 does not decode, stage 2 does
)  # fmt: skip
def test_any_spelling_an_engine_could_read_is_suspect(text: str) -> None:
    assert screen.suspect(text)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("# c\nBASE <http://x/> PREFIX : <http://x/>\nPREFIX ex:<http://y/> ask {}", "ASK"),
        ("VERSION '1.2' CONSTRUCT WHERE {}", "CONSTRUCT"),
        ("PREFIX x: <http://x/>\nDELETE WHERE { ?s ?p ?o }", "DELETE"),
        ("WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("{ ?s ?p ?o }", None),
        ("PREFIX ex: <http://x/> ex:select", None),
    ],
)
def test_the_form_is_read_after_the_prologue(text: str, form: str | None) -> None:
    assert screen.query_form(text) == form


def test_updates_are_refused_by_their_form_and_by_the_parse() -> None:
    with pytest.raises(UpdateNotAllowed, match=r"SPARQL Update \(LOAD\)"):
        check_query_text("LOAD <http://127.0.0.1:9/data.ttl>")
    # not a query for pyoxigraph: never run, whatever the screen says about it
    screen.verify("SELECT * { ?s ?p ?o } ; LOAD <http://127.0.0.1:9/>", BASE)
    with pytest.raises(SyntaxError):
        ox.Store().query("SELECT * { ?s ?p ?o } ; LOAD <http://127.0.0.1:9/>")


def test_keywords_are_found_as_the_engine_parses_them() -> None:
    plain = "SELECT * WHERE { ?s ?p 'from' }"
    with_from = "SELECT * FROM <http://x/g> WHERE { ?s ?p ?o }"
    escaped = PREFIXES + "SELECT * WHERE { VALUES ?v { ex:a\\# } } # FROM"
    assert not screen.uses_keyword(plain, screen.DATASET, BASE)
    assert screen.uses_keyword(with_from, screen.DATASET, BASE)
    assert not screen.uses_keyword(escaped, screen.DATASET, BASE)


# Every keyword of SPARQL 1.1 and 1.2 (pyoxigraph 0.5): none holds a candidate word, so
# changing a candidate's letter never breaks a keyword that is not one.
_KEYWORDS = """BASE PREFIX VERSION SELECT CONSTRUCT DESCRIBE ASK ORDER BY LIMIT OFFSET
DISTINCT REDUCED FROM NAMED WHERE GRAPH OPTIONAL UNION MINUS FILTER BIND VALUES UNDEF SERVICE
SILENT AS GROUP HAVING ASC DESC NOT IN EXISTS LATERAL true false a STR LANG LANGMATCHES
LANGDIR DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE
ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES
SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG
STRLANGDIR STRDT sameTerm isIRI isURI isBLANK isLITERAL isNUMERIC isTRIPLE hasLANG hasLANGDIR
TRIPLE SUBJECT PREDICATE OBJECT REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT
SEPARATOR"""
SPARQL_KEYWORDS = _KEYWORDS.split()


def test_no_other_keyword_holds_a_candidate_word() -> None:
    for keyword in SPARQL_KEYWORDS:
        if keyword not in ("SERVICE", "FROM"):
            assert not screen.FORBIDDEN.search(keyword), keyword
            assert not screen.DATASET.search(keyword), keyword


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p '\\u0ADD' . ?s ?p <http://x/\\u0ADD> }",  # hex digits
        PREFIXES + "SELECT * WHERE { ?s ?p ex:%ADD, ex:a\\-delete, ex:with\\#load }",
        "SELECT ?SERVICE ?service WHERE { ?SERVICE ?service ?copy } ORDER BY ?move",
        "SELECT * WHERE { ?s ?p 'x'@service, 'x'@en-drop, _:create }",
        'SELECT * { ?s ?p "SERVICE" . ?s <http://x/SERVICE> ?o } # SERVICE <http://x/> {}',
    ],
)
def test_candidate_words_that_are_no_keywords_pass(query: str) -> None:
    ox.Store().query(query, base_iri=BASE)  # valid
    assert screen.suspect(query)
    screen.verify(query, BASE)


def test_case_variants_the_engine_does_not_read_as_keywords_never_run() -> None:
    """``ſervice`` upper-cases to SERVICE, but pyoxigraph compares ASCII letters only: the
    text is a syntax error, so it is refused (400) by the engine rather than by the screen."""
    for spelling in ("\u017fervice", "serv\u0131ce", "SERV\u0130CE"):
        query = f"SELECT * {{ ?s ?p ?o . {spelling} <http://127.0.0.1:9/> {{ }} }}"
        assert screen.suspect(query)
        screen.verify(query, BASE)
        with pytest.raises(SyntaxError):
            ox.Store().query(query)


# --- nesting ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("SELECT * { ?s ?p ?o }", 1),
        ("SELECT * { FILTER(!!!(?a)) }", 5),
        ('SELECT * { ?s ?p "{{{(((" . ?s ?p <http://x/(((> } # {{{', 1),
        (PREFIXES + "SELECT * { ?s ?p ex:a\\# { { } } }", 3),
        (PREFIXES + "SELECT * { ?s ?p ex:a\\' { [ ] } }", 3),
        ("SELECT * " + "{" * 300 + "}" * 300, 300),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings_iris_and_comments(text, depth) -> None:
    assert screen.nesting_depth(text) == depth


def test_too_deep_counts_only_live_brackets() -> None:
    assert screen.too_deep('SELECT * { ?s ?p "' + "(" * 500 + '" }', 256) is None
    assert screen.too_deep("SELECT * WHERE " + "{" * 3000 + "}" * 3000, 256) == 3000


# --- the remote store's checker (in-process here; in production inside an executor) -------
def test_the_remote_checker_reports_syntax_datasets_and_refusals() -> None:
    from publisher.store.remote import SyntaxChecker

    checker = SyntaxChecker(BASE)

    def answer(query: str) -> bytes:
        result = checker.query(query)
        return result.serialize(result.formats[0])

    assert answer("SELECT * FROM <http://x/g> WHERE { ?s ?p 'from' }") == b"1"
    assert answer("SELECT * WHERE { ?s <http://x/from> 'FROM' } # FROM") == b"0"
    with pytest.raises(QuerySyntaxError, match=r"SPARQL syntax error at 1:\d+"):
        checker.query("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QuerySyntaxError, match="not valid Unicode"):
        checker.query('SELECT * WHERE { ?s ?p "\ud800" }')
    with pytest.raises(ServiceNotAllowed):
        checker.query(AUDIT_BYPASSES[0].replace("{port}", "9"))
