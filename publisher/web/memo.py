"""The one cache type of the web layer: values computed once, bounded, locked, per data version.

Why one type: the service description, VoID, the catalogue, the ontology, the term labels,
the dumps manifest and the named queries are each worth computing once, and each cache
needs the same three properties, which are easy to get wrong one at a time:

- **bounded**: keys may hold client-controlled parts (the Host header is part of the
  service description), so at most ``size`` values are kept, least recently used dropped;
- **locked**: concurrent first requests compute a value once, not once each;
- **per data version**: ``get(..., version=store.version)`` forgets every value when the
  version changes, so a new build is never answered from the old one and the old values
  are freed (keys hold strings, never a store).

Instances belong to the app (``Lodpub.memo(name)``), so a reload that drops the old app
drops its caches with it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Values computed once per key (see the module docstring). ``None`` is not kept."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._version: str | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: tuple, compute: Callable[[], T], version: str | None = None) -> T:
        """The value for ``key``, computed by ``compute()`` the first time; a ``version``
        other than the last one given clears everything first."""
        with self._lock:
            if version is not None and version != self._version:
                self._values.clear()
                self._version = version
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            value = compute()
            if value is not None:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value
