"""Import benchmark (issue 2): data points/s, annotations/s and peak memory.

Generates N data points with 4 streams (video, audio, text, pointcloud) and 20
annotations each (boxes, segments, a transcript, spans, tags, cuboids, by 2 annotators
per modality) as JSON Lines in a temporary file (not timed), then imports the file
through `datapoints_import_file` into a throwaway project. Each size runs in a fresh
process so that ru_maxrss belongs to that run alone; the run is done twice, once
timed and once under tracemalloc (which slows Python down) for the Python heap peak.
Sizes N/4, N/2 and N are run so one can see that memory does not grow with N (it
levels off once the import holds its three chunks in flight: the one being written,
the one validated ahead and the one being read).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/syncpod_imp \\
    REDIS_URL=redis://127.0.0.1:6379/11 SYNCPOD_SECRET_KEY=x \\
    .venv/bin/python bench/import.py --datapoints 10000

It always writes to a dedicated database: the database of DATABASE_URL renamed to
`syncpod_bench_import` (created and migrated when missing), or --database-url.
Without DATABASE_URL it runs embedded, on a temporary SQLite file.
`--writer bulk` forces bulk_create on PostgreSQL too, to compare with COPY. The
`datapoint_submitted` receivers are disconnected, so no validation jobs are queued.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "syncpod_bench_import"
ANNOTATIONS_PER_DATAPOINT = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapoints", type=int, default=10_000)
    parser.add_argument("--database-url", help="Database to use (default: see above).")
    parser.add_argument("--writer", choices=["auto", "copy", "bulk"], default="auto")
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        print(json.dumps(run_one(options)))
        return

    database_url = options.database_url or bench_database_url()
    sizes = sorted({max(1, options.datapoints // d) for d in (4, 2, 1)})
    print(
        f"Import benchmark: {ANNOTATIONS_PER_DATAPOINT} annotations and 4 streams per data "
        f"point, chunks of {options.chunk_size}, writer {options.writer}, "
        f"{'PostgreSQL' if database_url else 'SQLite'}"
    )
    header = (
        f"{'data points':>12} {'MB':>7} {'seconds':>8} {'dp/s':>9} {'annotations/s':>14} "
        f"{'tracemalloc peak':>17} {'ru_maxrss delta':>16}"
    )
    print(header)
    for size in sizes:
        command = [
            sys.executable,
            __file__,
            "--one",
            "--datapoints",
            str(size),
            "--writer",
            options.writer,
            "--chunk-size",
            str(options.chunk_size),
            "--seed",
            str(options.seed),
        ]
        if database_url:
            command += ["--database-url", database_url]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(
            f"{result['datapoints']:>12,} {result['file_mb']:>7.1f} {result['seconds']:>8.2f} "
            f"{result['datapoints_per_s']:>9,.0f} {result['annotations_per_s']:>14,.0f} "
            f"{result['tracemalloc_peak_mb']:>14.1f} MB {result['rss_delta_mb']:>13.1f} MB"
        )
        report = result["report"]
        if report["rejected"] or report["created"] != size:
            print(f"  unexpected report: {report}")


def bench_database_url() -> str | None:
    """The dedicated bench database next to DATABASE_URL's, or None for SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    base, _, _ = url.rpartition("/")
    return f"{base}/{BENCH_DATABASE}"


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (config["NAME"],)
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def setup_django(database_url: str | None) -> None:
    if database_url:
        ensure_database(database_url)
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
        os.environ.setdefault("SYNCPOD_SECRET_KEY", "bench-only")
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        os.environ["SYNCPOD_SQLITE_PATH"] = str(
            Path(tempfile.gettempdir()) / f"syncpod-bench-import-{os.getpid()}.sqlite3"
        )
    os.environ.setdefault("SYNCPOD_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_project(people_per_modality: int = 3):
    from pods.models import Client, Person, Role
    from tasks.models import Ontology, Project

    tag = uuid.uuid4().hex[:8]
    client = Client.objects.create(name=f"bench-{tag}")
    ontology = Ontology.objects.create(name=f"bench-{tag}")
    project = Project.objects.create(
        name=f"bench-{tag}",
        client=client,
        ontology=ontology,
        modalities=["video", "audio", "text", "pointcloud"],
    )
    people = {}
    for modality in project.modalities:
        people[modality] = [f"bench-{tag}-{modality}-{n}" for n in range(people_per_modality)]
        Person.objects.bulk_create(
            Person(username=name, role=Role.SPECIALIST, password="!") for name in people[modality]
        )
    return project, people


def write_records(path: Path, count: int, people: dict[str, list[str]], seed: int) -> None:
    """N data points as JSON Lines, each with 20 annotations over 4 streams."""
    rng = random.Random(seed)
    labels = ["dog", "cat", "car", "person", "bicycle", "unknown-thing"]
    with path.open("w") as out:
        for n in range(count):
            entities = [f"e{k}" for k in range(3)]
            video, audio, text, lidar = (rng.sample(people[m], 2) for m in people)
            annotations = []
            for k in range(3):
                start = rng.uniform(0, 9000)
                annotations.append(
                    {
                        "stream": "cam",
                        "annotator": video[k % 2],
                        "kind": "bbox",
                        "label": rng.choice(labels),
                        "entity": entities[k],
                        "start_ms": round(start, 1),
                        "bbox": [rng.randint(0, 1800), rng.randint(0, 1000), 64, 48],
                        "attributes": {"occluded": rng.choice(["yes", "no"])},
                    }
                )
            for k in range(2):
                start = rng.uniform(0, 9000)
                annotations.append(
                    {
                        "stream": "cam",
                        "annotator": video[k % 2],
                        "kind": "segment",
                        "label": rng.choice(labels),
                        "entity": entities[k],
                        "start_ms": round(start, 1),
                        "end_ms": round(start + rng.uniform(100, 2000), 1),
                    }
                )
            for k in range(4):
                start = rng.uniform(0, 9000)
                annotations.append(
                    {
                        "stream": "mic",
                        "annotator": audio[k % 2],
                        "kind": "segment",
                        "label": rng.choice(labels),
                        "entity": entities[k % 3],
                        "start_ms": round(start, 1),
                        "end_ms": round(start + rng.uniform(100, 2000), 1),
                    }
                )
            annotations.append(
                {
                    "stream": "mic",
                    "annotator": audio[0],
                    "kind": "transcript",
                    "label": "speech",
                    "start_ms": 0,
                    "end_ms": 2500,
                    "text": "look, a puppy next to the red car",
                    "speaker": "A",
                }
            )
            for k in range(3):
                annotations.append(
                    {
                        "stream": "caption",
                        "annotator": text[k % 2],
                        "kind": "span",
                        "label": rng.choice(labels),
                        "entity": entities[k],
                        "char_start": 8 * k,
                        "char_end": 8 * k + 5,
                    }
                )
            for k in range(2):
                annotations.append(
                    {
                        "stream": "caption",
                        "annotator": text[k % 2],
                        "kind": "tag",
                        "label": rng.choice(labels),
                        "attributes": {"confidence": rng.choice(["low", "mid", "high"])},
                    }
                )
            for k in range(5):
                annotations.append(
                    {
                        "stream": "lidar",
                        "annotator": lidar[k % 2],
                        "kind": "cuboid",
                        "label": rng.choice(labels),
                        "entity": entities[k % 3],
                        "start_ms": round(rng.uniform(0, 9000), 1),
                        "cuboid": {
                            "center": [round(rng.uniform(-40, 40), 2) for _ in range(3)],
                            "size": [4.2, 1.8, 1.5],
                            "yaw": round(rng.uniform(-3.14, 3.14), 3),
                        },
                    }
                )
            assert len(annotations) == ANNOTATIONS_PER_DATAPOINT
            record = {
                "external_id": f"clip-{n:08d}",
                "meta": {"source": "bench", "weather": rng.choice(["rain", "sun"])},
                "streams": [
                    {"key": "cam", "modality": "video", "uri": f"s3://bench/{n}/cam.mp4",
                     "offset_ms": 0, "rate_hz": 30,
                     "calibration": {"projection": [[1000, 0, 960, 0], [0, 1000, 540, 0],
                                                    [0, 0, 1, 0]]}},
                    {"key": "mic", "modality": "audio", "uri": f"s3://bench/{n}/mic.wav",
                     "offset_ms": round(rng.uniform(-300, 300), 1), "rate_hz": 16000},
                    {"key": "caption", "modality": "text", "uri": "", "offset_ms": 0},
                    {"key": "lidar", "modality": "pointcloud", "uri": f"s3://bench/{n}/lidar",
                     "offset_ms": round(rng.uniform(0, 100), 1), "rate_hz": 10,
                     "calibration": {"pose": {"x": 1.2, "y": 0, "z": 1.8, "yaw": 0}}},
                ],
                "annotations": annotations,
            }  # fmt: skip
            out.write(json.dumps(record))
            out.write("\n")


def drop_projects(projects, people_prefix: str) -> None:
    """Remove the throwaway projects, their rows and their people."""
    from django.db import connection, transaction

    from pods.models import Person

    with transaction.atomic(), connection.cursor() as cursor:
        for project in projects:
            datapoints = "SELECT id FROM tasks_datapoint WHERE project_id = %s"
            tasks = f"SELECT id FROM tasks_task WHERE datapoint_id IN ({datapoints})"
            for statement in (
                f"DELETE FROM tasks_annotation WHERE task_id IN ({tasks})",
                f"DELETE FROM tasks_task WHERE datapoint_id IN ({datapoints})",
                f"DELETE FROM tasks_stream WHERE datapoint_id IN ({datapoints})",
                "DELETE FROM tasks_datapoint WHERE project_id = %s",
            ):
                cursor.execute(statement, [project.pk])
            client, ontology = project.client, project.ontology
            project.delete()
            client.delete()
            ontology.delete()
        Person.objects.filter(username__startswith=people_prefix).delete()


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(options: argparse.Namespace) -> dict:
    setup_django(options.database_url)
    from tasks.services import imports

    if options.writer == "bulk":
        imports.COPY_ON_POSTGRESQL = False
    # Measure the import alone: no validation jobs queued for the imported points.
    from tasks.signals import datapoint_submitted

    datapoint_submitted.receivers.clear()
    datapoint_submitted.sender_receivers_cache.clear()

    project, people = make_project()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "datapoints.jsonl"
        write_records(path, options.datapoints, people, options.seed)
        size = path.stat().st_size

        def run_import(target):
            from common.jsonl import iter_records
            from tasks.services.imports import datapoints_import, datapoints_import_file

            with path.open("rb") as fileobj:
                if options.chunk_size == 1000:
                    return datapoints_import_file(project=target, fileobj=fileobj)
                return datapoints_import(
                    project=target, records=iter_records(fileobj), chunk_size=options.chunk_size
                )

        rss_before = max_rss_mb()
        started = time.perf_counter()
        report = run_import(project)
        seconds = time.perf_counter() - started
        rss_delta = max_rss_mb() - rss_before

        traced_project, _ = make_project(people_per_modality=0)  # same annotators
        tracemalloc.start()
        run_import(traced_project)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    drop_projects([project, traced_project], people_prefix=f"{project.name}-")
    if not options.database_url:
        from django.db import connection

        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(os.environ["SYNCPOD_SQLITE_PATH"] + suffix).unlink(missing_ok=True)
    return {
        "datapoints": options.datapoints,
        "file_mb": size / 1e6,
        "seconds": seconds,
        "datapoints_per_s": report.created / seconds,
        "annotations_per_s": report.annotations / seconds,
        "tracemalloc_peak_mb": peak / 1e6,
        "rss_delta_mb": rss_delta,
        "report": {k: v for k, v in vars(report).items() if k != "errors"},
    }


if __name__ == "__main__":
    main()
