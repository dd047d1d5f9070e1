"""The dataset's self-description: ``/.well-known/void``, ``/catalog``, ``/dumps/<file>``,
``/context.jsonld`` (see docs/self-description.md).

- **VoID** and **catalogue** are negotiated like every RDF document here (Turtle for
  ``*/*``, HTML for browsers, JSON-LD, RDF/XML, N-Triples; ``?format=`` wins), through
  ``negotiation``; ``caching`` adds Vary, the per-representation ETag, Last-Modified, CORS
  and 304s. Their IRIs are canonical (the configured base IRI) whatever host serves them;
  only the HTML pages link to this server's paths, so a browser can follow them.
- Both are computed **once per data version** (the app's ``about`` cache, a
  :class:`publisher.web.memo.Memo` keyed on what else they depend on): VoID statistics
  cost a few SPARQL aggregates, the catalogue one CONSTRUCT of the ``<base>graph/catalog``
  graph (the same triples ``/sparql`` answers for that graph, hence the same as
  ``dist/catalog.ttl``).
- **Dumps** and the **JSON-LD context** are files of ``dist/`` served as they are, only if
  ``manifest.json`` lists them (see ``distfiles``): strong ETag = the file's sha256, the
  build time as Last-Modified, exact Content-Length, and no Vary: nothing is negotiated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Response, request
from rdflib import Graph, URIRef
from werkzeug.exceptions import NotFound
from werkzeug.wsgi import wrap_file

from publisher import mediatypes as mt
from publisher.distdir import MQA_FILE
from publisher.iris import CATALOG_GRAPH, Iris
from publisher.mediatypes import Format
from publisher.namespaces import bind_prefixes, curie
from publisher.serialize import serialize_graph
from publisher.web.about.distfiles import (
    CATALOG_FILE,
    CONTEXT_FILE,
    DistFile,
    Manifest,
    open_file,
    read_manifest,
)
from publisher.web.about.paging import catalogue_page, page_url
from publisher.web.about.views import DQV, catalog_view, quality_rows
from publisher.web.about.void import VoidDocument, statistics_description, void_graph
from publisher.web.context import problem, state
from publisher.web.http.caching import vary_on
from publisher.web.http.html import html_response, render_page
from publisher.web.http.links import format_variants, link_value
from publisher.web.http.negotiation import content_type, negotiate, negotiate_language
from publisher.web.memo import Memo
from publisher.web.texts import ABOUT

blueprint = Blueprint("about", __name__)
# The context changes only when the project's prefixes do; a day keeps JSON-LD processors
# from refetching it on every document while a new prefix still spreads within a day.
CONTEXT_MAX_AGE_S = 86400


# --- shared helpers ---------------------------------------------------------------------
def _dist() -> Path:
    return state().dist()


def _memo() -> Memo:
    return state().memo("about")


def _manifest(fresh: bool = False) -> Manifest | None:
    return read_manifest(_dist(), state().memo("about.manifest", 4), fresh=fresh)


def _href(iri: str) -> str:
    """Where a browser on *this* server finds an IRI: our own IRIs become local paths."""
    path = Iris(state().config.base_iri).local_path(iri)
    return iri if path is None else f"{request.script_root}/{path}"


def _document(key: tuple, graph: Graph, fmt: Format, page: Callable[[str, list], str]) -> Response:
    """One negotiated representation, with ``Link`` headers to all the others; ``page(lang,
    alternates)`` renders the HTML one."""
    vary_on("Accept-Language")  # the same URL serves a language-dependent HTML page
    alternates = format_variants(mt.DOCUMENT_OFFERS)
    if fmt is mt.HTML:
        lang = negotiate_language()
        response = html_response(page(lang, [a for a in alternates if a[0] is not mt.HTML]), lang)
    else:
        data = _memo().get((*key, fmt.name), lambda: serialize_graph(graph, fmt))
        response = Response(data, content_type=content_type(fmt))
    response.headers["Link"] = link_value(alternates)
    return response


# --- VoID -------------------------------------------------------------------------------
def void_statistics() -> tuple[tuple, VoidDocument, Graph]:
    """The VoID of the loaded data (cached per data version and published dumps)."""
    shared = state()
    manifest = _manifest()
    dumps = tuple(f.basename for f in manifest.dumps()) if manifest else ()
    base, licence = shared.config.base_iri, str(shared.config["license"])
    key = ("void", shared.store.version, base, licence, dumps)

    def compute() -> tuple[VoidDocument, Graph]:
        stats = statistics_description(shared.store, base, licence, dumps)
        return stats, void_graph(stats)

    stats, graph = _memo().get(key, compute)
    return key, stats, graph


@blueprint.get("/.well-known/void")
def void() -> Response:
    fmt = negotiate(mt.DOCUMENT_OFFERS)
    key, stats, graph = void_statistics()

    def page(lang: str, alternates: list) -> str:
        return render_page(
            "about/void.html", lang, ABOUT, d=stats, href=_href, curie=curie, alternates=alternates
        )

    return _document(key, graph, fmt, page)


# --- catalogue --------------------------------------------------------------------------
def catalog_graph() -> tuple[tuple, Graph]:
    """The published catalogue (cached per file checksum or data version).

    Read from ``dist/catalog.ttl`` (listed in the manifest), the very file the build checked
    against the DCAT-AP_IT shapes, rather than from the ``<base>graph/catalog`` graph of the
    store: pyoxigraph normalises literals on load (oxigraph/oxigraph#526), so the store says
    ``"123"^^xsd:integer`` where the catalogue has ``xsd:nonNegativeInteger`` for
    ``dcat:byteSize``, which the shapes reject. Without a ``dist/`` (a remote store), the
    named graph is read with SPARQL instead.
    """
    shared = state()
    dist = _dist()
    manifest = _manifest()
    entry = manifest.files.get(CATALOG_FILE) if manifest else None
    if entry is not None:
        key: tuple = ("catalog", entry.sha256)
        graph = _memo().get(key, lambda: _read_turtle(dist, entry))
        if graph is not None:
            return key, graph
    key = ("catalog", shared.store.version, shared.config.base_iri)

    def from_store() -> Graph:
        name = Iris(shared.config.base_iri).graph(CATALOG_GRAPH)
        sparql = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        return _parse(shared.store.query(sparql).serialize(mt.NTRIPLES), "nt")

    return key, _memo().get(key, from_store)


def _parse(data: bytes, rdflib_format: str) -> Graph:
    return bind_prefixes(Graph()).parse(data=data, format=rdflib_format)


def _read_turtle(dist: Path, entry: DistFile) -> Graph | None:
    handle = open_file(dist, entry)
    if handle is None:
        return None
    with handle:
        return _parse(handle.read(), "turtle")


@blueprint.get("/catalog")
def catalog() -> Response:
    """The catalogue, in Hydra pages (``paging``): ``?page=N`` (1 when absent),
    ``?modified_since=<ISO date>``."""
    fmt = negotiate(mt.DOCUMENT_OFFERS)
    key, graph = catalog_graph()
    if not len(graph):
        raise problem(404, "this build has no catalogue graph: run `lodpub build`")
    number, since = _page_number(), _modified_since()
    size = int(state().config["catalog"]["page_size"])
    catalog_iri = Iris(state().config.base_iri).catalog()
    page_key = (*key, size, number, since)
    found = _memo().get(page_key, lambda: catalogue_page(graph, catalog_iri, size, number, since))
    if found is None:
        raise problem(404, f"the catalogue has no page {number}")
    manifest, quality = _manifest(), _quality()
    graph = found.graph
    if quality is not None:  # `lodpub mqa` assessed this build: link its measurements
        page_key += quality[0]
        graph = _memo().get(("linked", *page_key), lambda: _linked(found.graph, catalog_iri))

    def page(lang: str, alternates: list) -> str:
        return render_page(
            "about/catalog.html",
            lang,
            ABOUT,
            c=catalog_view(graph, lang),
            paging=found,
            quality=quality_rows(quality[1]) if quality else [],
            mqa_href=_href(_mqa_iri()),
            page_href=lambda n: _href(page_url(str(catalog_iri), n, since)),
            dumps=manifest.dumps() if manifest else [],
            href=_href,
            dump_href=lambda f: f"{request.script_root}/{f.name}",
            alternates=alternates,
        )

    return _content_etag(_document(page_key, graph, fmt, page))


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise problem(400, f"page: {raw!r} is not a page number (1, 2, …)")
    return int(raw)


def _modified_since() -> dt.date | None:
    raw = request.args.get("modified_since")
    if raw is None:
        return None
    try:
        return dt.datetime.fromisoformat(raw).date() if "T" in raw else dt.date.fromisoformat(raw)
    except ValueError:
        raise problem(400, f"modified_since: {raw!r} is not an ISO 8601 date") from None


# --- the MQA self-assessment (`lodpub mqa`) ----------------------------------------------
def _mqa_iri() -> str:
    return state().config.base_iri + "mqa"


def _linked(page: Graph, catalog_iri: URIRef) -> Graph:
    graph = bind_prefixes(Graph())
    graph += page
    graph.add((catalog_iri, DQV.hasQualityMetadata, URIRef(_mqa_iri())))
    return graph


def _quality() -> tuple[tuple, Graph] | None:
    """``mqa.ttl`` of the published build, if ``lodpub mqa`` wrote one (cached per file)."""
    dist = _dist()
    try:
        info = (Path(dist) / MQA_FILE).stat()
    except OSError:
        return None
    key = ("mqa", info.st_ino, info.st_size, info.st_mtime_ns)
    entry = DistFile(MQA_FILE, info.st_size, "", mt.TURTLE.media_type)
    graph = _memo().get(key, lambda: _read_turtle(dist, entry))
    return None if graph is None else (key, graph)


@blueprint.get("/mqa")
def mqa() -> Response:
    """The MQA measurements as W3C DQV (docs/harvesting.md)."""
    fmt = negotiate(mt.DOCUMENT_OFFERS)
    quality = _quality()
    if quality is None:
        raise problem(404, "this build has not been assessed: run `lodpub mqa --server URL`")
    key, graph = quality

    def page(lang: str, alternates: list) -> str:
        return render_page("about/mqa.html", lang, ABOUT, rows=quality_rows(graph),
                           href=_href, alternates=alternates)  # fmt: skip

    return _content_etag(_document(key, graph, fmt, page))


def _content_etag(response: Response) -> Response:
    """A strong ETag from the body: the catalogue and /mqa change when `lodpub mqa` writes,
    not only with the data version the default ETag is made of."""
    digest = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.headers["ETag"] = f'"{digest}"'
    return response


def assessment_stamp(dist: Path) -> str:
    """What tells one ``mqa.ttl`` from another (empty without one): the app adds it to the
    data version that keys the representation cache."""
    try:
        info = (Path(dist) / MQA_FILE).stat()
    except OSError:
        return ""
    return f"+mqa:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


# --- files: dumps and the JSON-LD context -----------------------------------------------
# merge_slashes=False: "/dumps//etc/passwd" (or "%2F...") is a 404 like any unlisted name,
# not a redirect to a tidied path.
@blueprint.get("/dumps/<path:filename>", merge_slashes=False)
def dump(filename: str) -> Response:
    response = _file(lambda manifest: manifest.dump(filename))
    # inline: a browser may show the text; the filename is for "save as" (only a listed
    # name gets here, and werkzeug quotes it).
    response.headers.set("Content-Disposition", "inline", filename=filename)
    return response


@blueprint.get("/feed", defaults={"number": None})
@blueprint.get("/feed/<int:number>")
def feed(number: int | None) -> Response:
    """The change feed's stream document and pages (TriG files the build wrote; an LDES
    client follows the pages' tree:relation links)."""
    name = "feed.trig" if number is None else f"{number}.trig"
    return _file(lambda manifest: manifest.files.get(f"feed/{name}"))


@blueprint.get("/" + CONTEXT_FILE)
def context() -> Response:
    response = _file(lambda manifest: manifest.files.get(CONTEXT_FILE))
    response.headers["Cache-Control"] = f"public, max-age={CONTEXT_MAX_AGE_S}"
    return response


def _file(pick: Callable[[Manifest], DistFile | None]) -> Response:
    """Stream a file the manifest lists; 404 for anything else (see ``distfiles``).

    The file is opened before the response is built, so the bytes sent are the ones whose
    size and checksum the headers state even if a rebuild swaps ``dist/`` meanwhile; a
    stale manifest (sizes differ) is read again once.
    """
    dist = _dist()
    for fresh in (False, True):
        manifest = _manifest(fresh)
        entry = pick(manifest) if manifest else None
        if entry is None:
            raise NotFound("no such file in this build")
        handle = open_file(dist, entry)
        if handle is not None:
            break
    else:
        raise NotFound("no such file in this build")
    fmt = mt.BY_EXTENSION.get(entry.basename.rsplit(".", 1)[-1])
    media_type = content_type(fmt) if fmt else entry.media_type
    response = Response(
        wrap_file(request.environ, handle), content_type=media_type, direct_passthrough=True
    )
    response.call_on_close(handle.close)  # also when the body is dropped (HEAD, 304)
    response.content_length = entry.size
    response.headers["ETag"] = entry.etag
    response.last_modified = manifest.built_at
    return response
