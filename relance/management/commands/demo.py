import atexit
import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

DEFAULT_ADDRPORT = "127.0.0.1:8000"
WORKER_STOP_TIMEOUT = 30


def start_worker() -> subprocess.Popen:
    """``manage.py run_worker`` in this process group: Ctrl-C stops it with the server.

    When only this process is stopped (SIGTERM), it stops the worker before exiting, and
    before the embedded database's own exit hook (atexit runs the last registered first).
    """
    worker = subprocess.Popen(  # noqa: S603 - our own manage.py, with fixed arguments
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "run_worker",
            "--no-reload",
            "--no-startup-delay",
        ]
    )

    def stop_worker():
        if worker.poll() is None:
            worker.terminate()
        try:
            worker.wait(timeout=WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    atexit.register(stop_worker)
    return worker


def public_url(addrport: str) -> str:
    host, _, port = addrport.rpartition(":")
    if host in ("", "0", "0.0.0.0", "[::]"):  # noqa: S104 - only used to print a URL
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = (
        "Applique les migrations, charge les données de démonstration, affiche les comptes "
        "de démonstration, démarre un exécuteur des tâches (courriels) puis sert "
        f"l’application sur http://{DEFAULT_ADDRPORT}/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport",
            nargs="?",
            default=DEFAULT_ADDRPORT,
            help=f"Adresse et port du serveur (défaut : {DEFAULT_ADDRPORT}).",
        )
        parser.add_argument(
            "--noreload",
            action="store_false",
            dest="use_reloader",
            help="Ne pas relancer le serveur quand le code change.",
        )

    def handle(self, *args, addrport, use_reloader, **options):
        # The autoreloader runs this command again in a child process that serves the
        # requests: only the first process prepares the database.
        if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            call_command("migrate", interactive=False, stdout=self.stdout, stderr=self.stderr)
            call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
            start_worker()
            self.stdout.write(
                self.style.SUCCESS(f"Ouvrez {public_url(addrport)} (Ctrl-C pour arrêter).\n")
            )
        call_command("runserver", addrport, use_reloader=use_reloader)
