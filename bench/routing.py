"""Routing and claiming benchmark (issue 3).

1. Routes N data points x 4 modalities through `project_route` on PostgreSQL and prints
   tasks/s.
2. Starts daphne on the bench database; C concurrent HTTP clients (distinct specialists,
   keep-alive connections) claim with POST /api/v1/tasks/next/ and submit each task,
   and it prints next-task latency p50/p95/p99, throughput and double assignments.

    .venv/bin/python bench/routing.py --datapoints 100000 --clients 32 --claims 3000
"""

import argparse
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._setup import ROOT, percentile, setup_django

MODALITIES = ["video", "audio", "pointcloud", "text"]
LOG_PATH = "/tmp/syncpod-bench-daphne.log"


def build_world(datapoints: int, pods: int, per_modality: int, clients: int):
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from pods.models import Person, Pod, PodMember, Role, Skill
    from tasks.models import DataPoint
    from tasks.services.projects import project_create
    from tests.factories import make_client, make_ontology

    run = uuid.uuid4().hex[:8]

    def unique(prefix: str) -> str:
        return f"{prefix}-{run}-{next(counter)}"

    counter = itertools.count()

    client = make_client(unique("bench-client"))
    ontology = make_ontology(unique("bench-ontology"))

    def pod_with_people(name, n, capacity):
        pod = Pod.objects.create(name=name)
        people = Person.objects.bulk_create(
            Person(username=f"{name}-{m}-{i}", role=Role.SPECIALIST, capacity=capacity)
            for m in MODALITIES
            for i in range(n)
        )
        Skill.objects.bulk_create(
            Skill(person=p, modality=p.username.split("-")[-2], level="senior") for p in people
        )
        PodMember.objects.bulk_create(
            PodMember(pod=pod, person=p, modality=p.username.split("-")[-2]) for p in people
        )
        return pod, people

    routing_pods = [
        pod_with_people(unique("route-pod"), per_modality, 10**6)[0] for _ in range(pods)
    ]
    project = project_create(
        name=unique("bench-routing"),
        client=client,
        modalities=MODALITIES,
        ontology=ontology,
        pods=routing_pods,
    )
    with transaction.atomic():
        DataPoint.objects.bulk_create(
            (DataPoint(project=project, external_id=f"dp-{i}") for i in range(datapoints)),
            batch_size=5000,
        )
    # The claim part: a pull-routing project whose queue is served by `clients` people.
    claim_pod, people = pod_with_people(unique("claim-pod"), clients // len(MODALITIES), 50)
    claim_project = project_create(
        name=unique("bench-claims"),
        client=client,
        modalities=MODALITIES,
        ontology=ontology,
        pods=[claim_pod],
    )
    tokens = {p.pk: Token.objects.create(user=p).key for p in people}
    return project, claim_project, claim_pod, tokens


def bench_routing(project) -> None:
    from tasks.services.routing import project_route

    started = time.perf_counter()
    report = project_route(project=project)
    elapsed = time.perf_counter() - started
    print(
        f"routing: {report.routed:,} data points, {report.tasks:,} tasks in {elapsed:.2f} s "
        f"-> {report.tasks / elapsed:,.0f} tasks/s, {report.routed / elapsed:,.0f} data points/s"
    )


def fill_queue(claim_project, claim_pod, claims: int) -> None:
    from tasks.models import DataPoint, Task

    points = DataPoint.objects.bulk_create(
        DataPoint(project=claim_project, external_id=f"q-{i}", pod=claim_pod)
        for i in range(claims // len(MODALITIES) + 1)
    )
    Task.objects.bulk_create(
        (Task(datapoint=p, modality=m, pod=claim_pod) for p in points for m in MODALITIES),
        batch_size=5000,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daphne(port: int) -> subprocess.Popen:
    env = dict(os.environ, SYNCPOD_LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(LOG_PATH, "wb"),  # noqa: SIM115 (kept open for the server's life)
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"daphne did not start: {Path(LOG_PATH).read_text()[-2000:]}")


def bench_claims(port: int, claim_project, tokens: dict[int, str], claims: int) -> None:
    latencies: list[float] = []
    handed: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [claims]
    barrier = threading.Barrier(len(tokens))

    def worker(token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        body = json.dumps({"project": claim_project.pk})
        barrier.wait()
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            conn.request("POST", "/api/v1/tasks/next/", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - started
            if response.status == 204:
                break
            if response.status != 200:
                errors.append(f"{response.status}: {payload[:200]!r}")
                break
            task_id = json.loads(payload)["id"]
            with lock:
                latencies.append(elapsed)
                handed.append(task_id)
            conn.request("POST", f"/api/v1/tasks/{task_id}/submit/", body=b"{}", headers=headers)
            submitted = conn.getresponse()
            submitted.read()
            if submitted.status != 200:
                errors.append(f"submit {submitted.status}")
                break
        conn.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in tokens.values()]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    doubles = len(handed) - len(set(handed))
    print(
        f"claims: {len(tokens)} clients, {len(handed):,} tasks claimed and submitted "
        f"in {elapsed:.2f} s -> {len(handed) / elapsed:,.0f} claims/s"
    )
    print(
        f"next-task latency: p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms; double assignments: {doubles}; errors: {len(errors)}"
    )
    for error in errors[:5]:
        print("  error:", error)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--datapoints", type=int, default=100_000)
    parser.add_argument("--pods", type=int, default=8)
    parser.add_argument(
        "--per-modality", type=int, default=6, help="specialists per modality per pod"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--claims", type=int, default=3000)
    parser.add_argument("--routing-only", action="store_true", help="skip the HTTP claim part")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup_django(args.database_url)
    project, claim_project, claim_pod, tokens = build_world(
        args.datapoints, args.pods, args.per_modality, args.clients
    )
    bench_routing(project)
    if args.routing_only:
        return
    fill_queue(claim_project, claim_pod, args.claims)
    port = free_port()
    daphne = start_daphne(port)
    try:
        bench_claims(port, claim_project, tokens, args.claims)
    finally:
        daphne.terminate()
        try:
            daphne.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daphne.kill()


if __name__ == "__main__":
    main()
