"""The grants file's unpublishable awards in a real browser, on the demo data: the programme
manager opens round 1 from the instruction page, reads that the laureate without SIRET is left
out of the SCDL « subventions » file, fills in its SIRET on the administration's page, and the
award leaves the list; the programme's open-data settings page shows its identifier."""

import pytest
from playwright.sync_api import expect

from calls.demo import PROGRAMME, PROGRAMME_SLUG, ROUND_1_SLUG
from submissions import demo_data

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

MANAGER = ("responsable@demo.relance.gouv.fr", "Piloter-Relance-2021")
# A fictitious SIRET of the demo range, not given to any demo administration.
NEW_SIRET = "999 990 989 00017"


def test_manager_fills_in_the_missing_siret(seeded, page, check_screen):
    from tests.e2e.test_dossier_path import log_in

    name = demo_data.ADMINISTRATIONS[demo_data.NO_SIRET].name
    log_in(page, MANAGER, f"/instruction/appels/{ROUND_1_SLUG}/")
    page.locator("#opendata-link").click()
    expect(page.locator("h1")).to_have_text("Attributions non publiables en données ouvertes")
    row = page.locator("#unpublishable tbody tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator('[data-issue="siret_missing"]')).to_contain_text(
        "SIRET du bénéficiaire manquant"
    )
    check_screen("unpublishable")

    row.locator('[data-issue="siret_missing"] a').click()
    page.locator("#id_siret").fill("123")
    page.locator("#id_siret").press("Enter")
    expect(page.locator("body")).to_contain_text("14 chiffres")
    page.locator("#id_siret").fill(NEW_SIRET)
    page.locator("#id_siret").press("Enter")
    expect(page.locator(".fr-alert--success")).to_be_visible()

    page.goto(f"/instruction/appels/{ROUND_1_SLUG}/donnees-ouvertes/")
    expect(page.locator("h1")).to_have_text("Attributions non publiables en données ouvertes")
    expect(page.locator("#unpublishable tbody tr", has_text=name)).to_have_count(0)

    page.goto(f"/instruction/programmes/{PROGRAMME_SLUG}/donnees-ouvertes/")
    expect(page.locator("#id_aid_scheme_id")).to_have_value(PROGRAMME["aid_scheme_id"])
    check_screen("programme-open-data")
