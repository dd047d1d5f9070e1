"""What a public, read-only SPARQL endpoint refuses, decided by the engine's own parser.

A text may contain ``SERVICE`` (the engine would connect where the query says: a
server-side request forgery) or SPARQL Update (``LOAD`` fetches a URL too). Hand lexers get
SPARQL's escapes wrong (``ex:a\\#`` is one prefixed name, not a name and a comment), so the
decision is not made by reading the text ourselves. It is made in two stages.

**Stage 1, in the web worker** (:func:`check_text`, pure Python, linear): the operation
keyword after the prologue (``BASE``/``PREFIX``/``VERSION``, a tiny regular grammar with no
escapes) names the form: the result kind is known before running, and an update is refused
(403) with a clear message. Then :func:`suspect`: may the text contain a forbidden keyword
in *any* spelling an engine could read as one (ASCII case, Unicode letters whose case maps
to it such as ``ſ``, and ``\\u``/``\\U`` escapes, which the SPARQL spec decodes before
parsing)? If not, nothing more is needed: that is almost every query, at the cost of one
regular-expression search.

**Stage 2, where the engine may crash or be killed and cannot open a connection** (a query
executor, or the remote store's checker; :func:`verify`): pyoxigraph parses the text twice,
once as it is and once with the last letter of every candidate word changed (``SERVICE`` →
``SERVICB``, same length). A letter inside a string, an IRI, a comment, a prefixed name or
a variable can be changed without changing how the text parses; a keyword cannot. So if the
two parses fail at the same place, no candidate is a keyword *as the engine reads it*; if
the changed text fails earlier, one is, and the query is refused. pyoxigraph 0.5 exposes no
parser or algebra of its own, so each parse is a query on an empty store with ``\\n]``
appended: no query can end with ``]``, so the parse always stops with a syntax error and
nothing is ever evaluated; a text that parses up to the appended ``]`` fails there, at
line ``n + 2``, column 2. The same is done on the text with ``\\u`` escapes decoded (what a
spec-conforming engine parses), which must then parse too.

Why not rdflib's parser and algebra: it is a different grammar (it decodes escapes first,
so it can disagree with pyoxigraph and Oxigraph server about what is a string), and it is
slow on hostile text (measured: 40 ms for a 300-byte query, 10 s for 64 KB of ``VALUES``,
and ``RecursionError`` on 300 nested parentheses or 5,000 triple patterns). pyoxigraph's
parser is the engine's (Oxigraph server uses the same one) and parses 64 KB in at most
about 0.2 s.

Nesting depth (:func:`nesting_depth`) is measured here too: pyoxigraph's recursive parser
overflows its stack (SIGSEGV) on about 2,000 nested braces, so the web layer refuses texts
nested deeper than ``limits.max_query_depth`` before any engine sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from publisher.store import QuerySyntaxError, ServiceNotAllowed, UpdateNotAllowed

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_KEYWORDS = frozenset(
    {"LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH"}
)
UNCHECKABLE = (
    "the query has \\u escapes that, decoded as the SPARQL specification says, do not "
    "give a query this endpoint can check for SERVICE and updates: write those characters "
    "themselves"
)
SERVICE_REFUSED = (
    "SERVICE (federated query) is not allowed on this endpoint: run the federated query "
    "from your own SPARQL engine and call this endpoint from there"
)

# --- spellings ----------------------------------------------------------------------------
# Letters other than the ASCII pair whose upper or lower case is that ASCII letter
# (tests/test_screen.py checks this table against every Unicode code point).
_CASE_VARIANTS = {"s": "\u017f", "i": "\u0131\u0130", "k": "\u212a"}


def _spelling(word: str) -> str:
    """A pattern for ``word`` in any letter case; used inside a lookahead (see below)."""
    return "".join(
        "[" + c.lower() + c.upper() + _CASE_VARIANTS.get(c.lower(), "") + "]" for c in word
    )


def _candidates(words: Iterable[str]) -> re.Pattern[str]:
    # A lookahead finds every start position, overlapping ones included ("LOADD" holds
    # LOAD and ADD). No two words start with the same two letters, so one match per start.
    return re.compile("(?=(" + "|".join(_spelling(w) for w in sorted(words)) + "))")


FORBIDDEN = _candidates({"SERVICE", *UPDATE_KEYWORDS})
SERVICE = _candidates({"SERVICE"})
DATASET = _candidates({"FROM"})
# The same words for the pre-filter, which looks for them in the folded text.
_PLAIN = {
    FORBIDDEN: tuple(w.lower() for w in ("SERVICE", *UPDATE_KEYWORDS)),
    SERVICE: ("service",),
    DATASET: ("from",),
}
_FOLD = {ord(v): c for c, variants in _CASE_VARIANTS.items() for v in variants}
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# An escape of a letter or of a case variant (A-Z 41-5A, a-z 61-7A): one path, fast to scan.
_LETTER_ESCAPE = re.compile(
    r"\\(?:u|U0000)(?:00(?:[46][1-9a-f]|[57][0-9a])|"
    + "|".join(f"{ord(v):04x}" for v in "".join(_CASE_VARIANTS.values()))
    + ")",
    re.IGNORECASE,
)


def _decode(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"


def decoded(sparql: str) -> str:
    """The text with ``\\u``/``\\U`` escapes decoded everywhere, as SPARQL 1.1 §19.2 says
    engines process them before parsing (pyoxigraph and Virtuoso only do it in strings
    and IRIs)."""
    return _UCHAR.sub(_decode, sparql) if "\\" in sparql else sparql


def _folded(text: str) -> str:
    """Lower case, every case variant of an ASCII letter made that letter (fast: C loops)."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def suspect(sparql: str, words: re.Pattern[str] = FORBIDDEN) -> bool:
    """False when no spelling of the words can be in the text, escapes decoded or not:
    then no engine can read one as a keyword and the parse can be skipped."""
    plain = _PLAIN[words]
    folded = _folded(sparql)
    if any(word in folded for word in plain):
        return True
    # Decoding escapes cannot join letters that are apart, so the decoded text can only
    # hold a word that the plain text does not if an escape stands for a letter.
    return ("\\u" in sparql or "\\U" in sparql) and _LETTER_ESCAPE.search(sparql) is not None


# --- stage 1: the form --------------------------------------------------------------------
_WS = r"(?:[ \t\r\n]++|\#[^\r\n]*+)*+"
_IRIREF = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PROLOGUE = re.compile(
    rf"""{_WS}(?:(?:BASE{_WS}{_IRIREF}
                 |PREFIX{_WS}[^\s:<>\#]*:{_WS}{_IRIREF}
                 |VERSION{_WS}(?:"[^"\\\r\n]*"|'[^'\\\r\n]*')){_WS})*([A-Za-z]*)""",
    re.ASCII | re.IGNORECASE | re.VERBOSE,
)


def query_form(sparql: str) -> str | None:
    """The operation keyword (SELECT, ASK, INSERT, CLEAR, ...) after the prologue, or None.

    Chooses result media types before running, and the message for an update. Safety does
    not depend on it: engines are only ever given texts that parse as a *query*.
    """
    match = _PROLOGUE.match(sparql)
    word = match.group(1).upper() if match else ""
    return word if word in QUERY_FORMS or word in UPDATE_KEYWORDS else None


def check_text(sparql: str) -> str | None:
    """Stage 1: refuse an update by its form; return the form."""
    form = query_form(sparql)
    if form in UPDATE_KEYWORDS:
        raise UpdateNotAllowed(
            f"SPARQL Update ({form}) is not allowed: this is a read-only endpoint"
        )
    return form


# --- stage 2: the engine's parse ----------------------------------------------------------
_SUFFIX = "\n]"
_POSITION = re.compile(r"error at (\d+):(\d+)")


def _probe(text: str, base_iri: str | None) -> str:
    """pyoxigraph's syntax error for ``text`` + ``\\n]`` (parsed, never evaluated)."""
    import pyoxigraph as ox

    try:
        ox.Store().query(text + _SUFFIX, base_iri=base_iri)
    except SyntaxError as exc:
        return str(exc)
    except Exception as exc:  # e.g. text the binding cannot encode: cannot be checked
        return f"unparsable: {type(exc).__name__}"
    return "parsed"  # cannot happen (no query ends with "]"); differs from any error


def _position(error: str) -> tuple[int, int] | None:
    match = _POSITION.search(error)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _parses(text: str, error: str) -> bool:
    """True when the parse got past all of ``text`` (it stopped at the appended ``]``)."""
    return _position(error) == (text.count("\n") + 2, 2)


def _mutated(text: str, words: re.Pattern[str]) -> str:
    """``text`` with the last letter of every candidate word changed: D and E (hex digits:
    "ADD" may sit in an escape such as ``\\u0ADD``) to B, the others (R, P, Y, T, H, M) to
    Q. Same length, same case, never a keyword."""
    chars = list(text)
    for match in words.finditer(text):
        last = match.end(1) - 1
        other = "B" if chars[last] in "DEde" else "Q"
        chars[last] = other if chars[last].isupper() else other.lower()
    return "".join(chars)


def uses_keyword(
    text: str, words: re.Pattern[str], base_iri: str | None = None, error: str | None = None
) -> bool:
    """True when pyoxigraph's parse of ``text`` reads one of ``words`` as a keyword.

    Only meaningful when ``text`` parses (see :func:`verify`); ``error`` is ``text``'s own
    probe when already known.
    """
    if not words.search(text):
        return False
    original = _probe(text, base_iri) if error is None else error
    return _probe(_mutated(text, words), base_iri) != original


def verify(sparql: str, base_iri: str | None = None) -> None:
    """Stage 2: refuse SERVICE and update keywords as pyoxigraph parses the text, with
    its escapes as they are and decoded.

    Runs pyoxigraph's parser in this process: call it only where a crash or a long parse
    is contained (an executor). A text that does not parse is left to the engine, which
    refuses it with its syntax error; but when only the decoded text fails to parse, and
    it may hide a forbidden keyword, it cannot be checked and is refused (400).
    """
    if not suspect(sparql):
        return
    raw_parses = False
    for text in dict.fromkeys((sparql, decoded(sparql))):
        error = _probe(text, base_iri)
        if not _parses(text, error):
            if raw_parses and FORBIDDEN.search(text):
                raise QuerySyntaxError(UNCHECKABLE)
            continue
        raw_parses = raw_parses or text is sparql
        if uses_keyword(text, FORBIDDEN, base_iri, error):
            if uses_keyword(text, SERVICE, base_iri, error):
                raise ServiceNotAllowed(SERVICE_REFUSED)
            raise UpdateNotAllowed("SPARQL Update is not allowed: this is a read-only endpoint")


# --- nesting ------------------------------------------------------------------------------
# Brackets outside strings, IRIs and comments; an escaped character (``\#``, ``\'``) is
# consumed with its backslash, so it never opens a comment or a string. Every alternative
# matches without backtracking (an unterminated string runs to the end of its line or of
# the text), so the scan is linear. It is a limit, not a security decision: a text that
# fools it still runs only in an executor, which contains the engine's crash.
_NESTING = re.compile(
    r"""
      '''(?:[^'\\]|\\.?|'(?!''))*(?:'''|\Z)
    | \"\"\"(?:[^"\\]|\\.?|"(?!""))*(?:\"\"\"|\Z)
    | '(?:[^'\\\r\n]|\\.?)*(?:'|(?=[\r\n])|\Z)
    | "(?:[^"\\\r\n]|\\.?)*(?:"|(?=[\r\n])|\Z)
    | <[^<>"{}|^`\\\x00-\x20]*>
    | \#[^\r\n]*
    | \\.?
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    | (?P<bang>!(?:[ \t\r\n]*!)*)
    | [^'"<\#\\{}()\[\]!]+
    | .
    """,
    re.VERBOSE | re.DOTALL,
)


def nesting_depth(sparql: str) -> int:
    """The deepest nesting of braces, parentheses and brackets, a run of ``!`` counting
    one level per ``!`` (``!!!x`` nests like ``!(!(!x))``)."""
    depth = deepest = 0
    for match in _NESTING.finditer(sparql):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "bang":
            deepest = max(deepest, depth + match.group().count("!"))
    return deepest


def too_deep(sparql: str, limit: int) -> int | None:
    """The nesting depth when it exceeds ``limit``, else None; costs a few character
    counts when the text has fewer openers than the limit (then it cannot exceed it)."""
    if sum(sparql.count(c) for c in "{([!") <= limit:
        return None
    depth = nesting_depth(sparql)
    return depth if depth > limit else None
