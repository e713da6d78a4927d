"""Password logins are throttled per account and per address (django-axes, in the database).

After ``AXES_FAILURE_LIMIT`` (10) failures in a row, the next login is refused even with the
right password, on the login page and the admin's, with a French page; the password reset
still works and lifts the lock; staff unlock an account from the admin. The lock holding
across two app processes is tested in tests/relance/test_login_throttle_nodes.py.
"""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from relance.auth import client_ip
from relance.models import AuditEntry
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.relance.dom import parse

pytestmark = pytest.mark.django_db

LIMIT = 10
NEW_PASSWORD = "un-nouveau-mot-de-passe-solide-2024"


def login(client, email, password, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def fail(client, email, times=LIMIT, **extra):
    for attempt in range(times):
        response = login(client, email, f"mauvais-mot-de-passe-{attempt}", **extra)
        # Each failure before the limit is the usual form error.
        if attempt < times - 1:
            assert response.status_code == 200
            assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    return response


def assert_lockout_page(response):
    assert response.status_code == 429
    root = parse(response.content)
    assert root.one("html").get("lang") == "fr"
    assert root.one("h1").text() == "Connexion temporairement bloquée"
    text = root.one("main").text()
    assert "même avec le bon mot de passe" in text
    assert "30 minutes" in text
    assert root.one("a", id="lockout-password-reset").get("href") == reverse("password_reset")


def test_the_eleventh_login_is_refused_even_with_the_right_password(client):
    user = UserFactory(email="expert@exemple.fr")
    tenth = fail(client, user.email)
    # The tenth failure locks: the page says so at once.
    assert_lockout_page(tenth)
    response = login(client, user.email, DEFAULT_PASSWORD)
    assert_lockout_page(response)
    assert not get_user(client).is_authenticated


def test_nine_failures_then_the_right_password_signs_in_and_resets_the_count(client):
    user = UserFactory()
    fail(client, user.email, times=LIMIT - 1)
    response = login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert get_user(client).pk == user.pk
    client.logout()
    fail(client, user.email, times=LIMIT - 1)
    assert login(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_the_case_of_the_address_does_not_start_a_new_count(client):
    user = UserFactory(email="expert@exemple.fr")
    for attempt in range(LIMIT):
        email = "Expert@Exemple.fr" if attempt % 2 else "EXPERT@exemple.FR"
        login(client, email, "mauvais", REMOTE_ADDR=f"192.0.2.{attempt + 1}")
    # Each failure came from another address: the account's count alone locks it.
    assert_lockout_page(login(client, user.email, DEFAULT_PASSWORD, REMOTE_ADDR="192.0.2.99"))


def test_one_address_trying_many_accounts_is_locked_out(client):
    for n in range(LIMIT):
        login(client, f"inconnu{n}@exemple.fr", "mauvais", REMOTE_ADDR="198.51.100.7")
    victim = UserFactory()
    assert_lockout_page(login(client, victim.email, DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.7"))
    # From another address, the account itself is not locked.
    other = Client()
    response = login(other, victim.email, DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 302


def test_the_admin_login_is_throttled_too(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for attempt in range(LIMIT):
        response = client.post(url, {"username": admin.email, "password": f"mauvais-{attempt}"})
    assert_lockout_page(response)
    response = client.post(url, {"username": admin.email, "password": DEFAULT_PASSWORD})
    assert_lockout_page(response)
    assert not get_user(client).is_authenticated
    # The lock is the account's, wherever it is tried: the site's login page refuses too.
    assert_lockout_page(login(Client(), admin.email, DEFAULT_PASSWORD, REMOTE_ADDR="192.0.2.50"))


def test_the_password_reset_still_works_and_lifts_the_lock(client, mailoutbox):
    user = UserFactory(email="expert@exemple.fr", email_confirmed_at=None)
    fail(client, user.email)
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[0].body).group(1)
    response = client.get(link, follow=True)
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("password_reset_complete")
    assert not AccessAttempt.objects.filter(username=user.email).exists()
    response = login(client, user.email, NEW_PASSWORD, REMOTE_ADDR="192.0.2.60")
    assert response.status_code == 302
    user.refresh_from_db()
    # The emailed link proved the address too.
    assert user.email_confirmed


def test_staff_unlock_an_account_from_the_admin(client):
    user = UserFactory(email="expert@exemple.fr")
    fail(Client(), user.email)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:relance_user_changelist")
    response = client.post(
        changelist, {"action": "unlock_logins", "_selected_action": [user.pk]}, follow=True
    )
    assert "1 compte débloqué" in response.content.decode()
    entry = AuditEntry.objects.get(action="account_unlock")
    assert entry.actor == admin and entry.data["email"] == user.email
    assert login(Client(), user.email, DEFAULT_PASSWORD).status_code == 302


def test_the_admin_lists_the_attempts_and_deleting_one_unlocks(client):
    user = UserFactory(email="expert@exemple.fr")
    fail(Client(), user.email, REMOTE_ADDR="192.0.2.70")
    attempt = AccessAttempt.objects.get(username=user.email)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and user.email in listing.content.decode()
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(action="admin_delete").exists()
    assert (
        login(Client(), user.email, DEFAULT_PASSWORD, REMOTE_ADDR="192.0.2.70").status_code == 302
    )


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.1", REMOTE_ADDR="10.0.0.2")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    # The last entry is the one our proxy appended; the first is whatever the client sent.
    assert client_ip(request) == "192.0.2.1"


def test_a_proconnect_sign_in_is_not_held_by_a_locked_address(client, proconnect):
    from tests.relance.test_proconnect import sign_in

    for n in range(LIMIT):
        login(client, f"inconnu{n}@exemple.fr", "mauvais")
    response = sign_in(client)
    assert response.status_code == 302
    assert get_user(client).is_authenticated
