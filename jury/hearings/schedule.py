"""Hearing slots laid out in a day: a pure function, no database.

Slots follow each other from the session start, separated by ``gap`` minutes; a slot never
overlaps a break (it starts when the break ends) and never ends after the session end. A
slot ending exactly when a break starts, or starting exactly when it ends, is fine: intervals
are half-open, ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Any fixed day works for arithmetic on times of one session.
_DAY = date(2000, 1, 3)


class ScheduleError(ValueError):
    """The items do not all fit; ``fitting`` says how many would."""

    def __init__(self, message, *, fitting: int, needed: int):
        super().__init__(message)
        self.message = message
        self.fitting = fitting
        self.needed = needed


def _dt(value: time) -> datetime:
    return datetime.combine(_DAY, value)


def _clean_breaks(breaks: Iterable[tuple[time, time]]) -> list[tuple[datetime, datetime]]:
    cleaned = []
    for start, end in breaks:
        if end <= start:
            raise ValueError(
                _("Une pause doit finir après son début (%(start)s–%(end)s).")
                % {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
            )
        cleaned.append((_dt(start), _dt(end)))
    return sorted(cleaned)


def slot_times(
    *,
    starts_at: time,
    ends_at: time,
    slot_minutes: int,
    gap_minutes: int = 0,
    breaks: Iterable[tuple[time, time]] = (),
    limit: int | None = None,
) -> list[tuple[time, time]]:
    """Every slot that fits in the session (at most ``limit``), in order."""
    if slot_minutes <= 0:
        raise ValueError(_("La durée d’une audition doit être positive."))
    if gap_minutes < 0:
        raise ValueError(_("Le battement entre deux auditions ne peut pas être négatif."))
    if ends_at <= starts_at:
        raise ValueError(_("La session doit finir après son début."))
    pauses = _clean_breaks(breaks)
    length = timedelta(minutes=slot_minutes)
    gap = timedelta(minutes=gap_minutes)
    end_of_day = _dt(ends_at)
    cursor = _dt(starts_at)
    slots: list[tuple[time, time]] = []
    while limit is None or len(slots) < limit:
        start = cursor
        # Jump past every break the slot would touch; breaks are sorted, so one pass
        # over them (restarted after each jump) settles on the first free position.
        moved = True
        while moved:
            moved = False
            for pause_start, pause_end in pauses:
                if pause_start < start + length and pause_end > start:
                    start = pause_end
                    moved = True
        end = start + length
        if end > end_of_day:
            break
        slots.append((start.time(), end.time()))
        cursor = end + gap
    return slots


def build_schedule(
    items: Sequence,
    *,
    starts_at: time,
    ends_at: time,
    slot_minutes: int,
    gap_minutes: int = 0,
    breaks: Iterable[tuple[time, time]] = (),
) -> list[tuple[time, time]]:
    """The ``(start, end)`` of each item, in the items' order.

    Raises :class:`ScheduleError` (saying how many fit) when they do not all fit.
    """
    needed = len(items)
    slots = slot_times(
        starts_at=starts_at,
        ends_at=ends_at,
        slot_minutes=slot_minutes,
        gap_minutes=gap_minutes,
        breaks=breaks,
        limit=needed + 1,
    )
    if len(slots) < needed:
        fitting = len(slots)
        raise ScheduleError(
            ngettext(
                "%(fitting)s audition sur %(needed)s tient dans la session : allongez la "
                "session, réduisez la durée des auditions, les battements ou les pauses, ou "
                "répartissez les dossiers sur plusieurs sessions.",
                "%(fitting)s auditions sur %(needed)s tiennent dans la session : allongez la "
                "session, réduisez la durée des auditions, les battements ou les pauses, ou "
                "répartissez les dossiers sur plusieurs sessions.",
                fitting,
            )
            % {"fitting": fitting, "needed": needed},
            fitting=fitting,
            needed=needed,
        )
    return slots[:needed]


def intervals_overlap(a_start, a_end, b_start, b_end) -> bool:
    """Half-open intervals: touching ends do not overlap."""
    return a_start < b_end and b_start < a_end
