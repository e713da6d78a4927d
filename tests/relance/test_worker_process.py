"""``manage.py run_worker`` as its own process, on the test database, with real SMTP servers.

A worker killed while it sends an email (SIGKILL: no cleanup) loses nothing: its
transaction is rolled back with its connection, the task is requeued as stalled, and the
next worker sends the email, once.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from relance import notifications, tasks
from relance.models import OutgoingEmail
from tests.factories import DossierFactory
from tests.relance.smtp_servers import silent_smtp_server, smtp_server
from tests.relance.test_production import database_url_of_the_test_database

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60  # seconds, only to fail instead of hanging when something is broken

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.tasks_by_hand]


def worker(port: int, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "relance.settings",
        "DATABASE_URL": database_url_of_the_test_database(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "120",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--no-reload",
            "--no-startup-delay",
            "--no-schedule",
            "--interval",
            "0.2",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def queue_one():
    return notifications.queue(
        "submissions/emails/message", ["agent@exemple.gouv.fr"], {"dossier": DossierFactory()}
    )


def test_a_worker_process_sends_the_committed_emails():
    email = queue_one()
    with smtp_server() as server:
        process = worker(server.port, "--batch")
        output, _ = process.communicate(timeout=WAIT)
    assert process.returncode == 0, output
    assert [recipients for recipients, _ in server.messages] == [["agent@exemple.gouv.fr"]]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 1)


def test_a_worker_killed_while_sending_loses_nothing(settings):
    email = queue_one()
    with silent_smtp_server() as port:
        process = worker(port)
        try:
            deadline = time.monotonic() + WAIT
            # The worker has claimed the task and waits for the mail server's greeting.
            while not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists():
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the worker never claimed the task"
                time.sleep(0.1)
        finally:
            process.kill()
            process.communicate(timeout=WAIT)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 0)

    settings.RELANCE_TASK_STALLED_SECONDS = 0  # the periodic job, once the delay is over
    assert tasks.requeue_stalled_tasks.call() == 1
    with smtp_server(port) as server:
        process = worker(port, "--batch")
        output, _ = process.communicate(timeout=WAIT)
    assert process.returncode == 0, output
    assert len(server.messages) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 1)
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2
