"""Cross-cutting HTTP for every response: CORS, Vary, validators, 304s, Cache-Control.

One ``after_request`` hook (:func:`install`) does it all, so every blueprint gets it
without thinking, including on errors, redirects and 304s:

- **CORS** on every response: ``Access-Control-Allow-Origin: *`` (public data, never
  credentials, so no ``Vary: Origin`` is needed) and the exposed headers. ``OPTIONS``
  responses also get the preflight headers.
- **Vary**: negotiation records the request headers it read (:func:`vary_on`); views can
  add more with :func:`add_vary`. Both merge without duplicates.
- **Validators** on successful ``GET``/``HEAD``: a strong ``ETag`` that is different for
  every representation (hash of software version + data version + absolute URL + the
  response's Content-Type and Content-Language, so Turtle and JSON-LD of the same URL never
  share one), ``Last-Modified`` = build time, ``Cache-Control: public, max-age=N``.
  A view that sets its own ETag or Cache-Control keeps it; ``no-store`` opts out.
- **Conditional requests**: ``If-None-Match`` (weak comparison, ``*``) wins over
  ``If-Modified-Since``; a match turns the response into a bodiless 304 that keeps ETag,
  Vary, Cache-Control and the CORS headers (werkzeug strips the representation headers).
- **Errors** (4xx/5xx) get ``Cache-Control: no-store`` and no validators.
- ``POST`` responses get no validators: the body of the request is not part of the URL,
  so an ETag computed from the URL would lie, and POST results are not cacheable anyway.
- The **representation cache** that replays finished ``GET`` answers is ``replay``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

from flask import Flask, Response, g, request
from werkzeug.http import parse_etags

from publisher.store import Store
from publisher.web.http.links import TRUNCATION_HEADER, url_parts
from publisher.web.http.parameters import EVERY
from publisher.web.http.replay import CACHEABLE, cacheable

ALLOW_ORIGIN = "*"
EXPOSE_HEADERS = "Link, ETag, Location, Content-Location, Content-Language, Content-Type"
# Exposed too, on the responses that carry them.
EXPOSE_WHEN_SENT = ("Retry-After", TRUNCATION_HEADER)
ALLOW_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
ALLOW_HEADERS = (
    "Content-Type, Accept, Accept-Language, Accept-Profile, If-None-Match, If-Modified-Since"
)
PREFLIGHT_MAX_AGE_S = 3600
_METHOD_ORDER = ("GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")


def add_vary(response: Response, *headers: str) -> Response:
    """Add request header names to ``Vary``, once each (case-insensitive), keeping order."""
    current = [h.strip() for h in response.headers.get("Vary", "").split(",") if h.strip()]
    if "*" in current:
        return response
    known = {h.lower() for h in current}
    for header in headers:
        if header.lower() not in known:
            current.append(header)
            known.add(header.lower())
    if current:
        response.headers["Vary"] = ", ".join(current)
    return response


def vary_on(*headers: str) -> None:
    """Record that the current response depends on these request headers."""
    recorded: list[str] = g.setdefault("lodpub_vary", [])
    recorded.extend(h for h in headers if h not in recorded)


def ordered_methods(methods: Iterable[str]) -> str:
    """An ``Allow`` value in a stable, readable order (GET, POST, HEAD, OPTIONS, ...)."""
    names = {m.strip().upper() for m in methods if m.strip()}
    return ", ".join(sorted(names, key=_method_rank))


def _method_rank(method: str) -> tuple[int, str]:
    return (_METHOD_ORDER.index(method) if method in _METHOD_ORDER else 99, method)


def representation_etag(store: Store, software_version: str, response: Response) -> str:
    """A strong ETag for this URL, data version and representation."""
    environ = request.environ
    parts = (
        software_version,
        store.version,
        # The URL as the request gave it (werkzeug's host_url and full_path would decode it
        # into an IRI on every response, for the same information).
        *url_parts(environ),
        response.headers.get("Content-Type", ""),
        response.headers.get("Content-Language", ""),
        response.headers.get("Content-Profile", ""),
    )
    digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]
    return f'"{digest}"'


def not_modified(etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return parse_etags(if_none_match).contains_weak(etag.strip('"'))
    since = request.if_modified_since
    if since is not None and last_modified is not None:
        return last_modified.replace(microsecond=0) <= since
    return False


def _cors(response: Response) -> None:
    response.headers["Access-Control-Allow-Origin"] = ALLOW_ORIGIN
    sent = [h for h in EXPOSE_WHEN_SENT if h in response.headers]
    response.headers["Access-Control-Expose-Headers"] = ", ".join([EXPOSE_HEADERS, *sent])
    if request.method == "OPTIONS":
        allow = response.headers.get("Allow")
        methods = allow.split(",") if allow else list(ALLOW_METHODS)
        response.headers["Access-Control-Allow-Methods"] = ordered_methods(methods)
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)


def _validators(response: Response, store: Store, software_version: str, max_age_s: int) -> None:
    if "no-store" in response.headers.get("Cache-Control", ""):
        return
    if "ETag" not in response.headers:
        response.headers["ETag"] = representation_etag(store, software_version, response)
    if response.last_modified is None:
        response.last_modified = store.built_at
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={max_age_s}"
    if not_modified(response.headers["ETag"], response.last_modified):
        response.status_code = 304
        response.set_data(b"")


def install(
    app: Flask, store_of: Callable[[], Store], software_version: str, max_age_s: int
) -> None:
    """Register the hook on ``app``; ``store_of`` returns the current store (it may be
    swapped for a new build while the app runs)."""

    @app.after_request
    def finalize(response: Response) -> Response:
        _cors(response)
        add_vary(response, *g.get("lodpub_vary", ()))
        status = response.status_code
        if status >= 400:
            response.headers["Cache-Control"] = "no-store"
            for header in ("ETag", "Last-Modified"):
                response.headers.pop(header, None)
        elif status == 200 and request.method in ("GET", "HEAD"):
            _validators(response, store_of(), software_version, max_age_s)
        if cacheable(request.method, response):
            rule = request.url_rule
            used = getattr(request, "parameters_used", lambda: EVERY)()
            request.environ[CACHEABLE] = (
                rule.rule if rule is not None else "(unmatched)",
                request.endpoint or "",
                used,
            )
        return response
