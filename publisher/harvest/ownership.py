"""Who may say what: each source owns the namespaces its datasets declare, and nothing else.

- A dataset's namespace is its ``void:uriSpace``, else the city namespace of its masterplan
  (``…/id/{city}/`` of ``foaf:primaryTopic``, lodpub's layout). A city's key in the
  aggregate (its graph ``graph/{key}``, its dumps) is the namespace's last segment.
- A city's data may only be about IRIs in its own namespaces: every subject is one of them
  or a blank node. Objects may point anywhere (that is what links are for); what another
  city says about its own things can only come from that city.
- A namespace is owned by the source that published it first, for as long as the
  aggregate holds that source's cities; another source claiming it, or a namespace inside or
  around it, is refused. City keys are unique the same way.
- A namespace may not cover the aggregator's own IRIs (its catalogue, graphs, datasets):
  only ``id/…`` under the aggregator's base may belong to a city.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import pyoxigraph as ox

from publisher.iris import RESERVED_CITY_IDS, is_slug

EXAMPLES = 3


class OwnershipError(Exception):
    """A namespace or a triple the source may not publish; the message says which."""


def _overlap(first: str, second: str) -> bool:
    return first.startswith(second) or second.startswith(first)


def overlapping(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    """Whether a namespace of ``first`` contains, or is inside, one of ``second``."""
    return any(_overlap(a, b) for a in first for b in second)


def city_key(dataset: str, namespaces: tuple[str, ...], aggregator_base: str) -> str:
    """The key of a city in the aggregate; OwnershipError when its namespaces are unusable."""
    if not namespaces:
        raise OwnershipError(
            f"{dataset}: declares no namespace (void:uriSpace, or a lodpub masterplan as "
            "foaf:primaryTopic)"
        )
    for namespace in namespaces:
        parts = urlsplit(namespace)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not namespace.endswith(("/", "#"))
        ):
            raise OwnershipError(
                f"{dataset}: namespace {namespace!r} is not an http(s) IRI ending in / or #"
            )
        if _overlap(namespace, aggregator_base) and not namespace.startswith(
            aggregator_base + "id/"
        ):
            raise OwnershipError(
                f"{dataset}: namespace {namespace} covers the aggregator's own IRIs "
                f"({aggregator_base}); only {aggregator_base}id/… may belong to a city"
            )
    key = namespaces[0].rstrip("/#").rsplit("/", 1)[-1].lower()
    if not is_slug(key) or key in RESERVED_CITY_IDS:
        raise OwnershipError(
            f"{dataset}: cannot name a city after namespace {namespaces[0]} (its last segment "
            f"{key!r} must be a slug other than {', '.join(RESERVED_CITY_IDS)})"
        )
    return key


def check_subjects(quads: Iterable[ox.Quad], namespaces: tuple[str, ...]) -> None:
    """Every subject is a blank node or an IRI in ``namespaces``; else OwnershipError."""
    outside: dict[str, None] = {}
    count = 0
    for quad in quads:
        subject = quad.subject
        if isinstance(subject, ox.BlankNode):
            continue
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(namespaces):
            continue
        count += 1
        if len(outside) < EXAMPLES:
            outside[str(subject)] = None
    if count:
        raise OwnershipError(
            f"{count} triple(s) about things outside its namespace "
            f"{', '.join(namespaces)}, e.g. {', '.join(outside)}"
        )


class Owners:
    """Namespaces and city keys, each with the one source that owns it."""

    def __init__(self, namespaces: dict[str, str], keys: dict[str, str]) -> None:
        self.namespaces = dict(namespaces)
        self.keys = dict(keys)

    def conflict(self, source: str, cities: dict[str, tuple[str, ...]]) -> str | None:
        """Why ``source`` may not publish ``cities`` (key -> namespaces), or None."""
        for namespace in (n for namespaces in cities.values() for n in namespaces):
            for owned, owner in self.namespaces.items():
                if owner != source and _overlap(namespace, owned):
                    return f"namespace {namespace} is owned by source {owner!r} ({owned})"
        for key in cities:
            owner = self.keys.get(key)
            if owner is not None and owner != source:
                return f"city key {key!r} is already taken by source {owner!r}"
        return None

    def grant(self, source: str, cities: dict[str, tuple[str, ...]]) -> None:
        for key, namespaces in cities.items():
            self.keys[key] = source
            self.namespaces.update(dict.fromkeys(namespaces, source))

    def release(self, source: str) -> None:
        """Forget what ``source`` owned (it publishes something else now, or nothing)."""
        self.keys = {k: s for k, s in self.keys.items() if s != source}
        self.namespaces = {n: s for n, s in self.namespaces.items() if s != source}
