"""The site's own pages and files: ``/static/…``, ``/search``, ``/legal``, ``/privacy``,
``/accessibility``.

- ``/static/<path>``: the files in ``publisher/web/static`` (vendored front-end libraries
  and the site's stylesheet and icon), with ``ETag`` and ``Last-Modified`` from the file.
  A URL carrying the file's fingerprint (``?v=``, as ``asset()`` writes it in every page)
  may be kept by browsers for a year (``immutable``); any other for an hour.
- ``/favicon.ico``: a redirect to the site's icon, for clients that ask for it by name.
- ``/search?q=…``: names that contain the words, in every city (``site.search``); an HTML
  page, or JSON with ``?format=json`` or ``Accept: application/json``.
- ``/legal``, ``/privacy``, ``/accessibility``: what the footer links to when the
  configuration names no page of the publishing body (``site:`` in defaults.yaml). They say
  what this software does, and no more.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, request, send_from_directory

from publisher import mediatypes as mt
from publisher import named_queries as nq
from publisher.iris import Iris
from publisher.mediatypes import Format
from publisher.web.context import problem, state
from publisher.web.http.assets import STATIC_DIR, VERSION_PARAMETER, asset_url, fingerprint
from publisher.web.http.caching import vary_on
from publisher.web.http.html import html_response, link_to, render_page
from publisher.web.http.negotiation import choose, negotiate_language
from publisher.web.site import search as finder
from publisher.web.texts import SITE_PAGES

blueprint = Blueprint("site", __name__)

YEAR_S = 365 * 24 * 3600
HOUR_S = 3600
SEARCH_JSON = Format("json", "application/json", "json", "")
SEARCH_FORMATS = (mt.HTML, SEARCH_JSON)
OWN_PAGES = ("legal", "privacy", "accessibility")


@blueprint.get("/static/<path:filename>")
def static(filename: str) -> Response:
    fresh = request.args.get(VERSION_PARAMETER) == fingerprint(filename) != ""
    response = send_from_directory(STATIC_DIR, filename, max_age=YEAR_S if fresh else HOUR_S)
    if fresh:
        response.headers["Cache-Control"] = f"public, max-age={YEAR_S}, immutable"
    return response


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    return redirect(asset_url("site/favicon.svg"), 301)  # type: ignore[return-value]


@blueprint.get("/<any(legal, privacy, accessibility):name>")
def own_page(name: str) -> Response:
    lang = negotiate_language()
    config = state().config
    body = render_page(
        "site/page.html",
        lang,
        SITE_PAGES,
        name=name,
        contact=str(config["publisher"]["email"]).removeprefix("mailto:"),
    )
    return html_response(body, lang)


@blueprint.get("/search")
def search() -> Response:
    words = request.args.get("q", "")
    fmt = _search_format()
    lang = negotiate_language()
    shared = state()
    iris = Iris(shared.config.base_iri)
    found: list[finder.Found] = []
    more, error = False, None
    if len(words.strip()) >= finder.MIN_LENGTH:
        try:
            found, more = finder.search(shared.store, iris, words, lang)
        except nq.ParameterError as exc:
            if fmt is SEARCH_JSON:
                raise problem(400, str(exc), parameter="q") from None
            error = SITE_PAGES[lang]["search_refused"].format(max=finder.MAX_LENGTH)
    elif words.strip() and fmt is SEARCH_JSON:
        raise problem(400, f"search for at least {finder.MIN_LENGTH} characters", parameter="q")
    if fmt is SEARCH_JSON:
        body = {
            "q": words,
            "results": [
                {"iri": f.iri, "label": f.label, "lang": f.label_lang, "kind": f.kind,
                 "city": f.city, "url": link_to(iris.local_path(f.iri) or "")}
                for f in found
            ],
            "more": more,
        }  # fmt: skip
        data = json.dumps(body, ensure_ascii=False, indent=2)
        return Response(data, content_type=SEARCH_JSON.media_type)
    page = render_page(
        "site/search.html",
        lang,
        SITE_PAGES,
        words=words,
        found=[(f, link_to(iris.local_path(f.iri) or "")) for f in found],
        more=more,
        error=error,
        too_short=bool(words.strip()) and len(words.strip()) < finder.MIN_LENGTH,
        min_length=finder.MIN_LENGTH,
        max_length=finder.MAX_LENGTH,
        json_url=link_to("search", q=words, format="json"),
    )
    return html_response(page, lang, 400 if error else 200)


def _search_format() -> Format:
    given = request.args.get("format")
    if given:
        for fmt in SEARCH_FORMATS:
            if given.lower() in (fmt.name, fmt.media_type):
                return fmt
        raise problem(400, f"unknown format value {given!r}; accepted values: html, json")
    vary_on("Accept")
    return choose(request.headers.get("Accept"), SEARCH_FORMATS) or mt.HTML
