"""What a catalogue thing's description reaches: shared by /catalog's pages (web about), the
catalogue things' documents (web lod) and the change feed's members (feed), so all three
describe a dataset alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rdflib.namespace import DCAT, DCTERMS

# Links not followed: the whole catalogue would come along (each dataset linked has its own
# document, and its own place on a page).
NOT_FOLLOWED = frozenset(str(p) for p in (DCTERMS.hasPart, DCAT.dataset, DCAT.servesDataset))


def reachable(
    starts: Iterable[Any],
    triples_of: Callable[[Any], Iterable[Any]],
    skip: frozenset[str] = NOT_FOLLOWED,
) -> list[Any]:
    """The triples of ``starts`` and of every node their objects lead to, except through
    ``skip`` predicates; works on rdflib and pyoxigraph triples alike (subject, predicate,
    object indexable), ``triples_of(node)`` giving a node's triples."""
    found: list[Any] = []
    todo, seen = list(starts), set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in triples_of(node):
            found.append(triple)
            if _text(triple[1]) not in skip:
                todo.append(triple[2])
    return found


def _text(term: Any) -> str:
    return getattr(term, "value", None) or str(term)
