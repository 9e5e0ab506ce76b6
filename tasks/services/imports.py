"""Import data points with their streams and, optionally, finished annotations.

A record is all-or-nothing: any error rejects that record and keeps the others.
Imports are idempotent on `external_id` within a project: a data point that already
exists is counted and left as it is, so re-sending a file (or two workers importing
it at once) never duplicates anything.

Imported annotations arrive with their tasks: one Task per (data point, modality,
annotator), submitted and flagged `is_imported`, numbered as overlap copies, so
imported work and work done in SyncPod look the same to validation and metrics.
Like the last submit of a data point, each chunk sends `datapoint_submitted` after
commit for its data points that came with annotations, so validation runs on them.

Records are written in chunks, one transaction per chunk, with a handful of
statements per chunk. On PostgreSQL the rows go in with binary COPY, their ids
reserved from the sequences beforehand so rows can point at each other; measured
with bench/import.py that is 3.4 times the rate of `bulk_create`, which spends its
time building model instances and SQL. Other databases (SQLite in embedded mode)
use `bulk_create`. While the database writes one chunk, a helper thread reads and
validates the next; the cyclic garbage collector is paused meanwhile.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from common.bulk import copy_rows, reserve_id_blocks
from common.jsonl import RecordError, iter_records
from pods.models import Person, PodMember
from tasks.models import (
    ANNOTATION_CONTENT_FIELDS,
    Annotation,
    DataPoint,
    Project,
    Stream,
    Task,
    TaskStatus,
)
from tasks.signals import datapoint_submitted
from tasks.validation import MAX_EXTERNAL_ID, is_storable_text, validate_datapoint

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 1000
# Whether PostgreSQL gets COPY; bench/import.py turns it off to compare with bulk_create.
COPY_ON_POSTGRESQL = True
_IN_BATCH = 900  # stay under SQLite's 999 query parameters


@dataclass
class ImportReport:
    """What an import did. `errors` keeps the first MAX_REPORTED_ERRORS problems, each
    {line, external_id, field, reason}; `error_count` counts all of them."""

    created: int = 0
    existing: int = 0
    rejected: int = 0
    tasks: int = 0
    annotations: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, line: int | None, external_id: str | None, field: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(
                {"line": line, "external_id": external_id, "field": field, "reason": reason}
            )

    @property
    def found_valid_records(self) -> bool:
        """False when nothing in the input was a usable data point (empty, not JSON,
        every record rejected). Data points that already existed count as usable."""
        return self.created + self.existing > 0


class _SeenDatapoints:
    """Data points this import created or found, by id, with the line that named
    them, to reject a repeated external_id naming the earlier line. Two int arrays
    (16 bytes a record) instead of a dict, so memory stays near flat in file size."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._lines = array("q")

    def add(self, datapoint_id: int, line: int) -> None:
        index = bisect_left(self._ids, datapoint_id)
        self._ids.insert(index, datapoint_id)
        self._lines.insert(index, line)

    def line_of(self, datapoint_id: int) -> int | None:
        index = bisect_left(self._ids, datapoint_id)
        if index < len(self._ids) and self._ids[index] == datapoint_id:
            return self._lines[index]
        return None


@dataclass
class _Context:
    project: Project
    modalities: list[str]
    annotator_ids: dict[str, int] = field(default_factory=dict)
    pods_of: dict[int, frozenset[int]] = field(default_factory=dict)  # person -> project pods
    unknown_annotators: set[str] = field(default_factory=set)
    seen: _SeenDatapoints = field(default_factory=_SeenDatapoints)
    use_copy: bool = False


@dataclass
class _ChunkOutcome:
    """What one chunk will do to the report, applied only once its transaction has
    committed (a retried chunk is planned again from scratch)."""

    created: list[tuple[int, int]] = field(default_factory=list)  # (datapoint id, line)
    existing: list[tuple[int, int]] = field(default_factory=list)
    rejected: list[tuple[int, str | None, list[dict]]] = field(default_factory=list)
    tasks: int = 0
    annotations: int = 0


def datapoints_import(
    *,
    project: Project,
    records: Iterable[tuple[int, dict | RecordError]],
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = 1000,
) -> ImportReport:
    """Import (line number, record) pairs into the project, one transaction per chunk.

    After each chunk commits, `on_progress` gets the number of records processed so
    far. A chunk that collides with a concurrent import of the same external ids is
    re-planned once against what that import committed. Records are read and
    validated one chunk ahead in a helper thread while the database writes the
    previous chunk, so `records` must not use the database itself.
    """
    context = _Context(
        project=project,
        modalities=list(project.modalities),
        use_copy=COPY_ON_POSTGRESQL and connection.vendor == "postgresql",
    )
    report = ImportReport()
    processed = 0
    prepared = _prepared_chunks(records, chunk_size=chunk_size, modalities=context.modalities)
    with _gc_paused(), _read_ahead(prepared) as chunks:
        for chunk in chunks:
            outcome = _import_chunk(context, chunk)
            _apply(context, outcome, report)
            processed += len(chunk)
            if on_progress is not None:
                on_progress(processed)
    if report.created and project.pods.exists():
        _route_after_import(project.pk)
    return report


def _route_after_import(project_id: int) -> None:
    """New data points go to the pods at once: a routing job after the import (data
    points that arrived with their annotations already have tasks and are skipped)."""
    from tasks.jobs import project_route as project_route_job

    transaction.on_commit(lambda: project_route_job.delay(project_id))


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: an import allocates millions of small
    acyclic objects, and every full collection walks all of them (a fifth of the
    run time when measured). Reference counting still frees them. Counted, so
    imports running in several threads re-enable it only when the last one ends."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


_ITEM, _DONE, _FAILED = "item", "done", "failed"


@contextmanager
def _read_ahead(iterator: Iterator[Any], depth: int = 1) -> Iterator[Iterator[Any]]:
    """Run `iterator` in a daemon thread, at most `depth` items ahead of the consumer,
    so parsing and validating (Python) overlap with COPY and commit (the database).
    Its exceptions are raised in the consumer; leaving the block stops the thread."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                items.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in iterator:
                if not put((_ITEM, item)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((_FAILED, exc))

    def consume() -> Iterator[Any]:
        while True:
            kind, value = items.get()
            if kind == _ITEM:
                yield value
            elif kind == _DONE:
                return
            else:
                raise value

    thread = threading.Thread(target=produce, name="datapoints-import-reader", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()


class _AnyUsername:
    """Lets the validator accept any annotator name: the reader thread cannot ask the
    database, so names are resolved (and unknown ones refused) when the chunk is
    written."""

    def __contains__(self, name: object) -> bool:
        return type(name) is str

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_ANY_USERNAME = _AnyUsername()


@dataclass(slots=True)
class _Prepared:
    """One record read and validated, before the database has been asked about it."""

    line: int
    key: str | None  # the external id to look up, if it is a usable one
    clean: dict | None
    errors: list[dict]


def _prepare(line: int, record: dict | RecordError, modalities: list[str]) -> _Prepared:
    if isinstance(record, RecordError):
        return _Prepared(line, None, None, [{"field": record.field, "reason": record.reason}])
    clean, errors = validate_datapoint(record, modalities=modalities, annotators=_ANY_USERNAME)
    key = _lookup_key(record) if type(record) is dict else None
    return _Prepared(line, key, clean, errors)


def _prepared_chunks(
    records: Iterable[tuple[int, dict | RecordError]], *, chunk_size: int, modalities: list[str]
) -> Iterator[list[_Prepared]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, chunk_size)):
        prepared = [_prepare(line, record, modalities) for line, record in chunk]
        del chunk  # the parsed records are not needed while this chunk waits
        yield prepared


class _CountingReader:
    """Counts the bytes (or characters) read from a file, for progress reporting."""

    def __init__(self, fileobj: IO[Any]) -> None:
        self._fileobj = fileobj
        self.count = 0

    def read(self, size: int = -1) -> Any:
        data = self._fileobj.read(size)
        self.count += len(data)
        return data


def datapoints_import_file(
    *,
    project: Project,
    fileobj: IO[Any],
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a JSON array or JSON Lines file (binary or text), streaming it.
    `on_progress` gets the number of bytes read so far (characters for a text file),
    after each chunk commits, so a caller can show progress against the file size."""
    reader = _CountingReader(fileobj)
    progress = None
    if on_progress is not None:

        def progress(_records: int) -> None:
            on_progress(reader.count)

    return datapoints_import(project=project, records=iter_records(reader), on_progress=progress)


def _apply(context: _Context, outcome: _ChunkOutcome, report: ImportReport) -> None:
    for datapoint_id, line in outcome.created:
        context.seen.add(datapoint_id, line)
    for datapoint_id, line in outcome.existing:
        context.seen.add(datapoint_id, line)
    report.created += len(outcome.created)
    report.existing += len(outcome.existing)
    report.rejected += len(outcome.rejected)
    report.tasks += outcome.tasks
    report.annotations += outcome.annotations
    for line, external_id, errors in outcome.rejected:
        for error in errors:
            report.add_error(line, external_id, error["field"], error["reason"])


def _import_chunk(context: _Context, chunk: list[_Prepared]) -> _ChunkOutcome:
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _plan_and_write(context, chunk)
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info(
                "Import into project %s met a concurrent import; retrying a chunk of %d records.",
                context.project.pk,
                len(chunk),
            )
    raise AssertionError("unreachable")


def _in_batches(values: list, size: int = _IN_BATCH) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _lookup_key(record: dict) -> str | None:
    """The external id to look up, if it is one the database could hold."""
    external_id = record.get("external_id")
    if (
        type(external_id) is str
        and external_id.strip()
        and len(external_id) <= MAX_EXTERNAL_ID
        and is_storable_text(external_id)
    ):
        return external_id
    return None


def _load_annotators(context: _Context, chunk: list[_Prepared]) -> None:
    """Fetch the ids of annotator usernames not seen before in this import."""
    wanted: set[str] = set()
    known, unknown = context.annotator_ids, context.unknown_annotators
    for prepared in chunk:
        if prepared.clean:
            for annotation in prepared.clean["annotations"]:
                name = annotation.get("annotator")
                if type(name) is str and name not in known and name not in unknown:
                    wanted.add(name)
    if not wanted:
        return
    unstorable = {name for name in wanted if not is_storable_text(name)}
    unknown.update(unstorable)
    wanted -= unstorable
    for batch in _in_batches(list(wanted)):
        found = dict(Person.objects.filter(username__in=batch).values_list("username", "id"))
        known.update(found)
        pods: dict[int, set[int]] = {person_id: set() for person_id in found.values()}
        for person_id, pod_id in PodMember.objects.filter(
            person_id__in=found.values(), pod__projects=context.project
        ).values_list("person_id", "pod_id"):
            pods[person_id].add(pod_id)
        context.pods_of.update((person_id, frozenset(ids)) for person_id, ids in pods.items())
    unknown.update(wanted - known.keys())


def _shared_pod(context: _Context, annotator_ids: set[int]) -> int | None:
    """The one project pod every annotator of a record belongs to, so imported work
    counts for the pod that did it; None when there is none or it is ambiguous."""
    if not annotator_ids:
        return None
    common = frozenset.intersection(*(context.pods_of.get(a, frozenset()) for a in annotator_ids))
    return next(iter(common)) if len(common) == 1 else None


def _annotator_errors(context: _Context, clean: dict) -> list[dict]:
    errors = []
    for index, annotation in enumerate(clean["annotations"]):
        name = annotation.get("annotator")
        if type(name) is str and name not in context.annotator_ids:
            errors.append(
                {
                    "field": f"annotations[{index}].annotator",
                    "reason": f"{name!r} is not a known username",
                }
            )
    return errors


def _plan_and_write(context: _Context, chunk: list[_Prepared]) -> _ChunkOutcome:
    outcome = _ChunkOutcome()
    keys = list({prepared.key for prepared in chunk if prepared.key is not None})
    existing: dict[str, int] = {}
    for batch in _in_batches(keys):
        existing.update(
            DataPoint.objects.filter(project=context.project, external_id__in=batch).values_list(
                "external_id", "id"
            )
        )
    _load_annotators(context, chunk)

    claimed: dict[str, int] = {}  # external id -> line, in this chunk
    to_create: list[tuple[int, dict]] = []
    for prepared in chunk:
        line, key = prepared.line, prepared.key
        if key is not None:
            earlier = claimed.get(key)
            if earlier is None and key in existing:
                earlier = context.seen.line_of(existing[key])
            if earlier is not None:
                reason = f"'{key}' repeats the data point of line {earlier}"
                outcome.rejected.append((line, key, [{"field": "external_id", "reason": reason}]))
                continue
            if key in existing:
                claimed[key] = line
                outcome.existing.append((existing[key], line))
                continue
        errors = prepared.errors
        if prepared.clean:
            errors = errors + _annotator_errors(context, prepared.clean)
        if errors:
            outcome.rejected.append((line, key, errors))
            continue
        claimed[key] = line
        to_create.append((line, prepared.clean))

    if to_create:
        rows = _build_rows(context, [clean for _, clean in to_create])
        datapoint_ids = _write(context, rows)
        outcome.created = list(zip(datapoint_ids, (line for line, _ in to_create), strict=True))
        outcome.tasks = len(rows.tasks)
        outcome.annotations = len(rows.annotations)
        if rows.annotated:
            submitted = [datapoint_ids[index] for index in rows.annotated]
            transaction.on_commit(
                lambda: datapoint_submitted.send(sender=DataPoint, datapoint_ids=submitted)
            )
    return outcome


@dataclass
class _Rows:
    """Rows of one chunk. Foreign keys are indexes into the parent list until ids are
    known: stream and task rows point at their data point's index, annotation rows
    at their task's and stream's index."""

    now: datetime
    datapoints: list[tuple] = field(default_factory=list)
    streams: list[tuple] = field(default_factory=list)
    tasks: list[tuple] = field(default_factory=list)
    annotations: list[tuple] = field(default_factory=list)
    annotated: list[int] = field(default_factory=list)  # data points that got tasks


# Column order of the rows built below; the COPY statements name the same columns.
_DATAPOINT_COLUMNS = ("external_id", "is_calibration", "meta")
_STREAM_COLUMNS = ("datapoint", "key", "modality", "uri", "offset_ms", "rate_hz", "calibration")
_TASK_COLUMNS = ("datapoint", "modality", "assignee", "copy")
_ANNOTATION_COLUMNS = ("task", "stream", *ANNOTATION_CONTENT_FIELDS)


def _build_rows(context: _Context, records: list[dict]) -> _Rows:
    """Turn validated records into row tuples; tasks are grouped per (modality,
    annotator) in order of first appearance, copies numbered per modality."""
    rows = _Rows(now=timezone.now())
    annotator_ids = context.annotator_ids
    for datapoint_index, record in enumerate(records):
        pod_id = _shared_pod(
            context, {annotator_ids[a["annotator"]] for a in record["annotations"]}
        )
        rows.datapoints.append(
            (record["external_id"], record["is_calibration"], record["meta"], pod_id)
        )
        stream_index: dict[str, tuple[int, str]] = {}
        for stream in record["streams"]:
            stream_index[stream["key"]] = (len(rows.streams), stream["modality"])
            rows.streams.append(
                (
                    datapoint_index,
                    stream["key"],
                    stream["modality"],
                    stream["uri"],
                    stream["offset_ms"],
                    stream["rate_hz"],
                    stream["calibration"],
                )
            )
        task_index: dict[tuple[str, str], int] = {}
        copies: dict[str, int] = {}
        if record["annotations"]:
            rows.annotated.append(datapoint_index)
        for annotation in record["annotations"]:
            stream_row, modality = stream_index[annotation["stream"]]
            annotator = annotation["annotator"]
            task = task_index.get((modality, annotator))
            if task is None:
                copy = copies.get(modality, 0)
                copies[modality] = copy + 1
                task = task_index[(modality, annotator)] = len(rows.tasks)
                rows.tasks.append(
                    (datapoint_index, modality, annotator_ids[annotator], copy, pod_id)
                )
            rows.annotations.append(
                (
                    task,
                    stream_row,
                    annotation["kind"],
                    annotation["label"],
                    annotation["entity"],
                    annotation["start_ms"],
                    annotation["end_ms"],
                    annotation["bbox"],
                    annotation["cuboid"],
                    annotation["char_start"],
                    annotation["char_end"],
                    annotation["text"],
                    annotation["speaker"],
                    annotation["attributes"],
                )
            )
    return rows


def _write(context: _Context, rows: _Rows) -> list[int]:
    """Write the chunk's rows and return the new data points' ids, in order."""
    if context.use_copy:
        return _write_copy(context, rows)
    return _write_bulk_create(context, rows)


def _write_bulk_create(context: _Context, rows: _Rows) -> list[int]:
    now = rows.now
    datapoints = DataPoint.objects.bulk_create(
        DataPoint(
            project=context.project,
            external_id=external_id,
            is_calibration=is_calibration,
            meta=meta,
            pod_id=pod_id,
            created_at=now,
            updated_at=now,
        )
        for external_id, is_calibration, meta, pod_id in rows.datapoints
    )
    datapoint_ids = [datapoint.pk for datapoint in datapoints]
    streams = Stream.objects.bulk_create(
        Stream(
            datapoint_id=datapoint_ids[row[0]],
            key=row[1],
            modality=row[2],
            uri=row[3],
            offset_ms=row[4],
            rate_hz=row[5],
            calibration=row[6],
        )
        for row in rows.streams
    )
    stream_ids = [stream.pk for stream in streams]
    tasks = Task.objects.bulk_create(
        Task(
            datapoint_id=datapoint_ids[datapoint],
            modality=modality,
            assignee_id=assignee,
            copy=copy,
            pod_id=pod_id,
            status=TaskStatus.SUBMITTED,
            is_imported=True,
            submitted_at=now,
            created_at=now,
            updated_at=now,
        )
        for datapoint, modality, assignee, copy, pod_id in rows.tasks
    )
    task_ids = [task.pk for task in tasks]
    Annotation.objects.bulk_create(
        Annotation(
            task_id=task_ids[row[0]],
            stream_id=stream_ids[row[1]],
            created_at=now,
            updated_at=now,
            **dict(zip(_ANNOTATION_COLUMNS[2:], row[2:], strict=True)),
        )
        for row in rows.annotations
    )
    return datapoint_ids


def _write_copy(context: _Context, rows: _Rows) -> list[int]:
    """Reserve ids, then COPY data points, streams, tasks and annotations."""
    now = rows.now
    project_id = context.project.pk
    submitted = TaskStatus.SUBMITTED.value
    ids = reserve_id_blocks(
        {DataPoint: len(rows.datapoints), Stream: len(rows.streams), Task: len(rows.tasks)}
    )
    datapoint_ids, stream_ids, task_ids = ids[DataPoint], ids[Stream], ids[Task]
    copy_rows(
        DataPoint,
        ("id", "project_id", "external_id", "is_calibration", "meta", "pod_id",
         "created_at", "updated_at"),
        (
            (datapoint_id, project_id, external_id, is_calibration, meta, pod_id, now, now)
            for datapoint_id, (external_id, is_calibration, meta, pod_id) in zip(
                datapoint_ids, rows.datapoints, strict=True
            )
        ),
    )  # fmt: skip
    copy_rows(
        Stream,
        ("id", "datapoint_id", "key", "modality", "uri", "offset_ms", "rate_hz",
         "calibration"),
        (
            (stream_id, datapoint_ids[row[0]], *row[1:])
            for stream_id, row in zip(stream_ids, rows.streams, strict=True)
        ),
    )  # fmt: skip
    copy_rows(
        Task,
        ("id", "datapoint_id", "modality", "assignee_id", "copy", "pod_id", "status",
         "is_imported", "submitted_at", "created_at", "updated_at"),
        (
            (task_id, datapoint_ids[datapoint], modality, assignee, copy_number, pod_id,
             submitted, True, now, now, now)
            for task_id, (datapoint, modality, assignee, copy_number, pod_id) in zip(
                task_ids, rows.tasks, strict=True
            )
        ),
    )  # fmt: skip
    copy_rows(
        Annotation,
        ("task_id", "stream_id", *_ANNOTATION_COLUMNS[2:], "created_at", "updated_at"),
        ((task_ids[row[0]], stream_ids[row[1]], *row[2:], now, now) for row in rows.annotations),
    )
    return datapoint_ids
