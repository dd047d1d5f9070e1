"""URLs and ``Link`` headers: how this server names its own pages on the requesting host.

Every blueprint links to paths on the host the client used (``request.host_url`` plus the
mount point), while RDF keeps the canonical IRIs under the configured base; the helpers
here are the one place that turns a local path into a header-safe absolute URL, lists a
document's variants as ``rel="alternate"`` and points truncated results at ``/limits``.

Behind a reverse proxy, ``server.public_url`` names the site instead (:func:`public_site`):
every request is then seen as made to that scheme, host and mount point, so ``Location``
headers, links, the service description and cache keys never repeat a client's ``Host``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlsplit

from flask import request

from publisher.mediatypes import Format

# Characters kept as they are when a path is quoted (sub-delims, ":", "@", "/" and "%").
SAFE = "/:@!$&'()*+,;=-._~%"
LIMITS_PATH = "limits"
TRUNCATION_HEADER = "X-Result-Truncated"


def url_parts(environ: dict) -> tuple[str, ...]:
    """Scheme, host, script name, path and query string of a WSGI request."""
    host = environ.get("HTTP_HOST") or (
        f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    )
    return (
        environ.get("wsgi.url_scheme", "http"),
        host,
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )


def public_site(public_url: str | None) -> Callable[[dict], None] | None:
    """``server.public_url`` as a rewrite of a WSGI environ (None when it is not set); a
    path in it is the mount point the proxy strips (``https://example.org/lod``)."""
    if not public_url:
        return None
    parts = urlsplit(str(public_url))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ValueError(f"server.public_url: {public_url!r} is not an http(s) URL of a site")
    scheme, host, mount = parts.scheme, parts.netloc, parts.path.rstrip("/")

    def rewrite(environ: dict) -> None:
        environ["wsgi.url_scheme"] = scheme
        environ["HTTP_HOST"] = host
        environ["SCRIPT_NAME"] = mount

    return rewrite


def root() -> str:
    """This server's URL prefix as seen by pages (``/app`` when mounted under a prefix)."""
    return request.script_root


def local(path: str) -> str:
    """A root-relative link to ``path`` (quoted)."""
    return f"{root()}/{quote(path, safe=SAFE)}"


def absolute(path: str) -> str:
    """An absolute URL on the requesting host (percent-encoded: headers are ASCII)."""
    host = request.host_url.rstrip("/") + request.script_root
    return f"{host}/{quote(path, safe=SAFE + '?=')}"


def variants(path: str, offers: tuple[Format, ...]) -> list[tuple[Format, str]]:
    """Each format of the document at ``path`` and its URL (``path.ext``)."""
    return [(f, absolute(f"{path}.{f.extension}")) for f in offers]


def format_variants(offers: tuple[Format, ...]) -> list[tuple[Format, str]]:
    """Each format of the current URL and its ``?format=`` URL."""
    return [(f, f"{request.base_url}?format={f.extension}") for f in offers]


def link_value(alternates: list[tuple[Format, str]], describes: str | None = None) -> str:
    """Every variant as ``rel="alternate"`` (the form rdflib's JSON-LD loader reads), and
    the thing a document is about as ``rel="describes"`` (RFC 6892)."""
    links = [f'<{url}>; rel="alternate"; type="{f.media_type}"' for f, url in alternates]
    if describes:
        links.append(f'<{quote(describes, safe=SAFE + "#?")}>; rel="describes"')
    return ", ".join(links)


def limits_url() -> str:
    """The absolute URL of ``/limits`` on the requesting host (for truncation markers).

    Asked on every query, so built from the environ as sent (``request.url_root`` would
    decode it into an IRI each time)."""
    scheme, host, script, *_rest = url_parts(request.environ)
    return f"{scheme}://{host}{script.rstrip('/')}/{LIMITS_PATH}"
