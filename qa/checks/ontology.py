"""A read-only view of one ontology version: what a label means in a modality, and
how two concepts relate. Pure Python, built from plain term tuples."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum


class Relation(Enum):
    SAME = "same"
    ANCESTOR = "ancestor"  # the first concept is a strict ancestor of the second
    DESCENDANT = "descendant"  # the first concept is a strict descendant of the second
    UNRELATED = "unrelated"

    @property
    def is_granularity(self) -> bool:
        return self in (Relation.ANCESTOR, Relation.DESCENDANT)


@dataclass(frozen=True, slots=True)
class TermRecord:
    key: str
    parent: str | None = None
    synonyms: Mapping[str, Sequence[str]] | None = None


_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise(word: str) -> str:
    """'Traffic light', 'traffic_light' and 'traffic-light ' read as one word."""
    return _SEPARATORS.sub("_", word.strip().lower())


class OntologyView:
    """Resolves a label to a concept (term key): exact key, then the key written
    another way, then a synonym declared for the annotation's modality. A synonym of
    another modality does not count: "puppy" may mean dog in text and nothing in audio.
    """

    def __init__(self, terms: Iterable[TermRecord], *, name: str = "the ontology") -> None:
        self.name = name
        terms = sorted(terms, key=lambda term: term.key)
        self._parent = {term.key: term.parent for term in terms}
        self._by_norm: dict[str, str] = {}
        self._synonyms: dict[tuple[str, str], str] = {}
        for term in terms:
            self._by_norm.setdefault(normalise(term.key), term.key)
        for term in terms:
            for modality, words in (term.synonyms or {}).items():
                for word in words:
                    self._synonyms.setdefault((modality, normalise(word)), term.key)
        self._ancestors = {key: self._walk_up(key) for key in self._parent}
        self._cache: dict[tuple[str, str], str | None] = {}

    def _walk_up(self, key: str) -> frozenset[str]:
        seen: list[str] = []
        node = self._parent.get(key)
        while node and node not in seen and node in self._parent:
            seen.append(node)
            node = self._parent.get(node)
        return frozenset(seen)

    def resolve(self, label: str, modality: str) -> str | None:
        cached = self._cache.get((modality, label), False)
        if cached is not False:
            return cached
        if label in self._parent:
            concept: str | None = label
        else:
            norm = normalise(label)
            concept = self._by_norm.get(norm) or self._synonyms.get((modality, norm))
        self._cache[(modality, label)] = concept
        return concept

    def ancestors(self, key: str) -> frozenset[str]:
        return self._ancestors.get(key, frozenset())

    def is_ancestor(self, ancestor: str, of: str) -> bool:
        return ancestor in self.ancestors(of)

    def relation(self, a: str, b: str) -> Relation:
        if a == b:
            return Relation.SAME
        if a in self.ancestors(b):
            return Relation.ANCESTOR
        if b in self.ancestors(a):
            return Relation.DESCENDANT
        return Relation.UNRELATED
