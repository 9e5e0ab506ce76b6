import io
import json

import pytest
from django.core.management import CommandError, call_command

from tasks.models import DataPoint
from tests.factories import make_import_record, make_person, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return make_project(modalities=["video", "audio"])


def write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_datapoints", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_prints_the_counts_and_every_rejected_line(project, tmp_path):
    make_person(username="ana")
    bad = make_import_record("dp-2")
    bad["annotations"] = [{"stream": "cam", "annotator": "zed", "kind": "tag", "label": "dog"}]
    path = write(
        tmp_path / "points.jsonl",
        [
            json.dumps(make_import_record("dp-1", annotators={"video": "ana"})),
            json.dumps(bad),
            "not json",
        ],
    )

    output = run(str(project.pk), str(path))

    assert "1 created, 0 already there, 2 rejected; 1 tasks and 1 annotations created." in output
    assert "line 2 (dp-2): annotations[0].annotator: 'zed' is not a known username" in output
    assert "line 3: record: not valid JSON" in output
    assert DataPoint.objects.filter(project=project).count() == 1


def test_the_project_may_be_named_instead_of_numbered(project, tmp_path):
    path = write(tmp_path / "points.json", [json.dumps([make_import_record("dp-1")])])

    output = run(project.name, str(path))

    assert output.startswith("1 created")


def test_running_it_again_reports_the_data_points_as_already_there(project, tmp_path):
    path = write(tmp_path / "points.jsonl", [json.dumps(make_import_record("dp-1"))])
    run(str(project.pk), str(path))

    output = run(str(project.pk), str(path))

    assert output.startswith("0 created, 1 already there, 0 rejected")


def test_a_file_with_nothing_importable_fails_the_command(project, tmp_path):
    path = write(tmp_path / "points.jsonl", ["garbage", '{"external_id": "x"}'])

    with pytest.raises(CommandError, match="Nothing in the file could be imported"):
        run(str(project.pk), str(path))


def test_an_unknown_project_or_missing_file_is_a_clear_error(project, tmp_path):
    with pytest.raises(CommandError, match="No project has the id or name"):
        run("no-such-project", str(tmp_path / "x.jsonl"))
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(project.pk), str(tmp_path / "missing.jsonl"))
