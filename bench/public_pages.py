"""Benchmark: public pages and the staff dossier list at state scale, as ratios to a floor.

On a scratch database created next to ``DATABASE_URL`` (dropped at the end), the data set is
made with the tests' factories: ``--laureates`` published laureates over several calls and
``--dossiers`` submitted dossiers across calls and administrations. Four gunicorn servers
(2 sync workers each, ``DEBUG=0``) start: the application; the application with a cache that
keeps nothing (« uncached »: the very first visit after a publication, every query asked);
the application with a cache that keeps no page (« not kept »: ``bench/nopage_settings.py``,
a page nobody asked for since the last publication, on a running site); and the floor
(``bench/floor.py``: a bare Django view answering a constant body). For each page, requests
to the page and to the floor of the same size alternate over ``--rounds`` rounds; the script
prints each one's throughput as a ratio to the floor's, and p50/p95. The staff list is timed
for one user and for 8 concurrent users. Before that, the query count of each list page is
taken at 5 and at 500 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres uv run python bench/public_pages.py

Not part of the test suite (timings depend on the machine). Each timed figure states its goal
(the issue's: ``/laureats/`` rendered ≥ 1/25 of the floor, cached pages and 304 ≥ 1/2, the
staff list's p95 < 100 ms for one user and < 300 ms for 8); exit status 0 when every query
count is the same at 5 and 500 rows and every goal is met.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from harness import app_server, csrf_token, log, production_database  # noqa: E402

from tests.relance.smtp_servers import free_port  # noqa: E402

CALLS = 5  # published calls the laureates are spread over
ADMINISTRATIONS = 50  # administrations the dossiers are spread over


def published_call(index: int, days_ago: int):
    from django.utils import timezone

    from tests.factories import CallFactory
    from tests.jury.factories import DeliberationFactory, JuryFactory

    now = timezone.now()
    call = CallFactory(
        title=f"Appel à projets n° {index}",
        slug=f"banc-appel-{index}",
        opens_at=now - timedelta(days=300),
        closes_at=now - timedelta(days=200),
    )
    DeliberationFactory(jury=JuryFactory(call=call), publish_amounts=True)
    type(call).objects.filter(pk=call.pk).update(
        results_published_at=now - timedelta(days=days_ago)
    )
    return call


def add_laureates(calls, count: int, start: int):
    from tests.jury.stats_data import bulk_laureates

    share, extra = divmod(count, len(calls))
    for index, call in enumerate(calls):
        n = share + (1 if index < extra else 0)
        if n:
            bulk_laureates(call, n, start=start + index * 100_000)


def instruction_calls():
    from tests.factories import CallFactory

    return [CallFactory(slug=f"banc-instruction-{i}") for i in range(10)]


def add_dossiers(calls, count: int):
    """``count`` submitted dossiers spread over ``calls`` and administrations."""
    from tests.factories import AdministrationFactory, CategoryFactory
    from tests.submissions.staff_data import filed_in_bulk

    administrations = [AdministrationFactory() for _ in range(ADMINISTRATIONS)]
    per_chunk = max(1, count // (len(calls) * 10))
    made = 0
    while made < count:
        for call in calls:
            size = min(per_chunk, count - made)
            if size <= 0:
                break
            filed_in_bulk(
                call,
                size,
                administration=administrations[made % ADMINISTRATIONS],
                category=CategoryFactory(call=call),
            )
            made += size


def query_count(client, url: str) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(ctx.captured_queries)


def timed(session, url: str, headers=None) -> tuple[float, int]:
    start = time.perf_counter()
    response = session.get(url, headers=headers or {}, timeout=120)
    elapsed = time.perf_counter() - start
    if response.status_code not in (200, 304):
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, len(response.content)


def percentile(values, p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


WARM_UP = 6  # requests before timing: every worker has rendered (or read) its copy once


def compare(
    name, page_url, floor_base, rounds, requests_per_round, session, headers=None, *, goal=None
):
    """Alternate the page and the floor of the same size; print the ratio and percentiles.

    ``goal``: the page must reach at least 1/``goal`` of the floor's throughput. Returns
    whether it does (``True`` without a goal)."""
    for _ in range(WARM_UP):
        _, size = timed(session, page_url, headers)
    floor_url = f"{floor_base}/{max(size, 1)}/"
    page_times, floor_times = [], []
    for _ in range(rounds):
        page_times += [timed(session, page_url, headers)[0] for _ in range(requests_per_round)]
        floor_times += [timed(session, floor_url)[0] for _ in range(requests_per_round)]
    ratio = statistics.mean(floor_times) / statistics.mean(page_times)
    met = goal is None or 1 / ratio <= goal
    verdict = "" if goal is None else f"  goal ≥ 1/{goal}: {'met' if met else 'MISSED'}"
    log(
        f"  {name:<32} {size / 1024:7.1f} KB  1/{1 / ratio:6.1f} of the floor"
        f"  p50 {percentile(page_times, 0.5) * 1000:6.1f} ms"
        f"  p95 {percentile(page_times, 0.95) * 1000:6.1f} ms"
        f"  (floor p50 {percentile(floor_times, 0.5) * 1000:.1f} ms){verdict}"
    )
    return met


def concurrent_p95(session_factory, url: str, users: int, per_user: int) -> tuple[float, float]:
    def one_user(_):
        session = session_factory()
        return [timed(session, url)[0] for _ in range(per_user)]

    with ThreadPoolExecutor(users) as pool:
        times = [t for batch in pool.map(one_user, range(users)) for t in batch]
    return percentile(times, 0.5), percentile(times, 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laureates", type=int, default=500)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="alternations page / floor")
    parser.add_argument("--requests", type=int, default=10, help="requests per round")
    options = parser.parse_args()
    with ExitStack() as stack:
        env = production_database(stack)

        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections
        from django.test import Client

        from tests.factories import DEFAULT_PASSWORD, StaffFactory

        log("Query counts at 5 and 500 rows:")
        calls = [published_call(i, days_ago=10 + i) for i in range(1, CALLS + 1)]
        staff = StaffFactory(email="instructeur@banc.relance.gouv.fr")
        staff_client = Client(HTTP_HOST="127.0.0.1")
        staff_client.force_login(staff)
        listed_calls = instruction_calls()
        list_call = listed_calls[0]
        add_dossiers([list_call], 5)
        add_laureates(calls, 5, start=1000)
        from django.urls import reverse

        staff_url = reverse("submissions:instruction_call", kwargs={"call_slug": list_call.slug})
        pages = {
            "/laureats/": (Client(HTTP_HOST="127.0.0.1"), "/laureats/"),
            "/laureats/?tout=1": (Client(HTTP_HOST="127.0.0.1"), "/laureats/?tout=1"),
            "staff list": (staff_client, staff_url),
            "staff list ?q=projet": (staff_client, staff_url + "?q=projet"),
        }
        small = {name: query_count(client, url) for name, (client, url) in pages.items()}
        from submissions.models import Dossier
        from tests.submissions.staff_data import filed_in_bulk

        category = list_call.categories.first()
        administration = Dossier.objects.filter(call=list_call).first().administration
        filed_in_bulk(list_call, 495, administration=administration, category=category)
        add_laureates(calls, 495, start=5000)
        large = {name: query_count(client, url) for name, (client, url) in pages.items()}
        constant = True
        for name in pages:
            same = small[name] == large[name]
            constant &= same
            log(f"  {name:<24} {small[name]:3} at 5, {large[name]:3} at 500{'' if same else '  !'}")

        log(f"Data set: {options.laureates} laureates, {options.dossiers} dossiers…")
        add_laureates(calls, max(0, options.laureates - 500), start=20_000)
        add_dossiers(listed_calls, max(0, options.dossiers - 500))
        # Fresh statistics, as autovacuum gathers them soon after a bulk load: without them
        # the planner guesses row counts and the timings say nothing about production.
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
        connections.close_all()

        bases = {}
        servers = {
            "app": ("relance.wsgi", {}),
            "uncached": ("relance.wsgi", {"DJANGO_SETTINGS_MODULE": "nocache_settings"}),
            "no page kept": ("relance.wsgi", {"DJANGO_SETTINGS_MODULE": "nopage_settings"}),
            "floor": ("floor:application", {}),
        }
        for name, (app, extra) in servers.items():
            port = free_port()
            bases[name] = f"http://127.0.0.1:{port}"
            probe = "/1/" if name == "floor" else "/"
            stack.enter_context(app_server(app, {**env, **extra}, port=port, probe=probe))

        session = requests.Session()
        app, uncached, floor = bases["app"], bases["uncached"], bases["floor"]
        rendered = bases["no page kept"]
        log("Public pages (anonymous), throughput as a ratio to the floor of the same size:")
        args = (floor, options.rounds, options.requests, session)
        etag = session.get(f"{app}/laureats/").headers["ETag"]
        met = [
            compare("/laureats/ uncached", f"{uncached}/laureats/", *args),
            compare("/laureats/ not kept", f"{rendered}/laureats/", *args, goal=25),
            compare("/laureats/?tout=1 uncached", f"{uncached}/laureats/?tout=1", *args),
            compare("/laureats/?tout=1 not kept", f"{rendered}/laureats/?tout=1", *args),
            compare("/laureats/ cached", f"{app}/laureats/", *args, goal=2),
            compare("/laureats/?tout=1 cached", f"{app}/laureats/?tout=1", *args, goal=2),
            compare(
                "/laureats/ 304", f"{app}/laureats/", *args, headers={"If-None-Match": etag}, goal=2
            ),
            compare("/statistiques/ uncached", f"{uncached}/statistiques/", *args),
            compare("/statistiques/ not kept", f"{rendered}/statistiques/", *args),
            compare("/statistiques/ cached", f"{app}/statistiques/", *args, goal=2),
            compare("/donnees/laureats.csv uncached", f"{uncached}/donnees/laureats.csv", *args),
            compare("/donnees/laureats.csv cached", f"{app}/donnees/laureats.csv", *args, goal=2),
            compare("/donnees/ cached", f"{app}/donnees/", *args, goal=2),
            compare("home page uncached", f"{uncached}/", *args),
            compare("home page cached", f"{app}/", *args),
        ]

        def staff_session():
            staff_session = requests.Session()
            login = f"{app}/compte/connexion/"
            staff_session.post(
                login,
                data={
                    "csrfmiddlewaretoken": csrf_token(staff_session.get(login)),
                    "username": staff.email,
                    "password": DEFAULT_PASSWORD,
                },
                headers={"Referer": login},
            )
            return staff_session

        log(f"Staff dossier list ({options.dossiers} dossiers in the table):")
        for label, query in [("by state", "?etat=submitted"), ("text search", "?q=projet")]:
            url = f"{app}{staff_url}{query}"
            one = concurrent_p95(staff_session, url, 1, options.rounds * options.requests)
            eight = concurrent_p95(staff_session, url, 8, options.rounds * 2)
            fast = one[1] < 0.1 and eight[1] < 0.3
            met.append(fast)
            log(
                f"  {label:<12} 1 user p50 {one[0] * 1000:6.1f} ms p95 {one[1] * 1000:6.1f} ms"
                f" — 8 users p50 {eight[0] * 1000:6.1f} ms p95 {eight[1] * 1000:6.1f} ms"
                f"  goal p95 < 100 ms / < 300 ms: {'met' if fast else 'MISSED'}"
            )
    log(f"Query counts constant: {'yes' if constant else 'NO'}; goals met: {sum(met)}/{len(met)}")
    return 0 if constant and all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
