"""The status of a call is derived from its dates: the Python property and the SQL annotation
agree at every instant, including at the exact boundaries and around the DST changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calls.models import Call, CallStatus
from tests.factories import CallFactory, ContinuousCallFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SECOND = timedelta(seconds=1)

# Instants given in Paris wall-clock time around the DST changes, with their UTC value.
# 2021-03-28: clocks jump from 02:00 CET to 03:00 CEST (02:30 does not exist).
# 2020-10-25: clocks go back from 03:00 CEST to 02:00 CET (02:30 happens twice).
DST_INSTANTS = {
    "spring_last_cet_second": (
        datetime(2021, 3, 28, 1, 59, 59, tzinfo=PARIS),
        datetime(2021, 3, 28, 0, 59, 59, tzinfo=UTC),
    ),
    "spring_first_cest_instant": (
        datetime(2021, 3, 28, 3, 0, tzinfo=PARIS),
        datetime(2021, 3, 28, 1, 0, tzinfo=UTC),
    ),
    "autumn_first_0230_cest": (
        datetime(2020, 10, 25, 2, 30, tzinfo=PARIS, fold=0),
        datetime(2020, 10, 25, 0, 30, tzinfo=UTC),
    ),
    "autumn_second_0230_cet": (
        datetime(2020, 10, 25, 2, 30, tzinfo=PARIS, fold=1),
        datetime(2020, 10, 25, 1, 30, tzinfo=UTC),
    ),
}


def around(instant):
    """One second before, at, and one second after ``instant`` (in absolute time, not wall
    clock: subtracting from a Paris datetime would step over the DST change)."""
    utc = instant.astimezone(UTC)
    return utc - SECOND, utc, utc + SECOND


def status(call, now) -> CallStatus:
    """The status by the Python rule, after checking the SQL annotation says the same."""
    python = call.status_at(now)
    annotated = Call.objects.with_status(now=now).get(pk=call.pk)
    assert annotated.status_value == python, (now, annotated.status_value, python)
    assert annotated.status == python  # the property reuses the annotation
    return python


def saved(call):
    # Read back from the database so both rules see the stored instants.
    return Call.objects.get(pk=call.pk)


@pytest.mark.parametrize("name", DST_INSTANTS)
def test_paris_instants_are_the_expected_absolute_instants(name):
    paris_time, utc_time = DST_INSTANTS[name]
    # Compared in UTC: Python never finds an ambiguous (fold) time equal across zones.
    assert paris_time.astimezone(UTC) == utc_time
    call = saved(CallFactory(opens_at=paris_time - timedelta(days=30), closes_at=paris_time))
    assert call.closes_at == utc_time


@pytest.mark.parametrize("name", DST_INSTANTS)
def test_closing_boundary_around_dst(name):
    closes_at, _ = DST_INSTANTS[name]
    call = saved(CallFactory(opens_at=closes_at - timedelta(days=30), closes_at=closes_at))
    before, at, after = around(closes_at)
    assert status(call, before) == CallStatus.OPEN
    assert status(call, at) == CallStatus.CLOSED  # the closing instant itself is excluded
    assert status(call, after) == CallStatus.CLOSED


@pytest.mark.parametrize("name", DST_INSTANTS)
def test_opening_boundary_around_dst(name):
    opens_at, _ = DST_INSTANTS[name]
    call = saved(CallFactory(opens_at=opens_at, closes_at=opens_at + timedelta(days=30)))
    before, at, after = around(opens_at)
    assert status(call, before) == CallStatus.UPCOMING
    assert status(call, at) == CallStatus.OPEN  # the opening instant is included
    assert status(call, after) == CallStatus.OPEN


def test_ambiguous_autumn_time_depends_on_fold():
    """Closing at the second 02:30 (CET): at the first 02:30 (CEST), an hour earlier, the
    call is still open; one second before the second 02:30 too."""
    first, _ = DST_INSTANTS["autumn_first_0230_cest"]
    second, _ = DST_INSTANTS["autumn_second_0230_cet"]
    call = saved(CallFactory(opens_at=first - timedelta(days=1), closes_at=second))
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert status(call, first) == CallStatus.OPEN
    assert status(call, second.astimezone(UTC) - SECOND) == CallStatus.OPEN
    assert status(call, second) == CallStatus.CLOSED


def test_continuous_window_without_closing_date_stays_open():
    opens_at = datetime(2021, 2, 1, tzinfo=PARIS)
    call = saved(ContinuousCallFactory(opens_at=opens_at))
    before, at, after = around(opens_at)
    assert status(call, before) == CallStatus.UPCOMING
    assert status(call, at) == CallStatus.OPEN
    assert status(call, after) == CallStatus.OPEN
    assert status(call, datetime(2031, 2, 1, tzinfo=PARIS)) == CallStatus.OPEN


def test_results_published_at_their_publication_instant():
    closes_at = datetime(2020, 12, 15, 23, 59, 59, tzinfo=PARIS)
    published_at = datetime(2021, 3, 3, 12, 4, tzinfo=PARIS)
    call = CallFactory(opens_at=datetime(2020, 10, 27, 9, tzinfo=PARIS), closes_at=closes_at)
    Call.objects.filter(pk=call.pk).update(results_published_at=published_at)
    call = saved(call)
    before, at, after = around(published_at)
    assert status(call, closes_at) == CallStatus.CLOSED
    assert status(call, before) == CallStatus.CLOSED
    assert status(call, at) == CallStatus.RESULTS_PUBLISHED
    assert status(call, after) == CallStatus.RESULTS_PUBLISHED


def test_python_and_sql_agree_on_a_grid_of_calls_and_instants():
    base = datetime(2020, 10, 25, 2, 30, tzinfo=PARIS, fold=1)
    calls = [
        CallFactory(opens_at=base, closes_at=base + timedelta(days=10)),
        CallFactory(opens_at=base - timedelta(days=10), closes_at=base),
        ContinuousCallFactory(opens_at=base),
        ContinuousCallFactory(opens_at=base, closes_at=base + timedelta(hours=1)),
    ]
    published = CallFactory(opens_at=base - timedelta(days=20), closes_at=base - timedelta(days=5))
    Call.objects.filter(pk=published.pk).update(results_published_at=base)
    calls = [saved(c) for c in [*calls, published]]
    offsets = [-86400, -3600, -1, 0, 1, 3599, 3600, 3601, 86400 * 10, 86400 * 11]
    for offset in offsets:
        now = base.astimezone(UTC) + timedelta(seconds=offset)
        annotated = {c.pk: c.status_value for c in Call.objects.with_status(now=now)}
        for call in calls:
            assert annotated[call.pk] == call.status_at(now), (offset, call)


def test_open_and_with_status_in_filter_in_sql():
    now = datetime(2021, 3, 28, 3, 0, tzinfo=PARIS)
    open_call = CallFactory(opens_at=now, closes_at=now + timedelta(days=1))
    upcoming = CallFactory(opens_at=now + SECOND, closes_at=now + timedelta(days=1))
    closed = CallFactory(opens_at=now - timedelta(days=1), closes_at=now)
    assert list(Call.objects.open(now=now)) == [open_call]
    assert set(Call.objects.with_status_in([CallStatus.UPCOMING, CallStatus.CLOSED], now=now)) == {
        upcoming,
        closed,
    }
    assert saved(open_call).is_open_at(now)
    assert not saved(closed).is_open_at(now)


def test_status_property_without_annotation_uses_the_current_time():
    call = saved(CallFactory())  # opened 10 days ago, closes in 20 days
    assert not hasattr(call, "status_value")
    assert call.status == CallStatus.OPEN
    assert call.is_open
