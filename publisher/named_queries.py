"""Named queries: ``queries/*.rq`` files whose header says what they answer and take.

Why a header inside the ``.rq`` file (format in queries/README.md): the file stays a valid
SPARQL query that any tool can run as it is, and the metadata a person reads (title,
description, parameters, result columns) is the very text the API and the command line read,
so they cannot disagree. The header is YAML in ``#+ `` comment lines at the top, as in grlc.

Why parameters are bound with a ``VALUES`` block and never pasted into the query text: a
value becomes exactly one RDF term, written by pyoxigraph's term serialiser
(``str(NamedNode)`` / ``str(Literal)``: N-Triples syntax, quotes, backslashes and line
breaks escaped), at the one place the file marks with a ``#+ VALUES`` comment line. The
outcome is a complete query string, so it can go to any SPARQL endpoint, not only to the
embedded store. Values are checked first: IRIs must parse as absolute IRIs (so no
``<>"{}|\\^`` or spaces) and start with the allowed prefix; numbers must match their lexical
form and bounds; enumerations, languages and cities must be one of the allowed keys; text may
not contain ``\\u``/``\\U`` (SPARQL decodes those escapes before parsing, and endpoints differ
on how). An absent or empty value takes the declared default; a ``null`` default binds
``UNDEF``, which restricts nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from publisher.iris import Iris, is_slug
from publisher.store import query_form

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
LANGUAGES = ("it", "en")
TYPES = ("iri", "city", "string", "integer", "decimal", "lang", "enum")
RESERVED = ("format",)  # the output format: never a query parameter
MARKER = re.compile(r"^[ \t]*#\+[ \t]*VALUES[ \t]*$")
PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
QUERY_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
INTEGER = re.compile(r"^[+-]?[0-9]{1,30}$")
DECIMAL = re.compile(r"^[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})$")
CODEPOINT_ESCAPE = re.compile(r"\\[uU]")
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
DEFAULT_MAX_LENGTH = 200

HEADER_KEYS = ("title", "description", "parameters", "result", "chart")
PARAMETER_KEYS = ("type", "default", "description", "values", "prefix", "min", "max", "max_length")
RESULT_KEYS = ("rows", "columns")
CHART_KEYS = ("category", "values", "group")
# How a chart writes the numbers of a value column: a count, any number, euro, a share.
VALUE_KINDS = ("count", "number", "euro", "share")

Text = dict[str, str]
Term = ox.NamedNode | ox.Literal


class QueryFileError(ValueError):
    """One or more ``.rq`` files are malformed; each problem reads ``file:line: what``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ParameterError(ValueError):
    """A parameter value is refused (an HTTP 400); the message says which and why."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class Context:
    """What validation needs to know about the deployment."""

    base: str
    cities: tuple[str, ...] | None = None  # None: any well-formed key (a remote endpoint)


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: type, default, allowed values, bounds."""

    name: str
    type: str
    default: str | None
    description: Text
    values: tuple[str, ...] = ()
    prefix: str | None = None  # iri: allowed prefix; enum: namespace of the bound IRIs
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    max_length: int = DEFAULT_MAX_LENGTH

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables this parameter binds: a city binds its masterplan and its graph."""
        return (self.name, f"{self.name}_graph") if self.type == "city" else (self.name,)

    def resolved_prefix(self, base: str) -> str | None:
        return None if self.prefix is None else self.prefix.replace("{base}", base)

    def terms(self, raw: str | None, context: Context) -> tuple[Term | None, ...]:
        """The RDF terms for a raw value (None: unbound); raises ParameterError."""
        if raw is None:
            return (None,) * len(self.variables)
        return getattr(self, f"_{self.type}")(raw, context)

    def _fail(self, message: str) -> ParameterError:
        return ParameterError(f"parameter {self.name!r}: {message}", self.name)

    def _iri(self, raw: str, context: Context) -> tuple[Term]:
        if not ABSOLUTE_IRI.match(raw):
            raise self._fail(f"{raw!r} is not an absolute IRI")
        try:
            term = ox.NamedNode(raw)
        except ValueError as exc:
            raise self._fail(f"{raw!r} is not a valid IRI ({exc})") from None
        prefix = self.resolved_prefix(context.base)
        if prefix is not None and not raw.startswith(prefix):
            raise self._fail(f"the IRI must start with {prefix}")
        return (term,)

    def _city(self, raw: str, context: Context) -> tuple[Term, Term]:
        if not is_slug(raw):
            raise self._fail(f"{raw!r} is not a city key (a-z, 0-9 and '-')")
        if context.cities is not None and raw not in context.cities:
            known = ", ".join(context.cities) or "none"
            raise self._fail(f"unknown city {raw!r}; allowed values: {known}")
        iris = Iris(context.base)
        return (
            ox.NamedNode(str(iris.thing(raw, "masterplan"))),
            ox.NamedNode(str(iris.graph(raw))),
        )

    def _string(self, raw: str, context: Context) -> tuple[Term]:
        if len(raw) > self.max_length:
            raise self._fail(f"longer than {self.max_length} characters")
        if CODEPOINT_ESCAPE.search(raw):
            raise self._fail("a text value may not contain \\u or \\U")
        return (ox.Literal(raw),)

    def _number(self, raw: str, pattern: re.Pattern[str], kind: str) -> Decimal:
        if not pattern.match(raw):
            raise self._fail(f"{raw!r} is not {kind}")
        value = Decimal(raw)
        if self.minimum is not None and value < self.minimum:
            raise self._fail(f"must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise self._fail(f"must be at most {self.maximum}")
        return value

    def _integer(self, raw: str, context: Context) -> tuple[Term]:
        return (ox.Literal(int(self._number(raw, INTEGER, "an integer"))),)

    def _decimal(self, raw: str, context: Context) -> tuple[Term]:
        text = format(self._number(raw, DECIMAL, "a decimal number"), "f")
        return (ox.Literal(text if "." in text else text + ".0", datatype=XSD_DECIMAL),)

    def _lang(self, raw: str, context: Context) -> tuple[Term]:
        if raw not in LANGUAGES:
            raise self._fail(f"{raw!r} is not allowed; allowed values: {', '.join(LANGUAGES)}")
        return (ox.Literal(raw),)

    def _enum(self, raw: str, context: Context) -> tuple[Term]:
        if raw not in self.values:
            raise self._fail(f"{raw!r} is not allowed; allowed values: {', '.join(self.values)}")
        prefix = self.resolved_prefix(context.base)
        return (ox.NamedNode(prefix + raw) if prefix else ox.Literal(raw),)


@dataclass(frozen=True)
class Column:
    name: str
    description: Text


@dataclass(frozen=True)
class ChartSpec:
    """A bar chart of the result: one bar per row (named by ``category``, columns joined
    with " · "), one bar per value column, written as its kind says; with ``group``, one
    chart per value of that column (per city, say)."""

    category: tuple[str, ...]
    values: tuple[tuple[str, str], ...]  # (column, kind)
    group: str | None = None


@dataclass(frozen=True)
class BoundQuery:
    """A named query with every parameter's effective value and the text to send."""

    query: NamedQuery
    values: dict[str, str | None]
    sparql: str


@dataclass(frozen=True)
class NamedQuery:
    """A question: its texts, parameters, result columns and SPARQL."""

    name: str
    path: Path
    title: Text
    description: Text
    parameters: tuple[Parameter, ...]
    rows: Text
    columns: tuple[Column, ...]
    text: str  # the file as it is: a valid query on its own
    marker: int | None = None  # index of the ``#+ VALUES`` line
    chart: ChartSpec | None = None

    def effective(self, given: Mapping[str, str | None], base: str) -> dict[str, str | None]:
        """Each parameter's value: the given one, else its default; unknown names refused."""
        unknown = sorted(set(given) - {p.name for p in self.parameters})
        if unknown:
            declared = ", ".join(p.name for p in self.parameters) or "none"
            raise ParameterError(
                f"unknown parameter {unknown[0]!r}; parameters of {self.name}: {declared}",
                unknown[0],
            )
        values: dict[str, str | None] = {}
        for p in self.parameters:
            raw = given.get(p.name)
            if raw in (None, ""):
                raw = None if p.default is None else p.default.replace("{base}", base)
            values[p.name] = raw
        return values

    def bind(self, given: Mapping[str, str | None], context: Context) -> BoundQuery:
        """The complete query for these values; raises ParameterError."""
        values = self.effective(given, context.base)
        variables: list[str] = []
        terms: list[Term | None] = []
        for p in self.parameters:
            variables.extend(p.variables)
            terms.extend(p.terms(values[p.name], context))
        if self.marker is None:
            return BoundQuery(self, values, self.text)
        lines = self.text.split("\n")
        line = lines[self.marker]
        lines[self.marker] = line[: len(line) - len(line.lstrip())] + values_clause(
            variables, terms
        )
        return BoundQuery(self, values, "\n".join(lines))


def values_clause(variables: Sequence[str], terms: Sequence[Term | None]) -> str:
    """``VALUES (?a ?b) { (<iri> "text") }``: each term written by pyoxigraph, or UNDEF."""
    heads = " ".join(f"?{v}" for v in variables)
    cells = " ".join("UNDEF" if t is None else str(t) for t in terms)
    return f"VALUES ({heads}) {{ ({cells}) }}"


# --- reading files ----------------------------------------------------------------------
def load_dir(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """Every ``*.rq`` of a folder by name; the problems of all files at once, or none."""
    queries: dict[str, NamedQuery] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.rq")):
        try:
            queries[path.stem] = load_file(path, require_header=True)
        except QueryFileError as exc:
            problems.extend(exc.problems)
    if problems:
        raise QueryFileError(problems)
    return queries


def load_file(path: Path, require_header: bool = False) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError([f"{path}: cannot read: {exc}"]) from None
    return parse(text, path, require_header)


def signature(directory: Path = QUERIES_DIR) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times: changes whenever a query file does."""
    found = []
    for path in sorted(directory.glob("*.rq")):
        stat = path.stat()
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def header_yaml(text: str) -> str:
    """The header as YAML text whose line numbers are the file's: ``#+`` lines up to the
    first line that is neither a comment nor blank, other lines blanked."""
    lines: list[str] = []
    for line in text.split("\n"):
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif not line.strip() or line.lstrip().startswith("#"):
            lines.append("")
        else:
            break
    return "\n".join(lines).rstrip()


def parse(text: str, path: Path, require_header: bool = False) -> NamedQuery:
    """Read one ``.rq`` text; raises QueryFileError with ``file:line: ...`` messages."""
    reader = _HeaderReader(path)
    if not QUERY_NAME.match(path.stem):
        reader.problem(1, f"the file name {path.stem!r} is not a query name (a-z, 0-9, '-')")
    yaml_text = header_yaml(text)
    header = reader.read_yaml(yaml_text) if yaml_text.strip() else None
    if header is None and require_header and not reader.problems:
        reader.problem(1, "missing header: start the file with '#+ ' YAML lines")
    markers = [i for i, line in enumerate(text.split("\n")) if MARKER.match(line)]
    if len(markers) > 1:
        reader.problem(markers[1] + 1, "more than one '#+ VALUES' line")
    if header is None:
        meta: dict[str, Any] = {"title": {"it": path.stem, "en": path.stem}}
    else:
        meta = {
            "title": reader.text(header.get("title"), ("title",)),
            "description": reader.text(header.get("description"), ("description",)),
            "parameters": reader.parameters(header.get("parameters")),
            "rows": reader.text(_get(header, "result", "rows"), ("result", "rows")),
            "columns": reader.columns(header.get("result")),
        }
        if header.get("chart") is not None:
            meta["chart"] = reader.chart(header["chart"], meta["columns"])
    query = NamedQuery(
        name=path.stem,
        path=path,
        title=meta["title"],
        description=meta.get("description", {}),
        parameters=meta.get("parameters", ()),
        rows=meta.get("rows", {}),
        columns=meta.get("columns", ()),
        text=text,
        marker=markers[0] if markers else None,
        chart=meta.get("chart"),
    )
    if query.parameters and query.marker is None:
        reader.problem(1, "parameters are declared but no '#+ VALUES' line says where they go")
    if header is not None and not reader.problems:
        # Only named queries are checked here: a bare .rq file may use another engine's
        # extensions, and its endpoint is the judge of its syntax.
        _check_sparql(query, reader)
    if reader.problems:
        raise QueryFileError(reader.problems)
    return query


def _check_sparql(query: NamedQuery, reader: _HeaderReader) -> None:
    """Bind the defaults and run on an empty store: catches syntax errors, forms other
    than SELECT, bad defaults and columns that differ from the header."""
    try:
        bound = query.bind({}, Context("https://example.org/"))
    except ParameterError as exc:
        keys = ("parameters", exc.parameter or "", "default")
        reader.problem(reader.line(keys), f"bad default: {exc}")
        return
    form = query_form(bound.sparql)
    if form != "SELECT":
        reader.problem(1, f"a named query must be a SELECT query, not {form}")
        return
    try:
        result = ox.Store().query(bound.sparql)
    except (SyntaxError, ValueError, OSError) as exc:
        reader.problem(1, f"SPARQL error (line:column of the query text): {exc}")
        return
    variables = [v.value for v in result.variables]
    declared = [c.name for c in query.columns]
    if query.columns and variables != declared:
        reader.problem(
            reader.line(("result", "columns")),
            f"result.columns {declared} differ from the SELECT variables {variables}",
        )


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


class _HeaderReader:
    """Turns the header's YAML into values, collecting ``file:line: key: problem``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.lines: dict[tuple[str, ...], int] = {}

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path}:{line}: {message}")

    def line(self, keys: tuple[str, ...]) -> int:
        """The line of the deepest key of ``keys`` that the header has."""
        for end in range(len(keys), 0, -1):
            if keys[:end] in self.lines:
                return self.lines[keys[:end]]
        return 1

    def fail(self, keys: tuple[str, ...], message: str) -> None:
        self.problem(self.line(keys), f"{'.'.join(keys)}: {message}")

    def read_yaml(self, text: str) -> dict[str, Any] | None:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.problem(mark.line + 1 if mark else 1, f"the header is not YAML: {exc.problem}")
            return None
        if not isinstance(data, dict):
            self.problem(1, "the header must be a YAML mapping (title, description, ...)")
            return None
        self._index(node, ())
        self.unknown_keys(data, (), HEADER_KEYS)
        return data

    def _index(self, node: yaml.Node, keys: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*keys, str(key_node.value))
                self.lines[child] = key_node.start_mark.line + 1
                self._index(value_node, child)

    def unknown_keys(self, data: Mapping, keys: tuple[str, ...], known: Sequence[str]) -> None:
        for key in sorted(set(map(str, data)) - set(known)):
            self.fail((*keys, key), f"unknown key; expected one of {', '.join(known)}")

    def text(self, value: Any, keys: tuple[str, ...]) -> Text:
        """A ``{it: ..., en: ...}`` mapping with both languages."""
        if not isinstance(value, Mapping):
            self.fail(keys, "expected {it: ..., en: ...}")
            return {}
        found = {str(k): str(v).strip() for k, v in value.items() if v is not None}
        for lang in LANGUAGES:
            if not found.get(lang):
                self.fail(keys, f"missing the '{lang}' text")
        # A comma in an unquoted {it: a, b} splits the text into keys: say so.
        self.unknown_keys(value, keys, LANGUAGES)
        return found

    def parameters(self, declared: Any) -> tuple[Parameter, ...]:
        if declared is None:
            return ()
        if not isinstance(declared, Mapping):
            self.fail(("parameters",), "expected a mapping: parameter name -> declaration")
            return ()
        found = (self.parameter(str(name), spec) for name, spec in declared.items())
        return tuple(p for p in found if p is not None)

    def parameter(self, name: str, spec: Any) -> Parameter | None:
        keys = ("parameters", name)
        if not PARAMETER_NAME.match(name) or name in RESERVED:
            self.fail(keys, "a parameter name is a-z, 0-9 and '_' (and not 'format')")
            return None
        if not isinstance(spec, Mapping):
            self.fail(keys, "expected a mapping with type, default and description")
            return None
        self.unknown_keys(spec, keys, PARAMETER_KEYS)
        kind = spec.get("type")
        if kind not in TYPES:
            self.fail((*keys, "type"), f"unknown type {kind!r}; expected one of {', '.join(TYPES)}")
            return None
        if "default" not in spec:
            self.fail(keys, "missing default (write 'default: null' for no restriction)")
        values = spec.get("values")
        if kind == "enum" and not (isinstance(values, list) and values):
            self.fail((*keys, "values"), "an enum needs a non-empty list of values")
        elif kind != "enum" and values is not None:
            self.fail((*keys, "values"), "only an enum has values")
        if spec.get("prefix") is not None and kind not in ("iri", "enum"):
            self.fail((*keys, "prefix"), "only iri and enum parameters have a prefix")
        bounds: dict[str, Decimal] = {}
        for key in ("min", "max"):
            if spec.get(key) is None:
                continue
            if kind not in ("integer", "decimal"):
                self.fail((*keys, key), "only integer and decimal parameters have bounds")
            try:
                bounds[key] = Decimal(str(spec[key]))
            except InvalidOperation:
                self.fail((*keys, key), "not a number")
        max_length = spec.get("max_length", DEFAULT_MAX_LENGTH)
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            self.fail((*keys, "max_length"), "expected a positive integer")
            max_length = DEFAULT_MAX_LENGTH
        default = spec.get("default")
        return Parameter(
            name=name,
            type=kind,
            default=None if default is None else str(default),
            description=self.text(spec.get("description"), (*keys, "description")),
            values=tuple(str(v) for v in values) if isinstance(values, list) else (),
            prefix=None if spec.get("prefix") is None else str(spec["prefix"]),
            minimum=bounds.get("min"),
            maximum=bounds.get("max"),
            max_length=max_length,
        )

    def columns(self, result: Any) -> tuple[Column, ...]:
        if not isinstance(result, Mapping):
            self.fail(("result",), "expected a mapping with rows and columns")
            return ()
        self.unknown_keys(result, ("result",), RESULT_KEYS)
        declared = result.get("columns")
        if not isinstance(declared, Mapping) or not declared:
            self.fail(("result", "columns"), "expected a mapping: column name -> {it, en}")
            return ()
        return tuple(
            Column(str(name), self.text(text, ("result", "columns", str(name))))
            for name, text in declared.items()
        )


    def chart(self, spec: Any, columns: tuple[Column, ...]) -> ChartSpec | None:
        keys = ("chart",)
        if not isinstance(spec, Mapping):
            self.fail(keys, "expected a mapping with category, values and group")
            return None
        self.unknown_keys(spec, keys, CHART_KEYS)
        known = {c.name for c in columns}
        category = spec.get("category")
        names = [category] if isinstance(category, str) else category
        values = spec.get("values")
        group = spec.get("group")
        if not isinstance(names, list) or not names or not all(n in known for n in names):
            self.fail((*keys, "category"), "expected a result column or a list of them")
            return None
        if not isinstance(values, Mapping) or not values:
            self.fail((*keys, "values"), "expected a mapping: result column -> kind")
            return None
        for name, kind in values.items():
            if name not in known or kind not in VALUE_KINDS:
                self.fail(
                    (*keys, "values", str(name)),
                    f"expected a result column and one of {', '.join(VALUE_KINDS)}",
                )
                return None
        if group is not None and group not in known:
            self.fail((*keys, "group"), "expected a result column")
            return None
        pairs = tuple((str(n), str(k)) for n, k in values.items())
        return ChartSpec(tuple(map(str, names)), pairs, None if group is None else str(group))


def resolve(name_or_file: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    """A named query by name, or any ``.rq`` file by path (its header then optional)."""
    path = Path(name_or_file)
    if name_or_file.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise LookupError(f"no such query file: {name_or_file}")
        return load_file(path)
    queries = load_dir(directory)
    if name_or_file not in queries:
        raise LookupError(f"no named query {name_or_file!r}; known: {', '.join(queries) or 'none'}")
    return queries[name_or_file]
