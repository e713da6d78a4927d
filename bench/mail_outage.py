"""Benchmark: staff decisions while the mail server accepts connections and never answers.

Starts, on a scratch database created next to ``DATABASE_URL`` (and dropped at the end), one
app server (gunicorn, DEBUG=0), one worker (``manage.py run_worker``, periodic jobs on) and a
local SMTP port that accepts connections and never says a word. A staff member signs in over
HTTP and makes two decisions: a request for additions on one dossier (one email) and the
publication of a preselection of ``--dossiers`` dossiers (one email each). The script prints
how long each decision took to answer, then how the emails fare while the mail server is
silent, then replaces it with a working SMTP server on the same port and waits until every
email is sent, counting the messages the server received: each must arrive exactly once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres uv run python bench/mail_outage.py

Exit status 0 when each decision answered in under a second and every email arrived exactly
once, 1 otherwise. Not part of the test suite (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from harness import (  # noqa: E402
    WAIT,
    app_server,
    csrf_token,
    log,
    process,
    production_database,
    wait_until,
)

from tests.relance.smtp_servers import free_port, silent_smtp_server, smtp_server  # noqa: E402

BUDGET = 1.0  # seconds: a decision must answer faster than this
EMAIL_TIMEOUT = 1  # seconds the worker waits for the silent mail server


def build_data(dossiers: int):
    """The staff account and the dossiers the decisions are about (factories of the tests)."""
    from django.utils import timezone

    from submissions.models import DossierState, PreselectionDecision
    from tests.factories import (
        DEFAULT_PASSWORD,
        AdministrationFactory,
        CallFactory,
        DossierFactory,
        StaffFactory,
        agent_of,
    )

    now = timezone.now()
    staff = StaffFactory(email="instructeur@banc.relance.gouv.fr")
    open_call = CallFactory()
    administration = AdministrationFactory()
    agent_of(administration)
    one = DossierFactory(
        call=open_call,
        administration=administration,
        state=DossierState.SUBMITTED,
        submitted_at=now - timedelta(days=1),
    )
    closed_call = CallFactory(opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1))
    for index in range(dossiers):
        administration = AdministrationFactory()
        agent_of(administration)
        DossierFactory(
            call=closed_call,
            administration=administration,
            state=DossierState.SUBMITTED,
            submitted_at=closed_call.closes_at - timedelta(days=2),
            pending_decision=PreselectionDecision.PRESELECTED
            if index % 2
            else PreselectionDecision.NOT_PRESELECTED,
        )
    return staff.email, DEFAULT_PASSWORD, one.pk, closed_call.slug


def timed_post(session, url: str, data: dict) -> float:
    data = {"csrfmiddlewaretoken": csrf_token(session.get(url)), **data}
    start = time.perf_counter()
    response = session.post(url, data=data, allow_redirects=False, timeout=WAIT)
    elapsed = time.perf_counter() - start
    if response.status_code != 302:
        raise SystemExit(f"POST {url} answered {response.status_code}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=20, help="dossiers in the preselection")
    options = parser.parse_args()
    with ExitStack() as stack:
        env = production_database(stack)

        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
        import django

        django.setup()
        from django.db import connections

        from relance.models import OutgoingEmail

        email, password, dossier_pk, call_slug = build_data(options.dossiers)
        expected = 1 + options.dossiers
        connections.close_all()

        outage = stack.enter_context(ExitStack())  # the silent mail server, closed later
        smtp_port = outage.enter_context(silent_smtp_server())
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        stack.enter_context(
            app_server(
                "relance.wsgi", {**env, "SITE_URL": base}, port=port, probe="/compte/connexion/"
            )
        )
        worker_env = {
            **env,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT),
            "RELANCE_EMAIL_RETRY_BASE_SECONDS": "1",
            "SITE_URL": base,
        }
        worker = stack.enter_context(
            process(
                [
                    *(sys.executable, "manage.py", "run_worker", "--no-reload"),
                    *("--no-startup-delay", "--interval", "0.2", "--schedule-interval", "1"),
                ],
                worker_env,
            )
        )

        session = requests.Session()
        login = f"{base}/compte/connexion/"
        session.post(
            login,
            data={
                "csrfmiddlewaretoken": csrf_token(session.get(login)),
                "username": email,
                "password": password,
            },
            allow_redirects=False,
            timeout=WAIT,
        ).raise_for_status()

        log(f"Mail server: 127.0.0.1:{smtp_port} accepts connections and never answers.")
        dossier_page = f"{base}/instruction/dossiers/{dossier_pk}/"
        token = csrf_token(session.get(dossier_page))
        start = time.perf_counter()
        response = session.post(
            f"{dossier_page}complements/",
            data={"csrfmiddlewaretoken": token, "complements-message": "Joignez le devis."},
            allow_redirects=False,
            timeout=WAIT,
        )
        additions = time.perf_counter() - start
        if response.status_code != 302:
            raise SystemExit(f"request for additions answered {response.status_code}")
        publish = timed_post(session, f"{base}/instruction/appels/{call_slug}/publier/", {})
        log(f"Request for additions (1 email):          answered in {additions:.3f} s")
        log(
            f"Preselection of {options.dossiers} dossiers ({options.dossiers} emails): "
            f"answered in {publish:.3f} s"
        )

        def all_attempted():
            emails = OutgoingEmail.objects.all()
            return emails.count() == expected and not emails.filter(attempts=0).exists()

        wait_until(all_attempted, "every email to be tried once", [worker])
        statuses = Counter(OutgoingEmail.objects.values_list("status", flat=True))
        log(f"While the mail server is silent: {expected} emails queued, {dict(statuses)}")

        # The mail server comes back on the same port.
        outage.close()
        back = time.monotonic()
        server = stack.enter_context(smtp_server(smtp_port))
        wait_until(
            lambda: not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists(),
            "every email to be sent",
            [worker],
        )
        log(
            f"Mail server back: every email sent {time.monotonic() - back:.1f} s later "
            "(failed emails wait for the periodic retry, every minute)"
        )
        time.sleep(3)  # anything sent twice would arrive now
        received = Counter(
            (message["Subject"].strip(), tuple(recipients))
            for recipients, message in server.messages
        )
        attempts = Counter(OutgoingEmail.objects.values_list("attempts", flat=True))
        duplicates = sum(count - 1 for count in received.values() if count > 1)
        log(
            f"Messages received: {len(server.messages)} for {expected} emails, "
            f"{len(received)} distinct, {duplicates} duplicate(s); "
            f"attempts per email: {dict(sorted(attempts.items()))}"
        )
        ok = (
            additions < BUDGET
            and publish < BUDGET
            and len(server.messages) == expected
            and len(received) == expected
        )
        log("OK" if ok else "FAILED")
        connections.close_all()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
