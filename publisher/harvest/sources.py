"""Where to harvest from: ``harvest.sources`` in the configuration, plus command-line URLs.

A source is one publisher's catalogue. Its entry says where the catalogue is, which hosts
the harvester may download from, and how to reach IRIs that do not resolve from here:

```yaml
harvest:
  sources:
    - name: esempiopoli                       # optional: a slug, else made from the URL
      catalog: https://w3id.org/smartcity-masterplan/catalog
      url_map:                                # optional: IRI prefix -> URL prefix
        https://w3id.org/smartcity-masterplan/: https://lod.esempiopoli.example/
      allowed_hosts: [lod.esempiopoli.example]   # optional (see below)
      audit: https://lod.esempiopoli.example/     # optional: audit this publisher each run
```

Why a map and not just the real URL: cities that share the default base IRI print
canonical download URLs (``https://w3id.org/smartcity-masterplan/dumps/…``) that, in
production, the base redirects to each city's server; the aggregator may not be able to (or
want to) go through that redirector, and a test never can. Every URL the harvester fetches
(catalogue pages, next-page links, dumps) goes through the map first, longest prefix first.

The allowed hosts default to the hosts of the (mapped) catalogue URL and of the map's
targets: a catalogue cannot send the harvester to any other machine. A host is
``name`` (any port) or ``name:port``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from publisher.config import Config
from publisher.iris import is_slug

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
SOURCE_KEYS = ("name", "catalog", "url_map", "allowed_hosts", "audit")


class SourceConfigError(ValueError):
    """``harvest.sources`` (or a command-line URL) is not usable; the message says why."""


@dataclass(frozen=True)
class Source:
    """One publisher to harvest."""

    name: str
    catalog: str  # as configured: canonical or real
    url_map: tuple[tuple[str, str], ...] = ()  # (IRI prefix, URL prefix), longest first
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    audit: str | None = None  # the publisher's home, audited at each harvest (lodpub audit)

    def real_url(self, url: str) -> str:
        """The URL that really serves ``url`` (an IRI from a catalogue, or a link)."""
        for prefix, target in self.url_map:
            if url.startswith(prefix):
                return target + url[len(prefix) :]
        return url

    def refusal(self, url: str) -> str | None:
        """Why the harvester may not fetch ``url`` (a real URL), or None when it may."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            return f"{url}: only http and https URLs are fetched"
        host = _host(url)
        if host is None:
            return f"{url}: not a URL with a host"
        name = host.rsplit(":", 1)[0]
        if host in self.allowed_hosts or name in self.allowed_hosts:
            return None
        allowed = ", ".join(sorted(self.allowed_hosts))
        return f"{url}: host {host} is not one of the source's allowed hosts ({allowed})"


def _host(url: str) -> str | None:
    """``name:port`` of an http(s) URL, lower-cased, with the scheme's default port."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    name = parts.hostname.lower()
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


def _check_url(url: Any, what: str) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme not in SCHEMES or _host(url) is None:
        raise SourceConfigError(f"{what}: {url!r} is not an absolute http(s) URL")
    return url


def name_from_url(url: str) -> str:
    """A source name made from its catalogue URL: host, port and path as one slug."""
    parts = urlsplit(url)
    text = f"{parts.hostname or ''}-{parts.port or ''}-{parts.path}".lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:63].strip("-")
    return slug or "source"


def _source(entry: Any, where: str) -> Source:
    if isinstance(entry, str):
        entry = {"catalog": entry}
    if not isinstance(entry, dict):
        raise SourceConfigError(f"{where}: expected a mapping with at least 'catalog'")
    unknown = sorted(set(entry) - set(SOURCE_KEYS))
    if unknown:
        raise SourceConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(SOURCE_KEYS)})"
        )
    catalog = _check_url(entry.get("catalog"), f"{where}: catalog")
    name = entry.get("name") or name_from_url(catalog)
    if not isinstance(name, str) or not is_slug(name):
        raise SourceConfigError(
            f"{where}: name {name!r} must be a slug (a-z, 0-9 and '-', at most 64 characters)"
        )
    mapping = entry.get("url_map") or {}
    if not isinstance(mapping, dict):
        raise SourceConfigError(f"{where}: url_map must map IRI prefixes to URL prefixes")
    url_map = tuple(
        sorted(
            (
                (str(iri), _check_url(url, f"{where}: url_map[{iri}]"))
                for iri, url in mapping.items()
            ),
            key=lambda pair: -len(pair[0]),
        )
    )
    source = Source(name, catalog, url_map)
    hosts = entry.get("allowed_hosts")
    if hosts is None:
        targets = [source.real_url(catalog), *(url for _iri, url in url_map)]
        hosts = [_host(url) for url in targets]
    elif not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise SourceConfigError(f"{where}: allowed_hosts must be a list of host[:port]")
    audit = entry.get("audit")
    if audit is not None:
        audit = _check_url(audit, f"{where}: audit")
    return Source(name, catalog, url_map, frozenset(str(h).lower() for h in hosts), audit)


def configured_sources(config: Config, urls: Iterable[str] = ()) -> list[Source]:
    """The configured sources, then one per command-line catalogue URL not already
    configured; names unique."""
    entries = config["harvest"]["sources"] or []
    if not isinstance(entries, list):
        raise SourceConfigError("harvest.sources must be a list of sources")
    sources = [_source(entry, f"harvest.sources[{i}]") for i, entry in enumerate(entries)]
    configured = {source.catalog for source in sources}
    sources += [_source(url, f"command line: {url}") for url in urls if url not in configured]
    seen: dict[str, str] = {}
    for source in sources:
        if source.name in seen:
            raise SourceConfigError(
                f"two sources are named {source.name!r} ({seen[source.name]} and "
                f"{source.catalog}): give them different names"
            )
        seen[source.name] = source.catalog
    return sources
