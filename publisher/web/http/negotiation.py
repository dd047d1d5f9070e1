"""The one place where the web layer chooses media types and languages.

Rules (each one tested in ``tests/test_negotiation.py``):

- **Accept** is tokenised with werkzeug (``parse_list_header`` / ``parse_options_header``,
  which handle quoting) but *matched* here, because werkzeug's ``MIMEAccept.best_match``
  does not fit: it requires parameters to match exactly (so
  ``application/ld+json;profile=...`` would be refused), ignores ``*`` (Java's default
  ``*; q=.2``) and knows no aliases.
- For each offer, the **most specific** matching range gives its q (RFC 9110 §12.5.1):
  exact canonical type > alias type (``application/json`` for SPARQL JSON results or
  JSON-LD, ``application/xml``, ``application/turtle``, ...) > ``type/*`` > ``*/*``.
  q=0 means "not acceptable", even if a wildcard would allow it.
- The best offer has the highest q; ties go to the more specific match (the client named
  it), then to the server's preference order (the order of ``offers``).
- Media-range **parameters** other than q are tolerated, not required (we always write
  UTF-8, and a JSON-LD ``profile`` still gets valid JSON-LD); they make a range more
  specific.
- **Malformed** Accept: malformed elements are dropped; a header with no usable element
  (or absent, or empty) counts as ``*/*``. We never answer 400 for an Accept header: a
  client that sends garbage still gets the documented default.
- ``?format=`` (a name, extension or media type, see :func:`format_candidates`) wins over
  Accept. Unknown → 400 listing the accepted values; known but not offered here → 406.
  Repeated values and comma-separated lists (SPARQLWrapper sends
  ``format=tsv&format=text/tab-separated-values``) are all checked; the first offered wins.
- Nothing acceptable → 406 whose body lists the available media types.
- A SPARQL query's result formats are offered with the HTML page for people last
  (``mediatypes.with_page``): only a client that names ``text/html`` (a browser) gets it;
  :func:`prefers_page` asks the same for a query whose form cannot be read.
- **Languages**: ``?lang=`` (it|en) wins, else Accept-Language, else Italian; an unknown
  ``?lang=`` value is ignored (a page, not a 400).

Every header that influenced a choice is recorded for the response's ``Vary`` (see
``publisher.web.http.caching``), so callers never have to remember it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from flask import request
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import BadRequest, HTTPException, NotAcceptable
from werkzeug.http import parse_accept_header, parse_list_header, parse_options_header

from publisher import mediatypes as mt
from publisher.mediatypes import Format
from publisher.web.http.caching import vary_on

LANGUAGES: tuple[str, ...] = ("it", "en")
DEFAULT_LANGUAGE = "it"
TEXT_TYPES_WITH_CHARSET = ("text/",)

# Media types clients use for our formats besides the registered ones, and what they mean
# for each kind of offer. A response is always labelled with the canonical type.
ACCEPT_ALIASES: dict[str, tuple[Format, ...]] = {
    "application/json": (mt.RESULTS_JSON, mt.JSONLD),
    "application/xml": (mt.RESULTS_XML, mt.RDFXML),
    "text/xml": (mt.RESULTS_XML, mt.RDFXML),
    "application/x-turtle": (mt.TURTLE,),
    "application/turtle": (mt.TURTLE,),
    "text/n3": (mt.TURTLE,),  # Turtle is valid N3
    "text/rdf+n3": (mt.TURTLE,),
    "application/n3": (mt.TURTLE,),
    "application/x-json+ld": (mt.JSONLD,),
    "application/xhtml+xml": (mt.HTML,),
    "text/plain": (mt.NTRIPLES,),  # N-Triples' media type before 2014; rdflib still sends it
}
# Extra ``?format=`` tokens (beyond mediatypes.lookup), e.g. SPARQLWrapper's values.
FORMAT_ALIASES: dict[str, tuple[Format, ...]] = {
    **ACCEPT_ALIASES,
    "json": (mt.RESULTS_JSON, mt.JSONLD),
    "xml": (mt.RESULTS_XML, mt.RDFXML),
    "rdf+xml": (mt.RDFXML,),
    "rdf/xml": (mt.RDFXML,),
    "json-ld": (mt.JSONLD,),
    "n3": (mt.TURTLE,),
    "n-triples": (mt.NTRIPLES,),
    "n-quads": (mt.NQUADS,),
}

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")

EXACT, ALIAS, SUBTYPE_WILDCARD, ANY = 30, 20, 10, 0


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float = 1.0
    params: tuple[tuple[str, str], ...] = ()

    def match(self, media_type: str, alias: bool = False) -> int | None:
        """Specificity of this range for a media type, or None when it does not match."""
        kind, _, sub = media_type.partition("/")
        extra = len(self.params)
        if alias:  # aliases answer to their exact name only, never to wildcards
            return ALIAS + extra if (self.type, self.subtype) == (kind, sub) else None
        if self.type == "*" and self.subtype == "*":
            return ANY
        if self.type != kind:
            return None
        if self.subtype == "*":
            return SUBTYPE_WILDCARD + extra
        return EXACT + extra if self.subtype == sub else None


class NotAcceptableFormat(NotAcceptable):
    """406 that knows what could have been served."""

    def __init__(self, offers: tuple[Format, ...], reason: str | None = None) -> None:
        self.available = [f.media_type for f in offers]
        super().__init__(
            (reason or "none of the media types you accept can be produced here")
            + ". Available: "
            + ", ".join(self.available)
        )
        self.details: dict[str, Any] = {"available": self.available}


class UnknownFormat(BadRequest):
    """400 for a ``?format=`` / ``?lang=`` value we do not know, listing the known ones."""

    def __init__(self, parameter: str, value: str, accepted: list[str]) -> None:
        super().__init__(
            f"unknown {parameter} value {value!r}; accepted values: {', '.join(accepted)}"
        )
        self.details: dict[str, Any] = {"parameter": parameter, "accepted": accepted}


# --- parsing ----------------------------------------------------------------------------
def parse_accept(header: str | None) -> list[MediaRange]:
    """The usable media ranges of an Accept header; ``[*/*]`` when there are none."""
    ranges: list[MediaRange] = []
    for element in parse_list_header(header or ""):
        media_type, options = parse_options_header(element)
        if media_type == "*":
            media_type = "*/*"
        kind, slash, sub = media_type.lower().partition("/")
        if not slash or not _TOKEN.match(kind) or not _TOKEN.match(sub):
            continue
        if kind == "*" and sub != "*":
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        for key, value in options.items():
            if key.lower() == "q":
                if not _QVALUE.match(value.strip()):
                    break  # an invalid q spoils the element (as werkzeug does)
                q = float(value)
            else:
                params.append((key.lower(), value))
        else:
            ranges.append(MediaRange(kind, sub, q, tuple(params)))
    return ranges or [MediaRange("*", "*")]


def quality(fmt: Format, ranges: list[MediaRange]) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching ``fmt``; (0, -1) if none."""
    best_q, best_spec = 0.0, -1
    names = [(fmt.media_type, False)] + [
        (alias, True) for alias, formats in ACCEPT_ALIASES.items() if fmt in formats
    ]
    for media_range in ranges:
        for name, is_alias in names:
            spec = media_range.match(name, is_alias)
            if spec is None:
                continue
            if spec > best_spec or (spec == best_spec and media_range.q > best_q):
                best_q, best_spec = media_range.q, spec
    return best_q, best_spec


@functools.lru_cache(maxsize=1024)
def choose(accept: str | None, offers: tuple[Format, ...]) -> Format | None:
    """The best offer for an Accept header, or None when nothing is acceptable.

    Remembered per (Accept, offers): clients send the same few Accept values again and
    again, and parsing one costs more than the rest of a cached request."""
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen: Format | None = None
    for rank, fmt in enumerate(offers):
        q, spec = quality(fmt, ranges)
        if q <= 0:
            continue
        score = (q, spec, -rank)
        if best is None or score > best:
            best, chosen = score, fmt
    return chosen


def format_candidates(token: str) -> tuple[Format, ...]:
    """Formats a ``?format=`` token may mean, most likely first; empty when unknown."""
    token = token.strip().lower()
    found = [f for f in (mt.lookup(token),) if f is not None]
    found += [f for f in FORMAT_ALIASES.get(token, ()) if f not in found]
    return tuple(found)


def format_tokens(format_values: list[str] | None) -> list[str]:
    """The tokens of ``format`` values; a value may be a comma-separated list of media types
    (SPARQLWrapper sends ``format=application/ld+json,application/x-json+ld``), and
    media-type parameters are ignored."""
    tokens = []
    for value in format_values or []:
        for token in value.split(","):
            token = token.split(";")[0].strip()
            if token:
                tokens.append(token)
    return tokens


def accepted_format_values(offers: tuple[Format, ...]) -> list[str]:
    """What ``?format=`` accepts for these offers (names, extensions, media types)."""
    values: list[str] = []
    for fmt in offers:
        for value in (fmt.name, fmt.extension, fmt.media_type):
            if value not in values:
                values.append(value)
    return values


def select_format(
    accept: str | None, offers: tuple[Format, ...], format_values: list[str] | None = None
) -> Format:
    """The format to serve (pure function); raises 400/406 as HTTP exceptions."""
    tokens = format_tokens(format_values)
    if tokens:
        for token in tokens:
            if not format_candidates(token):
                raise UnknownFormat("format", token, accepted_format_values(offers))
        for token in tokens:
            for fmt in format_candidates(token):
                if fmt in offers:
                    return fmt
        raise NotAcceptableFormat(offers, f"format={tokens[0]} is not available here")
    chosen = choose(accept, offers)
    if chosen is None:
        raise NotAcceptableFormat(offers)
    return chosen


def negotiate(offers: tuple[Format, ...], format_values: list[str] | None = None) -> Format:
    """The format for the current request; records ``Vary: Accept`` when Accept decided.

    ``format_values`` defaults to the URL's ``format`` parameters; pass them explicitly when
    they come from elsewhere (a SPARQL form POST body).
    """
    if format_values is None:
        format_values = request.args.getlist("format")
    if not format_tokens(format_values):
        vary_on("Accept")
    return select_format(request.headers.get("Accept"), offers, format_values)


def prefers_page(format_values: list[str] | None = None) -> bool:
    """True when the request would get the HTML page among every format a query answers in.

    For a query whose form cannot be read (a syntax error at its first word), so a browser
    gets the editor page with the error, and a machine its error exactly as before (this
    never raises a 406 of its own)."""
    try:
        return negotiate(mt.with_page(mt.QUERY_FORMATS), format_values) is mt.HTML
    except HTTPException:
        return False


def content_type(fmt: Format) -> str:
    """The Content-Type header for a format: ``charset=utf-8`` on text types."""
    if fmt.media_type.startswith(TEXT_TYPES_WITH_CHARSET):
        return f"{fmt.media_type}; charset=utf-8"
    return fmt.media_type


# --- languages --------------------------------------------------------------------------
def select_language(accept_language: str | None, lang_param: str | None = None) -> str:
    """``?lang=`` if it is a page language, else Accept-Language, else Italian. An unknown
    ``?lang=fr`` is not refused: a person who followed a link deserves a page."""
    value = (lang_param or "").strip().lower()
    if value in LANGUAGES:
        return value
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def negotiate_language() -> str:
    """The language for the current request; records ``Vary: Accept-Language`` if used."""
    lang_param = request.args.get("lang")
    if (lang_param or "").strip().lower() not in LANGUAGES:
        vary_on("Accept-Language")
    return select_language(request.headers.get("Accept-Language"), lang_param)


# --- error bodies -----------------------------------------------------------------------
def wants_json_errors(accept: str | None) -> bool:
    """True when the client prefers any JSON type (``application/json``, ``*+json``) over
    ``text/plain``: error bodies are then RFC 9457 problem+json instead of plain text."""
    ranges = parse_accept(accept)
    text_q, _ = quality(Format("text", "text/plain", "txt", ""), ranges)
    json_q = max(
        (
            r.q
            for r in ranges
            if r.type == "application" and (r.subtype == "json" or r.subtype.endswith("+json"))
        ),
        default=0.0,
    )
    return json_q > text_q


def wants_html_errors(accept: str | None) -> bool:
    """True when the client names ``text/html`` (not through a wildcard) above plain text
    and JSON, as browsers do: errors are then an HTML page for a person."""
    ranges = parse_accept(accept)
    html_q, specificity = quality(mt.HTML, ranges)
    if html_q <= 0 or specificity < EXACT:
        return False
    text_q, _ = quality(Format("text", "text/plain", "txt", ""), ranges)
    return html_q > text_q and not wants_json_errors(accept)
