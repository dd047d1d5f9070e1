"""The OpenAPI 3.0 description of the named-query API, built from the query headers.

Why generated and not written by hand: every ``/queries/{name}`` operation takes the
parameters its ``.rq`` header declares, so the description is derived from the same headers
the server validates against and cannot drift from them. Each named query gets its own
path (its own parameters, enums and defaults), which generic clients and code generators
handle better than one ``/queries/{name}`` path with a union of parameters. OpenAPI 3.0.3
rather than 3.1 because more tools read it.
"""

from __future__ import annotations

from typing import Any

from publisher import named_queries as nq

OPENAPI_VERSION = "3.0.3"
_REGEX_SPECIAL = set("\\.^$*+?()[]{}|")

RESULT_MEDIA_TYPES: dict[str, dict[str, Any]] = {
    "application/sparql-results+json": {"$ref": "#/components/schemas/SparqlResults"},
    "application/json": {"$ref": "#/components/schemas/Rows"},
    "text/csv": {"type": "string"},
    "text/tab-separated-values": {"type": "string"},
    "application/sparql-results+xml": {"type": "string"},
    "text/html": {"type": "string"},
}
ERROR_CONTENT = {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}},
    "text/plain": {"schema": {"type": "string"}},
}


def _regex_escape(text: str) -> str:
    """Escape only what ECMA-262 regexes treat specially (Python's re.escape also escapes
    ``/``, ``:`` and ``-``, which strict JSON Schema validators refuse in unicode mode)."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def parameter_schema(p: nq.Parameter, cities: tuple[str, ...], base: str) -> dict[str, Any]:
    schema: dict[str, Any]
    if p.type == "integer":
        schema = {"type": "integer"}
    elif p.type == "decimal":
        schema = {"type": "number"}
    elif p.type == "lang":
        schema = {"type": "string", "enum": list(nq.LANGUAGES)}
    elif p.type == "enum":
        schema = {"type": "string", "enum": list(p.values)}
    elif p.type == "city":
        schema = {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"}
        if cities:
            schema["enum"] = list(cities)
    elif p.type == "iri":
        schema = {"type": "string", "format": "iri"}
        prefix = p.resolved_prefix(base)
        if prefix:
            schema["pattern"] = "^" + _regex_escape(prefix)
    else:
        schema = {"type": "string", "maxLength": p.max_length}
    if p.minimum is not None:
        schema["minimum"] = int(p.minimum) if p.type == "integer" else float(p.minimum)
    if p.maximum is not None:
        schema["maximum"] = int(p.maximum) if p.type == "integer" else float(p.maximum)
    if p.default is not None:
        default = p.default.replace("{base}", base)
        schema["default"] = (
            int(default)
            if p.type == "integer"
            else float(default)
            if p.type == "decimal"
            else default
        )
    return schema


def operation(
    query: nq.NamedQuery, cities: tuple[str, ...], base: str, format_tokens: list[str]
) -> dict[str, Any]:
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "description": f"{p.description['en']} / {p.description['it']}"
            + ("" if p.default is not None else " (default: no restriction)"),
            "schema": parameter_schema(p, cities, base),
        }
        for p in query.parameters
    ]
    if not any(p.name == "lang" for p in query.parameters):
        parameters.append(
            {
                "name": "lang",
                "in": "query",
                "required": False,
                "description": "Language of the HTML page (it or en).",
                "schema": {"type": "string", "enum": list(nq.LANGUAGES)},
            }
        )
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Output format; wins over the Accept header "
            "(json: SPARQL JSON results, rows: plain JSON rows, csv, tsv, xml, html).",
            "schema": {"type": "string", "enum": sorted(set(format_tokens))},
        }
    )
    columns = ", ".join(c.name for c in query.columns)
    return {
        "operationId": query.name,
        "summary": query.title["en"],
        "description": f"{query.description['en']}\n\n{query.description['it']}\n\n"
        f"Rows: {query.rows['en']}. Columns: {columns}.",
        "tags": ["named queries"],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": f"The answer: {query.rows['en']}.",
                "content": {media: {"schema": s} for media, s in RESULT_MEDIA_TYPES.items()},
            },
            "304": {"description": "Not modified (If-None-Match matched the ETag)."},
            "400": {
                "description": "A parameter is unknown, repeated, of the wrong type or "
                "outside its allowed values; the message names it.",
                "content": ERROR_CONTENT,
            },
            "406": {"description": "No acceptable format.", "content": ERROR_CONTENT},
        },
    }


def document(
    queries: list[nq.NamedQuery],
    server_url: str,
    cities: tuple[str, ...],
    base: str,
    version: str,
    result_tokens: list[str],
) -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, Any] = {
        "/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "The named queries with their parameters and result columns",
                "tags": ["named queries"],
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["json", "html"]},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The list (JSON for */*, HTML for browsers).",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/QueryList"}
                            },
                            "text/html": {"schema": {"type": "string"}},
                        },
                    },
                    "304": {"description": "Not modified."},
                },
            }
        }
    }
    for query in queries:
        paths[f"/queries/{query.name}"] = {"get": operation(query, cities, base, result_tokens)}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Smart-city masterplans: named queries",
            "version": version,
            "description": "Researchers' questions about municipal smart-city masterplans, "
            "the same for every city. Parameters are validated and bound as RDF terms; the "
            "raw SPARQL endpoint is at /sparql.",
            "license": {
                "name": "CC BY 4.0 (data)",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "named queries"}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }


_TEXT = {"type": "object", "additionalProperties": {"type": "string"}}
SCHEMAS: dict[str, Any] = {
    "SparqlResults": {
        "type": "object",
        "description": "SPARQL 1.1 Query Results JSON Format.",
        "required": ["head"],
        "properties": {
            "head": {
                "type": "object",
                "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
            },
            "results": {
                "type": "object",
                "properties": {
                    "bindings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": {"$ref": "#/components/schemas/RdfTerm"},
                        },
                    }
                },
            },
        },
    },
    "RdfTerm": {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "enum": ["uri", "literal", "bnode"]},
            "value": {"type": "string"},
            "datatype": {"type": "string"},
            "xml:lang": {"type": "string"},
        },
    },
    "Rows": {
        "type": "object",
        "description": "Plain JSON: each row maps a column to its value (integers as numbers, "
        "booleans as booleans, anything else, decimals included, as text; null when unbound).",
        "properties": {
            "query": {"type": "string"},
            "parameters": {
                "type": "object",
                "additionalProperties": {"type": "string", "nullable": True},
            },
            "rows": {"type": "array", "items": {"type": "object"}},
        },
    },
    "QueryList": {
        "type": "object",
        "properties": {
            "openapi": {"type": "string"},
            "queries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "url": {"type": "string"},
                        "title": _TEXT,
                        "description": _TEXT,
                        "parameters": {"type": "array", "items": {"type": "object"}},
                        "result": {"type": "object"},
                    },
                },
            },
        },
    },
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "parameter": {"type": "string"},
        },
    },
}
