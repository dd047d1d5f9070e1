"""The ontology at its namespace: pyLODE HTML and the RDF of ``dist/ontology/smp.ttl``.

Ontology terms are hash IRIs (``…/ontology#WorkTable``): a client only ever asks for
``…/ontology``, so that one URL serves the whole ontology with content negotiation, and the
HTML (written by pyLODE at build time, one page per language) gives each term an element
whose id is its local name, so the fragment lands on the term.

Both are read from the build once per data version (the build id) and kept in the app's
cache (a :class:`publisher.web.memo.Memo`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from publisher.mediatypes import Format
from publisher.serialize import serialize
from publisher.web.memo import Memo

ONTOLOGY_DIR = "ontology"
ONTOLOGY_FILE = "smp.ttl"
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)

class OntologyMissing(FileNotFoundError):
    """The build has no ontology folder (a partial or test ``dist/``)."""


def rdf(memo: Memo, dist: Path, version: str, fmt: Format) -> bytes:
    """The ontology's triples in ``fmt`` (parsed once per version)."""
    path = dist / ONTOLOGY_DIR / ONTOLOGY_FILE

    def make() -> bytes:
        if not path.is_file():
            raise OntologyMissing(str(path))
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
        return serialize(triples, fmt)

    return memo.get((str(path), fmt.name), make, version=version)


def html(memo: Memo, dist: Path, version: str, lang: str, head_extra: str) -> bytes:
    """pyLODE's page in ``lang``, with ``head_extra`` (rendered links) before ``</head>``."""
    path = dist / ONTOLOGY_DIR / f"{Path(ONTOLOGY_FILE).stem}.{lang}.html"

    def make() -> bytes:
        if not path.is_file():
            raise OntologyMissing(str(path))
        page = path.read_text(encoding="utf-8")
        page = _HEAD_END.sub(lambda m: head_extra + m.group(0), page, count=1)
        return page.encode("utf-8")

    return memo.get((str(path), "html", head_extra), make, version=version)
