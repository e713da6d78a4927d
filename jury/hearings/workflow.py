"""Hearing sessions and their schedule, one transactional function per action.

Staff build a session (day, hours, slot length, breaks), generate its slots from the jury's
preselected dossiers, adjust a slot by hand, then publish: each administration is told its
own slot, each juror gets the whole day. Every action checks its guard, changes the rows in
one transaction, writes an audit entry and queues its emails (sent after commit); a refusal
raises :class:`relance.workflow.WorkflowError` with a message meant for the user.

Decisions
    - Once a session is published, generating again is refused unless ``regenerate=True``
      (the screen asks for an explicit confirmation). A published session stays published:
      its applicants and jurors see the slots as they are now, the staff page counts the
      slots changed since the last publication, and the emails leave when it is published
      again.
    - Publishing again notifies only the administrations whose slot changed (new or moved
      slot; every one of them when the day, place or video link changed) and sends every
      juror the updated day (also when a slot was removed). Publishing with nothing changed
      is refused, so nobody gets a duplicate email. What was last published is kept in the
      audit entry of the publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from itertools import pairwise

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.permissions import require_programme_staff
from jury.hearings.schedule import ScheduleError, build_schedule, intervals_overlap, slot_times
from jury.models import HEARING_ORDER, HearingBreak, HearingSession, HearingSlot, Jury
from jury.permissions import jury_dossiers
from relance import audit
from relance.audit import AuditAction
from relance.formatting import PARIS
from relance.workflow import WorkflowError, lock
from submissions.models import DossierState

SESSION_FIELDS = (
    "date",
    "place",
    "video_link",
    "starts_at",
    "ends_at",
    "slot_minutes",
    "gap_minutes",
)
# What a hearing and the gap after it may last, in minutes: at most a working day, and a
# gap of at most half of one.
SESSION_MINUTES_BOUNDS = {"slot_minutes": (5, 8 * 60), "gap_minutes": (0, 4 * 60)}


def _hm(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value, PARIS)
    return value.strftime("%H:%M")


def slot_datetime(session, value: time) -> datetime:
    """The aware datetime of ``value`` on the session's day, in Paris."""
    return datetime.combine(session.date, value).replace(tzinfo=PARIS)


def lock_session(session) -> HearingSession:
    return lock(
        HearingSession,
        session,
        related=("jury",),
        missing=_("Cette session d’auditions n’existe plus."),
    )


# Sessions -------------------------------------------------------------------------------


def _clean_fields(fields: dict) -> dict:
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown session fields: {sorted(unknown)}")
    fields = dict(fields)
    for name in ("place", "video_link"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    return fields


def _clean_breaks(session_start, session_end, breaks) -> list[dict]:
    cleaned = []
    for item in breaks:
        label = (item.get("label") or "").strip() or str(_("Pause"))
        start, end = item.get("starts_at"), item.get("ends_at")
        if start is None or end is None:
            raise WorkflowError(_("Indiquez le début et la fin de chaque pause."))
        if end <= start:
            raise WorkflowError(
                _("La pause « %(label)s » doit finir après son début.") % {"label": label}
            )
        if start < session_start or end > session_end:
            raise WorkflowError(
                _("La pause « %(label)s » (%(start)s–%(end)s) sort des horaires de la session.")
                % {"label": label, "start": _hm(start), "end": _hm(end)}
            )
        cleaned.append({"label": label[:100], "starts_at": start, "ends_at": end})
    cleaned.sort(key=lambda b: b["starts_at"])
    for before, after in pairwise(cleaned):
        if after["starts_at"] < before["ends_at"]:
            raise WorkflowError(
                _("Les pauses « %(a)s » et « %(b)s » se chevauchent.")
                % {"a": before["label"], "b": after["label"]}
            )
    return cleaned


def _check_session(session: HearingSession):
    if session.starts_at is None or session.ends_at is None or session.date is None:
        raise WorkflowError(_("Indiquez la date, l’heure de début et l’heure de fin."))
    if session.ends_at <= session.starts_at:
        raise WorkflowError(_("La session doit finir après son début."))
    low, high = SESSION_MINUTES_BOUNDS["slot_minutes"]
    if not session.slot_minutes or not low <= session.slot_minutes <= high:
        raise WorkflowError(
            _("Une audition dure entre %(low)s et %(high)s minutes.") % {"low": low, "high": high}
        )
    low, high = SESSION_MINUTES_BOUNDS["gap_minutes"]
    if session.gap_minutes is None or not low <= session.gap_minutes <= high:
        raise WorkflowError(
            _("Le battement entre deux auditions dure entre %(low)s et %(high)s minutes.")
            % {"low": low, "high": high}
        )


def _snapshot_session(session) -> dict:
    return {
        name: (
            getattr(session, name).isoformat()
            if hasattr(getattr(session, name), "isoformat")
            else getattr(session, name)
        )
        for name in SESSION_FIELDS
    }


def create_session(user, jury: Jury, *, breaks=(), **fields) -> HearingSession:
    """A new session of ``jury`` with its breaks (list of dicts label/starts_at/ends_at)."""
    require_programme_staff(user, jury)
    fields = _clean_fields(fields)
    with transaction.atomic():
        locked_jury = lock(Jury, jury)
        session = HearingSession(jury=locked_jury, **fields)
        _check_session(session)
        cleaned = _clean_breaks(session.starts_at, session.ends_at, breaks)
        session.save()
        HearingBreak.objects.bulk_create(HearingBreak(session=session, **b) for b in cleaned)
        audit.record(
            user,
            AuditAction.HEARING_SESSION_CREATE,
            session,
            data={**_snapshot_session(session), "breaks": _breaks_json(cleaned)},
        )
        return session


def _breaks_json(breaks) -> list:
    return [[b["label"], _hm(b["starts_at"]), _hm(b["ends_at"])] for b in breaks]


def update_session(user, session: HearingSession, *, breaks=None, **fields) -> HearingSession:
    """Change the session's fields, and replace its breaks when ``breaks`` is given.

    Slots are not moved: the session page then reports any slot that no longer fits.
    """
    require_programme_staff(user, session)
    fields = _clean_fields(fields)
    with transaction.atomic():
        locked = lock_session(session)
        before = _snapshot_session(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _check_session(locked)
        old_breaks = [
            {"label": b.label, "starts_at": b.starts_at, "ends_at": b.ends_at}
            for b in locked.breaks.all()
        ]
        if breaks is not None:
            cleaned = _clean_breaks(locked.starts_at, locked.ends_at, breaks)
        else:
            cleaned = _clean_breaks(locked.starts_at, locked.ends_at, old_breaks)
        locked.save()
        if breaks is not None:
            locked.breaks.all().delete()
            HearingBreak.objects.bulk_create(HearingBreak(session=locked, **b) for b in cleaned)
        audit.record(
            user,
            AuditAction.HEARING_SESSION_UPDATE,
            locked,
            data={
                "old": {**before, "breaks": _breaks_json(old_breaks)},
                "new": {**_snapshot_session(locked), "breaks": _breaks_json(cleaned)},
            },
        )
        return locked


# Schedule -------------------------------------------------------------------------------


def _dossiers_to_hear(session):
    """The jury's preselected dossiers not heard in another session, in hearing order."""
    jury = session.jury
    other_sessions = HearingSession.objects.filter(jury=jury).exclude(pk=session.pk)
    return (
        jury_dossiers(jury)
        .filter(state=DossierState.PRESELECTED)
        .exclude(hearing_slot__session__in=other_sessions)
        .select_related("category")
        .order_by(*HEARING_ORDER)
    )


def generate_schedule(user, session, *, regenerate=False, fill=False) -> list[HearingSlot]:
    """Replace the session's slots by one slot per dossier to hear, one after the other.

    Refused when the dossiers do not all fit, unless ``fill`` (the first ones take the
    session, the others are left for another session); refused on a published session
    unless ``regenerate``.
    """
    require_programme_staff(user, session)
    with transaction.atomic():
        locked = lock_session(session)
        if locked.published_at is not None and not regenerate:
            raise WorkflowError(
                _(
                    "Le planning de cette session est déjà publié : confirmez que vous voulez "
                    "le régénérer. Les administrations dont le créneau change seront "
                    "prévenues à la prochaine publication."
                )
            )
        dossiers = list(_dossiers_to_hear(locked))
        if not dossiers:
            raise WorkflowError(_("Aucun dossier présélectionné à auditionner pour ce jury."))
        params = {
            "starts_at": locked.starts_at,
            "ends_at": locked.ends_at,
            "slot_minutes": locked.slot_minutes,
            "gap_minutes": locked.gap_minutes,
            "breaks": list(locked.breaks.values_list("starts_at", "ends_at")),
        }
        try:
            times = build_schedule(dossiers, **params)
        except ScheduleError as exc:
            if not fill or exc.fitting == 0:
                raise WorkflowError(exc.message) from None
            times = slot_times(limit=len(dossiers), **params)
        placed = dossiers[: len(times)]
        old = {
            slot.dossier_id: _hm(slot.starts_at)
            for slot in HearingSlot.objects.filter(session=locked)
        }
        HearingSlot.objects.filter(session=locked).delete()
        slots = HearingSlot.objects.bulk_create(
            HearingSlot(
                session=locked,
                dossier=dossier,
                starts_at=slot_datetime(locked, start),
                ends_at=slot_datetime(locked, end),
            )
            for dossier, (start, end) in zip(placed, times, strict=True)
        )
        audit.record(
            user,
            AuditAction.HEARING_GENERATE,
            locked,
            data={
                "old": old,
                "new": {s.dossier_id: _hm(s.starts_at) for s in slots},
                "left_out": [d.reference for d in dossiers[len(times) :]],
            },
        )
        return slots


def _lock_slot(slot) -> HearingSlot:
    return lock(
        HearingSlot, slot, related=("session", "dossier"), missing=_("Ce créneau n’existe plus.")
    )


def move_slot(user, slot, *, starts_at: datetime) -> HearingSlot:
    """Move a slot (keeping its length) to ``starts_at`` on the same day.

    Refused if it would leave the session's hours, or overlap a break or another slot.
    """
    require_programme_staff(user, slot)
    if starts_at is None or timezone.is_naive(starts_at):
        raise WorkflowError(_("Indiquez l’heure de début du créneau."))
    with transaction.atomic():
        # The session row is the lock that serialises every change to its slots.
        session = lock_session(slot.session_id)
        locked = _lock_slot(slot)
        length = locked.ends_at - locked.starts_at
        start, end = starts_at, starts_at + length
        day_start = slot_datetime(session, session.starts_at)
        day_end = slot_datetime(session, session.ends_at)
        if start < day_start or end > day_end:
            raise WorkflowError(
                _(
                    "Le créneau %(start)s–%(end)s sort des horaires de la session "
                    "(%(day_start)s–%(day_end)s le %(date)s)."
                )
                % {
                    "start": _hm(start),
                    "end": _hm(end),
                    "day_start": _hm(session.starts_at),
                    "day_end": _hm(session.ends_at),
                    "date": session.date.strftime("%d/%m/%Y"),
                }
            )
        for brk in session.breaks.all():
            b_start = slot_datetime(session, brk.starts_at)
            if intervals_overlap(start, end, b_start, slot_datetime(session, brk.ends_at)):
                raise WorkflowError(
                    _(
                        "Le créneau %(start)s–%(end)s chevauche la pause « %(label)s » "
                        "(%(b_start)s–%(b_end)s)."
                    )
                    % {
                        "start": _hm(start),
                        "end": _hm(end),
                        "label": brk.label,
                        "b_start": _hm(brk.starts_at),
                        "b_end": _hm(brk.ends_at),
                    }
                )
        other = (
            HearingSlot.objects.filter(session=session, starts_at__lt=end, ends_at__gt=start)
            .exclude(pk=locked.pk)
            .select_related("dossier")
            .order_by("starts_at")
            .first()
        )
        if other is not None:
            raise WorkflowError(
                _(
                    "Le créneau %(start)s–%(end)s chevauche celui du dossier %(ref)s "
                    "(%(o_start)s–%(o_end)s)."
                )
                % {
                    "start": _hm(start),
                    "end": _hm(end),
                    "ref": other.dossier.reference,
                    "o_start": _hm(other.starts_at),
                    "o_end": _hm(other.ends_at),
                }
            )
        old = (locked.starts_at.isoformat(), locked.ends_at.isoformat())
        locked.starts_at, locked.ends_at = start, end
        locked.save(update_fields=["starts_at", "ends_at"])
        audit.record(
            user,
            AuditAction.HEARING_MOVE_SLOT,
            locked,
            data={"old": old, "new": (start.isoformat(), end.isoformat())},
        )
        return locked


def mark_absent(user, slot, *, absent=True) -> HearingSlot:
    """Record that the administration did (not) attend its hearing."""
    require_programme_staff(user, slot)
    with transaction.atomic():
        locked = _lock_slot(slot)
        absent = bool(absent)
        if locked.absent != absent:
            locked.absent = absent
            locked.save(update_fields=["absent"])
            audit.record(
                user,
                AuditAction.HEARING_ABSENT if absent else AuditAction.HEARING_PRESENT,
                locked.dossier,
            )
        return locked


@dataclass(frozen=True)
class Problem:
    """A slot overlapping another slot or a break, or outside the session's hours."""

    slot: HearingSlot
    message: str
    other: HearingSlot | None = None
    brk: HearingBreak | None = None


def overlaps(session, *, slots=None, breaks=None) -> list[Problem]:
    """Every problem of the session's schedule; pass already fetched ``slots`` and
    ``breaks`` (slots with their dossier) to run no query."""
    if slots is None:
        slots = list(session.slots.select_related("dossier"))
    if breaks is None:
        breaks = list(session.breaks.all())
    slots = sorted(slots, key=lambda s: (s.starts_at, s.pk))
    problems = []
    day_start = slot_datetime(session, session.starts_at)
    day_end = slot_datetime(session, session.ends_at)
    for index, slot in enumerate(slots):
        if slot.starts_at < day_start or slot.ends_at > day_end:
            problems.append(
                Problem(
                    slot,
                    _("%(ref)s (%(start)s–%(end)s) sort des horaires de la session.")
                    % {
                        "ref": slot.dossier.reference,
                        "start": _hm(slot.starts_at),
                        "end": _hm(slot.ends_at),
                    },
                )
            )
        for brk in breaks:
            if intervals_overlap(
                slot.starts_at,
                slot.ends_at,
                slot_datetime(session, brk.starts_at),
                slot_datetime(session, brk.ends_at),
            ):
                problems.append(
                    Problem(
                        slot,
                        _("%(ref)s (%(start)s–%(end)s) chevauche la pause « %(label)s ».")
                        % {
                            "ref": slot.dossier.reference,
                            "start": _hm(slot.starts_at),
                            "end": _hm(slot.ends_at),
                            "label": brk.label,
                        },
                        brk=brk,
                    )
                )
        for other in slots[index + 1 :]:
            if other.starts_at >= slot.ends_at:
                break
            problems.append(
                Problem(
                    slot,
                    _("%(ref)s (%(start)s–%(end)s) chevauche %(other)s (%(o_start)s–%(o_end)s).")
                    % {
                        "ref": slot.dossier.reference,
                        "start": _hm(slot.starts_at),
                        "end": _hm(slot.ends_at),
                        "other": other.dossier.reference,
                        "o_start": _hm(other.starts_at),
                        "o_end": _hm(other.ends_at),
                    },
                    other=other,
                )
            )
    return problems
