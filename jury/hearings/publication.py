"""Publication of a hearing schedule: what changed since the last one, and who is told.

What was last published is kept in the audit entry of the publication (``HEARING_PUBLISH``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.permissions import require_programme_staff
from jury.hearings.workflow import lock_session, overlaps
from jury.models import ConflictOfInterest, HearingSlot
from relance import audit, notifications
from relance.audit import AuditAction
from relance.workflow import WorkflowError
from submissions.notify import applicant_recipients_by_dossier

# Publication ----------------------------------------------------------------------------


def _published_snapshot(session) -> dict | None:
    if session.published_at is None:
        return None
    # Newest first; ``values_list`` because ``history`` joins the actor, which ``only`` forbids.
    return (
        audit.history(session)
        .filter(action=AuditAction.HEARING_PUBLISH)
        .values_list("data", flat=True)
        .first()
    )


def _schedule_snapshot(session, slots) -> dict:
    return {
        "session": {
            "date": session.date.isoformat(),
            "place": session.place,
            "video_link": session.video_link,
        },
        # In UTC, so that a slot read back from the database compares equal to one just
        # built in Paris time.
        "slots": {str(s.dossier_id): [_utc_iso(s.starts_at), _utc_iso(s.ends_at)] for s in slots},
    }


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _changed_dossier_ids(previous, current) -> set[int]:
    """Dossiers whose slot is new, moved or gone since ``previous`` (all when the day,
    place or video link changed)."""
    if previous is None or previous.get("session") != current["session"]:
        return {int(pk) for pk in current["slots"]}
    before = previous.get("slots", {})
    moved = {int(pk) for pk, times in current["slots"].items() if before.get(pk) != list(times)}
    gone = {int(pk) for pk in before if pk not in current["slots"]}
    return moved | gone


def pending_changes(session, slots) -> set[int] | None:
    """Dossier ids whose slot differs from the last publication (None: never published)."""
    previous = _published_snapshot(session)
    if previous is None:
        return None
    return _changed_dossier_ids(previous, _schedule_snapshot(session, slots))


def publish_schedule(user, session) -> dict:
    """Publish the session's schedule and email the administrations and the jurors.

    Returns ``{"applicants": n, "jurors": n}``, the number of emails queued by kind.
    """
    require_programme_staff(user, session)
    with transaction.atomic():
        locked = lock_session(session)
        slots = list(
            HearingSlot.objects.filter(session=locked)
            .select_related("dossier__administration", "dossier__category", "dossier__call")
            .order_by("starts_at", "pk")
        )
        if not slots:
            raise WorkflowError(_("Générez le planning avant de le publier."))
        if not locked.place and not locked.video_link:
            raise WorkflowError(
                _("Indiquez le lieu ou le lien de visioconférence avant de publier.")
            )
        breaks = list(locked.breaks.all())
        problems = overlaps(locked, slots=slots, breaks=breaks)
        if problems:
            raise WorkflowError(
                _("Corrigez les chevauchements avant de publier : %(first)s")
                % {"first": problems[0].message}
            )
        current = _schedule_snapshot(locked, slots)
        previous = _published_snapshot(locked)
        changed = _changed_dossier_ids(previous, current)
        if previous is not None and not changed:
            raise WorkflowError(
                _("Le planning publié est déjà à jour : aucun courriel n’a été envoyé.")
            )
        # A session marked published without a recorded publication (e.g. loaded data)
        # still tells everyone it is an update.
        is_update = locked.published_at is not None
        jury = locked.jury
        call = jury.call
        site = notifications.absolute_url("")
        recipients = applicant_recipients_by_dossier([s.dossier for s in slots])
        n_applicants = 0
        for slot in slots:
            if slot.dossier_id not in changed:
                continue
            email = notifications.queue(
                "jury/emails/hearing_slot",
                recipients[slot.dossier_id],
                {
                    "session": locked,
                    "slot": slot,
                    "dossier": slot.dossier,
                    "call": call,
                    "is_update": is_update,
                    "dossier_url": f"{site}{slot.dossier.get_absolute_url()}",
                },
                topic="hearing",
            )
            n_applicants += email is not None
        conflicts = set(
            ConflictOfInterest.objects.filter(
                member__jury=jury, lifted_at__isnull=True
            ).values_list("member_id", "dossier_id")
        )
        schedule_url = f"{site}{reverse('jury:juror_hearings', kwargs={'jury_id': jury.pk})}"
        n_jurors = 0
        for member in jury.members.select_related("user").filter(user__is_active=True):
            rows = [
                {"slot": s, "conflicted": (member.pk, s.dossier_id) in conflicts} for s in slots
            ]
            email = notifications.queue(
                "jury/emails/hearing_schedule",
                [member.user.email],
                {
                    "member": member,
                    "session": locked,
                    "rows": rows,
                    "breaks": breaks,
                    "call": call,
                    "is_update": is_update,
                    "schedule_url": schedule_url,
                },
                topic="hearing",
            )
            n_jurors += email is not None
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        audit.record(
            user,
            AuditAction.HEARING_PUBLISH,
            locked,
            data={
                **current,
                "notified": sorted(s.dossier_id for s in slots if s.dossier_id in changed),
            },
        )
        return {"applicants": n_applicants, "jurors": n_jurors}
