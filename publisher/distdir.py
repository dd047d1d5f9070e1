"""``dist/``: published atomically, read consistently, kept while in use.

Anything that writes a ``dist/`` (``lodpub build``, a harvester writing the same layout)
and anything that reads one (the server loading a build, serving its files) goes through
here. The layout: ``dist`` is a symlink to ``.<dist>.builds/<build-id>/``, and a publish
makes a new symlink beside it and renames it over the old one (rename(2) is atomic).

The guarantees, for writers and readers:

- **all or nothing**: :func:`staging` gives a fresh folder beside ``dist``; only
  :meth:`Stage.publish` makes it visible, in one step. A block that raises, or never
  publishes, leaves the previous ``dist`` exactly as it was and the folder removed;
- **one build per reader**: :func:`reading` / :func:`pin` resolve ``dist`` once and give the
  build folder itself, so every file a reader opens comes from the same build, even when
  publishes happen meanwhile (two opens *through* ``dist`` may see two builds);
- **kept while in use**: a pinned build is never removed (a shared ``flock`` on its folder,
  held as long as the pin, inherited by forked workers). A publish keeps the new build, the
  previous one and every pinned one, and removes the older ones (:func:`prune`). A reader
  that opens paths through ``dist`` without a pin can be two publishes behind when it
  opens, and then gets ENOENT: a reader that needs more than one file pins.

Tested in ``tests/test_ops.py`` (the flip under a concurrent reader, pins, failures).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publisher.config import Config

MANIFEST_FILE = "manifest.json"
# Written into a published build by `lodpub mqa` (publisher/mqa.py), served at /mqa.
MQA_FILE = "mqa.ttl"


# --- writing --------------------------------------------------------------------------------
class Stage:
    """A folder being written beside ``dist``; :meth:`publish` makes it ``dist`` in one step."""

    def __init__(self, dist: Path) -> None:
        self.dist = Path(dist)
        self.dist.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{self.dist.name}-new-", dir=self.dist.parent))
        self.folder.chmod(0o755)
        self.published: Path | None = None

    def publish(self) -> Path:
        """Publish the folder (it must hold ``manifest.json``; its ``build_id`` names the
        build folder); returns where it now lives."""
        self.published = publish(self.folder, self.dist)
        return self.published


@contextlib.contextmanager
def staging(dist: Path) -> Iterator[Stage]:
    """A :class:`Stage` for the block; removed unless the block published it."""
    stage = Stage(dist)
    try:
        yield stage
    finally:
        if stage.published is None:
            shutil.rmtree(stage.folder, ignore_errors=True)


def publish(folder: Path, dist: Path) -> Path:
    """Publish ``folder`` as ``dist`` in one atomic step; until then the old dist is untouched.

    A ``dist`` that is still a real folder (from before the symlink layout) is swapped with
    the link by renameat2(RENAME_EXCHANGE), also atomic; where that is unavailable, by two
    renames. Returns the build folder ``dist`` now points at.
    """
    dist = published_path(Path(dist))
    builds = _builds(dist)
    builds.mkdir(exist_ok=True)
    target = builds / _build_name(folder)
    while target.exists():
        target = target.with_name(f"{target.name}-{uuid.uuid4().hex[:4]}")
    os.rename(folder, target)
    previous = _link_target(dist)
    link = dist.with_name(f".{dist.name}-link-{uuid.uuid4().hex[:8]}")
    try:
        os.symlink(os.path.relpath(target, dist.parent), link)
        if dist.is_symlink() or not os.path.lexists(dist):
            os.replace(link, dist)
        else:  # a real dist/ folder: it moves into builds/ as the previous build
            legacy = builds / f"previous-{uuid.uuid4().hex[:8]}"
            if _exchange(link, dist):
                os.rename(link, legacy)
            else:
                os.rename(dist, legacy)
                os.replace(link, dist)
            previous = legacy
    except BaseException:
        if os.path.lexists(link):
            os.unlink(link)
        if _link_target(dist) != target:
            shutil.rmtree(target, ignore_errors=True)
        raise
    _prune(builds, keep={target.name, previous.name if previous else ""})
    return target


def prune(dist: Path) -> None:
    """Remove old builds now: all but the current one, the previous one and pinned ones."""
    dist = published_path(Path(dist))
    current = _link_target(dist)
    if current is None:
        return
    builds = _builds(dist)
    names = sorted(p.name for p in builds.iterdir() if p.is_dir() and p.name < current.name)
    _prune(builds, keep={current.name, names[-1] if names else ""})


def _prune(builds: Path, keep: set[str]) -> None:
    """Remove unpinned builds older than the ones kept (a concurrent, newer build is never
    touched): each is locked exclusively first, which fails while a reader pins it."""
    names = sorted(p.name for p in builds.iterdir() if p.is_dir())
    kept = sorted(name for name in names if name in keep)
    if not kept:
        return
    for name in names:
        if name not in keep and name < kept[0]:
            _remove_unless_pinned(builds / name)


def _remove_unless_pinned(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # pinned: kept until the last pin goes
        os.close(fd)
        return
    try:  # a reader waiting for its shared lock finds the folder gone, and resolves again
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(fd)


# --- reading --------------------------------------------------------------------------------
class Pin:
    """One build folder, kept on disk while this object lives (or until :meth:`close`)."""

    def __init__(self, folder: Path, fd: int) -> None:
        self.folder = folder
        self._close = weakref.finalize(self, os.close, fd)

    def close(self) -> None:
        self._close()


def pin(dist: Path) -> Pin:
    """The build ``dist`` points at now, pinned; a plain folder is pinned as it is.

    Raises FileNotFoundError when there is no build."""
    for _attempt in range(100):
        try:
            folder = Path(dist).resolve(strict=True)
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            # The build was pruned between reading the link and opening it (two publishes
            # in between): resolve again, unless there is no dist at all.
            if not os.path.lexists(dist):
                raise
            continue
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(folder))
        except FileNotFoundError:
            same = False
        if same:
            return Pin(folder, fd)
        os.close(fd)  # pruned while we waited for the lock
    raise FileNotFoundError(f"{dist}: the build changed 100 times while being opened")


@contextlib.contextmanager
def reading(dist: Path) -> Iterator[Path]:
    """The current build folder, pinned for the block: every file read in it is one build's."""
    held = pin(dist)
    try:
        yield held.folder
    finally:
        held.close()


def check_files(folder: Path, manifest: dict) -> list[str]:
    """What differs between the files of a build and what its manifest lists (each file's
    size, then its SHA-256): a copy cut at a line boundary still parses, so only this
    catches it. Empty when they all match, or when the manifest lists no files (a build
    made by hand). Reads every byte once, in 1 MB blocks (hashing releases the GIL, so it
    can run beside the store's load: docs/operations.md has the cost)."""
    listed = manifest.get("files") or {}
    problems = [_size_problem(folder, name, entry) for name, entry in listed.items()]
    found = [problem for problem in problems if problem]
    if found:
        return found
    for name, entry in listed.items():
        try:
            sha256 = _sha256(folder / name)
        except OSError as exc:
            found.append(f"{name} cannot be read ({exc.strerror or exc})")
            continue
        if sha256 != entry.get("sha256"):
            found.append(f"{name} has changed since the build (its SHA-256 differs)")
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _size_problem(folder: Path, name: str, entry: dict) -> str | None:
    path = folder / name
    try:
        size = path.stat().st_size
    except OSError:
        return f"{name} is missing"
    if path.is_symlink() or not path.is_file():
        return f"{name} is not a plain file"
    if size != entry.get("bytes"):
        return f"{name} has {size:,} bytes, the manifest says {entry.get('bytes')}"
    return None


def find_build(dist: Path, build_id: str) -> Path | None:
    """The folder of build ``build_id``: the one ``dist`` points at, or one kept beside it
    (the previous build, pinned ones); None when it is gone. A remote store serves the
    build ``lodpub load`` sent it, which need not be the one ``dist`` points at now."""
    dist = Path(dist)
    try:
        current = dist.resolve(strict=True)
    except OSError:
        current = None
    builds = _builds(published_path(dist))
    name = _safe_name(build_id)
    candidates = [current] if current else []
    if name and builds.is_dir():
        candidates += sorted(builds.glob(f"{name}*"))
    for folder in candidates:
        try:
            manifest = json.loads((folder / MANIFEST_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and str(manifest.get("build_id")) == build_id:
            return folder
    return None


def is_stale(config: Config) -> bool:
    """True when dist/ is missing, was built for another base IRI, or any input is newer."""
    manifest_path = config.path("dist_dir") / MANIFEST_FILE
    if not manifest_path.is_file():
        return True
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if "harvest" in manifest:  # an aggregate (lodpub harvest): never rebuilt from data/
        return False
    if manifest.get("base_iri") != config.base_iri:
        return True
    built = manifest_path.stat().st_mtime
    inputs = [config.path(key) for key in ("data_dir", "ontology_dir", "shapes_dir")]
    return any(
        path.stat().st_mtime > built
        for folder in inputs
        if folder.is_dir()
        for path in folder.rglob("*")
    )


# --- paths ----------------------------------------------------------------------------------
def published_path(dist: Path) -> Path:
    """The ``dist`` symlink for a path that may already be resolved through it.

    Callers resolve paths (``Config.path``, ``build``), which turns ``dist`` into the build
    folder it points at, ``.dist.builds/<id>``; publishing must replace the link instead.
    """
    builds = dist.parent
    if builds.name.startswith(".") and builds.name.endswith(".builds"):
        link = builds.with_name(builds.name[1 : -len(".builds")])
        if link.is_symlink() and link.resolve() == dist.resolve():
            return link
    return dist


def _builds(dist: Path) -> Path:
    return dist.with_name(f".{dist.name}.builds")


def _build_name(folder: Path) -> str:
    """The build id from the manifest (ids start with the time, so names sort by age)."""
    try:
        build_id = str(json.loads((folder / MANIFEST_FILE).read_text("utf-8"))["build_id"])
    except (OSError, ValueError, KeyError, TypeError):
        build_id = ""
    return _safe_name(build_id) or f"build-{uuid.uuid4().hex[:12]}"


def _safe_name(build_id: str) -> str:
    safe = "".join(c for c in build_id if c.isascii() and (c.isalnum() or c in "-_."))
    return safe.lstrip(".")


def _link_target(dist: Path) -> Path | None:
    """The build folder ``dist`` points at, or None when it is not a symlink."""
    if not dist.is_symlink():
        return None
    return (dist.parent / os.readlink(dist)).resolve()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(
        at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange
    )
    return result == 0
