"""The home page is kept whole for anonymous visitors, and changes the moment what it lists
does: a call or programme edited, a call opening or closing by itself, results published."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Call
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def get(client, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", headers=headers)
    return response, len(queries)


def test_anonymous_visitors_share_one_copy_until_a_call_changes(client):
    call = CallFactory(title="Appel des territoires")
    first, rendering = get(client)
    assert first.status_code == 200
    assert "Appel des territoires" in first.content.decode()
    again, validating = get(client)
    assert again.content == first.content
    # Only the validators are read (results and the calls' latest change), not the lists.
    assert validating < rendering

    etag = again.headers["ETag"]
    assert get(client, if_none_match=etag)[0].status_code == 304

    call.title = "Appel des territoires, deuxième édition"
    call.save()
    edited, _ = get(client)
    assert "deuxième édition" in edited.content.decode()
    assert edited.headers["ETag"] != etag


def test_a_call_opening_by_itself_shows_at_once(client):
    now = timezone.now()
    call = CallFactory(title="Appel à venir", opens_at=now + DAY, closes_at=now + 30 * DAY)
    before = get(client)[0].content.decode()
    assert "Aucun appel n’est ouvert aujourd’hui." in before
    assert 'id="upcoming-calls"' in before
    # Its opening date comes: no row is saved, the page changes all the same.
    Call.objects.filter(pk=call.pk).update(opens_at=timezone.now())
    after = get(client)[0].content.decode()
    assert "Aucun appel n’est ouvert aujourd’hui." not in after
    assert 'id="upcoming-calls"' not in after
    assert "Appel à venir" in after


def test_a_signed_in_visitor_never_gets_nor_fills_the_anonymous_copy(client):
    CallFactory()
    anonymous = get(client)[0].content.decode()
    user = UserFactory(first_name="Camille", last_name="Martin")
    client.force_login(user)
    signed_in = get(client)[0].content.decode()
    assert "Camille Martin" in signed_in
    client.logout()
    assert "Camille Martin" not in get(client)[0].content.decode()
    assert "Camille Martin" not in anonymous
