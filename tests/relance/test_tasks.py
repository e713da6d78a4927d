"""Emails go through background tasks: the decision commits at once, its emails follow.

Real SMTP servers on the loopback (tests/relance/smtp_servers.py): one that accepts
connections and never answers, then a working one on the same port. Tasks run through the
database queue (tests/tasks.py), as ``manage.py run_worker`` runs them.
"""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from relance import notifications, tasks
from relance.models import OutgoingEmail, PeriodicJob
from submissions import workflow
from submissions.models import DossierState
from tests.factories import AdministrationFactory, DossierFactory, agent_of
from tests.relance.smtp_servers import silent_smtp_server, smtp_server, smtp_settings
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db

FAILING = "tests.relance.mail_backends.FailingBackend"


@pytest.fixture
def submitted(db):
    administration = AdministrationFactory()
    agent = agent_of(administration)
    dossier = DossierFactory(administration=administration, state=DossierState.SUBMITTED)
    return dossier, agent


def make_due(emails):
    """Time passes: the next attempt of these emails is due."""
    emails.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_mail_server_that_never_answers_then_comes_back_sends_each_email_once(
    submitted, staff, settings, django_capture_on_commit_callbacks
):
    dossier, agent = submitted
    with silent_smtp_server() as port:
        smtp_settings(settings, port, timeout=1)
        with django_capture_on_commit_callbacks(execute=True):
            workflow.request_additions(staff, dossier, message="Joignez le devis.")
        dossier.refresh_from_db()
        assert dossier.state == DossierState.INCOMPLETE  # the decision stands
        email = OutgoingEmail.objects.get()
        # The task ran after commit and gave up after EMAIL_TIMEOUT.
        assert (email.status, email.attempts) == (OutgoingEmail.Status.FAILED, 1)
        assert "timed out" in email.last_error
        assert email.next_attempt_at > timezone.now()

    with smtp_server(port) as server:
        # Not due yet: the periodic retry leaves it alone.
        tasks.retry_emails.enqueue()
        assert run_tasks() == 1
        assert server.messages == []

        make_due(OutgoingEmail.objects.all())
        for _ in range(3):  # the periodic job runs again and again
            tasks.retry_emails.enqueue()
            run_tasks()
        assert notifications.send_pending() == (0, 0)

    assert len(server.messages) == 1
    recipients, message = server.messages[0]
    assert recipients == sorted({agent.email, dossier.contact_email})
    email.refresh_from_db()
    assert message["Subject"].strip() == email.subject
    assert (email.status, email.attempts, email.next_attempt_at) == (
        OutgoingEmail.Status.SENT,
        2,
        None,
    )


def test_emails_wait_for_the_commit_in_the_task_queue(
    submitted, staff, django_capture_on_commit_callbacks
):
    dossier, _ = submitted
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.request_additions(staff, dossier, message="Joignez le devis.")
    email = OutgoingEmail.objects.get()
    task = DBTaskResult.objects.get()
    assert task.task_path == "relance.tasks.send_email"
    assert task.args_kwargs == {"args": [email.pk], "kwargs": {}}
    assert task.status == TaskResultStatus.READY
    assert mail.outbox == []
    for callback in callbacks:  # the commit: a worker picks the task up
        callback()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(mail.outbox) == 1


def test_rolled_back_decision_enqueues_no_task(submitted, staff):
    dossier, _ = submitted
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.request_additions(staff, dossier, message="Joignez le devis.")
        raise RuntimeError("the caller failed after the workflow call")
    assert not DBTaskResult.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_retry_delay_doubles_up_to_six_hours(settings):
    settings.RELANCE_EMAIL_RETRY_BASE_SECONDS = 60
    delays = [notifications.retry_delay(n) for n in (1, 2, 3, 4, 20)]
    assert delays == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(hours=6),
    ]


def test_automatic_retries_stop_after_the_maximum_attempts(submitted, settings):
    dossier, _ = submitted
    settings.EMAIL_BACKEND = FAILING
    settings.RELANCE_EMAIL_MAX_ATTEMPTS = 3
    email = notifications.queue(
        "submissions/emails/message", ["a@exemple.gouv.fr"], {"dossier": dossier}
    )
    run_tasks()
    emails = OutgoingEmail.objects.filter(pk=email.pk)
    for expected_attempts in (2, 3):
        make_due(emails)
        assert notifications.send_due() == (0, 1)
        assert emails.get().attempts == expected_attempts
    email.refresh_from_db()
    assert (email.status, email.next_attempt_at) == (OutgoingEmail.Status.FAILED, None)
    assert notifications.send_due() == (0, 0)  # given up: only the admin's « Renvoyer »


def test_each_periodic_job_is_enqueued_once_per_period():
    now = timezone.now()
    assert sorted(tasks.schedule_due_jobs(now)) == sorted(tasks.PERIODIC)
    assert tasks.schedule_due_jobs(now) == []  # another worker, the same instant
    assert tasks.schedule_due_jobs(now + timedelta(seconds=30)) == []
    later = tasks.schedule_due_jobs(now + timedelta(minutes=1))
    assert "relance.tasks.retry_emails" in later
    assert "relance.tasks.prune_task_results" not in later  # daily
    assert DBTaskResult.objects.filter(task_path="relance.tasks.retry_emails").count() == 2
    assert PeriodicJob.objects.get(name="relance.tasks.retry_emails").next_run_at == (
        now + timedelta(minutes=2)
    )


@pytest.mark.tasks_by_hand
def test_a_task_claimed_by_a_worker_that_died_runs_again(submitted, settings):
    dossier, _ = submitted
    email = notifications.queue(
        "submissions/emails/message", ["a@exemple.gouv.fr"], {"dossier": dossier}
    )
    task = DBTaskResult.objects.get()
    task.claim("killed-worker")  # claimed, then the worker was killed before finishing
    assert run_tasks() == 0
    assert tasks.requeue_stalled_tasks.call() == 0  # not stalled yet

    settings.RELANCE_TASK_STALLED_SECONDS = 0
    assert tasks.requeue_stalled_tasks.call() == 1
    assert run_tasks() == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1
    task.refresh_from_db()
    assert task.worker_ids == ["killed-worker", "tests"]


@pytest.mark.tasks_by_hand
@pytest.mark.django_db(transaction=True)
def test_workers_running_at_once_send_each_email_once(settings):
    """Four workers on one queue of committed emails: every email is sent exactly once."""
    dossier = DossierFactory()
    with smtp_server() as server:
        smtp_settings(settings, server.port, timeout=5)
        for n in range(20):
            notifications.queue(
                "submissions/emails/message", [f"agent{n}@exemple.gouv.fr"], {"dossier": dossier}
            )
        barrier = threading.Barrier(4)
        errors = []

        def worker(job):
            try:
                barrier.wait()
                job()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=worker, args=(job,))
            for job in (run_tasks, run_tasks, notifications.send_pending, run_tasks)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    received = sorted(recipients[0] for recipients, _ in server.messages)
    assert received == sorted(f"agent{n}@exemple.gouv.fr" for n in range(20))
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {
        (OutgoingEmail.Status.SENT, 1)
    }
