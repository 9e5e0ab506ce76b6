"""A retail shelf: one shelf photo with a box per product, the catalogue descriptions
(one line each, with a span on the product word) and planogram metadata tags. Nothing
here has a time axis; the streams still sit at their own offsets."""

from __future__ import annotations

import random

from demo.scenes.base import Scene, annotation

PHOTO, DESCRIPTIONS, CATALOG = "shelf_photo", "descriptions", "catalog"
WIDTH, HEIGHT = 4000, 3000

# concept -> (product name, size, blurb, mention word, label for that word)
PRODUCTS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "soda": [
        ("Fizzco Cola", "330 ml, 6-pack", "classic cola with cane sugar", "Cola", "cola"),
        ("Polar Lemon Soda", "1.5 l", "sparkling lemon soda", "Soda", "soda"),
        ("Redwood Cherry Cola", "500 ml", "cherry cola, no caffeine", "Cola", "cola"),
    ],
    "juice": [
        ("Sunny Orange Juice", "1 l", "not from concentrate", "Juice", "juice"),
        ("Orchard Apple Juice", "1 l", "cloudy apple juice", "Juice", "juice"),
    ],
    "water": [("Alpine Mineral Water", "6 x 1.5 l", "still, low sodium", "Mineral Water", "water")],
    "chips": [
        ("Crunchit Sea Salt Crisps", "150 g", "kettle-cooked crisps", "Crisps", "crisps"),
        ("Harvest Paprika Chips", "175 g", "ridged paprika chips", "Chips", "chips"),
    ],
    "cookies": [
        ("Granny's Butter Biscuits", "300 g", "all-butter shortbread", "Biscuits", "biscuits")
    ],
    "candy": [("Rainbow Chewy Sweets", "200 g", "fruit chews", "Sweets", "sweets")],
    "cereal": [
        ("Morning Oat Cereal", "500 g", "whole grain oats", "Cereal", "cereal"),
        ("Honey Nut Granola", "400 g", "baked with honey", "Granola", "granola"),
    ],
    "oatmeal": [("Highland Porridge Oats", "1 kg", "rolled oats", "Porridge", "porridge")],
    "dog_food": [
        ("Happy Paws Puppy Chow", "2 kg", "for growing puppies", "Puppy Chow", "puppy chow")
    ],
    "cat_food": [
        ("Whisker Feast Cat Food", "12 x 85 g", "chicken in gravy", "Cat Food", "cat_food")
    ],
    "shampoo": [("Silken Herbal Shampoo", "400 ml", "for dry hair", "Shampoo", "shampoo")],
    "toothpaste": [
        ("Brite Mint Toothpaste", "75 ml", "fluoride, fresh mint", "Toothpaste", "toothpaste")
    ],
}
DUPLICABLE = [concept for concept, items in PRODUCTS.items() if len(items) > 1]


def _streams(external_id: str, rng: random.Random) -> list[dict]:
    def stream(
        key: str, modality: str, extension: str, offset: int, rate: float | None = None
    ) -> dict:
        uri = f"demo://retail/{external_id}/{key}.{extension}"
        return {
            "key": key,
            "modality": modality,
            "uri": uri,
            "offset_ms": float(offset),
            "rate_hz": None,
            "calibration": None,
        }

    return [
        stream(PHOTO, "image", "jpg", rng.randint(200, 900)),
        stream(DESCRIPTIONS, "text", "txt", rng.randint(1000, 3000)),
        stream(CATALOG, "metadata", "json", rng.randint(50, 150)),
    ]


def _products(rng: random.Random) -> list[tuple[str, tuple[str, str, str, str, str]]]:
    """Five or six products: one concept twice (two brands of soda), the rest once."""
    twice = rng.choice(DUPLICABLE)
    others = rng.sample([concept for concept in PRODUCTS if concept != twice], rng.randint(3, 4))
    chosen = [(twice, item) for item in rng.sample(PRODUCTS[twice], 2)]
    chosen += [(concept, rng.choice(PRODUCTS[concept])) for concept in others]
    rng.shuffle(chosen)
    return chosen


def retail_scene(external_id: str, rng: random.Random) -> Scene:
    scene = Scene("retail", external_id, 0.0, _streams(external_id, rng))
    lines, cursor, x = [], 0, rng.uniform(80, 200)
    shelf_y = rng.choice([300.0, 1150.0, 2000.0])
    for number, (concept, (name, size, blurb, word, label)) in enumerate(_products(rng), 1):
        entity = f"product-{number}"
        width, height = rng.uniform(420, 560), rng.uniform(520, 760)
        box = [round(x, 1), round(shelf_y + 800 - height, 1), round(width, 1), round(height, 1)]
        x += width + rng.uniform(40, 120)
        occlusion = rng.choice(["none", "none", "partial"])
        scene.add(
            annotation(
                PHOTO,
                "bbox",
                concept,
                entity=entity,
                start_ms=0.0,
                bbox=box,
                attributes={"occlusion": occlusion},
            )
        )
        line = f"{name} {size}: {blurb}."
        at = cursor + line.index(word)
        scene.add(
            annotation(
                DESCRIPTIONS,
                "span",
                label,
                entity=entity,
                char_start=at,
                char_end=at + len(word),
                text=word,
            )
        )
        lines.append(line)
        cursor += len(line) + 1
        tier = rng.choice(["budget", "standard", "premium"])
        promo = rng.choice(["yes", "no", "no"])
        scene.add(
            annotation(
                CATALOG,
                "tag",
                concept,
                entity=entity,
                attributes={"price_tier": tier, "on_promo": promo},
            )
        )
    display = rng.choice(["shelf_bay", "shelf_bay", "endcap", "promo_stand"])
    stock = rng.choice(["low", "medium", "full", "full"])
    scene.add(annotation(CATALOG, "tag", display, attributes={"stock_level": stock}))
    scene.documents[DESCRIPTIONS] = "\n".join(lines)
    scene.hints = {"resolution": [f"product-{n}" for n in range(1, len(lines) + 1)]}
    return scene
