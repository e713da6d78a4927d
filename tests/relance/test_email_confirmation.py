"""New accounts confirm their email address before they file anything.

An account made in the admin is sent a signed link; until it is opened, its owner signs in
and reads, but the creation, submission and completion of dossiers are refused with a French
message and a « Renvoyer le lien » button. Choosing a password through an emailed link proves
the address too (accounts invited to a team or a jury), as ProConnect's verified address does
(tests/relance/test_proconnect.py). Accounts made before, and the demo's, are confirmed.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from calls import team
from calls.models import ProgrammeRoleKind
from relance import accounts
from relance.models import AuditEntry, User
from submissions import workflow
from submissions.models import Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    DossierFactory,
    ProgrammeFactory,
    UserFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db


def link_in(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture
def call():
    return CallFactory(slug="donnees-1")


@pytest.fixture
def administration():
    return AdministrationFactory(name="Direction des données de test", kind="central")


@pytest.fixture
def newcomer(administration):
    return agent_of(administration, email="nouvel.agent@exemple.gouv.fr", email_confirmed_at=None)


def test_an_account_made_in_the_admin_is_sent_a_link_that_confirms_it(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:relance_user_add"),
            {
                "email": "Expert.Jury@Exemple.fr",
                "password1": "un-mot-de-passe-solide-2024",
                "password2": "un-mot-de-passe-solide-2024",
                "usable_password": "true",
            },
        )
    assert response.status_code == 302
    account = User.objects.get(email="expert.jury@exemple.fr")
    assert not account.email_confirmed
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["expert.jury@exemple.fr"]
    assert mail.subject == "Confirmez votre adresse électronique sur Relance"
    client.logout()

    # The link confirms, without signing in, once.
    page = client.get(link_in(mail))
    assert page.status_code == 200
    assert "L’adresse expert.jury@exemple.fr est confirmée" in page.content.decode()
    account.refresh_from_db()
    assert account.email_confirmed
    entry = AuditEntry.objects.get(action="email_confirm")
    assert entry.actor == account and entry.data["via"] == "link"
    again = client.get(link_in(mail))
    assert again.status_code == 200
    assert "Ce lien a expiré, a déjà servi ou est incomplet." in again.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/compte/adresse/confirmer/MQ/pas-un-jeton/",
        "/compte/adresse/confirmer/%E2%9C%93%E2%9C%93/abc-def/",
        "/compte/adresse/confirmer/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc-def/",
    ],
)
def test_a_broken_link_gets_a_french_page_never_an_error(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Lien de confirmation invalide" in response.content.decode()


def test_an_unconfirmed_agent_may_not_create_a_dossier(client, newcomer, call, administration):
    client.force_login(newcomer)
    url = reverse("submissions:dossier_create", args=[call.slug])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Confirmez votre adresse électronique" in text
    assert "nouvel.agent@exemple.gouv.fr" in text
    assert 'name="title"' not in text
    assert "Renvoyer le lien" in text
    response = client.post(
        url,
        {
            "administration": administration.pk,
            "title": "Projet",
            "token": "a3e1b7a4-2f41-4cf6-9a8e-6c3a8d1f5b2e",
        },
    )
    assert response.status_code == 403
    assert not Dossier.objects.exists()
    # The workflow refuses too, whatever calls it.
    with pytest.raises(accounts.EmailNotConfirmed):
        workflow.create_dossier(newcomer, call, administration, title="Projet")


def test_an_unconfirmed_agent_may_not_submit_a_draft(client, newcomer, call, administration):
    draft = DossierFactory(
        call=call,
        category=CategoryFactory(call=call),
        administration=administration,
        created_by=newcomer,
    )
    client.force_login(newcomer)
    url = reverse("submissions:dossier_submit", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "Confirmez votre adresse électronique" in page
    assert re.search(r"<button[^>]*disabled[^>]*>Déposer le dossier", page)
    response = client.post(url)
    assert response.status_code == 200
    assert "Confirmez d’abord votre adresse électronique" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == DossierState.DRAFT


def test_renvoyer_le_lien_sends_one_link_a_minute(
    client, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(newcomer)
    url = reverse("email_confirmation_resend")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": "/dossiers/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/dossiers/"
    assert any(
        "Un nouveau lien de confirmation a été envoyé" in str(m)
        for m in response.context["messages"]
    )
    assert len(mailoutbox) == 1
    response = client.post(url, {"next": "/dossiers/"}, follow=True)
    assert any("Un lien vient d’être envoyé" in str(m) for m in response.context["messages"])
    assert len(mailoutbox) == 1
    # The link works: the agent creates a dossier.
    client.get(link_in(mailoutbox[0]))
    newcomer.refresh_from_db()
    assert newcomer.email_confirmed
    page = client.get(reverse("submissions:dossier_list")).content.decode()
    assert "Confirmez votre adresse électronique" not in page


def test_the_resend_action_is_for_signed_in_accounts_and_post_only(client, newcomer):
    url = reverse("email_confirmation_resend")
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(newcomer)
    assert client.get(url).status_code == 405
    # Never sent elsewhere than this site.
    response = client.post(url, {"next": "https://ailleurs.example/"})
    assert response["Location"] == reverse("home")


def test_a_password_chosen_through_an_invitation_confirms_the_address(client, mailoutbox):
    programme = ProgrammeFactory()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    role = team.grant_role(
        superuser,
        programme,
        email="nouvelle.responsable@exemple.gouv.fr",
        role=ProgrammeRoleKind.MANAGER,
    )
    account = role.user
    assert not account.email_confirmed
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    set_password_url = response.redirect_chain[-1][0]
    client.post(
        set_password_url,
        {
            "new_password1": "un-mot-de-passe-solide-2024",
            "new_password2": "un-mot-de-passe-solide-2024",
        },
    )
    account.refresh_from_db()
    assert account.email_confirmed
    assert AuditEntry.objects.get(action="email_confirm").data["via"] == "password_link"


def test_accounts_made_before_are_confirmed_by_the_migration():
    migration = importlib.import_module("relance.migrations.0005_email_confirmation")
    old = UserFactory(email_confirmed_at=None)
    migration.existing_accounts_confirmed(apps, None)
    old.refresh_from_db()
    assert old.email_confirmed


def test_the_demo_accounts_are_confirmed(seeded):
    assert User.objects.exists()
    assert not User.objects.filter(email_confirmed_at__isnull=True).exists()
