"""Every kind of page in a real browser (Chromium, through selenium): axe-core finds no
WCAG 2.1 A/AA violation, nothing scrolls sideways on a 390 px phone, the language switch
keeps its language across the navigation, and charts show their numbers with their data
table. The pages carry no inline script or style, and load nothing from other hosts (the
Content-Security-Policy allows files from the site itself only)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

import pytest
from browser import DESKTOP, PHONE

PER_THEME = (  # names with numbers: the SPARQL page draws a chart of them
    "PREFIX dct: <http://purl.org/dc/terms/>\n"
    "SELECT ?theme (COUNT(?action) AS ?actions)\n"
    "WHERE { ?action dct:subject ?theme }\nGROUP BY ?theme\nORDER BY DESC(?actions)\nLIMIT 12"
)
BROKEN = "SELECT ?label\nWHERE { ?s rdfs:label ?label\n"
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
    "sparql with results": ("demo", "/sparql?" + urlencode({"query": PER_THEME})),
    "sparql with an error": ("demo", "/sparql?" + urlencode({"query": BROKEN})),
    "questions": ("demo", "/queries"),
    "question with a chart": ("demo", "/queries/actions-per-theme?city=demo-city"),
    "cities compared": ("demo", "/compare"),
    "cities compared (en)": ("demo", "/compare?lang=en"),
    "catalogue": ("la", "/catalog"),
    "void": ("la", "/.well-known/void"),
    "search": ("demo", "/search?q=mobilit"),
    "accessibility statement": ("la", "/accessibility"),
    "error 404": ("la", "/id/laspezia/nope"),
}
STATUS = {"error 404": 404, "sparql with an error": 400}


@pytest.fixture(scope="module")
def site(demo_server, la_server):
    servers = {"demo": demo_server, "la": la_server}
    return lambda kind: servers[PAGES[kind][0]] + PAGES[kind][1]


def fetch(url: str) -> tuple[int, str]:
    """(status, HTML) of a page as the server sends it."""
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_kind_is_accessible_and_fits_a_phone(browser, site, kind):
    code, page = fetch(site(kind))
    assert code == STATUS.get(kind, 200), kind
    # no style attribute in the HTML (a script may still set styles through the CSSOM,
    # which the policy allows: the SPARQL editor does)
    assert not re.search(r"<[a-z][^>]*\sstyle=", page), kind
    browser.resize(*DESKTOP)
    browser.open(site(kind))
    violations = browser.axe()
    assert violations == [], f"{kind}: {violations}"
    own = browser.js(
        "return [document.querySelectorAll('script:not([src]):not([type=\"application/ld+json\"])')"
        ".length, document.querySelectorAll('style').length,"
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


# --- the SPARQL editor (CodeMirror over the form, static/site/sparql-editor.js) -----------
# The policy the HTML pages are meant to carry; set here when the server does not send one.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
COLLECT_VIOLATIONS = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push("
    "[e.violatedDirective, e.blockedURI, e.sourceFile]));"
)


@pytest.fixture(scope="module")
def strict_server(demo_dist):
    """The demo cities served with a strict Content-Security-Policy on every response."""
    from conftest import REPO_ROOT
    from support import running

    from publisher.config import load_config
    from publisher.web.app import create_app

    app = create_app(load_config(overrides={"dist_dir": str(demo_dist)}, root=REPO_ROOT))
    inner = app.wsgi_app

    def with_policy(environ, start_response):
        def start(status, headers, exc_info=None):
            if not any(name.lower() == "content-security-policy" for name, _ in headers):
                headers.append(("Content-Security-Policy", STRICT_CSP))
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = with_policy
    with running(app) as address:
        yield f"http://{address}"


def type_query(browser, text: str) -> None:
    """Replace the editor's text by typing ``text``, then run it with Ctrl+Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    editor = browser.driver.find_element(By.CSS_SELECTOR, ".sparql-editor .cm-content")
    editor.click()
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    editor.send_keys(text)
    editor.send_keys(Keys.CONTROL, Keys.ENTER)


def editor_text(browser) -> str:
    return browser.js(
        "return CM.EditorView.findFromDOM(document.querySelector('.sparql-editor .cm-editor'))"
        ".state.doc.toString();"
    )


def test_the_editor_runs_a_query_and_shows_the_table(browser, strict_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": COLLECT_VIOLATIONS}
    )
    browser.resize(*DESKTOP)
    browser.open(strict_server + "/sparql")
    assert browser.js("return document.getElementById('query').hidden")  # the editor took over
    # skos: is one of the project's prefixes: typed without its declaration, it gets one
    type_query(browser, "SELECT ?concept ?name\nWHERE { ?concept skos:prefLabel ?name }\nLIMIT 5")
    WebDriverWait(browser.driver, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "table.result tbody tr")
    )
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "table.result tbody tr")
    assert len(rows) == 5 and all(r.text.strip() for r in rows)
    kept = editor_text(browser)
    assert kept.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    assert kept.endswith("LIMIT 5")
    # CodeMirror's rules went in through the CSSOM, its scripts are files: no script or
    # style broke the policy (Bootstrap Italia's stylesheet has data: images and a data:
    # font, which need img-src/font-src data: — the site's policy, not the editor's)
    violations = browser.js("return window.cspViolations")
    assert [v for v in violations if v[0].startswith(("script-src", "style-src"))] == []


def test_the_editor_shows_a_syntax_error_in_the_page(browser, strict_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.resize(*DESKTOP)
    browser.open(strict_server + "/sparql")
    type_query(browser, "SELECT ?s\nWHERE ?s ?p ?o")  # WHERE without its braces
    alert = WebDriverWait(browser.driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".sparql-error[role=alert]")
    )
    assert "Riga 2, colonna 7" in alert.text
    assert editor_text(browser) == "SELECT ?s\nWHERE ?s ?p ?o"  # the query is kept
    marked = browser.driver.find_elements(By.CSS_SELECTOR, ".cm-line.cm-error-line")
    assert [m.text for m in marked] == ["WHERE ?s ?p ?o"]  # the line the parser points at
    cursor = browser.js(
        "const v = CM.EditorView.findFromDOM(document.querySelector('.cm-editor'));"
        "const at = v.state.selection.main.head, line = v.state.doc.lineAt(at);"
        "return [line.number, at - line.from + 1];"
    )
    assert cursor == [2, 7]  # the cursor is on the error


def test_the_editors_completion_passes_axe_and_tab_leaves_the_editor(browser, demo_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.resize(*DESKTOP)
    browser.open(demo_server + "/sparql")
    editor = browser.driver.find_element(By.CSS_SELECTOR, ".sparql-editor .cm-content")
    editor.click()
    editor.send_keys(Keys.CONTROL, Keys.END)
    editor.send_keys("\nsk")
    offered = WebDriverWait(browser.driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li")
    )
    labels = [o.find_element(By.CSS_SELECTOR, ".cm-completionLabel").text for o in offered]
    assert labels == ["skos:"]  # the project's prefix
    assert browser.axe() == []  # the open list included
    editor.send_keys(Keys.ENTER)  # taken, and declared on top
    assert editor_text(browser).startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>")
    editor.send_keys(Keys.TAB)  # Tab is not caught: it moves on to the next field
    assert browser.js("return document.activeElement.id") == "format"


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
