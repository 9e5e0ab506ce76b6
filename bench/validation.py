"""Validation benchmark (issue 4): accuracy against the injected errors, and speed.

Seeds (or reuses) a dedicated PostgreSQL database with the demo dataset, built by the
demo generator's pure scene functions (`demo.scenes.dataset.build_dataset`) and
imported through the import service, then:

(a) scores validation against each data point's meta["injected"]: per check, a
    finding is a true positive when its data point had that check's error injected,
    and an injected error is recalled when its data point got at least one finding of
    that check. Also counts the clean data points (nothing injected) with findings.
(b) times validation end to end (load, check, write the findings) of N/4 and N data
    points, from no findings stored (so every finding is created), in one process
    and, with --workers W, over W processes with a database connection each (the
    model of Celery workers taking chunks); then once more over N with everything
    already stored (re-validation: nothing changes). Besides wall-clock figures it
    prints the Python CPU seconds of the validating processes and annotations per
    CPU second: on a shared machine that one moves less with the neighbours' load
    (PostgreSQL's own work is not in it).

    .venv/bin/python bench/validation.py --datapoints 20000 --workers 2

It writes to `syncpod_bench_validation` on the local PostgreSQL (--database-url to
point elsewhere). Seeding 20,000 data points takes a few minutes the first time;
later runs reuse them (the import is idempotent on external_id). The
`datapoint_submitted` receivers are disconnected so no validation jobs are queued.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/syncpod_bench_validation"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapoints", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument(
        "--workers", type=int, default=0, help="Also time W worker processes (0: skip)."
    )
    parser.add_argument("--repeat", type=int, default=1, help="Timed runs per size; best shown.")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--skip-score", action="store_true")
    options = parser.parse_args()

    setup_django(options.database_url)
    from tasks.signals import datapoint_submitted

    datapoint_submitted.receivers.clear()
    datapoint_submitted.sender_receivers_cache.clear()

    ids = seed(options.datapoints, options.seed)
    annotations = annotation_count(ids)
    print(
        f"\n{len(ids):,} data points, {annotations:,} annotations "
        f"({annotations / max(1, len(ids)):.1f} per data point), chunks of {options.chunk_size}"
    )

    sizes = sorted({max(1, len(ids) // 4), len(ids)})
    modes = [("1 process", 1)] + (
        [(f"{options.workers} workers", options.workers)] if options.workers > 1 else []
    )
    print(
        f"\n{'mode':>11} {'data points':>12} {'annotations':>12} {'seconds':>8} "
        f"{'dp/s':>9} {'annotations/s':>14} {'s per 1M ann.':>14} {'findings':>9} "
        f"{'py CPU s':>7} {'ann. per CPU s':>16}"
    )
    for label, workers in modes:
        for size in sizes:
            subset = ids[:size]
            count = annotation_count(subset)
            best = None
            for _ in range(options.repeat):
                findings_clear(subset)
                run = timed_validate(subset, options.chunk_size, workers)
                best = run if best is None or run[0] < best[0] else best
            row(label, size, count, *best)
    # Re-validation: findings stored, nothing changes.
    row("re-validate", len(ids), annotations, *timed_validate(ids, options.chunk_size, 1))

    if not options.skip_score:
        score(ids)


def row(label: str, size: int, count: int, seconds: float, findings: int, cpu: float) -> None:
    print(
        f"{label:>11} {size:>12,} {count:>12,} {seconds:>8.2f} {size / seconds:>9,.0f} "
        f"{count / seconds:>14,.0f} {seconds / count * 1e6:>14.2f} {findings:>9,} "
        f"{cpu:>7.1f} {count / cpu:>16,.0f}",
        flush=True,
    )


def seed(datapoints: int, seed_value: int) -> list[int]:
    """The demo dataset's first `datapoints` data points, imported where missing."""
    from demo.scenes.cast import PROJECTS
    from demo.scenes.dataset import build_dataset
    from demo.seed import demo_cast_ensure
    from tasks.models import DataPoint
    from tasks.services.imports import datapoints_import

    projects = demo_cast_ensure()
    project_ids = [projects[spec.key].pk for spec in PROJECTS]
    present = DataPoint.objects.filter(project_id__in=project_ids).count()
    if present < datapoints:
        started = time.perf_counter()
        print(f"Seeding {datapoints:,} data points (have {present:,}) ...", flush=True)
        records = build_dataset(seed=seed_value, datapoints=datapoints)
        for spec in PROJECTS:
            report = datapoints_import(
                project=projects[spec.key],
                records=enumerate(records[spec.key], start=1),
                chunk_size=500,
            )
            print(
                f"  {spec.key}: {report.created:,} created, {report.existing:,} existing, "
                f"{report.rejected} rejected",
                flush=True,
            )
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
        _analyze()
    ids = list(
        DataPoint.objects.filter(project_id__in=project_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Interleave projects evenly: the first quarter looks like the whole.
    by_project: dict[int, list[int]] = defaultdict(list)
    for pk, project_id in DataPoint.objects.filter(pk__in=ids).values_list("pk", "project_id"):
        by_project[project_id].append(pk)
    mixed = []
    lists = [sorted(v) for _, v in sorted(by_project.items())]
    for index in range(max(map(len, lists), default=0)):
        mixed += [items[index] for items in lists if index < len(items)]
    return mixed[:datapoints]


def _analyze() -> None:
    """Fresh statistics, as autovacuum would give them a minute later: without them
    the planner reads the whole annotation table for every chunk."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def annotation_count(ids: list[int]) -> int:
    from tasks.models import Annotation

    total = 0
    for start in range(0, len(ids), 5000):
        total += Annotation.objects.filter(task__datapoint_id__in=ids[start : start + 5000]).count()
    return total


def findings_clear(ids: list[int]) -> None:
    from django.db import connection

    from qa.models import DataPointValidation, Finding, FindingAnnotation

    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        Finding.objects.filter(datapoint_id__in=part).delete()
        DataPointValidation.objects.filter(datapoint_id__in=part).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Finding, FindingAnnotation, DataPointValidation):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def timed_validate(ids: list[int], chunk_size: int, workers: int) -> tuple[float, int, float]:
    """Wall-clock seconds to validate `ids` in chunks, the findings that held and
    the Python CPU seconds of the validating processes."""
    from django.db import connections

    chunks = [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]
    if workers <= 1:
        started = time.perf_counter()
        results = [_validate_chunk(chunk) for chunk in chunks]
        seconds = time.perf_counter() - started
        return seconds, sum(f for f, _ in results), sum(c for _, c in results)
    connections.close_all()  # every forked worker opens its own connection
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_init) as pool:
        pool.map(_noop, range(workers))  # fork and connect before the clock starts
        started = time.perf_counter()
        results = list(pool.imap_unordered(_validate_chunk, chunks))
        seconds = time.perf_counter() - started
    return seconds, sum(f for f, _ in results), sum(c for _, c in results)


def _worker_init() -> None:
    from django.db import connections

    for connection in connections.all():
        connection.close()


def _noop(_: int) -> None:
    from django.db import connection

    connection.ensure_connection()


def _validate_chunk(chunk: list[int]) -> tuple[int, float]:
    """The findings that held, and the CPU seconds this process spent (PostgreSQL's
    own work is not in them)."""
    from qa.services import datapoints_validate

    started = time.process_time()
    findings = datapoints_validate(datapoint_ids=chunk).findings
    return findings, time.process_time() - started


def score(ids: list[int]) -> None:
    """Precision and recall per check against meta["injected"] (see the module doc)."""
    from qa.checks import CHECKS
    from qa.models import Finding, FindingStatus
    from tasks.models import DataPoint

    injected: dict[tuple[int, str], int] = Counter()
    injected_per_check: Counter = Counter()
    dirty: set[int] = set()
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        for pk, meta in DataPoint.objects.filter(pk__in=part).values_list("pk", "meta"):
            for item in (meta or {}).get("injected", []):
                injected[(pk, item["check"])] += 1
                injected_per_check[item["check"]] += 1
                dirty.add(pk)
    found: dict[tuple[int, str], int] = Counter()
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        rows = (
            Finding.objects.filter(datapoint_id__in=part)
            .exclude(status=FindingStatus.FIXED)
            .values_list("datapoint_id", "check_code")
        )
        for pk, check in rows:
            found[(pk, check)] += 1

    print(
        f"\nAccuracy against the injected errors ({len(ids):,} data points, "
        f"{len(dirty):,} with injected errors)"
    )
    print(
        f"{'check':>20} {'injected':>9} {'recalled':>9} {'recall':>7} "
        f"{'findings':>9} {'true pos.':>9} {'precision':>9}"
    )
    totals = Counter()
    for check in CHECKS:
        planted = injected_per_check[check]
        recalled = sum(n for (pk, c), n in injected.items() if c == check and (pk, c) in found)
        findings = sum(n for (pk, c), n in found.items() if c == check)
        true_pos = sum(n for (pk, c), n in found.items() if c == check and (pk, c) in injected)
        totals.update(planted=planted, recalled=recalled, findings=findings, true_pos=true_pos)
        print(
            f"{check:>20} {planted:>9,} {recalled:>9,} {_ratio(recalled, planted):>7} "
            f"{findings:>9,} {true_pos:>9,} {_ratio(true_pos, findings):>9}"
        )
    print(
        f"{'all':>20} {totals['planted']:>9,} {totals['recalled']:>9,} "
        f"{_ratio(totals['recalled'], totals['planted']):>7} {totals['findings']:>9,} "
        f"{totals['true_pos']:>9,} {_ratio(totals['true_pos'], totals['findings']):>9}"
    )
    clean_with = {pk for (pk, _c) in found if pk not in dirty}
    print(f"\nClean data points with findings: {len(clean_with):,} of {len(ids) - len(dirty):,}")


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


if __name__ == "__main__":
    main()
