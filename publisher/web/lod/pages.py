"""From a :class:`Description` to what an HTML template shows: plain view objects.

Templates get strings and :class:`Link` objects only, never RDF terms, so they stay simple
and every decision (which label, which language, which link) is made and tested here. The
facts specific to each kind of page are built in ``publisher.web.lod.kinds``.

Links between pages are local paths (``/id/...``, ``/vocab/...``, ``/ontology#Term``), so
browsing works on whatever host the server runs; when the reader chose the language with
``?lang=`` the links keep it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDF

from publisher.iris import Iris
from publisher.namespaces import SCHEMA, SMP, curie
from publisher.web.http.links import SAFE
from publisher.web.lod import display
from publisher.web.lod.describe import Description, Term
from publisher.web.lod.display import Text
from publisher.web.texts import LOD, PROPERTY_NAMES

MAX_NESTING = 4
# Paths under the base that are not things but that this server (or publisher.web.about)
# answers for.
SERVED_PATHS = ("ontology", "catalog", "sparql", ".well-known/void", "context.jsonld")
SERVED_PREFIXES = ("dumps/",)


@dataclass(frozen=True)
class Link:
    """Something to show, and where it leads (None: plain text)."""

    text: str
    href: str | None = None
    lang: str | None = None
    external: bool = False


@dataclass
class Cell:
    """One value in a property table: a link, a literal, or a nested blank node."""

    link: Link | None = None
    text: Text | None = None
    rows: list[Row] = field(default_factory=list)


@dataclass
class Row:
    prop: Link
    cells: list[Cell]


@dataclass(frozen=True)
class SourceRef:
    """A source document as pages cite it."""

    link: Link
    url: str | None
    publisher: str | None
    kind: str | None
    issued: str | None


class PageBuilder:
    """Reads one description in one language; shared by all kinds of page."""

    def __init__(
        self,
        description: Description,
        lang: str,
        iris: Iris,
        term_labels: dict[str, dict[str, str]],
        root: str = "",
        keep_lang: bool = False,
    ) -> None:
        self.d = description
        self.lang = lang
        self.t = LOD[lang]
        self.iris = iris
        self.term_labels = term_labels
        self.root = root
        self.keep_lang = keep_lang
        self.thing = description.thing

    # --- terms -----------------------------------------------------------------------
    def literal(self, node: Term | None, *predicates: str) -> Text | None:
        """The best literal of ``node`` over ``predicates`` in the page language."""
        if node is None:
            return None
        literals = [
            o for p in predicates for o in self.d.objects(node, p) if isinstance(o, ox.Literal)
        ]
        return display.text(display.pick(literals, self.lang))

    def name(self, node: Term) -> Text:
        """A readable name for any node; never empty."""
        if isinstance(node, ox.Literal):
            return Text(display.literal_text(node, self.lang), node.language or None)
        for predicate in display.NAME_PREDICATES:
            found = self.literal(node, predicate)
            if found is not None:
                return found
        if isinstance(node, ox.NamedNode):
            labels = self.term_labels.get(node.value)
            if labels:
                return Text(labels.get(self.lang) or next(iter(labels.values())))
            return Text(curie(node.value))
        return Text("—")

    def href(self, iri: str) -> tuple[str | None, bool]:
        """(URL, external?) of an IRI: a local path for what this server answers for, the
        IRI itself for other publishers' resources, None (no link) for IRIs in our
        namespaces that this server has nothing about (version IRIs, for instance): a page
        never links to a 404 of its own server."""
        path = self.iris.local_path(iri)
        if path is None:
            return iri, True
        path, hash_, fragment = path.partition("#")
        known = (
            (
                self.iris.thing_for_path(path) is not None
                and (iri == self.thing.value or bool(self.d.properties(ox.NamedNode(iri))))
            )
            or path in SERVED_PATHS
            or path.startswith(SERVED_PREFIXES)
        )
        if not known:
            return None, False
        url = f"{self.root}/{quote(path, safe=SAFE)}"
        if self.keep_lang and not path.startswith(SERVED_PREFIXES):
            url += f"?lang={self.lang}"
        return url + hash_ + fragment, False

    def link(self, node: Term | None) -> Link | None:
        if node is None:
            return None
        label = self.name(node)
        if isinstance(node, ox.NamedNode):
            url, external = self.href(node.value)
            return Link(label.value, url, label.lang, external)
        return Link(label.value, None, label.lang)

    def links(self, node: Term, predicate: str) -> list[Link]:
        found = [self.link(o) for o in self.d.objects(node, predicate)]
        return sorted((f for f in found if f is not None), key=lambda x: x.text.lower())

    def first_link(self, node: Term | None, predicate: str) -> Link | None:
        return self.link(self.d.first(node, predicate)) if node is not None else None

    def date(self, node: Term | None, predicate: str) -> str | None:
        value = self.d.first(node, predicate) if node is not None else None
        return display.date(value, self.lang) if isinstance(value, ox.Literal) else None

    def key(self, node: Term | None) -> str:
        """The last path segment of an IRI (a vocabulary concept's key)."""
        return node.value.rsplit("/", 1)[-1] if isinstance(node, ox.NamedNode) else ""

    def prop(self, predicate: str) -> Link:
        labels = self.term_labels.get(predicate, {})
        names = PROPERTY_NAMES.get(predicate)
        text = labels.get(self.lang) or (names[0 if self.lang == "it" else 1] if names else None)
        url, external = self.href(predicate)
        return Link(text or curie(predicate), url, None, external)

    # --- whole-page parts ----------------------------------------------------------------
    def rows(self, subject: Term, depth: int = 0) -> list[Row]:
        """Every statement about ``subject`` (blank nodes nested), rdf:type first."""
        rows = []
        for predicate, objects in self.d.properties(subject).items():
            cells = [self.cell(o, depth) for o in objects]
            cells.sort(key=lambda c: (c.link.text if c.link else str(c.text or "")).lower())
            rows.append(Row(self.prop(predicate), cells))
        rows.sort(key=lambda r: (r.prop.text != self.prop(str(RDF.type)).text, r.prop.text))
        return rows

    def cell(self, node: Term, depth: int) -> Cell:
        if isinstance(node, ox.Literal):
            return Cell(text=self.name(node))
        if isinstance(node, ox.BlankNode):
            nested = self.rows(node, depth + 1) if depth < MAX_NESTING else []
            return Cell(rows=nested)
        return Cell(link=self.link(node))

    def incoming(self) -> list[tuple[Link, Link]]:
        """(resource, property) of every statement pointing here; a blank node is shown
        through the resource it hangs off."""
        found = []
        for subject, predicate in self.d.incoming(self.thing):
            if isinstance(subject, ox.BlankNode):
                kind = self.d.first(subject, str(SMP.figureKind))
                detail = f" ({self.name(kind).value}: {self.figure_value(subject)})" if kind else ""
                for owner, via in self.d.incoming(subject):
                    if isinstance(owner, ox.NamedNode):
                        text = f"{self.prop(via).text}{detail} → {self.prop(predicate).text}"
                        found.append((self.link(owner), Link(text)))
            else:
                found.append((self.link(subject), self.prop(predicate)))
        return sorted(
            {(s, p) for s, p in found if s is not None}, key=lambda sp: (sp[1].text, sp[0].text)
        )

    def types(self) -> list[Link]:
        return self.links(self.thing, str(RDF.type))

    def fictional(self) -> bool:
        flags = self.d.objects(self.thing, str(SMP.fictional))
        return any(isinstance(f, ox.Literal) and f.value in ("true", "1") for f in flags)

    def closure(self, node: Term | None = None) -> list[Term]:
        """``node`` and the blank nodes hanging off it (breadth first)."""
        start = node if node is not None else self.thing
        seen, queue = [start], [start]
        while queue:
            for objects in self.d.properties(queue.pop(0)).values():
                for o in objects:
                    if isinstance(o, ox.BlankNode) and o not in seen:
                        seen.append(o)
                        queue.append(o)
        return seen

    def sources(self) -> list[SourceRef]:
        """The source documents of this resource's facts, its blank nodes' included."""
        found: list[Term] = []
        for node in self.closure():
            for source in self.d.objects(node, str(DCTERMS.source)):
                if source not in found:
                    found.append(source)
        refs = [self.source_ref(s) for s in found]
        return sorted(refs, key=lambda r: r.link.text.lower())

    def source_ref(self, source: Term) -> SourceRef:
        link = self.link(source) or Link("—")
        url = self.d.first(source, str(SCHEMA.url)) or self.d.first(source, str(FOAF.page))
        publisher = self.d.first(source, str(DCTERMS.publisher))
        kind = self.d.first(source, str(SMP.sourceType))
        return SourceRef(
            link,
            url.value if isinstance(url, ox.NamedNode) else None,
            self.name(publisher).value if publisher is not None else None,
            self.name(kind).value if kind is not None else None,
            self.date(source, str(DCTERMS.issued)),
        )

    def figure_value(self, node: Term) -> str:
        """A declared figure's value as its kind reads: euro, a share in %, or a count."""
        key = self.key(self.d.first(node, str(SMP.figureKind)))
        return self.amount(
            node, money=key == "total-investment", share=key == "short-term-actions-share"
        )

    def amount(self, node: Term, money: bool = False, share: bool = False) -> str:
        """A value, range or bound with its precision: "oltre 124.000.000 €"."""

        def show(literal: Term | None) -> str | None:
            value = display.decimal(literal) if isinstance(literal, ox.Literal) else None
            if value is None:
                return None
            if money:
                return display.euro(value, self.lang)
            return display.percent(value, self.lang) if share else display.number(value, self.lang)

        money = money or self.d.first(node, str(SCHEMA.currency)) is not None
        exact = show(self.d.first(node, str(SCHEMA.value)))
        low = show(self.d.first(node, str(SCHEMA.minValue)))
        high = show(self.d.first(node, str(SCHEMA.maxValue)))
        precision = self.key(self.d.first(node, str(SMP.precision)))
        qualifier = self.t.get(precision) if precision != "exact" else None
        if exact is not None:
            return f"{qualifier} {exact}" if qualifier else exact
        if low is not None and high is not None:
            return self.t["range"].format(min=low, max=high)
        if low is not None:
            return f"{qualifier or self.t['at-least']} {low}"
        return high or "—"
