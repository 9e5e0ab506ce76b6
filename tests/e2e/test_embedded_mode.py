"""The embedded mode `make demo` runs: no environment, SQLite, in-memory channel layer,
Celery in-process. Kept in every run of the suite (services mode included), since CI
otherwise never exercises it."""

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.live import ROOT, DaphneServer

SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SYNCPOD_SECRET_KEY", "SYNCPOD_SQLITE_PATH")


def embedded_environment(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env["SYNCPOD_VAR_DIR"] = str(var_dir)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def embedded_demo(tmp_path_factory):
    """A seeded embedded SyncPod served by daphne, as `make demo` leaves it."""
    env = embedded_environment(tmp_path_factory.mktemp("embedded-var"))
    manage(env, "migrate", "--noinput", "-v0")
    seeded = manage(env, "seed_demo", "--datapoints", "12", "--seed", "7")
    server = DaphneServer(env=env)
    server.start()
    yield server.url, seeded, env
    server.stop()
    server.remove_log()


def login(base_url: str, username: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/login/", data=body, headers={"Referer": f"{base_url}/login/"}
    )
    opener.open(request).read()
    return opener


def test_the_demo_prints_logins_that_work_on_the_embedded_server(embedded_demo):
    base_url, seeded, _ = embedded_demo
    match = re.search(r"password: (\S+)\)", seeded)
    assert match, seeded[-2000:]
    password = match.group(1)
    ops_username = re.search(r"^(\S+)\s+ops_manager\s", seeded, re.MULTILINE).group(1)

    home = login(base_url, ops_username, password).open(f"{base_url}/").read().decode()

    assert "Urban driving clips" in home
    assert 'action="/logout/"' in home


def test_the_embedded_api_hands_out_a_token_and_lists_projects(embedded_demo):
    base_url, seeded, _ = embedded_demo
    password = re.search(r"password: (\S+)\)", seeded).group(1)
    ops_username = re.search(r"^(\S+)\s+ops_manager\s", seeded, re.MULTILINE).group(1)
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/token/",
        data=urllib.parse.urlencode({"username": ops_username, "password": password}).encode(),
    )
    import json

    token = json.loads(urllib.request.urlopen(request).read())["token"]
    listing = urllib.request.Request(
        f"{base_url}/api/v1/projects/", headers={"Authorization": f"Token {token}"}
    )
    projects = json.loads(urllib.request.urlopen(listing).read())

    assert projects["count"] == 3


def test_seeding_again_adds_nothing(embedded_demo):
    _, _, env = embedded_demo

    again = manage(env, "seed_demo", "--datapoints", "12", "--seed", "7")

    rows = re.findall(r"^(.+?)\s{2,}\S.*?\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", again, re.M)
    assert len(rows) == 3, again
    assert all(
        int(new) == 0 and int(existing) == int(total) for _, total, new, existing, *_ in rows
    )
