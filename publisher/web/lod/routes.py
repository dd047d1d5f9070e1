"""Dereferenceable Linked Data: things, the documents about them, the ontology, the home page.

The server answers for the canonical IRIs under the configured base on whatever host it
runs: request path ``/id/laspezia/masterplan`` is IRI ``<base>id/laspezia/masterplan``
(``publisher.iris`` maps paths and IRIs both ways). URL layout and choices:

- **Things** ``/id/…``, ``/vocab`` and ``/vocab/…`` (GET/HEAD): **303 See Other** to the
  document in the format Accept (or ``?format=``) chose, as an absolute URL on the requesting
  host: ``Location: http://host/doc/id/laspezia/masterplan.ttl``. Naming the variant (not
  the negotiating ``/doc/…``) means one round trip less and a Location that says what the
  client will get. ``Vary: Accept``; ``Link`` lists every variant; ``?lang=`` is carried
  over to the HTML variant. No triple with the IRI as subject → **404**.
- **Documents** ``/doc/<path>``: 200, negotiated among Turtle, HTML, JSON-LD, RDF/XML and
  N-Triples, with ``Content-Location: …/doc/<path>.<ext>`` and ``Vary: Accept``.
  ``/doc/<path>.<ext>`` is that format whatever Accept says (``?format=`` is then ignored)
  and has no ``Vary: Accept``; ``?format=`` on ``/doc/<path>`` also wins over Accept.
- **Defaults**: no Accept, ``*/*`` and ``text/*`` give **Turtle** (the server's first
  choice; ties go to it). HTML only when ``text/html`` (or XHTML) has the highest q, as
  browsers send it; clients that put RDF/XML first at q=1 (rapper, Jena, Protégé) get
  RDF/XML. Nothing acceptable → **406** listing the variants (and the same ``Link``).
- **Ontology** ``/ontology`` (the hash namespace of ``smp:``) and ``/ontology.<ext>``: the
  same rules; HTML is pyLODE's page in the page language. ``/ontology/alignments[.<ext>]``:
  the alignments file in the RDF formats. A version IRI (``/ontology/0.1.0``,
  ``/ontology/alignments/0.1.0``, ``/vocab/0.1.0``): **303** to the current version.
- **Home** ``/``: HTML only (the machine-readable entry points are ``/catalog``,
  ``/.well-known/void`` and ``/sparql``).
- **Languages** (HTML only): ``?lang=it|en`` wins, else Accept-Language, else Italian;
  ``Content-Language`` is set and ``Vary: Accept-Language`` added when the header decided.
  RDF documents carry every language, so they never vary on it.
- Trailing slash → **301** to the path without it. Encoded slashes (``%2F``) and empty,
  ``.`` or ``..`` segments → **404**: paths name IRIs, never files.

ETag, Last-Modified, 304, Cache-Control and CORS come from ``publisher.web.http.caching`` for
every response here, 303s and 404s included.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, Response, redirect, request
from werkzeug.exceptions import HTTPException

from publisher import mediatypes as mt
from publisher.iris import CATALOG_GRAPH, Iris
from publisher.mediatypes import Format
from publisher.serialize import serialize
from publisher.store.descriptions import Paging
from publisher.web.context import problem, state
from publisher.web.http import capping, links
from publisher.web.http.html import html_response, render_page
from publisher.web.http.labels import external_labels
from publisher.web.http.negotiation import content_type, negotiate, negotiate_language
from publisher.web.lod import figures
from publisher.web.lod import home as home_page
from publisher.web.lod import ontology as onto
from publisher.web.lod.describe import (
    Description,
    catalogue_description,
    catalogue_triples,
    cut_to,
    describe,
    document_triples,
    exists,
    page_context,
    term_labels,
)
from publisher.web.lod.kinds import page
from publisher.web.lod.origin import Origin, origin
from publisher.web.texts import LOD

blueprint = Blueprint("lod", __name__)


# --- routes --------------------------------------------------------------------------------
@blueprint.get("/")
def home() -> Response:
    lang = negotiate_language()
    view = home_page.home(state().store, _iris(), lang, links.root(), "lang" in request.args)
    return html_response(render_page("lod/home.html", lang, LOD, here="", home=view), lang)


@blueprint.get("/id/<path:rest>")
def thing_id(rest: str) -> Response:
    return _see_other("id/" + rest)


@blueprint.get("/dataset", defaults={"rest": "dataset"})
@blueprint.get("/dataset/<path:rest>")
@blueprint.get("/publisher", defaults={"rest": "publisher"})
@blueprint.get("/build/<path:rest>")
@blueprint.get("/software/<path:rest>")
@blueprint.get("/harvest/<path:rest>")
def thing_metadata(rest: str) -> Response:
    """The catalogue's own IRIs: datasets, distributions, the agent, builds, the software,
    an aggregator's harvests (``lodpub harvest``)."""
    prefix = request.path.lstrip("/").split("/", 1)[0]
    return _see_other(rest if rest == prefix else f"{prefix}/{rest}")


@blueprint.get("/vocab", defaults={"rest": ""})
@blueprint.get("/vocab/", defaults={"rest": "/"})
@blueprint.get("/vocab/<path:rest>")
def thing_vocab(rest: str) -> Response:
    return _see_other("vocab" + ("/" + rest if rest and rest != "/" else rest))


@blueprint.get("/doc/<path:rest>")
def document(rest: str) -> Response:
    _refuse_encoded_slashes()
    if rest.endswith("/"):
        return _moved("doc/" + rest.rstrip("/"))
    iris = _iris()
    offers = mt.DOCUMENT_OFFERS
    parsed = iris.parse_document("doc/" + rest, tuple(f.extension for f in offers))
    if parsed is None:
        raise problem(404, f"/doc/{rest} is not a document about a thing")
    thing = _find(parsed.thing)
    doc = "doc/" + _path(thing)
    fmt = mt.BY_EXTENSION[parsed.extension] if parsed.extension else _negotiate(doc)
    store = state().store
    number = _page_number()
    description = describe(store, thing, number, Paging.from_config(state().config.values))
    if not description.exists:
        if number > 1 and description.pages:
            raise problem(404, f"/{doc} has {description.pages} page(s), not {number}")
        raise _not_found(thing)
    if fmt is not mt.HTML and iris.in_catalogue(thing) and description.pages <= 1:
        description = _catalogue_description(thing)
    limit = capping.max_bytes()
    if fmt is mt.HTML:
        lang = negotiate_language()
        page_context(store, description)
        whence = origin(store, iris, thing, lang)
        data, cut = capping.fit(
            range(len(description.triples)),
            lambda kept: _html_document(description, len(kept), doc, lang, limit, whence),
            limit,
        )
        response = html_response(data, lang)
    else:
        triples = document_triples(description, iris)
        data, cut = capping.fit(triples, lambda kept: serialize(list(kept), fmt), limit)
        response = Response(
            capping.marked(data, fmt, limit) if cut else data, content_type=content_type(fmt)
        )
    if cut:
        capping.announce(response, limit)
    _link(response, doc, describes=thing)
    variant = f"{doc}.{fmt.extension}"
    paged = _pager(description, lambda n: links.absolute(variant + _query(n)))
    response.headers["Link"] += "".join(f', <{url}>; rel="{rel}"' for rel, url in paged.items())
    if parsed.extension is None:
        response.headers["Content-Location"] = links.absolute(variant + _query(number))
    return response


def _html_document(description: Description, keep: int, doc: str, lang: str, limit: int,
                   whence: Origin | None) -> bytes:  # fmt: skip
    """The page of ``description`` showing its first ``keep`` triples (all: not cut);
    ``whence``: where its facts came from (``origin``)."""
    iris, store = _iris(), state().store
    cut = keep < len(description.triples)
    shown = cut_to(description, keep) if cut else description
    labels = state().memo("lod.term_labels", 1).get(
        (), lambda: {**external_labels(), **term_labels(store)}, version=store.version
    )
    view, kind = page(shown, lang, iris, labels, links.root(), "lang" in request.args)
    view["origin"] = whence
    if kind.name == "masterplan":
        figures.add_to_masterplan(view["facts"], iris.city_of(description.thing.value), lang)
    body = render_page(
        kind.template,
        lang,
        LOD,
        here=doc + ".html",
        paged=_pager(description, lambda n: links.local(doc + ".html") + _query(n)),
        twins=[(f, links.local(f"{doc}.{f.extension}")) for f in mt.rdf_offers()],
        page=view,
        alternates=links.variants(doc, mt.DOCUMENT_OFFERS),
        cut_at=limit if cut else None,
    )
    return body.encode("utf-8")


def _page_number() -> int:
    """``?page=N`` of a document (incoming links are paged); 1 when absent."""
    value = request.args.get("page", "1")
    if not value.isdigit() or not value.isascii() or int(value) < 1:
        raise problem(404, f"page={value[:20]!r}: pages are numbered 1, 2, …")
    return int(value)


def _query(number: int) -> str:
    return f"?page={number}" if number > 1 else ""


def _pager(description: Description, url: Callable[[int], str]) -> dict[str, str]:
    """The ``first``/``prev``/``next``/``last`` pages of a paged document: rel → URL."""
    if description.pages <= 1:
        return {}
    number, last = description.page, description.pages
    at = {"first": 1, "prev": number - 1, "next": number + 1, "last": last}
    return {rel: url(n) for rel, n in at.items() if 1 <= n <= last}


@blueprint.get("/ontology", defaults={"ext": None})
@blueprint.get("/ontology.<ext>")
@blueprint.get("/ontology/", defaults={"ext": "/"})
def ontology(ext: str | None) -> Response:
    if ext == "/":
        return _moved("ontology")
    if ext is not None and ext not in {f.extension for f in mt.DOCUMENT_OFFERS}:
        raise problem(404, f"the ontology is not available as .{ext}")
    fmt = mt.BY_EXTENSION[ext] if ext else _negotiate("ontology")
    shared = state()
    dist, version = shared.dist(), shared.store.version
    memo = shared.memo("lod.ontology")
    try:
        if fmt is mt.HTML:
            lang = negotiate_language()
            body = render_page(
                "lod/ontology.html",
                lang,
                LOD,
                here="ontology.html",
                doc=onto.html(memo, dist, version, lang),
                alternates=links.variants("ontology", mt.DOCUMENT_OFFERS),
                twins=[(f, links.local(f"ontology.{f.extension}")) for f in mt.rdf_offers()],
            )
            response = html_response(body, lang)
        else:
            data = onto.rdf(memo, dist, version, fmt)
            response = Response(data, content_type=content_type(fmt))
    except onto.OntologyMissing:
        raise problem(404, "this build has no ontology files") from None
    _link(response, "ontology")
    if ext is None:
        response.headers["Content-Location"] = links.absolute(f"ontology.{fmt.extension}")
    return response


@blueprint.get("/ontology/<path:rest>")
def ontology_part(rest: str) -> Response:
    """The alignments (``/ontology/alignments[.ext]``, an owl:Ontology of their own, in the
    RDF formats: pyLODE documents only smp.ttl) and the version IRIs (``/ontology/0.1.0``)."""
    _refuse_encoded_slashes()
    stem, dot, ext = rest.rpartition(".")
    name, ext = (stem, ext) if dot and ext in mt.BY_EXTENSION else (rest, None)
    path = "ontology/" + name
    if name == "alignments" and ext != mt.HTML.extension:
        offers = mt.rdf_offers()
        fmt = mt.BY_EXTENSION[ext] if ext else negotiate(offers)
        shared = state()
        try:
            data = onto.rdf(
                shared.memo("lod.ontology"), shared.config.path("dist_dir"),
                shared.store.version, fmt, onto.FILES[path],
            )
        except onto.OntologyMissing:
            raise problem(404, "this build has no ontology files") from None
        response = Response(data, content_type=content_type(fmt))
        response.headers["Link"] = links.link_value(links.variants(path, offers))
        if ext is None:
            response.headers["Content-Location"] = links.absolute(f"{path}.{fmt.extension}")
        return response
    moved = _current_version(path)
    if moved is None:
        raise problem(404, f"/{path} names no resource")
    return moved


def _current_version(path: str) -> Response | None:
    """A 303 from a version IRI the ontology files declare to the current version, or None."""
    shared, iris = state(), _iris()
    declared = onto.versions(
        shared.memo("lod.ontology"), shared.config.path("dist_dir"), shared.store.version
    )
    for version_iri, current in declared.items():
        if iris.local_path(version_iri) == path:
            location = links.absolute(iris.local_path(current) or "")
            response = Response(
                f"303 See Other: {location}\n", 303, content_type="text/plain; charset=utf-8"
            )
            response.headers["Location"] = location
            return response
    return None


# --- the 303 -------------------------------------------------------------------------------
def _see_other(path: str) -> Response:
    _refuse_encoded_slashes()
    if path.endswith("/"):
        return _moved(path.rstrip("/"))
    thing = _iris().thing_for_path(path)
    if thing is None:
        raise problem(404, f"/{path} names no resource")
    if path.startswith("vocab/") and (moved := _current_version(path)) is not None:
        return moved
    found = _find(thing, check=True)
    doc = "doc/" + _path(found)
    fmt = _negotiate(doc)
    target = f"{doc}.{fmt.extension}"
    if fmt is mt.HTML and request.args.get("lang"):
        target += "?lang=" + negotiate_language()
    location = links.absolute(target)
    response = Response(
        f"303 See Other: {location}\n", 303, content_type="text/plain; charset=utf-8"
    )
    response.headers["Location"] = location
    return _link(response, doc)


def _find(thing: str, check: bool = False) -> str:
    """The IRI the store holds for a thing: as requested or, for a path with non-ASCII
    characters, percent-encoded (werkzeug decodes paths, IRIs may keep the escapes).
    ``check`` asks the store even for plain ASCII IRIs (a 303 must not point at nothing)."""
    thing = str(thing)
    encoded = quote(thing, safe=links.SAFE + "#?[]")
    candidates = [thing] if encoded == thing else [thing, encoded]
    if not check and len(candidates) == 1:
        return thing
    try:
        found = exists(state().store, candidates)
    except ValueError:  # not an IRI at all (spaces, quotes, angle brackets...)
        found = None
    if found is None:
        raise _not_found(thing)
    return found


def _not_found(thing: str) -> HTTPException:
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in thing)
    return problem(404, f"no resource <{shown}> is published here")


# --- HTTP helpers --------------------------------------------------------------------------
def _catalogue_description(thing: str) -> Description:
    """A catalogue thing's RDF documents: what the catalogue graph says of it alone."""
    store, graph = state().store, _iris().graph(CATALOG_GRAPH)
    triples = state().memo("lod.catalogue", 1).get(
        (), lambda: catalogue_triples(store, graph), version=store.version
    )
    return catalogue_description(triples, thing)


def _iris() -> Iris:
    return Iris(state().config.base_iri)


def _path(thing: str) -> str:
    path = _iris().local_path(thing)
    assert path is not None
    return path


def _link(response: Response, path: str, describes: str | None = None) -> Response:
    response.headers["Link"] = links.link_value(
        links.variants(path, mt.DOCUMENT_OFFERS), describes
    )
    return response


def _negotiate(path: str) -> Format:
    """negotiation.negotiate, with the variants in a Link header on a 406 as well."""
    offers = mt.DOCUMENT_OFFERS
    try:
        return negotiate(offers)
    except HTTPException as exc:
        value = links.link_value(links.variants(path, offers))
        exc.extra_headers = {"Link": value}  # type: ignore[attr-defined]
        raise


def _moved(path: str) -> Response:
    query = request.query_string.decode("latin-1")
    return redirect(links.absolute(path) + (f"?{query}" if query else ""), 301)  # type: ignore[return-value]


def _refuse_encoded_slashes() -> None:
    """``/id/a%2Fb`` would otherwise reach us decoded as ``/id/a/b``: refuse it. Needs the
    raw request line (werkzeug's and gunicorn's servers give it); without it the decoded
    path still only names an IRI, never a file."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    path = raw.split("?", 1)[0].lower()
    if "%2f" in path or "%5c" in path:
        raise problem(404, "encoded slashes never appear in this server's paths")
