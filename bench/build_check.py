"""What checking a build against its manifest costs when the server loads it.

Loads a built ``dist`` (e.g. 1M triples: ``bench/generate.py`` then ``lodpub build``; see
docs/benchmarks.md) into the embedded store ``--rounds`` times with the check (every file
of the manifest, size and SHA-256, hashed on a thread while pyoxigraph loads) and as many
times without it (the same folder through a manifest that lists no files, as a hand-made
dist), alternating, and hashes the files alone once. Prints the median wall and CPU time
of each: the cost of the check is the difference of the first two (on a busy machine the
CPU time is the steadier figure). Nothing is written to the build.

    python bench/build_check.py --dist /tmp/1m/dist --rounds 3
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from publisher import distdir
from publisher.store.embedded import EmbeddedStore


def load_seconds(folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds (this process, all its threads) of one load."""
    cpu, started = _cpu(), time.perf_counter()
    store = EmbeddedStore(folder)
    elapsed, used = time.perf_counter() - started, _cpu() - cpu
    store.close()
    return elapsed, used


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def unchecked_copy(build: Path, into: Path) -> Path:
    """The build's data under a manifest without ``files`` (hard links: no copy)."""
    folder = into / "unchecked"
    folder.mkdir()
    (folder / "dataset.nq").hardlink_to(build / "dataset.nq")
    manifest = json.loads((build / distdir.MANIFEST_FILE).read_text("utf-8"))
    manifest.pop("files", None)
    (folder / distdir.MANIFEST_FILE).write_text(json.dumps(manifest), "utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    build = args.dist.resolve(strict=True)
    manifest = json.loads((build / distdir.MANIFEST_FILE).read_text("utf-8"))
    listed = manifest.get("files") or {}
    size = sum(int(entry["bytes"]) for entry in listed.values())
    scratch = Path(tempfile.mkdtemp(prefix="build-check-", dir=build.parent))
    try:
        plain = unchecked_copy(build, scratch)
        checked, unchecked = [], []
        for _ in range(args.rounds):
            checked.append(load_seconds(build))
            unchecked.append(load_seconds(plain))
        started = time.perf_counter()
        problems = distdir.check_files(build, manifest)
        hashing = time.perf_counter() - started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert not problems, problems
    print(f"build {manifest.get('build_id')}: {manifest.get('triples', '?')} triples, "
          f"{len(listed)} files, {size / 1e6:,.0f} MB listed")  # fmt: skip
    print("| load | median wall s | median CPU s | runs |\n|---|---|---|---|")
    for name, runs in (("with the check", checked), ("without", unchecked)):
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {len(runs)} |")
    print(f"| hashing alone (one thread) | {hashing:.2f} | | 1 |")


if __name__ == "__main__":
    main()
