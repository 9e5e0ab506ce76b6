import io
import json
import threading

import pytest
from django.db import connection

from common.jsonl import iter_records
from tasks.models import Annotation, DataPoint, Stream, Task
from tasks.services.imports import datapoints_import
from tests.factories import make_import_record, make_person, make_project


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_leave_one_copy_of_each_data_point():
    project = make_project(modalities=["video", "audio"])
    make_person(username="ana")
    make_person(username="ben")
    body = "\n".join(
        json.dumps(make_import_record(f"dp-{n}", annotators={"video": "ana", "audio": "ben"}))
        for n in range(60)
    ).encode()
    barrier = threading.Barrier(2)
    reports, failures = [], []

    def run() -> None:
        try:
            barrier.wait()
            records = iter_records(io.BytesIO(body))
            reports.append(datapoints_import(project=project, records=records, chunk_size=7))
        except Exception as exc:  # reported below, with the thread's error
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sum(report.created for report in reports) == 60
    assert sum(report.existing for report in reports) == 60
    assert all(report.rejected == 0 for report in reports)
    assert DataPoint.objects.filter(project=project).count() == 60
    assert Stream.objects.filter(datapoint__project=project).count() == 120
    assert Task.objects.filter(datapoint__project=project).count() == 120
    assert Annotation.objects.filter(task__datapoint__project=project).count() == 120
