"""Hostile input gets clean 4xx errors, never a 500 or a stack trace, and never a crash.

Property-based (hypothesis) fuzzing of the three parsers that read what strangers send or
write: the Accept parser (``publisher.web.http.negotiation``), the router over every route
(paths with ``..``, encoded slashes, malformed percent-encoding, invalid UTF-8, very long
IRIs; every method; absurd Accept headers; unknown ``?format=``), and the YAML loader
(``publisher.source.read_yaml``). Raw requests on the wire go to the real threaded server
(``live_server``) because the test client would clean some of them up.
"""

from __future__ import annotations

import re
import socket
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from publisher import mediatypes as mt
from publisher.source import MAX_FILE_BYTES, Node, SourceError, read_yaml
from publisher.web.http.negotiation import (
    MediaRange,
    choose,
    parse_accept,
    select_format,
    select_language,
    wants_json_errors,
)

TRACEBACK = re.compile(rb"Traceback \(most recent call last\)|File \"/")
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND")
OFFER_SETS = (mt.RDF_FORMATS, mt.RESULTS_FORMATS, (mt.TURTLE, mt.HTML, mt.JSONLD), (mt.HTML,))
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- the Accept parser --------------------------------------------------------------------
def media_ranges() -> st.SearchStrategy[str]:
    token = st.text(string.ascii_letters + string.digits + "+-.*!#$&^_|~", max_size=12)
    param = st.tuples(
        st.sampled_from(["q", "Q", "charset", "profile", "level", "", "q ", "*"]),
        st.one_of(
            st.sampled_from(["0", "1", "0.5", "1.000", "2", "-1", "abc", "0.0001", '"x"', ""]),
            st.text(max_size=8),
        ),
    ).map(lambda kv: f"{kv[0]}={kv[1]}")
    slash = st.sampled_from(["/", "", "//"])
    return st.tuples(token, slash, token, st.lists(param, max_size=4)).map(
        lambda parts: parts[0] + parts[1] + parts[2] + "".join(";" + p for p in parts[3])
    )


def accept_headers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(media_ranges(), max_size=12).map(", ".join),
        st.text(max_size=200),
        st.text(",;=/*\"\\ q0.1", max_size=80),
        st.sampled_from(["*/*" * 1000, ",".join(["text/html;q=0.1"] * 500), "\x00\xff", "/"]),
    )


@FUZZ
@given(header=st.one_of(st.none(), accept_headers()), offers=st.sampled_from(OFFER_SETS))
def test_the_accept_parser_never_fails(header: str | None, offers) -> None:
    ranges = parse_accept(header)
    assert ranges and all(isinstance(r, MediaRange) for r in ranges)
    assert all(0 <= r.q <= 1 for r in ranges)
    assert choose(header, offers) in (None, *offers)
    assert isinstance(wants_json_errors(header), bool)
    try:
        assert select_format(header, offers) in offers
    except HTTPException as exc:
        assert exc.code == 406


FORMAT_VALUES = ("ttl", "json", "text/csv", "", ",", ";;", "application/ld+json;p=x", "html,nt")


@FUZZ
@given(
    values=st.lists(st.one_of(st.text(max_size=30), st.sampled_from(FORMAT_VALUES)), max_size=4),
    offers=st.sampled_from(OFFER_SETS),
    header=st.one_of(st.none(), accept_headers()),
)
def test_format_values_are_400_406_or_a_format(values, offers, header) -> None:
    try:
        assert select_format(header, offers, values) in offers
    except HTTPException as exc:
        assert exc.code in (400, 406)
        assert exc.description


@FUZZ
@given(
    header=st.one_of(st.none(), st.text(max_size=100)),
    lang=st.one_of(st.none(), st.text(max_size=10)),
)
def test_languages_are_it_en_or_400(header, lang) -> None:
    try:
        assert select_language(header, lang) in ("it", "en")
    except HTTPException as exc:
        assert exc.code == 400


# --- the router, in process ---------------------------------------------------------------
SEGMENTS = (
    "id", "doc", "vocab", "ontology", "sparql", "dumps", "catalog", ".well-known", "void",
    "testcity", "masterplan", "organisation", "università", "action", "a1", "status",
    "..", ".", "", "%2F", "%2f", "%5C", "%2e%2e", "%zz", "%", "%C3%A0", "%FF%FE", "%00",
    "%E0%A4", "a.ttl", "x.html", "x.exe", "~", "*", "index.php", "a" * 300, "<script>",
    "'\"", "\\", ";", "?", "#", "%3F", "\u202e", "🙂",
)  # fmt: skip
QUERIES = (
    "", "format=ttl", "format=nope", "format=", "format=text/csv", "format=%zz", "lang=xx",
    "lang=en", "query=ASK%7B%7D", "query=%FF", "query=SELECT", "update=CLEAR%20ALL",
    "query=ASK{}&query=ASK{}", "default-graph-uri=nope&query=ASK%7B%7D", "a=%", "=&=&",
)  # fmt: skip


def paths() -> st.SearchStrategy[str]:
    segment = st.one_of(st.sampled_from(SEGMENTS), st.text(max_size=12))
    return st.tuples(
        st.lists(segment, min_size=1, max_size=6),
        st.sampled_from(["", "/"]),
        st.sampled_from(QUERIES),
    ).map(lambda p: "/" + "/".join(p[0]) + p[1] + ("?" + p[2] if p[2] else ""))


def assert_clean(status: int, body: bytes, what: object) -> None:
    assert status < 500, (what, status, body[:500])
    assert not TRACEBACK.search(body), (what, body[:500])


@FUZZ
@given(
    path=paths(),
    method=st.sampled_from(METHODS),
    accept=st.one_of(st.none(), accept_headers()),
)
def test_random_requests_never_500(app, path: str, method: str, accept: str | None) -> None:
    client = app.test_client()
    headers = {"Accept": accept} if accept is not None else {}
    raw = path.encode("utf-8", "surrogateescape").decode("latin-1")
    try:
        reply = client.open(
            path, method=method, headers=headers, environ_overrides={"REQUEST_URI": raw}
        )
    except (ValueError, UnicodeError):
        return  # the test client refused to build this request; the wire tests cover it
    assert_clean(reply.status_code, reply.data, (method, path, accept))


def concrete_routes(app) -> Iterator[str]:
    samples = {"path": "id/testcity/masterplan", "default": "x", "string": "x"}
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for converter in re.findall(r"<(?:(\w+):)?\w+>", path):
            name = converter or "default"
            path = re.sub(r"<(?:\w+:)?\w+>", samples.get(name, "x"), path, count=1)
        yield path


def test_every_route_answers_every_method_without_500(app) -> None:
    client = app.test_client()
    for path in concrete_routes(app):
        for method in METHODS:
            reply = client.open(path, method=method, headers={"Accept": "*/*"})
            assert_clean(reply.status_code, reply.data, (method, path))
            if reply.status_code == 405:
                assert reply.headers["Allow"], (method, path)
                assert reply.data, (method, path)


def test_unknown_format_is_400_with_the_accepted_values(app) -> None:
    client = app.test_client()
    for path in ("/sparql?query=ASK%7B%7D&format=nope", "/doc/id/testcity/masterplan?format=nope"):
        reply = client.get(path)
        assert reply.status_code == 400, path
        assert b"unknown format value 'nope'" in reply.data


# --- the router, on the wire --------------------------------------------------------------
def raw_request(base_url: str, request: bytes) -> tuple[int, bytes]:
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


WIRE_TARGETS = (
    b"/id/%zz%",
    b"/id/testcity/%ff%fe%fd",
    b"/id/testcity/\xff\xfe",
    b"/doc/id/testcity/masterplan%00.ttl",
    b"/doc/id/testcity/..%2f..%2f..%2fetc%2fpasswd",
    b"/doc/id/testcity/%2e%2e/%2e%2e/masterplan",
    b"/dumps/../../../etc/passwd",
    b"/dumps/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/dumps/..%2f..%2fmanifest.json",
    b"/static/../../publisher/config.py",
    b"/static/%2e%2e/%2e%2e/publisher/config.py",
    b"/id/" + b"a" * 6000,
    b"/id/" + b"a" * 9000,
    b"/sparql?query=" + b"%" * 3000,
    b"/sparql?query=%FF%FE",
    b"/sparql?format=%zz&query=ASK%7B%7D",
    b"/" + b"/".join([b".."] * 200),
)


@pytest.mark.parametrize("target", WIRE_TARGETS, ids=lambda t: t[:40].decode("latin-1"))
def test_hostile_request_targets_on_the_wire(live_server: str, target: bytes) -> None:
    status, data = raw_request(
        live_server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert 300 <= status < 500, (target[:80], data[:300])
    assert not TRACEBACK.search(data), data[:500]
    assert b"root:" not in data and b"def load_config" not in data  # nothing leaked


@pytest.mark.parametrize(
    "headers",
    [
        b"Accept: " + b"text/html;q=0.5, " * 2000 + b"\r\n",
        b"Accept: \xff\xfe\x00garbage/;;;q=\r\n",
        b"Accept-Language: " + b"x" * 5000 + b"\r\n",
        b"Accept: application/sparql-results+json;q=2;q=-1, */*;q=NaN\r\n",
        b"Content-Type: application/sparql-query; charset=\xff\r\n",
        b"If-None-Match: " + b'"a",' * 2000 + b"\r\n",
        b"If-Modified-Since: yesterday at noon\r\n",
        b"Range: bytes=99999999-0\r\n",
    ],
)
def test_absurd_headers_on_the_wire(live_server: str, headers: bytes) -> None:
    for target in (b"/sparql?query=ASK%7B%7D", b"/doc/id/testcity/masterplan", b"/health"):
        status, data = raw_request(
            live_server,
            b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n",
        )
        assert 200 <= status < 500, (target, data[:300])
        assert not TRACEBACK.search(data), data[:500]


def test_invalid_utf8_bodies_are_400(live_server: str) -> None:
    for content_type, body in (
        (b"application/sparql-query", b"SELECT * { ?s ?p \xff }"),
        (b"application/x-www-form-urlencoded", b"query=%FF%FE"),
        (b"application/x-www-form-urlencoded", b"query=\xff"),
    ):
        status, data = raw_request(
            live_server,
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
            + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
            + body,
        )  # fmt: skip
        assert status == 400, data[:300]
        assert b"UTF-8" in data


# --- the YAML loader ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


YAML_BITS = (
    "a: 1\n", "- x\n", "  ", "\t", ":", "- ", "? ", "{", "}", "[", "]", ",", "&a ", "*a",
    "!!python/object/apply:os.system ['touch pwned']", "!!binary aGk=", "!tag ", "!!str ",
    "<<: *a\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "---\n", "...\n", "|\n  x\n", ">-\n",
    "'q''", '"\\x00\\u263a"', "# c\n", "1e400", ".nan", "0x1F", "2001-12-14t21:59:43Z",
    "\x00", "\ufeff", "\x85", "\u2028", "é", "~", "null", "yes", "<<", "=",
)  # fmt: skip


@FUZZ
@given(
    text=st.one_of(
        st.lists(st.sampled_from(YAML_BITS), max_size=30).map("".join),
        st.text(max_size=300),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    )
)
def test_the_yaml_loader_returns_nodes_or_source_errors(scratch: Path, text: str) -> None:
    path = scratch / "fuzz.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        node = read_yaml(path)
    except SourceError as exc:
        assert exc.problems and all(str(path) in p for p in exc.problems)
        return
    assert isinstance(node, Node)
    assert not (scratch / "pwned").exists()


def test_yaml_tags_never_run_code(scratch: Path) -> None:
    marker = scratch / "ran"
    for text in (
        f"!!python/object/apply:os.system ['touch {marker}']\n",
        f"a: !!python/object/apply:subprocess.call [['touch', '{marker}']]\n",
        "a: !!python/name:os.system\n",
        f"a: !!python/object/new:os.system ['touch {marker}']\n",
    ):
        path = scratch / "tags.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SourceError, match="tag"):
            read_yaml(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 3000 + "]" * 3000, "nested too deeply"),
        ("{a: " * 3000 + "}" * 3000, "nested too deeply"),
        ("a: &a [x, x, x, x, x, x, x, x, x]\n"
         + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
                   for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
         "aliases"),  # "billion laughs": 9^9 nodes if expanded
        ("a: b\nc: \x00\n", "character #x0000"),
        ("a: 1\na: 2\n", "duplicate key"),
    ],
    ids=["deep-list", "deep-map", "billion-laughs", "nul", "duplicate"],
)  # fmt: skip
def test_yaml_bombs_are_refused_quickly(scratch: Path, text: str, message: str) -> None:
    path = scratch / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        read_yaml(path)


def test_yaml_files_over_the_limit_are_refused_unread(scratch: Path) -> None:
    path = scratch / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is read to refuse it
    with pytest.raises(SourceError, match="over the"):
        read_yaml(path)


def test_percent_encoded_paths_name_iris_not_files(app) -> None:
    client = app.test_client()
    for path in ("/dumps/" + quote("../manifest.json", safe=""), "/dumps/%2e%2e%2fmanifest.json"):
        reply = client.get(path, environ_overrides={"REQUEST_URI": path})
        assert reply.status_code == 404, path
