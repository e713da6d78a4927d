"""A continuous window end to end, in a real browser: two agents submit (one at €99,999.99,
one refused at €100,000 until lowered), the instructor instructs, asks for an addition and
proposes, a committee session decides both, the publication emails both applicants, the
laureate is public, the window takes a third dossier afterwards, and a decision beyond the
remaining envelope is refused."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from calls.models import CallStatus
from jury.models import CommitteeSession
from relance.models import OutgoingEmail
from submissions.models import Dossier, DossierState
from tests.e2e.test_membership_path import heading, log_out
from tests.factories import (
    DEFAULT_PASSWORD,
    AdministrationFactory,
    CategoryFactory,
    ContinuousCallFactory,
    DossierFactory,
    StaffFactory,
    agent_of,
    default_programme,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]
SLUG = "guichet-donnees-essai"


def log_in(page, email, next_url):
    page.goto(f"/compte/connexion/?next={next_url}")
    page.locator('input[name="username"]').fill(email)
    page.locator('input[name="password"]').fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def draft(call, category, agent, administration, title, requested):
    return DossierFactory(
        call=call,
        administration=administration,
        category=category,
        created_by=agent,
        title=title,
        requested_amount=requested,
        total_budget=Decimal("200000.00"),
    )


def submit(page, dossier):
    page.goto(f"/dossiers/{dossier.pk}/deposer/")
    page.get_by_role("button", name="Déposer le dossier").click()


def test_a_window_runs_from_submission_to_publication_and_stays_open(page, check_screen):
    call = ContinuousCallFactory(
        slug=SLUG,
        title="Guichet en continu — essai",
        envelope=Decimal("150000.00"),
        instruction_days=30,
    )
    category = CategoryFactory(call=call, name="Données")
    instructor = StaffFactory(
        programmes=[default_programme()], first_name="Inès", last_name="Instructrice"
    )
    first_admin = AdministrationFactory(name="Direction du budget")
    second_admin = AdministrationFactory(name="Direction des achats de l’État")
    first_agent = agent_of(first_admin, email="agent.budget@exemple.gouv.fr")
    second_agent = agent_of(second_admin, email="agent.achats@exemple.gouv.fr")
    near = draft(
        call, category, first_agent, first_admin, "Entrepôt budgétaire", Decimal("99999.99")
    )
    at_ceiling = draft(
        call, category, second_agent, second_admin, "Catalogue des achats", Decimal("100000.00")
    )

    # The first agent submits at €99,999.99; the page tells how long instruction takes.
    log_in(page, first_agent.email, "/dossiers/")
    submit(page, near)
    expect(page.locator("main")).to_contain_text(near.reference)
    page.goto(near.get_absolute_url())
    expect(page.locator("#window-instruction")).to_contain_text("l’instruction doit s’achever")
    check_screen("window-applicant-instruction")
    log_out(page)

    # The second is refused at €100,000, lowers the amount, and submits.
    log_in(page, second_agent.email, "/dossiers/")
    page.goto(f"/dossiers/{at_ceiling.pk}/deposer/")
    expect(page.locator("#problems")).to_contain_text("strictement inférieur à 100 000,00 €")
    expect(page.get_by_role("button", name="Déposer le dossier")).to_be_disabled()
    assert Dossier.objects.get(pk=at_ceiling.pk).state == DossierState.DRAFT
    page.goto(f"/dossiers/{at_ceiling.pk}/modifier/budget/")
    page.locator('input[name="requested_amount"]').fill("80 000")
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.get_by_role("status").or_(page.locator(".fr-alert--success")).first).to_be_visible()
    submit(page, at_ceiling)
    expect(page.locator("main")).to_contain_text(at_ceiling.reference)
    log_out(page)

    # The instructor takes the first dossier and asks for an addition.
    log_in(page, instructor.email, f"/instruction/appels/{SLUG}/")
    page.get_by_role("row").filter(has_text="Entrepôt budgétaire").get_by_role(
        "link", name=near.reference
    ).click()
    expect(page.locator("#window-instruction")).to_be_visible()
    page.get_by_label("Instructeur du dossier").select_option(label="Inès Instructrice")
    page.get_by_role("button", name="Désigner").click()
    expect(page.locator("#instructor")).to_have_text("Inès Instructrice")
    page.get_by_label("Message à l’administration").fill("Joignez le devis du prestataire.")
    page.get_by_role("button", name="Demander des compléments").click()
    expect(page.locator("#badges")).to_contain_text("À compléter")
    log_out(page)

    log_in(page, first_agent.email, near.get_absolute_url())
    page.goto(f"/dossiers/{near.pk}/completer/")
    page.locator('textarea[name="reply"]').fill("Devis ajouté.")
    page.get_by_role("button", name="Renvoyer le dossier complété").click()
    expect(page.locator("main")).to_contain_text("Déposé")
    log_out(page)

    # Proposals: accept the first at the amount requested, refuse the second.
    log_in(page, instructor.email, f"/instruction/dossiers/{near.pk}/")
    page.locator("#proposal-form label", has_text=re.compile("^Accorder$")).click()
    page.locator('input[name="proposal-amount"]').fill("99 999,99")
    page.get_by_role("button", name="Enregistrer la proposition").click()
    expect(page.locator("#proposal")).to_contain_text("Accorder — 99\u00a0999,99\u00a0€")
    check_screen("window-staff-instruction")
    page.goto(f"/instruction/dossiers/{at_ceiling.pk}/")
    page.locator("#proposal-form label", has_text=re.compile("^Refuser$")).click()
    page.get_by_role("button", name="Enregistrer la proposition").click()
    expect(page.locator("#error-proposal")).to_contain_text("motif de la proposition de refus")
    page.locator('textarea[name="proposal-reason"]').fill(
        "Le projet relève d’un autre financement."
    )
    page.get_by_role("button", name="Enregistrer la proposition").click()
    expect(page.locator("#proposal")).to_contain_text("Refuser")

    # A committee session puts both on its agenda and follows the proposals.
    page.goto(f"/instruction/appels/{SLUG}/")
    page.locator("#committee-link").click()
    expect(heading(page, "Comité du guichet")).to_be_visible()
    page.get_by_label("Date de la séance").fill("2021-03-15")
    page.get_by_role("button", name="Créer la séance").click()
    expect(heading(page, "Séance du comité du 15 mars 2021")).to_be_visible()
    page.locator(f'label[for="candidate-{near.pk}"]').click()
    page.locator(f'label[for="candidate-{at_ceiling.pk}"]').click()
    page.get_by_role("button", name="Inscrire à l’ordre du jour").click()
    expect(page.locator(f'[data-dossier="{near.reference}"]')).to_be_visible()
    for dossier in (near, at_ceiling):
        page.locator(f'form[data-follow="{dossier.reference}"] button').click()
        expect(
            page.locator(f'article[data-dossier="{dossier.reference}"] [data-decision]')
        ).not_to_have_attribute("data-decision", "none")
    expect(page.locator('[data-figure="remaining"]')).to_have_text("50\u00a0000,01\u00a0€")
    check_screen("window-committee-session")
    page.locator("#publish-link").click()
    expect(page.locator("#summary")).to_contain_text(near.reference)
    check_screen("window-committee-publish")
    page.locator("#publish-button").click()
    expect(page.locator('[data-status="published"]')).to_be_visible()
    assert Dossier.objects.get(pk=near.pk).state == DossierState.LAUREATE
    assert Dossier.objects.get(pk=at_ceiling.pk).state == DossierState.NOT_SELECTED
    assert {e.to[0] for e in OutgoingEmail.objects.filter(topic="results")} >= {
        first_agent.email,
        second_agent.email,
    }
    page.goto(f"/instruction/appels/{SLUG}/comite/")
    check_screen("window-committee-sessions")
    log_out(page)

    # The laureate is public; the window is still open and takes a third dossier.
    laureate = Dossier.objects.get(pk=near.pk).award
    page.goto(f"/laureats/{laureate.slug}/")
    expect(heading(page, "Entrepôt budgétaire")).to_be_visible()
    page.goto(call.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Entrepôt budgétaire")
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    third = draft(
        call, category, second_agent, second_admin, "Référentiel des fournisseurs", Decimal("60000")
    )
    log_in(page, second_agent.email, "/dossiers/")
    submit(page, third)
    expect(page.locator("main")).to_contain_text(third.reference)
    log_out(page)

    # Beyond the €50,000.01 left in the envelope, the committee's decision is refused.
    log_in(page, instructor.email, f"/instruction/dossiers/{third.pk}/")
    page.locator("#proposal-form label", has_text=re.compile("^Accorder$")).click()
    page.locator('input[name="proposal-amount"]').fill("60 000")
    page.get_by_role("button", name="Enregistrer la proposition").click()
    expect(page.locator("#proposal")).to_contain_text("60\u00a0000,00\u00a0€")
    page.goto(f"/instruction/appels/{SLUG}/comite/")
    page.get_by_label("Date de la séance").fill("2021-04-15")
    page.get_by_role("button", name="Créer la séance").click()
    page.locator(f'label[for="candidate-{third.pk}"]').click()
    page.get_by_role("button", name="Inscrire à l’ordre du jour").click()
    page.locator(f'form[data-follow="{third.reference}"] button').click()
    expect(page.get_by_role("alert").filter(has_text="dépasserait l’enveloppe")).to_contain_text(
        "Il reste 50\u00a0000,01\u00a0€"
    )
    session = CommitteeSession.objects.get(call=call, date=date(2021, 4, 15))
    assert not session.awards.exists()
