"""A support call: call audio (8 kHz telephony), its transcript with speakers, and the
ticket's metadata (intent with a sentiment, the device discussed). Each utterance is
its own entity, so its audio segment and transcript line meet on the master clock."""

from __future__ import annotations

import random

from demo.scenes.base import Scene, annotation

AUDIO, TRANSCRIPT, TICKET = "call_audio", "transcript", "ticket"

# intent -> (device, the customer's words for it, the problem as the customer puts it)
SCENARIOS = [
    ("no_connection", "router", "router", "my {d} has a red light and the internet is down"),
    ("no_connection", "router", "hub", "the {d} keeps restarting and nothing connects"),
    ("slow_speed", "router", "wifi box", "the {d} is so slow I can't stream anything"),
    ("billing_dispute", "set_top_box", "tv box", "I was charged twice for the {d} rental"),
    ("refund_request", "set_top_box", "set-top box", "I returned the {d} and want my deposit back"),
    ("cancellation", "handset", "mobile", "I want to cancel the contract on my {d}"),
    ("plan_change", "handset", "mobile", "I need a bigger data plan for my {d}"),
]
LABELS = {
    "router": "router",
    "hub": "hub",
    "wifi box": "wifi box",
    "tv box": "tv box",
    "set-top box": "set_top_box",
    "mobile": "mobile",
}
GREETINGS = [
    "Thanks for calling Northwind, this is {a}, how can I help?",
    "Northwind support, {a} speaking.",
    "Hello, you're through to {a} at Northwind.",
]
AGENTS = ["Sam", "Alex", "Jordan", "Priya", "Marco"]


def _streams(external_id: str, rng: random.Random) -> list[dict]:
    audio = rng.randint(150, 300)

    def stream(
        key: str, modality: str, extension: str, offset: int, rate: float | None = None
    ) -> dict:
        uri = f"demo://support/{external_id}/{key}.{extension}"
        return {
            "key": key,
            "modality": modality,
            "uri": uri,
            "offset_ms": float(offset),
            "rate_hz": rate,
            "calibration": None,
        }

    return [
        stream(AUDIO, "audio", "wav", audio, 8000.0),
        stream(TRANSCRIPT, "text", "vtt", audio + rng.randint(250, 500)),
        stream(TICKET, "metadata", "json", rng.randint(20, 80)),
    ]


def _script(rng: random.Random) -> tuple[str, str, str, list[tuple[str, str]]]:
    intent, device, words, problem = rng.choice(SCENARIOS)
    lines = [
        ("agent", rng.choice(GREETINGS).format(a=rng.choice(AGENTS))),
        ("customer", f"Hi, {problem.format(d=words)}."),
        ("agent", "I'm sorry about that. Let me check your account, I'll put you on hold."),
        ("hold", "[hold music]"),
        ("agent", "Thanks for holding. I can see the problem and I've fixed it from here."),
        ("customer", rng.choice(["Great, that was quick.", "Okay, I'll try again now."])),
        ("agent", "Is there anything else I can help you with today?"),
        ("customer", rng.choice(["No, that's all, thanks.", "No, thank you, bye."])),
    ]
    return intent, device, words, lines


def support_scene(external_id: str, rng: random.Random) -> Scene:
    scene = Scene("support", external_id, 0.0, _streams(external_id, rng))
    intent, device, words, lines = _script(rng)
    clock = scene.stream(TRANSCRIPT)["offset_ms"] + rng.uniform(400, 900)
    document, cursor, utterance = [], 0, 0
    for speaker, text in lines:
        length = rng.uniform(4000, 9000) if speaker == "hold" else 330.0 * len(text.split()) + 300
        start, end = clock, clock + length
        if speaker == "hold":
            entity, label, sound, who = "hold-1", "hold_music", "hold_music", ""
        else:
            utterance += 1
            entity, label, sound, who = f"utt-{utterance}", "speech", "speech", speaker
            if rng.random() < 0.2:
                sound = "voice"
        scene.add(
            annotation(
                AUDIO,
                "segment",
                sound,
                entity=entity,
                speaker=who,
                start_ms=scene.to_stream(AUDIO, start + rng.uniform(-25, 25)),
                end_ms=scene.to_stream(AUDIO, end + rng.uniform(-25, 25)),
            )
        )
        scene.add(
            annotation(
                TRANSCRIPT,
                "transcript",
                label,
                entity=entity,
                speaker=who,
                start_ms=scene.to_stream(TRANSCRIPT, start),
                end_ms=scene.to_stream(TRANSCRIPT, end),
                text=text,
            )
        )
        if speaker == "customer" and words in text:
            at = cursor + text.index(words)
            scene.add(
                annotation(
                    TRANSCRIPT,
                    "span",
                    LABELS[words],
                    entity="device-1",
                    char_start=at,
                    char_end=at + len(words),
                    text=words,
                )
            )
        if text.startswith("Thanks for holding"):
            typing = rng.uniform(0.2, 0.5) * length
            scene.add(
                annotation(
                    AUDIO,
                    "segment",
                    rng.choice(["keyboard", "typing"]),
                    entity="keyboard-1",
                    start_ms=scene.to_stream(AUDIO, start + 300),
                    end_ms=scene.to_stream(AUDIO, start + 300 + typing),
                )
            )
        document.append(text)
        cursor += len(text) + 1
        clock = end + rng.uniform(250, 1200)
    scene.duration_ms = float(round(clock + 500))
    sentiment = rng.choice(["very_negative", "negative", "negative", "neutral"])
    resolved = rng.choice(["yes", "no"])
    # The device tag first: the intent is the ticket's tag, the last one of the task,
    # which is what tag agreement compares between two specialists.
    scene.add(annotation(TICKET, "tag", device, entity="device-1"))
    scene.add(
        annotation(TICKET, "tag", intent, attributes={"sentiment": sentiment, "resolved": resolved})
    )
    scene.documents[TRANSCRIPT] = "\n".join(document)
    scene.hints = {"resolution": ["hold-1"]}
    return scene
