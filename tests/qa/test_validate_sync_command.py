from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qa.models import DataPointValidation, Finding

pytestmark = pytest.mark.django_db


def test_validates_a_project_by_id_and_prints_what_it_found(av):
    av.datapoint(audio_offset=420)
    av.datapoint()
    out = StringIO()

    call_command(
        "validate_sync", str(av.project.pk), "--chunk-size", "1", stdout=out, stderr=StringIO()
    )

    assert "Validated 2 data points (4 annotations): 1 findings hold, 1 new" in out.getvalue()
    assert "boundary_offset: 1" in out.getvalue()
    assert DataPointValidation.objects.count() == 2


def test_validates_the_listed_data_points_of_a_project_named(av):
    spoiled = av.datapoint(audio_offset=420)
    av.datapoint(audio_offset=420)

    call_command(
        "validate_sync",
        av.project.name,
        "--datapoints",
        str(spoiled.pk),
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert list(Finding.objects.values_list("datapoint_id", flat=True)) == [spoiled.pk]


def test_an_unknown_project_or_data_point_is_an_error(av):
    with pytest.raises(CommandError):
        call_command("validate_sync", "no such project", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="datapoints"):
        call_command(
            "validate_sync",
            str(av.project.pk),
            "--datapoints",
            "999999",
            stdout=StringIO(),
            stderr=StringIO(),
        )
