"""Synthetic multi-city data for the benchmarks, written through the real YAML format.

Every city is made by examples/generate.py's library functions (``generate_city`` and
``write_city``), so the benchmark reads exactly the files a municipal officer would write and
goes through the whole loader. Everything is fictional and deterministic:

- keys ``city-0001``, ``city-0002``, …; names "Città fittizia 0001", …;
- seeds ``SEED_BASE + number`` (the committed demo cities use seeds 1 and 2);
- ISTAT-like codes ``98`` + the four-digit city number (980001, 980002, …). 98 is no ISTAT
  province code, and the demo cities' ``999…`` codes are a different range, so no two
  generated cities and no generated city and demo city ever share a code (up to 9,999 cities).

With ``N_ACTIONS = 1`` (the smallest city the generator makes) one city is about 1,750
triples of city data plus about 110 of catalogue: 1,000 cities make about 1.86M triples.
The generator's fixed part of a city (sources, themes, organisations, roles, phases) is
about 1,700 triples, so 1,000 cities cannot be made as small as 1,000 triples each; the
benchmark reports the real totals (see docs/benchmarks.md).

    python bench/generate.py OUT_DIR N_CITIES [--actions N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_GENERATOR = ROOT / "examples" / "generate.py"
N_ACTIONS = 1
SEED_BASE = 100_000
MAX_CITIES = 9_999
STAMP_FILE = "bench-cities.json"  # in the parent folder: the build only reads city folders
FORMAT_VERSION = 1  # bump when the generated data changes, so caches are remade


def _examples_generator() -> ModuleType:
    """examples/generate.py, imported by path (examples/ is not a package)."""
    name = "lodpub_examples_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXAMPLES_GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def city_key(number: int) -> str:
    return f"city-{number:04d}"


def city_name(number: int) -> str:
    return f"Città fittizia {number:04d}"


def city_istat(number: int) -> str:
    """A fictional six-digit code: 98 (no ISTAT province) + the city number."""
    if not 1 <= number <= MAX_CITIES:
        raise ValueError(f"city number {number} is outside 1..{MAX_CITIES}")
    return f"98{number:04d}"


def city_files(number: int, n_actions: int = N_ACTIONS) -> dict[str, dict]:
    """One generated city as file name -> YAML document (see examples/generate.py)."""
    generator = _examples_generator()
    # The examples generator only takes its own 999xxx codes (1,000 of them, two used by the
    # demo cities); the benchmark needs more, so the code is set on the generated document.
    files = generator.generate_city(
        city_key(number), city_name(number), SEED_BASE + number, n_actions, istat="999000"
    )
    files["masterplan.yaml"]["city"]["istat"] = city_istat(number)
    return files


def generate(out_dir: Path, n_cities: int, n_actions: int = N_ACTIONS) -> list[Path]:
    """Write cities 1..n_cities into ``out_dir`` (replacing what was there); return folders."""
    if not 1 <= n_cities <= MAX_CITIES:
        raise ValueError(f"between 1 and {MAX_CITIES} cities, not {n_cities}")
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    generator = _examples_generator()
    folders = []
    for number in range(1, n_cities + 1):
        folder = out_dir / city_key(number)
        generator.write_city(folder, city_files(number, n_actions))
        folders.append(folder)
    return folders


def cached(cache_dir: Path, n_cities: int, n_actions: int = N_ACTIONS) -> Path:
    """The folder of ``n_cities`` generated cities under ``cache_dir``, made once."""
    params = {"version": FORMAT_VERSION, "cities": n_cities, "actions": n_actions}
    folder = Path(cache_dir) / f"cities-{n_cities}-a{n_actions}"
    stamp = Path(cache_dir) / f"{folder.name}.{STAMP_FILE}"
    if stamp.is_file() and folder.is_dir():
        try:
            if json.loads(stamp.read_text(encoding="utf-8")) == params:
                return folder
        except ValueError:
            pass
    stamp.unlink(missing_ok=True)
    generate(folder, n_cities, n_actions)
    stamp.write_text(json.dumps(params), encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write N fictional cities for the benchmarks.")
    parser.add_argument("out_dir", type=Path, help="folder to (re)write, one sub-folder a city")
    parser.add_argument("n_cities", type=int)
    parser.add_argument("--actions", type=int, default=N_ACTIONS, dest="n_actions",
                        help="actions per city (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        folders = generate(args.out_dir, args.n_cities, args.n_actions)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"{len(folders)} cities in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
