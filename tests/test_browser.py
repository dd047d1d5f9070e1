"""Every kind of page in a real browser (Chromium, through selenium): axe-core finds no
WCAG 2.1 A/AA violation, nothing scrolls sideways on a 390 px phone, the language switch
keeps its language across the navigation, and charts show their numbers with their data
table. The pages carry no inline script or style, and load nothing from other hosts (the
Content-Security-Policy allows files from the site itself only)."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from browser import DESKTOP, PHONE

# kind -> (server, path): the demo cities (examples/) and La Spezia (data/)
PAGES = {
    "home": ("demo", "/"),
    "home (La Spezia)": ("la", "/"),
    "masterplan": ("demo", "/id/demo-city/masterplan"),
    "masterplan (La Spezia)": ("la", "/id/laspezia/masterplan"),
    "action": ("demo", "/id/demo-city/action/a02"),
    "role": ("demo", "/id/demo-city/role/lead--ordine-architetti--action--a02"),
    "phase": ("demo", "/id/demo-city/phase/2"),
    "source": ("la", "/id/laspezia/source/primocanale-162570"),
    "organisation": ("la", "/id/laspezia/organisation/enea"),
    "table": ("la", "/id/laspezia/table/mobility"),
    "theme": ("la", "/id/laspezia/theme/mobility"),
    "theme scheme": ("demo", "/id/demo-city/themes"),
    "concept": ("demo", "/vocab/action-status/in-progress"),
    "vocabulary": ("la", "/vocab"),
    "ontology": ("la", "/ontology"),
    "sparql": ("la", "/sparql"),
    "questions": ("demo", "/queries"),
    "question with a chart": ("demo", "/queries/actions-per-theme?city=demo-city"),
    "catalogue": ("la", "/catalog"),
    "void": ("la", "/.well-known/void"),
    "search": ("demo", "/search?q=mobilit"),
    "accessibility statement": ("la", "/accessibility"),
    "error 404": ("la", "/id/laspezia/nope"),
}


@pytest.fixture(scope="module")
def site(demo_server, la_server):
    servers = {"demo": demo_server, "la": la_server}
    return lambda kind: servers[PAGES[kind][0]] + PAGES[kind][1]


def status(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_kind_is_accessible_and_fits_a_phone(browser, site, kind):
    assert status(site(kind)) == (404 if kind.startswith("error") else 200), kind
    browser.resize(*DESKTOP)
    browser.open(site(kind))
    violations = browser.axe()
    assert violations == [], f"{kind}: {violations}"
    own = browser.js(
        "return [document.querySelectorAll('script:not([src]):not([type=\"application/ld+json\"])')"
        ".length, document.querySelectorAll('style, [style]').length,"
        " Array.from(document.querySelectorAll('[src], link[href]'))"
        ".map(e => e.src || e.href)];"
    )
    inline_scripts, inline_styles, resources = own
    assert (inline_scripts, inline_styles) == (0, 0), kind
    here = urlsplit(site(kind)).netloc
    assert {urlsplit(r).netloc for r in resources} <= {here}, resources
    browser.resize(*PHONE)
    browser.open(site(kind))
    assert browser.axe() == [], f"{kind} on a phone"  # scrolling boxes must take the focus
    document, viewport = browser.overflow()
    # A phone widens its layout viewport to fit a page that is too wide: compare with the
    # phone's own width, not with the viewport.
    assert document <= PHONE[0] and viewport == PHONE[0], f"{kind}: {document} px wide"


def test_language_switch_keeps_english_across_the_navigation(browser, demo_server):
    from selenium.webdriver.common.by import By

    browser.resize(*DESKTOP)
    browser.open(demo_server + "/id/demo-city/masterplan")
    assert browser.js("return document.documentElement.lang") == "it"
    browser.driver.find_element(By.CSS_SELECTOR, "a.language-switch").click()
    assert browser.js("return document.documentElement.lang") == "en"
    browser.driver.find_element(By.LINK_TEXT, "Ready-made questions").click()
    assert browser.js("return document.documentElement.lang") == "en"
    assert urlsplit(browser.driver.current_url).path == "/queries"
    search = browser.driver.find_element(By.ID, "site-search")
    search.send_keys("mobil")
    search.submit()
    assert browser.js("return document.documentElement.lang") == "en"
    assert "Results for" in browser.driver.find_element(By.TAG_NAME, "h2").text


def test_charts_show_their_numbers_and_their_table(browser, demo_server):
    from selenium.webdriver.common.by import By

    browser.resize(*DESKTOP)
    browser.open(demo_server + "/id/demo-city/masterplan")
    charts = browser.driver.find_elements(By.CSS_SELECTOR, "figure.chart")
    assert len(charts) == 3  # per theme, per timeframe, per ICT role
    for chart in charts:
        values = [v.text for v in chart.find_elements(By.CSS_SELECTOR, ".chart-value")]
        assert values and all(any(ch.isdigit() for ch in v) for v in values)
        bars = chart.find_elements(By.CSS_SELECTOR, ".chart-bar rect:not(.track)")
        assert max(float(b.get_attribute("width")) for b in bars) == 100  # the longest bar
        table = chart.find_element(By.CSS_SELECTOR, "table.chart-data")
        cells = table.get_attribute("textContent").replace("\xa0", " ")
        assert all(v in cells for v in values)  # the same numbers for screen readers
        assert chart.find_element(By.PARTIAL_LINK_TEXT, "SPARQL").get_attribute("href")
    themes = charts[0].find_elements(By.CSS_SELECTOR, ".chart-row")
    assert "11" in themes[0].text  # 11 actions in theme 1 of the demo city


def test_no_page_breaks_the_content_security_policy(browser, site):
    """Every kind of page under the site's Content-Security-Policy (publisher/web/http/
    security.py): the browser reports no violation (a blocked style, font, image, script or
    form target)."""
    browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )})  # fmt: skip
    browser.resize(*DESKTOP)
    for kind in PAGES:
        browser.open(site(kind))
        assert browser.js("return document.readyState") == "complete"
        policy = browser.js(
            "return fetch(location.href, {headers: {Accept: 'text/html'}})"
            ".then(r => r.headers.get('Content-Security-Policy'));"
        )
        assert policy and "default-src 'self'" in policy, kind
        assert browser.js("return window.__violations") == [], kind
