"""The hearing schedule generator, a pure function: no database."""

from datetime import time
from itertools import combinations, pairwise

import pytest

from jury.hearings.schedule import ScheduleError, build_schedule, intervals_overlap, slot_times

LUNCH = (time(12, 30), time(13, 30))
# The reference case: 33 preselected dossiers heard in one day.
DAY = {
    "starts_at": time(8, 30),
    "ends_at": time(18, 30),
    "slot_minutes": 15,
    "breaks": [LUNCH],
}


def minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def assert_no_overlap(slots):
    for (a_start, a_end), (b_start, b_end) in combinations(slots, 2):
        assert not intervals_overlap(a_start, a_end, b_start, b_end), (a_start, b_start)


def assert_outside_breaks(slots, breaks):
    for start, end in slots:
        for b_start, b_end in breaks:
            assert not intervals_overlap(start, end, b_start, b_end), (start, b_start)


def test_the_33_hearings_of_the_reference_case_fit_in_one_day():
    slots = build_schedule(list(range(33)), **DAY)

    assert len(slots) == 33
    assert slots[0] == (time(8, 30), time(8, 45))
    assert all(minutes(end) - minutes(start) == 15 for start, end in slots)
    assert all(time(8, 30) <= start and end <= time(18, 30) for start, end in slots)
    assert_no_overlap(slots)
    assert_outside_breaks(slots, [LUNCH])
    # In order, one after the other, resuming exactly when lunch ends.
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(slots))
    assert (time(12, 15), time(12, 30)) in slots
    assert (time(13, 30), time(13, 45)) in slots
    assert slots[-1] == (time(17, 30), time(17, 45))


def test_the_whole_day_holds_36_slots_of_15_minutes():
    slots = slot_times(**DAY)
    assert len(slots) == 36  # 10 hours minus 1 hour for lunch
    assert slots[-1][1] == time(18, 30)
    assert_no_overlap(slots)
    assert_outside_breaks(slots, [LUNCH])


def test_several_breaks_given_in_any_order_are_all_skipped():
    breaks = [(time(16, 0), time(16, 15)), LUNCH, (time(10, 30), time(10, 45))]
    slots = slot_times(
        starts_at=time(8, 30), ends_at=time(19, 0), slot_minutes=15, gap_minutes=5, breaks=breaks
    )

    assert_no_overlap(slots)
    assert_outside_breaks(slots, breaks)
    starts = [start for start, _ in slots]
    assert time(10, 45) in starts and time(13, 30) in starts and time(16, 15) in starts
    assert all(minutes(end) - minutes(start) == 15 for start, end in slots)


def test_a_slot_that_would_straddle_a_break_starts_after_it():
    # 20-minute slots from 9:00: 9:00, 9:20, then 9:40–10:00 would cut the 9:50 break.
    slots = slot_times(
        starts_at=time(9, 0),
        ends_at=time(11, 0),
        slot_minutes=20,
        breaks=[(time(9, 50), time(10, 5))],
    )
    assert slots == [
        (time(9, 0), time(9, 20)),
        (time(9, 20), time(9, 40)),
        (time(10, 5), time(10, 25)),
        (time(10, 25), time(10, 45)),
    ]


def test_touching_a_break_is_allowed():
    slots = slot_times(
        starts_at=time(9, 0),
        ends_at=time(10, 0),
        slot_minutes=15,
        breaks=[(time(9, 15), time(9, 30))],
    )
    assert slots == [
        (time(9, 0), time(9, 15)),
        (time(9, 30), time(9, 45)),
        (time(9, 45), time(10, 0)),
    ]


def test_the_gap_separates_consecutive_slots():
    slots = slot_times(starts_at=time(9, 0), ends_at=time(10, 0), slot_minutes=15, gap_minutes=5)
    assert slots == [
        (time(9, 0), time(9, 15)),
        (time(9, 20), time(9, 35)),
        (time(9, 40), time(9, 55)),
    ]


def test_items_keep_their_order():
    items = ["CAT1-R1-001", "CAT1-R1-004", "CAT2-R1-002"]
    slots = build_schedule(items, starts_at=time(9, 0), ends_at=time(10, 0), slot_minutes=20)
    assert slots == [
        (time(9, 0), time(9, 20)),
        (time(9, 20), time(9, 40)),
        (time(9, 40), time(10, 0)),
    ]


def test_not_enough_room_says_how_many_fit():
    with pytest.raises(ScheduleError) as caught:
        build_schedule(list(range(40)), **DAY)
    assert caught.value.fitting == 36
    assert caught.value.needed == 40
    assert "36 auditions sur 40" in caught.value.message


def test_a_day_filled_by_breaks_fits_nothing():
    with pytest.raises(ScheduleError) as caught:
        build_schedule(
            [1],
            starts_at=time(9, 0),
            ends_at=time(10, 0),
            slot_minutes=15,
            breaks=[(time(9, 0), time(9, 50))],
        )
    assert caught.value.fitting == 0


def test_no_item_needs_no_slot():
    assert build_schedule([], **DAY) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"slot_minutes": 0},
        {"gap_minutes": -5},
        {"ends_at": time(8, 0)},
        {"breaks": [(time(12, 0), time(11, 0))]},
    ],
)
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        slot_times(**(DAY | kwargs))


def test_intervals_are_half_open():
    assert not intervals_overlap(1, 2, 2, 3)
    assert not intervals_overlap(2, 3, 1, 2)
    assert intervals_overlap(1, 3, 2, 4)
    assert intervals_overlap(1, 4, 2, 3)
