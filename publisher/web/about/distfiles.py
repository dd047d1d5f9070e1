"""The files of ``dist/`` that the server hands out as they are (dumps, the JSON-LD context).

Why a whitelist and not path joining: the only files ever served are the ones the build
listed in ``dist/manifest.json``, looked up by exact name. A request path is never joined to a
folder, so ``..``, ``%2F``, absolute paths or a stray file dropped into ``dist/`` cannot reach
anything else. The manifest also gives each file's size and sha256 (the strong ETag), which
the catalogue advertises as ``dcat:byteSize`` / ``spdx:checksumValue``.

Opening is defensive as well: the last path component must not be a symbolic link
(``O_NOFOLLOW``), the resolved path must stay inside ``dist/``, the file must be a regular
file and its size must still be what the manifest says (a rebuild swaps ``dist/`` as a
whole, so a mismatch means the manifest we hold is stale: it is read again once).

The manifest is re-read only when its inode, size or mtime change: one ``stat`` per request
(the app's cache keeps it, see :func:`read_manifest`).
"""

from __future__ import annotations

import functools
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from publisher.web.memo import Memo

MANIFEST_FILE = "manifest.json"
DUMPS_FOLDER = "dumps"
CONTEXT_FILE = "context.jsonld"
CATALOG_FILE = "catalog.ttl"


@dataclass(frozen=True)
class DistFile:
    """One file the build wrote, as ``manifest.json`` describes it."""

    name: str  # relative to dist/, with '/' separators, e.g. "dumps/demo-city.ttl"
    size: int
    sha256: str
    media_type: str

    @property
    def basename(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def etag(self) -> str:
        """The strong ETag: the content's sha256, quoted (RFC 9110 §8.8.3)."""
        return f'"{self.sha256}"'


@dataclass(frozen=True)
class Manifest:
    """What one build published."""

    build_id: str
    built_at: datetime
    files: dict[str, DistFile]

    def dumps(self) -> list[DistFile]:
        """The files directly under ``dumps/``, by name."""
        prefix = DUMPS_FOLDER + "/"
        listed = [f for n, f in self.files.items() if n.startswith(prefix)]
        return sorted((f for f in listed if "/" not in f.name[len(prefix) :]), key=lambda f: f.name)

    def dump(self, filename: str) -> DistFile | None:
        """The dump called ``filename`` (no folder), or None: the whitelist lookup."""
        if not filename or "/" in filename or "\\" in filename or filename.startswith("."):
            return None
        return self.files.get(f"{DUMPS_FOLDER}/{filename}")


def read_manifest(dist: Path, memo: Memo, fresh: bool = False) -> Manifest | None:
    """The manifest of ``dist`` (None when there is none: no build, or a remote store),
    kept in ``memo`` until the file's inode, size or mtime change; ``fresh`` reads it again
    whatever the memo holds."""
    path = Path(dist) / MANIFEST_FILE
    try:
        info = path.stat()
    except OSError:
        return None
    stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
    read = functools.partial(_read, path)
    return read() if fresh else memo.get((str(path), stamp), read)


def _read(path: Path) -> Manifest | None:
    try:
        return _parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _parse(raw: dict) -> Manifest:
    built_at = datetime.fromisoformat(str(raw["built_at"]).replace("Z", "+00:00"))
    if built_at.tzinfo is None:
        built_at = built_at.replace(tzinfo=UTC)
    files = {
        str(name): DistFile(
            str(name), int(entry["bytes"]), str(entry["sha256"]), str(entry["media_type"])
        )
        for name, entry in raw.get("files", {}).items()
    }
    return Manifest(str(raw["build_id"]), built_at.astimezone(UTC), files)


def open_file(dist: Path, entry: DistFile) -> BinaryIO | None:
    """Open a listed file for reading, or None when it is not safely the file listed."""
    parts = entry.name.split("/")
    if any(part in ("", ".", "..") for part in parts) or os.path.isabs(entry.name):
        return None
    root = Path(dist).resolve()
    path = root.joinpath(*parts)
    if not path.resolve().is_relative_to(root):  # a symlinked folder on the way
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    handle = os.fdopen(fd, "rb")
    info = os.fstat(handle.fileno())
    if not stat.S_ISREG(info.st_mode) or info.st_size != entry.size:
        handle.close()
        return None
    return handle
