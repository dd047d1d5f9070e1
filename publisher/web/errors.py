"""Every error response, in one place: which exception gets which status, and its body.

Raise a werkzeug ``HTTPException`` (or ``publisher.web.context.problem`` for one with extra
headers or JSON members) or let a :class:`publisher.store.StoreError` propagate; the
handlers here render every error as ``text/plain; charset=utf-8``, RFC 9457
``application/problem+json`` when the client prefers JSON, or an HTML page in the
negotiated language, with the site's navigation, when the client names ``text/html``
first, as browsers do (a person who followed a broken link gets a way on). Unexpected
exceptions become a short 500 and the traceback goes to the log, never to the client.

The store's errors map to statuses in :data:`STORE_ERROR_STATUS` (the most specific class
first). Three carry more than a status: a query that cannot get an executor or a memory
slot (``StoreBusy``) → **503 + Retry-After**; one more query of a client already running
its maximum (``ClientBusy``) → **429 + Retry-After**; a query stopped by the time limit
(``QueryTimeout``) → **500** with the limit and a link to ``/limits`` (the SPARQL
Protocol's status for a query the service fails to run: retrying the same query will not
help, so no Retry-After).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions

from publisher.store import (
    ClientBusy,
    InvalidDataset,
    QueryFailed,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from publisher.web.http import caching
from publisher.web.http.html import html_response, render_page
from publisher.web.http.links import limits_url
from publisher.web.http.negotiation import (
    negotiate_language,
    wants_html_errors,
    wants_json_errors,
)
from publisher.web.texts import ERRORS

STORE_ERROR_STATUS: tuple[tuple[type[StoreError], int], ...] = (
    (QuerySyntaxError, 400),
    (InvalidDataset, 400),
    (QueryRefused, 403),
    (StoreUnavailable, 503),
    (QueryFailed, 500),
)
TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def install(app: Flask) -> None:
    """Register every error handler on ``app`` (the most specific class wins in Flask)."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StoreBusy, _retry_later)
    app.register_error_handler(ClientBusy, _retry_later)
    app.register_error_handler(QueryTimeout, _timeout)
    app.register_error_handler(StoreError, _store_error)
    app.register_error_handler(Exception, _unexpected_error)


def error_response(
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    members: dict[str, Any] | None = None,
) -> Response:
    """A plain-text or problem+json error body, chosen by the request's Accept."""
    title = default_exceptions[status].__name__ if status in default_exceptions else "Error"
    title = TITLES.get(status, title)
    caching.vary_on("Accept")
    if wants_html_errors(request.headers.get("Accept")):
        response = _html_error(status, title, detail)
    elif wants_json_errors(request.headers.get("Accept")):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        body.update(members or {})
        response = Response(
            json.dumps(body, ensure_ascii=False), status, content_type="application/problem+json"
        )
    else:
        response = Response(
            f"{status} {title}: {detail}\n", status, content_type="text/plain; charset=utf-8"
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _html_error(status: int, title: str, detail: str) -> Response:
    lang = negotiate_language()
    words = ERRORS[lang]
    page = render_page(
        "error.html",
        lang,
        ERRORS,
        status=status,
        heading=words.get(f"title_{status}", title),
        explanation=words.get(f"explain_{status}", words["explain"]),
        detail=detail,
    )
    return html_response(page, lang, status)


def _http_error(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc
    headers = {
        name: value
        for name, value in exc.get_headers()
        if name.lower() not in ("content-type", "content-length")
    }
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = caching.ordered_methods(exc.valid_methods)
    headers.update(getattr(exc, "extra_headers", {}))
    detail = exc.description or TITLES.get(exc.code, "error")
    return error_response(exc.code, detail, headers, getattr(exc, "details", None))


def _store_error(exc: StoreError) -> Response:
    status = next((code for kind, code in STORE_ERROR_STATUS if isinstance(exc, kind)), 500)
    if status >= 500:
        current_app.logger.error("store error on %s %s: %s", request.method, request.path, exc)
    return error_response(status, str(exc))


def _retry_later(exc: StoreBusy | ClientBusy) -> Response:
    status = 429 if isinstance(exc, ClientBusy) else 503
    return error_response(
        status,
        str(exc),
        {"Retry-After": str(exc.retry_after_s)},
        {"retry_after_s": exc.retry_after_s},
    )


def _timeout(exc: QueryTimeout) -> Response:
    return error_response(
        500, str(exc), None, {"timeout_s": exc.timeout_s, "limits": limits_url()}
    )


def _unexpected_error(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal server error; the details have been logged")
