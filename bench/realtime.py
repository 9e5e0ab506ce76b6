"""Real-time fan-out benchmark (issue 6).

N WebSocket subscribers (distinct people, API tokens) join one data point's room on a
daphne served over channels_redis and PostgreSQL; a writer makes M annotation changes
through `tasks.services.annotations` (the one write path: commit, then publish on
commit). Every subscriber records when each change reached it. Prints delivery
latency (from just before the service call to receipt by the subscriber, so it
includes the write and its commit) p50/p95/p99/max and the number of deliveries lost.

    .venv/bin/python bench/realtime.py --subscribers 200 --changes 200 --interval-ms 100
    .venv/bin/python bench/realtime.py --servers 2      # the room split over two daphnes
    .venv/bin/python bench/realtime.py --url http://127.0.0.1:8000   # a daphne you started

Defaults to its own database (`syncpod_bench_rt`) and Redis database 6.
"""

import argparse
import asyncio
import itertools
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._setup import percentile, setup_django

LAST_FRAME = [0.0]  # when any subscriber last got any frame
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/syncpod_bench_rt"


def build_world(subscribers: int):
    from rest_framework.authtoken.models import Token

    from pods.models import Person, Role
    from tests.factories import (
        make_client,
        make_datapoint,
        make_ontology,
        make_person,
        make_project,
        make_task,
    )

    run = uuid.uuid4().hex[:8]
    counter = itertools.count()
    client = make_client(f"bench-rt-{run}")
    project = make_project(
        client=client, modalities=["video", "audio"], ontology=make_ontology(f"bench-rt-{run}")
    )
    datapoint = make_datapoint(project)
    writer = make_person(skills=[("video", "senior")], username=f"bench-rt-writer-{run}")
    task = make_task(datapoint, "video", writer)
    people = Person.objects.bulk_create(
        Person(username=f"bench-rt-{run}-{next(counter)}", role=Role.OPS_MANAGER)
        for _ in range(subscribers)
    )
    tokens = Token.objects.bulk_create(Token(user=p, key=Token.generate_key()) for p in people)
    return datapoint, writer, task, [t.key for t in tokens]


async def subscribe(url: str, ready: asyncio.Event, received: dict, counts: list, index: int):
    from websockets.asyncio.client import connect

    async with connect(url, max_queue=None, open_timeout=60) as ws:
        while True:
            frame = await ws.recv()
            now = time.monotonic()
            LAST_FRAME[0] = now
            if '"annotation.created"' not in frame[:40]:
                if '"hello"' in frame[:20]:
                    counts[index] = 1
                    if all(counts):
                        ready.set()
                continue
            seq = int(json.loads(frame)["payload"]["entity"].rsplit("-", 1)[1])
            received[seq].append(now)


def write_changes(
    writer,
    task,
    changes: int,
    interval_s: float,
    sent: dict,
    published: dict,
    done: threading.Event,
):
    from django.db import connection

    from tasks.services.annotations import annotation_create

    try:
        for seq in range(changes):
            data = {
                "stream": "video-main",
                "kind": "segment",
                "label": "dog",
                "entity": f"bench-{seq}",
                "start_ms": float(seq * 10),
                "end_ms": float(seq * 10 + 5),
            }
            sent[seq] = time.monotonic()
            annotation_create(actor=writer, task=task, data=data)
            published[seq] = time.monotonic()  # committed, and group_send returned
            time.sleep(max(0.0, interval_s - (published[seq] - sent[seq])))
    finally:
        connection.close()
        done.set()


async def main_async(args, base_urls: list[str], datapoint, writer, task, tokens):
    received: dict[int, list[float]] = {seq: [] for seq in range(args.changes)}
    sent: dict[int, float] = {}
    published: dict[int, float] = {}
    counts = [0] * len(tokens)
    ready = asyncio.Event()
    paths = [
        f"{url.replace('http://', 'ws://')}/ws/datapoints/{datapoint.pk}/?token="
        for url in base_urls
    ]
    clients = []
    started = time.monotonic()
    for index, token in enumerate(tokens):
        url = paths[index % len(paths)] + token  # round-robin over the daphne processes
        clients.append(asyncio.create_task(subscribe(url, ready, received, counts, index)))
        if index % 20 == 19:
            await asyncio.sleep(0.05)  # do not stampede the accept queue
    await asyncio.wait_for(ready.wait(), 120)
    print(
        f"{len(tokens)} subscribers joined {len(base_urls)} daphne process(es) "
        f"in {time.monotonic() - started:.1f} s"
    )
    # Every join is announced to everyone already there (N^2/2 presence frames in
    # all): measure only once the room has been quiet for settle_s.
    quiet_from = time.monotonic()
    while time.monotonic() - max(LAST_FRAME[0], quiet_from) < args.settle_s:
        await asyncio.sleep(0.1)
    print(f"room quiet after {time.monotonic() - quiet_from:.1f} s")

    done = threading.Event()
    writer_thread = threading.Thread(
        target=write_changes,
        args=(writer, task, args.changes, args.interval_ms / 1000, sent, published, done),
    )
    started = time.monotonic()
    writer_thread.start()
    while not done.is_set():
        await asyncio.sleep(0.05)
    deadline = time.monotonic() + args.grace_s
    expected = len(tokens) * args.changes
    while time.monotonic() < deadline:
        if sum(len(v) for v in received.values()) >= expected:
            break
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    for client in clients:
        client.cancel()
    outcomes = await asyncio.gather(*clients, return_exceptions=True)
    failures = [o for o in outcomes if not isinstance(o, asyncio.CancelledError | type(None))]
    if failures:
        print(f"{len(failures)} subscribers failed, first: {failures[0]!r}")

    latencies = [(t - sent[seq]) * 1000 for seq, times in received.items() for t in times]
    fanout = [(t - published[seq]) * 1000 for seq, times in received.items() for t in times]
    writes = [(published[seq] - sent[seq]) * 1000 for seq in published]
    delivered = len(latencies)
    print(
        f"changes: {args.changes} through annotation_create, every {args.interval_ms} ms; "
        f"subscribers: {len(tokens)}; deliveries expected {expected}, received {delivered}, "
        f"lost {expected - delivered}; {elapsed:.1f} s"
    )
    print(
        "delivery latency ms: "
        f"p50 {percentile(latencies, 50):.1f}  p95 {percentile(latencies, 95):.1f}  "
        f"p99 {percentile(latencies, 99):.1f}  max {max(latencies, default=float('nan')):.1f}"
    )
    print(
        "  of which the write (service call to commit + publish): "
        f"p50 {percentile(writes, 50):.1f}  p99 {percentile(writes, 99):.1f}; "
        f"fan-out after publish: p50 {percentile(fanout, 50):.1f}  p99 {percentile(fanout, 99):.1f}"
    )
    return expected - delivered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument(
        "--servers", type=int, default=1, help="daphne processes sharing the room through Redis"
    )
    parser.add_argument(
        "--url",
        action="append",
        help="a daphne already serving the bench database (repeatable); none: start --servers",
    )
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--interval-ms", type=float, default=100.0)
    parser.add_argument("--settle-s", type=float, default=1.0)
    parser.add_argument("--grace-s", type=float, default=10.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    args = parser.parse_args()

    os.environ.setdefault("SYNCPOD_CHANNEL_PREFIX", f"bench-rt-{uuid.uuid4().hex[:6]}")
    setup_django(args.database_url, args.redis_url)
    from tests.live import DaphneServer

    datapoint, writer, task, tokens = build_world(args.subscribers)
    servers = [] if args.url else [DaphneServer(env=dict(os.environ)) for _ in range(args.servers)]
    try:
        for server in servers:
            server.start()
        urls = args.url or [server.url for server in servers]
        lost = asyncio.run(main_async(args, urls, datapoint, writer, task, tokens))
    finally:
        for server in servers:
            server.stop()
            if server.process is not None and server.process.returncode not in (0, -15, None):
                print(server.output()[-3000:], file=sys.stderr)
            server.remove_log()
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
