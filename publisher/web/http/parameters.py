"""Which URL parameters an answer depended on, so the representation cache keys on those.

A shared link picks up ``utm_source``, ``fbclid`` and the like on its way; the pages ignore
them, but a cache keyed on the whole URL would compute and keep one copy per tracking value
(``?utm_source=1``, ``?utm_source=2``: each a full render, and a cheap way to empty the
cache). So the request's ``args`` remember which names were read (``get``, ``getlist``,
``in``, ``[]``), and ``replay`` keys a path's answers on those parameters only.

What cannot be narrowed counts as "every parameter": listing or iterating them, or reading
the raw query string (``request.query_string``, ``request.url``...). Then the whole query
string keys the answer, as before.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

EVERY = None  # "the answer may depend on every parameter"
Used = frozenset[str] | None


class TrackedArgs(ImmutableMultiDict):
    """URL parameters that remember which names were read (see the module docstring)."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(mapping)
        self.used: set[str] | None = set()

    def _read(self, key: Any) -> None:
        if self.used is not None:
            self.used.add(str(key))

    def __getitem__(self, key: Any) -> Any:
        self._read(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._read(key)
        return super().__contains__(key)

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        self._read(key)
        return super().get(key, default, type)

    def getlist(self, key: Any, type: Any = None) -> list:
        self._read(key)
        return super().getlist(key, type)

    def used_items(self) -> list[tuple[str, str]]:
        """The parameters read so far, with their values, in URL order: what a link to
        the same answer needs (it does not count as reading the others)."""
        return [(k, v) for k, v in self._every(multi=True) if self.used is None or k in self.used]

    def _every(self, multi: bool = False) -> Any:
        return super().items(multi=multi)

    def _everything(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.used = EVERY
        return getattr(super(), name)(*args, **kwargs)

    def __iter__(self) -> Any:
        return self._everything("__iter__")

    def __len__(self) -> int:
        return self._everything("__len__")

    def keys(self) -> Any:
        return self._everything("keys")

    def values(self) -> Any:
        return self._everything("values")

    def items(self, multi: bool = False) -> Any:
        return self._everything("items", multi)

    def lists(self) -> Any:
        return self._everything("lists")

    def listvalues(self) -> Any:
        return self._everything("listvalues")

    def to_dict(self, flat: bool = True) -> Any:
        return self._everything("to_dict", flat)

    def copy(self) -> Any:
        return self._everything("copy")


class TrackingRequest(Request):
    """Flask's request whose ``args`` track the parameters read; reading the raw query
    string counts as reading them all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._raw_read = False
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def query_string(self) -> bytes:
        self._raw_read = True
        return self._raw_query

    @query_string.setter
    def query_string(self, value: bytes) -> None:
        self._raw_query = value

    @cached_property
    def args(self) -> TrackedArgs:  # type: ignore[override]
        return TrackedArgs(
            parse_qsl(
                self._raw_query.decode(), keep_blank_values=True, errors="werkzeug.url_quote"
            )
        )

    def parameters_used(self) -> Used:
        """The names the answer depended on, or :data:`EVERY`."""
        if self._raw_read:
            return EVERY
        args = self.__dict__.get("args")
        if args is None:
            return frozenset()
        return EVERY if args.used is None else frozenset(args.used)


def query_key(query_string: str, used: Used) -> Any:
    """What keys an answer of a path among its query strings: the whole string when it
    depends on every parameter, else the values of the parameters it used, in URL order."""
    if used is EVERY:
        return query_string
    pairs = parse_qsl(query_string, keep_blank_values=True, errors="surrogateescape")
    return tuple((name, value) for name, value in pairs if name in used)


def merged(known: Used, learned: Used) -> Used:
    """What a path's answers may depend on after one more answer (only ever grows)."""
    if known is EVERY or learned is EVERY:
        return EVERY
    return known | learned
