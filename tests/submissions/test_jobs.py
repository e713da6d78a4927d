"""The periodic jobs of submissions: deletion of stale drafts, reminder before a call closes.

The tests call the tasks as a worker runs them and check their effects; the jobs are
declared (``relance.tasks.PERIODIC``) by ``SubmissionsConfig.ready``.
"""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from calls.models import ReminderKind, ReminderLog, ReminderSettings
from relance import audit, tasks
from relance.audit import AuditAction
from relance.models import AuditEntry, OutgoingEmail
from submissions import jobs
from submissions.models import Attachment, Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    DossierFactory,
    StaffFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RELANCE_DRAFT_RETENTION_DAYS = 365
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


def test_holders_of_drafts_are_reminded_once_per_date_before_the_call_closes(
    django_capture_on_commit_callbacks,
):
    administration = AdministrationFactory(name="Direction du numérique")
    agent = agent_of(administration, email="porteur@exemple.gouv.fr")
    call = call_closing_in(5)
    draft = DossierFactory(call=call, administration=administration, title="Projet en cours")
    # Not reminded: a submitted dossier, a draft of a call closing later, of a closed call.
    DossierFactory(call=call, state=DossierState.SUBMITTED, submitted_at=timezone.now())
    DossierFactory(call=call_closing_in(9))
    DossierFactory(call=call_closed(days_ago=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_draft_holders.call() == 2  # one email per address
    emails = OutgoingEmail.objects.filter(topic="draft_reminder").order_by("to")
    assert [e.to for e in emails] == [[a] for a in sorted({agent.email, draft.contact_email})]
    email = emails[0]
    assert email.subject.startswith(f"[Relance] Dossier {draft.reference} non déposé")
    assert "est encore un brouillon" in email.body
    assert "« " + call.title + " »" in email.body
    assert f"https://relance.exemple.gouv.fr/dossiers/{draft.pk}/" in email.body
    assert email.status == OutgoingEmail.Status.SENT  # sent by the worker after commit
    log = ReminderLog.objects.filter(kind=ReminderKind.DRAFT)
    assert {(r.call, r.object_key, r.email_id) for r in log} == {
        (call, f"dossier:{draft.pk}", e.pk) for e in emails
    }

    # The job runs every hour: the same reminder date is never sent twice.
    assert jobs.remind_draft_holders.call() == 0
    assert OutgoingEmail.objects.filter(topic="draft_reminder").count() == 2

    # Two days before the closing comes the second reminder; then nothing more.
    call.closes_at = timezone.now() + 1.5 * DAY
    call.save()
    assert jobs.remind_draft_holders.call() == 2
    assert jobs.remind_draft_holders.call() == 0

    # Once submitted, a dossier is no longer reminded.
    Dossier.objects.filter(pk=draft.pk).update(
        state=DossierState.SUBMITTED, submitted_at=timezone.now()
    )
    call.closes_at = timezone.now() + 0.5 * DAY
    call.save()
    ReminderSettings.objects.create(call=call, draft_first_days=7, draft_second_days=1)
    assert jobs.remind_draft_holders.call() == 0


def test_the_reminder_days_are_set_per_call_and_can_be_turned_off():
    call = call_closing_in(10)
    DossierFactory(call=call)
    assert jobs.remind_draft_holders.call() == 0
    ReminderSettings.objects.create(call=call, draft_first_days=14)
    assert jobs.remind_draft_holders.call() == 1
    other = call_closing_in(3)
    DossierFactory(call=other)
    ReminderSettings.objects.create(call=other, drafts_enabled=False)
    assert jobs.remind_draft_holders.call() == 0


def submitted_days_ago(call, days, **kwargs):
    return DossierFactory(
        call=call,
        state=DossierState.SUBMITTED,
        submitted_at=timezone.now() - days * DAY,
        **kwargs,
    )


def digests():
    return OutgoingEmail.objects.filter(topic="instructor_reminder")


def test_instructors_get_one_weekly_digest_of_the_dossiers_awaiting_a_decision():
    assert tasks.PERIODIC["submissions.jobs.remind_instructors"].every == timedelta(hours=1)
    call = call_closed(days_ago=1)
    programme_instructor = StaffFactory(programmes=[call.programme], email="equipe@exemple.fr")
    own_instructor = StaffFactory(programmes=[call.programme], email="instructeur@exemple.fr")
    unassigned = submitted_days_ago(call, 10, title="Projet sans instructeur")
    assigned = submitted_days_ago(call, 8, title="Projet suivi", instructor=own_instructor)
    # Not listed: submitted too recently (5 days by default), a decision already pending.
    recent = submitted_days_ago(call, 2, title="Projet récent")
    submitted_days_ago(call, 10, pending_decision="accept")

    assert jobs.remind_instructors.call() == 2
    by_address = {e.to[0]: e for e in digests()}
    assert set(by_address) == {programme_instructor.email, own_instructor.email}
    team = by_address[programme_instructor.email]
    assert team.subject == f"[Relance] 1 dossier en attente de décision — {call.title}"
    assert unassigned.reference in team.body
    assert assigned.reference not in team.body and recent.reference not in team.body
    # An assigned dossier goes to its instructor only, unassigned ones to every instructor.
    mine = by_address[own_instructor.email]
    assert assigned.reference in mine.body and unassigned.reference in mine.body
    assert "[Relance] 2 dossiers en attente de décision" in mine.subject
    assert "https://relance.exemple.gouv.fr/instruction/" in mine.body
    log = ReminderLog.objects.filter(kind=ReminderKind.INSTRUCTOR)
    assert {(r.recipient, r.object_key) for r in log} == {
        (programme_instructor.email, f"call:{call.pk}"),
        (own_instructor.email, f"call:{call.pk}"),
    }

    # Hourly runs of the same week send nothing more; the next week sends again.
    assert jobs.remind_instructors.call() == 0
    assert digests().count() == 2
    assert jobs.send_instructor_digests(timezone.now() + timedelta(days=7)) == 2


def test_no_digest_when_turned_off_or_nothing_waits():
    call = call_closed(days_ago=1)
    StaffFactory(programmes=[call.programme])
    submitted_days_ago(call, 3)  # not waiting long enough yet
    assert jobs.remind_instructors.call() == 0
    submitted_days_ago(call, 10)
    ReminderSettings.objects.create(call=call, instructors_enabled=False)
    assert jobs.remind_instructors.call() == 0
    assert not digests().exists()
    # The delay is set per call.
    ReminderSettings.objects.filter(call=call).update(
        instructors_enabled=True, instructor_waiting_days=2
    )
    assert jobs.remind_instructors.call() == 1
    assert "2 dossiers en attente" in digests().get().subject
