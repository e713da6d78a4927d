"""Sign-in with ProConnect, against a real OpenID Connect provider run by the tests.

The provider (tests/oidc_provider.py) listens on the loopback and speaks as ProConnect: the
test client follows the browser's path (Relance → provider's authorize → back to Relance's
callback) and Relance itself calls the provider's discovery, token, JWKS and userinfo
endpoints over HTTP. Nothing of the OpenID Connect client is patched.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user
from django.urls import reverse

from relance.models import AuditEntry, User
from submissions.demo_data import DEMO_SIRET_CNAV, DEMO_SIRET_DNUM
from submissions.models import Administration, Membership, MembershipRequest
from tests.factories import AdministrationFactory, StaffFactory, UserFactory, valid_siret

pytestmark = pytest.mark.django_db

R = MembershipRequest.Status


def start(client, next_url=None):
    """« S’identifier avec ProConnect »: Relance's redirection to the provider."""
    url = reverse("oidc_authentication_init")
    response = client.get(url, {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def provider_answer(authorize_url) -> str:
    """The provider approves at once: the callback URL it sends the browser to."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def callback(client, location):
    parts = urlsplit(location)
    assert parts.path == reverse("oidc_authentication_callback")
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, next_url=None):
    """The whole round trip; returns Relance's answer to the callback."""
    return callback(client, provider_answer(start(client, next_url)))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# The button ------------------------------------------------------------------------------------


def test_without_configuration_the_button_is_hidden_and_the_routes_answer_404(client):
    page = client.get(reverse("login")).content.decode()
    assert "proconnect-button" not in page
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


def test_the_login_page_shows_the_official_button(client, proconnect):
    page = client.get(reverse("login")).content.decode()
    assert 'class="proconnect-button fr-connect"' in page
    assert "S’identifier avec" in page and "ProConnect" in page
    assert "Qu’est-ce que ProConnect ?" in page
    assert 'action="/compte/proconnect/connexion/"' in page
    # The password login stays, for people who are not agents (jury experts).
    assert 'name="password"' in page
    # The forms may lead to the provider (Content-Security-Policy).
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert proconnect.base_url in policy.split("form-action")[1].split(";")[0]


def test_the_authorization_request_is_what_proconnect_requires(client, proconnect):
    location = start(client)
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{proconnect.issuer}/authorize"
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params["acr_values"] == "eidas1"
    assert set(params["scope"].split()) == {
        "openid",
        "email",
        "given_name",
        "usual_name",
        "uid",
        "siret",
        "idp_id",
    }
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == "http://testserver/compte/proconnect/retour/"
    assert params["response_type"] == "code"


# Accounts and administrations ------------------------------------------------------------------


def test_an_agent_of_a_demo_administration_lands_on_mes_dossiers_attached(
    client, proconnect, seeded
):
    proconnect.identity.siret = DEMO_SIRET_DNUM
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:dossier_list")
    user = get_user(client)
    assert user.is_authenticated and user.email == proconnect.identity.email
    assert (user.first_name, user.last_name) == ("Camille", "Agent")
    # The provider verified the address: nothing more to confirm.
    assert user.email_confirmed
    dnum = Administration.objects.get(siret=DEMO_SIRET_DNUM)
    assert Membership.objects.filter(user=user, administration=dnum).exists()
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "<h1>Mes dossiers</h1>" in text
    assert dnum.name in text
    assert any("Votre compte y est rattaché" in m for m in messages_of(page))
    # Signing in again attaches nothing twice.
    client.logout()
    sign_in(client)
    assert Membership.objects.filter(user=user).count() == 1


def test_an_administration_without_automatic_attachment_gets_a_request(client, proconnect, seeded):
    proconnect.identity.siret = DEMO_SIRET_CNAV
    response = sign_in(client)
    page = client.get(response["Location"])
    cnav = Administration.objects.get(siret=DEMO_SIRET_CNAV)
    user = get_user(client)
    request = MembershipRequest.objects.get(user=user)
    assert (request.administration, request.status, request.origin) == (
        cnav,
        R.PENDING,
        "proconnect",
    )
    assert not Membership.objects.filter(user=user).exists()
    assert any("demande de rattachement est transmise" in m for m in messages_of(page))
    client.logout()
    sign_in(client)
    assert MembershipRequest.objects.filter(user=user).count() == 1


def test_another_establishment_of_a_known_siren_is_matched(client, proconnect):
    administration = AdministrationFactory(siret=valid_siret(4242), proconnect_auto_attach=True)
    siren = administration.siret[:9]
    other = next(
        candidate
        for n in range(1, 10_000)
        if (candidate := _siret_of(siren, n)) != administration.siret
    )
    proconnect.identity.siret = other
    sign_in(client)
    assert Membership.objects.filter(
        user__email=proconnect.identity.email, administration=administration
    ).exists()


def _siret_of(siren: str, nic: int) -> str:
    from stdnum import luhn

    base = f"{siren}{nic:04d}"
    return base + luhn.calc_check_digit(base)


def test_an_unknown_siret_creates_a_request_for_the_instructors(client, proconnect):
    siret = valid_siret(777)
    proconnect.identity.siret = siret
    response = sign_in(client)
    page = client.get(response["Location"])
    assert any(
        "Aucune administration connue de Relance ne correspond au SIRET" in m
        for m in messages_of(page)
    )
    agent = User.objects.get(email=proconnect.identity.email)
    request = MembershipRequest.objects.get(user=agent)
    assert request.administration is None
    assert request.siret == siret and request.status == R.PENDING
    # The agent reads it among their requests.
    mine = client.get(reverse("submissions:my_administrations")).content.decode()
    assert "à identifier" in mine
    # Signing in again makes no second request.
    client.logout()
    sign_in(client)
    assert MembershipRequest.objects.filter(user=agent).count() == 1

    # An instructor sees it, with the SIRET, creates the administration with that SIRET
    # prefilled, and accepts the request.
    client.logout()
    staff = StaffFactory()
    client.force_login(staff)
    listing = client.get(reverse("submissions:membership_requests")).content.decode()
    assert agent.email in listing and "à identifier" in listing
    detail_url = reverse("submissions:membership_request", kwargs={"pk": request.pk})
    detail = client.get(detail_url).content.decode()
    assert request.formatted_siret in detail
    assert "Créer l’administration avec ce SIRET" in detail
    create_url = reverse("submissions:administration_create") + f"?demande={request.pk}"
    form = client.get(create_url)
    assert form.context["form"].initial["siret"] == siret
    response = client.post(
        create_url,
        {"name": "Direction inconnue jusqu’ici", "kind": "central", "siret": siret},
    )
    # A central administration needs its ministry: the form says so, nothing is created.
    assert response.status_code == 200
    assert "Indiquez le ministère" in response.content.decode()
    ministry = AdministrationFactory().ministry
    response = client.post(
        create_url,
        {
            "name": "Direction inconnue jusqu’ici",
            "kind": "central",
            "ministry": ministry.pk,
            "siret": siret,
        },
    )
    assert response["Location"] == detail_url
    request.refresh_from_db()
    assert request.administration.name == "Direction inconnue jusqu’ici"
    response = client.post(
        reverse("submissions:membership_request_approve", kwargs={"pk": request.pk})
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=agent, administration=request.administration).exists()


def test_an_instructor_chooses_an_existing_administration_for_the_request(client, proconnect):
    proconnect.identity.siret = valid_siret(778)
    sign_in(client)
    request = MembershipRequest.objects.get()
    target = AdministrationFactory(name="Administration choisie")
    client.force_login(StaffFactory())
    approve = reverse("submissions:membership_request_approve", kwargs={"pk": request.pk})
    # Not before the administration is known: said plainly.
    refused = client.post(approve)
    assert refused.status_code == 200
    assert "Choisissez d’abord l’administration" in refused.content.decode()
    assign = reverse("submissions:membership_request_assign", kwargs={"pk": request.pk})
    bad = client.post(assign, {"choix-administration": "999999"})
    assert bad.status_code == 200
    assert "Cette administration n’existe plus" in bad.content.decode()
    response = client.post(assign, {"choix-administration": str(target.pk)})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.administration == target
    assert AuditEntry.objects.filter(action="membership_request_assign").exists()
    client.post(approve)
    assert Membership.objects.filter(user=request.user, administration=target).exists()


def test_without_siret_the_agent_is_told_to_ask(client, proconnect):
    proconnect.identity.siret = ""
    response = sign_in(client)
    page = client.get(response["Location"])
    assert any("n’a pas transmis le SIRET" in m for m in messages_of(page))
    assert not MembershipRequest.objects.exists()


def test_an_existing_account_is_matched_on_its_email_never_duplicated(client, proconnect):
    existing = UserFactory(
        email="camille.agent@interieur.gouv.fr",
        first_name="",
        last_name="",
        email_confirmed_at=None,
    )
    proconnect.identity.email = "Camille.Agent@Interieur.gouv.fr"
    sign_in(client)
    assert get_user(client).pk == existing.pk
    assert User.objects.filter(email__iexact="camille.agent@interieur.gouv.fr").count() == 1
    existing.refresh_from_db()
    # ProConnect verified the address: the account is confirmed; its empty names filled.
    assert existing.email_confirmed
    assert (existing.first_name, existing.last_name) == ("Camille", "Agent")


def test_a_staff_account_signs_in_and_is_placed_nowhere(client, proconnect):
    staff = StaffFactory(email=proconnect.identity.email)
    response = sign_in(client)
    assert get_user(client).pk == staff.pk
    assert response["Location"] == reverse("home")
    assert not MembershipRequest.objects.exists() and not Membership.objects.exists()


def test_the_next_page_is_kept(client, proconnect):
    response = sign_in(client, next_url="/compte/administrations/")
    assert response["Location"] == "/compte/administrations/"


def test_a_deactivated_account_is_refused(client, proconnect):
    UserFactory(email=proconnect.identity.email, is_active=False)
    response = sign_in(client)
    assert response["Location"] == reverse("login")
    assert not get_user(client).is_authenticated
    page = client.get(reverse("login"))
    assert "Ce compte est désactivé." in messages_of(page)


# Refused answers -------------------------------------------------------------------------------


def assert_refused_cleanly(client, response, words):
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not get_user(client).is_authenticated
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert any(words in m for m in messages_of(page)), messages_of(page)


def test_a_state_the_session_never_sent_is_refused(client, proconnect):
    location = provider_answer(start(client))
    parts = urlsplit(location)
    params = parse_qs(parts.query)
    forged = f"{parts.path}?code={params['code'][0]}&state={'x' * 48}"
    assert_refused_cleanly(client, client.get(forged), "n’a pas pu être vérifiée")
    assert proconnect.token_requests == 0
    assert not User.objects.exists()


def test_an_answer_from_another_browser_is_refused(client, proconnect):
    from django.test import Client

    location = provider_answer(start(client))
    other = Client()
    assert_refused_cleanly(other, callback(other, location), "n’a pas pu être vérifiée")


def test_a_replayed_answer_is_refused(client, proconnect):
    location = provider_answer(start(client))
    callback(client, location)
    assert get_user(client).is_authenticated
    client.logout()
    assert_refused_cleanly(client, callback(client, location), "n’a pas pu être vérifiée")


def test_a_wrong_nonce_is_refused(client, proconnect):
    proconnect.tamper.add("nonce")
    assert_refused_cleanly(client, sign_in(client), "n’a pas pu être vérifiée")
    assert not User.objects.exists()


def test_a_token_signed_by_another_key_is_refused(client, proconnect):
    proconnect.tamper.add("signature")
    assert_refused_cleanly(client, sign_in(client), "l’identité transmise")
    assert not User.objects.exists()


def test_a_userinfo_in_plain_json_is_refused(client, proconnect):
    proconnect.tamper.add("userinfo_json")
    assert_refused_cleanly(client, sign_in(client), "l’identité transmise")
    assert not User.objects.exists()


def test_the_provider_s_refusal_is_said(client, proconnect):
    start(client)
    state = next(iter(client.session["oidc_states"]))
    response = client.get(
        reverse("oidc_authentication_callback"), {"error": "access_denied", "state": state}
    )
    assert_refused_cleanly(client, response, "annulée ou refusée")


def test_a_provider_that_does_not_answer_is_said(client, proconnect, settings):
    proconnect.stop()
    response = client.get(reverse("oidc_authentication_init"))
    assert_refused_cleanly(client, response, "ProConnect ne répond pas")


def test_the_discovery_is_fetched_once_and_cached(client, proconnect):
    sign_in(client)
    client.logout()
    sign_in(client)
    assert proconnect.discovery_requests == 1


# Sign-out --------------------------------------------------------------------------------------


def test_signing_out_goes_through_the_provider_s_end_session(client, proconnect):
    sign_in(client)
    response = client.post(reverse("logout"))
    assert not get_user(client).is_authenticated
    parts = urlsplit(response["Location"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{proconnect.issuer}/session/end"
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params["id_token_hint"] in proconnect.id_tokens
    assert len(params["state"]) >= 32
    assert params["post_logout_redirect_uri"] == "http://testserver/compte/proconnect/deconnecte/"
    back = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    parts = urlsplit(back.headers["Location"])
    page = client.get(f"{parts.path}?{parts.query}")
    assert "Votre session est terminée, sur Relance et sur ProConnect." in page.content.decode()


def test_a_password_session_signs_out_as_before(client, proconnect):
    client.force_login(UserFactory())
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("home")
    assert not proconnect.end_session_requests


def test_the_return_from_the_provider_s_sign_out_is_public_and_checks_its_state(client):
    # Anyone may land there (the session is already over); without the state it sent, the
    # page does not claim that the ProConnect session ended.
    page = client.get(reverse("proconnect_logged_out"), {"state": "x" * 48})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Vous êtes déconnecté" in text
    assert "sur Relance et sur ProConnect" not in text
