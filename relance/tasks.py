"""Background tasks: Django's tasks API (``django-tasks``) on the database backend.

Tasks are rows of ``django_tasks_db`` in the application's own PostgreSQL (the embedded one
by default), enqueued in the caller's transaction: a worker sees a task only once the
decision that enqueued it has committed, and never sees one from a rolled-back decision.
``manage.py run_worker`` runs a worker (any number of them, on any machine sharing the
database); each claims a task with ``SELECT … FOR UPDATE SKIP LOCKED``.

Periodic jobs are declared with :func:`periodic` (the apps may add theirs from their
``AppConfig.ready``, e.g. reminders, the daily closing of calls, the deletion of stale
drafts). Every worker checks them every few seconds; ``PeriodicJob`` holds when each is due
next, and moving it forward is one ``UPDATE``, so each run is enqueued by exactly one worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from relance.models import PeriodicJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: object  # a django_tasks Task taking no argument
    every: timedelta


PERIODIC: dict[str, Periodic] = {}


def periodic(every: timedelta, name: str | None = None):
    """Declare a task (taking no argument) to run every ``every`` on one of the workers."""

    def register(task_object):
        key = name or task_object.module_path
        PERIODIC[key] = Periodic(key, task_object, every)
        return task_object

    return register


def schedule_due_jobs(now=None) -> list[str]:
    """Enqueue every periodic job that is due; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in PERIODIC.values():
        with transaction.atomic():
            PeriodicJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
            won = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every, last_run_at=now
            )
            if won:
                job.task.enqueue()
                enqueued.append(job.name)
    return enqueued


# Tasks ------------------------------------------------------------------------------------


@task()
def send_email(pk: int) -> bool:
    """Send one queued email (``relance.notifications.send``)."""
    from relance.notifications import send

    return send(pk)


@periodic(timedelta(minutes=1))
@task()
def retry_emails() -> dict:
    """Retry the failed emails whose next attempt is due (backoff, maximum attempts)."""
    from relance.notifications import send_due

    sent, failed = send_due()
    if sent or failed:
        logger.info("Retried emails: %s sent, %s failed", sent, failed)
    return {"sent": sent, "failed": failed}


def stalled_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "RELANCE_TASK_STALLED_SECONDS", 900)))


@periodic(timedelta(minutes=1))
@task()
def requeue_stalled_tasks() -> int:
    """Put back the tasks a worker claimed but never finished (killed mid-task).

    A task still running after ``RELANCE_TASK_STALLED_SECONDS`` is taken as lost with its
    worker: every task here must therefore be safe to run again (sending an email checks
    the row first, and was rolled back with the worker's connection).
    """
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - stalled_after()
    ).update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("Requeued %s stalled task(s)", count)
    return count


@periodic(timedelta(days=1))
@task()
def prune_task_results() -> int:
    """Delete the results of tasks finished more than ``RELANCE_TASK_RESULTS_DAYS`` ago."""
    days = int(getattr(settings, "RELANCE_TASK_RESULTS_DAYS", 14))
    deleted, _ = (
        DBTaskResult.objects.finished()
        .filter(finished_at__lt=timezone.now() - timedelta(days=days))
        .delete()
    )
    return deleted
