"""The HTML pages for people, over real HTTP: every kind of page renders, every link of the
demo build resolves, fictional data says so, the masterplan page shows declared versus
published actions with the source of each figure (La Spezia: 45 and 44 declared, 0
published), labels switch between Italian and English, numbers are formatted per language."""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

from publisher.web.lod import display

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
PAGES = {
    # kind: (path, text only that kind of page shows)
    "masterplan": ("/id/demo-city/masterplan", "In cifre"),
    "action": ("/id/demo-city/action/a02", "Investimento previsto"),
    "role": ("/id/demo-city/role/lead--ordine-architetti--action--a02", "Organizzazione"),
    "phase": ("/id/demo-city/phase/2", "Fase precedente"),
    "source": ("/id/demo-city/source/schede-azioni", "Citata da"),
    "organisation": ("/id/demo-city/organisation/ordine-architetti", "Ruoli che ricopre"),
    "table": ("/id/demo-city/table/economia", "Sotto-tavoli"),
    "theme": ("/id/demo-city/theme/ambiente", "Azioni in questo tema"),
    "theme scheme": ("/id/demo-city/themes", "Concetti"),
    "concept": ("/vocab/action-status/in-progress", "Definizione"),
    "vocabulary scheme": ("/vocab/role", "Concetti"),
    "generic": ("/vocab", "Tutte le affermazioni"),
}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class Page(HTMLParser):
    """Just enough of a DOM: every element with its attributes and the text inside it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if self._open:
            self._open[-1].children.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [
            e for e in self.elements
            if (tag is None or e.tag == tag) and (cls is None or cls in e.classes())
            and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]  # fmt: skip

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        (found,) = self.find(tag, cls, **attrs)
        return found

    def hrefs(self) -> list[str]:
        return [e.attrs["href"] or "" for e in self.find("a") if "href" in e.attrs]


def browse(client, path: str, lang_header: str | None = None):
    """GET like a browser, following the 303 (one hop, as browsers do)."""
    headers = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
    if lang_header:
        headers["Accept-Language"] = lang_header
    reply = client("GET", path, headers=headers)
    if reply.status == 303:
        location = urlsplit(reply.headers["Location"])
        target = location.path + (f"?{location.query}" if location.query else "")
        reply = client("GET", target, headers=headers)
    return reply


# --- every kind of page ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(PAGES))
def test_each_kind_of_page_renders(demo_http, kind):
    path, marker = PAGES[kind]
    reply = browse(demo_http, path)
    assert reply.status == 200, (kind, reply.text[:300])
    page = Page(reply.text)
    assert page.one("html").attrs["lang"] == "it"
    title = page.one("h1").text
    assert title and page.one("title").text.startswith(title)
    assert marker in reply.text, kind
    # machine twins, linked from the page and announced in the head
    twins = {e.attrs["type"] for e in page.find("a") if e.attrs.get("type")}
    assert twins == {"text/turtle", "application/ld+json", "application/rdf+xml",
                     "application/n-triples"}  # fmt: skip
    assert len(page.find("link", rel="alternate")) == 5
    assert page.find("table", cls="statements")


@pytest.mark.parametrize(("client", "at_least"), [("demo_http", 150), ("la_http", 60)])
def test_every_link_of_a_build_resolves(request, client, at_least):
    """Crawl from the home page through every /id/ and /vocab/ link: no 404, no 500, and
    every demo-city page says its data is fictional."""
    demo_http = request.getfixturevalue(client)
    queue, seen, pages = deque(["/"]), {"/"}, 0
    while queue:
        path = queue.popleft()
        reply = browse(demo_http, path)
        assert reply.status == 200, f"{path}: {reply.status} {reply.text[:200]}"
        pages += 1
        page = Page(reply.text)
        if path.startswith(("/id/demo-city/", "/id/second-city/")):
            assert page.find(cls="fictional"), path
            assert "Dati fittizi / Fictional data" in reply.text
        for href in page.hrefs():
            target = href.split("#")[0]
            if target.startswith(("/id/", "/vocab", "/ontology")) and target not in seen:
                seen.add(target)
                queue.append(target)
    assert pages > at_least  # the whole build, not just the home page


def test_other_entry_points_linked_from_home_exist(demo_http):
    page = Page(browse(demo_http, "/").text)
    hrefs = page.hrefs()
    for path in ("/sparql", "/.well-known/void", "/catalog", "/ontology", "/vocab",
                 "/dumps/all.nq", "/dumps/demo-city.ttl"):  # fmt: skip
        assert path in hrefs, path
    for path in ("/sparql", "/ontology", "/dumps/demo-city.ttl", "/dumps/all.nq"):
        assert demo_http("GET", path).status == 200, path


def test_home_page_says_what_the_dataset_is(demo_http):
    reply = browse(demo_http, "/")
    page = Page(reply.text)
    assert "Catalogo dei masterplan smart city in Linked Open Data" in page.one("h1").text
    cities_list = page.one("div", cls="cities")
    assert len([e for e in cities_list.children if e.tag == "section"]) == 2  # not the union
    cities = cities_list.text
    assert "Masterplan Esempiopoli città intelligente (fittizio)" in cities
    assert "Immaginopoli" in cities
    assert "/id/demo-city/masterplan" in page.hrefs()
    assert reply.headers["Content-Language"] == "it"
    english = Page(browse(demo_http, "/?lang=en").text)
    assert "Catalogue of smart-city masterplans as Linked Open Data" in english.one("h1").text


# --- the masterplan page --------------------------------------------------------------------------
def declared(page: Page) -> list[str]:
    return [e.text for e in page.find("li", cls="declared-figure")]


def published(page: Page) -> str:
    return page.one("li", cls="published-figure").text


def test_masterplan_page_opens_with_declared_versus_published_actions(demo_http):
    page = Page(browse(demo_http, "/id/demo-city/masterplan").text)
    figures = declared(page)
    assert len(figures) == 2
    assert any(f.startswith("Azioni dichiarate 45") for f in figures)
    assert any(f.startswith("Azioni dichiarate 44") for f in figures)
    assert all("(fittizi" in f for f in figures)  # each with its source
    for card in page.find("li", cls="declared-figure"):  # and a link to the source's page
        links = [a.attrs["href"] for a in card.children if a.tag == "a"]
        assert links and links[0].startswith("/id/demo-city/source/"), card.text
    assert published(page).startswith("Azioni pubblicate in questi dati 45")
    assert "oltre 56.000.000 €" in page.one("li", cls="investment-figure").text
    # every figure in the table names its source, with a link to its page
    body = page.one("table", cls="figures").children[-1]
    rows = [r for r in body.children if r.tag == "tr"]
    assert len(rows) >= 7  # a figure of every kind
    for row in rows:
        source_cell = row.children[-1]
        assert any(a.attrs.get("href", "").startswith("/id/demo-city/source/")
                   for a in source_cell.children if a.tag == "a"), row.text  # fmt: skip
    assert "oltre 56.000.000 €" in page.one("table", cls="figures").text


def test_la_spezia_shows_45_and_44_with_their_sources_and_0_published(la_http):
    page = Page(browse(la_http, "/id/laspezia/masterplan").text)
    figures = declared(page)
    comune = [f for f in figures if f.startswith("Azioni dichiarate 45")]
    press = [f for f in figures if f.startswith("Azioni dichiarate 44")]
    assert len(comune) == 1 and len(press) == 2
    assert "pagina del progetto sul sito del Comune della Spezia" in comune[0]
    assert "Comune della Spezia" in comune[0]
    assert {"Primocanale" in f or "bizjournal" in f for f in press} == {True}
    assert published(page).startswith("Azioni pubblicate in questi dati 0")
    assert not page.find(cls="fictional")  # real data: no banner
    assert not page.find("figure", cls="chart")  # no action is published: no chart
    english = Page(browse(la_http, "/id/laspezia/masterplan?lang=en").text)
    assert published(english).startswith("Actions published in this data 0")
    assert sorted(f.split()[2] for f in declared(english)) == ["44", "44", "45"]


def test_home_page_opens_with_each_citys_key_figures(la_http, demo_http):
    page = Page(browse(la_http, "/").text)
    assert sorted(f.split()[2] for f in declared(page)) == ["44", "44", "45"]
    assert published(page).startswith("Azioni pubblicate in questi dati 0")
    counted = " ".join(e.text for e in page.find("li", cls="counted-figure"))
    assert "Organizzazioni coinvolte" in counted
    assert "/queries/masterplan-overview?city=laspezia" in page.hrefs()
    demo = Page(browse(demo_http, "/").text)
    assert len(demo.find("figure", cls="chart")) == 2  # actions per theme, for each city


def test_masterplan_page_shows_themes_tables_phases_roles_and_sources(la_http):
    reply = browse(la_http, "/id/laspezia/masterplan")
    page = Page(reply.text)
    text = " ".join(reply.text.split())
    themes = page.one("ul", cls="themes").text
    assert "2.1 Energia" in themes and "5 Innovazione e Tecnologie del mare" in themes
    tables = page.one("ul", cls="tables").text
    assert "Coordinamento: CIRCLE" in tables and "Team leader: DLTM" in tables
    ordered = page.one("ol", cls="phases").text
    assert ordered.index("Fase preparatoria") < ordered.index("Redazione e raccordo")
    assert "firmatario del protocollo" in text and "INGV" in text
    sources = page.one("ul", cls="sources").text
    assert "Primocanale" in sources and "bizjournal" in sources
    assert "http://www.comune.laspezia.it/ilcomune/Smart/Presentazione_Masterplan.html" in (
        page.hrefs()
    )


# --- languages ------------------------------------------------------------------------------------
def test_language_switch_and_fallback(demo_http, la_http):
    it = Page(browse(demo_http, "/id/demo-city/action/a02").text)
    en = Page(browse(demo_http, "/id/demo-city/action/a02?lang=en").text)
    header = Page(browse(demo_http, "/id/demo-city/action/a02", lang_header="en").text)
    italian = "Progetto pilota partecipativo per l'accoglienza turistica (fittizia)"
    assert it.one("h1").text == italian
    assert en.one("h1").text == "Participatory pilot project for tourist information (fictional)"
    assert header.one("h1").text == en.one("h1").text
    assert en.one("html").attrs["lang"] == "en"
    switch = en.one("a", hreflang="it").attrs["href"]
    assert switch.endswith("?lang=it")
    assert Page(browse(demo_http, switch).text).one("h1").text == it.one("h1").text
    # links keep the chosen language
    assert "/id/demo-city/masterplan?lang=en" in en.hrefs()
    # CNR has an Italian name only: the English page falls back to it, marked as Italian
    cnr = Page(browse(la_http, "/id/laspezia/organisation/cnr?lang=en").text)
    assert cnr.one("h1").text == "CNR"
    assert cnr.find("span", lang="it")


def test_money_is_formatted_per_language(demo_http):
    it = Page(browse(demo_http, "/id/demo-city/action/a02").text)
    en = Page(browse(demo_http, "/id/demo-city/action/a02?lang=en").text)
    assert it.one("dd", cls="investment").text == "640.500,34 €"
    assert en.one("dd", cls="investment").text == "€640,500.34"
    ranged = Page(browse(demo_http, "/id/demo-city/action/a14?lang=en").text)
    assert ranged.one("dd", cls="investment").text == "€550,000 to €1,080,000"
    bound = Page(browse(demo_http, "/id/demo-city/action/a01").text)
    assert bound.one("dd", cls="investment").text == "oltre 5.500.000 €"


# --- what each page shows -------------------------------------------------------------------------
def test_action_page_shows_all_fields_and_roles(demo_http):
    reply = browse(demo_http, "/id/demo-city/action/a03?lang=en")
    text = " ".join(Page(reply.text).one("main").text.split())
    for expected in ("A.03", "Economy and tourism", "short term", "characterising", "public",
                     "in progress", "€789,000", "9 August 2016 – 9 August 2017", "lead",
                     "partner", "funder"):  # fmt: skip
        assert expected in text, expected


def test_theme_page_shows_matches_and_actions(demo_http):
    page = Page(browse(demo_http, "/id/demo-city/theme/ambiente").text)
    hrefs = page.hrefs()
    assert any(h.startswith("http://publications.europa.eu/resource/authority/data-theme/")
               for h in hrefs)  # fmt: skip
    assert any(h.startswith("/vocab/osservatorio-theme/") for h in hrefs)
    assert any(h.startswith("http://eurovoc.europa.eu/") for h in hrefs)
    assert page.find("ul", cls="actions")


def test_organisation_page_lists_roles_with_links(demo_http):
    page = Page(browse(demo_http, "/id/demo-city/organisation/ordine-architetti").text)
    roles = page.one("ul", cls="roles")
    assert "capofila" in roles.text
    assert "/id/demo-city/action/a02" in page.hrefs()
    assert "/id/demo-city/role/lead--ordine-architetti--action--a02" in page.hrefs()


def test_source_page_links_its_url_and_what_cites_it(demo_http):
    page = Page(browse(demo_http, "/id/demo-city/source/schede-azioni").text)
    assert "https://example.org/demo-city/documenti/schede-azioni.pdf" in page.hrefs()
    assert "/id/demo-city/action/a02" in page.hrefs()


def test_source_page_shows_figures_that_cite_it(la_http):
    page = Page(browse(la_http, "/id/laspezia/source/primocanale-162570").text)
    cited = page.one("ul", cls="cited-by").text
    assert "LA SPEZIA 20.20" in cited  # the masterplan, through its declared figures
    assert "numero di azioni: 44" in cited and "numero di partecipanti: circa 200" in cited


def test_pages_link_types_to_the_ontology_documentation(demo_http):
    page = Page(browse(demo_http, "/id/demo-city/masterplan").text)
    assert "/ontology#Masterplan" in page.hrefs()


# --- formatting helpers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [("1080000", "it", "1.080.000\xa0€"), ("1080000", "en", "€1,080,000"),
     ("640500.34", "it", "640.500,34\xa0€"), ("0.5", "en", "€0.50"), ("124000000.0", "it",
     "124.000.000\xa0€")],
)  # fmt: skip
def test_euro(value, lang, expected):
    assert display.euro(Decimal(value), lang) == expected


def test_dates_and_label_fallback():
    day = ox.Literal("2015-11-03", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    assert display.date(day, "it") == "3 novembre 2015"
    assert display.date(day, "en") == "3 November 2015"
    labels = [ox.Literal("solo italiano", language="it"), ox.Literal("plain")]
    assert display.pick(labels, "en").value == "solo italiano"
    assert display.pick([ox.Literal("plain")], "en").value == "plain"
    assert display.number(Decimal("45.0"), "it") == "45"
    assert display.number(Decimal("12.50"), "it") == "12,5"


# --- the site's own pages -------------------------------------------------------------------------
def test_search_finds_names_in_both_languages_across_cities(demo_http):
    page = Page(browse(demo_http, "/search?q=MOBILIT").text)
    found = page.one("ul", cls="search-results").text
    assert "Mobilità e trasporti" in found and "città: demo-city" in found
    assert "città: second-city" in found  # every city
    english = demo_http("GET", "/search?q=mobility&format=json").json()
    assert english["results"] and all("mobility" in r["label"].lower() for r in english["results"])
    first = english["results"][0]
    assert demo_http("GET", first["url"]).status == 303  # a link to the thing itself


@pytest.mark.parametrize("words", ['" } UNION { ?s ?p ?o } #', "a'b\\c", "<x> )) ;", "%00%0A"])
def test_search_words_are_a_literal_never_query_text(demo_http, words):
    from urllib.parse import quote

    reply = demo_http("GET", "/search?format=json&q=" + quote(words))
    assert reply.status == 200 and reply.json()["results"] == []


def test_search_refuses_escapes_and_says_when_words_are_too_short(demo_http):
    from urllib.parse import quote

    refused = demo_http("GET", "/search?format=json&q=" + quote("\\u0022x"))
    assert refused.status == 400 and "\\u" in refused.text
    short = Page(browse(demo_http, "/search?q=a").text)
    assert "almeno 2 caratteri" in short.one("main").text


def test_errors_are_pages_for_browsers_and_text_for_machines(la_http):
    page = browse(la_http, "/id/laspezia/nope", lang_header="en")
    assert page.status == 404 and page.media_type == "text/html"
    html = Page(page.text)
    assert html.one("html").attrs["lang"] == "en" and "Page not found" in html.one("h1").text
    assert html.find("nav", cls="site-nav") and html.find("form", role="search")
    italian = Page(browse(la_http, "/id/laspezia/nope?lang=it").text)
    assert "Pagina non trovata" in italian.one("h1").text
    assert la_http("GET", "/id/laspezia/nope").media_type == "text/plain"  # curl's */*


def test_footer_links_default_to_the_sites_own_pages(la_http):
    page = Page(browse(la_http, "/?lang=en").text)
    hrefs = page.hrefs()
    for path in ("/legal?lang=en", "/privacy?lang=en", "/accessibility?lang=en"):
        assert path in hrefs, path
    statement = Page(browse(la_http, "/accessibility").text)
    assert "axe-core" in statement.one("main").text  # says which checks are run
    assert "LA SPEZIA 20.20 Linked Open Data project" in page.one("header").text


def test_static_files_are_fingerprinted_and_kept_for_a_year(la_http):
    page = Page(browse(la_http, "/").text)
    sheets = [e.attrs["href"] or "" for e in page.find("link", rel="stylesheet")]
    css = next(href for href in sheets if "site.css" in href)
    fresh = la_http("GET", css)
    assert fresh.status == 200 and "immutable" in fresh.headers["Cache-Control"]
    assert fresh.headers["ETag"] and fresh.headers["Last-Modified"]
    stale = la_http("GET", css.split("?")[0] + "?v=old")
    assert "immutable" not in stale.headers["Cache-Control"]
    again = la_http("GET", css, headers={"If-None-Match": fresh.headers["ETag"]})
    assert again.status == 304
    assert la_http("GET", "/static/../defaults.yaml").status == 404
    assert la_http("GET", "/favicon.ico").status == 301
