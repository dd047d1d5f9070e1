"""Build + validate time and peak memory against data size (1 to 1,000 cities).

For each size the generated cities (bench/generate.py, cached) are built by ``lodpub``'s
own ``build()`` in a fresh subprocess, so its peak memory is measurable and no size warms the
next one. The build times its phases itself (``BuildResult.timings``); this script only
runs it, prints a table and writes the "Build and validation" section of
docs/benchmarks.md.

    .venv/bin/python bench/build_scaling.py                   # 1, 10, 100, 533, 1000 cities
    .venv/bin/python bench/build_scaling.py --sizes 1,10 --no-doc
    .venv/bin/python bench/build_scaling.py --label before    # keep as the baseline
    .venv/bin/python bench/build_scaling.py --repeat 3        # best of three per size
    .venv/bin/python bench/build_scaling.py --sizes 533 --merge   # keep the faster builds
    .venv/bin/python bench/build_scaling.py --doc-only        # after editing build_scaling.md

Each run is saved as bench/results/build-<label>.json; the doc shows the baseline
("before"), the latest run and their ratios. The machine's load average is recorded with
every build: figures taken while something else ran are slower than the build is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
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
DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"
HEADING = "## Build and validation"
# 533 cities are about 1M triples: the size of the target (build + validate in 30 s or less).
DEFAULT_SIZES = (1, 10, 100, 533, 1000)
TARGET_TRIPLES, TARGET_SECONDS = 1_000_000, 30.0
BASELINE = "before"
PACKAGES = ("rdflib", "pyoxigraph", "pyshacl", "pyshacl-turbo", "PyYAML", "pylode")
# The build's phases (publisher.build.PHASES) as the table groups them. Per city, CPU
# seconds summed over the cities; "cities" and "rest" are wall-clock seconds.
CITY_COLUMNS = ("read", "rdf", "validate", "dumps")
REST = ("combine", "ontology", "catalog", "store", "manifest", "publish")


def _generator():
    """bench/generate.py (bench/ is not an installed package)."""
    name = "lodpub_bench_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "generate.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# --- the child: one build ------------------------------------------------------------------


def child(data_dir: str, out_dir: str, report: str) -> None:
    """Build ``data_dir`` into ``out_dir``; write timings and counts as JSON to ``report``."""
    from publisher.build import build
    from publisher.config import load_config

    load = os.getloadavg()[0]
    started = time.perf_counter()
    result = build(load_config(root=ROOT), Path(data_dir), Path(out_dir))
    total = time.perf_counter() - started
    own, workers = (resource.getrusage(who)
                    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    Path(report).write_text(
        json.dumps({
            "cities": len(result.cities),
            "triples": result.triples,
            "warnings": len(result.warnings),
            "timings": result.timings,
            "build_seconds": total,
            "cpu_seconds": sum(u.ru_utime + u.ru_stime for u in (own, workers)),
            "worker_peak_kib": workers.ru_maxrss,
            "load_before": load,
            "load_after": os.getloadavg()[0],
        }),
        encoding="utf-8",
    )


# --- the parent: sizes, table, doc ---------------------------------------------------------


def _busy_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (/proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_one(data_dir: Path, scratch: Path) -> dict:
    """One build in a subprocess: its report plus wall time, peak RSS and the CPU time
    other programs took meanwhile."""
    report, errors = scratch / "report.json", scratch / "stderr.txt"
    report.unlink(missing_ok=True)
    busy = _busy_seconds()
    start = time.perf_counter()
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(data_dir),
             str(scratch / "out" / "dist"), str(report)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    busy = _busy_seconds() - busy if busy is not None else None
    process.returncode = os.waitstatus_to_exitcode(status)
    shutil.rmtree(scratch / "out", ignore_errors=True)  # dist/ and its build folders
    if process.returncode != 0:
        raise SystemExit(f"build of {data_dir} failed ({process.returncode}):\n"
                         + errors.read_text("utf-8", "replace"))
    figures = json.loads(report.read_text(encoding="utf-8"))
    figures["wall_seconds"] = wall  # interpreter start and imports included
    figures["peak_kib"] = usage.ru_maxrss
    if busy is not None:  # the machine's CPU time during the build, less the build's own
        own = usage.ru_utime + usage.ru_stime
        figures["other_cpu_seconds"] = max(0.0, busy - max(own, figures["cpu_seconds"]))
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


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(run: dict) -> list[str]:
    lines = [
        "| cities | triples | read | rdf | validate | dumps | cities (wall) | rest (wall) "
        "| **build** | s per 1M triples | CPU s | peak RSS | a worker's peak | others' CPU s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for figures in run["sizes"]:
        timings, total = figures["timings"], figures["build_seconds"]
        worker = figures.get("worker_peak_kib") or 0
        others = figures.get("other_cpu_seconds")
        cells = [
            f"{figures['cities']:,}",
            f"{figures['triples']:,}",
            *(_seconds(timings.get(name)) for name in CITY_COLUMNS),
            _seconds(timings.get("cities")),
            _seconds(sum(timings.get(name, 0.0) for name in REST)),
            f"**{total:.2f}**",
            f"{total / figures['triples'] * 1e6:.1f}",
            _seconds(figures.get("cpu_seconds")),
            f"{figures['peak_kib'] / 1024:,.0f} MiB",
            f"{worker / 1024:,.0f} MiB" if worker else "-",
            _seconds(others),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def scaling(run: dict) -> list[str]:
    """Time ratio against triples ratio between consecutive sizes (1.00 = linear)."""
    lines = ["| from → to cities | triples × | build time × | time × / triples × |",
             "|---|---:|---:|---:|"]
    for small, large in itertools.pairwise(run["sizes"]):
        t = large["triples"] / small["triples"]
        s = large["build_seconds"] / small["build_seconds"]
        lines.append(f"| {small['cities']:,} → {large['cities']:,} | {t:.1f} | {s:.1f} | "
                     f"{s / t:.2f} |")
    return lines


def speedup(before: dict, after: dict) -> list[str]:
    old = {f["cities"]: f for f in before["sizes"]}
    lines = ["| cities | triples | before (s) | now (s) | speed-up | peak RSS before → now |",
             "|---:|---:|---:|---:|---:|---|"]
    for figures in after["sizes"]:
        base = old.get(figures["cities"])
        if base is None:
            continue
        lines.append(
            f"| {figures['cities']:,} | {figures['triples']:,} | {base['build_seconds']:.2f} | "
            f"{figures['build_seconds']:.2f} | "
            f"{base['build_seconds'] / figures['build_seconds']:.1f}× | "
            f"{base['peak_kib'] / 1024:,.0f} → {figures['peak_kib'] / 1024:,.0f} MiB |"
        )
    return lines


def verdict(run: dict) -> list[str]:
    """The target (1M triples in 30 s or less) and linearity, from this run's figures."""
    sizes = run["sizes"]
    near = min(sizes, key=lambda f: abs(f["triples"] - TARGET_TRIPLES))
    lines = []
    if abs(near["triples"] - TARGET_TRIPLES) < TARGET_TRIPLES * 0.1:
        seconds = near["build_seconds"]
        how = ("met" if seconds <= TARGET_SECONDS
               else f"missed by {seconds - TARGET_SECONDS:.1f} s")
        lines.append(f"- Target, build + validate 1M triples in {TARGET_SECONDS:.0f} s or less: "
                     f"{near['cities']:,} cities, {near['triples']:,} triples in "
                     f"{seconds:.1f} s: **{how}**.")
    big = [f for f in sizes if f["triples"] >= 100_000]
    if len(big) >= 2:
        rates = [f["build_seconds"] / f["triples"] * 1e6 for f in big]
        lines.append(f"- Linearity from {big[0]['cities']:,} to {big[-1]['cities']:,} cities: "
                     f"{min(rates):.1f} to {max(rates):.1f} s per 1M triples "
                     f"(largest / smallest rate: {max(rates) / min(rates):.2f}).")
    busy = [f for f in sizes if (f.get("other_cpu_seconds") or 0) > 0.1 * f["build_seconds"]]
    if busy:
        lines.append("- Other programs used the machine's CPUs during the builds of "
                     + ", ".join(f"{f['cities']:,}" for f in busy) + " cities (*others' "
                     "CPU s*): those builds were slowed down by that much, at worst.")
    return lines


def describe_run(run: dict) -> str:
    m = run["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    repeat = run.get("repeat", 1)
    best = f", best of {repeat} builds per size" if repeat > 1 else ""
    if run.get("merged"):
        best = ", the fastest of several runs per size (`--merge`)"
    return (f"Run `{run['label']}` on {run['date']}: {m['cpus']} CPUs ({m['cpu']}), "
            f"{m['memory_gib']} GiB, {m['os']}, Python {m['python']}; {packages}. "
            f"Cities of {run['actions']} action(s) each (bench/generate.py){best}.")


def read_runs() -> dict[str, dict]:
    runs = {}
    for path in sorted(RESULTS.glob("build-*.json")):
        run = json.loads(path.read_text(encoding="utf-8"))
        runs[run["label"]] = run
    return runs


INTRO = """\
Made by `bench/build_scaling.py` (which rewrites everything between this heading and the
next `## `; the baseline stays in `bench/results/build-before.json`). Each size is one
`lodpub` `build()` of generated fictional cities (`bench/generate.py`) in a fresh process.
**build** is that call's wall time: YAML → RDF → SHACL → every file of `dist/`. *Triples*
counts everything in `dataset.nq` (cities, vocabularies, catalogue). *read, rdf, validate,
dumps*: the per-city work, in CPU seconds added up over the cities (over 2 worker processes
from 40 cities on: more than the wall time they took); *cities (wall)*: the time of that
whole per-city stage; *rest*: the every-city dumps, ontology pages, catalogue,
`dataset.nq`, manifest and the swap into `dist/`. In the `before` run every phase is wall
time in one process, and the dumps were written after all the cities were validated.
*CPU s*: the build's processes' user + system time, workers included. *others' CPU s*: the
CPU time other programs took on the machine during the build (from /proc/stat): the 2 CPUs
are shared, so a build with a large figure there ran slower than it does alone."""


def section(runs: dict[str, dict], latest: str) -> str:
    lines = [HEADING, "", INTRO, ""]
    order = [BASELINE] if BASELINE in runs and latest != BASELINE else []
    order.append(latest)
    for label in order:
        run = runs[label]
        title = "Before (the build as it was)" if label == BASELINE else "Now"
        lines += [f"### {title}", "", describe_run(run), "", *table(run), ""]
        lines += ["Scaling (1.00 = time grows exactly like the triples):", ""]
        lines += [*scaling(run), "", *verdict(run), ""]
    if len(order) == 2:
        lines += ["### Before → now", "", *speedup(runs[BASELINE], runs[latest]), ""]
    notes = ROOT / "bench" / "build_scaling.md"
    if notes.is_file():  # the hand-written analysis: where the time goes, what changed
        lines += [notes.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def write_doc(text: str, heading: str = HEADING) -> None:
    """Replace (or add) a script's section of docs/benchmarks.md, keeping the rest."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    start = doc.find(heading + "\n")
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        following = re.search(r"^## ", doc[start + len(heading):], flags=re.MULTILINE)
        end = start + len(heading) + following.start() if following else len(doc)
        doc = doc[:start] + text + ("\n" + doc[end:] if following else "")
    DOC.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    generate = _generator()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="numbers of cities, comma-separated (default: %(default)s)")
    parser.add_argument("--actions", type=int, default=generate.N_ACTIONS)
    parser.add_argument("--repeat", type=int, default=1,
                        help="builds per size; the fastest is kept (default: %(default)s)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "lodpub-bench-cities",
                        help="where generated cities are kept between runs (%(default)s)")
    parser.add_argument("--label", default="after",
                        help=f"name of this run ('{BASELINE}' = the baseline); default %(default)s")
    parser.add_argument("--merge", action="store_true",
                        help="keep the saved run's faster builds of the same label (runs made "
                             "while the machine was quiet are kept; sizes not run kept too)")
    parser.add_argument("--no-doc", action="store_true", help="print only; write no files")
    parser.add_argument("--doc-only", action="store_true",
                        help="rewrite the doc from the saved runs (and build_scaling.md); no build")
    args = parser.parse_args(argv)
    if args.doc_only:
        write_doc(section(read_runs(), args.label))
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    run = {
        "label": args.label,
        "date": dt.date.today().isoformat(),
        "actions": args.actions,
        "repeat": args.repeat,
        "machine": machine(),
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="lodpub-bench-") as scratch:
        for n in sizes:
            started = time.perf_counter()
            data = generate.cached(args.cache, n, args.actions)
            made = time.perf_counter() - started
            print(f"{n} cities ready in {data} ({made:.1f} s); building …", file=sys.stderr)
            tries = []
            for _ in range(max(1, args.repeat)):
                tries.append(run_one(data, Path(scratch)))
                print(table({"sizes": tries[-1:]})[-1], file=sys.stderr)
            run["sizes"].append(min(tries, key=lambda f: f["build_seconds"]))
    saved = RESULTS / f"build-{args.label}.json"
    if args.merge and saved.is_file():
        old = json.loads(saved.read_text(encoding="utf-8"))
        best = {f["cities"]: f for f in old["sizes"]}
        for figures in run["sizes"]:
            kept = best.get(figures["cities"])
            if kept is None or figures["build_seconds"] < kept["build_seconds"]:
                best[figures["cities"]] = figures
        run["sizes"] = [best[n] for n in sorted(best)]
        run["repeat"] = max(run["repeat"], old.get("repeat", 1))
        run["merged"] = True
    print("\n".join([describe_run(run), "", *table(run), "", *scaling(run), "",
                     *verdict(run)]))
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
