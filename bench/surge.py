"""Benchmark: the deadline surge, ``--dossiers`` submissions in ``--seconds`` through 2 workers.

On a scratch database created next to ``DATABASE_URL`` (dropped at the end), the tests'
factories make one open call and ``--dossiers`` complete drafts (2,000 by default), each of
its own administration with one agent attached, plus ``--late`` more drafts. One gunicorn
server (2 sync workers, ``DEBUG=0``), one worker (``manage.py run_worker``) and a working
SMTP server on the loopback start. The agents' sessions are made beforehand through Django's
session engine (signing 2,000 agents in over HTTP would mostly measure password hashing).

Then concurrent clients (threads, one ``requests.Session`` per agent) each open their
dossier's submit page and post its form (with its CSRF token), at times spread evenly over
``--seconds``; the call closes ``MARGIN`` seconds after the last of them. The ``--late``
clients open the page before the deadline and post just after it: the site must refuse them
(the page that says the call is closed, not an error). ``--prefetch`` opens every page before
the surge, so that only the submits are in it. The worker runs without the periodic jobs: the
drafts' reminders would have gone out days before a real deadline. The script prints the
answers (accepted, refused as late, 5xx, other), the latency of the submits (p50, p95, max)
and of the pages before them, the dossiers the database holds as submitted against the
accepted answers, then waits until the worker has sent every acknowledgement email and counts
the messages the SMTP server received.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres uv run python bench/surge.py

Exit status 0 when the goals hold: every submit made in time accepted and its dossier
submitted before the deadline (0 lost), none accepted after it, no 5xx, submits' p95 under
300 ms, every acknowledgement received exactly once; 1 otherwise. Not part of the test suite
(timings depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from harness import WAIT, app_server, csrf_token, log, process, production_database  # noqa: E402

from tests.relance.smtp_servers import free_port, smtp_server  # noqa: E402

P95_GOAL = 0.3  # seconds
MARGIN = 2.0  # seconds between the last submit made in time and the deadline
LATE_SPREAD = 2.0  # seconds after the deadline over which the late submits are spread
CLIENTS = 300  # client threads: enough for the arrivals to keep their times
LATE_MESSAGE = "L’appel est clos depuis"  # the user-facing refusal after the deadline


@dataclass
class Attempt:
    pk: int
    late: bool  # posted after the deadline on purpose
    scheduled: float = 0.0  # epoch seconds the post was due
    lag: float = 0.0  # how late the client started its post (client threads all busy)
    page_status: int = 0
    page_latency: float = 0.0
    posted_at: float = 0.0  # epoch seconds the post was sent
    status: int = 0
    latency: float = 0.0
    answered_at: float = 0.0  # epoch seconds the answer came
    outcome: str = ""  # accepted, refused-late, 5xx, other: …


def build_data(dossiers: int, late: int):
    """The call, its drafts and their agents' sessions: [(dossier pk, session key)], call pk."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from relance.middleware import SessionIdleTimeoutMiddleware
    from submissions.models import Dossier, DossierState
    from tests.factories import (
        AdministrationFactory,
        CallFactory,
        CategoryFactory,
        DossierFactory,
        MinistryFactory,
        agent_of,
    )

    with transaction.atomic():
        call = CallFactory(slug="banc-depot")
        category = CategoryFactory(call=call)
        ministry = MinistryFactory()
        agents = []
        drafts = []
        for index in range(dossiers + late):
            administration = AdministrationFactory(ministry=ministry)
            # No password (an unusable one): hashing 2,000 passwords would take minutes.
            agents.append(agent_of(administration, password=None))
            drafts.append(
                DossierFactory.build(
                    call=call,
                    number=index + 1,
                    administration=administration,
                    category=category,
                    state=DossierState.DRAFT,
                    contact_email=f"contact{index}@banc.relance.gouv.fr",
                )
            )
        Dossier.objects.bulk_create(drafts, batch_size=1000)
    now = int(time.time())
    pairs = []
    for agent, draft in zip(agents, drafts, strict=True):
        # What django.contrib.auth.login writes, made without the password round trip.
        session = SessionStore()
        session[SESSION_KEY] = str(agent.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
        session[SessionIdleTimeoutMiddleware.SESSION_KEY] = now
        session.create()
        pairs.append((draft.pk, session.session_key))
    return pairs, call.pk


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Client:
    """One agent's browser: its session, the submit page and the form's CSRF token."""

    def __init__(self, base: str, cookie: str, session_key: str, attempt: Attempt):
        self.attempt = attempt
        self.session = requests.Session()
        self.session.cookies.set(cookie, session_key)
        self.url = f"{base}/dossiers/{attempt.pk}/deposer/"
        self.token = None

    def open_page(self, at: float = 0.0) -> None:
        time.sleep(max(0.0, at - time.time()))
        attempt = self.attempt
        start = time.perf_counter()
        page = self.session.get(self.url, allow_redirects=False, timeout=WAIT)
        attempt.page_latency = time.perf_counter() - start
        attempt.page_status = page.status_code
        if page.status_code >= 500:
            attempt.outcome = "5xx"
        elif page.status_code != 200:
            where = page.headers.get("Location", "")
            attempt.outcome = f"other: page {page.status_code} {where}".strip()
        else:
            self.token = csrf_token(page)

    def submit(self) -> None:
        """Post the form at ``attempt.scheduled`` (if the page was given)."""
        attempt = self.attempt
        if self.token is None:
            return
        wait = attempt.scheduled - time.time()
        attempt.lag = max(0.0, -wait)
        time.sleep(max(0.0, wait))
        attempt.posted_at = time.time()
        start = time.perf_counter()
        response = self.session.post(
            self.url,
            data={"csrfmiddlewaretoken": self.token},
            headers={"Referer": self.url},
            allow_redirects=False,
            timeout=WAIT,
        )
        attempt.latency = time.perf_counter() - start
        attempt.answered_at = time.time()
        attempt.status = response.status_code
        location = response.headers.get("Location", "")
        if response.status_code >= 500:
            attempt.outcome = "5xx"
        elif response.status_code == 302 and "/accuse-de-reception/" in location:
            attempt.outcome = "accepted"
        elif response.status_code == 200 and LATE_MESSAGE in response.text:
            attempt.outcome = "refused-late"
        else:
            attempt.outcome = f"other: {response.status_code} {location}".strip()
        self.session.close()


def surge(base: str, pairs, dossiers: int, seconds: float, prefetch: bool, call_pk: int):
    """Every client's attempt, the in-time ones spread over ``seconds``; the call's deadline."""
    from django.conf import settings

    from calls.models import Call

    cookie = settings.SESSION_COOKIE_NAME
    clients = [
        Client(base, cookie, key, Attempt(pk, late=index >= dossiers))
        for index, (pk, key) in enumerate(pairs)
    ]
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        # Warm both app workers up (a server in production has served pages already).
        pk, key = pairs[-1]
        list(pool.map(Client.open_page, [Client(base, cookie, key, Attempt(pk, True))] * 8))
        if prefetch:
            opened = time.perf_counter()
            list(pool.map(Client.open_page, clients))
            log(
                f"Every submit page opened before the surge in {time.perf_counter() - opened:.1f} s"
            )
        start = time.time() + 2  # the client threads' time to start
        closes = start + seconds + MARGIN
        closes_at = datetime.fromtimestamp(closes, tz=UTC)
        Call.objects.filter(pk=call_pk).update(closes_at=closes_at)
        late = len(clients) - dossiers
        for index, client in enumerate(clients):
            if index < dossiers:
                client.attempt.scheduled = start + seconds * index / max(1, dossiers)
                client.page_at = client.attempt.scheduled
            else:
                rank = index - dossiers
                client.attempt.scheduled = closes + 0.1 + LATE_SPREAD * rank / late
                client.page_at = closes - MARGIN / 2  # the page opened before the deadline
        clients.sort(key=lambda client: client.page_at)

        def run(client):
            if not prefetch:
                client.open_page(client.page_at)
            client.submit()

        list(pool.map(run, clients))
    answered = [c.attempt.answered_at for c in clients if c.attempt.answered_at]
    log(
        f"Surge done {time.time() - start:.1f} s after its start: "
        f"{len(answered) / max(1e-9, max(answered, default=start) - start):.1f} submits "
        "answered per second"
    )
    return [client.attempt for client in clients], closes_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=2000, help="submits made in time")
    parser.add_argument("--seconds", type=float, default=60, help="time they are spread over")
    parser.add_argument("--late", type=int, default=20, help="submits just after the deadline")
    parser.add_argument(
        "--prefetch",
        action="store_true",
        help="open every submit page before the surge (only the submits in it)",
    )
    options = parser.parse_args()
    with ExitStack() as stack:
        env = production_database(stack)

        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
        # The sessions made here are signed with the servers' key.
        os.environ["SECRET_KEY"] = env["SECRET_KEY"]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
        import django

        django.setup()
        from django.db import connections

        from relance.models import OutgoingEmail
        from submissions.models import Dossier, DossierState

        made = time.perf_counter()
        pairs, call_pk = build_data(options.dossiers, options.late)
        log(
            f"Data: {len(pairs)} drafts, agents and sessions made in "
            f"{time.perf_counter() - made:.1f} s"
        )
        connections.close_all()

        server = stack.enter_context(smtp_server())
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        run_env = {
            **env,
            "SITE_URL": base,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
        }
        stack.enter_context(app_server("relance.wsgi", run_env, port=port, probe="/"))
        worker = stack.enter_context(
            process(
                [
                    *(sys.executable, "manage.py", "run_worker", "--no-reload"),
                    *("--no-startup-delay", "--interval", "0.2"),
                    # No periodic jobs: the drafts' reminders (J-7, J-2) would have gone out
                    # days before a real deadline, not during the surge.
                    "--no-schedule",
                ],
                run_env,
            )
        )
        log(
            f"Surge: {options.dossiers} submits over {options.seconds:g} s through 2 workers, "
            f"the call closing {MARGIN:g} s after the last; {options.late} more submits "
            f"within {LATE_SPREAD:g} s after the deadline"
            + ("; every submit page opened beforehand" if options.prefetch else "")
        )
        attempts, closes_at = surge(
            base, pairs, options.dossiers, options.seconds, options.prefetch, call_pk
        )

        in_time = [a for a in attempts if not a.late]
        late = [a for a in attempts if a.late]
        outcomes = Counter(a.outcome for a in attempts)
        late_outcomes = Counter(a.outcome for a in late)
        errors = sum(1 for a in attempts if a.outcome == "5xx" or a.page_status >= 500)
        others = {k: v for k, v in outcomes.items() if k.startswith("other")}
        latencies = [a.latency for a in attempts if a.status]
        pages = [a.page_latency for a in attempts if a.page_status]
        log(
            f"Submits attempted: {len(attempts)} ({len(in_time)} in time, {len(late)} after the "
            f"deadline); accepted {outcomes['accepted']}, refused as late "
            f"{outcomes['refused-late']}, 5xx {errors}, other {sum(others.values())} {others}"
        )
        log(
            f"Submit latency: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 "
            f"{percentile(latencies, 0.95) * 1000:.0f} ms, "
            f"max {max(latencies, default=0) * 1000:.0f} ms; "
            f"the submit page before it: p50 {percentile(pages, 0.5) * 1000:.0f} ms, p95 "
            f"{percentile(pages, 0.95) * 1000:.0f} ms, max {max(pages, default=0) * 1000:.0f} ms; "
            f"clients' start lag max {max(a.lag for a in attempts) * 1000:.0f} ms"
        )

        accepted = {a.pk for a in attempts if a.outcome == "accepted"}
        submitted = dict(
            Dossier.objects.filter(state=DossierState.SUBMITTED).values_list("pk", "submitted_at")
        )
        lost = [a.pk for a in in_time if a.outcome != "accepted"]
        lost += [pk for pk in accepted if pk not in submitted or submitted[pk] > closes_at]
        accepted_late = [a.pk for a in late if a.outcome == "accepted"]
        accepted_late += [pk for pk, at in submitted.items() if at > closes_at]
        unanswered = set(submitted) - accepted
        deadline = closes_at.timestamp()
        refused = [a for a in in_time if a.outcome == "refused-late"]
        posted_late = sum(1 for a in refused if a.posted_at > deadline)
        log(
            f"Database: {len(submitted)} dossiers submitted for {len(accepted)} accepted answers; "
            f"{len(set(lost))} lost (a submit in time not accepted, or accepted without its "
            f"dossier submitted by the deadline; {len(refused)} of them refused as late: "
            f"{len(refused) - posted_late} posted before the deadline, {posted_late} after it "
            f"as the clients were held up), "
            f"{len(set(accepted_late))} accepted late, {len(unanswered)} submitted without an "
            f"accepted answer; late submits: {dict(late_outcomes)}"
        )

        emails = OutgoingEmail.objects.filter(topic="acknowledgement")
        waited = time.monotonic()
        deadline = waited + WAIT
        while emails.filter(status=OutgoingEmail.Status.SENT).count() < len(accepted):
            if worker.poll() is not None or time.monotonic() > deadline:
                log("The worker stopped or never sent every acknowledgement")
                break
            time.sleep(0.5)
        log(
            f"Acknowledgements: {emails.count()} queued, "
            f"{emails.filter(status=OutgoingEmail.Status.SENT).count()} sent "
            f"{time.monotonic() - waited:.1f} s after the surge"
        )
        time.sleep(3)  # anything sent twice would arrive now
        messages = [
            (recipients, message)
            for recipients, message in server.messages
            if "Accusé de réception" in message["Subject"]
        ]
        received = Counter(
            (message["Subject"].strip(), tuple(recipients)) for recipients, message in messages
        )
        recipients = {address for address_list, _ in messages for address in address_list}
        duplicates = sum(count - 1 for count in received.values() if count > 1)
        expected_subjects = set(
            Dossier.objects.filter(pk__in=accepted).values_list("reference", flat=True)
        )
        acknowledged = {
            reference
            for reference in expected_subjects
            if any(reference in subject for subject, _ in received)
        }
        log(
            f"Acknowledgements received: {len(messages)} messages for {len(accepted)} accepted "
            f"submits, {len(received)} distinct, {duplicates} duplicate(s), {len(recipients)} "
            f"distinct recipients; {len(acknowledged)} of the accepted dossiers acknowledged"
        )
        ok = (
            not lost
            and not accepted_late
            and not unanswered
            and errors == 0
            and not others
            and percentile(latencies, 0.95) < P95_GOAL
            and len(messages) == len(accepted)
            and len(received) == len(accepted)
            and acknowledged == expected_subjects
        )
        log("OK" if ok else "FAILED")
        connections.close_all()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
