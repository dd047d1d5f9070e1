"""The ontology at its namespace: pyLODE HTML and the RDF of ``dist/ontology/smp.ttl``.

Ontology terms are hash IRIs (``…/ontology#WorkTable``): a client only ever asks for
``…/ontology``, so that one URL serves the whole ontology with content negotiation, and the
HTML (written by pyLODE at build time, one page per language) gives each term an element
whose id is its local name, so the fragment lands on the term.

pyLODE writes a page of its own: no ``lang``, its own inline style, no way back to the site,
colours and a fixed table of contents that fail accessibility checks. So the page is taken
apart once per build: its title, its JSON-LD data block and its body (the documentation and
the table of contents, pyLODE's credit kept in words) go into the site's own template,
styled by the site's stylesheet; pyLODE's ``<style>`` and inline icons are dropped.

Both are read from the build once per data version (the build id) and kept in the app's
cache (a :class:`publisher.web.memo.Memo`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher.mediatypes import Format
from publisher.serialize import serialize
from publisher.web.memo import Memo

ONTOLOGY_DIR = "ontology"
ONTOLOGY_FILE = "smp.ttl"
# The ontologies published as files of their own, by request path (the alignments are a
# separate owl:Ontology that smp.ttl points to with rdfs:seeAlso).
FILES = {"ontology": ONTOLOGY_FILE, "ontology/alignments": "alignments.ttl"}
VERSIONED = (ONTOLOGY_FILE, "alignments.ttl", "vocabularies.ttl")
OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_DATA = re.compile(r'<script[^>]*type="application/ld\+json"[^>]*>.*?</script>', re.DOTALL)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.IGNORECASE | re.DOTALL)
_CREDIT = re.compile(r'<div id="pylode">.*?</div>', re.DOTALL)
_VERSION = re.compile(r'id="version">([^<]+)<')

class OntologyMissing(FileNotFoundError):
    """The build has no ontology folder (a partial or test ``dist/``)."""


def rdf(memo: Memo, dist: Path, version: str, fmt: Format, name: str = ONTOLOGY_FILE) -> bytes:
    """An ontology file's triples in ``fmt`` (parsed once per version)."""
    path = dist / ONTOLOGY_DIR / name

    def make() -> bytes:
        if not path.is_file():
            raise OntologyMissing(str(path))
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
        return serialize(triples, fmt)

    return memo.get((str(path), fmt.name), make, version=version)


def versions(memo: Memo, dist: Path, version: str) -> dict[str, str]:
    """Each ``owl:versionIRI`` the published ontology files declare -> the ontology's own
    IRI (``…/ontology/0.1.0`` -> ``…/ontology``): a version IRI dereferences to the current
    version, the only one this build serves."""

    def make() -> dict[str, str]:
        found: dict[str, str] = {}
        for name in VERSIONED:
            path = dist / ONTOLOGY_DIR / name
            if path.is_file():
                for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                    if q.predicate.value == OWL_VERSION_IRI:
                        found[q.object.value] = q.subject.value
        return found

    return memo.get(("versions",), make, version=version)


@dataclass(frozen=True)
class OntologyPage:
    """pyLODE's page in parts, for the site's template (trusted HTML from the build)."""

    title: str
    data_block: str  # the JSON-LD <script>, or ""
    body: str
    pylode_version: str


def html(memo: Memo, dist: Path, version: str, lang: str) -> OntologyPage:
    """pyLODE's page in ``lang``, taken apart (see the module docstring)."""
    path = dist / ONTOLOGY_DIR / f"{Path(ONTOLOGY_FILE).stem}.{lang}.html"

    def make() -> OntologyPage:
        if not path.is_file():
            raise OntologyMissing(str(path))
        page = path.read_text(encoding="utf-8")
        title, data, body = _TITLE.search(page), _DATA.search(page), _BODY.search(page)
        inner = body.group(1) if body else page
        credit = _VERSION.search(inner)
        return OntologyPage(
            title.group(1).strip() if title else "",
            data.group(0) if data else "",
            _CREDIT.sub("", inner),
            credit.group(1) if credit else "",
        )

    return memo.get((str(path), "html"), make, version=version)
