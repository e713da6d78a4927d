"""Account pages: sign in with an email address, sign out, reset and change a password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.relance.dom import Node, parse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-nouveau-mot-de-passe-solide-2024"


def page(response) -> Node:
    assert response.status_code == 200
    root = parse(response.content)
    assert root.one("html").get("lang") == "fr"
    assert len(root.find_all("h1")) == 1
    return root


def h1(root: Node) -> str:
    return root.one("h1").text()


def assert_dsfr_form(root: Node, *names: str) -> Node:
    """The main form renders each named field as a labelled DSFR input."""
    form = root.one("main").one("form", method="post")
    for name in names:
        group = form.one(id=f"div_id_{name}")
        assert "fr-input-group" in group.classes
        assert form.one("label", cls="fr-label", for_=f"id_{name}")
        assert "fr-input" in form.one("input", id=f"id_{name}").classes
    assert form.one("button", type="submit", cls="fr-btn")
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    return form


def logged_in_user(client):
    return get_user(client)


# --- Sign in ---------------------------------------------------------------------------------


def test_login_page_is_a_dsfr_form_with_a_reset_link(client):
    root = page(client.get(reverse("login")))
    assert h1(root) == "Se connecter"
    form = assert_dsfr_form(root, "username", "password")
    assert form.one("input", id="id_username").get("type") == "email"
    assert form.one("input", id="id_password").get("type") == "password"
    link = root.one("a", id="password-reset-link")
    assert link.get("href") == reverse("password_reset")
    assert "Les champs marqués d’un astérisque (*) sont obligatoires." in root.text()


def test_login_with_email_in_any_case(client):
    user = UserFactory(email="camille.martin@exemple.gouv.fr")
    response = client.post(
        reverse("login"),
        {"username": "Camille.MARTIN@Exemple.gouv.fr", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert logged_in_user(client) == user


def test_login_goes_to_next_page(client):
    UserFactory(email="agent@exemple.gouv.fr")
    next_url = reverse("password_change")
    response = client.post(
        f"{reverse('login')}?next={next_url}",
        {"username": "agent@exemple.gouv.fr", "password": DEFAULT_PASSWORD, "next": next_url},
    )
    assert response.status_code == 302
    assert response.url == next_url


def test_bad_password_shows_a_clear_error_and_keeps_the_email(client):
    UserFactory(email="agent@exemple.gouv.fr")
    response = client.post(
        reverse("login"), {"username": "agent@exemple.gouv.fr", "password": "mauvais"}
    )
    root = page(response)
    alert = root.one("div", cls="fr-alert fr-alert--error")
    assert alert.get("role") == "alert"
    assert "Adresse électronique ou mot de passe incorrect." in alert.text()
    assert root.one("input", id="id_username").get("value") == "agent@exemple.gouv.fr"
    # The password is never sent back.
    assert not root.one("input", id="id_password").has("value")
    assert root.one("title").text().startswith("Erreur — Se connecter")
    assert not logged_in_user(client).is_authenticated


def test_missing_fields_are_shown_next_to_each_field(client):
    root = page(client.post(reverse("login"), {"username": "", "password": ""}))
    for name in ("username", "password"):
        assert "fr-input-group--error" in root.one(id=f"div_id_{name}").classes
        control = root.one("input", id=f"id_{name}")
        assert control.get("aria-invalid") == "true"
        error = root.by_id(f"id_{name}_error")
        assert f"id_{name}_error" in control.tokens("aria-describedby")
        assert error.one("p", cls="fr-error-text").text() == "Ce champ est obligatoire."


def test_inactive_account_cannot_sign_in(client):
    UserFactory(email="parti@exemple.gouv.fr", is_active=False)
    client.post(reverse("login"), {"username": "parti@exemple.gouv.fr", "password": "x"})
    assert not logged_in_user(client).is_authenticated


# --- Sign out --------------------------------------------------------------------------------


def test_logout_is_a_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    assert logged_in_user(client).is_authenticated

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert not logged_in_user(client).is_authenticated


def test_header_offers_a_logout_button(client):
    client.force_login(UserFactory())
    root = page(client.get(reverse("home")))
    form = root.one("form", action=reverse("logout"))
    assert form.get("method") == "post"
    assert form.one("button", type="submit").text() == "Se déconnecter"


def test_logged_out_page_renders():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    root = parse(render_to_string("registration/logged_out.html", request=request))
    assert root.one("h1").text() == "Vous êtes déconnecté"
    assert root.one("main").one("a", href=reverse("login"), cls="fr-btn")


# --- Password reset --------------------------------------------------------------------------


def reset_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_password_reset_pages_render(client):
    root = page(client.get(reverse("password_reset")))
    assert h1(root) == "Mot de passe oublié"
    assert_dsfr_form(root, "email")
    assert h1(page(client.get(reverse("password_reset_done")))) == "Consultez votre messagerie"
    assert h1(page(client.get(reverse("password_reset_complete")))) == "Mot de passe enregistré"


def test_password_reset_sends_a_working_link(client, mailoutbox):
    user = UserFactory(email="agent@exemple.gouv.fr")
    response = client.post(reverse("password_reset"), {"email": "Agent@Exemple.gouv.fr"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["agent@exemple.gouv.fr"]
    assert "mot de passe" in mail.subject
    assert "\n" not in mail.subject
    assert mail.body.startswith("Bonjour,")
    assert "agent@exemple.gouv.fr" in mail.body

    # The emailed link leads to the form (Django swaps the token for a session entry).
    response = client.get(reset_link(mail), follow=True)
    root = page(response)
    assert h1(root) == "Choisir un nouveau mot de passe"
    form = assert_dsfr_form(root, "new_password1", "new_password2")
    # Password rules are a plain hint inside the label, not a list.
    hint = form.one("span", cls="fr-hint-text", id="id_new_password1_helptext")
    assert hint.find("ul") is None and hint.text()
    set_password_url = response.redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.login(username="agent@exemple.gouv.fr", password=NEW_PASSWORD)

    # The link works only once.
    client.logout()
    root = page(client.get(reset_link(mail), follow=True))
    assert h1(root) == "Lien invalide ou expiré"
    assert root.find("input", name="new_password1") is None


def test_password_reset_mismatch_is_shown_in_dsfr(client, mailoutbox):
    UserFactory(email="agent@exemple.gouv.fr")
    client.post(reverse("password_reset"), {"email": "agent@exemple.gouv.fr"})
    response = client.get(reset_link(mailoutbox[0]), follow=True)
    set_password_url = response.redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": "autre-chose-2024"}
    )
    root = page(response)
    assert "fr-input-group--error" in root.one(id="div_id_new_password2").classes
    assert root.by_id("id_new_password2_error").find("p", cls="fr-error-text")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "inconnu@exemple.gouv.fr"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mailoutbox == []


def test_password_reset_with_a_malformed_address(client, mailoutbox):
    root = page(client.post(reverse("password_reset"), {"email": "pas-une-adresse"}))
    assert "fr-input-group--error" in root.one(id="div_id_email").classes
    assert root.one("input", id="id_email").get("value") == "pas-une-adresse"
    assert mailoutbox == []


# --- Password change -------------------------------------------------------------------------


def test_password_change_requires_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    root = page(client.get(reverse("password_change")))
    assert h1(root) == "Changer de mot de passe"
    assert_dsfr_form(root, "old_password", "new_password1", "new_password2")

    root = page(
        client.post(
            reverse("password_change"),
            {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    )
    assert "fr-input-group--error" in root.one(id="div_id_old_password").classes

    response = client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The session survives the change.
    assert h1(page(client.get(reverse("password_change_done")))) == "Mot de passe changé"
