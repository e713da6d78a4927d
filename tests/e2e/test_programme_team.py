"""A programme manager finds the programme's team from the instruction home and appoints an
instructor, in a real browser."""

from io import StringIO

import pytest
from playwright.sync_api import expect

from calls import demo as calls_demo
from calls.models import ProgrammeRole
from relance import demo as relance_demo

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_manager_appoints_an_instructor(page, check_screen):
    relance_demo.load(StringIO())
    calls_demo.load(StringIO())
    login = relance_demo.MANAGER_LOGIN

    page.goto("/compte/connexion/?next=/instruction/")
    page.locator('input[name="username"]').fill(login.email)
    page.locator('input[name="password"]').fill(login.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Instruction des dossiers")
    # Staff who are not the superuser are not offered the Django admin.
    expect(page.get_by_role("link", name="Administration", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Programmes et équipes").click()
    expect(page.locator("h1")).to_have_text("Programmes et équipes")
    row = page.locator(f'tr[data-programme="{calls_demo.PROGRAMME_SLUG}"]')
    expect(row).to_contain_text("Responsable du programme")
    check_screen("programmes")

    row.get_by_role("link", name="2 personnes").click()
    expect(page.locator("h1")).to_have_text("Équipe du programme")
    expect(page.locator(f'tr[data-email="{relance_demo.STAFF_LOGIN.email}"]')).to_contain_text(
        "Instructeur"
    )
    page.locator('input[name="email"]').fill("pas-une-adresse")
    page.get_by_role("button", name="Attribuer le rôle").click()
    expect(page.locator("#grant .fr-error-text").first).to_be_visible()
    check_screen("team-error")

    page.locator('input[name="email"]').fill("sacha.leroy@culture.gouv.fr")
    page.locator('input[name="first_name"]').fill("Sacha")
    page.locator('input[name="last_name"]').fill("Leroy")
    page.get_by_role("button", name="Attribuer le rôle").click()
    expect(page.locator(".fr-alert--success")).to_contain_text(
        "sacha.leroy@culture.gouv.fr est désormais instructeur du programme"
    )
    expect(page.locator('tr[data-email="sacha.leroy@culture.gouv.fr"]')).to_contain_text(
        "Instructeur"
    )
    check_screen("team")
    assert ProgrammeRole.objects.filter(user__email="sacha.leroy@culture.gouv.fr").count() == 1
