"""A real browser for the tests: Debian's chromium driven by chromium-driver through
selenium (installed by .ci/run; nothing is downloaded at test time), and what the tests ask
of a page in it: axe-core's accessibility violations and the page's width on a phone.

Used by the ``browser`` fixture (conftest.py) and by ``scripts/screenshots.py``. One
browser per session: pages are opened one after the other in the same window.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("LODPUB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LODPUB_CHROMEDRIVER", "/usr/bin/chromedriver")
AXE = Path(__file__).resolve().parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, the level Italian public administrations must meet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = (1280, 900)
PHONE = (390, 844)
# Chromium's options on this project's machines: no sandbox (root in CI), and nothing that
# reaches for the network by itself (the machines have none but the package registries).
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-first-run",
    "--disable-features=Translate,OptimizationHints,MediaRouter", "--hide-scrollbars",
)  # fmt: skip


def missing() -> str | None:
    """Why a browser cannot be started here (None when it can)."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).exists():
            return f"{path} is missing (Debian package {package}; .ci/run installs it)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


class Browser:
    """One headless Chromium; ``open(url)`` loads a page and waits for it."""

    def __init__(self, language: str = "it-IT,it") -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="lodpub-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_page_load_timeout(30)
        self.width = DESKTOP[0]

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def resize(self, width: int, height: int) -> None:
        """The viewport a phone or a desktop has (CSS pixels, no window decorations)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        self.width = width

    def open(self, url: str) -> None:
        self.driver.get(url)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def overflow(self) -> tuple[int, int]:
        """(document width, viewport width): the page scrolls sideways when the first is
        larger."""
        return self.js(
            "return [document.documentElement.scrollWidth, window.innerWidth];"
        )  # type: ignore[return-value]

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations of WCAG 2.1 A/AA on the open page (rule, help, nodes)."""
        if not self.js("return typeof window.axe !== 'undefined';"):
            self.js(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(r.violations.map(v => ({id: v.id, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
            ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));",
            AXE_TAGS,
        )
        return list(result)

    def screenshot(self, path: Path, max_height: int = 3000) -> None:
        """A PNG of the page from its top: its whole height, up to ``max_height`` px."""
        height = int(self.js("return document.documentElement.scrollHeight;"))
        self.resize(self.width, min(height, max_height))
        self.driver.save_screenshot(str(path))
