"""The values an enumerated field accepts, and their Italian names.

The controlled vocabularies (``ontology/vocabularies.ttl``) are the one list: a field such as
``timeframe`` accepts each concept's key (``skos:notation``, e.g. ``short``) and any of its
labels in either language (``skos:prefLabel`` / ``skos:altLabel``: ``breve``, ``breve
termine``, ``short term``). A name is compared without case, accents or punctuation, so
``Più di``, ``piu di`` and ``più-di`` are the same name. The few enumerations that are not
SKOS vocabularies (organisation types, what a role is for, yes and no) have their names in
:data:`NAMES`, the one table beside them. The record always keeps the key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from publisher.messages import say

VOCABULARY_FILE = Path(__file__).resolve().parents[2] / "ontology" / "vocabularies.ttl"
VOCAB = "https://w3id.org/smartcity-masterplan/vocab/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# Names of the enumerations that are not SKOS vocabularies: key -> Italian names.
NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "organisation-type": {
        "organisation": ("organizzazione",),
        "steering-committee": ("comitato di indirizzo", "cabina di regia"),
    },
    "role-target": {
        "masterplan": ("piano",),
        "table": ("tavolo",),
        "action": ("azione",),
        "organisation": ("organizzazione",),
    },
    "boolean": {"true": ("sì", "vero"), "false": ("falso",)},
}


def normal(name: object) -> str:
    """``name`` compared loosely: lower case, no accents, words joined by '-'."""
    text = unicodedata.normalize("NFKD", str(name).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


Names = dict[str, dict[str, list[str]]]  # key -> language -> names


class Choices(tuple[str, ...]):
    """The keys a field accepts, in order, and every name each key is known by."""

    names: dict[str, str]  # normal(name) -> key
    italian: dict[str, str]  # key -> the Italian name messages show

    def __new__(cls, keys: Iterable[str], names: Names | None = None) -> Choices:
        self = super().__new__(cls, keys)
        self.names, self.italian = {}, {}
        for key in self:
            self._name(key, key)
        for key, by_lang in (names or {}).items():
            for name in (n for lang_names in by_lang.values() for n in lang_names):
                self._name(name, key)
            others = {normal(n) for lang, ns in by_lang.items() if lang != "it" for n in ns}
            italian = by_lang.get("it", [])
            # The shortest Italian name that is not also the key or an English name.
            own = [n for n in italian if normal(n) not in others | {normal(key)}]
            if own or italian:
                self.italian[key] = min(own or italian, key=len)
        return self

    def _name(self, name: str, key: str) -> None:
        seen = self.names.setdefault(normal(name), key)
        if seen != key:
            raise ValueError(f"the name {name!r} is both {seen!r} and {key!r}")

    def key(self, value: object) -> str | None:
        """The key ``value`` names, or None."""
        return self.names.get(normal(value)) if isinstance(value, str) else None

    def render(self, lang: str) -> str:
        """The accepted values, for a message: the keys, and the Italian names if any."""
        codes = ", ".join(self)
        if not self.italian:
            return codes
        names = ", ".join(self.italian.get(key, key) for key in self)
        return say(lang, "choice.names", codes=codes, names=names)


def _labels(path: Path) -> dict[str, Names]:
    """scheme key -> concept key -> language -> labels, concepts in the file's order."""
    notation: dict[str, str] = {}
    labels: Names = {}
    scheme_of: dict[str, str] = {}
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if predicate == SKOS + "inScheme":
            scheme_of[subject.value] = obj.value.removeprefix(VOCAB)
        elif predicate == SKOS + "notation":
            notation[subject.value] = obj.value
        elif predicate in (SKOS + "prefLabel", SKOS + "altLabel"):
            lang = obj.language or "en"
            labels.setdefault(subject.value, {}).setdefault(lang, []).append(obj.value)
    schemes: dict[str, Names] = {}
    for concept, key in notation.items():  # dicts keep the file's order
        if concept in scheme_of:
            schemes.setdefault(scheme_of[concept], {})[key] = labels.get(concept, {})
    return schemes


def pref_labels(scheme: str, path: Path = VOCABULARY_FILE) -> dict[str, dict[str, str]]:
    """concept key -> language -> its skos:prefLabel in scheme ``scheme`` (``role``): the name
    generated labels use, so a label in Italian says the role in Italian."""
    key_of: dict[str, str] = {}
    in_scheme: set[str] = set()
    pref: dict[str, dict[str, str]] = {}
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if predicate == SKOS + "inScheme" and obj.value == VOCAB + scheme:
            in_scheme.add(subject.value)
        elif predicate == SKOS + "notation":
            key_of[subject.value] = obj.value
        elif predicate == SKOS + "prefLabel" and isinstance(obj, ox.Literal) and obj.language:
            pref.setdefault(subject.value, {})[obj.language] = obj.value
    return {key_of[c]: pref.get(c, {}) for c in key_of if c in in_scheme}


def load(path: Path = VOCABULARY_FILE) -> dict[str, Choices]:
    """Each vocabulary's choices (by scheme key, e.g. ``timeframe``), then NAMES's."""
    result = {scheme: Choices(names, names) for scheme, names in _labels(path).items()}
    for name, table in NAMES.items():
        result[name] = Choices(table, {key: {"it": list(it)} for key, it in table.items()})
    return result
