"""The login throttle holds across app servers: its failures are rows of the shared database.

Two gunicorn servers (``DEBUG=0``, the production settings) run on the test database, as in
tests/relance/test_multi_node.py. Ten wrong passwords on server A lock the account; the
eleventh login, with the right password, is refused on server B with the French lockout page,
and B's admin login refuses it too. Then an administrator unlocks it on B, and it signs in on A.
"""

from __future__ import annotations

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.factories import UserFactory
from tests.relance import test_multi_node as nodes
from tests.relance.test_production import database_url_of_the_test_database

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.tasks_by_hand]

PASSWORD = "Evaluer-Sur-Deux-Serveurs-2021"
# collectstatic once for the module, as the multi-node test does (DEBUG=0 serves its manifest).
static_root = nodes.static_root


def account(email: str, **extra):
    user = UserFactory(email=email, **extra)
    # The servers verify passwords with the production hashers, not the tests' MD5.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


def post_login(base: str, email: str, password: str, path="/compte/connexion/"):
    session = requests.Session()
    token = nodes.csrf_token(session.get(f"{base}{path}", timeout=30))
    response = session.post(
        f"{base}{path}",
        data={"csrfmiddlewaretoken": token, "username": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    return session, response


def test_a_lockout_on_one_server_holds_on_the_other(static_root):
    expert = account("expert@exemple.fr")
    admin = account("admin@exemple.fr", is_staff=True, is_superuser=True)
    env = nodes.production_env(
        DATABASE_URL=database_url_of_the_test_database(), STATIC_ROOT=str(static_root)
    )
    with nodes.app_server(env) as server_a, nodes.app_server(env) as server_b:
        # The administrator signs in on B before anything is locked (same address).
        admin_session, response = post_login(server_b, admin.email, PASSWORD, "/admin/login/")
        assert response.status_code == 302

        for attempt in range(10):
            _, response = post_login(server_a, expert.email, f"mauvais-{attempt}")
        assert response.status_code == 429
        assert AccessAttempt.objects.get(username=expert.email).failures_since_start == 10

        # The eleventh, right this time, on the other server: refused, in French.
        session, response = post_login(server_b, expert.email, PASSWORD)
        assert response.status_code == 429
        assert "Connexion temporairement bloquée" in response.text
        assert "même avec le bon mot de passe" in response.text
        assert session.get(f"{server_b}/dossiers/", allow_redirects=False).status_code == 302
        _, response = post_login(server_b, expert.email, PASSWORD, "/admin/login/")
        assert response.status_code == 429

        # An administrator unlocks the account on B (the admin's action); it signs in on A.
        changelist = f"{server_b}/admin/relance/user/"
        token = nodes.csrf_token(admin_session.get(changelist, timeout=30))
        response = admin_session.post(
            changelist,
            data={
                "csrfmiddlewaretoken": token,
                "action": "unlock_logins",
                "_selected_action": [expert.pk],
            },
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302
        assert not AccessAttempt.objects.filter(username=expert.email).exists()
        # The address's count was these same rows: it is lifted with them.
        _, response = post_login(server_a, expert.email, PASSWORD)
        assert response.status_code == 302, response.text[:500]
