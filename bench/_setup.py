"""Shared set-up for benchmarks: a dedicated PostgreSQL database, migrated, and Django.

Benchmarks never touch the demo or test databases: they default to `syncpod_bench`
on the local PostgreSQL and accept --database-url to point elsewhere."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/syncpod_bench"


def setup_django(database_url: str | None = None, redis_url: str | None = None) -> None:
    """Create and migrate the bench database if needed, then set Django up."""
    url = database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = redis_url or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("SYNCPOD_SECRET_KEY", "bench-only")
    os.environ.setdefault("SYNCPOD_FAST_PASSWORD_HASHER", "1")
    os.environ.setdefault("SYNCPOD_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    _ensure_database(url)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (config["NAME"],)
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
