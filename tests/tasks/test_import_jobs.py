import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tasks.jobs import datapoints_import as datapoints_import_job
from tasks.models import DataPoint, Job, JobStatus
from tests.factories import make_import_record, make_person, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def project():
    return make_project(modalities=["video", "audio"])


def stored_job(project, records) -> Job:
    body = "\n".join(json.dumps(record) for record in records).encode()
    path = default_storage.save("imports/test.jsonl", ContentFile(body))
    return Job.objects.create(
        kind="import", project=project, created_by=make_person(), payload={"path": path}
    )


def test_a_job_imports_the_stored_upload_and_deletes_it(project):
    job = stored_job(project, [make_import_record("dp-1"), make_import_record("dp-2")])

    datapoints_import_job.delay(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["created"] == 2
    assert job.done == job.total > 0
    assert not default_storage.exists(job.payload["path"])


def test_a_job_delivered_again_after_a_lost_worker_finishes_without_duplicates(project):
    job = stored_job(project, [make_import_record("dp-1"), make_import_record("dp-2")])
    DataPoint.objects.create(project=project, external_id="dp-1")  # the first run got this far
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    datapoints_import_job.delay(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.result["created"], job.result["existing"]) == (1, 1)
    assert DataPoint.objects.filter(project=project).count() == 2


def test_a_job_that_cannot_read_its_upload_ends_failed_with_a_message(project):
    job = Job.objects.create(kind="import", project=project, payload={"path": "imports/gone.jsonl"})

    datapoints_import_job.delay(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.finished_at is not None
    assert "stopped" in job.error


def test_a_finished_job_is_not_run_twice(project):
    job = stored_job(project, [make_import_record("dp-1")])
    datapoints_import_job.delay(job.pk)
    finished = Job.objects.get(pk=job.pk)

    datapoints_import_job.delay(job.pk)

    assert Job.objects.get(pk=job.pk).finished_at == finished.finished_at
