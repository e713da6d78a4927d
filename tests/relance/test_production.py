"""Production settings: the database guard and pool, the shared cache, /sante/, logs.

Settings are read once per process: each case loads them in a fresh Python process with
its own environment.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from relance import tasks

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, os, sys
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.db import connection

report = {"cache": settings.CACHES["default"]["BACKEND"],
          "options": settings.DATABASES["default"].get("OPTIONS", {}),
          "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
          "storage": settings.STORAGES["default"]["BACKEND"]}
action = os.environ.get("PROBE")
if action == "query":
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        report["query"] = cursor.fetchone()[0]
    report["pooled"] = connection.pool is not None
elif action == "cache-set":
    cache.set(os.environ["PROBE_KEY"], "vu par le premier serveur", 60)
elif action == "cache-get":
    report["value"] = cache.get(os.environ["PROBE_KEY"])
    cache.delete(os.environ["PROBE_KEY"])
elif action == "log":
    import logging
    logging.getLogger("relance.probe").warning("dossier %s soumis", 42)
print(json.dumps(report), flush=True)
"""


def probe(**env) -> subprocess.CompletedProcess:
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "relance.settings", **env}
    for name, value in env.items():
        if value is None:
            environ.pop(name)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def report_of(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# Database -----------------------------------------------------------------------------------


def test_production_without_database_url_refuses_to_start():
    result = probe(DEBUG="0", SECRET_KEY="x" * 50, DATABASE_URL=None, RELANCE_EMBEDDED_DB=None)
    assert result.returncode != 0
    assert "DATABASE_URL is not set and DEBUG is off" in result.stderr
    assert "RELANCE_EMBEDDED_DB=1" in result.stderr


def database_url_of_the_test_database() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


@pytest.mark.django_db
def test_connection_pool_option_gives_a_pooled_connection():
    result = probe(
        DATABASE_URL=database_url_of_the_test_database(),
        DATABASE_POOL="1",
        DATABASE_POOL_MAX_SIZE="4",
        PROBE="query",
    )
    report = report_of(result)
    assert report["query"] == 1
    assert report["pooled"] is True
    assert report["options"]["pool"]["max_size"] == 4
    assert report["conn_max_age"] == 0


def test_without_pool_option_connections_persist_for_a_minute():
    report = report_of(probe(DATABASE_URL="postgres://u:p@db.example:5432/relance"))
    assert "pool" not in report["options"]
    assert report["conn_max_age"] == 60


# Cache ----------------------------------------------------------------------------------------

# The machine's Redis in CI (.ci/run starts one when none answers), REDIS_URL when set.
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url():
    if not redis_answers(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"no Redis answers at {REDIS_URL}: CI must run one")
        pytest.skip(f"no Redis answers at {REDIS_URL} (set REDIS_URL or start redis-server)")
    return REDIS_URL


def test_two_app_servers_share_the_redis_cache(redis_url):
    key, prefix = f"probe-{uuid.uuid4()}", f"relance-test-{uuid.uuid4()}"
    env = {"REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix, "PROBE_KEY": key}
    first = report_of(probe(**env, PROBE="cache-set"))
    assert first["cache"] == "django.core.cache.backends.redis.RedisCache"
    second = report_of(probe(**env, PROBE="cache-get"))
    assert second["value"] == "vu par le premier serveur"


def test_without_redis_url_the_cache_is_per_process():
    report = report_of(probe(REDIS_URL=None, PROBE="cache-set", PROBE_KEY="k"))
    assert report["cache"] == "django.core.cache.backends.locmem.LocMemCache"


# Logs -----------------------------------------------------------------------------------------


def test_json_logs_are_one_object_per_line():
    result = probe(LOG_FORMAT="json", PROBE="log")
    report_of(result)
    (line,) = [line for line in result.stderr.splitlines() if "relance.probe" in line]
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "relance.probe"
    assert entry["message"] == "dossier 42 soumis"
    assert "time" in entry


# /sante/ --------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_health_endpoint_checks_database_cache_storage_and_queue(client, media_root):
    response = client.get("/sante/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    checks = response.json()
    assert sorted(name.split("(")[0] for name in checks) == [
        "Cache",
        "Database",
        "Storage",
        "TaskQueueLag",
    ]
    assert all(status == "OK" for status in checks.values()), checks


# The checks run in threads, on connections of their own: the rows must be committed.
@pytest.mark.django_db(transaction=True)
@pytest.mark.tasks_by_hand
def test_health_endpoint_fails_when_no_worker_takes_the_tasks(client, media_root):
    tasks.retry_emails.enqueue()
    assert client.get("/sante/?format=json").status_code == 200  # just enqueued
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/sante/?format=json")
    assert response.status_code == 500, response.content
    assert any("is a worker running?" in status for status in response.json().values())
