"""The dist/ layout and its atomic publish, as ``lodpub build`` writes them.

The one place the harvester reaches into the build, and into ``publisher.distdir`` for the
atomic publish.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox

from publisher.build import (
    ALL_DUMP_FORMATS,
    CATALOG_FILE,
    CITY_DUMP_FORMATS,
    CONTEXT_FILE,
    MANIFEST_FILE,
    STORE_FILE,
    _file_entry,
    _media_type,
    _vocabulary,
    _write_dumps,
    write_descriptions,
)
from publisher.distdir import publish, published_path
from publisher.rdf import CityGraph

__all__ = [
    "ALL_DUMP_FORMATS",
    "CATALOG_FILE",
    "CITY_DUMP_FORMATS",
    "CONTEXT_FILE",
    "MANIFEST_FILE",
    "STORE_FILE",
    "file_entry",
    "media_type",
    "published_path",
    "swap",
    "vocabulary",
    "write_city_dumps",
    "write_descriptions",
]

file_entry = _file_entry
media_type = _media_type
swap = publish  # swap(folder, dist): folder becomes dist in one atomic step
vocabulary = _vocabulary


def write_city_dumps(
    key: str, graph: ox.NamedNode, quads: list[ox.Quad], dumps_dir: Path
) -> list[tuple[str, int, str]]:
    """A city's dumps in every format the build writes: (extension, bytes, sha256) each."""
    located = CityGraph(SimpleNamespace(key=key), graph, quads)  # type: ignore[arg-type]
    return _write_dumps(located, dumps_dir)
