"""The vocabulary of findings: types, check codes, severities.

Plain enums (Django's `TextChoices` only as a base, no ORM), so the pure checks and
the models share one spelling of every code.
"""

from django.db.models.enums import TextChoices


class FindingType(TextChoices):
    TEMPORAL = "temporal", "Temporal misalignment"
    SEMANTIC = "semantic", "Semantic inconsistency"
    GRANULARITY = "granularity", "Granularity mismatch"
    MISSING_REFERENCE = "missing_reference", "Missing cross-modal reference"
    SPATIAL = "spatial", "Spatial correspondence"


class Check(TextChoices):
    BOUNDARY_OFFSET = "boundary_offset", "Boundary offset"
    CAPTURE_TIME = "capture_time", "Capture time"
    TRACK_GAP = "track_gap", "Track gap or ID switch"
    LABEL_CONFLICT = "label_conflict", "Label conflict"
    UNKNOWN_TERM = "unknown_term", "Unknown term"
    CONCEPT_LEVEL = "concept_level", "Concept level"
    RESOLUTION = "resolution", "Resolution"
    UNMENTIONED_ENTITY = "unmentioned_entity", "Unmentioned entity"
    UNMATCHED_EVENT = "unmatched_event", "Unmatched event"
    COUNT_MISMATCH = "count_mismatch", "Count mismatch"
    PROJECTION_IOU = "projection_iou", "Projection IoU"


class Severity(TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


TYPE_OF_CHECK: dict[str, str] = {
    Check.BOUNDARY_OFFSET: FindingType.TEMPORAL,
    Check.CAPTURE_TIME: FindingType.TEMPORAL,
    Check.TRACK_GAP: FindingType.TEMPORAL,
    Check.LABEL_CONFLICT: FindingType.SEMANTIC,
    Check.UNKNOWN_TERM: FindingType.SEMANTIC,
    Check.CONCEPT_LEVEL: FindingType.GRANULARITY,
    Check.RESOLUTION: FindingType.GRANULARITY,
    Check.UNMENTIONED_ENTITY: FindingType.MISSING_REFERENCE,
    Check.UNMATCHED_EVENT: FindingType.MISSING_REFERENCE,
    Check.COUNT_MISMATCH: FindingType.MISSING_REFERENCE,
    Check.PROJECTION_IOU: FindingType.SPATIAL,
}

# Modalities a camera calibration belongs to, and the kinds that form tracks.
CAMERA_MODALITIES = frozenset({"video", "image"})
TRACK_KINDS = frozenset({"bbox", "cuboid"})
INTERVAL_KINDS = frozenset({"segment", "transcript", "span"})
