"""Demo data of the automatic reminders: settings and a few reminders already sent.

Round 1: the jurors were reminded three days before the hearing day of the dossiers they had
to evaluate (``jury.reminders``), as the job would have done. The demonstration call: its
instructors got this week's digest of the submitted dossier awaiting a decision
(``submissions.jobs.remind_instructors``). Rows are keyed as the jobs key them (kind,
address, object, date), so a rerun adds nothing; the settings are created once and then left
as someone trying the service set them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from calls import demo as calls_demo
from calls.models import (
    Call,
    ProgrammeRole,
    ProgrammeRoleKind,
    ReminderKind,
    ReminderLog,
    ReminderSettings,
)
from jury import demo_data as data
from relance.formatting import PARIS, paris_today
from submissions.models import Dossier, DossierState

# Jurors reminded in round 1, and how many of their dossiers each reminder listed.
REMINDED_JURORS = 4
DOSSIERS_PER_REMINDER = 2


def log(call, kind, recipient, key, label, due_on, sent_at) -> bool:
    _row, created = ReminderLog.objects.get_or_create(
        kind=kind,
        recipient=recipient,
        object_key=key,
        due_on=due_on,
        defaults={"call": call, "object_label": label[:300], "sent_at": sent_at},
    )
    return created


def load_round_1(jury, members, conflicts) -> int:
    call = jury.call
    settings_row, _ = ReminderSettings.objects.get_or_create(call=call)
    due_on = data.HEARING_DAY - timedelta(days=settings_row.juror_days_before)
    sent_at = datetime.combine(due_on, time(7, 0), tzinfo=PARIS)
    dossiers = list(
        Dossier.objects.filter(call=call, hearing_slot__isnull=False).order_by(
            "hearing_slot__starts_at"
        )
    )
    sent = 0
    for member in sorted(members.values(), key=lambda m: m.pk)[:REMINDED_JURORS]:
        open_to = [d for d in dossiers if (member.pk, d.pk) not in conflicts]
        for dossier in open_to[:DOSSIERS_PER_REMINDER]:
            sent += log(
                call,
                ReminderKind.JUROR,
                member.user.email,
                f"dossier:{dossier.pk}",
                f"{dossier.reference} — {dossier.title}",
                due_on,
                sent_at,
            )
    return sent


def load_demo_call() -> int:
    call = Call.objects.get(slug=calls_demo.DEMO_CALL_SLUG)
    ReminderSettings.objects.get_or_create(call=call)
    today = paris_today()
    monday = today - timedelta(days=today.weekday())
    # Never in the future: on a Monday before 8:00, the digest went out an hour ago.
    sent_at = min(
        datetime.combine(monday, time(8, 0), tzinfo=PARIS), timezone.now() - timedelta(hours=1)
    )
    waiting = Dossier.objects.filter(call=call, state=DossierState.SUBMITTED).exists()
    if not waiting:
        return 0
    instructors = ProgrammeRole.objects.filter(
        programme=call.programme, role=ProgrammeRoleKind.INSTRUCTOR, user__is_active=True
    ).values_list("user__email", flat=True)
    return sum(
        log(
            call,
            ReminderKind.INSTRUCTOR,
            email,
            f"call:{call.pk}",
            str(call.title),
            monday,
            sent_at,
        )
        for email in instructors
    )


def load(jury, members, conflicts) -> int:
    """Load both; return the number of reminder rows created by this run."""
    return load_round_1(jury, members, conflicts) + load_demo_call()
