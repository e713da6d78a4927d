"""Sessions end after inactivity: 2 hours for staff, 12 hours for others (by default), both
set by the environment. The last activity is kept in the session; these tests move it back in
time instead of waiting."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from relance.middleware import SessionIdleTimeoutMiddleware
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = SessionIdleTimeoutMiddleware.SESSION_KEY
HOUR = 3600


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def idle_for(client, seconds):
    session = client.session
    session[KEY] = int(time.time()) - seconds
    session.save()


def assert_expired(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert not get_user(client).is_authenticated
    page = client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert any("Votre session a expiré après" in m for m in messages), messages


def test_an_agent_s_session_ends_after_twelve_hours_of_inactivity(client):
    sign_in(client, UserFactory())
    # The clock starts at the sign-in; the session's own expiry follows it.
    assert client.session.get_expiry_age() == 12 * HOUR
    idle_for(client, 11 * HOUR)
    assert client.get(reverse("submissions:dossier_list")).status_code == 200
    assert get_user(client).is_authenticated
    idle_for(client, 12 * HOUR + 60)
    assert_expired(client, reverse("submissions:dossier_list"))


def test_a_staff_session_ends_after_two_hours(client):
    sign_in(client, StaffFactory())
    assert client.session.get_expiry_age() == 2 * HOUR
    idle_for(client, 2 * HOUR - 60)
    assert client.get(reverse("submissions:instruction_home")).status_code == 200
    idle_for(client, 2 * HOUR + 60)
    assert_expired(client, reverse("submissions:instruction_home"))


def test_each_request_moves_the_clock(client):
    sign_in(client, UserFactory())
    idle_for(client, 11 * HOUR)
    client.get(reverse("home"))
    # Ten more hours later, it is 10 hours since the last request, not 21 since the sign-in.
    session = client.session
    assert int(time.time()) - session[KEY] < 60
    idle_for(client, 10 * HOUR)
    assert client.get(reverse("submissions:dossier_list")).status_code == 200


def test_the_limits_come_from_the_settings(client, settings):
    settings.RELANCE_SESSION_IDLE_SECONDS = 15 * 60
    sign_in(client, UserFactory())
    idle_for(client, 16 * 60)
    response = client.get(reverse("submissions:dossier_list"))
    page = client.get(response["Location"])
    assert any("après 15 min sans activité" in str(m) for m in page.context["messages"])


def test_anonymous_visitors_are_left_alone(client):
    assert client.get(reverse("home")).status_code == 200
    assert KEY not in client.session
