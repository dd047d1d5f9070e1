"""Request limits, for every route, checked before any work is done.

- a request target (path + query string, as sent) longer than ``limits.max_url_bytes``
  → **414**; more header fields than ``server.max_header_fields``, or one longer than
  ``server.max_header_bytes`` → **431** (whichever server runs the app). Checked once per
  request by the WSGI wrapper :func:`install`, in front of the representation cache, so an
  over-limit request never reaches it;
- a body longer than ``limits.max_body_bytes`` → **413** (Flask's ``MAX_CONTENT_LENGTH``
  also stops chunked bodies while they are read; the production front reads them whole
  first, ``publisher/front.py``);
- more than one ``Host`` header (joined with "," by the server) → **400**: which host was
  meant is ambiguous, and a cache in front could key on the other one.

The same wrapper applies ``server.public_url`` (``links.public_site``) once the checks pass.

The SPARQL endpoint adds ``limits.max_query_bytes`` for the query text itself. Every refusal
is raised inside Flask, so the app's error handlers render it like any other error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, request

from publisher.config import Config
from publisher.web.context import problem
from publisher.web.http.links import public_site
from publisher.web.http.replay import REPLAY_ONLY

REFUSED = "lodpub.refused"  # environ key: (status, detail) of a request over the limits


def install_body_limit(app: Flask, config: Config) -> None:
    """Refuse bodies over ``limits.max_body_bytes`` and raise the refusal the WSGI check
    recorded (a ``before_request`` hook)."""
    max_body = int(config["limits"]["max_body_bytes"])
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = max_body

    @app.before_request
    def _refuse_over_limits() -> None:
        refused = request.environ.get(REFUSED)
        if refused is not None:
            raise problem(*refused)
        length = request.content_length
        if length is not None and length > max_body:
            raise problem(
                413,
                f"the request body is {length} bytes; this server takes at most "
                f"{max_body} (limits.max_body_bytes)",
            )


def install(app: Flask, config: Config) -> None:
    """Check the request target and headers once, in front of everything (call it last): a
    request over the limits skips the representation cache and is answered by the app's
    error handlers (the ``before_request`` hook raises the refusal)."""
    over_limits = request_limits(config)
    public = public_site(config["server"].get("public_url"))
    checked_app = app.wsgi_app  # the representation cache, or Flask's own
    uncached = functools.partial(Flask.wsgi_app, app)

    def limited(environ: dict, start_response: Callable) -> Any:
        refused = over_limits(environ)
        if public is not None:
            public(environ)
        if refused is None:
            return checked_app(environ, start_response)
        if environ.get(REPLAY_ONLY):
            return None  # answered by the app, on a thread
        environ[REFUSED] = refused
        return uncached(environ, start_response)

    app.wsgi_app = limited  # type: ignore[method-assign]


def request_limits(config: Config) -> Callable[[dict], tuple[int, str] | None]:
    """The check of a request's target and headers against the limits: ``(status, detail)``
    of the refusal, or None."""
    max_url = int(config["limits"]["max_url_bytes"])
    max_fields = int(config["server"]["max_header_fields"])
    max_field = int(config["server"]["max_header_bytes"])

    def over_limits(environ: dict) -> tuple[int, str] | None:
        if "," in environ.get("HTTP_HOST", ""):
            return 400, "the request has more than one Host header"
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if target:
            size = len(target)
        else:
            size = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1
        if size > max_url:
            return 414, (
                f"the request target is {size} bytes; this server takes at most {max_url} "
                "(limits.max_url_bytes). Send long SPARQL queries with POST"
            )
        fields = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
        if len(fields) > max_fields:
            return 431, (
                f"the request has {len(fields)} header fields; this server takes at most "
                f"{max_fields} (server.max_header_fields)"
            )
        for name, value in fields:
            if len(name) - 5 + len(value) > max_field:
                header = name[5:].replace("_", "-").title()
                return 431, (
                    f"the {header} header is {len(value)} bytes; this server takes at most "
                    f"{max_field} per field (server.max_header_bytes)"
                )
        return None

    return over_limits
