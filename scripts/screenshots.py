"""PNG screenshots of the main pages, on a desktop and on a phone: ``make screenshots``.

    python scripts/screenshots.py docs/screenshots

Builds the demo cities (examples/) and La Spezia (data/) into a temporary folder, serves
each on a free port of 127.0.0.1, and drives the tests' browser (tests/browser.py: Debian's
chromium through chromium-driver) over the pages in :data:`SHOTS`, asking for Italian.
Everything it starts it stops.
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import browser as real  # noqa: E402
from support import running  # noqa: E402

from publisher.build import build  # noqa: E402
from publisher.config import load_config  # noqa: E402
from publisher.web.app import create_app  # noqa: E402

EDITOR_QUERY = """PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX smp: <https://w3id.org/smartcity-masterplan/ontology#>
SELECT ?theme (COUNT(DISTINCT ?action) AS ?actions)
WHERE {
  ?city smp:themeScheme ?scheme .
  ?theme skos:inScheme ?scheme .
  ?action dct:subject ?theme ; dct:isPartOf ?city .
}
GROUP BY ?theme
ORDER BY DESC(?actions)
LIMIT 8"""
# file name -> (data folder, path, height at most on a desktop)
SHOTS = {
    "home": ("data", "/", 1800),
    "masterplan": ("data", "/id/laspezia/masterplan", 1600),
    "demo-home": ("examples", "/", 2000),
    "demo-masterplan-charts": ("examples", "/id/demo-city/masterplan", 2600),
    "query-with-chart": ("examples", "/queries/actions-per-theme?city=demo-city", 2000),
    "search": ("examples", "/search?q=mobilit", 1200),
    "sparql-editor": ("examples", "/sparql?" + urlencode({"query": EDITOR_QUERY}), 1900),
}
PHONE_HEIGHT = 1600  # the first two screens of a phone


def serve(stack: ExitStack, data: str, folder: Path) -> str:
    dist = folder / data / "dist"
    build(load_config(root=ROOT), data_dir=ROOT / data, dist=dist)
    config = load_config(overrides={"dist_dir": str(dist)}, root=ROOT)
    return "http://" + stack.enter_context(running(create_app(config)))


def main(out: Path) -> int:
    why = real.missing()
    if why:
        print(why, file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        servers = {d: serve(stack, d, Path(folder)) for d in {d for d, _, _ in SHOTS.values()}}
        shooter = real.Browser()
        stack.callback(shooter.close)
        for name, (data, path, height) in SHOTS.items():
            for suffix, size, tallest in (("", real.DESKTOP, height),
                                          ("-phone", real.PHONE, PHONE_HEIGHT)):  # fmt: skip
                shooter.resize(*size)
                shooter.open(servers[data] + path)
                target = out / f"{name}{suffix}.png"
                shooter.screenshot(target, tallest)
                print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")))
