"""A real daphne serving the app against the test database, for browser and
WebSocket tests. pytest-django's `live_server` is WSGI (no WebSockets) and runs in the
test process; this is the server `make demo` runs, in its own process.

Tests that use `live_daphne` need `@pytest.mark.django_db(transaction=True)`: the
server has its own database connection, so it only sees committed data.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment() -> dict[str, str]:
    """The environment that points a server process at the *test* database."""
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' switch, not the server's
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env["SYNCPOD_SQLITE_PATH"] = str(db["NAME"])
        return env
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    env["DATABASE_URL"] = f"postgres://{credentials}@{host}{port}/{db['NAME']}"
    env["REDIS_URL"] = settings.REDIS_URL
    env["SYNCPOD_SECRET_KEY"] = settings.SECRET_KEY
    return env


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class DaphneServer:
    """One daphne process; `url` is its base URL without a trailing slash."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept open for the server's life)
            prefix="syncpod-daphne-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(self.port),
            "config.asgi:application",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env or server_environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(
                    f"daphne exited with {self.process.returncode}:\n{self.output()}"
                )
            if _answers(self.port):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"daphne did not answer within {STARTUP_TIMEOUT_S:.0f} s:\n{self.output()}"
        )

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()

    def remove_log(self) -> None:
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def live_daphne(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The base URL of a daphne serving the test database for the whole session.

    Started once (a start costs a couple of seconds); torn down before the test
    database is dropped, since it depends on `django_db_setup`."""
    server = DaphneServer()
    server.start()
    try:
        yield server.url
    finally:
        crashed = server.process.poll() is not None
        server.stop()
        if crashed:
            print(f"daphne died during the session:\n{server.output()}", file=sys.stderr)
        server.remove_log()
