"""Builders for the qa service and API tests, and the API tests' persona world."""

from dataclasses import dataclass

import pytest

from pods.models import Person
from tasks.models import Annotation, DataPoint, Project
from tests.api.conftest import _fast_passwords, api_as, world  # noqa: F401  (fixtures)
from tests.factories import make_annotation, make_datapoint, make_person, make_project, make_task


@dataclass
class AvProject:
    """A video/audio project and one specialist per modality."""

    project: Project
    video: Person
    audio: Person

    def datapoint(self, *, audio_offset: float = 0.0, audio_start: float = 1000.0) -> DataPoint:
        """Entity car-1 segmented 1.0-2.0 s on the video stream and from `audio_start`
        (stream time) on the audio stream at `audio_offset`: an offset or a start away
        from 1000 beyond 100 ms is a boundary_offset error."""
        datapoint = make_datapoint(self.project, offsets={"audio": audio_offset})
        video = make_task(datapoint, "video", self.video)
        audio = make_task(datapoint, "audio", self.audio)
        make_annotation(video, label="car", entity="car-1", start_ms=1000.0, end_ms=2000.0)
        make_annotation(
            audio,
            label="engine",
            entity="car-1",
            start_ms=audio_start,
            end_ms=audio_start + 1000.0,
        )
        return datapoint

    @staticmethod
    def audio_annotation(datapoint: DataPoint) -> Annotation:
        return Annotation.objects.get(task__datapoint=datapoint, task__modality="audio")


@pytest.fixture
def av(db, _fast_passwords) -> AvProject:  # noqa: F811
    return AvProject(
        project=make_project(modalities=["video", "audio"]),
        video=make_person(skills=[("video", "senior")]),
        audio=make_person(skills=[("audio", "senior")]),
    )
