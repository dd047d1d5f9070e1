"""The site's static files (``publisher/web/static``): their URLs carry a fingerprint.

``asset_url("site/site.css")`` is ``/static/site/site.css?v=<12 hex of its SHA-256>``: the
file's content names the URL, so the static route can let browsers keep it for a year
(``immutable``) and a new release is fetched at once. Fingerprints are computed once per
process (the files ship in the package and do not change while it runs).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from publisher.web.http.links import root

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
VERSION_PARAMETER = "v"


@functools.cache
def fingerprint(path: str) -> str:
    """The first 12 hex digits of the file's SHA-256 ("" for a file that is not there)."""
    file = (STATIC_DIR / path).resolve()
    if not file.is_relative_to(STATIC_DIR) or not file.is_file():
        return ""
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]


def asset_url(path: str) -> str:
    """The URL of a static file, with its fingerprint."""
    return f"{root()}/static/{path}?{VERSION_PARAMETER}={fingerprint(path)}"
