"""Unit and property tests for ``publisher.web.http.negotiation`` (no server needed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from publisher import mediatypes as mt
from publisher.web.http.negotiation import (
    NotAcceptableFormat,
    UnknownFormat,
    choose,
    format_candidates,
    parse_accept,
    select_format,
    select_language,
    wants_json_errors,
)

RESULTS = mt.RESULTS_FORMATS
RDF = mt.RDF_FORMATS
DOCS = (mt.HTML, *mt.rdf_offers())  # HTML first
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
JAVA_DEFAULT = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"
RAPPER = (
    "application/rdf+xml, text/rdf;q=0.6, application/n-triples;q=0.5, "
    "text/turtle;q=0.4, text/html;q=0.1, */*;q=0.01"
)


# --- a query's results, with the page for people offered last (/sparql) -----------------
@pytest.mark.parametrize(
    ("header", "offers", "expected"),
    [
        (None, RESULTS, mt.RESULTS_JSON),  # machines: exactly as without the page
        ("*/*", RESULTS, mt.RESULTS_JSON),
        ("text/*", RESULTS, mt.RESULTS_CSV),  # CSV is offered before the page
        ("application/xml, */*;q=0.8", RESULTS, mt.RESULTS_XML),
        (RAPPER, RDF, mt.RDFXML),
        ("text/turtle, */*;q=0.1", RDF, mt.TURTLE),
        (BROWSER, RESULTS, mt.HTML),  # text/html named at q=1 beats application/xml;q=0.9
        (BROWSER, RDF, mt.HTML),
        ("text/html", RESULTS, mt.HTML),
        (JAVA_DEFAULT, RESULTS, mt.HTML),  # as for documents and error pages
        ("text/html;q=0.5, application/sparql-results+json", RESULTS, mt.RESULTS_JSON),
    ],
)
def test_the_results_page_goes_to_clients_that_name_html(header, offers, expected):
    assert choose(header, mt.with_page(offers)) == expected


# --- why not werkzeug's MIMEAccept.best_match -------------------------------------------
def test_werkzeug_best_match_is_strict_about_parameters_and_star():
    """Documented werkzeug 3.1 behaviour that made us match ourselves."""

    def werkzeug(header: str, offers: list[str]) -> str | None:
        return parse_accept_header(header, MIMEAccept).best_match(offers)

    profile = 'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"'
    assert werkzeug(profile, ["application/ld+json"]) is None
    assert choose(profile, RDF) == mt.JSONLD
    assert werkzeug("*", ["text/turtle"]) is None
    assert choose("*", RDF) == mt.TURTLE
    # werkzeug does get q=0 on a specific type right, as we do
    assert werkzeug("*/*, text/csv;q=0", ["text/csv"]) is None
    assert choose("*/*, text/csv;q=0", (mt.RESULTS_CSV,)) is None


# --- Accept ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "offers", "expected"),
    [
        (None, RESULTS, mt.RESULTS_JSON),
        ("", RDF, mt.TURTLE),
        ("*/*", DOCS, mt.HTML),
        ("text/turtle", RDF, mt.TURTLE),
        ("application/rdf+xml", RDF, mt.RDFXML),
        ("application/ld+json, */*", RDF, mt.JSONLD),  # named beats the wildcard at equal q
        ("text/turtle;q=0.9, */*;q=0.9", RDF, mt.TURTLE),
        ("application/n-triples;q=0.5, text/turtle;q=0.4", RDF, mt.NTRIPLES),
        ("text/*;q=0.5, application/*;q=0.6", RESULTS, mt.RESULTS_JSON),
        ("text/*;q=0.7, application/*;q=0.6", RESULTS, mt.RESULTS_CSV),
        ("text/*, text/csv;q=0", RESULTS, mt.RESULTS_TSV),  # the specific q=0 wins
        ("*/*;q=0.1, application/sparql-results+json;q=0", RESULTS, mt.RESULTS_XML),
        (BROWSER, DOCS, mt.HTML),
        (BROWSER, RESULTS, mt.RESULTS_XML),  # application/xml;q=0.9 beats */*;q=0.8
        (RAPPER, DOCS, mt.RDFXML),  # rapper/Jena lists must get RDF, not HTML
        (JAVA_DEFAULT, DOCS, mt.HTML),
        ("TEXT/TURTLE", RDF, mt.TURTLE),
        ("text/turtle;charset=utf-8", RDF, mt.TURTLE),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"', RDF, mt.JSONLD),
        ("application/json", RESULTS, mt.RESULTS_JSON),
        ("application/json", RDF, mt.JSONLD),
        ("application/xml", RDF, mt.RDFXML),
        ("text/n3", RDF, mt.TURTLE),
        ("application/x-turtle;q=0.3, application/n-quads;q=0.2", RDF, mt.TURTLE),
        # aliases never answer to wildcards: application/* is not Turtle via x-turtle
        ("application/*", RDF, mt.JSONLD),
        # SPARQLWrapper's Accept headers
        (
            "application/sparql-results+json,application/json,text/javascript,"
            "application/javascript",
            RESULTS,
            mt.RESULTS_JSON,
        ),
        ("application/turtle,text/turtle", RDF, mt.TURTLE),
        ("application/ld+json,application/x-json+ld", RDF, mt.JSONLD),
        # rdflib SPARQLStore's default Accept: one results type, one RDF type
        ("application/sparql-results+xml, application/rdf+xml", RESULTS, mt.RESULTS_XML),
        ("application/sparql-results+xml, application/rdf+xml", RDF, mt.RDFXML),
    ],
)
def test_choose(header, offers, expected):
    assert choose(header, offers) is expected


@pytest.mark.parametrize(
    ("header", "offers"),
    [
        ("text/csv", RDF),
        ("application/sparql-results+json", RDF),
        ("text/turtle", RESULTS),
        ("*/*;q=0", RESULTS),
        ("text/*", RDF[1:]),
        ("image/png, text/html;q=0", DOCS[:1]),
    ],
)
def test_nothing_acceptable(header, offers):
    assert choose(header, offers) is None
    with pytest.raises(NotAcceptableFormat) as caught:
        select_format(header, offers)
    assert caught.value.code == 406
    assert caught.value.available == [f.media_type for f in offers]
    for fmt in offers:
        assert fmt.media_type in caught.value.description


@pytest.mark.parametrize(
    "header",
    ["garbage", ";;;", ",,,", "text", "/", "text/", "*/html", "text/turtle;q=2", "a/b;q=x"],
)
def test_malformed_accept_counts_as_anything(header):
    """Malformed elements are dropped; nothing usable left means */* (documented)."""
    assert choose(header, RDF) is mt.TURTLE


def test_malformed_elements_are_dropped_not_the_header():
    assert choose("text/turtle;q=abc, application/ld+json;q=0.5", RDF) is mt.JSONLD
    assert [r.subtype for r in parse_accept("nonsense, text/csv")] == ["csv"]


def test_q_values_and_parameters_are_parsed():
    (media_range,) = parse_accept('Application/LD+JSON; Profile="a,b"; q=0.25')
    assert (media_range.type, media_range.subtype, media_range.q) == (
        "application",
        "ld+json",
        0.25,
    )
    assert media_range.params == (("profile", "a,b"),)


# --- ?format= ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "offers", "expected"),
    [
        (["ttl"], RDF, mt.TURTLE),
        (["turtle"], RDF, mt.TURTLE),
        (["text/turtle"], RDF, mt.TURTLE),
        (["json"], RESULTS, mt.RESULTS_JSON),
        (["json"], RDF, mt.JSONLD),  # SPARQLWrapper sends format=json for either
        (["xml"], RDF, mt.RDFXML),
        (["xml"], RESULTS, mt.RESULTS_XML),
        (["tsv", "text/tab-separated-values"], RESULTS, mt.RESULTS_TSV),
        (["rdf+xml", "application/rdf+xml"], RDF, mt.RDFXML),
        (["json-ld", "application/ld+json,application/x-json+ld"], RDF, mt.JSONLD),
        (["application/ld+json;profile=x"], RDF, mt.JSONLD),
        (["", "csv"], RESULTS, mt.RESULTS_CSV),
        ([" CSV "], RESULTS, mt.RESULTS_CSV),
        (["nt"], RDF, mt.NTRIPLES),
        (["html"], DOCS, mt.HTML),
    ],
)
def test_format_parameter(values, offers, expected):
    # ?format= wins over an Accept header that asks for something else
    assert select_format("image/png", offers, values) is expected


def test_format_parameter_unknown_is_400_listing_values():
    with pytest.raises(UnknownFormat) as caught:
        select_format(None, RESULTS, ["yaml"])
    assert caught.value.code == 400
    assert "'yaml'" in caught.value.description
    for value in ("json", "srj", "application/sparql-results+json", "csv", "text/csv"):
        assert value in caught.value.details["accepted"]


def test_format_parameter_known_but_not_offered_is_406():
    with pytest.raises(NotAcceptableFormat):
        select_format(None, RDF, ["csv"])


def test_empty_format_parameter_means_accept_decides():
    assert select_format("text/csv", RESULTS, [""]) is mt.RESULTS_CSV


def test_format_candidates():
    assert format_candidates("json") == (mt.RESULTS_JSON, mt.JSONLD)
    assert format_candidates("nope") == ()


# --- languages ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "param", "expected"),
    [
        (None, None, "it"),
        ("en", None, "en"),
        ("en-GB,en;q=0.9", None, "en"),
        ("de-DE, fr;q=0.8", None, "it"),
        ("it;q=0.1, en;q=0.9", None, "en"),
        ("*", None, "it"),
        ("en", "it", "it"),
        ("it", "EN", "en"),
        ("en", "", "en"),
    ],
)
def test_select_language(header, param, expected):
    assert select_language(header, param) == expected


@pytest.mark.parametrize(("header", "expected"), [(None, "it"), ("en", "en"), ("fr, de", "it")])
def test_unknown_lang_parameter_falls_back_to_the_headers_then_italian(header, expected):
    """Issue #16: a person who followed a link with ?lang=fr gets a page, not a 400."""
    assert select_language(header, "fr") == expected


# --- error bodies ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("*/*", False),
        (BROWSER, False),
        ("text/plain", False),
        ("application/json", True),
        ("application/sparql-results+json", True),
        ("application/problem+json", True),
        ("application/ld+json, text/plain;q=0.5", True),
        ("text/plain, application/json", False),
        ("text/turtle", False),
    ],
)
def test_wants_json_errors(header, expected):
    assert wants_json_errors(header) is expected


# --- properties --------------------------------------------------------------------------
OFFER_SETS = st.sampled_from([RESULTS, RDF, DOCS, (mt.TURTLE,), mt.ALL_FORMATS])
MEDIA_TYPES = st.sampled_from(
    [f.media_type for f in mt.ALL_FORMATS]
    + ["*/*", "text/*", "application/*", "application/json", "image/png", "*", "text/plain"]
)
Q_VALUES = st.one_of(
    st.none(), st.sampled_from(["0", "0.1", "0.5", "0.999", "1", "1.0", "2", "-1", "x", ""])
)


@st.composite
def accept_headers(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        part = draw(MEDIA_TYPES)
        q = draw(Q_VALUES)
        if q is not None:
            part += f";q={q}"
        if draw(st.booleans()):
            part += ';profile="' + draw(st.text(max_size=5)) + '"'
        parts.append(part)
    return draw(st.sampled_from([",", ", ", " ,"])).join(parts)


@settings(max_examples=400, deadline=None)
@given(header=st.one_of(st.none(), st.text(), accept_headers()), offers=OFFER_SETS)
def test_choose_never_raises_and_returns_an_offer_or_none(header, offers):
    chosen = choose(header, offers)
    assert chosen is None or chosen in offers


@settings(max_examples=300, deadline=None)
@given(header=accept_headers(), offers=OFFER_SETS)
def test_chosen_offer_has_the_highest_quality(header, offers):
    from publisher.web.http.negotiation import quality

    chosen = choose(header, offers)
    ranges = parse_accept(header)
    qualities = [quality(f, ranges)[0] for f in offers]
    if chosen is None:
        assert max(qualities) == 0
    else:
        assert quality(chosen, ranges)[0] == max(qualities) > 0
