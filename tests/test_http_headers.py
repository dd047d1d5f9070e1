"""Cross-cutting HTTP behaviour against the live server (RFC 9110 §12.5.5 Vary and §13
conditional requests, RFC 9111 caching, the Fetch standard's CORS protocol):
ETag per representation, conditional requests, Cache-Control, Vary, CORS, preflight, HEAD."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Response

from publisher.web.app import create_app
from publisher.web.http.caching import add_vary

BACKENDS = ["embedded", "oxigraph", "virtuoso"]

@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """Every test here runs on the embedded store, Oxigraph server and Virtuoso."""
    return request.param


SELECT_PATH = "/sparql?query=" + quote("SELECT * { ?s ?p ?o } LIMIT 5")
CORS_EXPOSED = "Link, ETag, Location, Content-Location, Content-Language, Content-Type"
LAST_MODIFIED = "Wed, 15 Jan 2025 10:00:00 GMT"  # fixture_facts.built_at


def vary(reply) -> list[str]:
    return [v.strip() for v in (reply.headers.get("Vary") or "").split(",") if v.strip()]


def assert_cors(reply) -> None:
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Access-Control-Expose-Headers"] == CORS_EXPOSED


# --- ETag per representation -----------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "accepts"),
    [
        ("/sparql", ["text/turtle", "application/ld+json", "application/rdf+xml", "text/html"]),
        (SELECT_PATH, ["application/sparql-results+json", "application/sparql-results+xml",
                       "text/csv", "text/tab-separated-values"]),
    ],
)  # fmt: skip
def test_etag_differs_per_representation_of_the_same_url(http, path, accepts):
    etags = {}
    for accept in accepts:
        reply = http("GET", path, headers={"Accept": accept})
        assert reply.status == 200
        etag = reply.headers["ETag"]
        assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
        assert http("GET", path, headers={"Accept": accept}).headers["ETag"] == etag  # stable
        etags[accept] = etag
    assert len(set(etags.values())) == len(accepts)


def test_etag_differs_per_language(http):
    it = http("GET", "/sparql", headers={"Accept": "text/html", "Accept-Language": "it"})
    en = http("GET", "/sparql", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert it.headers["ETag"] != en.headers["ETag"]


# --- conditional requests ----------------------------------------------------------------
def test_if_none_match_gives_304_with_the_same_metadata(http):
    headers = {"Accept": "text/turtle"}
    full = http("GET", "/sparql", headers=headers)
    etag = full.headers["ETag"]
    for method in ("GET", "HEAD"):
        reply = http(method, "/sparql", headers={**headers, "If-None-Match": etag})
        assert reply.status == 304
        assert reply.body == b""
        assert reply.headers["ETag"] == etag
        assert reply.headers["Vary"] == full.headers["Vary"]
        assert reply.headers["Cache-Control"] == full.headers["Cache-Control"]
        assert_cors(reply)
        assert "Content-Type" not in reply.headers


def test_if_none_match_is_per_variant(http):
    """The Turtle ETag must not validate the JSON-LD variant (the recurring bug)."""
    turtle = http("GET", "/sparql", headers={"Accept": "text/turtle"})
    reply = http(
        "GET",
        "/sparql",
        headers={"Accept": "application/ld+json", "If-None-Match": turtle.headers["ETag"]},
    )
    assert reply.status == 200
    assert reply.media_type == "application/ld+json"
    jsonld_etag = reply.headers["ETag"]
    again = http(
        "GET",
        "/sparql",
        headers={"Accept": "application/ld+json", "If-None-Match": f'"x", {jsonld_etag}'},
    )
    assert again.status == 304 and again.headers["ETag"] == jsonld_etag


@pytest.mark.parametrize("value", ["*", 'W/"{etag}"', '"nope", "{etag}"'])
def test_if_none_match_forms(http, value):
    etag = http("GET", SELECT_PATH).headers["ETag"]
    reply = http("GET", SELECT_PATH, headers={"If-None-Match": value.format(etag=etag.strip('"'))})
    assert reply.status == 304


def test_last_modified_and_if_modified_since(http):
    reply = http("GET", SELECT_PATH)
    assert reply.headers["Last-Modified"] == LAST_MODIFIED
    assert http("GET", SELECT_PATH, headers={"If-Modified-Since": LAST_MODIFIED}).status == 304
    later = "Thu, 16 Jan 2025 10:00:00 GMT"
    assert http("GET", SELECT_PATH, headers={"If-Modified-Since": later}).status == 304
    earlier = "Tue, 14 Jan 2025 10:00:00 GMT"
    assert http("GET", SELECT_PATH, headers={"If-Modified-Since": earlier}).status == 200
    assert http("GET", SELECT_PATH, headers={"If-Modified-Since": "garbage"}).status == 200


def test_if_none_match_wins_over_if_modified_since(http):
    headers = {"If-None-Match": '"other"', "If-Modified-Since": "Thu, 16 Jan 2025 10:00:00 GMT"}
    assert http("GET", SELECT_PATH, headers=headers).status == 200


# --- Cache-Control -----------------------------------------------------------------------
def test_cache_control_on_data_and_not_on_errors(http):
    assert http("GET", SELECT_PATH).headers["Cache-Control"] == "public, max-age=3600"
    assert http("GET", "/sparql").headers["Cache-Control"] == "public, max-age=3600"
    for reply in (
        http("GET", "/sparql?query=ASK%20%7B"),
        http("GET", "/no-such-page"),
        http("GET", "/sparql?update=CLEAR%20ALL"),
    ):
        assert reply.status >= 400
        assert reply.headers["Cache-Control"] == "no-store"
        assert "ETag" not in reply.headers and "Last-Modified" not in reply.headers


def test_post_results_have_no_validators(http):
    reply = http(
        "POST", "/sparql", body="ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert reply.status == 200
    assert "ETag" not in reply.headers
    assert "public" not in (reply.headers.get("Cache-Control") or "")


# --- Vary ----------------------------------------------------------------------------------
def test_vary_on_negotiated_responses(http):
    assert vary(http("GET", SELECT_PATH)) == ["Accept"]
    assert vary(http("GET", "/sparql")) == ["Accept", "Accept-Language"]
    not_acceptable = http("GET", SELECT_PATH, headers={"Accept": "text/turtle"})
    assert not_acceptable.status == 406 and "Accept" in vary(not_acceptable)


def test_no_vary_on_accept_when_format_is_in_the_url(http):
    reply = http("GET", SELECT_PATH + "&format=csv", headers={"Accept": "application/json"})
    assert reply.media_type == "text/csv"
    assert "Accept" not in vary(reply)


def test_add_vary_helper_merges_without_duplicates():
    response = Response("x", headers={"Vary": "accept-language"})
    add_vary(response, "Accept", "Accept-Language", "Origin", "accept")
    assert response.headers["Vary"] == "accept-language, Accept, Origin"
    star = add_vary(Response("x", headers={"Vary": "*"}), "Accept")
    assert star.headers["Vary"] == "*"
    assert "Vary" not in add_vary(Response("x")).headers


# --- CORS ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", SELECT_PATH, {}, 200),
        ("GET", "/sparql?query=ASK%20%7B", {}, 400),
        ("GET", "/sparql?update=CLEAR%20ALL", {}, 403),
        ("GET", "/no-such-page", {}, 404),
        ("DELETE", "/sparql", {}, 405),
        ("GET", SELECT_PATH, {"Accept": "text/turtle"}, 406),
        ("POST", "/sparql", {"Content-Type": "text/plain"}, 415),
    ],
)
def test_cors_on_every_response(http, method, path, headers, status):
    reply = http(method, path, headers={"Origin": "https://example.org", **headers})
    assert reply.status == status
    assert_cors(reply)


def test_cors_on_304(http):
    etag = http("GET", SELECT_PATH).headers["ETag"]
    reply = http("GET", SELECT_PATH, headers={"Origin": "https://x.example", "If-None-Match": etag})
    assert reply.status == 304
    assert_cors(reply)


def test_preflight_for_a_direct_query_post(http):
    reply = http(
        "OPTIONS",
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert reply.status in (200, 204)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Access-Control-Allow-Methods"] == "GET, POST, HEAD, OPTIONS"
    allowed = {h.strip().lower() for h in reply.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "accept", "accept-language", "accept-profile", "if-none-match",
            "if-modified-since"} <= allowed  # fmt: skip
    assert reply.headers["Access-Control-Max-Age"] == "3600"
    assert reply.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


# --- HEAD ------------------------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["text/turtle", "text/html", "application/ld+json"])
def test_head_has_the_get_headers_and_no_body(http, accept):
    get = http("GET", "/sparql", headers={"Accept": accept})
    head = http("HEAD", "/sparql", headers={"Accept": accept})
    assert head.status == get.status == 200
    assert head.body == b"" and get.body
    for name in ("Content-Type", "Content-Length", "Content-Language", "ETag", "Last-Modified",
                 "Cache-Control", "Vary", "Access-Control-Allow-Origin"):  # fmt: skip
        assert head.headers.get(name) == get.headers.get(name), name


# --- errors never leak internals -----------------------------------------------------------
def test_unexpected_errors_are_short_500s(fixture_config, caplog):
    app = create_app(fixture_config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    reply = app.test_client().get("/boom")
    assert reply.status_code == 500
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "secret" not in reply.get_data(as_text=True)
    assert "Traceback" not in reply.get_data(as_text=True)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Cache-Control"] == "no-store"
    assert "secret internal detail" in caplog.text  # but the log has it
