"""Benchmark: the staff exports of a call of ``--dossiers`` dossiers (50,000 by default).

Creates a scratch database next to ``DATABASE_URL`` (dropped at the end), fills one closed
call with the dossiers, then measures each format in a fresh Python process (DEBUG=0, as in
production), the way the site serves it:

- CSV: the export URL through Django's request handler (the test client, no server), the
  stream read to its end; prints the time to the header, to the first rows, the total time
  and the peak memory the process added.
- XLSX and ODS: the export URL must answer with a redirect at once (the file is never built in
  a web request); then the worker's task builds the file; prints the request's time, the
  task's time, the file's size and the peak memory the task added.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres uv run python bench/exports.py

Exit status 0 when the goals hold (CSV: under 50 MB added and its first rows within 1 s;
XLSX and ODS: never built in the request, under 300 MB added to the worker), 1 otherwise. Not
part of the test suite (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from scratch import scratch_database  # noqa: E402

MB = 1024 * 1024
CSV_MEMORY_GOAL = 50 * MB
CSV_FIRST_ROWS_GOAL = 1.0  # seconds
WORKER_MEMORY_GOAL = 300 * MB
STAFF_EMAIL = "instructeur@banc.relance.gouv.fr"


def log(message: str) -> None:
    print(message, flush=True)


def production_env(database_url: str, media_root: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "relance.settings",
        "DATABASE_URL": database_url,
        # DEBUG=1 would keep every query in memory and skew the measure.
        "DEBUG": "0",
        "SECRET_KEY": "cle-du-banc-d-essai-" + "x" * 40,
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "SESSION_COOKIE_SECURE": "0",
        "SECURE_SSL_REDIRECT": "0",
        "CSRF_COOKIE_SECURE": "0",
        "MEDIA_ROOT": media_root,
        "LOG_LEVEL": "ERROR",
    }


def build_data(size: int) -> str:
    """One closed call holding ``size`` submitted dossiers; returns its slug."""
    from django.utils import timezone

    from submissions.models import Dossier, DossierState, PreselectionDecision
    from tests.factories import (
        AdministrationFactory,
        CallFactory,
        CategoryFactory,
        DossierFactory,
        StaffFactory,
    )

    now = timezone.now()
    StaffFactory(email=STAFF_EMAIL)
    call = CallFactory(opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1))
    categories = [CategoryFactory(call=call) for _ in range(5)]
    administrations = [AdministrationFactory() for _ in range(200)]
    decisions = ["", PreselectionDecision.PRESELECTED, PreselectionDecision.NOT_PRESELECTED]
    batch = 2000
    for start in range(0, size, batch):
        dossiers = [
            DossierFactory.build(
                call=call,
                number=index + 1,
                administration=administrations[index % len(administrations)],
                category=categories[index % len(categories)],
                state=DossierState.SUBMITTED,
                submitted_at=call.closes_at - timedelta(minutes=index),
                pending_decision=decisions[index % len(decisions)],
                # A text a spreadsheet would run: every row goes through the neutralisation.
                subtitle='=HYPERLINK("http://exemple")' if index % 10 == 0 else "Sous-titre",
            )
            for index in range(start, min(start + batch, size))
        ]
        Dossier.objects.bulk_create(dossiers)
    return call.slug


class PeakMemory:
    """Samples the process's resident memory every few milliseconds in a thread."""

    def __init__(self):
        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def added(self) -> int:
        return self.peak - self.baseline


def measure(fmt: str, call_slug: str) -> dict:
    """In this (fresh) process: one export of the call in ``fmt``."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from submissions.background_exports import build_dossier_export
    from submissions.models import DossierExport

    client = Client()
    client.force_login(get_user_model().objects.get(email=STAFF_EMAIL))
    url = reverse("submissions:instruction_export", kwargs={"call_slug": call_slug, "fmt": fmt})
    # Warm up the URLconf, the templates' loaders and the connection on a filtered export.
    client.get(url + "?q=aucun-dossier-ne-correspond")
    result = {"format": fmt}
    with PeakMemory() as memory:
        start = time.perf_counter()
        response = client.get(url)
        result["request_seconds"] = time.perf_counter() - start
        result["status"] = response.status_code
        if fmt == "csv":
            size, arrivals = 0, []
            for chunk in response.streaming_content:
                if len(arrivals) < 2:
                    arrivals.append(time.perf_counter() - start)
                size += len(chunk)
            # The first chunk is the header alone; the second holds the first rows.
            result["first_chunk_seconds"], result["first_rows_seconds"] = arrivals
            result["seconds"] = time.perf_counter() - start
            result["bytes"] = size
    if fmt == "csv":
        result["added"] = memory.added
        return result
    job = DossierExport.objects.filter(fmt=fmt).latest("created_at")
    # What a worker does with the task: the same function, in a process of its own.
    with PeakMemory() as memory:
        start = time.perf_counter()
        build_dossier_export.call(str(job.pk))
        result["seconds"] = time.perf_counter() - start
    job.refresh_from_db()
    result["added"] = memory.added
    result["bytes"] = job.file.size
    result["rows"] = job.rows_done
    result["job_status"] = job.status
    return result


def run_measure(env: dict, fmt: str, call_slug: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", fmt, "--call", call_slug],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def report(result: dict) -> bool:
    fmt, added = result["format"].upper(), result["added"] / MB
    if result["format"] == "csv":
        log(
            f"{fmt}: {result['bytes'] / MB:.1f} MB in {result['seconds']:.2f} s, header after "
            f"{result['first_chunk_seconds']:.3f} s, first rows after "
            f"{result['first_rows_seconds']:.3f} s, {added:.1f} MB added"
        )
        return (
            result["status"] == 200
            and result["added"] < CSV_MEMORY_GOAL
            and result["first_rows_seconds"] < CSV_FIRST_ROWS_GOAL
        )
    log(
        f"{fmt}: request answered {result['status']} in {result['request_seconds']:.2f} s; "
        f"worker built {result['rows']} rows ({result['bytes'] / MB:.1f} MB) in "
        f"{result['seconds']:.2f} s, {added:.1f} MB added"
    )
    return (
        result["status"] == 302
        and result["job_status"] == "ready"
        and result["added"] < WORKER_MEMORY_GOAL
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=50_000, help="dossiers in the call")
    parser.add_argument("--formats", default="csv,xlsx,ods", help="comma-separated")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--call", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure, options.call)))
        return 0
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (a scratch database is made).")

    with ExitStack() as stack:
        database_url = stack.enter_context(scratch_database(server_url))
        media_root = stack.enter_context(tempfile.TemporaryDirectory(prefix="relance-media-"))
        env = production_env(database_url, media_root)
        log(f"Scratch database {urlparse(database_url).path[1:]}: migrate…")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        start = time.perf_counter()
        call_slug = build_data(options.dossiers)
        connections.close_all()
        log(f"{options.dossiers} dossiers created in {time.perf_counter() - start:.1f} s")

        ok = True
        for fmt in options.formats.split(","):
            ok = report(run_measure(env, fmt, call_slug)) and ok
    log("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
