"""French formatting of amounts and of dates in Paris time."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from relance.formatting import (
    format_euros,
    format_number,
    format_paris_date,
    format_paris_datetime,
)

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


@pytest.mark.parametrize(
    "amount,expected",
    [
        (Decimal("100000"), f"100{NBSP}000{NBSP}€"),
        (Decimal("100000.00"), f"100{NBSP}000{NBSP}€"),
        (Decimal("99999.99"), f"99{NBSP}999,99{NBSP}€"),
        (Decimal("1234567.5"), f"1{NBSP}234{NBSP}567,50{NBSP}€"),
        (Decimal("999"), f"999{NBSP}€"),
        (Decimal("0.01"), f"0,01{NBSP}€"),
        (Decimal("-1500"), f"-1{NBSP}500{NBSP}€"),
        (None, ""),
    ],
)
def test_euros(amount, expected):
    assert format_euros(amount) == expected


def test_euros_filter_in_a_template():
    template = Template("{% load relance_format %}{{ amount|euros }}")
    assert template.render(Context({"amount": Decimal("100000")})) == f"100{NBSP}000{NBSP}€"


@pytest.mark.parametrize(
    "instant,date,datetime_text",
    [
        # Winter (CET, UTC+1): 23:30 UTC is already the next day in Paris.
        (datetime(2021, 1, 31, 23, 30, tzinfo=UTC), "1er février 2021", "1er février 2021 à 00:30"),
        # Summer (CEST, UTC+2).
        (datetime(2021, 6, 15, 21, 59, 59, tzinfo=UTC), "15 juin 2021", "15 juin 2021 à 23:59"),
        # The ambiguous autumn hour: 00:30 and 01:30 UTC are both 02:30 in Paris.
        (datetime(2020, 10, 25, 0, 30, tzinfo=UTC), "25 octobre 2020", "25 octobre 2020 à 02:30"),
        (datetime(2020, 10, 25, 1, 30, tzinfo=UTC), "25 octobre 2020", "25 octobre 2020 à 02:30"),
    ],
)
def test_paris_dates(instant, date, datetime_text):
    assert format_paris_date(instant) == date
    assert format_paris_datetime(instant) == datetime_text


def test_a_missing_template_value_shows_nothing():
    template = Template(
        "{% load relance_format %}[{{ missing|paris_date }}{{ missing|paris_time }}]"
    )
    assert template.render(Context({})) == "[]"


def test_a_plain_date_is_shown_as_is():
    # A committee session's day, say: no time zone to convert.
    assert format_paris_date(date(2021, 3, 1)) == "1er mars 2021"
    assert format_paris_date(date(2021, 3, 15)) == "15 mars 2021"


def test_paris_dates_do_not_depend_on_the_active_time_zone():
    instant = datetime(2021, 6, 15, 21, 59, 59, tzinfo=UTC)
    template = Template("{% load relance_format %}{{ when|paris_datetime }}")

    with timezone.override("America/New_York"):
        assert template.render(Context({"when": instant})) == "15 juin 2021 à 23:59"


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("1.00"), "1"),
        (Decimal("2.50"), "2,5"),
        (Decimal("10.00"), "10"),
        (Decimal("0.25"), "0,25"),
        (Decimal("12000"), f"12{NBSP}000"),
        (None, ""),
    ],
)
def test_number(value, expected):
    assert format_number(value) == expected
