"""The Flask app factory: wiring only.

How a blueprint reaches the shared objects::

    from publisher.web.app import state

    @blueprint.get("/something")
    def something():
        store = state().store      # publisher.store.Store (read-only)
        config = state().config    # publisher.config.Config
        ...

``state()`` reads ``current_app.extensions["lodpub"]`` (a :class:`Lodpub`). To add a
blueprint, import it inside :func:`create_app` next to the sparql one (imports stay inside
the factory so blueprint modules may import ``state``/``problem`` from here without a cycle).

Errors: raise a werkzeug ``HTTPException`` (or :func:`problem` for one with extra headers
or JSON members) or let a :class:`publisher.store.StoreError` propagate; the handlers here
render every error as ``text/plain; charset=utf-8``, or RFC 9457 ``application/problem+json``
when the client prefers JSON. Unexpected exceptions become a short 500 and the traceback
goes to the log, never to the client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions

from publisher.config import Config
from publisher.store import (
    InvalidDataset,
    QueryFailed,
    QueryRefused,
    QuerySyntaxError,
    Store,
    StoreError,
    StoreUnavailable,
    open_store,
)
from publisher.web import caching
from publisher.web.negotiation import wants_json_errors

EXTENSION = "lodpub"
_STORE_ERROR_STATUS: tuple[tuple[type[StoreError], int], ...] = (
    (QuerySyntaxError, 400),
    (InvalidDataset, 400),
    (QueryRefused, 403),
    (StoreUnavailable, 503),
    (QueryFailed, 500),
)


@dataclass
class Lodpub:
    """What every blueprint shares; ``store`` may be replaced when a new build is loaded."""

    config: Config
    store: Store
    software_version: str


def state() -> Lodpub:
    """The shared objects of the running app (inside a request or app context)."""
    return current_app.extensions[EXTENSION]


def problem(
    status: int, detail: str, headers: dict[str, str] | None = None, **members: Any
) -> HTTPException:
    """An HTTP error to ``raise`` with a readable detail, extra headers and JSON members."""
    exc = default_exceptions[status](description=detail)
    exc.extra_headers = headers or {}  # type: ignore[attr-defined]
    exc.details = members  # type: ignore[attr-defined]
    return exc


def create_app(config: Config, store: Store | None = None) -> Flask:
    """A WSGI app over ``store`` (default: the embedded store over ``dist_dir``)."""
    from publisher.web import ops
    from publisher.web.meta import blueprint as meta_blueprint
    from publisher.web.queries import blueprint as queries_blueprint
    from publisher.web.resources import blueprint as resources_blueprint
    from publisher.web.sparql import blueprint as sparql_blueprint

    if store is None:
        store = open_store(config)
    app = Flask(__name__)
    shared = Lodpub(config=config, store=store, software_version=_software_version())
    app.extensions[EXTENSION] = shared
    # Before caching.install: its after_request hook must run after caching's (Flask runs
    # them in reverse order), to see the final status.
    ops.install(app, config)
    caching.install(
        app,
        store_of=lambda: shared.store,
        software_version=shared.software_version,
        max_age_s=int(config["cache"]["max_age_s"]),
    )
    ops.install_request_limits(app, config)  # outermost: over-limit requests skip the cache
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StoreError, _store_error)
    app.register_error_handler(Exception, _unexpected_error)
    links = {"licence_url": config["license"], "source_url": _source_url(config)}
    app.context_processor(lambda: links)
    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(resources_blueprint)
    app.register_blueprint(meta_blueprint)
    app.register_blueprint(queries_blueprint)
    return app


# --- errors -----------------------------------------------------------------------------
def error_response(
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    members: dict[str, Any] | None = None,
) -> Response:
    """A plain-text or problem+json error body, chosen by the request's Accept."""
    title = default_exceptions[status].__name__ if status in default_exceptions else "Error"
    title = _TITLES.get(status, title)
    caching.vary_on("Accept")
    if wants_json_errors(request.headers.get("Accept")):
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


_TITLES = {
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
    detail = exc.description or _TITLES.get(exc.code, "error")
    return error_response(exc.code, detail, headers, getattr(exc, "details", None))


def _store_error(exc: StoreError) -> Response:
    status = next((code for kind, code in _STORE_ERROR_STATUS if isinstance(exc, kind)), 500)
    if status >= 500:
        current_app.logger.error("store error on %s %s: %s", request.method, request.path, exc)
    return error_response(status, str(exc))


def _unexpected_error(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal server error; the details have been logged")


def _software_version() -> str:
    try:
        return metadata.version("lodpub")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _source_url(config: Config) -> str:
    """Where the source code lives; ``source_code_url`` once the config has that key."""
    return str(config.values.get("source_code_url") or config["publisher"]["homepage"])
