"""Headers that limit what a browser does with an answer: one place, for every route.

- ``X-Content-Type-Options: nosniff`` on every answer: a browser never reads a plain-text
  error that echoes the request (``/doc/"><svg onload=…>``) as HTML;
- ``Referrer-Policy: strict-origin-when-cross-origin``: other sites see where a visitor came
  from, not which page or query;
- a ``Content-Security-Policy`` on HTML pages (:data:`POLICY`): the site's pages load only
  their own fingerprinted CSS, fonts and icons, have no inline script or style, and may not
  be framed (clickjacking) nor post forms elsewhere.

A feature that needs more (a script from the site's own static files is already allowed)
adds sources to :data:`POLICY` by name when the app starts, e.g.
``POLICY["connect-src"] = ("'self'",)``, or answers with its own header built by
:func:`content_security_policy` (an answer that sets the header keeps it).
"""

from __future__ import annotations

from flask import Flask, Response

# directive -> its sources; rendered in this order
POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'", "data:"),
    "style-src": ("'self'",),
    "script-src": ("'self'",),
    "form-action": ("'self'",),
    "base-uri": ("'none'",),
    "frame-ancestors": ("'none'",),
}
REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy(extra: dict[str, tuple[str, ...]] | None = None) -> str:
    """:data:`POLICY` with ``extra`` sources added to its directives, as a header value."""
    merged = dict(POLICY)
    for directive, sources in (extra or {}).items():
        merged[directive] = (*merged.get(directive, ()), *sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in merged.items())


def install(app: Flask) -> None:
    """Add the headers to every answer (an ``after_request`` hook)."""

    @app.after_request
    def _protect(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", content_security_policy())
        return response
