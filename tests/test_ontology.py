"""The ontology, its alignments and its vocabularies: well-formed, documented, and in step with
docs/model.md (the contract), so that a change on one side without the other fails here."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdflib_ns
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from publisher import ontodoc
from publisher.namespaces import (
    COV,
    EU_THEME,
    L0,
    M8G,
    ONTOLOGY_IRI,
    ORG,
    PREFIXES,
    PRJ,
    RO,
    SCHEMA,
    SMP,
    VOCAB,
)

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
MODEL_MD = ROOT / "docs" / "model.md"
FILES = {
    "smp": ONTOLOGY_DIR / "smp.ttl",
    "alignments": ONTOLOGY_DIR / "alignments.ttl",
    "vocabularies": ONTOLOGY_DIR / "vocabularies.ttl",
}
ONTOLOGY = URIRef(ONTOLOGY_IRI)
ALIGNMENTS = URIRef(ONTOLOGY_IRI + "/alignments")
VOCABULARIES = URIRef(str(VOCAB).rstrip("/"))
HEADERS = {"smp": ONTOLOGY, "alignments": ALIGNMENTS, "vocabularies": VOCABULARIES}
LANGUAGES = ("it", "en")
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
MAPPING_PREDICATES = (
    SKOS.closeMatch,
    SKOS.exactMatch,
    SKOS.relatedMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
)
# The smp class of each scheme's concepts; source-type and osservatorio-theme have none.
SCHEME_CLASS = {
    "timeframe": SMP.Timeframe,
    "ict-role": SMP.IctRole,
    "role": SMP.Role,
    "funding-type": SMP.FundingType,
    "action-status": SMP.ActionStatus,
    "figure-kind": SMP.FigureKind,
    "precision": SMP.Precision,
}
OSSERVATORIO_EU_THEMES = {
    "governance": "GOVE",
    "environment": "ENVI",
    "economy": "ECON",
    "people": "SOCI",
    "living": "SOCI",
    "mobility": "TRAN",
    "planning": "REGI",
    "energy": "ENER",
}
OSSERVATORIO_SOURCES = {
    VOCAB["source/edilportale-2015-05"]: URIRef(
        "https://www.edilportale.com/news/2015/05/risparmio-energetico/"
        "smart-cities-finora-investiti-4-5-miliardi-di-euro-in-1227-progetti_45604_27.html"
    ),
    VOCAB["source/lifegate-italian-smart-cities"]: URIRef(
        "https://www.lifegate.it/persone/stile-di-vita/le-citta-intelligenti-italiane-in-una-mappa"
    ),
}


# --------------------------------------------------------------------------- helpers


def _parse(path: Path) -> Graph:
    return Graph(bind_namespaces="core").parse(path, format="turtle")


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    return {name: _parse(path) for name, path in FILES.items()}


@pytest.fixture(scope="module")
def smp(graphs) -> Graph:
    return graphs["smp"]


@pytest.fixture(scope="module")
def vocab(graphs) -> Graph:
    return graphs["vocabularies"]


@pytest.fixture(scope="module")
def alignments(graphs) -> Graph:
    return graphs["alignments"]


def _in_smp(node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(SMP))


def _in_vocab(node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(VOCAB))


def _local(term: URIRef) -> str:
    return str(term)[len(str(SMP)) :]


def _defined_terms(g: Graph) -> set[URIRef]:
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if _in_smp(s)}


def _by_language(g: Graph, subject, predicate) -> dict[str, list[Literal]]:
    found: dict[str, list[Literal]] = {}
    for o in g.objects(subject, predicate):
        assert isinstance(o, Literal), f"{subject} {predicate}: {o!r} is not a literal"
        found.setdefault(o.language or "", []).append(o)
    return found


def _assert_one_per_language(g: Graph, subject, predicate) -> None:
    found = _by_language(g, subject, predicate)
    for lang in LANGUAGES:
        assert len(found.get(lang, [])) == 1, f"{subject}: need exactly one {predicate}@{lang}"
    assert set(found) <= set(LANGUAGES), f"{subject} {predicate}: languages {sorted(found)}"


def _expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    return URIRef(PREFIXES[prefix][local])


def _union(g: Graph, node) -> set:
    """The members of an owl:unionOf class expression, or the node itself."""
    members = g.value(node, OWL.unionOf) if isinstance(node, BNode) else None
    return set(Collection(g, members)) if members is not None else {node}


def _side(text: str) -> set[URIRef] | None:
    """One side of a model.md 'domain → range' cell, or None when it is prose."""
    names = [n.strip().strip("`") for n in text.split(" or ")]
    out = set()
    for name in names:
        if re.fullmatch(r"[A-Z][A-Za-z]*", name):
            out.add(SMP[name])
        elif re.fullmatch(r"[A-Za-z0-9]+:[A-Za-z][A-Za-z0-9]*", name) and name.split(":")[0] in (
            PREFIXES
        ):
            out.add(_expand(name))
        else:
            return None
    return out


# --------------------------------------------------------------------------- model.md


def _model_text() -> str:
    return MODEL_MD.read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i : text.index(end, i)]


def _table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append(cells)
    return rows[1:]  # drop the header row


def model_terms() -> set[str]:
    """Every smp: name written in a code span anywhere in docs/model.md."""
    names = set()
    for span in re.findall(r"`([^`]+)`", _model_text()):
        names.update(re.findall(r"\bsmp:([A-Za-z][A-Za-z0-9]*)", span))
    return names


def model_classes() -> dict[str, set[URIRef]]:
    rows = _table_rows(_section(_model_text(), "Classes:", "Object properties:"))
    out = {}
    for cells in rows:
        name = re.fullmatch(r"`smp:(\w+)`", cells[0]).group(1)
        out[name] = {_expand(c) for c in re.findall(r"`([\w]+:[\w]+)`", cells[1])}
    return out


def model_object_properties() -> dict[str, tuple[set | None, set | None]]:
    rows = _table_rows(_section(_model_text(), "Object properties:", "Datatype properties:"))
    out = {}
    for cells in rows:
        name = re.fullmatch(r"`smp:(\w+)`", cells[0]).group(1)
        domain_text, _, range_text = cells[1].partition("→")
        out[name] = (_side(domain_text.strip()), _side(range_text.strip()))
    return out


def model_datatype_properties() -> dict[str, tuple[set | None, URIRef | None]]:
    section = _section(_model_text(), "Datatype properties:", "Vocabularies (")
    out = {}
    for name, inside in re.findall(r"`smp:(\w+)` \(([^)]*)\)", section, flags=re.S):
        first = inside.split(",")[0].strip()
        domain = {SMP[first]} if re.fullmatch(r"[A-Z][A-Za-z]*", first) else None
        xsd = re.search(r"xsd:(\w+)", inside)
        out[name] = (domain, rdflib_ns.XSD[xsd.group(1)] if xsd else None)
    return out


def model_vocabularies() -> dict[str, tuple[URIRef | None, list[str]]]:
    section = _section(_model_text(), "| scheme | concepts |", "## The RDF")
    out = {}
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            break
        scheme_cell, concepts_cell = (c.strip() for c in line.strip().strip("|").split("|"))
        scheme = re.search(r"`vocab:([a-z-]+)`", scheme_cell).group(1)
        cls = re.search(r"\(smp:(\w+)", scheme_cell)
        keys = re.findall(r"`([a-z0-9-]+)`", concepts_cell)
        out[scheme] = (SMP[cls.group(1)] if cls else None, keys)
    return out


def test_model_md_parses():
    """Guard the parsers below: if model.md changes shape, say so instead of passing vacuously."""
    assert len(model_classes()) >= 16
    assert len(model_object_properties()) >= 16
    assert len(model_datatype_properties()) >= 4
    assert len(model_vocabularies()) >= 9
    assert {"Masterplan", "Action", "presentedOn", "sourceType"} <= model_terms()


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("name", sorted(FILES))
def test_parses_with_rdflib_and_pyoxigraph(name):
    path = FILES[name]
    g = _parse(path)
    assert len(g) > 50
    triples = list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) == len(g), "rdflib and pyoxigraph read a different number of triples"


@pytest.mark.parametrize("name", sorted(FILES))
def test_no_imports_and_one_schema_namespace(graphs, name):
    g = graphs[name]
    assert not list(g.triples((None, OWL.imports, None))), "owl:imports would fetch at run time"
    https_schema = [n for n in g.all_nodes() if str(n).startswith("https://schema.org/")]
    assert not https_schema, f"schema.org is http://schema.org/ in this project: {https_schema}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_only_italian_and_english(graphs, name):
    langs = {o.language for o in graphs[name].objects() if isinstance(o, Literal) and o.language}
    assert langs == set(LANGUAGES)


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_header(graphs, name):
    g, iri = graphs[name], HEADERS[name]
    assert (iri, RDF.type, OWL.Ontology) in g
    info = g.value(iri, OWL.versionInfo)
    assert info is not None and re.fullmatch(r"\d+\.\d+\.\d+", str(info))
    assert g.value(iri, OWL.versionIRI) == URIRef(f"{iri}/{info}")
    assert g.value(iri, DCTERMS.license) == CC_BY_4
    creator = g.value(iri, DCTERMS.creator)
    assert creator is not None
    assert str(g.value(creator, FOAF.name)) == "LA SPEZIA 20.20 Linked Open Data project"
    issued, modified = g.value(iri, DCTERMS.issued), g.value(iri, DCTERMS.modified)
    assert issued.datatype == rdflib_ns.XSD.date and modified.datatype == rdflib_ns.XSD.date
    assert modified.toPython() >= issued.toPython()
    for predicate in (RDFS.label, DCTERMS.title, DCTERMS.description):
        _assert_one_per_language(g, iri, predicate)
    assert len(list(g.subjects(RDF.type, OWL.Ontology))) == 1


def test_headers_share_one_release(graphs):
    versions = {str(graphs[n].value(iri, OWL.versionInfo)) for n, iri in HEADERS.items()}
    assert len(versions) == 1


@pytest.mark.parametrize(("name", "prefix"), [("smp", "smp"), ("vocabularies", "vocab")])
def test_preferred_namespace(graphs, name, prefix):
    g, iri = graphs[name], HEADERS[name]
    assert str(g.value(iri, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"))) == (
        prefix
    )
    uri = g.value(iri, URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"))
    assert str(uri) == str(PREFIXES[prefix])


# --------------------------------------------------------------------------- terms


def test_every_term_is_documented(smp):
    terms = _defined_terms(smp)
    assert terms
    for term in terms:
        _assert_one_per_language(smp, term, RDFS.label)
        _assert_one_per_language(smp, term, SKOS.definition)
        assert smp.value(term, RDFS.isDefinedBy) == ONTOLOGY, term
        comments = _by_language(smp, term, RDFS.comment)
        definitions = _by_language(smp, term, SKOS.definition)
        for lang, texts in comments.items():
            assert texts == definitions[lang], f"{term}: rdfs:comment@{lang} != definition"


def test_every_smp_iri_used_is_defined(graphs, smp):
    defined = _defined_terms(smp)
    for name, g in graphs.items():
        used = {n for n in g.all_nodes() if _in_smp(n)}
        assert used <= defined, f"{name} uses undefined terms: {sorted(used - defined)}"


def test_model_terms_exist_in_ontology(smp):
    defined = {_local(t) for t in _defined_terms(smp)}
    missing = model_terms() - defined
    assert not missing, f"named in docs/model.md but not defined in smp.ttl: {sorted(missing)}"


def test_ontology_terms_are_in_the_model(smp):
    defined = {_local(t) for t in _defined_terms(smp)}
    extra = defined - model_terms()
    assert not extra, f"defined in smp.ttl but not in docs/model.md: {sorted(extra)}"


def test_classes_match_model(smp):
    for name, parents in model_classes().items():
        term = SMP[name]
        assert (term, RDF.type, OWL.Class) in smp, name
        assert set(smp.objects(term, RDFS.subClassOf)) == parents, name


def test_object_properties_match_model(smp):
    for name, (domain, range_) in model_object_properties().items():
        term = SMP[name]
        assert (term, RDF.type, OWL.ObjectProperty) in smp, name
        if domain is not None:
            declared = {m for d in smp.objects(term, RDFS.domain) for m in _union(smp, d)}
            assert declared == domain, name
        if range_ is not None:
            assert set(smp.objects(term, RDFS.range)) == range_, name


def test_datatype_properties_match_model(smp):
    for name, (domain, range_) in model_datatype_properties().items():
        term = SMP[name]
        assert (term, RDF.type, OWL.DatatypeProperty) in smp, name
        if domain is not None:
            assert set(smp.objects(term, RDFS.domain)) == domain, name
        if range_ is not None:
            assert smp.value(term, RDFS.range) == range_, name


def test_closematch_subproperties(smp):
    for name in ("osservatorioTheme", "euDataTheme"):
        assert (SMP[name], RDFS.subPropertyOf, SKOS.closeMatch) in smp


# --------------------------------------------------------------------------- vocabularies


def test_schemes_are_the_models(vocab):
    declared = {s for s in vocab.subjects(RDF.type, SKOS.ConceptScheme)}
    assert declared == {VOCAB[scheme] for scheme in model_vocabularies()}


@pytest.mark.parametrize("scheme", sorted(model_vocabularies()))
def test_scheme_has_exactly_the_model_keys(vocab, scheme):
    model_class, keys = model_vocabularies()[scheme]
    iri = VOCAB[scheme]
    concepts = set(vocab.subjects(SKOS.inScheme, iri))
    assert concepts == {VOCAB[f"{scheme}/{key}"] for key in keys}
    assert set(vocab.objects(iri, SKOS.hasTopConcept)) == concepts
    assert set(vocab.subjects(SKOS.topConceptOf, iri)) == concepts
    if model_class is not None:
        assert SCHEME_CLASS[scheme] == model_class
    for key in keys:
        concept = VOCAB[f"{scheme}/{key}"]
        assert (concept, RDF.type, SKOS.Concept) in vocab
        assert str(vocab.value(concept, SKOS.notation)) == key
        if scheme in SCHEME_CLASS:
            assert (concept, RDF.type, SCHEME_CLASS[scheme]) in vocab, concept
        if scheme == "role":
            assert (concept, RDF.type, ORG.Role) in vocab
            assert (concept, RDF.type, RO.Role) in vocab


def test_concepts_and_schemes_are_documented(vocab):
    subjects = set(vocab.subjects(RDF.type, SKOS.Concept)) | set(
        vocab.subjects(RDF.type, SKOS.ConceptScheme)
    )
    assert all(_in_vocab(s) for s in subjects)
    for s in subjects:
        for predicate in (RDFS.label, SKOS.prefLabel, SKOS.definition):
            _assert_one_per_language(vocab, s, predicate)
        for lang in LANGUAGES:
            assert (
                _by_language(vocab, s, RDFS.label)[lang]
                == (_by_language(vocab, s, SKOS.prefLabel)[lang])
            )
        assert vocab.value(s, RDFS.isDefinedBy) == VOCABULARIES, s
        pref = set(vocab.objects(s, SKOS.prefLabel))
        assert not pref & set(vocab.objects(s, SKOS.altLabel)), f"{s}: prefLabel = altLabel"
    for scheme in vocab.subjects(RDF.type, SKOS.ConceptScheme):
        _assert_one_per_language(vocab, scheme, DCTERMS.title)


def test_every_vocab_iri_used_is_defined(graphs, vocab):
    defined = {s for s in vocab.subjects(RDF.type, None) if _in_vocab(s)}
    version_iri = vocab.value(VOCABULARIES, OWL.versionIRI)
    for name, g in graphs.items():
        used = {n for n in g.all_nodes() if _in_vocab(n)} - {version_iri}
        assert used <= defined, f"{name} uses undefined vocabulary IRIs: {sorted(used - defined)}"


def test_timeframe_bounds_are_not_invented(vocab):
    short = {o.language: str(o) for o in vocab.objects(VOCAB["timeframe/short"], SKOS.definition)}
    assert "2 anni" in short["it"] and "2 years" in short["en"]
    for key in ("medium", "long"):
        for text in vocab.objects(VOCAB[f"timeframe/{key}"], SKOS.definition):
            assert not re.search(r"\d", text), f"timeframe/{key} states a bound: {text}"


def test_osservatorio_themes_match_eu_themes(vocab):
    for key, code in OSSERVATORIO_EU_THEMES.items():
        concept = VOCAB[f"osservatorio-theme/{key}"]
        assert set(vocab.objects(concept, SKOS.closeMatch)) == {EU_THEME[code]}, key
        assert set(vocab.objects(concept, SMP.euDataTheme)) == {EU_THEME[code]}, key
    governance = VOCAB["osservatorio-theme/governance"]
    assert Literal("Government (Governance)", lang="en") in set(
        vocab.objects(governance, SKOS.altLabel)
    )


def test_osservatorio_sources(vocab):
    scheme = VOCAB["osservatorio-theme"]
    assert set(OSSERVATORIO_SOURCES) <= set(vocab.objects(scheme, DCTERMS.source))
    for source, url in OSSERVATORIO_SOURCES.items():
        assert vocab.value(source, FOAF.page) == url


def test_sources_are_complete(vocab):
    sources = set(vocab.subjects(RDF.type, SMP.SourceDocument))
    assert set(OSSERVATORIO_SOURCES) <= sources
    cited = {o for o in vocab.objects(None, DCTERMS.source)}
    assert cited <= sources, "every dct:source in the vocabularies is a described document"
    source_types = set(vocab.subjects(SKOS.inScheme, VOCAB["source-type"]))
    for source in sources:
        assert str(source).startswith(str(VOCAB["source/"]))
        _assert_one_per_language(vocab, source, RDFS.label)
        assert vocab.value(source, DCTERMS.title) is not None, source
        page = vocab.value(source, FOAF.page)
        assert isinstance(page, URIRef) and page == vocab.value(source, SCHEMA.url), source
        assert vocab.value(source, SMP.sourceType) in source_types, source
        for cls in (FOAF.Document, URIRef("http://www.w3.org/ns/prov#Entity")):
            assert (source, RDF.type, cls) in vocab, source


# --------------------------------------------------------------------------- alignments


def _mappings(g: Graph) -> set[tuple]:
    return {
        (s, p, o)
        for p in MAPPING_PREDICATES
        for s, o in g.subject_objects(p)
        if isinstance(s, URIRef) and isinstance(o, URIRef)
    }


def test_alignments_only_map(alignments):
    for term in {n for n in alignments.all_nodes() if _in_smp(n)}:
        for predicate in (RDF.type, RDFS.label, SKOS.definition, RDFS.domain, RDFS.range):
            assert alignments.value(term, predicate) is None, f"{term} is redefined"
    assert not list(alignments.triples((None, OWL.equivalentClass, None)))
    assert not list(alignments.triples((None, OWL.equivalentProperty, None)))


def test_every_alignment_says_why(alignments):
    mappings = _mappings(alignments)
    assert len(mappings) >= 15
    annotated = {}
    for axiom in alignments.subjects(RDF.type, OWL.Axiom):
        triple = tuple(
            alignments.value(axiom, p)
            for p in (OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget)
        )
        assert triple in mappings, f"annotation of a triple that is not asserted: {triple}"
        annotated[triple] = axiom
    for triple in mappings:
        assert triple in annotated, f"no reason given for {triple}"
        _assert_one_per_language(alignments, annotated[triple], RDFS.comment)


def test_required_alignments(alignments):
    def mapped(s, o, predicates=MAPPING_PREDICATES):
        return any((s, p, o) in alignments for p in predicates)

    assert (SMP.Masterplan, SKOS.closeMatch, PRJ.Programme) in alignments
    assert (SMP.Action, SKOS.closeMatch, PRJ.PublicInvestmentProject) in alignments
    assert (SMP.Action, SKOS.closeMatch, SCHEMA.Project) in alignments
    assert mapped(SMP.WorkTable, L0.Collection)
    assert mapped(SMP.SourceDocument, DCTERMS.BibliographicResource)
    assert mapped(SMP.InvestmentAmount, PRJ.projectTotalCost)
    assert mapped(RO.isRoleInTimeOf, ORG.member)
    assert any(s == SMP.SteeringCommittee for s, _, _ in _mappings(alignments))
    assert (COV.PublicOrganization, RDFS.subClassOf, M8G.PublicOrganisation) in alignments
    misspelt = M8G.PublicOrganization
    assert misspelt not in set(alignments.all_nodes())


# --------------------------------------------------------------------------- pyLODE


def render(lang: str | None = None, local_name_ids: bool = False) -> str:
    """smp.ttl as HTML: the publisher's own rendering (one language, local-name ids), or
    pyLODE's default when no language is given."""
    if lang is None:
        return ontodoc._ontpub()(str(FILES["smp"])).make_html()
    assert local_name_ids, "the publisher always uses local-name ids"
    return ontodoc.render(FILES["smp"], lang)


class _EntityIds(HTMLParser):
    """Maps each documented IRI to the id of its pyLODE section; collects every id."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.iri_to_id: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        self._entity: str | None = None
        self._in_code = self._in_h3 = False
        self._title = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "div" and "entity" in (attrs.get("class") or "").split():
            self._entity, self._title = attrs.get("id"), ""
        elif tag == "h3" and self._entity:
            self._in_h3 = True
        elif tag == "sup":
            self._in_h3 = False
        elif tag == "code" and self._entity:
            self._in_code = True

    def handle_data(self, data):
        if self._in_h3:
            self._title += data
        if self._in_code:
            self.iri_to_id[data.strip()] = self._entity
            self.titles[data.strip()] = self._title.strip()
            self._in_code, self._entity = False, None


def _entities(html: str) -> _EntityIds:
    parser = _EntityIds()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def default_html() -> str:
    return ontodoc._ontpub()(str(FILES["smp"])).make_html()


def test_pylode_documents_every_term(default_html, smp):
    parsed = _entities(default_html)
    duplicates = {i for i in parsed.ids if parsed.ids.count(i) > 1}
    assert not duplicates, f"duplicate HTML ids: {duplicates}"
    for term in _defined_terms(smp):
        fid = parsed.iri_to_id.get(str(term))
        assert fid, f"pyLODE wrote no section for {term}"
        assert f'href="#{fid}"' in default_html, f"no table-of-contents link to {term}"
    for needle in (
        "https://w3id.org/smartcity-masterplan/ontology/0.1.0",
        str(CC_BY_4),
        "LA SPEZIA 20.20 Linked Open Data project",
    ):
        assert needle in default_html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pylode_anchor_is_the_local_name(smp, lang):
    html = render(lang=lang, local_name_ids=True)
    parsed = _entities(html)
    assert len(set(parsed.ids)) == len(parsed.ids)
    for term in _defined_terms(smp):
        assert parsed.iri_to_id.get(str(term)) == _local(term), term
        assert f'href="#{_local(term)}"' in html
        label = next(str(o) for o in smp.objects(term, RDFS.label) if o.language == lang)
        assert parsed.titles[str(term)] == label, term
