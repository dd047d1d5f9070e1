"""HTML pages: one base context for every template, and the response that carries a page.

Every HTML view calls :func:`render_page`, so every page gets the same things without
asking: ``lang``, ``t`` (the site's words merged with its family's table in
``publisher.web.texts``), ``root`` (the mount point), ``link_to(path)`` (a local link that
keeps ``?lang=`` when the reader chose the language, so English stays English from page to
page), ``lang_kept`` (the language to carry in forms, or None), ``asset(path)`` (a static
file's fingerprinted URL), ``frame`` (the header's and footer's names and links, from the
``site:`` configuration), ``nav`` (the main menu, the current entry marked), the language
switch (``switch``: the other language and this URL in it) and, for documents with RDF
twins, ``twins`` (format, URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request

from publisher import mediatypes as mt
from publisher.mediatypes import Format
from publisher.web.context import state
from publisher.web.http.assets import asset_url
from publisher.web.http.links import local, root
from publisher.web.http.negotiation import LANGUAGES, content_type
from publisher.web.texts import SITE

LANGUAGE_PARAMETER = "lang"
# The main menu: (path, key of its words in SITE); "" is the home page.
NAV = (
    ("", "nav_home"),
    ("queries", "nav_queries"),
    ("compare", "nav_compare"),
    ("sparql", "nav_sparql"),
    ("catalog", "nav_catalog"),
    ("ontology", "nav_ontology"),
)
# Footer links the configuration may point elsewhere: (key in site:, own page, words).
OWN_PAGES = (
    ("legal_notes_url", "legal", "legal_notes"),
    ("privacy_url", "privacy", "privacy"),
    ("accessibility_url", "accessibility", "accessibility"),
)


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool


def kept_language() -> str | None:
    """The language the reader chose with ``?lang=`` (None when the browser's headers chose
    it, or the value is not a page language)."""
    value = (request.args.get(LANGUAGE_PARAMETER) or "").strip().lower()
    return value if value in LANGUAGES else None


def link_to(path: str, **params: str) -> str:
    """A local link to ``path`` with ``params``, keeping the reader's chosen language."""
    kept = kept_language()
    query = {**params, **({LANGUAGE_PARAMETER: kept} if kept else {})}
    return local(path) + (f"?{urlencode(query)}" if query else "")


def site_context(lang: str) -> dict[str, Any]:
    """Names and links of the header and the footer (``site:`` in the configuration)."""
    config = state().config
    site = config["site"]
    words = SITE[lang]
    footer = [
        (words[text], site.get(key) or link_to(own), bool(site.get(key)))
        for key, own, text in OWN_PAGES
    ]
    return {
        "name": words["site_name"],
        "body_name": site.get("body_name") or config["publisher"]["name"],
        "body_url": site.get("body_url"),
        "footer": footer,
        "source_code_url": site.get("source_code_url"),
        "licence_url": config["license"],
    }


def render_page(
    template: str,
    lang: str,
    texts: dict[str, dict[str, str]],
    here: str | None = None,
    twins: list[tuple[Format, str]] | None = None,
    **context: object,
) -> str:
    """``template`` with the base context (see the module docstring). ``here`` is the local
    path the language switch points to (default: this request's path, its other
    parameters kept)."""
    other = next(code for code in LANGUAGES if code != lang)
    words = SITE[lang]
    current = request.path.strip("/")
    nav = [
        NavItem(words[key], link_to(path), current == path or current.startswith(path + "/"))
        for path, key in NAV
    ]
    return render_template(
        template,
        lang=lang,
        t={**words, **texts[lang]},
        root=root(),
        link_to=link_to,
        lang_kept=kept_language(),
        asset=asset_url,
        frame=site_context(lang),
        nav=nav,
        switch=(other, _in_language(other, here)),
        twins=twins or [],
        **context,
    )


def _in_language(lang: str, here: str | None) -> str:
    if here is not None:
        return f"{local(here)}?{LANGUAGE_PARAMETER}={lang}"
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != LANGUAGE_PARAMETER]
    query = urlencode([*kept, (LANGUAGE_PARAMETER, lang)])
    return f"{root()}{request.path}?{query}"


def html_response(body: str | bytes, lang: str, status: int = 200) -> Response:
    """An HTML page in ``lang`` (``Content-Language`` set)."""
    response = Response(body, status=status, content_type=content_type(mt.HTML))
    response.headers["Content-Language"] = lang
    return response
