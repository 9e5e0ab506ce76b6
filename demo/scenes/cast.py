"""Who and what the demo seeds, as plain data: clients, staff in every role, the three
pods and the three projects with their rules. `demo.seed` writes it through the
services; the scenes read it to pick each data point's annotators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASSWORD = "syncpod-demo"

MOBILITY = "Velocity Mobility"
RETAIL_TELECOM = "Northwind Retail & Telecom"
CLIENTS = [MOBILITY, RETAIL_TELECOM]


@dataclass(frozen=True)
class PersonSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    skills: tuple[tuple[str, str], ...] = ()
    client: str | None = None
    look_at: str = ""

    @property
    def email(self) -> str:
        return f"{self.username}@syncpod.example"


def _person(username: str, role: str, look_at: str, *skills: tuple[str, str], **extra: Any):
    first, last = (part.capitalize() for part in username.split("."))
    names = {"first_name": extra.pop("first_name", first), "last_name": last}
    return PersonSpec(username, **names, role=role, skills=skills, look_at=look_at, **extra)


PEOPLE = [
    _person("maria.okafor", "ops_manager", "operations console: pods, queues, routing, SLAs"),
    _person(
        "dev.patel",
        "pod_lead",
        "Pod Aurora's calibration (driving clips)",
        ("video", "expert"),
        ("pointcloud", "senior"),
    ),
    _person(
        "lena.fischer",
        "pod_lead",
        "Pod Borealis's calibration (retail shelves)",
        ("image", "expert"),
        ("text", "senior"),
    ),
    _person(
        "tomas.rivera",
        "pod_lead",
        "Pod Cirrus's calibration (support calls)",
        ("audio", "expert"),
        ("text", "senior"),
        first_name="Tomás",
    ),
    _person(
        "aiko.tanaka",
        "specialist",
        "video tasks: boxes per frame in a driving clip",
        ("video", "senior"),
        ("pointcloud", "junior"),
    ),
    _person("samuel.mensah", "specialist", "video tasks (junior)", ("video", "junior")),
    _person(
        "ines.moreau",
        "specialist",
        "LiDAR cuboids, projected onto the camera",
        ("pointcloud", "expert"),
    ),
    _person(
        "jonas.berg",
        "specialist",
        "LiDAR tasks (junior)",
        ("pointcloud", "junior"),
        ("video", "junior"),
    ),
    _person(
        "priya.nair",
        "specialist",
        "cabin audio events on the master clock",
        ("audio", "senior"),
        ("text", "junior"),
    ),
    _person(
        "noah.kim",
        "specialist",
        "driving transcripts and their mentions",
        ("text", "senior"),
        ("audio", "junior"),
    ),
    _person("chen.wei", "specialist", "shelf photo boxes", ("image", "senior")),
    _person(
        "sofia.rossi",
        "specialist",
        "shelf photos and planogram tags",
        ("image", "junior"),
        ("metadata", "junior"),
    ),
    _person(
        "omar.haddad",
        "specialist",
        "product descriptions and catalogue tags",
        ("text", "senior"),
        ("metadata", "senior"),
    ),
    _person("emma.johansson", "specialist", "product descriptions (junior)", ("text", "junior")),
    _person(
        "kwame.asante",
        "specialist",
        "call audio: speech, hold music, typing",
        ("audio", "expert"),
        ("metadata", "junior"),
    ),
    _person(
        "lucia.fernandez",
        "specialist",
        "call transcripts with speakers",
        ("audio", "junior"),
        ("text", "senior"),
    ),
    _person(
        "yuki.sato",
        "specialist",
        "ticket intent and sentiment",
        ("text", "junior"),
        ("metadata", "senior"),
    ),
    _person(
        "amara.diallo",
        "expert",
        "expert queue: video, LiDAR and audio conflicts",
        ("video", "expert"),
        ("pointcloud", "expert"),
        ("audio", "expert"),
    ),
    _person(
        "kenji.watanabe",
        "expert",
        "expert queue: audio, text and metadata conflicts",
        ("audio", "expert"),
        ("text", "expert"),
        ("metadata", "expert"),
    ),
    _person(
        "rosa.delgado",
        "expert",
        "expert queue: image, text and metadata conflicts",
        ("image", "expert"),
        ("text", "expert"),
        ("metadata", "expert"),
    ),
    _person("ana.costa", "client_viewer", f"{MOBILITY}'s quality dashboards only", client=MOBILITY),
    _person(
        "ben.harris",
        "client_viewer",
        f"{RETAIL_TELECOM}'s quality dashboards only",
        client=RETAIL_TELECOM,
    ),
]


@dataclass(frozen=True)
class PodSpec:
    name: str
    client: str
    lead: tuple[str, str]  # (username, modality)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # modality -> usernames

    def annotators(self, modality: str) -> tuple[str, ...]:
        return self.members[modality]


PODS = [
    PodSpec(
        "Pod Aurora",
        MOBILITY,
        ("dev.patel", "video"),
        {
            "video": ("aiko.tanaka", "samuel.mensah"),
            "pointcloud": ("ines.moreau", "jonas.berg"),
            "audio": ("priya.nair", "noah.kim"),
            "text": ("noah.kim", "priya.nair"),
        },
    ),
    PodSpec(
        "Pod Borealis",
        RETAIL_TELECOM,
        ("lena.fischer", "image"),
        {
            "image": ("chen.wei", "sofia.rossi"),
            "text": ("omar.haddad", "emma.johansson"),
            "metadata": ("omar.haddad", "sofia.rossi"),
        },
    ),
    PodSpec(
        "Pod Cirrus",
        RETAIL_TELECOM,
        ("tomas.rivera", "audio"),
        {
            "audio": ("kwame.asante", "lucia.fernandez"),
            "text": ("lucia.fernandez", "yuki.sato"),
            "metadata": ("yuki.sato", "kwame.asante"),
        },
    ),
]
PODS_BY_NAME = {pod.name: pod for pod in PODS}


def rules(
    *, unmentioned: list[list[str]], unmatched: list[list[str]], resolution: list[list[str]]
) -> dict[str, Any]:
    """A project's rules in the schema validation reads (DESIGN.md, sync-error checks)."""
    return {
        "boundary_offset": {"tolerance_ms": 100},
        "capture_time": {"tolerance_ms": 50},
        "track_gap": {"max_gap_ms": 500},
        "projection_iou": {"min_iou": 0.5},
        "unmentioned_entity": {"pairs": unmentioned},
        "unmatched_event": {"pairs": unmatched},
        "resolution": {"pairs": resolution},
        "count_mismatch": {"enabled": True},
        "label_conflict": {"enabled": True},
        "unknown_term": {"enabled": True},
        "concept_level": {"enabled": True},
    }


@dataclass(frozen=True)
class ProjectSpec:
    key: str  # the scene that fills it
    name: str
    client: str
    modalities: tuple[str, ...]
    pods: tuple[str, ...]
    rules: dict[str, Any]
    prefix: str  # of external ids
    overlap: int = 2


PROJECTS = [
    ProjectSpec(
        "driving",
        "Urban driving clips",
        MOBILITY,
        ("video", "audio", "pointcloud", "text"),
        ("Pod Aurora",),
        rules(
            unmentioned=[["video", "pointcloud"]],
            unmatched=[["audio", "video"]],
            resolution=[["video", "text"]],
        ),
        prefix="drive",
    ),
    ProjectSpec(
        "retail",
        "Shelf audit",
        RETAIL_TELECOM,
        ("image", "text", "metadata"),
        ("Pod Borealis",),
        rules(
            unmentioned=[["image", "text"], ["image", "metadata"]],
            unmatched=[],
            resolution=[["image", "text"]],
        ),
        prefix="shelf",
    ),
    ProjectSpec(
        "support",
        "Support call QA",
        RETAIL_TELECOM,
        ("audio", "text", "metadata"),
        ("Pod Cirrus",),
        rules(
            unmentioned=[["metadata", "text"]],
            unmatched=[],
            resolution=[["audio", "text"]],
        ),
        prefix="call",
    ),
]
PROJECTS_BY_KEY = {project.key: project for project in PROJECTS}
