"""The ontology at its namespace: pyLODE HTML and the RDF of ``dist/ontology/smp.ttl``.

Ontology terms are hash IRIs (``…/ontology#WorkTable``): a client only ever asks for
``…/ontology``, so that one URL serves the whole ontology with content negotiation, and the
HTML (written by pyLODE at build time, one page per language) gives each term an element
whose id is its local name, so the fragment lands on the term.

Both are read from the build once per data version (the build id) and kept in memory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from publisher.mediatypes import Format
from publisher.serialize import serialize

ONTOLOGY_DIR = "ontology"
ONTOLOGY_FILE = "smp.ttl"
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)

_cache: dict[tuple[str, str, str], bytes] = {}
_CACHE_SIZE = 32  # formats x languages x mount points; bounded whatever clients send


class OntologyMissing(FileNotFoundError):
    """The build has no ontology folder (a partial or test ``dist/``)."""


def _remember(key: tuple[str, str, str], make) -> bytes:
    data = _cache.get(key)
    if data is None:
        if len(_cache) >= _CACHE_SIZE or any(k[0] != key[0] for k in _cache):
            _cache.clear()  # a new build (or too many variants): start again
        data = _cache[key] = make()
    return data


def rdf(dist: Path, version: str, fmt: Format) -> bytes:
    """The ontology's triples in ``fmt`` (parsed once per version)."""
    path = dist / ONTOLOGY_DIR / ONTOLOGY_FILE

    def make() -> bytes:
        if not path.is_file():
            raise OntologyMissing(str(path))
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
        return serialize(triples, fmt)

    return _remember((version, str(path), fmt.name), make)


def html(dist: Path, version: str, lang: str, head_extra: str) -> bytes:
    """pyLODE's page in ``lang``, with ``head_extra`` (rendered links) before ``</head>``."""
    path = dist / ONTOLOGY_DIR / f"{Path(ONTOLOGY_FILE).stem}.{lang}.html"

    def make() -> bytes:
        if not path.is_file():
            raise OntologyMissing(str(path))
        page = path.read_text(encoding="utf-8")
        page = _HEAD_END.sub(lambda m: head_extra + m.group(0), page, count=1)
        return page.encode("utf-8")

    return _remember((version, str(path), f"html:{hash(head_extra)}"), make)
