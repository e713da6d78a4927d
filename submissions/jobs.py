"""Periodic jobs of the submissions app, declared in ``SubmissionsConfig.ready`` through
``relance.tasks.periodic`` and run by the workers: the deletion of stale drafts and the
reminders (``calls.reminders``) to the holders of drafts before a call closes and to the
instructors of dossiers awaiting a decision."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from calls import reminders
from calls.models import ProgrammeRole, ProgrammeRoleKind, ReminderKind
from relance import audit, notifications
from relance.audit import AuditAction
from relance.formatting import paris_today, to_paris
from relance.notifications import absolute_url
from submissions.models import Attachment, Dossier, DossierState
from submissions.notify import applicant_recipients_by_dossier, email_context

logger = logging.getLogger(__name__)


def retention() -> timedelta:
    return timedelta(days=int(settings.RELANCE_DRAFT_RETENTION_DAYS))


def stale_drafts(now=None):
    """Drafts never submitted whose call closed more than the retention period ago."""
    now = now or timezone.now()
    return Dossier.objects.filter(
        state=DossierState.DRAFT,
        submitted_at__isnull=True,
        call__closes_at__lt=now - retention(),
        # A later dossier copied from this one keeps it (the copy points to its source).
        resubmissions__isnull=True,
    )


@task()
def delete_stale_drafts() -> int:
    """Delete the stale drafts, each with an audit entry, and their files from the storage."""
    deleted = 0
    for pk in list(stale_drafts().order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            # Checked again under the row lock: the draft may have changed since the query.
            dossier = (
                stale_drafts()
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("call")
                .filter(pk=pk)
                .first()
            )
            if dossier is None:
                continue
            attachments = list(Attachment.objects.filter(dossier=dossier))
            audit.record(
                None,
                AuditAction.DELETE_STALE_DRAFT,
                dossier,
                from_state=dossier.state,
                data={
                    "reference": dossier.reference,
                    "title": dossier.title,
                    "call": dossier.call.slug,
                    "administration": dossier.administration_id,
                    "created_at": dossier.created_at.isoformat(),
                    "attachments": [a.original_name for a in attachments],
                },
            )
            dossier.delete()
            for attachment in attachments:
                storage, name = attachment.file.storage, attachment.file.name
                transaction.on_commit(lambda s=storage, n=name: s.delete(n))
            deleted += 1
    if deleted:
        logger.info("Deleted %s stale draft(s)", deleted)
    return deleted


def drafts_to_remind(now=None):
    """Drafts of open calls closing within the longest reminder delay a call may have."""
    now = now or timezone.now()
    return (
        Dossier.objects.filter(
            state=DossierState.DRAFT,
            call__published_at__isnull=False,
            call__opens_at__lte=now,
            call__closes_at__gt=now,
            call__closes_at__lte=now + timedelta(days=MAX_REMINDER_DAYS + 1),
        )
        .select_related("call", "administration")
        .order_by("call_id", "number")
    )


# The upper bound of the settings' « days before the closing » (ReminderSettings).
MAX_REMINDER_DAYS = 60


def draft_occurrence(settings_row, closes_at, today) -> date | None:
    """The reminder date due today for a draft of a call closing at ``closes_at``, if any.

    With 7 and 2 days: from 7 days before the closing, the « J-7 » reminder; from 2 days
    before, the « J-2 » one. A job that ran late still sends the latest one once.
    """
    closing_day = to_paris(closes_at).date()
    left = (closing_day - today).days
    due = [d for d in settings_row.draft_days() if left <= d]
    return closing_day - timedelta(days=min(due)) if due else None


@task()
def remind_draft_holders() -> int:
    """Email the holders of each draft 7 and 2 days (per call) before its call closes.

    Once per address, draft and reminder date: see ``calls.reminders.claim``. Returns the
    number of emails queued.
    """
    today = paris_today()
    drafts = list(drafts_to_remind())
    per_call = reminders.settings_by_call({d.call_id for d in drafts})
    recipients = applicant_recipients_by_dossier(drafts)
    sent = 0
    for dossier in drafts:
        config = per_call[dossier.call_id]
        if not config.drafts_enabled:
            continue
        due_on = draft_occurrence(config, dossier.call.closes_at, today)
        if due_on is None:
            continue
        label = f"{dossier.reference} — {dossier.title}"
        for address in sorted({e for e in recipients[dossier.pk] if e}):
            with transaction.atomic():
                # Still a draft? Checked in the transaction that claims the reminder.
                if not Dossier.objects.filter(pk=dossier.pk, state=DossierState.DRAFT).exists():
                    break
                key = f"dossier:{dossier.pk}"
                if not reminders.claim(
                    dossier.call_id, ReminderKind.DRAFT, address, [(key, label)], due_on
                ):
                    continue
                email = notifications.queue(
                    "submissions/emails/draft_reminder",
                    [address],
                    email_context(
                        dossier, days_left=(to_paris(dossier.call.closes_at).date() - today).days
                    ),
                    topic="draft_reminder",
                )
                reminders.attach_email(ReminderKind.DRAFT, address, [key], due_on, email)
                sent += 1
    return sent


@task()
def remind_instructors() -> int:
    """A weekly digest, per call, to the instructors of dossiers awaiting a decision."""
    return send_instructor_digests()


def send_instructor_digests(now=None) -> int:
    """The digests due at ``now`` (default: now); returns how many were queued.

    A dossier with an instructor goes to that instructor; one without, to every instructor
    of the programme. Once per address, call and week (the week's Monday is the date).
    """
    now = now or timezone.now()
    today = to_paris(now).date()
    monday = today - timedelta(days=today.weekday())
    dossiers = list(
        Dossier.objects.filter(
            state=DossierState.SUBMITTED,
            pending_decision="",
            submitted_at__lte=now - timedelta(days=1),
        )
        .select_related("call__programme", "instructor", "administration")
        .order_by("call_id", "submitted_at", "pk")
    )
    per_call = reminders.settings_by_call({d.call_id for d in dossiers})
    instructors: dict[int, list[str]] = {}
    for programme_id, email in ProgrammeRole.objects.filter(
        programme_id__in={d.call.programme_id for d in dossiers},
        role=ProgrammeRoleKind.INSTRUCTOR,
        user__is_active=True,
    ).values_list("programme_id", "user__email"):
        instructors.setdefault(programme_id, []).append(email)
    digests: dict[tuple[int, str], list] = {}
    for dossier in dossiers:
        config = per_call[dossier.call_id]
        if not config.instructors_enabled:
            continue
        if dossier.submitted_at > now - timedelta(days=config.instructor_waiting_days):
            continue
        if dossier.instructor_id and dossier.instructor.is_active:
            addresses = [dossier.instructor.email]
        else:
            addresses = instructors.get(dossier.call.programme_id, [])
        for address in addresses:
            digests.setdefault((dossier.call_id, address), []).append(dossier)
    sent = 0
    for (call_id, address), waiting in digests.items():
        call = waiting[0].call
        key = f"call:{call_id}"
        label = str(call.title)
        with transaction.atomic():
            if not reminders.claim(
                call_id, ReminderKind.INSTRUCTOR, address, [(key, label)], monday
            ):
                continue
            email = notifications.queue(
                "submissions/emails/instructor_reminder",
                [address],
                {
                    "call": call,
                    "dossiers": waiting,
                    "waiting_days": per_call[call_id].instructor_waiting_days,
                    "call_url": absolute_url(
                        reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
                    ),
                },
                topic="instructor_reminder",
            )
            reminders.attach_email(ReminderKind.INSTRUCTOR, address, [key], monday, email)
            sent += 1
    return sent
