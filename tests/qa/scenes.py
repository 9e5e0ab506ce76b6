"""Hand-built scenes for the pure check tests. Times given to `add` are STREAM
times; the builder converts them through the stream's offset exactly as the loader
does (AnnotationRecord.on_stream)."""

import itertools
from typing import Any

from qa.checks import CHECKS
from qa.checks.context import CheckContext
from qa.checks.ontology import OntologyView, TermRecord
from qa.checks.records import AnnotationRecord, FindingDraft, Scene, StreamRecord
from qa.rules import rules_parse

ONTOLOGY = OntologyView(
    [
        TermRecord("animal"),
        TermRecord("dog", "animal", {"text": ["puppy", "hound"]}),
        TermRecord("cat", "animal"),
        TermRecord("vehicle"),
        TermRecord("car", "vehicle", {"audio": ["engine"]}),
        TermRecord("truck", "vehicle"),
        TermRecord("speech"),
    ],
    name="animals v1",
)

TASK_OF_MODALITY = {"video": 10, "audio": 20, "text": 30, "image": 40, "pointcloud": 50}


def context(rules: dict | None = None) -> CheckContext:
    return CheckContext(rules_parse(rules or {}), ONTOLOGY)


class SceneBuilder:
    def __init__(self, datapoint_id: int = 1) -> None:
        self.datapoint_id = datapoint_id
        self.streams: dict[str, StreamRecord] = {}
        self.annotations: list[AnnotationRecord] = []
        self._ids = itertools.count(1)

    def stream(
        self, key: str, modality: str, *, offset_ms: float = 0.0, calibration: Any = None
    ) -> "SceneBuilder":
        self.streams[key] = StreamRecord(key, modality, offset_ms, None, calibration)
        return self

    def add(
        self,
        stream_key: str,
        kind: str,
        label: str,
        *,
        entity: str = "",
        start: float | None = None,
        end: float | None = None,
        task: int | None = None,
        **geometry: Any,
    ) -> AnnotationRecord:
        stream = self.streams[stream_key]
        record = AnnotationRecord.on_stream(
            stream,
            start_ms=start,
            end_ms=end,
            id=next(self._ids),
            datapoint_id=self.datapoint_id,
            task_id=task if task is not None else TASK_OF_MODALITY.get(stream.modality, 99),
            annotator_id=None,
            kind=kind,
            label=label,
            entity=entity,
            **geometry,
        )
        self.annotations.append(record)
        return record

    def build(self) -> Scene:
        return Scene(self.datapoint_id, tuple(self.streams.values()), tuple(self.annotations))


def run(check: str, *scenes: Scene, rules: dict | None = None) -> list[FindingDraft]:
    return CHECKS[check](list(scenes), context(rules))
