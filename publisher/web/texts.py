"""Every word the web layer writes, in Italian and English (data, not markup): the text
catalogue.

Kept apart from the templates so a third language is one more dictionary in each table, and
from the page builders so they stay readable. Labels of the data come from the data itself.
One table per page family, plus :data:`SITE` (header and footer of every page); a page's
template gets ``t`` = ``SITE`` merged with its family's table
(``publisher.web.http.html.render_page``).
"""

from __future__ import annotations

from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS

from publisher.namespaces import L0, ORG, RO, SCHEMA, TI, VCARD

SITE: dict[str, dict[str, str]] = {
    "it": {
        "site_name": "Masterplan smart city in Linked Open Data",
        "tagline": "I piani delle città, con le loro fonti, come dati aperti collegati",
        "skip": "Vai al contenuto principale",
        "cut": "Questa pagina ne mostra solo una parte: intera supererebbe il limite di {n} "
        "byte per risposta del server. I dati completi sono nei dump e nell'endpoint SPARQL.",
        "nav_label": "Menu principale",
        "nav_home": "Home",
        "nav_queries": "Domande pronte",
        "nav_compare": "Confronta le città",
        "nav_sparql": "Interroga (SPARQL)",
        "nav_catalog": "Catalogo e download",
        "nav_ontology": "Ontologia",
        "other_language": "English",
        "other_language_name": "Read this page in English",
        "search": "Cerca",
        "search_label": "Cerca nei dati per nome, in italiano o in inglese",
        "search_placeholder": "Cerca un'azione, un tema, un'organizzazione…",
        "breadcrumb": "Percorso di navigazione",
        "footer_data": "Dati aperti",
        "footer_about": "Informazioni",
        "footer_void": "Statistiche del dataset (VoID)",
        "legal_notes": "Note legali",
        "privacy": "Privacy",
        "accessibility": "Dichiarazione di accessibilità",
        "licensed": "Dati rilasciati con licenza",
        "source_code": "Codice sorgente",
        "small_prints": "Note legali e informazioni sul sito",
        "external": "(sito esterno)",
    },
    "en": {
        "site_name": "Smart-city masterplans as Linked Open Data",
        "tagline": "Cities' plans, with their sources, as linked open data",
        "skip": "Skip to the main content",
        "cut": "This page shows only part of it: in full it would exceed this server's limit "
        "of {n} bytes per answer. The complete data is in the dumps and the SPARQL endpoint.",
        "nav_label": "Main menu",
        "nav_home": "Home",
        "nav_queries": "Ready-made questions",
        "nav_compare": "Compare the cities",
        "nav_sparql": "Query (SPARQL)",
        "nav_catalog": "Catalogue and downloads",
        "nav_ontology": "Ontology",
        "other_language": "Italiano",
        "other_language_name": "Leggi questa pagina in italiano",
        "search": "Search",
        "search_label": "Search the data by name, in Italian or English",
        "search_placeholder": "Search for an action, a theme, an organisation…",
        "breadcrumb": "Breadcrumb",
        "footer_data": "Open data",
        "footer_about": "About",
        "footer_void": "Dataset statistics (VoID)",
        "legal_notes": "Legal notes",
        "privacy": "Privacy",
        "accessibility": "Accessibility statement",
        "licensed": "Data licensed under",
        "source_code": "Source code",
        "small_prints": "Legal notes and information about the site",
        "external": "(external site)",
    },
}

# Resource pages, the home page and the ontology (publisher.web.lod).
LOD: dict[str, dict[str, str]] = {
    "it": {
        "site": "Masterplan smart city in Linked Open Data",
        "fictional": "Dati fittizi / Fictional data",
        "fictional_note": "Questa risorsa è inventata: serve solo a provare il software.",
        "origin_title": "Da dove vengono questi dati",
        "origin_city": "Città",
        "origin_publisher": "Editore originale",
        "origin_harvested": "Raccolti il",
        "origin_document": "Documento originale",
        "origin_original": "Dataset originale",
        "formats": "Questa pagina in altri formati",
        "iri": "IRI",
        "type": "Tipo",
        "sources": "Fonti",
        "no_sources": "Nessuna fonte indicata.",
        "statements": "Tutte le affermazioni",
        "made_with_pylode": "Documentazione dell'ontologia scritta con",
        "record": "scheda",
        "role_record": "Scheda del ruolo di",
        "property": "Proprietà",
        "value": "Valore",
        "incoming": "Risorse che rimandano qui",
        "incoming_page": "Pagina {n} di {m} dei rimandi",
        "page_first": "prima", "page_prev": "precedente", "page_next": "successiva",
        "page_last": "ultima",
        "resource": "Risorsa",
        "none": "nessuna",
        # home
        "home_title": "Masterplan smart city in Linked Open Data",
        "cities": "Città e masterplan",
        "data_access": "Accesso ai dati",
        "sparql": "Endpoint SPARQL",
        "queries": "Domande pronte (query con nome, JSON, CSV)",
        "void": "Descrizione VoID del dataset",
        "catalog": "Catalogo DCAT-AP_IT",
        "ontology": "Ontologia (documentazione e formati RDF)",
        "vocabularies": "Vocabolari controllati",
        "dumps": "Dump",
        "all_dumps": "Tutte le città",
        "masterplan": "Masterplan",
        "open_masterplan": "Il masterplan",
        "in_figures": "In cifre",
        "charts": "Grafici",
        "more_charts": "Tutti i grafici e i dettagli nella pagina del masterplan",
        "technical": "Dettagli tecnici: tutte le affermazioni in RDF",
        "kf_declared_actions": "Azioni dichiarate",
        "kf_published_actions": "Azioni pubblicate in questi dati",
        "kf_published_note": "contate nei dati pubblicati qui",
        "kf_compare": "Dichiarate e pubblicate a confronto",
        "kf_investment": "Investimento totale dichiarato",
        "kf_work_tables": "Tavoli e sotto-tavoli di lavoro",
        "kf_themes": "Temi e sotto-temi",
        "kf_organisations": "Organizzazioni coinvolte",
        "kf_counted": "contati nei dati pubblicati qui",
        "kf_query": "La domanda che li conta",
        "chart_themes": "Azioni e importi esatti per tema",
        "chart_timeframes": "Azioni e importi esatti per orizzonte temporale",
        "chart_ict_roles": "Azioni e importi esatti per ruolo dell'ICT",
        "chart_question": "La domanda «{title}»",
        "chart_sparql": "La query SPARQL",
        "no_actions_yet": "Le azioni di questo masterplan non sono ancora pubblicate come "
        "dati: i grafici appariranno con loro.",
        # masterplan
        "issued": "Approvato il",
        "presented": "Presentato il",
        "publisher": "Pubblicato da",
        "homepage": "Pagina web",
        "contact": "Contatto",
        "governance": "Organo di indirizzo",
        "figures": "Cifre dichiarate dalle fonti",
        "figure_kind": "Che cosa",
        "precision": "Precisione",
        "note": "Nota",
        "source": "Fonte",
        "themes": "Temi",
        "work_tables": "Tavoli di lavoro",
        "coordinators": "Coordinamento",
        "team_leaders": "Team leader",
        "phases": "Fasi del processo",
        "roles": "Ruoli delle organizzazioni",
        "signatories": "Firmatari del protocollo",
        "actions": "Azioni",
        # action
        "identifier": "Identificativo",
        "part_of": "Parte di",
        "timeframe": "Orizzonte temporale",
        "ict_role": "Ruolo dell'ICT",
        "investment": "Investimento previsto",
        "funding": "Finanziamento",
        "status": "Stato",
        "period": "Periodo",
        "from": "dal",
        "until": "al",
        # role
        "organisation": "Organizzazione",
        "role": "Ruolo",
        "for": "Per",
        "comment": "Nota",
        # phase
        "position": "Posizione",
        "start": "Inizio",
        "end": "Fine",
        "validated_by": "Validata da",
        "previous": "Fase precedente",
        "next": "Fase successiva",
        # source
        "title": "Titolo",
        "url": "Indirizzo",
        "source_type": "Tipo di fonte",
        "date": "Data",
        "language": "Lingua",
        "citation": "Citazione",
        "says": "Che cosa dice",
        "cited_by": "Citata da",
        # organisation
        "name": "Nome",
        "other_names": "Altri nomi",
        "ipa": "Codice IPA",
        "same_as": "Stessa entità",
        "roles_held": "Ruoli che ricopre",
        "roles_towards": "Ruoli di altri verso questa organizzazione",
        # table, theme, concept
        "theme": "Tema",
        "parent_table": "Tavolo superiore",
        "sub_tables": "Sotto-tavoli",
        "editorial_note": "Nota redazionale",
        "notation": "Notazione",
        "definition": "Definizione",
        "scope_note": "Nota d'ambito",
        "scheme": "Schema",
        "broader": "Tema più ampio",
        "narrower": "Sotto-temi",
        "eu_themes": "Temi dei dati UE",
        "osservatorio": "Aree dell'Osservatorio Smart City (ANCI)",
        "eurovoc": "EuroVoc",
        "work_table": "Tavolo di lavoro",
        "theme_actions": "Azioni in questo tema",
        "concepts": "Concetti",
        "top_concept_of": "Concetto di vertice di",
        # amounts
        "more-than": "oltre",
        "at-least": "almeno",
        "approximate": "circa",
        "range": "da {min} a {max}",
    },
    "en": {
        "site": "Smart-city masterplans as Linked Open Data",
        "fictional": "Dati fittizi / Fictional data",
        "fictional_note": "This resource is made up: it only exists to test the software.",
        "origin_title": "Where these data come from",
        "origin_city": "City",
        "origin_publisher": "Original publisher",
        "origin_harvested": "Harvested on",
        "origin_document": "Original document",
        "origin_original": "Original dataset",
        "formats": "This page in other formats",
        "iri": "IRI",
        "type": "Type",
        "sources": "Sources",
        "no_sources": "No source given.",
        "statements": "All statements",
        "made_with_pylode": "Ontology documentation written with",
        "record": "details",
        "role_record": "Details of the role of",
        "property": "Property",
        "value": "Value",
        "incoming": "Resources that point here",
        "incoming_page": "Page {n} of {m} of the links here",
        "page_first": "first", "page_prev": "previous", "page_next": "next",
        "page_last": "last",
        "resource": "Resource",
        "none": "none",
        "home_title": "Smart-city masterplans as Linked Open Data",
        "cities": "Cities and masterplans",
        "data_access": "Data access",
        "sparql": "SPARQL endpoint",
        "queries": "Ready-made questions (named queries, JSON, CSV)",
        "void": "VoID description of the dataset",
        "catalog": "DCAT-AP_IT catalogue",
        "ontology": "Ontology (documentation and RDF formats)",
        "vocabularies": "Controlled vocabularies",
        "dumps": "Dumps",
        "all_dumps": "All cities",
        "masterplan": "Masterplan",
        "open_masterplan": "The masterplan",
        "in_figures": "In figures",
        "charts": "Charts",
        "more_charts": "Every chart and detail on the masterplan's page",
        "technical": "Technical details: every statement in RDF",
        "kf_declared_actions": "Declared actions",
        "kf_published_actions": "Actions published in this data",
        "kf_published_note": "counted in the data published here",
        "kf_compare": "Declared and published compared",
        "kf_investment": "Declared total investment",
        "kf_work_tables": "Work tables and sub-tables",
        "kf_themes": "Themes and sub-themes",
        "kf_organisations": "Organisations involved",
        "kf_counted": "counted in the data published here",
        "kf_query": "The question that counts them",
        "chart_themes": "Actions and exact amounts per theme",
        "chart_timeframes": "Actions and exact amounts per timeframe",
        "chart_ict_roles": "Actions and exact amounts per ICT role",
        "chart_question": "The question “{title}”",
        "chart_sparql": "The SPARQL query",
        "no_actions_yet": "This masterplan's actions are not published as data yet: the "
        "charts will come with them.",
        "issued": "Approved on",
        "presented": "Presented on",
        "publisher": "Published by",
        "homepage": "Web page",
        "contact": "Contact",
        "governance": "Steering body",
        "figures": "Figures declared by the sources",
        "figure_kind": "What",
        "precision": "Precision",
        "note": "Note",
        "source": "Source",
        "themes": "Themes",
        "work_tables": "Work tables",
        "coordinators": "Coordinators",
        "team_leaders": "Team leaders",
        "phases": "Methodology phases",
        "roles": "Roles of the organisations",
        "signatories": "Protocol signatories",
        "actions": "Actions",
        "identifier": "Identifier",
        "part_of": "Part of",
        "timeframe": "Timeframe",
        "ict_role": "Role of ICT",
        "investment": "Planned investment",
        "funding": "Funding",
        "status": "Status",
        "period": "Period",
        "from": "from",
        "until": "until",
        "organisation": "Organisation",
        "role": "Role",
        "for": "For",
        "comment": "Note",
        "position": "Position",
        "start": "Start",
        "end": "End",
        "validated_by": "Validated by",
        "previous": "Previous phase",
        "next": "Next phase",
        "title": "Title",
        "url": "Address",
        "source_type": "Source type",
        "date": "Date",
        "language": "Language",
        "citation": "Citation",
        "says": "What it says",
        "cited_by": "Cited by",
        "name": "Name",
        "other_names": "Other names",
        "ipa": "IPA code",
        "same_as": "Same as",
        "roles_held": "Roles it holds",
        "roles_towards": "Roles others hold towards it",
        "theme": "Theme",
        "parent_table": "Parent table",
        "sub_tables": "Sub-tables",
        "editorial_note": "Editorial note",
        "notation": "Notation",
        "definition": "Definition",
        "scope_note": "Scope note",
        "scheme": "Scheme",
        "broader": "Broader theme",
        "narrower": "Sub-themes",
        "eu_themes": "EU data themes",
        "osservatorio": "Smart City Observatory areas (ANCI)",
        "eurovoc": "EuroVoc",
        "work_table": "Work table",
        "theme_actions": "Actions in this theme",
        "concepts": "Concepts",
        "top_concept_of": "Top concept of",
        "more-than": "more than",
        "at-least": "at least",
        "approximate": "about",
        "range": "{min} to {max}",
    },
}

# Names of the common external properties (the ontology's own terms carry labels in the
# data); anything else is shown as a CURIE.
PROPERTY_NAMES: dict[str, tuple[str, str]] = {
    str(RDF.type): ("tipo", "type"),
    str(RDFS.label): ("etichetta", "label"),
    str(RDFS.comment): ("commento", "comment"),
    str(RDFS.seeAlso): ("vedi anche", "see also"),
    str(OWL.sameAs): ("stessa entità", "same as"),
    str(DCTERMS.title): ("titolo", "title"),
    str(DCTERMS.description): ("descrizione", "description"),
    str(DCTERMS.source): ("fonte", "source"),
    str(DCTERMS.issued): ("data di emissione", "issued"),
    str(DCTERMS.publisher): ("editore", "publisher"),
    str(DCTERMS.identifier): ("identificativo", "identifier"),
    str(DCTERMS.subject): ("tema", "subject"),
    str(DCTERMS.isPartOf): ("parte di", "part of"),
    str(DCTERMS.hasPart): ("comprende", "has part"),
    str(DCTERMS.spatial): ("copertura spaziale", "spatial coverage"),
    str(DCTERMS.temporal): ("periodo", "temporal coverage"),
    str(DCTERMS.language): ("lingua", "language"),
    str(DCAT.contactPoint): ("punto di contatto", "contact point"),
    str(DCAT.startDate): ("inizio", "start date"),
    str(DCAT.endDate): ("fine", "end date"),
    str(FOAF.name): ("nome", "name"),
    str(FOAF.page): ("pagina", "page"),
    str(FOAF.homepage): ("sito web", "home page"),
    str(SKOS.prefLabel): ("etichetta preferita", "preferred label"),
    str(SKOS.altLabel): ("altra etichetta", "alternative label"),
    str(SKOS.definition): ("definizione", "definition"),
    str(SKOS.notation): ("notazione", "notation"),
    str(SKOS.inScheme): ("nello schema", "in scheme"),
    str(SKOS.broader): ("più ampio", "broader"),
    str(SKOS.narrower): ("più specifico", "narrower"),
    str(SKOS.note): ("nota", "note"),
    str(PROV.wasGeneratedBy): ("generato da", "was generated by"),
    str(ORG.member): ("membro", "member"),
    str(ORG.role): ("ruolo", "role"),
    str(ORG.purpose): ("scopo", "purpose"),
    str(RO.forEntity): ("per l'entità", "for entity"),
    str(RO.withRole): ("con il ruolo", "with role"),
    str(RO.holdsRoleInTime): ("ricopre il ruolo", "holds role"),
    str(L0.name): ("nome", "name"),
    str(SCHEMA.value): ("valore", "value"),
    str(SCHEMA.minValue): ("valore minimo", "minimum value"),
    str(SCHEMA.maxValue): ("valore massimo", "maximum value"),
    str(SCHEMA.currency): ("valuta", "currency"),
    str(SCHEMA.url): ("indirizzo", "URL"),
    str(TI.hasTemporalEntity): ("entità temporale", "temporal entity"),
    str(VCARD.fn): ("nome", "name"),
    str(VCARD.hasEmail): ("email", "email"),
}

# The SPARQL query page (publisher.web.endpoint).
ENDPOINT: dict[str, dict[str, str]] = {
    "it": {
        "title": "Endpoint SPARQL",
        "intro": "Interroga i dati aperti collegati dei masterplan con SPARQL 1.1 "
        "(solo lettura). Il grafo di default è l'unione di tutti i grafi con nome.",
        "query": "Query SPARQL",
        "query_help": "SPARQL 1.1, solo lettura: risultato, errori ed esempi compaiono "
        "in questa pagina.",
        "editor_help": "Ctrl+Invio (⌘+Invio) esegue la query. I prefissi del progetto "
        "(rdfs:, smp:, dct: …) vengono proposti e dichiarati mentre scrivi.",
        "format": "Risultato",
        "page": "Tabella in questa pagina",
        "run": "Esegui",
        "examples": "Esempi",
        "questions": "Domande pronte",
        "questions_intro": "Le domande pronte, con i valori predefiniti: un clic le apre "
        "qui, da modificare ed eseguire.",
        "question_page": "pagina della domanda",
        "prefixes": "Prefissi noti",
        "result": "Risultato",
        "rows": "righe",
        "empty": "Nessun risultato.",
        "truncated": "Il risultato è stato troncato ai limiti del servizio",
        "limits": "i limiti",
        "chart": "Grafico del risultato",
        "downloads": "Scarica il risultato",
        "error": "La query non è stata eseguita",
        "position": "Riga {line}, colonna {column}",
        "missing": "Prefissi usati ma non dichiarati",
        "fix": "Dichiara i prefissi e riprova",
        "parser": "Messaggio completo",
        "dataset": "Dati",
        "graph": "Grafo",
        "triples": "triple",
        "total": "Grafo di default (unione)",
        "description": "Descrizione del servizio",
        "void": "Descrizione VoID del dataset",
        "catalog": "Catalogo DCAT-AP_IT",
    },
    "en": {
        "title": "SPARQL endpoint",
        "intro": "Query the masterplans' Linked Open Data with SPARQL 1.1 (read-only). "
        "The default graph is the union of all named graphs.",
        "query": "SPARQL query",
        "query_help": "SPARQL 1.1, read-only: the result, errors and examples appear in "
        "this page.",
        "editor_help": "Ctrl+Enter (⌘+Enter) runs the query. The project's prefixes "
        "(rdfs:, smp:, dct: …) are offered and declared as you type.",
        "format": "Result",
        "page": "Table in this page",
        "run": "Run",
        "examples": "Examples",
        "questions": "Ready-made questions",
        "questions_intro": "The ready-made questions with their default values: one "
        "click opens one here, to change and run.",
        "question_page": "the question's page",
        "prefixes": "Known prefixes",
        "result": "Result",
        "rows": "rows",
        "empty": "No results.",
        "truncated": "The result was cut at the service's limits",
        "limits": "the limits",
        "chart": "Chart of the result",
        "downloads": "Download the result",
        "error": "The query was not run",
        "position": "Line {line}, column {column}",
        "missing": "Prefixes used but not declared",
        "fix": "Declare the prefixes and run again",
        "parser": "Full message",
        "dataset": "Data",
        "graph": "Graph",
        "triples": "triples",
        "total": "Default graph (union)",
        "description": "Service description",
        "void": "VoID description of the dataset",
        "catalog": "DCAT-AP_IT catalogue",
    },
}

# The named-query pages (publisher.web.api).
QUERIES: dict[str, dict[str, str]] = {
    "it": {
        "title": "Domande pronte",
        "intro": "Le domande che i ricercatori fanno ai masterplan, come query con nome: "
        "le stesse per ogni città, così i confronti sono riproducibili. Ognuna risponde in "
        "JSON, CSV e come tabella; i parametri si scelgono nel modulo o nell'URL.",
        "parameters": "Parametri",
        "none": "nessuno",
        "default": "predefinito",
        "any": "(tutti)",
        "run": "Esegui",
        "result": "Risultato",
        "rows": "righe",
        "empty": "Nessun risultato.",
        "formats": "Altri formati",
        "reproduce": "Riprodurre questa risposta",
        "sparql": "La query SPARQL inviata",
        "columns": "Colonne",
        "all": "Tutte le domande",
        "openapi": "Descrizione OpenAPI",
        "error": "Parametro non valido",
        "yes": "sì",
        "no": "no",
        "run_sparql": "Apri questa query SPARQL nell'editor",
        "question": "La domanda con tutti i dettagli",
    },
    "en": {
        "title": "Ready-made questions",
        "intro": "The questions researchers ask of the masterplans, as named queries: the "
        "same for every city, so comparisons are reproducible. Each answers in JSON, CSV "
        "and as a table; choose the parameters in the form or in the URL.",
        "parameters": "Parameters",
        "none": "none",
        "default": "default",
        "any": "(all)",
        "run": "Run",
        "result": "Result",
        "rows": "rows",
        "empty": "No results.",
        "formats": "Other formats",
        "reproduce": "Reproduce this answer",
        "sparql": "The SPARQL query sent",
        "columns": "Columns",
        "all": "All questions",
        "openapi": "OpenAPI description",
        "error": "Invalid parameter",
        "yes": "yes",
        "no": "no",
        "run_sparql": "Open this SPARQL query in the editor",
        "question": "The question with all its details",
    },
}

# The cities compared (publisher.web.api, /compare).
COMPARE: dict[str, dict[str, str]] = {
    "it": {
        **QUERIES["it"],
        "title": "Le città a confronto",
        "intro": "Le stesse domande poste a tutte le città pubblicate qui, calcolate allo "
        "stesso modo: per ognuna una tabella e un grafico, con la domanda completa, il CSV e "
        "la query SPARQL che li riproducono.",
        "cities": "Città",
        "contents": "Le domande",
        "question_page": "La domanda (con i parametri)",
        "csv": "CSV",
        "json": "Questa pagina in JSON",
        "charts_omitted": "Altri %d grafici non sono mostrati qui: la tabella ha tutte le "
        "righe, e la pagina della domanda disegna il grafico di ogni città.",
    },
    "en": {
        **QUERIES["en"],
        "title": "The cities compared",
        "intro": "The same questions asked of every city published here, computed the same "
        "way: for each, a table and a chart, with the full question, the CSV and the SPARQL "
        "query that reproduce them.",
        "cities": "Cities",
        "contents": "The questions",
        "question_page": "The question (with its parameters)",
        "csv": "CSV",
        "json": "This page as JSON",
        "charts_omitted": "%d more charts are not shown here: the table has every row, and "
        "the question's page draws any city's chart.",
    },
}

# The VoID and catalogue pages (publisher.web.about).
ABOUT: dict[str, dict[str, str]] = {
    "it": {
        "void_title": "Descrizione VoID del dataset",
        "void_intro": "Statistiche calcolate con SPARQL sui dati pubblicati: coincidono con "
        "i COUNT che l'endpoint restituisce. Il dataset complessivo è il grafo di default "
        "dell'endpoint (l'unione dei grafi con nome); ogni città è un sottoinsieme, cioè il "
        "suo grafo con nome.",
        "catalog_title": "Catalogo DCAT-AP_IT",
        "pages": "Pagine del catalogo",
        "mqa_title": "Qualità dei metadati (MQA)",
        "mqa_intro": "Punteggio di qualità dei metadati secondo gli indicatori di "
        "data.europa.eu (massimo 405), calcolato da lodpub mqa su questa pubblicazione: "
        "richieste HEAD agli URL di accesso e di download, forme SHACL ufficiali DCAT-AP.",
        "mqa_link": "Misure in W3C DQV",
        "mqa_score": "Punteggio",
        "mqa_rating": "Giudizio",
        "page_of": "Pagina {number} di {last} ({total} dataset)",
        "previous_page": "Pagina precedente",
        "next_page": "Pagina successiva",
        "formats": "Altri formati",
        "dataset": "Dataset",
        "all": "Tutte le città (grafo di default)",
        "graph": "Grafo con nome",
        "triples": "Triple",
        "entities": "Entità (IRI)",
        "subjects": "Soggetti distinti",
        "objects": "Oggetti distinti",
        "properties": "Proprietà",
        "classes": "Classi",
        "class": "Classe",
        "property": "Proprietà",
        "vocabularies": "Vocabolari usati",
        "dumps": "Dump",
        "file": "File",
        "media_type": "Tipo di media",
        "size": "Byte",
        "checksum": "Checksum",
        "example": "Risorsa di esempio",
        "endpoint": "Endpoint SPARQL",
        "modified": "Modificato",
        "licence": "Licenza",
        "publisher": "Editore",
        "identifier": "Identificativo",
        "themes": "Temi",
        "frequency": "Frequenza di aggiornamento",
        "rights_holder": "Titolare dei diritti",
        "contact": "Contatto",
        "spatial": "Copertura geografica",
        "distributions": "Distribuzioni",
        "format": "Formato",
        "service": "Servizio dati",
        "serves": "Serve i dataset",
        "description": "Descrizione",
        "fictional": "DATI FITTIZI: questa città non esiste.",
        "void_link": "Descrizione VoID (statistiche)",
        "catalog_link": "Catalogo DCAT-AP_IT",
        "context": "Contesto JSON-LD",
        "download": "scarica",
    },
    "en": {
        "void_title": "VoID description of the dataset",
        "void_intro": "Statistics computed with SPARQL over the published data: they equal "
        "the COUNTs the endpoint returns. The whole dataset is the endpoint's default graph "
        "(the union of the named graphs); each city is a subset, i.e. its named graph.",
        "catalog_title": "DCAT-AP_IT catalogue",
        "pages": "Catalogue pages",
        "mqa_title": "Metadata quality (MQA)",
        "mqa_intro": "Metadata quality score with data.europa.eu's indicators (at most 405), "
        "computed by lodpub mqa on this build: HEAD requests to the access and download "
        "URLs, the official DCAT-AP SHACL shapes.",
        "mqa_link": "Measurements in W3C DQV",
        "mqa_score": "Score",
        "mqa_rating": "Rating",
        "page_of": "Page {number} of {last} ({total} datasets)",
        "previous_page": "Previous page",
        "next_page": "Next page",
        "formats": "Other formats",
        "dataset": "Dataset",
        "all": "All cities (default graph)",
        "graph": "Named graph",
        "triples": "Triples",
        "entities": "Entities (IRIs)",
        "subjects": "Distinct subjects",
        "objects": "Distinct objects",
        "properties": "Properties",
        "classes": "Classes",
        "class": "Class",
        "property": "Property",
        "vocabularies": "Vocabularies used",
        "dumps": "Dumps",
        "file": "File",
        "media_type": "Media type",
        "size": "Bytes",
        "checksum": "Checksum",
        "example": "Example resource",
        "endpoint": "SPARQL endpoint",
        "modified": "Modified",
        "licence": "Licence",
        "publisher": "Publisher",
        "identifier": "Identifier",
        "themes": "Themes",
        "frequency": "Update frequency",
        "rights_holder": "Rights holder",
        "contact": "Contact",
        "spatial": "Spatial coverage",
        "distributions": "Distributions",
        "format": "Format",
        "service": "Data service",
        "serves": "Serves the datasets",
        "description": "Description",
        "fictional": "FICTIONAL DATA: this city does not exist.",
        "void_link": "VoID description (statistics)",
        "catalog_link": "DCAT-AP_IT catalogue",
        "context": "JSON-LD context",
        "download": "download",
    },
}

# What the VoID document says about itself, as RDF literals (key -> language -> text).
VOID_DOCUMENT: dict[str, dict[str, str]] = {
    "title": {
        "it": "Masterplan smart city in Linked Open Data: tutte le città",
        "en": "Smart-city masterplans as Linked Open Data: all cities",
    },
    "description": {
        "it": "Il grafo di default dell'endpoint SPARQL, cioè l'unione di tutti i grafi con "
        "nome: i dati di ogni città (un sottoinsieme VoID per città), l'ontologia con i "
        "vocabolari controllati e il catalogo DCAT-AP_IT.",
        "en": "The SPARQL endpoint's default graph, i.e. the union of every named graph: "
        "each city's data (one VoID subset per city), the ontology with its controlled "
        "vocabularies, and the DCAT-AP_IT catalogue.",
    },
    "document": {
        "it": "Descrizione VoID dei masterplan smart city in Linked Open Data",
        "en": "VoID description of the smart-city masterplans Linked Open Data",
    },
}

# The site's own pages: search and the default legal pages (publisher.web.site). Paragraphs
# are separated by a blank line; {contact} is the publisher's e-mail address.
SITE_PAGES: dict[str, dict[str, str]] = {
    "it": {
        "search_title": "Cerca nei dati",
        "search_intro": "Cerca azioni, temi, tavoli di lavoro, organizzazioni, fonti e voci "
        "dei vocabolari di tutte le città, per nome, in italiano o in inglese (maiuscole e "
        "minuscole non contano).",
        "search_results": "Risultati per «{q}»",
        "search_none": "Nessun nome contiene «{q}».",
        "search_more": "Ci sono altri risultati: mostriamo i primi {n}. Prova parole più precise.",
        "search_short": "Scrivi almeno {n} caratteri.",
        "search_refused": "Testo non valido: al massimo {max} caratteri, senza sequenze \\u.",
        "search_json": "Gli stessi risultati in JSON",
        "city": "città",
        "kind_masterplan": "Masterplan",
        "kind_action": "Azione",
        "kind_organisation": "Organizzazione",
        "kind_theme": "Tema",
        "kind_themes": "Schema dei temi",
        "kind_table": "Tavolo di lavoro",
        "kind_role": "Ruolo",
        "kind_phase": "Fase",
        "kind_source": "Fonte",
        "kind_vocab": "Vocabolario controllato",
        "legal_title": "Note legali",
        "legal_body": "I dati di questo sito sono rilasciati con licenza Creative Commons "
        "Attribuzione 4.0 (CC BY 4.0): si possono riusare citando la fonte. Ogni risorsa "
        "indica da quali documenti vengono i suoi fatti (le «Fonti» in fondo a ogni pagina); "
        "i testi e le cifre citati restano dei rispettivi autori.\n\n"
        "I dati marcati come «Dati fittizi» sono inventati e servono solo a provare il "
        "software.\n\n"
        "Il software che pubblica il sito (lodpub) è distribuito con licenza EUPL-1.2, senza "
        "garanzie.\n\n"
        "Questa è la pagina predefinita del software: l'ente che gestisce il sito può "
        "indicare le proprie note legali nella configurazione (site.legal_notes_url).",
        "privacy_title": "Privacy",
        "privacy_body": "Questo sito non usa cookie, non raccoglie dati personali con moduli "
        "e non usa strumenti di statistica o di tracciamento. Le pagine non caricano nulla da "
        "altri siti: caratteri, stili e icone sono serviti da questo stesso server.\n\n"
        "Come ogni server web, quello che ospita il sito può registrare per ragioni tecniche "
        "l'indirizzo da cui arriva una richiesta, la pagina chiesta e l'ora; per quanto tempo "
        "lo decide l'ente che gestisce il server.\n\n"
        "Questa è la pagina predefinita del software: l'ente che gestisce il sito può "
        "indicare la propria informativa nella configurazione (site.privacy_url).",
        "accessibility_title": "Accessibilità",
        "accessibility_body": "Il sito è fatto per rispettare le Linee guida per "
        "l'accessibilità dei contenuti web (WCAG) 2.1 al livello AA, come richiesto alle "
        "pubbliche amministrazioni italiane.\n\n"
        "Controlli automatici: a ogni modifica del software, i test aprono ogni tipo di "
        "pagina in un vero browser (Chromium) ed eseguono axe-core con le regole WCAG 2.1 A "
        "e AA: il test fallisce se trova anche una sola violazione. Controllano anche che "
        "nessuna pagina scorra in orizzontale su uno schermo largo 390 pixel, che il cambio "
        "di lingua funzioni e che ogni grafico abbia la sua tabella di dati.\n\n"
        "Ogni grafico ha accanto la tabella con gli stessi numeri per chi usa un lettore di "
        "schermo, e un collegamento alla query che li calcola. Le pagine funzionano senza "
        "JavaScript.\n\n"
        "I controlli automatici non trovano tutti i problemi: per segnalarne uno scrivete a "
        "{contact}.\n\n"
        "Questa non è la dichiarazione di accessibilità prevista dalle linee guida AgID: "
        "l'ente che gestisce il sito la compila con il modulo di AgID e ne indica "
        "l'indirizzo nella configurazione (site.accessibility_url).",
    },
    "en": {
        "search_title": "Search the data",
        "search_intro": "Search the actions, themes, work tables, organisations, sources and "
        "vocabulary entries of every city, by name, in Italian or English (case does not "
        "matter).",
        "search_results": "Results for “{q}”",
        "search_none": "No name contains “{q}”.",
        "search_more": "There are more results: here are the first {n}. Try more precise words.",
        "search_short": "Type at least {n} characters.",
        "search_refused": "Text refused: at most {max} characters, no \\u sequences.",
        "search_json": "The same results as JSON",
        "city": "city",
        "kind_masterplan": "Masterplan",
        "kind_action": "Action",
        "kind_organisation": "Organisation",
        "kind_theme": "Theme",
        "kind_themes": "Theme scheme",
        "kind_table": "Work table",
        "kind_role": "Role",
        "kind_phase": "Phase",
        "kind_source": "Source",
        "kind_vocab": "Controlled vocabulary",
        "legal_title": "Legal notes",
        "legal_body": "The data on this site is published under the Creative Commons "
        "Attribution 4.0 licence (CC BY 4.0): reuse it and credit the source. Every resource "
        "says which documents its facts come from (the “Sources” at the end of each page); "
        "the texts and figures quoted belong to their authors.\n\n"
        "Data marked “Fictional data” is made up, only to test the software.\n\n"
        "The software that publishes the site (lodpub) is distributed under the EUPL-1.2 "
        "licence, without warranty.\n\n"
        "This is the software's default page: the body running the site can point to its "
        "own legal notes in the configuration (site.legal_notes_url).",
        "privacy_title": "Privacy",
        "privacy_body": "This site sets no cookies, collects no personal data through forms "
        "and uses no analytics or tracking. The pages load nothing from other sites: fonts, "
        "styles and icons come from this server.\n\n"
        "Like any web server, the one hosting the site may log, for technical reasons, the "
        "address a request comes from, the page asked for and the time; how long is decided "
        "by the body running the server.\n\n"
        "This is the software's default page: the body running the site can point to its "
        "own privacy notice in the configuration (site.privacy_url).",
        "accessibility_title": "Accessibility",
        "accessibility_body": "The site is made to meet the Web Content Accessibility "
        "Guidelines (WCAG) 2.1 at level AA, as Italian public administrations must.\n\n"
        "Automated checks: at every change of the software, the tests open every kind of "
        "page in a real browser (Chromium) and run axe-core with the WCAG 2.1 A and AA rules: "
        "the test fails on a single violation. They also check that no page scrolls "
        "sideways on a screen 390 pixels wide, that the language switch works and that every "
        "chart has its data table.\n\n"
        "Every chart comes with a table of the same numbers for screen-reader users, and a "
        "link to the query that computes them. The pages work without JavaScript.\n\n"
        "Automated checks do not find every problem: to report one, write to {contact}.\n\n"
        "This is not the accessibility statement the AgID guidelines require: the body "
        "running the site fills it in with AgID's form and gives its address in the "
        "configuration (site.accessibility_url).",
    },
}

# Error pages for browsers (publisher.web.errors): a title and an explanation per status.
ERRORS: dict[str, dict[str, str]] = {
    "it": {
        "error": "Errore",
        "detail": "Dettaglio tecnico",
        "go_home": "Torna alla pagina iniziale",
        "or_search": "oppure cerca nei dati:",
        "explain": "La richiesta non è andata a buon fine.",
        "title_400": "Richiesta non valida",
        "explain_400": "Un valore nell'indirizzo non è accettato: il dettaglio qui sotto "
        "dice quale.",
        "title_403": "Operazione non permessa",
        "title_404": "Pagina non trovata",
        "explain_404": "Non c'è nulla a questo indirizzo. Forse il collegamento è sbagliato "
        "o la risorsa non è pubblicata qui.",
        "title_405": "Metodo non permesso",
        "title_406": "Formato non disponibile",
        "explain_406": "Questa risorsa non esiste nel formato chiesto: il dettaglio qui "
        "sotto elenca quelli disponibili.",
        "title_413": "Richiesta troppo grande",
        "title_414": "Indirizzo troppo lungo",
        "title_500": "Errore del server",
        "explain_500": "Il server non è riuscito a rispondere. Riprovate più tardi.",
        "title_503": "Servizio momentaneamente occupato",
        "explain_503": "Il server è occupato: riprovate tra qualche secondo.",
    },
    "en": {
        "error": "Error",
        "detail": "Technical detail",
        "go_home": "Back to the home page",
        "or_search": "or search the data:",
        "explain": "The request did not succeed.",
        "title_400": "Bad request",
        "explain_400": "A value in the address is not accepted: the detail below says which.",
        "title_403": "Not allowed",
        "title_404": "Page not found",
        "explain_404": "There is nothing at this address. The link may be wrong, or the "
        "resource is not published here.",
        "title_405": "Method not allowed",
        "title_406": "Format not available",
        "explain_406": "This resource is not available in the format asked for: the detail "
        "below lists those that are.",
        "title_413": "Request too large",
        "title_414": "Address too long",
        "title_500": "Server error",
        "explain_500": "The server could not answer. Please try again later.",
        "title_503": "Service busy",
        "explain_503": "The server is busy: please try again in a few seconds.",
    },
}
