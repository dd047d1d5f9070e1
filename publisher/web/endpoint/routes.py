"""``/sparql``: the SPARQL 1.1 Protocol query operation and the service description.

Request shapes (SPARQL 1.1 Protocol §2.1):

- ``GET ?query=`` ; ``POST application/x-www-form-urlencoded`` with ``query=`` in the body;
  ``POST application/sparql-query`` with the raw UTF-8 query as the body. ``HEAD`` is GET
  without a body; ``OPTIONS`` answers CORS preflights (headers from ``caching``).
- ``default-graph-uri`` / ``named-graph-uri`` (repeatable) may come from the URL and, for
  form posts, from the body; when present they define the dataset and override the query's
  FROM / FROM NAMED. Graphs we do not hold are empty (we never fetch URLs).

Choices, documented here because clients depend on them:

- a POST whose Content-Type is missing or is neither of the two query types → **415**
  (with ``Accept`` / ``Accept-Post`` listing the two), not 400: the body may be fine, its
  declared type is what we cannot take;
- a body or URL that is not UTF-8, or a declared charset other than UTF-8 → **400**;
- two ``query`` values, ``query`` both in the URL and as a direct body, an empty or missing
  query, a syntax error (with the parser's line:column) → **400**;
- any update (``update=`` in URL or form body, ``application/sparql-update``, or update
  text in ``query``) and ``SERVICE`` → **403**: the service is read-only and never
  fetches URLs on a client's behalf;
- ``PUT``/``DELETE``/``PATCH`` → **405** with ``Allow: GET, POST, HEAD, OPTIONS``;
- the media type is negotiated per query form (results formats for SELECT/ASK, RDF for
  CONSTRUCT/DESCRIBE), before the query runs; nothing acceptable → **406** listing what is
  available. ``?format=`` wins over Accept. Every form is also offered, last, as the HTML
  editor page with the results in it (``format=html``, or an Accept that names
  ``text/html``, as browsers' does; ``publisher.web.endpoint.page``): a syntax error is
  then shown in that page, with the query, as a 400.
- ``GET /sparql`` without a query returns the service description (``service``: Turtle by
  default, every document format) or, for browsers, an HTML query form.

Limits (``limits:`` in the configuration, see ``docs/operations.md``):

- a query text longer than ``max_query_bytes`` (UTF-8) → **413**; nested deeper than
  ``max_query_depth`` → **400** (the engine's parser would overflow its stack); the
  request target and body limits are checked for every route by ``publisher.web.http.limits``;
- results are cut at ``max_result_rows`` rows (SELECT) or triples (CONSTRUCT/DESCRIBE),
  and at ``max_result_bytes`` bytes (whole rows). A cut result is never silent:
  ``X-Result-Truncated: true; limit=N`` (or ``true; max-bytes=N``) on the response and,
  where the format has room, a marker in the body (``head.link`` / ``<link href>`` to
  ``/limits`` in SPARQL JSON/XML results, a ``# truncated`` comment in Turtle, N-Triples,
  N-Quads, TriG, an XML comment in RDF/XML; CSV, TSV and JSON-LD have only the header);
- every query runs in a killable executor with a time limit (``publisher.store.guarded``):
  stopped → **500** with the reason; too many at once, or no room in the memory budget →
  **503** + ``Retry-After``; more than ``max_queries_per_client`` of one client's queries
  at once → **429** + ``Retry-After`` (the client is its address,
  ``publisher.web.http.clients``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from flask import Blueprint, Response, request
from werkzeug.http import parse_options_header

from publisher import mediatypes as mt
from publisher.mediatypes import Format
from publisher.store import ProtocolDataset, ResultKind, query_form, too_deep
from publisher.web.context import problem, state
from publisher.web.endpoint.page import editor_page
from publisher.web.endpoint.service import service_description
from publisher.web.http.caching import ordered_methods
from publisher.web.http.clients import client_address
from publisher.web.http.links import TRUNCATION_HEADER, limits_url
from publisher.web.http.negotiation import content_type, negotiate, prefers_page

blueprint = Blueprint("endpoint", __name__)

ALLOW = ordered_methods(("GET", "POST", "HEAD", "OPTIONS"))
QUERY_MEDIA_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")
UPDATE_MEDIA_TYPE = "application/sparql-update"
UTF8_NAMES = ("utf-8", "utf8", "us-ascii", "ascii")
MAX_PARAMETERS = 1000
UPDATE_REFUSED = "SPARQL Update is not allowed: this is a read-only endpoint"


@dataclass(frozen=True)
class Operation:
    """What a protocol request asks for, whatever its shape."""

    query: str | None
    dataset: ProtocolDataset
    formats: list[str]


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def sparql() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": ALLOW})
    operation = read_operation()
    if operation.query is None:
        return service_description(operation.formats)
    return run_query(operation)


# --- reading the request ----------------------------------------------------------------
def read_operation() -> Operation:
    """Validate the protocol request and collect its parameters (raises 400/403/415)."""
    url = _parameters(request.query_string, "URL query string")
    if "update" in url:
        raise problem(403, UPDATE_REFUSED)
    body: dict[str, list[str]] = {}
    direct: str | None = None
    if request.method == "POST":
        media_type, options = parse_options_header(request.headers.get("Content-Type", ""))
        media_type = media_type.lower()
        if media_type == UPDATE_MEDIA_TYPE:
            raise problem(403, UPDATE_REFUSED)
        if media_type not in QUERY_MEDIA_TYPES:
            accepted = ", ".join(QUERY_MEDIA_TYPES)
            raise problem(
                415,
                f"a query POST must have Content-Type {' or '.join(QUERY_MEDIA_TYPES)}; got "
                + (repr(media_type) if media_type else "none"),
                headers={"Accept": accepted, "Accept-Post": accepted},
            )
        charset = options.get("charset", "utf-8").strip().lower()
        if charset not in UTF8_NAMES:
            raise problem(400, f"the request body must be UTF-8, not {charset}")
        raw = request.get_data(cache=False)
        if media_type == "application/x-www-form-urlencoded":
            body = _parameters(raw, "request body")
            if "update" in body:
                raise problem(403, UPDATE_REFUSED)
        else:
            direct = _utf8(raw, "request body").removeprefix("\ufeff")  # a UTF-8 BOM
    params = {key: url.get(key, []) + body.get(key, []) for key in {*url, *body}}
    queries = params.get("query", [])
    if direct is not None:
        if queries:
            raise problem(400, "the query is given both as the body and as a query parameter")
        queries = [direct]
    if len(queries) > 1:
        raise problem(400, f"exactly one query is allowed; got {len(queries)} query parameters")
    if request.method == "POST" and not queries:
        raise problem(400, "missing query: send query=... or an application/sparql-query body")
    if queries and not queries[0].strip():
        raise problem(400, "the query is empty")
    if queries:
        _check_size(queries[0])
        _check_depth(queries[0])
    return Operation(
        queries[0] if queries else None,
        ProtocolDataset(
            tuple(params.get("default-graph-uri", [])), tuple(params.get("named-graph-uri", []))
        ),
        params.get("format", []),
    )


def _check_size(query: str) -> None:
    limit = int(state().config["limits"]["max_query_bytes"])
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise problem(
            413,
            f"the query is {size} bytes; this endpoint takes at most {limit} "
            "(limits.max_query_bytes)",
            limit=limit,
        )


def _check_depth(query: str) -> None:
    limit = int(state().config["limits"]["max_query_depth"])
    depth = too_deep(query, limit)
    if depth is not None:
        raise problem(
            400,
            f"the query nests {depth} levels deep (braces, parentheses, brackets, runs of "
            f"'!'); this endpoint takes at most {limit} (limits.max_query_depth)",
            limit=limit,
        )


def _utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise problem(400, f"the {where} is not valid UTF-8 (byte {exc.start})") from None


def _parameters(raw: bytes, where: str) -> dict[str, list[str]]:
    text = _utf8(raw, where)
    try:
        return parse_qs(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARAMETERS,
        )
    except UnicodeDecodeError:
        raise problem(400, f"the {where} has percent-encoded bytes that are not UTF-8") from None
    except ValueError as exc:
        raise problem(400, f"the {where} is malformed: {exc}") from None


# --- answering --------------------------------------------------------------------------
def run_query(operation: Operation) -> Response:
    """Negotiate by query form first (406 costs nothing), then run and serialise."""
    assert operation.query is not None
    kind = ResultKind.for_form(query_form(operation.query))
    if kind:
        fmt: Format | None = negotiate(mt.with_page(kind.formats), operation.formats)
    else:  # unreadable form: the engine's syntax error, in the page for a browser
        fmt = mt.HTML if prefers_page(operation.formats) else None
    if fmt is mt.HTML:
        return editor_page(operation.query, operation.dataset)
    shared = state()
    client = client_address(request.environ, shared.config["server"])
    result = shared.store.query(operation.query, operation.dataset or None, client=client)
    if fmt is None or fmt not in result.formats:
        fmt = negotiate(result.formats, operation.formats)
    limits = shared.config["limits"]
    max_rows, max_bytes = int(limits["max_result_rows"]), int(limits["max_result_bytes"])
    capped = result.serialize_capped(fmt, max_rows, limits_url(), max_bytes)
    response = Response(capped.data, content_type=content_type(fmt))
    truncated = capped.header()
    if truncated:
        response.headers[TRUNCATION_HEADER] = truncated
    return response
