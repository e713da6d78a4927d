"""A background worker: runs the queued tasks and enqueues the periodic jobs when due.

It is django-tasks-db's ``db_worker`` (same options) with a scheduler thread for the
periodic jobs of ``relance.tasks``. Run as many as needed, on any machine sharing the
database; SIGTERM or Ctrl-C lets the running task finish, then stops.
"""

import atexit
import logging
import signal
import threading

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from relance import tasks

logger = logging.getLogger(__name__)


def run_scheduler(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            for name in tasks.schedule_due_jobs():
                logger.info("Enqueued periodic job %s", name)
        except Exception:  # the database may be restarting: try again at the next tick
            logger.exception("Could not schedule the periodic jobs")
        finally:
            close_old_connections()
        stop.wait(interval)
    connection.close()


def ignore_stop_signals() -> None:
    # Once exiting, a second SIGINT/SIGTERM (Ctrl-C reaches the whole process group, then the
    # demo command stops its worker) would raise SystemExit inside the embedded database's
    # own exit hook, halfway through writing its list of processes.
    for name in ("SIGINT", "SIGTERM", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


class Command(DBWorkerCommand):
    help = "Exécute les tâches en attente (courriels, tâches périodiques) ; à lancer en continu."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--schedule-interval",
            type=float,
            default=5.0,
            help="Seconds between two checks of the periodic jobs (default: %(default)s).",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Do not enqueue the periodic jobs from this worker.",
        )

    def handle(self, *args, schedule_interval, schedule, **options):
        # Registered after the settings' hooks, so it runs before them (atexit is LIFO).
        atexit.register(ignore_stop_signals)
        if schedule:
            stop = threading.Event()
            threading.Thread(
                target=run_scheduler,
                args=(stop, schedule_interval),
                name="relance-scheduler",
                daemon=True,
            ).start()
        super().handle(*args, **options)
