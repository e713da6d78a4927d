"""The periodic jobs of submissions: deletion of stale drafts, reminder before a call closes.

The tests call the tasks as a worker runs them and check their effects; the jobs are
declared (``relance.tasks.PERIODIC``) by ``SubmissionsConfig.ready``.
"""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from relance import audit, tasks
from relance.audit import AuditAction
from relance.models import AuditEntry, OutgoingEmail
from submissions import jobs
from submissions.models import Attachment, Dossier, DossierState, DraftReminder
from tests.factories import AdministrationFactory, CallFactory, DossierFactory, agent_of

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RELANCE_DRAFT_RETENTION_DAYS = 365
    settings.RELANCE_DRAFT_REMINDER_DAYS = 7
    settings.SITE_URL = "https://relance.exemple.gouv.fr"


def call_closed(days_ago: int):
    now = timezone.now()
    return CallFactory(opens_at=now - (days_ago + 30) * DAY, closes_at=now - days_ago * DAY)


def call_closing_in(days: float):
    now = timezone.now()
    return CallFactory(opens_at=now - 30 * DAY, closes_at=now + days * DAY)


def with_file(dossier) -> Attachment:
    attachment = Attachment(
        dossier=dossier,
        original_name="Devis.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
    )
    attachment.file.save("devis", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    return attachment


def test_both_jobs_are_declared_periodic():
    assert tasks.PERIODIC["submissions.jobs.delete_stale_drafts"].every == DAY
    assert tasks.PERIODIC["submissions.jobs.remind_draft_holders"].every == timedelta(hours=1)
    assert tasks.PERIODIC["submissions.jobs.delete_stale_drafts"].task is jobs.delete_stale_drafts


def test_stale_drafts_are_deleted_with_their_files_and_audited(
    django_capture_on_commit_callbacks,
):
    old_call = call_closed(days_ago=366)
    stale = DossierFactory(call=old_call, title="Brouillon oublié")
    attachment = with_file(stale)
    stored = attachment.file.path
    # Kept: a submitted dossier of the same call, a draft of a call closed for less than the
    # retention period, a draft once submitted (then sent back), a draft of an open window.
    submitted = DossierFactory(
        call=old_call, state=DossierState.SUBMITTED, submitted_at=old_call.closes_at - DAY
    )
    recent = DossierFactory(call=call_closed(days_ago=364))
    once_submitted = DossierFactory(call=old_call, submitted_at=old_call.closes_at - DAY)
    window = DossierFactory(call=CallFactory(kind="continuous", number=None, closes_at=None))

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.delete_stale_drafts.call() == 1

    assert not Dossier.objects.filter(pk=stale.pk).exists()
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not attachment.file.storage.exists(attachment.file.name)
    assert not os.path.exists(stored)
    assert set(Dossier.objects.values_list("pk", flat=True)) == {
        submitted.pk,
        recent.pk,
        once_submitted.pk,
        window.pk,
    }
    entry = AuditEntry.objects.get(action=AuditAction.DELETE_STALE_DRAFT)
    assert entry.actor is None
    assert entry.target_id == str(stale.pk)
    assert entry.data["reference"] == stale.reference
    assert entry.data["title"] == "Brouillon oublié"
    assert entry.data["attachments"] == ["Devis.pdf"]
    assert audit.label(entry.action).startswith("Brouillon jamais déposé supprimé")

    assert jobs.delete_stale_drafts.call() == 0  # nothing left to delete


def test_the_retention_period_is_a_setting(settings):
    draft = DossierFactory(call=call_closed(days_ago=40))
    settings.RELANCE_DRAFT_RETENTION_DAYS = 30
    assert jobs.delete_stale_drafts.call() == 1
    assert not Dossier.objects.filter(pk=draft.pk).exists()


def test_a_draft_another_dossier_was_copied_from_is_kept():
    source = DossierFactory(call=call_closed(days_ago=400))
    DossierFactory(call=call_closing_in(10), resubmitted_from=source)
    assert jobs.delete_stale_drafts.call() == 0
    assert Dossier.objects.filter(pk=source.pk).exists()


def test_holders_of_drafts_are_reminded_once_before_the_call_closes(
    django_capture_on_commit_callbacks,
):
    administration = AdministrationFactory(name="Direction du numérique")
    agent = agent_of(administration, email="porteur@exemple.gouv.fr")
    call = call_closing_in(5)
    draft = DossierFactory(call=call, administration=administration, title="Projet en cours")
    # Not reminded: a submitted dossier, a draft of a call closing later, of a closed call.
    DossierFactory(call=call, state=DossierState.SUBMITTED, submitted_at=timezone.now())
    DossierFactory(call=call_closing_in(8))
    DossierFactory(call=call_closed(days_ago=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_draft_holders.call() == 1
    email = OutgoingEmail.objects.get(topic="draft_reminder")
    assert email.to == sorted({agent.email, draft.contact_email})
    assert email.subject.startswith(f"[Relance] Dossier {draft.reference} non déposé")
    assert "est encore un brouillon" in email.body
    assert "« " + call.title + " »" in email.body
    assert f"https://relance.exemple.gouv.fr/dossiers/{draft.pk}/" in email.body
    assert email.status == OutgoingEmail.Status.SENT  # sent by the worker after commit
    reminder = DraftReminder.objects.get()
    assert (reminder.call, reminder.dossier, reminder.email) == (call, draft, email)
    assert reminder.recipients == email.to
    assert reminder.closes_at == call.closes_at

    # The job runs every hour: the same draft is never reminded twice for this call.
    assert jobs.remind_draft_holders.call() == 0
    assert OutgoingEmail.objects.filter(topic="draft_reminder").count() == 1


def test_the_reminder_delay_is_a_setting(settings):
    DossierFactory(call=call_closing_in(10))
    assert jobs.remind_draft_holders.call() == 0
    settings.RELANCE_DRAFT_REMINDER_DAYS = 14
    assert jobs.remind_draft_holders.call() == 1
