"""An audit's report three ways: lines for people, JSON for programs, and EARL (W3C
Evaluation and Report Language 1.0) in Turtle, the form conformance reports are exchanged
in: one ``earl:Assertion`` per check, by lodpub (``earl:automatic``), about the audited
publisher, with its outcome and message.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import Namespace

from publisher import __version__
from publisher.harvest.audit import TESTS, AuditReport, Outcome
from publisher.iris import Iris
from publisher.rdf import DCTERMS, RDF, Terms, date_time, text

EARL = Terms(Namespace("http://www.w3.org/ns/earl#"))
DOAP = Terms(Namespace("http://usefulinc.com/ns/doap#"))
MARKS = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.CANT_TELL: "????",
    Outcome.INAPPLICABLE: "n/a ",
}


def as_text(report: AuditReport) -> str:
    lines = [f"audit of {report.target} (base IRI {report.base or 'unknown'})"]
    for check in report.checks:
        lines.append(f"{MARKS[check.outcome]} {check.id}: {check.message}")
        lines += [f"       {note}" for note in check.notes[1:]]
    return "\n".join([*lines, f"{report.target}: {verdict(report)}"])


def verdict(report: AuditReport) -> str:
    """``conforms``, or ``does not conform (the checks that failed)``."""
    failed = [c.id for c in report.checks if c.outcome in (Outcome.FAILED, Outcome.CANT_TELL)]
    return "conforms" if report.conforms else f"does not conform ({', '.join(failed)})"


def as_json(report: AuditReport) -> str:
    body = {
        "target": report.target,
        "base": report.base,
        "date": report.started.isoformat().replace("+00:00", "Z"),
        "conforms": report.conforms,
        "checks": [
            {
                "id": c.id,
                "title": c.title,
                "outcome": c.outcome.value,
                "message": c.message,
                "notes": c.notes,
            }
            for c in report.checks
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2)


def test_iri(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(Iris.vocab("audit-test", name)))


def assertions(report: AuditReport, assertor: ox.NamedNode) -> list[ox.Triple]:
    """The report as EARL triples (the tests described too, so the report reads alone)."""
    subject = ox.NamedNode(report.target)
    out = [
        ox.Triple(subject, RDF.type, EARL.TestSubject),
        ox.Triple(assertor, RDF.type, EARL.Software),
        ox.Triple(assertor, RDF.type, DOAP.Project),
        ox.Triple(assertor, DOAP.name, text("lodpub")),
        ox.Triple(assertor, DOAP.release, text(__version__)),
    ]
    for check in report.checks:
        test, node, result = test_iri(check.id), ox.BlankNode(), ox.BlankNode()
        title, description = TESTS[check.id]
        out += [
            ox.Triple(test, RDF.type, EARL.TestCase),
            ox.Triple(test, DCTERMS.title, text(title, "en")),
            ox.Triple(test, DCTERMS.description, text(description, "en")),
            ox.Triple(node, RDF.type, EARL.Assertion),
            ox.Triple(node, EARL.assertedBy, assertor),
            ox.Triple(node, EARL.subject, subject),
            ox.Triple(node, EARL.test, test),
            ox.Triple(node, EARL.mode, EARL.automatic),
            ox.Triple(node, EARL.result, result),
            ox.Triple(result, RDF.type, EARL.TestResult),
            ox.Triple(result, EARL.outcome, EARL[check.outcome.value]),
            ox.Triple(result, DCTERMS.description, text(check.message)),
            ox.Triple(result, DCTERMS.date, date_time(report.started)),
        ]
        out += [ox.Triple(result, EARL.info, text(note)) for note in check.notes]
    return out


def as_earl(report: AuditReport, assertor: str) -> str:
    triples = assertions(report, ox.NamedNode(assertor))
    prefixes = {"earl": "http://www.w3.org/ns/earl#", "dct": "http://purl.org/dc/terms/",
                "doap": "http://usefulinc.com/ns/doap#"}  # fmt: skip
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    return (data or b"").decode("utf-8")
