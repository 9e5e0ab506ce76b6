"""`POST /api/v1/projects/{id}/import/`: data points as a JSON array or JSON Lines.

Small bodies are imported inline and answered with the report; large ones are stored,
imported by a job and answered 202 with the job to poll (CVAT's pattern), so no
request holds a worker for minutes.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from dataclasses import asdict
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pods.selectors import is_staff_wide
from tasks.jobs import datapoints_import as datapoints_import_job
from tasks.models import Job, Project
from tasks.selectors import project_list_for_user
from tasks.services.imports import ImportReport, datapoints_import_file

_COPY_CHUNK = 1024 * 1024


class DatapointImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="Line the record starts on.")
    external_id = serializers.CharField(allow_null=True)
    field = serializers.CharField(help_text="Path of the value at fault, e.g. `streams[1].key`.")
    reason = serializers.CharField()


class DatapointImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Data points created.")
    existing = serializers.IntegerField(help_text="Data points already in the project, left as is.")
    rejected = serializers.IntegerField(help_text="Records refused; see errors.")
    tasks = serializers.IntegerField(help_text="Submitted tasks created for imported annotations.")
    annotations = serializers.IntegerField(help_text="Annotations created.")
    errors = DatapointImportErrorSerializer(many=True, help_text="The first 1000 problems.")
    error_count = serializers.IntegerField(help_text="All problems, including those not listed.")


class DatapointImportJobSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    status_url = serializers.CharField(help_text="Poll this for progress (bytes) and the report.")


_RECORD_SCHEMA = {
    "type": "object",
    "required": ["external_id", "streams"],
    "properties": {
        "external_id": {"type": "string", "maxLength": 200},
        "is_calibration": {"type": "boolean"},
        "meta": {"type": "object"},
        "streams": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "modality"],
                "properties": {
                    "key": {"type": "string"},
                    "modality": {"type": "string"},
                    "uri": {"type": "string"},
                    "offset_ms": {"type": "number", "default": 0},
                    "rate_hz": {"type": "number", "nullable": True},
                    "calibration": {"type": "object", "nullable": True},
                },
            },
        },
        "annotations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["stream", "annotator", "kind", "label"],
                "properties": {
                    "stream": {"type": "string"},
                    "annotator": {"type": "string"},
                    "kind": {
                        "type": "string",
                        "enum": ["tag", "segment", "bbox", "cuboid", "span", "transcript"],
                    },
                    "label": {"type": "string"},
                    "entity": {"type": "string"},
                    "start_ms": {"type": "number"},
                    "end_ms": {"type": "number"},
                    "bbox": {"type": "array", "items": {"type": "number"}},
                    "cuboid": {"type": "object"},
                    "char_start": {"type": "integer"},
                    "char_end": {"type": "integer"},
                    "text": {"type": "string"},
                    "speaker": {"type": "string"},
                    "attributes": {"type": "object"},
                },
            },
        },
    },
}
_LINES_SCHEMA = {"type": "string", "description": "JSON Lines: one data point object a line."}


class ProjectImportView(APIView):
    """Import data points into a project. Operations managers only."""

    parser_classes = [MultiPartParser]  # other bodies are read raw, never parsed whole

    @extend_schema(
        operation_id="projects_import",
        tags=["projects"],
        summary="Import data points",
        description=(
            "The body is a JSON array or JSON Lines of data points (any content type), or "
            "a multipart form with the file in `file`. Idempotent on `external_id`: data "
            "points already in the project are counted as existing and left as they are. "
            "A record with any error is refused whole and reported with its line, field "
            "and reason; the others are imported. Bodies up to "
            "SYNCPOD_IMPORT_INLINE_MAX_BYTES are imported at once (200); larger ones run "
            "as a job (202) whose progress is in bytes."
        ),
        request={
            "application/json": {"type": "array", "items": _RECORD_SCHEMA},
            "application/x-ndjson": _LINES_SCHEMA,
            "text/plain": _LINES_SCHEMA,
            "multipart/form-data": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            },
        },
        responses={
            200: DatapointImportReportSerializer,
            202: DatapointImportJobSerializer,
            400: OpenApiResponse(
                DatapointImportReportSerializer,
                description="No usable data point in the body; the errors say why.",
            ),
            403: OpenApiResponse(description="Only operations managers import data."),
            404: OpenApiResponse(description="No such project visible to you."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
        if not is_staff_wide(request.user):
            raise PermissionDenied("Only operations managers import data.")
        upload, size, filename = _read_upload(request)
        try:
            if size > settings.SYNCPOD_IMPORT_INLINE_MAX_BYTES:
                return self._start_job(request, project, upload, size, filename)
            report = datapoints_import_file(project=project, fileobj=upload)
        finally:
            upload.close()
        if not report.found_valid_records:
            if not report.error_count:
                report.add_error(
                    None, None, "body", "holds no data points; send a JSON array or JSON Lines"
                )
            return Response(asdict(report), status=status.HTTP_400_BAD_REQUEST)
        return Response(asdict(report))

    def _start_job(
        self, request: Request, project: Project, upload: IO[bytes], size: int, filename: str
    ) -> Response:
        if not _looks_like_json(upload):
            report = ImportReport()
            report.add_error(1, None, "body", "is not JSON; send a JSON array or JSON Lines")
            return Response(asdict(report), status=status.HTTP_400_BAD_REQUEST)
        upload.seek(0)
        path = default_storage.save(
            f"imports/project-{project.pk}/{uuid.uuid4().hex}.jsonl", File(upload)
        )
        with transaction.atomic():
            job = Job.objects.create(
                kind="import",
                project=project,
                created_by=request.user,
                total=size,
                payload={"path": path, "bytes": size, "filename": filename},
            )
            transaction.on_commit(lambda: datapoints_import_job.delay(job.pk))
        return Response(
            {"job": job.pk, "status_url": f"/api/v1/jobs/{job.pk}/"},
            status=status.HTTP_202_ACCEPTED,
        )


def _read_upload(request: Request) -> tuple[IO[bytes], int, str]:
    """The body as a seekable binary file, its size and a name. A raw body is copied
    into a temporary file that stays in memory up to the inline limit, so a large
    upload never sits in memory whole."""
    if (request.content_type or "").startswith("multipart/form-data"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Send the data points in a `file` field."]})
        upload.seek(0)
        return upload, upload.size, upload.name or ""
    http_request: Any = request._request
    if hasattr(http_request, "_body"):  # already read by someone: it is in memory anyway
        return io.BytesIO(http_request.body), len(http_request.body), ""
    limit = settings.SYNCPOD_IMPORT_INLINE_MAX_BYTES
    spool = tempfile.SpooledTemporaryFile(max_size=limit)  # noqa: SIM115 - the view closes it
    size = 0
    while chunk := http_request.read(_COPY_CHUNK):
        spool.write(chunk)
        size += len(chunk)
    spool.seek(0)
    return spool, size, ""


def _looks_like_json(upload: IO[bytes]) -> bool:
    """Whether the first non-blank character opens an array or an object, so that a
    body that is plainly not JSON is refused now rather than by a job."""
    upload.seek(0)
    head = upload.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    return head[:1] in (b"[", b"{")
