"""The applicant and instruction path of a newcomer, in a real browser, on the demo data.

The demo applicant files a dossier with an attachment into the open demonstration call and
submits it; the demo instructor requests an addition; the applicant completes it; the call
closes; the instructor preselects the dossier and publishes the preselection; the applicant
reads the outcome.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.demo import DEMO_CALL_SLUG
from calls.models import Call
from relance.models import OutgoingEmail
from submissions.models import Dossier, DossierState
from tests.submissions.sample_files import PDF_BYTES

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

APPLICANT = ("agent@demo.relance.gouv.fr", "Deposer-Dossier-2021")
INSTRUCTOR = ("instructeur@demo.relance.gouv.fr", "Instruire-Relance-2021")
TITLE = "Tableau de bord des délais de traitement des demandes"


# After a navigation, the load event is enough (network idle costs half a second each time):
# what the DSFR script changes later is asserted with expect(), which waits for it.


def log_in(page, account, next_url):
    page.goto(f"/compte/connexion/?next={next_url}")
    page.locator('input[name="username"]').fill(account[0])
    page.locator('input[name="password"]').fill(account[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def log_out(page):
    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_load_state()


def test_file_submit_complete_preselect_publish(seeded, page, screenshot, tmp_path):
    # The applicant finds the open demonstration call and starts a dossier.
    log_in(page, APPLICANT, f"/appels/{DEMO_CALL_SLUG}/")
    page.get_by_role("link", name="Déposer un dossier").click()
    page.locator('input[name="title"]').fill(TITLE)
    page.get_by_role("button", name="Créer le dossier").click()
    page.wait_for_load_state()
    dossier = Dossier.objects.get(title=TITLE)
    assert dossier.state == DossierState.DRAFT
    assert page.url.endswith(dossier.get_absolute_url())

    # Section by section, saved as a draft each time.
    edit = f"/dossiers/{dossier.pk}/modifier"
    page.goto(f"{edit}/projet/")
    page.locator('input[name="subtitle"]').fill("Mesurer pour réduire les délais")
    page.locator('select[name="category"]').select_option(index=1)
    page.locator('textarea[name="summary"]').fill("Un tableau de bord partagé des délais.")
    page.locator('textarea[name="description"]').fill("Collecte, entrepôt, restitution.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".fr-alert--success").count() >= 1

    page.goto(f"{edit}/benefices/")
    for name in [
        "benefits_self",
        "benefits_others",
        "technical_approach",
        "sustainability",
        "timeline",
    ]:
        page.locator(f'textarea[name="{name}"]').fill("Décrit avec soin.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state()

    page.goto(f"{edit}/budget/")
    page.locator('input[name="total_budget"]').fill("120 000,00")
    page.locator('input[name="requested_amount"]').fill("60 000,00")
    page.locator('input[name="lignes-0-label"]').fill("Prestation de développement")
    page.locator('select[name="lignes-0-nature"]').select_option("services")
    page.locator('input[name="lignes-0-amount"]').fill("120 000,00")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state()

    page.goto(f"{edit}/contact/")
    page.locator('input[name="contact_name"]').fill("Camille Martin")
    page.locator('input[name="contact_email"]').fill("camille.martin@demo.relance.gouv.fr")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state()

    # An attachment, checked by its content.
    pdf = tmp_path / "devis.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.goto(f"/dossiers/{dossier.pk}/pieces/")
    page.locator('input[name="file"]').set_input_files(str(pdf))
    page.locator('input[name="description"]').fill("Devis du prestataire")
    page.get_by_role("button", name="Ajouter la pièce").click()
    page.wait_for_load_state()
    expect(page.get_by_text("devis.pdf").first).to_be_visible()

    # Submit from the summary page; the acknowledgement gives reference, date and time.
    page.goto(f"/dossiers/{dossier.pk}/deposer/")
    screenshot("summary")
    page.get_by_role("button", name="Déposer le dossier").click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED
    assert dossier.reference in page.locator("main").inner_text()
    screenshot("acknowledgement")
    assert OutgoingEmail.objects.filter(subject__contains=dossier.reference).exists()
    log_out(page)

    # The instructor finds it and asks for an addition.
    log_in(page, INSTRUCTOR, "/instruction/")
    page.goto(f"/instruction/appels/{DEMO_CALL_SLUG}/")
    row = page.get_by_role("row").filter(has_text=TITLE)
    row.get_by_role("link", name=dossier.reference).click()
    page.wait_for_load_state()
    message = "Merci de joindre la lettre de soutien de votre direction."
    page.get_by_label("Message à l’administration").fill(message)
    page.get_by_role("button", name="Demander des compléments").click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.INCOMPLETE
    log_out(page)

    # The applicant reads the message and completes the dossier.
    log_in(page, APPLICANT, dossier.get_absolute_url())
    expect(page.get_by_text(message).first).to_be_visible()
    page.goto(f"/dossiers/{dossier.pk}/completer/")
    page.locator('textarea[name="reply"]').fill("Lettre ajoutée aux pièces.")
    page.get_by_role("button", name="Renvoyer le dossier complété").click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED
    log_out(page)

    # The call closes; the instructor preselects and publishes the preselection.
    Call.objects.filter(slug=DEMO_CALL_SLUG).update(closes_at=timezone.now() - timedelta(minutes=1))
    log_in(page, INSTRUCTOR, f"/instruction/dossiers/{dossier.pk}/")
    # DSFR draws the radio on its label, which is what a user clicks.
    page.locator("#decision-form label", has_text=re.compile("^Présélectionné$")).click()
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.pending_decision == "preselected"
    assert dossier.state == DossierState.SUBMITTED  # recorded, not yet published
    # The other dossiers filed in the demonstration call get their decision too: the
    # publication is refused while one is left without.
    others = Dossier.objects.filter(
        call__slug=DEMO_CALL_SLUG, state=DossierState.SUBMITTED, pending_decision=""
    )
    for other in others:
        page.goto(f"/instruction/dossiers/{other.pk}/")
        page.locator("#decision-form label", has_text=re.compile("^Non présélectionné$")).click()
        page.locator('#decision-form textarea[name="decision-reason"]').fill(
            "Projet hors du périmètre de l’appel."
        )
        page.get_by_role("button", name="Enregistrer la décision").click()
        page.wait_for_load_state()
        other.refresh_from_db()
        assert other.pending_decision == "not_preselected"
    page.goto(f"/instruction/appels/{DEMO_CALL_SLUG}/publier/")
    screenshot("publish")
    page.get_by_role("button", name="Confirmer la publication").click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.PRESELECTED
    log_out(page)

    # The applicant sees the outcome.
    log_in(page, APPLICANT, dossier.get_absolute_url())
    expect(page.get_by_text("Présélectionné").first).to_be_visible()
    screenshot("outcome")
