"""``/queries``, ``/queries/<name>`` and ``/openapi.json``: the named queries as an API.

- ``GET /queries`` lists the questions (JSON for ``*/*``, HTML for browsers).
- ``GET /queries/<name>?param=value`` runs one. Parameters are validated and bound as RDF
  terms by :mod:`publisher.named_queries` (never pasted into the text); a wrong type, an
  unknown parameter, a repeated one or a value outside the allowed list is a 400 that names
  it (an HTML 400 page with the form for browsers). Formats: SPARQL JSON results (the
  default), plain ``application/json`` rows, CSV, TSV, SPARQL XML and an HTML table with the
  parameter form; ``?format=`` (``json``, ``rows``, ``csv``, ``tsv``, ``xml``, ``html``)
  wins over Accept. ``?lang=`` is also the HTML page's language; for a query with a ``lang``
  parameter, the HTML page's negotiated language is its value unless given.
- ``GET /compare``: the cities compared, several questions on one page (HTML, or JSON for
  ``*/*``; :mod:`publisher.web.api.compare`).
- ``GET /openapi.json``: OpenAPI 3 for these operations (:mod:`publisher.web.api.openapi`).

CORS, Vary, Last-Modified, Cache-Control and 304s come from ``caching`` as everywhere; the
ETag also covers the query files, so editing a ``.rq`` file changes it.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from publisher import mediatypes as mt
from publisher import named_queries as nq
from publisher.client import Table
from publisher.mediatypes import Format
from publisher.web.api import compare as comparison
from publisher.web.api import tables
from publisher.web.api.openapi import document as openapi_document
from publisher.web.context import problem, state
from publisher.web.http.caching import representation_etag, vary_on
from publisher.web.http.html import html_response, render_page
from publisher.web.http.negotiation import (
    NotAcceptableFormat,
    UnknownFormat,
    accepted_format_values,
    choose,
    content_type,
    format_candidates,
    format_tokens,
    negotiate_language,
)
from publisher.web.http.questions import context, loaded
from publisher.web.http.questions import run as run_query
from publisher.web.texts import COMPARE, QUERIES

blueprint = Blueprint("api", __name__)

ROWS_JSON = Format("rows", "application/json", "json", "")
LIST_JSON = Format("json", "application/json", "json", "")
# Server preference first: curl's */* gets SPARQL JSON, browsers the HTML table.
RESULT_FORMATS: tuple[Format, ...] = (
    mt.RESULTS_JSON, ROWS_JSON, mt.RESULTS_CSV, mt.RESULTS_TSV, mt.RESULTS_XML, mt.HTML,
)  # fmt: skip
LIST_FORMATS: tuple[Format, ...] = (LIST_JSON, mt.HTML)
PAGE_LANGUAGE = "lang"


# --- negotiation ------------------------------------------------------------------------
def negotiate_local(offers: tuple[Format, ...], tokens: dict[str, Format]) -> Format:
    """Like ``negotiation.negotiate`` plus this API's own ``?format=`` tokens and its plain
    ``application/json`` formats, which the shared tables do not know."""
    given = format_tokens(request.args.getlist("format"))
    if not given:
        vary_on("Accept")
        chosen = choose(request.headers.get("Accept"), offers)
        if chosen is None:
            raise NotAcceptableFormat(offers)
        return chosen
    accepted = sorted({*tokens, *accepted_format_values(offers)} - {""})
    for token in given:
        if token.lower() not in tokens and not format_candidates(token):
            raise UnknownFormat("format", token, accepted)
    for token in given:
        for fmt in (tokens.get(token.lower()), *format_candidates(token)):
            if fmt in offers:
                return fmt
    raise NotAcceptableFormat(offers, f"format={given[0]} is not available here")


RESULT_TOKENS = {"rows": ROWS_JSON, "application/json": ROWS_JSON}
LIST_TOKENS = {"json": LIST_JSON, "application/json": LIST_JSON}


def finish(response: Response, signature: str) -> Response:
    """The caching hook's ETag, mixed with the query files' signature."""
    shared = state()
    etag = representation_etag(shared.store, shared.software_version, response)
    digest = hashlib.sha256((etag + signature).encode()).hexdigest()[:32]
    response.headers["ETag"] = f'"{digest}"'
    return response


# --- views ------------------------------------------------------------------------------
@blueprint.get("/queries")
def index() -> Response:
    fmt = negotiate_local(LIST_FORMATS, LIST_TOKENS)
    current = loaded()
    base = state().config.base_iri
    root = request.script_root
    if fmt is LIST_JSON:
        body = {
            "queries": [query_summary(q, base, root) for q in current.queries.values()],
            "openapi": f"{root}/openapi.json",
        }
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json"
        )
    else:
        vary_on("Accept-Language")
        lang = negotiate_language()
        page = render_page(
            "api/queries.html", lang, QUERIES, queries=list(current.queries.values())
        )
        response = html_response(page, lang)
    return finish(response, current.signature)


@blueprint.get("/queries/<name>")
def run(name: str) -> Response:
    current = loaded()
    query = current.queries.get(name)
    if query is None:
        known = ", ".join(current.queries) or "none"
        raise problem(404, f"no named query {name!r}; known queries: {known}")
    fmt = negotiate_local(RESULT_FORMATS, RESULT_TOKENS)
    given = request_values(query)
    lang = None
    if fmt is mt.HTML:
        vary_on("Accept-Language")
        lang = negotiate_language()
        if query.parameters and any(p.name == PAGE_LANGUAGE for p in query.parameters):
            given.setdefault(PAGE_LANGUAGE, lang)
    try:
        if fmt is mt.HTML or fmt is ROWS_JSON:
            bound, table = run_query(query, given)
        else:
            bound = query.bind(given, context())
    except nq.ParameterError as exc:
        if fmt is not mt.HTML or lang is None:
            raise problem(400, str(exc), parameter=exc.parameter) from None
        return html_page(query, lang, given, None, str(exc), status=400)
    if fmt is mt.HTML:
        assert lang is not None
        response = html_page(query, lang, bound.values, (bound, table), None)
    elif fmt is ROWS_JSON:
        body = json.dumps(
            {"query": name, "parameters": bound.values, "rows": table.records()},
            ensure_ascii=False,
            indent=2,
        )
        response = Response(body, content_type=ROWS_JSON.media_type)
    else:
        result = state().store.query(bound.sparql)
        response = Response(result.serialize(fmt), content_type=content_type(fmt))
    return finish(response, current.signature)


@blueprint.get("/compare")
def compare() -> Response:
    """The cities compared: each question's table and chart, or the same as JSON."""
    fmt = negotiate_local(LIST_FORMATS, LIST_TOKENS)
    current = loaded()
    lang = negotiate_language()
    answered = comparison.sections(current.queries, lang)
    if fmt is LIST_JSON:
        body = {
            "cities": list(context().cities or ()),
            "questions": [s.record(lang) for s in answered],
        }
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json"
        )
    else:
        page = render_page(
            "api/compare.html",
            lang,
            COMPARE,
            sections=[(s, *s.view(lang)) for s in answered],
            cities=context().cities or (),
        )
        response = html_response(page, lang)
    return finish(response, current.signature)


@blueprint.get("/openapi.json")
def openapi() -> Response:
    current = loaded()
    shared = state()
    server = request.host_url.rstrip("/") + request.script_root
    body = openapi_document(
        list(current.queries.values()),
        server_url=server,
        cities=context().cities or (),
        base=shared.config.base_iri,
        version=shared.software_version,
        result_tokens=[*RESULT_TOKENS, *accepted_format_values(RESULT_FORMATS)],
    )
    response = Response(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json"
    )
    return finish(response, current.signature)


# --- helpers ----------------------------------------------------------------------------
def request_values(query: nq.NamedQuery) -> dict[str, str]:
    """The request's values of ``query``'s parameters. Other parameters are ignored: a
    shared link picks up ``utm_source`` or ``fbclid`` on the way, and ``format`` and a
    page-only ``lang`` are the page's own. A parameter given twice is refused rather than
    guessed; a bad value of a known one is refused when the query is bound."""
    declared = {p.name for p in query.parameters}
    given: dict[str, str] = {}
    for key in request.args:
        if key not in declared:
            continue
        values = request.args.getlist(key)
        if len(values) > 1:
            raise problem(400, f"parameter {key!r} is given {len(values)} times", parameter=key)
        given[key] = values[0]
    return given


def query_summary(query: nq.NamedQuery, base: str, root: str) -> dict[str, Any]:
    """A query's metadata as JSON (``/queries``)."""
    return {
        "name": query.name,
        "url": f"{root}/queries/{query.name}",
        "title": query.title,
        "description": query.description,
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "default": p.default.replace("{base}", base) if p.default else p.default,
                "description": p.description,
                **({"values": list(p.values)} if p.values else {}),
                **({"prefix": p.resolved_prefix(base)} if p.prefix else {}),
                **({"min": str(p.minimum)} if p.minimum is not None else {}),
                **({"max": str(p.maximum)} if p.maximum is not None else {}),
                **({"max_length": p.max_length} if p.type == "string" else {}),
            }
            for p in query.parameters
        ],
        "result": {
            "rows": query.rows,
            "columns": [{"name": c.name, "description": c.description} for c in query.columns],
        },
    }


def html_page(
    query: nq.NamedQuery,
    lang: str,
    values: dict[str, str | None],
    outcome: tuple[nq.BoundQuery, Table] | None,
    error: str | None,
    status: int = 200,
) -> Response:
    """The query's page: form, result table, other formats and how to reproduce it."""
    root = request.script_root
    filled = {k: v for k, v in values.items() if v not in (None, "")}
    defaults = {p.name: p.default for p in query.parameters}
    chosen = {k: v for k, v in filled.items() if v != defaults.get(k)}
    here = f"{request.host_url.rstrip('/')}{root}/queries/{query.name}"
    query_string = urlencode(chosen)
    url = here + (f"?{query_string}" if query_string else "")
    view = tables.result_view(query, *outcome, lang) if outcome else None
    page = render_page(
        "api/query.html",
        lang,
        QUERIES,
        q=query,
        values=filled,
        cities=context().cities or (),
        error=error,
        view=view,
        sparql=outcome[0].sparql if outcome else None,
        formats=[
            (f, f"{root}/queries/{query.name}?" + urlencode({**chosen, "format": f.name}))
            for f in RESULT_FORMATS
            if f is not mt.HTML
        ],
        curl="curl -H 'Accept: text/csv' " + shlex.quote(url),
        command=" ".join(
            ["lodpub query", query.name]
            + [f"-p {shlex.quote(f'{k}={v}')}" for k, v in chosen.items()]
            + [f"--endpoint {shlex.quote(request.host_url.rstrip('/') + root + '/sparql')}"]
        ),
    )
    return html_response(page, lang, status)
