"""Metrics benchmark (issue 7): the report of a big calibration iteration, and the
quality dashboard's server time on a project with many iterations and annotations.

(a) An iteration of 2,000 data points x 10 annotators (overlap 10 on one modality),
    each annotator giving every data point a tag with 5 attributes (nominal x2,
    ordinal, interval, ratio), a 2 s segment (time slices) and a box: 20,000 tasks and
    60,000 annotations, about a third of the data points with findings. Timed: the
    whole report from the database (`metrics.figures.iteration_figures`), and its
    pure computation over rows already in memory.
(b) The project also gets 50 closed iterations with snapshots and --annotations
    filler annotations (default 1,000,000) on other data points; timed: the server
    side of GET /projects/<id>/quality/ (selector + template), which reads snapshots
    only, so it does not grow with the annotations.

    .venv/bin/python bench/metrics.py [--annotations 1000000] [--repeat 20]

Writes to `syncpod_bench_metrics` on the local PostgreSQL (--database-url to point
elsewhere); seeding is skipped when the bench project already exists. Rows are
written with bulk inserts (COPY for the filler), not through the services: the
benchmark measures reading, not seeding.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import percentile, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/syncpod_bench_metrics"
PROJECT = "metrics-bench"
UNITS = 2_000
CODERS = 10
ITERATIONS = 50
LABELS = ["dog", "cat", "car", "speech"]
ATTRIBUTES = [
    {"key": "occluded", "level": "nominal", "values": ["yes", "no"]},
    {"key": "colour", "level": "nominal", "values": ["red", "green", "blue", "black"]},
    {"key": "confidence", "level": "ordinal", "values": ["low", "mid", "high"]},
    {"key": "distance_m", "level": "interval", "values": []},
    {"key": "speed_kmh", "level": "ratio", "values": []},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    options = parser.parse_args()
    setup_django(options.database_url)

    from metrics.models import CalibrationIteration

    iteration = CalibrationIteration.objects.filter(project__name=PROJECT, number=1).first()
    if iteration is None:
        started = time.perf_counter()
        iteration = seed(options.annotations)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    bench_report(iteration, options.repeat)
    bench_dashboard(iteration.project, options.repeat)


def seed(filler_annotations: int):
    from django.utils import timezone

    from common.bulk import copy_rows, reserve_ids
    from metrics.figures import iteration_figures
    from metrics.models import CalibrationIteration, IterationSnapshot, IterationStatus
    from qa.models import DataPointValidation, Finding, FindingAnnotation
    from tasks.models import Annotation, DataPoint, Stream, Task, TaskStatus
    from tasks.services.projects import ontology_create, project_create
    from tests.factories import make_client, make_pod

    rng = random.Random(7)
    now = timezone.now()
    client = make_client()
    pod = make_pod(["video"], per_modality=CODERS, client=client)
    ontology = ontology_create(
        name=f"{PROJECT}-ontology",
        terms=[{"key": label} for label in LABELS],
        attributes=ATTRIBUTES,
    )
    project = project_create(
        name=PROJECT, client=client, modalities=["video"], ontology=ontology, pods=[pod]
    )
    lead = pod.members.get(is_lead=True).person
    coders = [m.person_id for m in pod.members.filter(is_lead=False).order_by("person_id")]
    skill = {coder: rng.uniform(0.6, 0.95) for coder in coders}  # chance to give the truth

    datapoints = DataPoint.objects.bulk_create(
        DataPoint(project=project, external_id=f"cal-{i:05d}", pod=pod, is_calibration=True)
        for i in range(UNITS)
    )
    streams = Stream.objects.bulk_create(
        Stream(datapoint=dp, key="cam", modality="video", offset_ms=rng.choice([0, 40, 320]))
        for dp in datapoints
    )
    tasks = Task.objects.bulk_create(
        Task(
            datapoint=dp,
            modality="video",
            assignee_id=coder,
            pod=pod,
            status=TaskStatus.SUBMITTED,
            copy=copy,
            submitted_at=now,
        )
        for dp in datapoints
        for copy, coder in enumerate(coders)
    )

    def pick(truth, options, coder):
        return truth if rng.random() < skill[coder] else rng.choice(options)

    annotations = []
    for index in range(len(datapoints)):
        truth_label = rng.choice(LABELS)
        truth = {
            "occluded": rng.choice(["yes", "no"]),
            "colour": rng.choice(["red", "green", "blue", "black"]),
            "confidence": rng.choice(["low", "mid", "high"]),
            "distance_m": round(rng.uniform(1, 50), 1),
            "speed_kmh": round(rng.uniform(0, 80), 1),
        }
        start = rng.uniform(0, 5000)
        box = [rng.uniform(0, 500), rng.uniform(0, 300), 80.0, 60.0]
        for copy, coder in enumerate(coders):
            task = tasks[index * CODERS + copy]
            attrs = {
                "occluded": pick(truth["occluded"], ["yes", "no"], coder),
                "colour": pick(truth["colour"], ["red", "green", "blue", "black"], coder),
                "confidence": pick(truth["confidence"], ["low", "mid", "high"], coder),
                "distance_m": round(truth["distance_m"] + rng.gauss(0, 3 * (1 - skill[coder])), 1),
                "speed_kmh": round(max(0, truth["speed_kmh"] + rng.gauss(0, 5)), 1),
            }
            label = pick(truth_label, LABELS, coder)
            jitter = rng.gauss(0, 150)
            annotations += [
                Annotation(
                    task=task, stream=streams[index], kind="tag", label=label, attributes=attrs
                ),
                Annotation(
                    task=task,
                    stream=streams[index],
                    kind="segment",
                    label=label,
                    entity="e1",
                    start_ms=start + jitter,
                    end_ms=start + 2000 + jitter,
                ),
                Annotation(
                    task=task,
                    stream=streams[index],
                    kind="bbox",
                    label=label,
                    entity="e1",
                    start_ms=start,
                    bbox=[box[0] + rng.gauss(0, 6), box[1] + rng.gauss(0, 6), 80.0, 60.0],
                ),
            ]
    annotations = Annotation.objects.bulk_create(annotations, batch_size=5000)

    DataPointValidation.objects.bulk_create(
        DataPointValidation(datapoint=dp, project=project, validated_at=now) for dp in datapoints
    )
    checks = [
        ("boundary_offset", "temporal"),
        ("label_conflict", "semantic"),
        ("unmentioned_entity", "missing_reference"),
        ("concept_level", "granularity"),
    ]
    findings, links = [], []
    for index, dp in enumerate(datapoints):
        if rng.random() < 0.34:
            check, kind = rng.choice(checks)
            status = "dismissed" if rng.random() < 0.1 else "open"
            findings.append(
                Finding(
                    datapoint=dp,
                    project=project,
                    type=kind,
                    check_code=check,
                    status=status,
                    modality_a="video",
                    message="bench",
                    key=f"{check}-{dp.pk}",
                    resolved_at=now if status == "dismissed" else None,
                )
            )
            links.append(annotations[(index * CODERS + rng.randrange(CODERS)) * 3 + 1])
    findings = Finding.objects.bulk_create(findings)
    FindingAnnotation.objects.bulk_create(
        FindingAnnotation(finding=f, annotation=a) for f, a in zip(findings, links, strict=True)
    )

    iteration = CalibrationIteration.objects.create(
        project=project, pod=pod, number=1, overlap=CODERS, opened_by=lead, opened_at=now
    )
    iteration.datapoints.set(datapoints)
    figures = iteration_figures(iteration)
    iteration.status, iteration.closed_at = IterationStatus.CLOSED, now
    iteration.save()
    IterationSnapshot.objects.create(iteration=iteration, figures=figures, computed_at=now)
    # 49 more closed iterations, snapshots only (their rate falling from 34% to 3%).
    for number in range(2, ITERATIONS + 1):
        later = CalibrationIteration.objects.create(
            project=project,
            pod=pod,
            number=number,
            overlap=2,
            opened_by=lead,
            opened_at=now,
            status=IterationStatus.CLOSED,
            closed_at=now,
        )
        doc = json.loads(json.dumps(figures))
        doc["sync_errors"]["rate"] = round(0.34 - (0.31 * number / ITERATIONS), 4)
        IterationSnapshot.objects.create(iteration=later, figures=doc, computed_at=now)

    # Filler: data points with 4 tasks each and 10 annotations per task, by COPY.
    per_datapoint = 40
    count = max(0, filler_annotations // per_datapoint)
    if count:
        dp_ids = reserve_ids(DataPoint, count)
        copy_rows(
            DataPoint,
            [
                "id",
                "project_id",
                "external_id",
                "pod_id",
                "is_calibration",
                "meta",
                "created_at",
                "updated_at",
            ],
            ((pk, project.pk, f"fill-{pk}", pod.pk, False, "{}", now, now) for pk in dp_ids),
        )
        stream_ids = reserve_ids(Stream, count)
        copy_rows(
            Stream,
            ["id", "datapoint_id", "key", "modality", "uri", "offset_ms"],
            (
                (sid, dp, "cam", "video", "", 0.0)
                for sid, dp in zip(stream_ids, dp_ids, strict=True)
            ),
        )
        task_ids = reserve_ids(Task, count * 4)
        copy_rows(
            Task,
            [
                "id",
                "datapoint_id",
                "modality",
                "assignee_id",
                "pod_id",
                "status",
                "copy",
                "is_imported",
                "created_at",
                "updated_at",
            ],
            (
                (tid, dp_ids[i // 4], "video", None, pod.pk, "unassigned", i % 4, True, now, now)
                for i, tid in enumerate(task_ids)
            ),
        )
        copy_rows(
            Annotation,
            [
                "task_id",
                "stream_id",
                "kind",
                "label",
                "entity",
                "start_ms",
                "end_ms",
                "text",
                "speaker",
                "attributes",
                "created_at",
                "updated_at",
            ],
            (
                (
                    tid,
                    stream_ids[i // 4],
                    "segment",
                    "dog",
                    "e1",
                    0.0,
                    1000.0,
                    "",
                    "",
                    "{}",
                    now,
                    now,
                )
                for i, tid in enumerate(task_ids)
                for _ in range(10)
            ),
        )
    return iteration


def bench_report(iteration, repeat: int) -> None:
    from django.db import connection, reset_queries

    from metrics import figures as f
    from tasks.models import Annotation, Attribute, Task

    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        f.iteration_figures(iteration)
    timings = []
    for _ in range(max(3, repeat // 4)):
        reset_queries()
        started = time.perf_counter()
        doc = f.iteration_figures(iteration)
        timings.append(time.perf_counter() - started)
    batch = iteration.datapoints.values("pk")
    tasks = {
        row["pk"]: row
        for row in Task.objects.filter(datapoint_id__in=batch).values(
            "pk", "datapoint_id", "modality", "assignee_id"
        )
    }
    annotations = list(
        Annotation.objects.filter(task__datapoint_id__in=batch)
        .order_by("task_id", "kind", "start_ms", "id")
        .values_list(
            "id",
            "task_id",
            "kind",
            "label",
            "entity",
            "start_ms",
            "end_ms",
            "bbox",
            "attributes",
            "stream__offset_ms",
        )
    )
    levels = {
        k: (lv, v)
        for k, lv, v in Attribute.objects.filter(
            ontology_id=iteration.project.ontology_id
        ).values_list("key", "level", "values")
    }
    pure = []
    for _ in range(max(3, repeat // 4)):
        started = time.perf_counter()
        f.agreement_figures(tasks=tasks, annotations=annotations, levels=levels)
        pure.append(time.perf_counter() - started)
    print(
        f"\n(a) iteration report: {doc['batch']['datapoints']:,} data points x {CODERS} "
        f"annotators, {len(ATTRIBUTES)} attributes, {doc['batch']['annotations']:,} annotations"
    )
    print(
        f"    whole report from the database: median {statistics.median(timings):.3f} s, "
        f"best {min(timings):.3f} s, {len(queries)} queries"
    )
    print(f"    agreement computation in memory: median {statistics.median(pure):.3f} s")
    tags = doc["agreement"]["tags"]["video"]
    print(
        f"    tags alpha {tags['alpha']}, AC1 {tags['gwet']}, % {tags['percent_agreement']}; "
        f"sync-error rate {doc['sync_errors']['rate']}"
    )


def bench_dashboard(project, repeat: int) -> None:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from metrics.views import project_quality
    from pods.models import Person, Role
    from tasks.models import Annotation

    ops = Person.objects.filter(role=Role.OPS_MANAGER).first()
    if ops is None:
        from tests.factories import make_person

        ops = make_person(Role.OPS_MANAGER)
    factory = RequestFactory()

    def call():
        request = factory.get(f"/projects/{project.pk}/quality/")
        request.user = ops
        response = project_quality(request, pk=project.pk)
        assert response.status_code == 200
        return response

    call()
    with CaptureQueriesContext(connection) as queries:
        size = len(call().content)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    annotations = Annotation.objects.filter(task__datapoint__project=project).count()
    iterations = project.iterations.count()
    print(
        f"\n(b) quality dashboard: {iterations} iterations, {annotations:,} annotations "
        f"in the project"
    )
    print(
        f"    server time: median {statistics.median(timings) * 1000:.0f} ms, "
        f"p95 {percentile(timings, 95) * 1000:.0f} ms, {len(queries.captured_queries)} "
        f"queries, {size / 1024:.0f} KiB of HTML"
    )


if __name__ == "__main__":
    main()
