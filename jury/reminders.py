"""The periodic reminder to jurors with evaluations due (settings: ``calls.ReminderSettings``).

An evaluation is due by the call's « date limite des évaluations » if set, else on the day of
the dossier's hearing. A juror is reminded N days before, then the day after and every M days
while late (``calls.reminders.late_occurrence``), one email listing every dossier due that
date; once per date (``calls.reminders.claim``).
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from calls import reminders
from calls.models import ReminderKind
from jury.models import ConflictOfInterest, Evaluation, HearingSlot, JuryMember
from jury.review_models import SCORING_PHASES, RapporteurAssignment, ReviewSettings
from relance import notifications
from relance.formatting import paris_today
from relance.notifications import absolute_url
from submissions.models import DossierState


def due_reviews(today=None):
    """``{member: [(dossier, due date, reminder date)]}`` of the reviews to remind today."""
    today = today or paris_today()
    slots = list(
        HearingSlot.objects.filter(dossier__state=DossierState.PRESELECTED)
        .select_related("dossier__call")
        .order_by("starts_at")
    )
    call_ids = {s.dossier.call_id for s in slots}
    per_call = reminders.settings_by_call(call_ids)
    members = list(
        JuryMember.objects.filter(jury__call_id__in=call_ids, user__is_active=True).select_related(
            "jury", "user"
        )
    )
    phases = dict(ReviewSettings.objects.values_list("jury_id", "phase"))
    submitted = set(
        Evaluation.objects.filter(member__in=members, submitted_at__isnull=False).values_list(
            "member_id", "dossier_id"
        )
    )
    conflicts = set(
        ConflictOfInterest.objects.filter(member__in=members, lifted_at__isnull=True).values_list(
            "member_id", "dossier_id"
        )
    )
    rapporteurs = set(
        RapporteurAssignment.objects.filter(member__in=members).values_list(
            "member_id", "dossier_id"
        )
    )
    due: dict = {}
    for member in members:
        config = per_call[member.jury.call_id]
        phase = phases.get(member.jury_id)
        if not config.jurors_enabled or (phase is not None and phase not in SCORING_PHASES):
            continue
        for slot in slots:
            dossier = slot.dossier
            pair = (member.pk, dossier.pk)
            if dossier.call_id != member.jury.call_id or pair in submitted or pair in conflicts:
                continue
            # With review phases, only the rapporteurs are expected to score.
            if phase is not None and pair not in rapporteurs:
                continue
            deadline = reminders.review_due_date(config, slot.starts_at)
            when = reminders.late_occurrence(
                today, deadline, config.juror_days_before, config.juror_repeat_days
            )
            if when is not None:
                due.setdefault(member, []).append((dossier, deadline, when))
    return due


@task()
def remind_jurors() -> int:
    """Email each juror with evaluations due; return the number of emails queued."""
    return send_juror_reminders()


def send_juror_reminders(today=None) -> int:
    today = today or paris_today()
    sent = 0
    for member, items in due_reviews(today).items():
        by_date: dict = {}
        for dossier, deadline, when in items:
            by_date.setdefault(when, []).append((dossier, deadline))
        for when, pending in sorted(by_date.items()):
            address = member.user.email
            with transaction.atomic():
                keys = reminders.claim(
                    member.jury.call_id,
                    ReminderKind.JUROR,
                    address,
                    [(f"dossier:{d.pk}", f"{d.reference} — {d.title}") for d, _ in pending],
                    when,
                )
                if not keys:
                    continue
                claimed = [(d, deadline) for d, deadline in pending if f"dossier:{d.pk}" in keys]
                email = notifications.queue(
                    "jury/emails/review_reminder",
                    [address],
                    {
                        "member": member,
                        "call": member.jury.call,
                        "pending": claimed,
                        "late": any(deadline < today for _, deadline in claimed),
                        "jury_url": absolute_url(f"/jury/{member.jury_id}/"),
                    },
                    topic="review_reminder",
                )
                reminders.attach_email(ReminderKind.JUROR, address, keys, when, email)
                sent += 1
    return sent
