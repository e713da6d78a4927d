"""Automatic reminders: the settings of a call, and how a job claims a reminder before sending.

The jobs live with the data they read (``jury.reminders`` for the jurors,
``submissions.jobs`` for drafts and dossiers awaiting a decision); each claims the reminders
it is about to send with :func:`claim`, in the transaction that queues the email. The insert
skips the rows that already exist (``ON CONFLICT DO NOTHING``): of two workers running the
same job at once, the second waits on the first's uncommitted rows, then claims nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from calls.models import Call
from calls.permissions import require_programme_manager
from calls.reminder_models import ReminderLog, ReminderSettings
from relance import audit
from relance.audit import AuditAction
from relance.formatting import to_paris
from relance.workflow import audit_value, lock

EDITABLE_FIELDS = (
    "jurors_enabled",
    "juror_days_before",
    "juror_repeat_days",
    "review_deadline",
    "drafts_enabled",
    "draft_first_days",
    "draft_second_days",
    "instructors_enabled",
    "instructor_waiting_days",
)


def settings_for(call) -> ReminderSettings:
    """The call's reminder settings: its row, or the defaults (unsaved) when it has none."""
    try:
        return call.reminder_settings
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(call=call)


def settings_by_call(call_ids) -> dict[int, ReminderSettings]:
    """The settings of several calls in one query (defaults for the calls without a row)."""
    rows = {s.call_id: s for s in ReminderSettings.objects.filter(call_id__in=list(call_ids))}
    return {pk: rows.get(pk) or ReminderSettings(call_id=pk) for pk in call_ids}


def update_settings(actor, call: Call, values: dict) -> ReminderSettings:
    """Change a call's reminders (programme managers), with an audit entry of what changed."""
    require_programme_manager(actor, call)
    with transaction.atomic():
        locked = lock(Call, call)
        current, _created = ReminderSettings.objects.select_for_update().get_or_create(call=locked)
        changes = {}
        for name in EDITABLE_FIELDS:
            if name in values and getattr(current, name) != values[name]:
                changes[name] = {
                    "before": audit_value(getattr(current, name)),
                    "after": audit_value(values[name]),
                }
                setattr(current, name, values[name])
        if changes:
            current.updated_at = timezone.now()
            current.updated_by = actor
            current.save()
            audit.record(actor, AuditAction.CALL_UPDATE_REMINDERS, locked, data=changes)
    return current


def review_due_date(config: ReminderSettings, hearing_starts_at) -> date | None:
    """When a juror's evaluation is due: the call's review deadline, else the hearing day.

    None for a dossier without a hearing when the call has no deadline (nothing is due).
    """
    if config.review_deadline:
        return config.review_deadline
    return to_paris(hearing_starts_at).date() if hearing_starts_at else None


def late_occurrence(today: date, due: date, before_days: int, repeat_days: int) -> date | None:
    """The date a reminder about ``due`` stands for today, or None when none is due.

    ``before_days`` before the due date, then the day after it and every ``repeat_days``
    days while still late: due − N, due + 1, due + 1 + M, due + 1 + 2M…
    """
    if today <= due:
        first = due - timedelta(days=before_days)
        return first if today >= first else None
    late = (today - due).days  # 1 the day after
    return due + timedelta(days=1 + repeat_days * ((late - 1) // repeat_days))


def claim(call_id, kind, recipient, items, due_on: date) -> list[str]:
    """Insert the log rows of a reminder; return the object keys this caller now owns.

    ``items`` are ``(object_key, object_label)`` pairs. Rows another run already wrote (or
    is writing, in a transaction not yet committed: the insert waits for it) are skipped.
    Call it inside the transaction that queues the email, then :func:`attach_email`.
    """
    if not items:
        return []
    table = ReminderLog._meta.db_table
    now = timezone.now()
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(items))
    params = []
    for key, label in items:
        params += [call_id, kind, recipient, key, label[:300], due_on, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (call_id, kind, recipient, object_key, object_label, due_on,"  # noqa: S608
            f" sent_at) VALUES {values}"
            " ON CONFLICT (kind, recipient, object_key, due_on) DO NOTHING RETURNING object_key",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def attach_email(kind, recipient, keys, due_on, email) -> None:
    ReminderLog.objects.filter(
        kind=kind, recipient=recipient, object_key__in=keys, due_on=due_on
    ).update(email=email)
