"""A SPARQL client for people: run a (named) query on any endpoint and print the answer.

Why SPARQLWrapper: it is what researchers already use, and it speaks the SPARQL 1.1
Protocol to any endpoint (this publisher, an Oxigraph server, Wikidata...). The query is sent
as a form POST (no URL length limit) and the answer is always asked as SPARQL JSON, then
written here as a table, CSV or JSON, so the output is the same whichever endpoint answered.

The table is for reading, not for machines: IRIs are compacted with the project's prefixes
(``smp:Action``, and ``:id/demo-city/action/a01`` under the configured base IRI), long values
are cut with an ellipsis and numbers are right-aligned. CSV and JSON keep full values.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import urllib.error
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from publisher.namespaces import PREFIXES

NUMERIC_TYPES = frozenset(
    "http://www.w3.org/2001/XMLSchema#" + name
    for name in (
        "integer", "decimal", "double", "float", "int", "long", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    )
)  # fmt: skip
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
MAX_WIDTH = 48
ELLIPSIS = "…"


class ClientError(Exception):
    """The query could not be answered; the message is for a person."""


@dataclass(frozen=True)
class Cell:
    """One value of a SPARQL JSON result (``type`` is uri, literal or bnode)."""

    type: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    @property
    def is_number(self) -> bool:
        return self.type == "literal" and self.datatype in NUMERIC_TYPES

    def plain(self) -> Any:
        """A JSON-friendly value: integers as numbers, booleans as booleans, else text
        (decimals stay text so that amounts in euro are never rounded by a float)."""
        if self.type == "literal" and self.datatype == XSD_BOOLEAN:
            return self.value in ("true", "1")
        if self.is_number and self.datatype != "http://www.w3.org/2001/XMLSchema#decimal":
            try:
                return int(self.value)
            except ValueError:
                return self.value
        return self.value


@dataclass(frozen=True)
class Table:
    """The solutions of a SELECT: column names and rows (None where unbound)."""

    columns: list[str]
    rows: list[list[Cell | None]]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        columns = list(data.get("head", {}).get("vars", []))
        if "boolean" in data:  # an ASK result: one column, one row
            value = "true" if data["boolean"] else "false"
            return cls(["boolean"], [[Cell("literal", value, XSD_BOOLEAN)]])
        rows = []
        for binding in data.get("results", {}).get("bindings", []):
            rows.append([_cell(binding.get(name)) for name in columns])
        return cls(columns, rows)

    def records(self) -> list[dict[str, Any]]:
        """Rows as ``{column: plain value or None}`` (the API's ``application/json``)."""
        return [
            {
                name: (cell.plain() if cell is not None else None)
                for name, cell in zip(self.columns, row, strict=True)
            }
            for row in self.rows
        ]


def _cell(term: dict[str, str] | None) -> Cell | None:
    if term is None:
        return None
    kind = "literal" if term.get("type") == "typed-literal" else term.get("type", "literal")
    return Cell(kind, term.get("value", ""), term.get("datatype"), term.get("xml:lang"))


# --- showing values ---------------------------------------------------------------------
@lru_cache(maxsize=8)
def _namespaces(base: str | None) -> tuple[tuple[str, str], ...]:
    pairs = [(str(ns), prefix) for prefix, ns in PREFIXES.items()]
    if base:
        pairs.append((base, ""))
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


def compact(iri: str, base: str | None = None) -> str:
    """``prefix:rest`` for the longest known namespace (``:rest`` under the base IRI)."""
    for namespace, prefix in _namespaces(base):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def display(cell: Cell | None, base: str | None = None) -> str:
    if cell is None:
        return ""
    if cell.type == "uri":
        return compact(cell.value, base)
    if cell.type == "bnode":
        return f"_:{cell.value}"
    return cell.value


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())  # line breaks would break the table
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


# --- writing ----------------------------------------------------------------------------
def render_table(table: Table, base: str | None = None, max_width: int = MAX_WIDTH) -> str:
    """A plain-text table with a header rule and a row count, like psql."""
    shown = [[_cut(display(cell, base), max_width) for cell in row] for row in table.rows]
    widths = [
        max([len(name), *(len(row[i]) for row in shown)]) for i, name in enumerate(table.columns)
    ]
    numeric = [
        bool(table.rows) and all(row[i] is None or row[i].is_number for row in table.rows)
        for i in range(len(table.columns))
    ]
    lines = [
        "  ".join(name.ljust(w) for name, w in zip(table.columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in shown:
        cells = (
            text.rjust(w) if right else text.ljust(w)
            for text, w, right in zip(row, widths, numeric, strict=True)
        )
        lines.append("  ".join(cells).rstrip())
    count = len(table.rows)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(lines) + "\n"


def render_csv(table: Table) -> str:
    """SPARQL 1.1 CSV conventions: full IRIs, literal values without tags or types."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            ["" if c is None else (f"_:{c.value}" if c.type == "bnode" else c.value) for c in row]
        )
    return out.getvalue()


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- asking -----------------------------------------------------------------------------
def run(endpoint: str, sparql: str, timeout_s: float = 60, agent: str = "lodpub") -> dict:
    """The SPARQL JSON answer of ``endpoint`` to ``sparql``; raises ClientError."""
    client = SPARQLWrapper(endpoint, agent=agent)
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    client.setReturnFormat(JSON)
    client.setTimeout(int(timeout_s))
    client.setQuery(sparql)
    try:
        response = client.query()
        data = response.convert()
    except SPARQLWrapperException as exc:
        status = _STATUS.get(type(exc).__name__, "an error")
        raise ClientError(f"{endpoint} answered {status}: {_server_message(exc)}") from None
    except urllib.error.HTTPError as exc:
        raise ClientError(f"{endpoint} answered HTTP {exc.code}: {_body(exc.read())}") from None
    except urllib.error.URLError as exc:
        raise ClientError(f"no SPARQL endpoint at {endpoint}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise ClientError(f"no answer from {endpoint}: {exc}") from None
    except ValueError as exc:  # the body was not JSON
        raise ClientError(f"{endpoint} did not answer SPARQL JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ClientError(f"{endpoint} did not answer SPARQL JSON results")
    return data


_STATUS = {
    "QueryBadFormed": "400 Bad Request",
    "Unauthorized": "401 Unauthorized",
    "EndPointNotFound": "404 Not Found",
    "URITooLong": "414 URI Too Long",
    "EndPointInternalError": "500 Internal Server Error",
}


def _server_message(exc: SPARQLWrapperException) -> str:
    """The body the server sent, which SPARQLWrapper keeps only inside its message."""
    text = str(exc)
    marker = "\n\nResponse:\n"
    if marker not in text:
        return text
    raw = text.split(marker, 1)[1]
    try:
        body = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw
    return _body(body) if isinstance(body, bytes) else raw


def _body(body: bytes) -> str:
    """A problem+json ``detail``, or the plain text, on one line."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())
    if isinstance(data, dict) and isinstance(data.get("detail"), str):
        return data["detail"]
    return " ".join(text.split())


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """``k=v`` strings to a mapping; a repeated name or a missing ``=`` is an error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"expected NAME=VALUE, got {pair!r}")
        if name in values:
            raise ValueError(f"parameter {name!r} given twice")
        values[name] = value
    return values
