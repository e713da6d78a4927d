"""Signing in, in a real browser: ProConnect (against the tests' local provider), the lockout
of a guessed password, the confirmation of a new account's address. Every screen is checked at
1280 and 375 px (screenshots in test-artifacts/, no serious axe-core violation)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from calls.demo import DEMO_CALL_SLUG
from relance.demo import STAFF_LOGIN
from relance.models import OutgoingEmail
from submissions.demo_data import DEMO_SIRET_DNUM
from submissions.models import Administration, Membership, MembershipRequest
from tests.e2e.test_error_pages import check
from tests.factories import DEFAULT_PASSWORD, UserFactory, agent_of, valid_siret

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

DNUM = "Direction du numérique du ministère de l’Intérieur"


def heading(page, text):
    return page.get_by_role("heading", level=1, name=text)


def log_in(page, email, password, next_url="/"):
    page.goto(f"/compte/connexion/?next={next_url}")
    page.locator('input[name="username"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def test_an_agent_signs_in_and_out_with_proconnect(seeded, page, check_screen, proconnect):
    proconnect.identity.siret = DEMO_SIRET_DNUM
    page.goto("/compte/connexion/")
    button = page.locator("#proconnect-button")
    expect(button).to_be_visible()
    expect(button).to_contain_text("S’identifier avec")
    expect(button).to_contain_text("ProConnect")
    expect(page.get_by_role("link", name="Qu’est-ce que ProConnect ?")).to_be_visible()
    check_screen("login-with-proconnect")

    # The provider approves at once and sends the browser back: « Mes dossiers ».
    button.click()
    expect(heading(page, "Mes dossiers")).to_be_visible()
    expect(page.get_by_text("Votre compte y est rattaché")).to_be_visible()
    expect(page.locator("main")).to_contain_text(DNUM)
    expect(page.get_by_role("link", name="Camille Agent")).to_be_visible()
    check_screen("dossiers-after-proconnect")
    assert Membership.objects.filter(
        user__email=proconnect.identity.email, administration__siret=DEMO_SIRET_DNUM
    ).exists()

    # Signing out goes through ProConnect's end-session endpoint and back.
    page.get_by_role("button", name="Se déconnecter").first.click()
    expect(heading(page, "Vous êtes déconnecté")).to_be_visible()
    expect(page.get_by_text("sur Relance et sur ProConnect")).to_be_visible()
    assert len(proconnect.end_session_requests) == 1
    check_screen("logged-out-of-proconnect")


def test_an_unknown_siret_becomes_a_request_an_instructor_completes(
    seeded, page, check_screen, proconnect
):
    siret = valid_siret(31337)
    proconnect.identity.siret = siret
    page.goto("/compte/connexion/")
    page.locator("#proconnect-button").click()
    expect(heading(page, "Mes dossiers")).to_be_visible()
    expect(page.get_by_text("Aucune administration connue de Relance")).to_be_visible()
    check_screen("dossiers-unknown-siret")
    page.get_by_role("button", name="Se déconnecter").first.click()
    expect(heading(page, "Vous êtes déconnecté")).to_be_visible()

    log_in(page, STAFF_LOGIN.email, STAFF_LOGIN.password, "/instruction/rattachements/")
    expect(heading(page, "Demandes de rattachement")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=proconnect.identity.email)
    expect(row).to_contain_text("à identifier")
    row.get_by_role("link", name=re.compile("Examiner")).click()
    expect(heading(page, "Demande de rattachement")).to_be_visible()
    expect(page.locator("#request-siret")).to_have_text(re.compile(siret[:3]))
    check_screen("request-to-identify")
    page.locator("#create-administration").click()
    expect(heading(page, "Nouvelle administration")).to_be_visible()
    expect(page.locator("#id_siret")).to_have_value(re.compile(r"^\d{3} \d{3} \d{3} \d{5}$"))
    check_screen("administration-from-request")
    page.get_by_label("Nom de l’administration").fill("Service à numérique de test")
    page.get_by_label("Type de structure").select_option("central")
    page.get_by_label("Ministère de rattachement").select_option(index=1)
    page.get_by_role("button", name="Créer l’administration").click()
    expect(heading(page, "Demande de rattachement")).to_be_visible()
    page.get_by_role("button", name="Accepter la demande").click()
    expect(page.get_by_text("Demande acceptée")).to_be_visible()
    request = MembershipRequest.objects.get(user__email=proconnect.identity.email)
    assert request.status == MembershipRequest.Status.APPROVED
    assert Administration.objects.get(siret=siret).name == "Service à numérique de test"


@pytest.fixture
def lockout_page(browser, live_server):
    """A page on which the browser's report of the lockout's 429 is expected, nothing else."""
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 429" not in m.text else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, "\n".join(errors)


def test_the_eleventh_password_is_refused_with_a_french_page(lockout_page, request):
    page = lockout_page
    expert = UserFactory(email="expert@exemple.fr")
    for attempt in range(10):
        log_in(page, expert.email, f"mauvais-mot-de-passe-{attempt}")
        if attempt < 9:
            expect(
                page.get_by_text("Adresse électronique ou mot de passe incorrect")
            ).to_be_visible()
    expect(heading(page, "Connexion temporairement bloquée")).to_be_visible()
    log_in(page, expert.email, DEFAULT_PASSWORD)
    expect(heading(page, "Connexion temporairement bloquée")).to_be_visible()
    expect(page.get_by_text("même avec le bon mot de passe")).to_be_visible()
    check(page, "login-locked-out", request)
    page.get_by_role("link", name="Choisir un nouveau mot de passe").click()
    expect(heading(page, "Mot de passe oublié")).to_be_visible()


def test_a_new_account_confirms_its_address_before_filing(seeded, page, check_screen):
    dnum = Administration.objects.get(name=DNUM)
    agent = agent_of(dnum, email="nouvel.agent@interieur.gouv.fr", email_confirmed_at=None)
    log_in(page, agent.email, DEFAULT_PASSWORD, f"/dossiers/nouveau/{DEMO_CALL_SLUG}/")
    expect(heading(page, "Nouveau dossier")).to_be_visible()
    alert = page.locator("#email-unconfirmed")
    expect(alert).to_contain_text("Confirmez votre adresse électronique")
    expect(page.locator('input[name="title"]')).to_have_count(0)
    alert.get_by_role("button", name="Renvoyer le lien").click()
    expect(page.get_by_text("Un nouveau lien de confirmation a été envoyé")).to_be_visible()
    check_screen("dossier-create-unconfirmed")

    email = OutgoingEmail.objects.get(topic="email_confirmation", to=[agent.email])
    link = re.search(r"https?://[^/\s]+(/\S+)", email.body).group(1)
    page.goto(link)
    expect(heading(page, "Adresse électronique confirmée")).to_be_visible()
    check_screen("email-confirmed")
    page.goto(f"/dossiers/nouveau/{DEMO_CALL_SLUG}/")
    expect(page.locator('input[name="title"]')).to_be_visible()
