"""Emails are sent after commit; a failure never undoes the decision and can be retried."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from relance import notifications
from relance.models import OutgoingEmail
from submissions import preselection as preselection_workflow
from submissions import workflow
from submissions.models import Dossier, DossierState, PreselectionDecision
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    DossierFactory,
    StaffFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

FAILING = "tests.relance.mail_backends.FailingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def submitted(db):
    administration = AdministrationFactory()
    agent = agent_of(administration)
    dossier = DossierFactory(administration=administration, state=DossierState.SUBMITTED)
    return dossier, agent


def test_email_is_sent_after_commit_only(submitted, staff, django_capture_on_commit_callbacks):
    dossier, _ = submitted
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.request_additions(staff, dossier, message="Joignez le devis.")
    assert mail.outbox == []
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.PENDING
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


def test_rolled_back_decision_sends_nothing(submitted, staff, django_capture_on_commit_callbacks):
    dossier, _ = submitted
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.request_additions(staff, dossier, message="Joignez le devis.")
        raise RuntimeError("the caller failed after the workflow call")
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


def test_sending_failure_keeps_the_decision_and_is_retried(
    submitted, staff, settings, django_capture_on_commit_callbacks
):
    dossier, agent = submitted
    settings.EMAIL_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_additions(staff, dossier, message="Joignez le devis.")

    dossier.refresh_from_db()
    assert dossier.state == DossierState.INCOMPLETE  # the decision stands
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 1
    assert email.last_error == "ConnectionRefusedError: serveur SMTP injoignable"
    assert email.sent_at is None

    # Still failing: the command reports it and keeps the row for later.
    out = StringIO()
    call_command("send_pending_emails", stdout=out)
    assert out.getvalue().strip() == "0 courriel(s) envoyé(s), 1 en échec."
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.FAILED, 2)

    settings.EMAIL_BACKEND = LOCMEM
    out = StringIO()
    call_command("send_pending_emails", stdout=out)
    assert out.getvalue().strip() == "1 courriel(s) envoyé(s), 0 en échec."
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 3
    assert email.last_error == ""
    assert email.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == sorted({agent.email, dossier.contact_email})
    assert mail.outbox[0].subject == email.subject

    # Sent emails are not sent again.
    call_command("send_pending_emails", stdout=StringIO())
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_publication_committed_despite_failing_emails(settings):
    """Through real commits: the publication stands, every outcome email waits for retry."""
    settings.EMAIL_BACKEND = FAILING
    now = timezone.now()
    call = CallFactory(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    administration = AdministrationFactory()
    agent_of(administration)
    staff = StaffFactory()
    dossiers = [
        DossierFactory(call=call, administration=administration, state=DossierState.SUBMITTED)
        for _ in range(3)
    ]
    preselection_workflow.record_preselection_bulk(
        staff, dossiers, decision=PreselectionDecision.PRESELECTED, reason="Bon dossier."
    )

    publication = preselection_workflow.publish_preselection(staff, call)

    assert publication.preselected_count == 3
    assert {d.state for d in Dossier.objects.filter(call=call)} == {DossierState.PRESELECTED}
    failed = OutgoingEmail.objects.filter(topic="preselection")
    assert failed.count() == 3
    assert {e.status for e in failed} == {OutgoingEmail.Status.FAILED}

    settings.EMAIL_BACKEND = LOCMEM
    assert notifications.send_pending() == (3, 0)
    assert {e.status for e in failed.all()} == {OutgoingEmail.Status.SENT}
    assert len(mail.outbox) == 3


def test_queue_without_recipient_stores_nothing(submitted):
    dossier, _ = submitted
    result = notifications.queue(
        "submissions/emails/message", ["", None], {"dossier": dossier}, topic="message"
    )
    assert result is None
    assert not OutgoingEmail.objects.exists()
