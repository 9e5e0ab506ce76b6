"""Seed the demo through the product's own services: people, pods, ontologies and
projects by name (found if they exist, created if not), data points through the
import, which is idempotent on external_id, then validation, the calibration rounds
(demo.calibration: rounds already closed are skipped) and a quality snapshot per
project. So seeding twice adds nothing but a fresh project snapshot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from demo.calibration import RoundResult, datapoints_validate_missing, pod_rounds_run
from demo.scenes.cast import CLIENTS, PASSWORD, PEOPLE, PODS, PROJECTS, PodSpec, ProjectSpec
from demo.scenes.dataset import CALIBRATION_BATCH, build_dataset
from demo.scenes.ontologies import ONTOLOGIES
from metrics.services import project_snapshot
from pods.models import Client, Person, Pod, PodMember
from pods.services import client_create, person_create, pod_create, pod_member_add
from tasks.models import DataPoint, Ontology, Project
from tasks.services.imports import datapoints_import
from tasks.services.projects import ontology_create, project_create
from tasks.services.routing import project_route

# Small chunks: a few thousand rows per transaction and a progress bar that moves.
IMPORT_CHUNK = 20


@dataclass
class ProjectSummary:
    name: str
    client: str
    created: int
    existing: int
    rejected: int
    datapoints: int  # in the database, after this run, calibration items included
    with_errors: int
    calibration: int = 0  # calibration items among `datapoints`
    calibration_with_errors: int = 0
    rounds: list[RoundResult] = field(default_factory=list)
    rate: float | None = None  # the project snapshot's sync-error rate


@dataclass
class SeedSummary:
    projects: list[ProjectSummary] = field(default_factory=list)
    injected: Counter = field(default_factory=Counter)  # (type, check) -> count
    rejections: list[dict] = field(default_factory=list)

    @property
    def datapoints(self) -> int:
        return sum(project.datapoints for project in self.projects)

    @property
    def with_errors(self) -> int:
        return sum(project.with_errors for project in self.projects)

    @property
    def calibration(self) -> int:
        return sum(project.calibration for project in self.projects)

    @property
    def calibration_with_errors(self) -> int:
        return sum(project.calibration_with_errors for project in self.projects)


@transaction.atomic
def demo_cast_ensure() -> dict[str, Project]:
    """Clients, people, pods, ontologies and projects, created where missing. Returns
    the projects by scene key."""
    clients = {name: _client(name) for name in CLIENTS}
    for spec in PEOPLE:
        if not Person.objects.filter(username=spec.username).exists():
            person_create(
                username=spec.username,
                password=PASSWORD,
                role=spec.role,
                email=spec.email,
                first_name=spec.first_name,
                last_name=spec.last_name,
                client=clients[spec.client] if spec.client else None,
                skills=spec.skills,
            )
    pods = {spec.name: _pod(spec, clients[spec.client]) for spec in PODS}
    return {spec.key: _project(spec, clients[spec.client], pods) for spec in PROJECTS}


def _client(name: str) -> Client:
    return Client.objects.filter(name=name).first() or client_create(name=name)


def _pod(spec: PodSpec, client: Client) -> Pod:
    """The pod with every member of the spec; members it already has are kept."""
    pod = Pod.objects.filter(name=spec.name).first() or pod_create(name=spec.name, client=client)
    people = {person.username: person for person in Person.objects.all()}
    lead, lead_modality = spec.lead
    if not pod.members.filter(is_lead=True).exists():
        pod_member_add(pod=pod, person=people[lead], modality=lead_modality, is_lead=True)
    for modality, usernames in spec.members.items():
        for username in usernames:
            person = people[username]
            if not PodMember.objects.filter(pod=pod, person=person, modality=modality).exists():
                pod_member_add(pod=pod, person=person, modality=modality)
    return pod


def _project(spec: ProjectSpec, client: Client, pods: dict[str, Pod]) -> Project:
    project = Project.objects.filter(client=client, name=spec.name).first()
    if project:
        return project
    definition = ONTOLOGIES[spec.key]
    ontology = Ontology.objects.filter(name=definition["name"]).order_by("-version").first()
    if ontology is None:
        ontology = ontology_create(
            name=definition["name"],
            description=definition["description"],
            terms=definition["terms"],
            attributes=definition["attributes"],
        )
    return project_create(
        name=spec.name,
        client=client,
        modalities=list(spec.modalities),
        ontology=ontology,
        rules=spec.rules,
        overlap=spec.overlap,
        pods=[pods[name] for name in spec.pods],
    )


INCOMING_PER_PROJECT = 4
INCOMING_SUFFIX = "-incoming"


def _incoming_work(project: Project, records: list[dict]) -> None:
    """A few fresh data points per project, streams only, imported and routed like new
    client data, so the queues, the console and "Next task" have work to show."""
    everyday = [r for r in records if not r["meta"].get("calibration_round")]
    fresh = [
        {
            "external_id": record["external_id"] + INCOMING_SUFFIX,
            "meta": {"scene": record["meta"].get("scene"), "incoming": True, "injected": []},
            "streams": record["streams"],
        }
        for record in everyday[:INCOMING_PER_PROJECT]
    ]
    datapoints_import(project=project, records=enumerate(fresh, start=1))
    project_route(project=project)


def demo_seed(
    *,
    datapoints: int,
    seed: int,
    calibration: int = CALIBRATION_BATCH,
    on_progress: Callable[[int], None] | None = None,
    projects: dict[str, Project] | None = None,
) -> SeedSummary:
    """Seed the cast (unless `projects` says it is done), `datapoints` everyday data
    points spread over the three projects and, for every pod of each project, four
    calibration rounds of `calibration` data points each (on top of `datapoints`);
    validate, run the rounds as iterations and snapshot each project. `on_progress`
    gets the number of records imported since its previous call."""
    projects = projects or demo_cast_ensure()
    records = build_dataset(seed=seed, datapoints=datapoints, calibration=calibration)
    summary = SeedSummary()
    for spec in PROJECTS:
        project = projects[spec.key]
        done = 0

        def progress(processed: int) -> None:
            nonlocal done
            if on_progress is not None:
                on_progress(processed - done)
            done = processed

        report = datapoints_import(
            project=project,
            records=enumerate(records[spec.key], start=1),
            on_progress=progress,
            chunk_size=IMPORT_CHUNK,
        )
        summary.rejections += report.errors
        metas = list(
            DataPoint.objects.filter(project=project)
            .exclude(external_id__endswith=INCOMING_SUFFIX)
            .values_list("meta", flat=True)
        )
        injected = [meta.get("injected", []) for meta in metas]
        for found in injected:
            summary.injected.update((item["type"], item["check"]) for item in found)
        datapoints_validate_missing(project=project)
        rounds = [
            result
            for pod in project.pods.order_by("name")
            for result in pod_rounds_run(project=project, pod=pod)
        ]
        snapshot = project_snapshot(project=project)
        _incoming_work(project, records[spec.key])
        summary.projects.append(
            ProjectSummary(
                name=project.name,
                client=project.client.name,
                created=report.created,
                existing=report.existing,
                rejected=report.rejected,
                datapoints=len(injected),
                with_errors=sum(1 for found in injected if found),
                calibration=sum(1 for meta in metas if meta.get("calibration_round")),
                calibration_with_errors=sum(
                    1 for meta in metas if meta.get("calibration_round") and meta.get("injected")
                ),
                rounds=rounds,
                rate=snapshot.figures.get("rate"),
            )
        )
    return summary
