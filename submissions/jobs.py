"""Periodic jobs of the submissions app, declared in ``SubmissionsConfig.ready`` through
``relance.tasks.periodic`` and run by the workers: the deletion of stale drafts and the
reminder to the holders of drafts before a call closes."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_tasks import task

from relance import audit, notifications
from relance.audit import AuditAction
from submissions.models import Attachment, Dossier, DossierState, DraftReminder
from submissions.notify import applicant_recipients, email_context

logger = logging.getLogger(__name__)


def retention() -> timedelta:
    return timedelta(days=int(settings.RELANCE_DRAFT_RETENTION_DAYS))


def reminder_delay() -> timedelta:
    return timedelta(days=int(settings.RELANCE_DRAFT_REMINDER_DAYS))


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
    """Drafts of open calls closing within the reminder delay, not reminded for this call."""
    now = now or timezone.now()
    return (
        Dossier.objects.filter(
            state=DossierState.DRAFT,
            call__published_at__isnull=False,
            call__opens_at__lte=now,
            call__closes_at__gt=now,
            call__closes_at__lte=now + reminder_delay(),
        )
        .exclude(
            Exists(DraftReminder.objects.filter(dossier=OuterRef("pk"), call=OuterRef("call")))
        )
        .order_by("call_id", "number")
    )


@task()
def remind_draft_holders() -> int:
    """Email the holders of each draft once before its call closes; return how many."""
    sent = 0
    for pk in list(drafts_to_remind().values_list("pk", flat=True)):
        with transaction.atomic():
            dossier = (
                drafts_to_remind()
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("call", "administration")
                .filter(pk=pk)
                .first()
            )
            if dossier is None:
                continue
            recipients = sorted({e for e in applicant_recipients(dossier) if e})
            email = notifications.queue(
                "submissions/emails/draft_reminder",
                recipients,
                email_context(dossier),
                topic="draft_reminder",
            )
            DraftReminder.objects.create(
                call=dossier.call,
                dossier=dossier,
                closes_at=dossier.call.closes_at,
                recipients=recipients,
                email=email,
            )
            sent += 1
    return sent
