"""The wide tables on a phone, on the demo data: the ranking, the deliberation, the staff
list of a call's dossiers and the applicant's « Mes dossiers ».

At 375 px only the key columns are shown and the table fits the screen; each row's
« Détails » opens the hidden values. At 1280 px every column is back and the disclosure is
not shown.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calls.demo import ROUND_1_SLUG
from relance.demo import STAFF_LOGIN
from submissions.demo import APPLICANT_LOGIN
from tests.e2e.conftest import PHONE_VIEWPORT

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

DESKTOP = {"width": 1280, "height": 900}


def log_in(page, login, next_url):
    page.goto(f"/compte/connexion/?next={next_url}")
    page.locator('input[name="username"]').fill(login.email)
    page.locator('input[name="password"]').fill(login.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def check_table(page, check_screen, table, name):
    """On a phone, the table fits and a row's « Détails » shows its hidden values; on a
    desktop, the hidden columns are back and the disclosure is gone."""
    region = page.locator(f"{table} > table").first
    secondary = region.locator("thead th.relance-col-secondary").first
    details = region.locator("details.relance-row-details").first
    value = details.locator("dd").first

    page.set_viewport_size(DESKTOP)
    expect(secondary).to_be_visible()
    expect(details).to_be_hidden()

    page.set_viewport_size(PHONE_VIEWPORT)
    expect(secondary).to_be_hidden()
    expect(details).to_be_visible()
    expect(value).to_be_hidden()
    # The key columns fit in the screen: no sideways scrolling, no column a letter wide.
    assert region.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    key_width = region.locator("tbody td.relance-col-key").first.evaluate(
        "td => td.getBoundingClientRect().width"
    )
    assert key_width >= 140
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    expect(value).to_be_visible()
    assert region.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    page.set_viewport_size(DESKTOP)
    check_screen(name)  # the disclosure stays open at 375 px


def test_wide_tables_on_a_phone(seeded, page, check_screen):
    log_in(page, STAFF_LOGIN, reverse("jury:ranking", kwargs={"call_slug": ROUND_1_SLUG}))
    expect(page.locator("h1")).to_have_text("Classement des dossiers")
    check_table(page, check_screen, "#ranking", "ranking")

    page.goto(reverse("jury:deliberation", kwargs={"call_slug": ROUND_1_SLUG}))
    expect(page.locator("h1")).to_have_text("Délibération du jury")
    check_table(page, check_screen, "#decisions-table", "deliberation")

    page.goto(reverse("submissions:instruction_call", kwargs={"call_slug": ROUND_1_SLUG}))
    check_table(page, check_screen, "#dossiers", "staff-dossiers")

    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_load_state()
    log_in(page, APPLICANT_LOGIN, reverse("submissions:dossier_list"))
    expect(page.locator("h1")).to_have_text("Mes dossiers")
    check_table(page, check_screen, ".relance-table-collapse", "my-dossiers")
