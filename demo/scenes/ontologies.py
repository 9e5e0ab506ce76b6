"""The three demo ontologies as plain data, and a small vocabulary that resolves labels
(terms and per-modality synonyms) and answers is-a questions over them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def _term(key: str, parent: str | None = None, **synonyms: list[str]) -> dict[str, Any]:
    term: dict[str, Any] = {"key": key, "label": key.replace("_", " ").capitalize()}
    if parent:
        term["parent"] = parent
    if synonyms:
        term["synonyms"] = synonyms
    return term


DRIVING = {
    "name": "Driving scenes",
    "description": "Road users and sounds around a vehicle, for camera, LiDAR, cabin audio "
    "and the spoken transcript.",
    "terms": [
        _term("vehicle"),
        _term("car", "vehicle", audio=["engine"], text=["sedan"]),
        _term("truck", "vehicle", audio=["diesel"], text=["lorry"]),
        _term("bus", "vehicle"),
        _term("ambulance", "vehicle", audio=["siren"]),
        _term("motorcycle", "vehicle", text=["motorbike"]),
        _term("person"),
        _term("pedestrian", "person", text=["walker"]),
        _term("cyclist", "person", text=["biker"]),
        _term("animal"),
        _term("dog", "animal", text=["puppy"], audio=["bark"]),
        _term("cat", "animal"),
        _term("sound"),
        _term("speech", "sound"),
        _term("horn", "sound", audio=["honk"]),
        _term("music", "sound"),
    ],
    "attributes": [
        {"key": "occlusion", "level": "ordinal", "values": ["none", "partial", "heavy"]},
        {"key": "motion", "level": "nominal", "values": ["moving", "stopped"]},
        {"key": "loudness", "level": "ordinal", "values": ["faint", "clear", "loud"]},
    ],
}

RETAIL = {
    "name": "Retail shelf",
    "description": "Products on a shelf photo, in their catalogue descriptions and in the "
    "planogram metadata.",
    "terms": [
        _term("product"),
        _term("beverage", "product"),
        _term("soda", "beverage", text=["cola", "fizzy drink"]),
        _term("juice", "beverage"),
        _term("water", "beverage", text=["mineral water"]),
        _term("snack", "product"),
        _term("chips", "snack", text=["crisps"]),
        _term("cookies", "snack", text=["biscuits"]),
        _term("candy", "snack", text=["sweets"]),
        _term("breakfast", "product"),
        _term("cereal", "breakfast", text=["granola"]),
        _term("oatmeal", "breakfast", text=["porridge"]),
        _term("pet_food", "product"),
        _term("dog_food", "pet_food", text=["puppy chow"]),
        _term("cat_food", "pet_food"),
        _term("personal_care", "product"),
        _term("shampoo", "personal_care"),
        _term("toothpaste", "personal_care"),
        _term("display"),
        _term("shelf_bay", "display"),
        _term("endcap", "display"),
        _term("promo_stand", "display"),
    ],
    "attributes": [
        {"key": "price_tier", "level": "ordinal", "values": ["budget", "standard", "premium"]},
        {"key": "on_promo", "level": "nominal", "values": ["yes", "no"]},
        {"key": "occlusion", "level": "ordinal", "values": ["none", "partial", "heavy"]},
        {"key": "stock_level", "level": "ordinal", "values": ["empty", "low", "medium", "full"]},
    ],
}

SUPPORT = {
    "name": "Support calls",
    "description": "What happens on a customer support call: speech, hold music, typing, "
    "the device discussed and the ticket's intent.",
    "terms": [
        _term("sound"),
        _term("speech", "sound", audio=["voice"]),
        _term("music", "sound"),
        _term("hold_music", "music", text=["hold music"]),
        _term("noise", "sound"),
        _term("keyboard", "noise", audio=["typing"]),
        _term("dial_tone", "noise"),
        _term("dog_bark", "noise"),
        _term("device"),
        _term("router", "device", text=["hub", "wifi box"]),
        _term("set_top_box", "device", text=["tv box"]),
        _term("handset", "device", text=["mobile"]),
        _term("intent"),
        _term("billing", "intent"),
        _term("billing_dispute", "billing"),
        _term("refund_request", "billing"),
        _term("technical", "intent"),
        _term("no_connection", "technical"),
        _term("slow_speed", "technical"),
        _term("account", "intent"),
        _term("cancellation", "account"),
        _term("plan_change", "account"),
    ],
    "attributes": [
        {
            "key": "sentiment",
            "level": "ordinal",
            "values": ["very_negative", "negative", "neutral", "positive"],
        },
        {"key": "resolved", "level": "nominal", "values": ["yes", "no"]},
    ],
}

ONTOLOGIES = {"driving": DRIVING, "retail": RETAIL, "support": SUPPORT}


@dataclass(frozen=True)
class Vocabulary:
    """Is-a and synonym lookups over one ontology's terms."""

    parents: Mapping[str, str | None]
    synonyms: Mapping[str, Mapping[str, str]]  # modality -> word -> term key
    attributes: Mapping[str, list[str]]

    @classmethod
    def of(cls, ontology: Mapping[str, Any]) -> Vocabulary:
        parents = {term["key"]: term.get("parent") for term in ontology["terms"]}
        synonyms: dict[str, dict[str, str]] = {}
        for term in ontology["terms"]:
            for modality, words in term.get("synonyms", {}).items():
                for word in words:
                    synonyms.setdefault(modality, {})[word] = term["key"]
        values = {item["key"]: list(item["values"]) for item in ontology["attributes"]}
        return cls(parents=parents, synonyms=synonyms, attributes=values)

    def concept(self, label: str, modality: str) -> str | None:
        """The term a label means in a modality, or None when it is not a known word."""
        if label in self.parents:
            return label
        return self.synonyms.get(modality, {}).get(label)

    def is_word_anywhere(self, label: str) -> bool:
        return label in self.parents or any(label in words for words in self.synonyms.values())

    def ancestors(self, key: str) -> list[str]:
        chain, node = [], self.parents.get(key)
        while node:
            chain.append(node)
            node = self.parents.get(node)
        return chain

    def related(self, a: str, b: str) -> bool:
        """True when a and b are the same concept or one is an ancestor of the other."""
        return a == b or a in self.ancestors(b) or b in self.ancestors(a)

    def siblings(self, key: str, exclude: Iterable[str] = ()) -> list[str]:
        parent, excluded = self.parents.get(key), set(exclude)
        return [
            other
            for other, other_parent in self.parents.items()
            if other_parent == parent and other != key and other not in excluded
        ]


VOCABULARIES = {key: Vocabulary.of(ontology) for key, ontology in ONTOLOGIES.items()}
