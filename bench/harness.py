"""What the benchmarks share: the production-like environment, child processes (app servers,
workers) and waiting for them.

The app servers run as in production: gunicorn with its sync workers, ``DEBUG=0``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import requests
from scratch import scratch_database

ROOT = Path(__file__).resolve().parents[1]
WAIT = 600  # seconds: give up waiting for a condition (something is broken)


def log(message: str) -> None:
    print(message, flush=True)


def wait_until(condition, what: str, processes=()):
    deadline = time.monotonic() + WAIT
    while not (value := condition()):
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"a process exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.2)
    return value


def production_env(database_url: str, static_root: str, **extra) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "relance.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "cle-du-banc-d-essai-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "0",
        "SECURE_SSL_REDIRECT": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


@contextmanager
def process(args: list[str], env: dict):
    child = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def csrf_token(response) -> str:
    response.raise_for_status()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    if not match:
        raise SystemExit(f"no CSRF token on {response.url}")
    return match.group(1)


@contextmanager
def app_server(app: str, env: dict, *, port: int, probe: str = "/", workers: int = 2):
    """A gunicorn serving ``app`` (a WSGI path, looked up in ``bench/`` too) on ``port``,
    yielded once it answers ``probe``."""
    base = f"http://127.0.0.1:{port}"
    args = [
        *(sys.executable, "-m", "gunicorn", app, "--pythonpath", str(ROOT / "bench")),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--no-control-socket"),
    ]
    with process(args, env) as server:

        def answers():
            try:
                return requests.get(base + probe, timeout=5).ok
            except requests.RequestException:
                return False

        wait_until(answers, f"the server of {app}", [server])
        yield server


def production_database(stack) -> dict:
    """The production-like environment of a scratch database on the server of ``DATABASE_URL``
    (migrated, static files collected); both are removed when ``stack`` closes."""
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (a scratch database is made).")
    database_url = stack.enter_context(scratch_database(server_url))
    static_root = stack.enter_context(tempfile.TemporaryDirectory(prefix="relance-static-"))
    env = production_env(database_url, static_root)
    log(f"Scratch database {urlparse(database_url).path[1:]}: migrate, collectstatic…")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    return env
