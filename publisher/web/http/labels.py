"""Names of other publishers' codes (EU data themes, EuroVoc, OntoPiA cities) for pages.

The data links to these codes without their names (the names are those publishers'), so a
page would show ``eutheme:TRAN``. ``publisher/web/labels/external-labels.ttl`` keeps a small
copy of the names of the codes the data uses, with its sources; it is read once per
process, and pages and query tables fall back to it where the store has no name.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pyoxigraph as ox

LABELS_FILE = Path(__file__).resolve().parent.parent / "labels" / "external-labels.ttl"


@functools.cache
def external_labels() -> dict[str, dict[str, str]]:
    """``{code IRI: {lang: name}}`` from the local copy."""
    found: dict[str, dict[str, str]] = {}
    for quad in ox.parse(path=str(LABELS_FILE), format=ox.RdfFormat.TURTLE):
        if isinstance(quad.object, ox.Literal) and quad.object.language:
            found.setdefault(quad.subject.value, {})[quad.object.language] = quad.object.value
    return found
