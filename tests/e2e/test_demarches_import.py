"""The Démarches Simplifiées import in a real browser, on the demo data, against a local DS
API: an instructor connects a call to a procedure, maps its fields, runs the import and reads
its summary (the demo's DNUM of the Interior and CNAV carry the recorded dossiers' SIRETs)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.demo import PROGRAMME_SLUG
from calls.models import Call, CallKind, Category, Programme
from relance.formatting import PARIS
from submissions.models import DemarcheLink, Dossier
from tests.demarches_server import TOKEN
from tests.e2e.test_dossier_path import INSTRUCTOR, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

MAPPING = {
    "title": "Titre du projet",
    "subtitle": "Sous-titre",
    "category": "Catégorie",
    "summary": "Résumé du projet",
    "description": "Description du projet",
    "benefits_self": "Bénéfices pour l’administration",
    "benefits_others": "Bénéfices pour d’autres administrations",
    "technical_approach": "Approche technique",
    "sustainability": "Pérennité",
    "timeline": "Calendrier",
    "total_budget": "Budget total (€)",
    "requested_amount": "Montant demandé (€)",
    "contact_name": "Nom du contact",
    "contact_email": "Courriel du contact",
}


def ds_call():
    """A round of the demo programme open since the recorded dossiers were filed."""
    now = timezone.now()
    call = Call.objects.create(
        programme=Programme.objects.get(slug=PROGRAMME_SLUG),
        kind=CallKind.ROUND,
        number=5,
        title="Développer l’utilisation de la donnée — appel n° 5",
        slug="france-relance-donnees-vague-5",
        summary="Appel dont les dossiers sont déposés dans Démarches Simplifiées.",
        opens_at=datetime(2026, 2, 1, tzinfo=PARIS),
        closes_at=now + timedelta(days=30),
        published_at=datetime(2026, 2, 1, tzinfo=PARIS),
    )
    Category.objects.create(call=call, name="Science des données", order=1)
    return call


def test_connect_map_run_and_read_the_summary(seeded, demarches, page, check_screen):
    call = ds_call()
    log_in(page, INSTRUCTOR, f"/instruction/appels/{call.slug}/")
    page.get_by_role("link", name="Importer depuis Démarches Simplifiées").click()
    expect(page.locator("h1")).to_have_text("Import depuis Démarches Simplifiées")

    # A wrong token: refused by DS, said in French, the number kept.
    page.locator("#id_connexion-procedure_number").fill("61234")
    page.locator("#id_connexion-token").fill("jeton-errone")
    page.get_by_role("button", name="Connecter la démarche").click()
    expect(page.locator("#error")).to_contain_text("refuse le jeton")
    expect(page.locator("#id_connexion-procedure_number")).to_have_value("61234")
    check_screen("ds-connect-error")

    page.locator("#id_connexion-token").fill(TOKEN)
    page.get_by_role("button", name="Connecter la démarche").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La démarche est connectée")
    expect(page.locator("#connected")).to_contain_text("Démarche n° 61234")
    # The token is never shown again.
    expect(page.locator("#id_connexion-token")).to_have_value("")
    assert TOKEN not in page.content()

    for field, label in MAPPING.items():
        page.locator(f"#id_correspondance-{field}").fill(label)
    check_screen("ds-mapping")
    page.get_by_role("button", name="Enregistrer la correspondance").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("correspondance des champs")
    assert DemarcheLink.objects.get(call=call).mapping == MAPPING

    page.get_by_role("button", name="Lancer l’import").click()
    expect(page.locator("#import-status")).to_have_attribute("data-status", "done", timeout=20_000)
    expect(page.locator("#created-count")).to_have_text("2")
    expect(page.locator("#skipped")).to_contain_text("99999996400015")
    expect(page.locator("#skipped")).to_contain_text("budget-detaille.pdf")
    expect(page.locator("#deleted")).to_contain_text("n° 99")
    check_screen("ds-summary")
    assert set(Dossier.objects.filter(call=call).values_list("ds_number", flat=True)) == {101, 102}

    # Run again: nothing created, nothing updated.
    page.get_by_role("link", name="Retour à l’import").click()
    page.get_by_role("button", name="Lancer l’import").click()
    expect(page.locator("#import-status")).to_have_attribute("data-status", "done", timeout=20_000)
    expect(page.locator("#created-count")).to_have_text("0")
    expect(page.locator("#updated-count")).to_have_text("0")
    assert Dossier.objects.filter(call=call).count() == 2
