"""Reading one YAML file safely, every value wrapped with its file, line and field path."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from publisher.messages import Localised, Located, msg

MAX_FILE_BYTES = 5 * 1024 * 1024


class SourceError(Exception):
    """One or more problems in a city's YAML; ``problems`` lists them all, each a
    :class:`~publisher.messages.Localised` ``file:line: field: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def problem(file: Path, line: int, field: str, key: str, /, **params: Any) -> str:
    """The message ``key`` at ``file:line: field``."""
    return Localised(Located(Origin(file, line, field), msg(key, **params)))


@dataclass(frozen=True)
class Origin:
    """Where a value was written: the file, its line (1-based) and the field path."""

    file: Path
    line: int
    field: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}"


# --- reading YAML with line numbers -------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe loading (no tags that run code); numbers and dates as the constructors below."""


# Numbers are read only from plain decimal digits, floats as exact decimals. YAML 1.1's other
# forms stay the text they are (the field's check then says what it expected): an octal
# 011027 would silently become 4631, 1:30 would become 90, 1e5 a float; an impossible date
# (2024-02-30) would stop PyYAML with an error that names no line.
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,39})")
_FLOAT = re.compile(r"[-+]?(?:[0-9]{1,40}\.[0-9]{0,40}|\.[0-9]{1,40})")


def _int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    text = loader.construct_scalar(node)
    return int(text) if _INT.fullmatch(text) else text


def _decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    return Decimal(text) if _FLOAT.fullmatch(text) else text


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> dt.date | str:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):  # 2024-02-30, 2024-13-01, 25:00...
        return loader.construct_scalar(node)


_CONSTRUCTORS = {
    "tag:yaml.org,2002:int": _int,
    "tag:yaml.org,2002:float": _decimal,
    "tag:yaml.org,2002:timestamp": _timestamp,
}
for _tag, _constructor in _CONSTRUCTORS.items():
    _Loader.add_constructor(_tag, _constructor)

# libyaml (PyYAML's C extension) parses and composes about seven times faster than the
# pure-Python loader above and gives the same nodes, marks and tags; the constructors (and
# so the Decimal floats and the refusal of tags) stay the Python ones. It only gets text
# that cannot nest deeply (see _shallow: libyaml would stop at 1,000 levels with another
# message) and has no character the Python reader refuses (whose message says where):
# anything else goes to the Python loader, which turns both into the usual SourceErrors.
_FastLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.cyaml.CSafeLoader):  # type: ignore[no-redef]
        """_Loader's behaviour on libyaml's parser and composer."""

    for _tag, _constructor in _CONSTRUCTORS.items():
        _FastLoader.add_constructor(_tag, _constructor)

_FAST_MAX_DEPTH = 1000


def _shallow(text: str) -> bool:
    """True when ``text`` cannot nest deeper than _FAST_MAX_DEPTH collections.

    Each block level but an indentless sequence indents further (or follows "- " / "? "
    on the same line), so two block levels take at least one more column: block depth is at
    most twice the widest line. A flow level takes a "[" or "{" ("[a: b]" makes two levels
    from one "["). Aliases are never expanded by the composer.
    """
    widest = max(map(len, text.splitlines()), default=0)
    return 2 * (widest + 1) + 2 * text.count("[") + text.count("{") < _FAST_MAX_DEPTH


def _loader_for(text: str) -> yaml.SafeLoader:
    if (
        _FastLoader is not None
        and not yaml.reader.Reader.NON_PRINTABLE.search(text)
        and _shallow(text)
    ):
        return _FastLoader(text)
    return _Loader(text)


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")
)


@dataclass
class Node:
    """A YAML value with the line it starts on and its field path for messages; a scalar
    keeps its text as written, to quote it back in a message."""

    value: Any
    origin: Origin
    text: str | None = None

    def __getitem__(self, key: str) -> Node:
        return self.value[key]

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None


def _wrap(node: yaml.Node, loader: _Loader, file: Path, path: str) -> Node:
    origin = Origin(file, node.start_mark.line + 1, path or "(top)")
    # An alias is the same node met twice. Refused (plain YAML only): nested aliases
    # would expand exponentially here ("billion laughs") and no source needs them.
    seen: set[int] = loader.__dict__.setdefault("lodpub_seen", set())
    if id(node) in seen:
        raise SourceError([Localised(Located(origin, msg("yaml.alias")))])
    seen.add(id(node))
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_TAGS:
        raise SourceError([Localised(Located(origin, msg("yaml.tag", tag=repr(node.tag))))])
    if isinstance(node, yaml.MappingNode):
        items: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(_scalar(loader, key_node))
            if key in items:
                line = key_node.start_mark.line + 1
                raise SourceError([problem(file, line, _join(path, key), "yaml.duplicate_key")])
            items[key] = _wrap(value_node, loader, file, _join(path, key))
        return Node(items, origin)
    if isinstance(node, yaml.SequenceNode):
        return Node(
            [_wrap(item, loader, file, f"{path}[{i}]") for i, item in enumerate(node.value)], origin
        )
    return Node(_scalar(loader, node), origin, node.value)


def _scalar(loader: _Loader, node: yaml.Node) -> Any:
    try:
        if node.tag in _SCALAR_TAGS:  # the constructor straight away: half the time
            return loader.yaml_constructors[node.tag](loader, node)
        return loader.construct_object(node, deep=True)  # refuses unknown tags
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        # An explicit tag on text it cannot read (!!int abc, !!bool maybe): the text.
        return node.value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def read_yaml(file: Path) -> Node:
    """Parse one file into located nodes; size and syntax problems become SourceErrors."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError([problem(file, 1, "(file)", "file.too_big", size=size,
                                       limit=MAX_FILE_BYTES)])  # fmt: skip
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError([problem(file, 1, "(file)", "file.not_utf8", reason=exc.reason)]) from exc
    except OSError as exc:  # a folder named like a file, no permission...
        reason = exc.strerror or str(exc)
        raise SourceError([problem(file, 1, "(file)", "file.unreadable", reason=reason)]) from exc
    try:
        loader = _loader_for(text)  # the Python one refuses control characters at once
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(0, exc.position)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        raise SourceError([problem(file, line, "(syntax)", "syntax.character",
                                   code=f"{code:04x}")]) from exc  # fmt: skip
    try:
        root = loader.get_single_node()
        if root is None:
            return Node({}, Origin(file, 1, "(top)"))
        return _wrap(root, loader, file, "")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        said = str(exc.problem or exc)
        raise SourceError([problem(file, line, "(syntax)", _syntax(exc, said, text),
                                   problem=said)]) from exc  # fmt: skip
    except yaml.YAMLError as exc:
        raise SourceError([problem(file, 1, "(syntax)", "syntax.error", problem=str(exc))]) from exc
    except RecursionError:
        raise SourceError([problem(file, 1, "(syntax)", "syntax.too_deep")]) from None
    finally:
        loader.dispose()


def _syntax(exc: yaml.MarkedYAMLError, said: str, text: str) -> str:
    """The message key for PyYAML's problem ``said`` (English, technical): the usual ones
    said plainly, the others as PyYAML says them."""
    mark = exc.problem_mark
    at = text[mark.index] if mark is not None and 0 <= mark.index < len(text) else ""
    if said.startswith("found character") and "\t" in (at + said):
        return "syntax.tab"
    if said == "mapping values are not allowed here":
        return "syntax.colon"
    if said.startswith(("did not find expected key", "did not find expected '-'")):
        return "syntax.indent"
    return "syntax.error"
