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
  same rules; HTML is pyLODE's page in the page language.
- **Home** ``/``: HTML only (the machine-readable entry points are ``/catalog``,
  ``/.well-known/void`` and ``/sparql``).
- **Languages** (HTML only): ``?lang=it|en`` wins, else Accept-Language, else Italian;
  ``Content-Language`` is set and ``Vary: Accept-Language`` added when the header decided.
  RDF documents carry every language, so they never vary on it.
- Trailing slash → **301** to the path without it. Encoded slashes (``%2F``) and empty,
  ``.`` or ``..`` segments → **404**: paths name IRIs, never files.

ETag, Last-Modified, 304, Cache-Control and CORS come from ``publisher.web.caching`` for
every response here, 303s and 404s included.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from publisher import mediatypes as mt
from publisher.iris import Iris
from publisher.mediatypes import Format
from publisher.serialize import serialize
from publisher.web import home as home_page
from publisher.web import ontology as onto
from publisher.web.app import problem, state
from publisher.web.describe import (
    describe,
    document_triples,
    exists,
    page_context,
    term_labels,
)
from publisher.web.negotiation import content_type, negotiate, negotiate_language
from publisher.web.page_kinds import page
from publisher.web.texts import TEXTS

blueprint = Blueprint("resources", __name__)

# Server preference: the first is what */* gets.
OFFERS: tuple[Format, ...] = (mt.TURTLE, mt.HTML, mt.JSONLD, mt.RDFXML, mt.NTRIPLES)
EXTENSIONS = tuple(f.extension for f in OFFERS)
RDF_OFFERS = tuple(f for f in OFFERS if f is not mt.HTML)
# Page kind -> template; any other kind gets the generic resource.html.
TEMPLATES = {
    kind: f"resource_{kind}.html"
    for kind in ("masterplan", "action", "role", "phase", "source", "organisation", "table",
                 "theme", "concept")
} | {"scheme": "resource_concept.html"}  # fmt: skip
_SAFE = "/:@!$&'()*+,;=-._~%"


# --- routes --------------------------------------------------------------------------------
@blueprint.get("/")
def home() -> Response:
    lang = negotiate_language()
    view = home_page.home(state().store, _iris(), lang, _root(), "lang" in request.args)
    return _html(render_template("home.html", home=view, **_ui(lang, "")), lang)


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
    parsed = iris.parse_document("doc/" + rest, EXTENSIONS)
    if parsed is None:
        raise problem(404, f"/doc/{rest} is not a document about a thing")
    thing = _find(parsed.thing)
    doc = "doc/" + _path(thing)
    fmt = mt.BY_EXTENSION[parsed.extension] if parsed.extension else _negotiate(OFFERS, doc)
    store = state().store
    description = describe(store, thing)
    if not description.exists:
        raise _not_found(thing)
    if fmt is mt.HTML:
        lang = negotiate_language()
        page_context(store, description)
        keep = "lang" in request.args
        view = page(description, lang, iris, term_labels(store), _root(), keep)
        template = TEMPLATES.get(view["kind"], "resource.html")
        body = render_template(
            template, page=view, alternates=_alternates(doc), **_ui(lang, doc + ".html")
        )
        response = _html(body, lang)
    else:
        data = serialize(document_triples(description, iris), fmt)
        response = Response(data, content_type=content_type(fmt))
    _link(response, doc, OFFERS, describes=thing)
    if parsed.extension is None:
        response.headers["Content-Location"] = _url(f"{doc}.{fmt.extension}")
    return response


@blueprint.get("/ontology", defaults={"ext": None})
@blueprint.get("/ontology.<ext>")
@blueprint.get("/ontology/", defaults={"ext": "/"})
def ontology(ext: str | None) -> Response:
    if ext == "/":
        return _moved("ontology")
    if ext is not None and ext not in EXTENSIONS:
        raise problem(404, f"the ontology is not available as .{ext}")
    fmt = mt.BY_EXTENSION[ext] if ext else _negotiate(OFFERS, "ontology")
    dist, version = state().config.path("dist_dir"), state().store.version
    try:
        if fmt is mt.HTML:
            lang = negotiate_language()
            head = render_template("ontology_head.html", alternates=_alternates("ontology"))
            response = _html(onto.html(dist, version, lang, head), lang)
        else:
            response = Response(onto.rdf(dist, version, fmt), content_type=content_type(fmt))
    except onto.OntologyMissing:
        raise problem(404, "this build has no ontology files") from None
    _link(response, "ontology", OFFERS)
    if ext is None:
        response.headers["Content-Location"] = _url(f"ontology.{fmt.extension}")
    return response


# --- the 303 -------------------------------------------------------------------------------
def _see_other(path: str) -> Response:
    _refuse_encoded_slashes()
    if path.endswith("/"):
        return _moved(path.rstrip("/"))
    thing = _iris().thing_for_path(path)
    if thing is None:
        raise problem(404, f"/{path} names no resource")
    found = _find(thing, check=True)
    doc = "doc/" + _path(found)
    fmt = _negotiate(OFFERS, doc)
    target = f"{doc}.{fmt.extension}"
    if fmt is mt.HTML and request.args.get("lang"):
        target += "?lang=" + negotiate_language()
    location = _url(target)
    response = Response(
        f"303 See Other: {location}\n", 303, content_type="text/plain; charset=utf-8"
    )
    response.headers["Location"] = location
    return _link(response, doc, OFFERS)


def _find(thing: str, check: bool = False) -> str:
    """The IRI the store holds for a thing: as requested or, for a path with non-ASCII
    characters, percent-encoded (werkzeug decodes paths, IRIs may keep the escapes).
    ``check`` asks the store even for plain ASCII IRIs (a 303 must not point at nothing)."""
    thing = str(thing)
    encoded = quote(thing, safe=_SAFE + "#?[]")
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
def _iris() -> Iris:
    return Iris(state().config.base_iri)


def _path(thing: str) -> str:
    path = _iris().local_path(thing)
    assert path is not None
    return path


def _root() -> str:
    """This server's URL prefix as seen by pages (``/app`` when mounted under a prefix)."""
    return request.script_root


def _url(path: str) -> str:
    """An absolute URL on the requesting host (percent-encoded: headers are ASCII)."""
    host = request.host_url.rstrip("/") + request.script_root
    return f"{host}/{quote(path, safe=_SAFE + '?=')}"


def _alternates(path: str, offers: tuple[Format, ...] = OFFERS) -> list[tuple[str, str]]:
    return [(f.media_type, _url(f"{path}.{f.extension}")) for f in offers]


def _link(
    response: Response, path: str, offers: tuple[Format, ...], describes: str | None = None
) -> Response:
    response.headers["Link"] = _link_value(path, offers, describes)
    return response


def _link_value(path: str, offers: tuple[Format, ...], describes: str | None = None) -> str:
    """Every variant as ``rel="alternate"`` (the form rdflib's JSON-LD loader reads), and
    the thing a document is about as ``rel="describes"`` (RFC 6892)."""
    links = [
        f'<{url}>; rel="alternate"; type="{media}"' for media, url in _alternates(path, offers)
    ]
    if describes:
        links.append(f'<{quote(describes, safe=_SAFE + "#?")}>; rel="describes"')
    return ", ".join(links)


def _negotiate(offers: tuple[Format, ...], path: str) -> Format:
    """negotiation.negotiate, with the variants in a Link header on a 406 as well."""
    try:
        return negotiate(offers)
    except HTTPException as exc:
        exc.extra_headers = {"Link": _link_value(path, offers)}  # type: ignore[attr-defined]
        raise


def _moved(path: str) -> Response:
    query = request.query_string.decode("latin-1")
    return redirect(_url(path) + (f"?{query}" if query else ""), 301)  # type: ignore[return-value]


def _refuse_encoded_slashes() -> None:
    """``/id/a%2Fb`` would otherwise reach us decoded as ``/id/a/b``: refuse it. Needs the
    raw request line (werkzeug's and gunicorn's servers give it); without it the decoded
    path still only names an IRI, never a file."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    path = raw.split("?", 1)[0].lower()
    if "%2f" in path or "%5c" in path:
        raise problem(404, "encoded slashes never appear in this server's paths")


def _html(body: str | bytes, lang: str) -> Response:
    response = Response(body, content_type=content_type(mt.HTML))
    response.headers["Content-Language"] = lang
    return response


def _ui(lang: str, here: str) -> dict:
    """What every page template needs: texts, language, twins and the language switch."""
    other = next(code for code in TEXTS if code != lang)
    return {
        "lang": lang,
        "t": TEXTS[lang],
        "root": _root(),
        "switch": (other, f"{_root()}/{quote(here, safe=_SAFE)}?lang={other}"),
        "twins": [(f, f"{_root()}/{quote(here.rsplit('.', 1)[0], safe=_SAFE)}.{f.extension}")
                  for f in RDF_OFFERS] if here else [],
    }  # fmt: skip
