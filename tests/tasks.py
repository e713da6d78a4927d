"""How background tasks run in the tests: the real database queue, run in the test's thread.

``queue()`` and the workflows enqueue tasks as rows of django-tasks-db, in the test's
transaction. :func:`run_tasks` then does what ``manage.py run_worker`` does for each ready
task (claim it with ``SELECT … FOR UPDATE SKIP LOCKED``, run it through the worker's own
``run_task``, record the outcome), until none is ready, on the test's database connection, so
it sees what the test wrote. Only the worker's loop, sleep and signal handling are left out.

The autouse fixture ``tasks_run_after_commit`` runs them after each commit (or when
``django_capture_on_commit_callbacks`` runs the captured callbacks), as a worker would pick
them up. A test marked ``tasks_by_hand`` runs them itself with ``run_tasks()``.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.compat import task_enqueued
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

TEST_WORKER_ID = "tests"


def _worker() -> Worker:
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=TEST_WORKER_ID,
        excluded_queue_names=[],
    )


def run_tasks(limit: int = 10_000) -> int:
    """Run every ready task, as a worker would; return how many ran."""
    worker, ran = _worker(), 0
    while ran < limit:
        with transaction.atomic():
            task_result = DBTaskResult.objects.ready().get_locked()
            if task_result is None:
                return ran
            task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
    raise AssertionError(f"more than {limit} tasks: a task enqueues itself for ever?")


@pytest.fixture(autouse=True)
def tasks_run_after_commit(request):
    if request.node.get_closest_marker("tasks_by_hand"):
        yield
        return

    def after_commit(sender, **kwargs):
        transaction.on_commit(run_tasks)

    task_enqueued.connect(after_commit, dispatch_uid="tests-run-tasks-after-commit")
    yield
    task_enqueued.disconnect(dispatch_uid="tests-run-tasks-after-commit")
