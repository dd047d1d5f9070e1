"""Build + validate time and peak memory against data size (1, 10, 100, 1,000 cities).

For each size the generated cities (bench/generate.py, cached) are built by ``lodpub``'s
own ``build()`` in a fresh subprocess, so its peak memory is measurable and no size warms the
next one. The build times its phases itself (``BuildResult.timings``); this script only
runs it, prints a table and writes the "Build and validation" section of
docs/benchmarks.md.

    .venv/bin/python bench/build_scaling.py                   # 1, 10, 100, 1000 cities
    .venv/bin/python bench/build_scaling.py --sizes 1,10 --no-doc
    .venv/bin/python bench/build_scaling.py --label before    # keep as the baseline

Each run is saved as bench/results/build-<label>.json; the doc shows the baseline
("before"), the latest run and their ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"
HEADING = "## Build and validation"
# 533 cities are about 1M triples: the size of the target (build + validate in 30 s or less).
DEFAULT_SIZES = (1, 10, 100, 533, 1000)
BASELINE = "before"
PACKAGES = ("rdflib", "pyoxigraph", "pyshacl", "PyYAML", "pylode")
# Phases as the table groups them: the build's own phase names (publisher.build.PHASES).
COLUMNS = {
    "read": ("read",),
    "rdf": ("rdf",),
    "validate": ("validate",),
    "write": ("dumps", "ontology", "catalog", "store", "manifest"),
}


# --- the child: one build ------------------------------------------------------------------


def child(data_dir: str, out_dir: str, report: str) -> None:
    """Build ``data_dir`` into ``out_dir``; write timings and counts as JSON to ``report``."""
    from publisher.build import build
    from publisher.config import load_config

    started = time.perf_counter()
    result = build(load_config(root=ROOT), Path(data_dir), Path(out_dir))
    total = time.perf_counter() - started
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    Path(report).write_text(
        json.dumps({
            "cities": len(result.cities),
            "triples": result.triples,
            "warnings": len(result.warnings),
            "timings": result.timings,
            "build_seconds": total,
            "worker_peak_kib": workers,
        }),
        encoding="utf-8",
    )


# --- the parent: sizes, table, doc ---------------------------------------------------------


def run_one(data_dir: Path, scratch: Path) -> dict:
    """One build in a subprocess: its report plus wall time and peak RSS."""
    out = scratch / "dist"
    report = scratch / "report.json"
    report.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(data_dir), str(out),
         str(report)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"build of {data_dir} failed ({process.returncode}):\n{errors}")
    figures = json.loads(report.read_text(encoding="utf-8"))
    figures["wall_seconds"] = wall  # interpreter start and imports included
    figures["peak_kib"] = usage.ru_maxrss
    shutil.rmtree(out, ignore_errors=True)
    for old in scratch.glob(".dist-*"):
        if old.is_symlink():
            old.unlink()
        else:
            shutil.rmtree(old, ignore_errors=True)
    return figures


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return {
        "cpus": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "memory_gib": round(int(total.group(1)) / 1024 / 1024, 1) if total else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
    }


def row_phases(figures: dict) -> dict[str, float]:
    timings = figures["timings"]
    return {col: sum(timings.get(p, 0.0) for p in phases) for col, phases in COLUMNS.items()}


def table(run: dict) -> list[str]:
    lines = [
        "| cities | triples | read | rdf | validate | write | build | triples/s | "
        "s per 100k triples | peak RSS (main) | peak RSS (a worker) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for figures in run["sizes"]:
        phases = row_phases(figures)
        total = figures["build_seconds"]
        worker = figures.get("worker_peak_kib") or 0
        cells = [
            f"{figures['cities']:,}",
            f"{figures['triples']:,}",
            *(f"{phases[c]:.2f}" for c in COLUMNS),
            f"{total:.2f}",
            f"{figures['triples'] / total:,.0f}",
            f"{total / figures['triples'] * 100_000:.2f}",
            f"{figures['peak_kib'] / 1024:,.0f} MiB",
            f"{worker / 1024:,.0f} MiB" if worker else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def scaling(run: dict) -> list[str]:
    """Time ratio against triples ratio between consecutive sizes (1.0 = linear)."""
    sizes = run["sizes"]
    lines = ["| from → to cities | triples × | build time × | time × / triples × |",
             "|---|---:|---:|---:|"]
    for small, large in itertools.pairwise(sizes):
        t = large["triples"] / small["triples"]
        s = large["build_seconds"] / small["build_seconds"]
        lines.append(f"| {small['cities']:,} → {large['cities']:,} | {t:.1f} | {s:.1f} | "
                     f"{s / t:.2f} |")
    return lines


def speedup(before: dict, after: dict) -> list[str]:
    old = {f["cities"]: f for f in before["sizes"]}
    lines = ["| cities | before (s) | after (s) | speed-up | peak RSS before → after |",
             "|---:|---:|---:|---:|---|"]
    for figures in after["sizes"]:
        base = old.get(figures["cities"])
        if base is None:
            continue
        lines.append(
            f"| {figures['cities']:,} | {base['build_seconds']:.2f} | "
            f"{figures['build_seconds']:.2f} | "
            f"{base['build_seconds'] / figures['build_seconds']:.1f}× | "
            f"{base['peak_kib'] / 1024:,.0f} → {figures['peak_kib'] / 1024:,.0f} MiB |"
        )
    return lines


def describe_run(run: dict) -> list[str]:
    m = run["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    return [
        f"Run `{run['label']}` on {run['date']}: {m['cpus']} CPUs ({m['cpu']}), "
        f"{m['memory_gib']} GiB, {m['os']}, Python {m['python']}; {packages}. "
        f"Cities of {run['actions']} action(s) each (bench/generate.py).",
    ]


def read_runs() -> dict[str, dict]:
    runs = {}
    for path in sorted(RESULTS.glob("build-*.json")):
        run = json.loads(path.read_text(encoding="utf-8"))
        runs[run["label"]] = run
    return runs


def section(runs: dict[str, dict], latest: str) -> str:
    lines = [HEADING, ""]
    lines += [
        "Made by `bench/build_scaling.py` (do not edit between this heading and the next: the "
        "script rewrites it; the notes below the tables are kept in `NOTES` there). Each size "
        "is one `build()` of generated fictional cities in a fresh process; *build* is that "
        "call's wall time (read YAML → RDF → SHACL → every file of dist/), the phases are the "
        "build's own timings (`BuildResult.timings`; *write* = dumps, ontology pages, "
        "catalogue, dataset.nq, manifest). *Triples* counts everything in dataset.nq "
        "(cities, vocabularies, catalogue). Peak RSS is the build process's maximum resident "
        "memory; with parallel validation a worker's own peak is listed too.",
        "",
    ]
    order = [BASELINE] if BASELINE in runs and latest != BASELINE else []
    order.append(latest)
    for label in order:
        run = runs[label]
        lines += [f"### {'Before' if label == BASELINE else 'Now'} (`{label}`)", ""]
        lines += [*describe_run(run), "", *table(run), ""]
        lines += ["Scaling (1.00 = time grows exactly like the triples):", ""]
        lines += [*scaling(run), ""]
    if len(order) == 2:
        lines += ["### Before → now", "", *speedup(runs[BASELINE], runs[latest]), ""]
    lines += [NOTES.strip(), ""]
    return "\n".join(lines)


NOTES = """
"""


def write_doc(text: str) -> None:
    """Replace (or add) this script's section of docs/benchmarks.md, keeping the rest."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    start = doc.find(HEADING + "\n")
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        following = re.search(r"^## ", doc[start + len(HEADING):], flags=re.MULTILINE)
        end = start + len(HEADING) + following.start() if following else len(doc)
        doc = doc[:start] + text + ("\n" + doc[end:] if following else "")
    DOC.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="numbers of cities, comma-separated (default: %(default)s)")
    parser.add_argument("--actions", type=int, default=generate.N_ACTIONS)
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "lodpub-bench-cities",
                        help="where generated cities are kept between runs (%(default)s)")
    parser.add_argument("--label", default="after",
                        help=f"name of this run ('{BASELINE}' = the baseline); default %(default)s")
    parser.add_argument("--no-doc", action="store_true", help="print only; write no files")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    run = {
        "label": args.label,
        "date": dt.date.today().isoformat(),
        "actions": args.actions,
        "machine": machine(),
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="lodpub-bench-") as scratch:
        for n in sizes:
            started = time.perf_counter()
            data = generate.cached(args.cache, n, args.actions)
            made = time.perf_counter() - started
            print(f"{n} cities ready in {data} ({made:.1f} s); building …", file=sys.stderr)
            figures = run_one(data, Path(scratch))
            run["sizes"].append(figures)
            print(table({"sizes": [figures]})[-1], file=sys.stderr)
    print("\n".join([*describe_run(run), "", *table(run), "", *scaling(run)]))
    if not args.no_doc:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"build-{args.label}.json"
        path.write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
        write_doc(section(read_runs(), args.label))
        print(f"wrote {path.relative_to(ROOT)} and {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
        sys.exit(0)
    sys.exit(main())
