"""Hearing sessions and their schedule, one transactional function per action.

Staff build a session (day, hours, slot length, breaks), generate its slots from the jury's
preselected dossiers, adjust a slot by hand, then publish: each administration is told its
own slot, each juror gets the whole day. Every action checks its guard, changes the rows in
one transaction, writes an audit entry and queues its emails (sent after commit); a refusal
raises :class:`submissions.workflow.WorkflowError` with a message meant for the user.

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
from datetime import UTC, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jury.models import ConflictOfInterest, HearingBreak, HearingSession, HearingSlot, Jury
from jury.permissions import jury_dossiers
from jury.schedule import ScheduleError, build_schedule, intervals_overlap, slot_times
from relance import audit, notifications
from submissions.models import DossierState, Membership
from submissions.permissions import is_instructor
from submissions.workflow import WorkflowError

__all__ = [
    "SESSION_FIELDS",
    "Problem",
    "WorkflowError",
    "create_session",
    "generate_schedule",
    "hearing_order",
    "mark_absent",
    "move_slot",
    "overlaps",
    "pending_changes",
    "publish_schedule",
    "slot_datetime",
    "update_session",
]

PARIS = ZoneInfo("Europe/Paris")
SESSION_FIELDS = (
    "date",
    "place",
    "video_link",
    "starts_at",
    "ends_at",
    "slot_minutes",
    "gap_minutes",
)
PUBLISH_ACTION = "hearing_publish"
# Category order first (dossiers without a category last), then the reference.
HEARING_ORDER = (F("category__order").asc(nulls_last=True), "category_id", "reference")


def hearing_order():
    return HEARING_ORDER


def _require_staff(user):
    if not is_instructor(user):
        raise WorkflowError(_("Action réservée aux instructeurs."))


def _hm(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value, PARIS)
    return value.strftime("%H:%M")


def slot_datetime(session, value: time) -> datetime:
    """The aware datetime of ``value`` on the session's day, in Paris."""
    return datetime.combine(session.date, value).replace(tzinfo=PARIS)


def _lock_session(session) -> HearingSession:
    pk = session.pk if isinstance(session, HearingSession) else session
    try:
        return (
            HearingSession.objects.select_for_update(of=("self",)).select_related("jury").get(pk=pk)
        )
    except HearingSession.DoesNotExist:
        raise WorkflowError(_("Cette session d’auditions n’existe plus.")) from None


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
    if not session.slot_minutes or session.slot_minutes < 5:
        raise WorkflowError(_("Une audition dure au moins 5 minutes."))
    if session.gap_minutes is None or session.gap_minutes < 0:
        raise WorkflowError(_("Le battement entre deux auditions ne peut pas être négatif."))


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
    _require_staff(user)
    fields = _clean_fields(fields)
    with transaction.atomic():
        locked_jury = Jury.objects.select_for_update().get(pk=jury.pk)
        session = HearingSession(jury=locked_jury, **fields)
        _check_session(session)
        cleaned = _clean_breaks(session.starts_at, session.ends_at, breaks)
        session.save()
        HearingBreak.objects.bulk_create(HearingBreak(session=session, **b) for b in cleaned)
        audit.record(
            user,
            "hearing_session_create",
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
    _require_staff(user)
    fields = _clean_fields(fields)
    with transaction.atomic():
        locked = _lock_session(session)
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
            "hearing_session_update",
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
    _require_staff(user)
    with transaction.atomic():
        locked = _lock_session(session)
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
            "hearing_generate",
            locked,
            data={
                "old": old,
                "new": {s.dossier_id: _hm(s.starts_at) for s in slots},
                "left_out": [d.reference for d in dossiers[len(times) :]],
            },
        )
        return slots


def _lock_slot(slot) -> HearingSlot:
    pk = slot.pk if isinstance(slot, HearingSlot) else slot
    try:
        return (
            HearingSlot.objects.select_for_update(of=("self",))
            .select_related("session", "dossier")
            .get(pk=pk)
        )
    except HearingSlot.DoesNotExist:
        raise WorkflowError(_("Ce créneau n’existe plus.")) from None


def move_slot(user, slot, *, starts_at: datetime) -> HearingSlot:
    """Move a slot (keeping its length) to ``starts_at`` on the same day.

    Refused if it would leave the session's hours, or overlap a break or another slot.
    """
    _require_staff(user)
    if starts_at is None or timezone.is_naive(starts_at):
        raise WorkflowError(_("Indiquez l’heure de début du créneau."))
    with transaction.atomic():
        # The session row is the lock that serialises every change to its slots.
        session = _lock_session(slot.session_id)
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
            "hearing_move_slot",
            locked,
            data={"old": old, "new": (start.isoformat(), end.isoformat())},
        )
        return locked


def mark_absent(user, slot, *, absent=True) -> HearingSlot:
    """Record that the administration did (not) attend its hearing."""
    _require_staff(user)
    with transaction.atomic():
        locked = _lock_slot(slot)
        absent = bool(absent)
        if locked.absent != absent:
            locked.absent = absent
            locked.save(update_fields=["absent"])
            audit.record(user, "hearing_absent" if absent else "hearing_present", locked.dossier)
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


# Publication ----------------------------------------------------------------------------


def _published_snapshot(session) -> dict | None:
    if session.published_at is None:
        return None
    # Newest first; ``values_list`` because ``history`` joins the actor, which ``only`` forbids.
    return (
        audit.history(session).filter(action=PUBLISH_ACTION).values_list("data", flat=True).first()
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


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/")


def _applicant_recipients(dossiers) -> dict[int, list[str]]:
    """Per dossier: its administration's active agents and the dossier's contact."""
    by_administration: dict[int, list[str]] = {}
    for administration_id, email in Membership.objects.filter(
        administration_id__in={d.administration_id for d in dossiers}, user__is_active=True
    ).values_list("administration_id", "user__email"):
        by_administration.setdefault(administration_id, []).append(email)
    return {
        d.pk: [*by_administration.get(d.administration_id, []), d.contact_email] for d in dossiers
    }


def publish_schedule(user, session) -> dict:
    """Publish the session's schedule and email the administrations and the jurors.

    Returns ``{"applicants": n, "jurors": n}``, the number of emails queued by kind.
    """
    _require_staff(user)
    with transaction.atomic():
        locked = _lock_session(session)
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
        site = _site_url()
        recipients = _applicant_recipients([s.dossier for s in slots])
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
            PUBLISH_ACTION,
            locked,
            data={
                **current,
                "notified": sorted(s.dossier_id for s in slots if s.dossier_id in changed),
            },
        )
        return {"applicants": n_applicants, "jurors": n_jurors}
