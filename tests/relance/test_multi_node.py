"""Several nodes sharing one PostgreSQL: two app servers (gunicorn, DEBUG=0) and workers.

Everything is a real process or server started here: two gunicorn servers and the workers on
the test database, uploads on a real S3 server (moto's), emails to a real SMTP server, the
machine's Redis when REDIS_URL is set. A dossier submitted over HTTP on server A is
acknowledged by email through a worker, is visible on server B (same session: no sticky
sessions) and its attachment downloads from B. The first worker is killed while it sends the
acknowledgement: nothing is lost, the task runs again on the next worker, the email is sent
once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from moto.server import ThreadedMotoServer

from relance import tasks
from relance.models import OutgoingEmail
from submissions.models import Attachment, Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    DossierFactory,
    agent_of,
)
from tests.relance.smtp_servers import free_port, silent_smtp_server, smtp_server
from tests.relance.test_production import database_url_of_the_test_database
from tests.submissions.sample_files import docx_bytes

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90  # seconds, only to fail instead of hanging when something is broken
BUCKET = "relance-multi-noeuds"
PASSWORD = "Deposer-Sur-Deux-Serveurs-2021"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.tasks_by_hand]


def wait_until(condition, what: str, processes=()):
    """Poll ``condition`` until it is true; fail (with the processes' state) after WAIT."""
    deadline = time.monotonic() + WAIT
    while True:
        value = condition()
        if value:
            return value
        for process in processes:
            assert process.poll() is None, f"a process exited while waiting for {what}"
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-west-3",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    yield endpoint, client
    server.stop()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    # DEBUG=0 serves the hashed static files of collectstatic's manifest (whitenoise).
    root = tmp_path_factory.mktemp("static")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        # It never connects, but production settings want a database named.
        env={
            **production_env(),
            "STATIC_ROOT": str(root),
            "DATABASE_URL": database_url_of_the_test_database(),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return root


def production_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "relance.settings",
        "DEBUG": "0",
        "SECRET_KEY": "cle-des-tests-multi-noeuds-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback: no TLS, so no secure-only cookies.
        "SESSION_COOKIE_SECURE": "0",
        "SECURE_SSL_REDIRECT": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    if os.environ.get("REDIS_URL"):
        env["CACHE_KEY_PREFIX"] = f"relance-test-{uuid.uuid4()}"
    return env


@pytest.fixture
def shared_env(s3_endpoint, static_root):
    endpoint, _ = s3_endpoint
    return production_env(
        DATABASE_URL=database_url_of_the_test_database(),
        STATIC_ROOT=str(static_root),
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=endpoint,
        S3_REGION="eu-west-3",
        S3_ACCESS_KEY_ID="test-key",
        S3_SECRET_ACCESS_KEY="test-secret",
        S3_PREFIX="media",
    )


@contextmanager
def app_server(env: dict):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "relance.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            # Gunicorn's control socket defaults to one path per user: one per server here.
            "--no-control-socket",
        ],
        cwd=ROOT,
        env={**env, "SITE_URL": f"http://127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def answers():
            try:
                return requests.get(f"{base}/compte/connexion/", timeout=5).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_until(answers, f"the app server on port {port}", [process])
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker(env: dict, smtp_port: int) -> subprocess.Popen:
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
        ],
        cwd=ROOT,
        env={
            **env,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "120",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen, *, kill=False) -> None:
    if kill:
        process.kill()
    else:
        process.terminate()
    process.wait(timeout=WAIT)


def csrf_token(response) -> str:
    assert response.status_code == 200, response.status_code
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert match, "no CSRF token in the form"
    return match.group(1)


def sign_in(session: requests.Session, base: str, email: str) -> None:
    token = csrf_token(session.get(f"{base}/compte/connexion/"))
    response = session.post(
        f"{base}/compte/connexion/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:2000]


def draft_of_an_agent() -> tuple[Dossier, str]:
    call = CallFactory()
    administration = AdministrationFactory()
    agent = agent_of(administration)
    # The servers verify passwords with the production hashers, not the tests' MD5.
    hasher = PBKDF2PasswordHasher()
    agent.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    agent.save(update_fields=["password"])
    dossier = DossierFactory(
        call=call,
        category=CategoryFactory(call=call),
        administration=administration,
        created_by=agent,
    )
    return dossier, agent.email


def test_two_app_servers_and_workers_share_one_database(shared_env, s3_endpoint, settings):
    _, bucket = s3_endpoint
    dossier, email = draft_of_an_agent()
    session = requests.Session()
    with app_server(shared_env) as server_a, app_server(shared_env) as server_b:
        # On A: sign in, attach a document, submit.
        sign_in(session, server_a, email)
        pieces = f"{server_a}/dossiers/{dossier.pk}/pieces/"
        response = session.post(
            pieces,
            data={"csrfmiddlewaretoken": csrf_token(session.get(pieces)), "description": "Devis"},
            files={"file": ("Devis.docx", docx_bytes())},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:2000]
        attachment = Attachment.objects.get(dossier=dossier)
        stored = bucket.get_object(Bucket=BUCKET, Key=f"media/{attachment.file.name}")
        assert stored["Body"].read() == docx_bytes()

        submit = f"{server_a}/dossiers/{dossier.pk}/deposer/"
        response = session.post(
            submit,
            data={"csrfmiddlewaretoken": csrf_token(session.get(submit))},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:2000]
        assert response.headers["Location"].endswith(f"/dossiers/{dossier.pk}/accuse-de-reception/")
        dossier.refresh_from_db()
        assert dossier.state == DossierState.SUBMITTED
        acknowledgement = OutgoingEmail.objects.get(topic="acknowledgement")
        assert acknowledgement.status == OutgoingEmail.Status.PENDING

        # On B, with the session opened on A: the submitted dossier and its attachment.
        page = session.get(f"{server_b}/dossiers/{dossier.pk}/")
        assert page.status_code == 200
        assert dossier.reference in page.text
        assert "Déposé" in page.text
        download = session.get(f"{server_b}/dossiers/{dossier.pk}/pieces/{attachment.pk}/")
        assert download.status_code == 200
        assert download.content == docx_bytes()
        assert download.headers["Content-Disposition"].startswith("attachment;")
        # Another browser (no session) learns nothing from B.
        anonymous = requests.get(
            f"{server_b}/dossiers/{dossier.pk}/pieces/{attachment.pk}/",
            allow_redirects=False,
            timeout=WAIT,
        )
        assert anonymous.status_code in (302, 404)

    # A worker claims the acknowledgement and is killed while the mail server stays silent.
    with silent_smtp_server() as smtp_port:
        first = worker(shared_env, smtp_port)
        try:
            wait_until(
                lambda: DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists(),
                "the first worker to claim the task",
                [first],
            )
        finally:
            stop(first, kill=True)
    acknowledgement.refresh_from_db()
    assert (acknowledgement.status, acknowledgement.attempts) == (OutgoingEmail.Status.PENDING, 0)

    # The periodic job takes the task as lost (its delay made 0 here) and puts it back.
    settings.RELANCE_TASK_STALLED_SECONDS = 0
    assert tasks.requeue_stalled_tasks.call() == 1

    with smtp_server(smtp_port) as mail_server:
        second = worker(shared_env, smtp_port)
        try:
            wait_until(
                lambda: DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).exists(),
                "the second worker to send the acknowledgement",
                [second],
            )
        finally:
            stop(second)
    assert len(mail_server.messages) == 1
    recipients, message = mail_server.messages[0]
    assert email in recipients
    subject = f"[Relance] Accusé de réception du dossier {dossier.reference}"
    assert subject in message["Subject"]
    acknowledgement.refresh_from_db()
    assert (acknowledgement.status, acknowledgement.attempts) == (OutgoingEmail.Status.SENT, 1)
    task = DBTaskResult.objects.get()
    assert len(task.worker_ids) == 2  # claimed by the killed worker, then by the next one
