"""Public pages run the same number of queries whatever the number of calls, categories and
criteria."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from tests.factories import (
    CallFactory,
    CategoryFactory,
    ContinuousCallFactory,
    CriterionFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url, params=None) -> int:
    cache.clear()  # cached fragments would spare queries on the second request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_calls(programmes, count):
    """``count`` calls in every status, spread over the programmes, with categories and
    criteria."""
    now = timezone.now()
    for i in range(count):
        programme = programmes[i % len(programmes)]
        kind = i % 4
        if kind == 0:
            call = CallFactory(programme=programme)  # open
        elif kind == 1:
            call = CallFactory(
                programme=programme,
                opens_at=now + timedelta(days=5),
                closes_at=now + timedelta(days=9),
            )
        elif kind == 2:
            call = CallFactory(
                programme=programme,
                opens_at=now - timedelta(days=9),
                closes_at=now - timedelta(days=5),
                is_demo=True,
            )
            Call.objects.filter(pk=call.pk).update(results_published_at=now - timedelta(days=1))
        else:
            call = ContinuousCallFactory(programme=programme)
        CategoryFactory(call=call)
        CriterionFactory(call=call)


@pytest.fixture
def programmes():
    return [ProgrammeFactory(slug="premier"), ProgrammeFactory(slug="second")]


PAGES = [
    ("home", "/", None),
    ("list", reverse("calls:list"), None),
    ("list by status", reverse("calls:list"), {"status": "open"}),
    ("list by programme", reverse("calls:list"), {"programme": "premier"}),
    ("list by both", reverse("calls:list"), {"status": "upcoming", "programme": "second"}),
]


@pytest.mark.parametrize("name,url,params", PAGES, ids=[p[0] for p in PAGES])
def test_list_pages_run_a_constant_number_of_queries(client, programmes, name, url, params):
    add_calls(programmes, 2)
    small = count_queries(client, url, params)
    add_calls(programmes, 28)  # 30 calls in all: the list paginates
    large = count_queries(client, url, params)
    assert small == large


def test_list_second_page_runs_as_many_queries_as_the_first(client, programmes):
    add_calls(programmes, 50)
    url = reverse("calls:list")
    assert count_queries(client, url, {"page": 2}) == count_queries(client, url)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
def test_detail_runs_a_constant_number_of_queries(client, user, logged_in):
    if logged_in:
        client.force_login(user)
    call = ContinuousCallFactory(is_demo=True)
    for _ in range(2):
        CategoryFactory(call=call)
        CriterionFactory(call=call)
    small = count_queries(client, call.get_absolute_url())
    for _ in range(10):
        CategoryFactory(call=call)
        CriterionFactory(call=call)
    large = count_queries(client, call.get_absolute_url())
    assert small == large
    # The call (with its programme), its categories, its criteria; a window's section reads
    # the results validator, its published committee sessions and its last correction's date.
    if not logged_in:
        assert small == 6
