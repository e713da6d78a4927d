"""Joining an administration, in a real browser, on the demo data.

The demo agent who belongs to no administration finds the Ministry of Culture's secretariat
general from the dossiers home and asks to join it; the demo instructor approves the request
(and looks at the directory's screens on the way); the agent then sees the administration,
and may file its dossiers. Every new screen is checked at 1280 and 375 px (screenshots in
test-artifacts/, no serious axe-core violation).
"""

import re

import pytest
from playwright.sync_api import expect

from relance.demo import STAFF_LOGIN
from relance.models import OutgoingEmail
from submissions.demo import NEWCOMER_LOGIN
from submissions.models import Membership, MembershipRequest

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

SECRETARIAT = "Secrétariat général du ministère de la Culture"
MESSAGE = "Cheffe de projet données au département des systèmes d’information."


def log_in(page, login, next_url):
    page.goto(f"/compte/connexion/?next={next_url}")
    page.locator('input[name="username"]').fill(login.email)
    page.locator('input[name="password"]').fill(login.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def log_out(page):
    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_load_state()


def heading(page, text):
    return page.get_by_role("heading", level=1, name=text)


def test_an_agent_asks_to_join_the_culture_secretariat_and_an_instructor_approves(
    seeded, page, check_screen
):
    # The agent without administration is led from the dossiers home to the search.
    log_in(page, NEWCOMER_LOGIN, "/dossiers/")
    expect(page.get_by_text("Votre compte n’est rattaché à aucune administration")).to_be_visible()
    check_screen("dossiers-without-administration")
    page.locator("#join-link").click()
    expect(heading(page, "Demander un rattachement à une administration")).to_be_visible()
    check_screen("join-search")

    page.get_by_label("Nom, sigle ou SIRET de l’administration").fill("secrétariat général culture")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name=re.compile(r"^1 administration pour"))).to_be_visible()
    check_screen("join-results")

    page.get_by_role("link", name=re.compile(f"^{SECRETARIAT}")).click()
    expect(heading(page, "Demander un rattachement")).to_be_visible()
    expect(page.get_by_text(SECRETARIAT).first).to_be_visible()
    check_screen("join-request")
    page.get_by_label("Message à l’équipe d’instruction").fill(MESSAGE)
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(heading(page, "Mes administrations")).to_be_visible()
    expect(page.get_by_text("Demande envoyée.")).to_be_visible()
    expect(page.locator("#pending")).to_contain_text(SECRETARIAT)
    check_screen("account-pending")
    membership_request = MembershipRequest.objects.get(user__email=NEWCOMER_LOGIN.email)
    assert membership_request.status == MembershipRequest.Status.PENDING
    assert membership_request.message == MESSAGE
    log_out(page)

    # The instructor finds the request from the instruction home and approves it.
    log_in(page, STAFF_LOGIN, "/instruction/")
    page.get_by_role("link", name="Demandes de rattachement (1 en attente)").first.click()
    expect(heading(page, "Demandes de rattachement")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=NEWCOMER_LOGIN.email)
    expect(row).to_contain_text(SECRETARIAT)
    check_screen("requests")
    row.get_by_role("link", name=re.compile("^Examiner")).click()
    expect(heading(page, "Demande de rattachement")).to_be_visible()
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    check_screen("request")
    page.get_by_role("button", name="Accepter la demande").click()
    expect(page.get_by_text(re.compile("^Demande acceptée"))).to_be_visible()
    expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()
    assert Membership.objects.filter(
        user__email=NEWCOMER_LOGIN.email, administration__name=SECRETARIAT
    ).exists()
    assert OutgoingEmail.objects.filter(
        topic="membership_approved", to=[NEWCOMER_LOGIN.email]
    ).exists()

    # The directory's screens, as the instructor reaches them.
    page.goto("/instruction/")
    page.locator("#administrations-link").click()
    expect(heading(page, "Administrations")).to_be_visible()
    check_screen("administrations")
    page.get_by_role("textbox", name=re.compile("^Recherche")).fill("SG Culture")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.get_by_role("heading", name="1 administration")).to_be_visible()
    page.get_by_role("link", name=re.compile(f"^{SECRETARIAT}")).click()
    expect(heading(page, re.compile(f"^{SECRETARIAT}"))).to_be_visible()
    expect(page.locator("#members")).to_contain_text(NEWCOMER_LOGIN.email)
    check_screen("administration")
    # The refused SIRET below must leave the recorded one as it was.
    recorded_siret = page.locator("#siret").inner_text()

    page.locator("#edit-administration").click()
    expect(heading(page, "Modifier l’administration")).to_be_visible()
    check_screen("administration-edit")
    page.get_by_label(re.compile("^SIRET")).fill("130 025 265 00012")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#id_siret_error")).to_have_text(
        "Ce SIRET n’est pas valide (clé de contrôle)."
    )
    check_screen("administration-edit-error")
    page.get_by_role("link", name="Annuler").click()
    expect(page.locator("#siret")).to_have_text(recorded_siret)

    member_row = page.locator("#members").get_by_role("row").filter(has_text=NEWCOMER_LOGIN.email)
    member_row.get_by_role("link", name=re.compile("^Retirer")).click()
    expect(heading(page, re.compile("^Retirer"))).to_be_visible()
    check_screen("member-remove")

    page.goto("/instruction/administrations/nouvelle/")
    expect(heading(page, "Nouvelle administration")).to_be_visible()
    check_screen("administration-create")
    page.goto("/instruction/administrations/ministeres/")
    expect(heading(page, "Ministères")).to_be_visible()
    check_screen("ministries")
    page.locator("#create-ministry").click()
    expect(heading(page, "Nouveau ministère")).to_be_visible()
    check_screen("ministry-create")
    page.goto("/instruction/rattachements/?statut=traitees")
    expect(page.get_by_role("row").filter(has_text=NEWCOMER_LOGIN.email)).to_contain_text(
        "Acceptée"
    )
    check_screen("requests-handled")
    log_out(page)

    # The agent now sees the administration, and may file its dossiers.
    log_in(page, NEWCOMER_LOGIN, "/dossiers/")
    expect(
        page.get_by_text(f"Les dossiers de votre administration : {SECRETARIAT}.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Déposer un nouveau dossier")).to_be_visible()
    page.locator("#account-link").click()
    expect(heading(page, "Mes administrations")).to_be_visible()
    expect(page.locator("#memberships")).to_contain_text(SECRETARIAT)
    expect(page.locator("#decided")).to_contain_text("Acceptée")
    check_screen("account-member")
    page.locator("#memberships").get_by_role("link", name=re.compile("^Quitter")).click()
    expect(heading(page, f"Quitter « {SECRETARIAT} »")).to_be_visible()
    check_screen("leave")
