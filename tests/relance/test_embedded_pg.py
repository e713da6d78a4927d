"""The embedded PostgreSQL started by the settings when DATABASE_URL is unset.

Each test runs the settings in fresh Python processes with their own RELANCE_VAR_DIR, so it
starts (and must stop) its own cluster; the suite itself may be running on a server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Not a timing expectation: only stops a test whose process hangs instead of failing.
HANG_GUARD = 1800

# Waits for a "go" file (so that several processes start at once), loads the settings,
# runs a query, reports, then waits for its stdin to close before exiting.
CLIENT = r"""
import json, os, sys, time
from pathlib import Path

go = os.environ.get("TEST_GO_FILE")
while go and not Path(go).exists():
    time.sleep(0.01)

import django
django.setup()
from django.conf import settings
from django.db import connection

db = settings.DATABASES["default"]
report = {"pid": os.getpid(), "host": db["HOST"], "name": db["NAME"],
          "port": db["PORT"], "embedded": settings.EMBEDDED_DATABASE}
if os.environ.get("TEST_QUERY") == "1":
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('data_directory')")
        report["database"], report["data_directory"] = cursor.fetchone()
    connection.close()
print(json.dumps(report), flush=True)
if os.environ.get("TEST_WAIT") == "1":
    sys.stdin.read()
"""


def client_env(var_dir: Path, database_url: str | None = None, **extra) -> dict:
    env = {**os.environ, "RELANCE_VAR_DIR": str(var_dir), "DEBUG": "1", **extra}
    env["DJANGO_SETTINGS_MODULE"] = "relance.settings"
    env.pop("DATABASE_URL", None)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def start_client(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CLIENT],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_report(process: subprocess.Popen) -> dict:
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        pytest.fail(f"client exited with {process.returncode}: {process.stderr.read()}")
    return json.loads(line)


def finish(process: subprocess.Popen) -> None:
    process.stdin.close()
    assert process.wait(timeout=60) == 0, process.stderr.read()


def postmasters(pgdata: Path) -> list[psutil.Process]:
    """Running postmasters of the cluster in ``pgdata`` (only they carry its path)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if cmdline and cmdline[0].endswith("postgres") and str(pgdata) in cmdline:
            found.append(proc)
    return found


def wait_until_stopped(pgdata: Path, timeout: float = 20) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (remaining := postmasters(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return remaining


def socket_dir_of(pgdata: Path) -> str:
    """The socket directory written by the postmaster in postmaster.pid (5th line)."""
    return (pgdata / "postmaster.pid").read_text().splitlines()[4].strip()


@pytest.fixture
def var_dir(tmp_path):
    path = tmp_path / "var"
    yield path
    # Never leave a cluster behind, even when a test failed half-way.
    for proc in postmasters(path.resolve() / "pgdata"):
        proc.terminate()
        try:
            proc.wait(10)
        except psutil.TimeoutExpired:
            proc.kill()


def test_without_database_url_settings_start_a_cluster_in_the_var_dir(var_dir):
    process = start_client(client_env(var_dir, TEST_QUERY="1", TEST_WAIT="1"))
    try:
        report = read_report(process)
        pgdata = var_dir.resolve() / "pgdata"
        assert report["embedded"] is True
        assert (pgdata / "PG_VERSION").exists()
        assert report["host"] == socket_dir_of(pgdata)
        assert report["name"] == report["database"] == "relance"
        assert Path(report["data_directory"]) == pgdata
        assert len(postmasters(pgdata)) == 1
    finally:
        finish(process)
    # The only process using the cluster has exited: it stopped the server.
    assert wait_until_stopped(pgdata) == []


def test_with_database_url_settings_use_it_and_start_no_cluster(var_dir):
    url = "postgres://relance_user:secret@db.example.org:6543/relance_prod"
    process = start_client(client_env(var_dir, database_url=url))
    report = read_report(process)
    finish(process)
    assert report == {
        "pid": report["pid"],
        "host": "db.example.org",
        "name": "relance_prod",
        "port": 6543,
        "embedded": False,
    }
    assert not (var_dir / "pgdata").exists()


def test_two_processes_starting_at_once_share_one_server(var_dir):
    go = var_dir.parent / "go"
    env = client_env(var_dir, TEST_QUERY="1", TEST_WAIT="1", TEST_GO_FILE=str(go))
    first, second = start_client(env), start_client(env)
    pgdata = var_dir.resolve() / "pgdata"
    try:
        go.touch()
        reports = [read_report(first), read_report(second)]
        # Both connected to the same cluster, and ran a query.
        assert {r["database"] for r in reports} == {"relance"}
        assert {r["host"] for r in reports} == {socket_dir_of(pgdata)}
        assert {Path(r["data_directory"]) for r in reports} == {pgdata}
        assert len(postmasters(pgdata)) == 1
        assert [p.name for p in var_dir.rglob("PG_VERSION") if p.parent == pgdata] == ["PG_VERSION"]
        assert list(var_dir.rglob("postmaster.pid")) == [pgdata / "postmaster.pid"]
        handles = json.loads((pgdata / ".handle_pids.json").read_text())
        assert sorted(handles) == sorted([first.pid, second.pid])

        # The first one leaves: the server keeps running for the second one.
        finish(first)
        assert len(postmasters(pgdata)) == 1
    finally:
        for process in (first, second):
            if process.returncode is None:
                finish(process)
    assert wait_until_stopped(pgdata) == []


def test_a_process_killed_without_cleanup_does_not_keep_the_server_alive(var_dir):
    """What Django's autoreloader does on Ctrl-C: it kills its child, then exits itself."""
    env = client_env(var_dir, TEST_QUERY="1", TEST_WAIT="1")
    parent = start_client(env)
    read_report(parent)
    child = start_client(env)
    read_report(child)
    child.kill()  # SIGKILL: no atexit hook, its pid stays in pgserver's list
    child.wait(timeout=10)
    pgdata = var_dir.resolve() / "pgdata"
    assert child.pid in json.loads((pgdata / ".handle_pids.json").read_text())
    finish(parent)
    assert wait_until_stopped(pgdata) == []


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda pid: os.killpg(pid, signal.SIGINT), id="ctrl-c"),
        # Only the reloader's parent gets it: it kills its serving child without cleanup.
        pytest.param(lambda pid: os.kill(pid, signal.SIGTERM), id="sigterm-to-parent"),
    ],
)
def test_demo_command_serves_on_the_embedded_cluster_and_stops_cleanly(var_dir, stop):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=client_env(var_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        # A terminal's foreground job has Ctrl-C's default disposition, even when this run
        # was started in the background (where the shell ignores SIGINT for its children).
        preexec_fn=_default_sigint,
    )
    pgdata = var_dir.resolve() / "pgdata"
    # Read as it comes: the test waits for the worker to say it started before stopping.
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        # Waited on what the command prints, never on the clock: initdb, migrations and the
        # seed take minutes on a busy machine. HANG_GUARD only stops a run that never ends.
        guard = time.monotonic() + HANG_GUARD
        while not any("Quit the server with" in line for line in list(lines)):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < guard, "".join(lines)
            time.sleep(0.2)
        while True:  # the line is printed just before the socket is bound
            assert process.poll() is None, "".join(lines)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    body = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < guard, "the demo server did not answer"
                time.sleep(0.5)
        assert "[Démonstration]" in body
        # The autoreloader's parent, its serving child and the task worker hold the cluster.
        while len(handles := json.loads((pgdata / ".handle_pids.json").read_text())) < 3:
            assert time.monotonic() < guard, f"no worker among {handles}"
            time.sleep(0.2)
        assert process.pid in handles
        assert len(handles) == 3
        workers = [
            pid for pid in handles if "run_worker" in " ".join(psutil.Process(pid).cmdline())
        ]
        assert len(workers) == 1
        assert psutil.Process(workers[0]).ppid() == process.pid
        assert len(postmasters(pgdata)) == 1
        while not any("Starting worker" in line for line in list(lines)):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < guard, "".join(lines)
            time.sleep(0.2)
    finally:
        stop(process.pid)
        process.wait(timeout=60)
        reader.join(timeout=10)
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "instructeur@demo.relance.gouv.fr" in output
    assert f"http://127.0.0.1:{port}/" in output
    assert "Starting worker" in output
    assert "Traceback" not in output
    assert not psutil.pid_exists(workers[0])  # the worker stopped with the server
    assert wait_until_stopped(pgdata) == []
