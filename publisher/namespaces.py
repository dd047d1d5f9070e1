"""The vocabularies the publisher speaks, bound once so every module uses the same prefixes."""

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD

ONTOLOGY_IRI = "https://w3id.org/smartcity-masterplan/ontology"
SMP = Namespace(ONTOLOGY_IRI + "#")
VOCAB = Namespace("https://w3id.org/smartcity-masterplan/vocab/")

L0 = Namespace("https://w3id.org/italia/onto/l0/")
COV = Namespace("https://w3id.org/italia/onto/COV/")
CLV = Namespace("https://w3id.org/italia/onto/CLV/")
TI = Namespace("https://w3id.org/italia/onto/TI/")
RO = Namespace("https://w3id.org/italia/onto/RO/")
PRJ = Namespace("https://w3id.org/italia/onto/Project/")
ADMS_IT = Namespace("https://w3id.org/italia/onto/ADMS/")
DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")
M8G = Namespace("http://data.europa.eu/m8g/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EUROVOC = Namespace("http://eurovoc.europa.eu/")
ISTAT_CITY = Namespace(
    "https://w3id.org/italia/controlled-vocabulary/territorial-classifications/cities/"
)
LICENCES_IT = Namespace("https://w3id.org/italia/controlled-vocabulary/licences/")
# What harvesters read in the catalogue (docs/harvesting.md): EU authority tables, ADMS
# licence types, DCAT-AP's own terms, Hydra paging, W3C DQV with data.europa.eu's MQA
# metrics, and the change feed's LDES / TREE / ActivityStreams.
EU_LICENCE = Namespace("http://publications.europa.eu/resource/authority/licence/")
EU_ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_AVAILABILITY = Namespace(
    "http://publications.europa.eu/resource/authority/planned-availability/"
)
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
MQA = Namespace("https://piveau.eu/ns/voc#")
LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")

PREFIXES: dict[str, Namespace] = {
    "smp": SMP,
    "vocab": VOCAB,
    "l0": L0,
    "COV": COV,
    "CLV": CLV,
    "TI": TI,
    "RO": RO,
    "prj": PRJ,
    "admsapit": ADMS_IT,
    "dcatapit": DCATAPIT,
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "skos": SKOS,
    "time": TIME,
    "void": VOID,
    "xsd": XSD,
    "m8g": M8G,
    "vcard": VCARD,
    "spdx": SPDX,
    "locn": LOCN,
    "sd": SD,
    "eutheme": EU_THEME,
    "eurovoc": EUROVOC,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes so every serialisation reads the same way."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


_BY_LENGTH = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda n: -len(n[0]))


def curie(iri: str) -> str:
    """``smp:Action`` with the longest of the project's namespaces that leaves a local part,
    else the IRI itself (what pages show for a term without a label)."""
    for namespace, prefix in _BY_LENGTH:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
