"""The dossier's sections as steps, in a real browser, on the demo data.

The demo applicant fills the first section and goes on with « section suivante », adds two
budget lines in the page and reads the total as they type, saves, then follows a missing
field's link from the submit page to the field itself.
"""

import re

import pytest
from playwright.sync_api import expect

from calls.demo import DEMO_CALL_SLUG
from calls.models import Call
from relance.models import User
from submissions import workflow
from submissions.models import Administration, Dossier
from tests.e2e.test_dossier_path import APPLICANT, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

TITLE = "Référentiel partagé des adresses"


def test_sections_as_steps_budget_lines_and_missing_field_links(seeded, page, check_screen):
    log_in(page, APPLICANT, f"/appels/{DEMO_CALL_SLUG}/")
    page.get_by_role("link", name="Déposer un dossier").click()
    page.locator('input[name="title"]').fill(TITLE)
    page.get_by_role("button", name="Créer le dossier").click()
    page.wait_for_load_state()
    dossier = Dossier.objects.get(title=TITLE)
    edit = f"/dossiers/{dossier.pk}/modifier"

    # Step 1 of 4, every section to fill in; saved, then on to the next one.
    page.goto(f"{edit}/projet/")
    stepper = page.locator(".fr-stepper")
    expect(stepper.locator(".fr-stepper__state")).to_have_text("Étape 1 sur 4")
    expect(stepper.locator(".fr-stepper__details")).to_have_text(
        "Étape suivante : Bénéfices et approche"
    )
    sections = page.get_by_role("navigation", name="Sections du dossier")
    expect(sections.locator('[aria-current="step"]')).to_have_text("1. Projet")
    check_screen("section-project")
    page.locator('input[name="subtitle"]').fill("Une base adresse commune")
    page.locator('select[name="category"]').select_option(index=1)
    page.locator('textarea[name="summary"]').fill("Un référentiel des adresses tenu à jour.")
    page.locator('textarea[name="description"]').fill("Collecte, rapprochement, diffusion.")
    page.get_by_role("button", name="Enregistrer et passer à la section suivante").click()
    expect(page).to_have_url(re.compile(rf"{edit}/benefices/$"))
    expect(stepper.locator(".fr-stepper__state")).to_have_text("Étape 2 sur 4")
    expect(sections.locator("li").filter(has_text="1. Projet")).to_contain_text("Complète")
    expect(sections.locator("li").filter(has_text="2. Bénéfices")).to_contain_text("À compléter")

    # The budget: two lines added in the page, the total follows the amounts typed.
    sections.get_by_role("link", name="3. Budget").click()
    expect(page).to_have_url(re.compile(rf"{edit}/budget/$"))
    page.locator('input[name="total_budget"]').fill("120 000,00")
    page.locator('input[name="requested_amount"]').fill("60 000,00")
    total = page.locator("#budget-lines-total")
    expect(total).to_have_text("Total : 0 €")
    add = page.get_by_role("button", name="Ajouter une ligne")
    add.click()
    expect(page.locator('input[name="lignes-2-label"]')).to_be_focused()
    add.click()
    expect(page.locator('input[name="lignes-3-label"]')).to_be_focused()
    expect(page.get_by_text("Ligne 4", exact=True)).to_be_visible()
    page.locator('input[name="lignes-0-label"]').fill("Prestation de développement")
    page.locator('select[name="lignes-0-nature"]').select_option("services")
    page.locator('input[name="lignes-0-amount"]').fill("10 000")
    expect(total).to_have_text("Total : 10 000 €")
    page.locator('input[name="lignes-2-label"]').fill("Hébergement")
    page.locator('select[name="lignes-2-nature"]').select_option("software")
    page.locator('input[name="lignes-2-amount"]').fill("2 000")
    page.locator('input[name="lignes-3-label"]').fill("Lecteurs")
    page.locator('select[name="lignes-3-nature"]').select_option("hardware")
    page.locator('input[name="lignes-3-amount"]').fill("345")
    expect(total).to_have_text("Total : 12 345 €")
    check_screen("section-budget")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".fr-alert--success").first).to_be_visible()
    assert list(dossier.budget_lines.values_list("label", flat=True)) == [
        "Prestation de développement",
        "Hébergement",
        "Lecteurs",
    ]

    # The submit page links each missing field; the link lands in the field.
    page.goto(f"/dossiers/{dossier.pk}/deposer/")
    problems = page.locator("#problems")
    expect(problems.get_by_role("heading", name="Étape 2 : Bénéfices et approche")).to_be_visible()
    expect(page.get_by_role("button", name="Déposer le dossier")).to_be_disabled()
    check_screen("submit")
    problems.get_by_role("link", name="Calendrier").click()
    expect(page).to_have_url(re.compile(rf"{edit}/benefices/#id_timeline$"))
    expect(page.locator("#id_timeline")).to_be_focused()


def test_without_script_the_budget_page_offers_blank_lines_to_save(seeded, browser, live_server):
    agent = User.objects.get(email=APPLICANT[0])
    administration = Administration.objects.filter(memberships__user=agent).first()
    call = Call.objects.get(slug=DEMO_CALL_SLUG)
    dossier, _ = workflow.create_dossier(agent, call, administration, title=TITLE)
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page, APPLICANT, f"/dossiers/{dossier.pk}/modifier/budget/")
        expect(page.get_by_text("Pour ajouter d’autres lignes, enregistrez")).to_be_visible()
        expect(page.get_by_role("button", name="Ajouter une ligne")).to_be_hidden()
        expect(page.locator("#budget-lines-total")).to_contain_text("Total :")
    finally:
        context.close()
