"""HTML pages: one base context for every template, and the response that carries a page.

Every HTML view calls :func:`render_page`, so every page gets the same things without
asking: ``lang``, ``t`` (the site's words merged with its family's table in
``publisher.web.texts``), ``root`` (the mount point), the language switch (``switch``: the
other language and this URL in it) and, for documents with RDF twins, ``twins`` (format,
URL). The licence and source links come from the app's context processor.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, render_template, request

from publisher import mediatypes as mt
from publisher.mediatypes import Format
from publisher.web.http.links import local, root
from publisher.web.http.negotiation import LANGUAGES, content_type
from publisher.web.texts import SITE

LANGUAGE_PARAMETER = "lang"


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
    return render_template(
        template,
        lang=lang,
        t={**SITE[lang], **texts[lang]},
        root=root(),
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
