"""The Django admin in a real browser, under the site's Content-Security-Policy: its pages
run their scripts without a violation (any console error fails the test), and a CSV import
missing a column says so in French."""

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, MinistryFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_superuser_goes_through_the_admin_without_a_policy_violation(page, tmp_path):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    MinistryFactory(name="Premier ministre", acronym="PM")

    page.goto("/admin/login/?next=/admin/")
    page.locator('input[name="username"]').fill(superuser.email)
    page.locator('input[name="password"]').fill(DEFAULT_PASSWORD)
    page.locator('input[type="submit"]').click()
    expect(page.locator("#site-name")).to_contain_text("Relance")

    page.goto("/admin/submissions/administration/")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto("/admin/submissions/administration/add/")
    # The ministry field is a select2 autocomplete: the admin's scripts have run.
    expect(page.locator(".select2-container").first).to_be_visible()

    csv = tmp_path / "administrations.csv"
    csv.write_text("nom;sigle;ministere\nDINUM;DINUM;PM\n", encoding="utf-8")
    page.goto("/admin/submissions/administration/import/")
    page.locator('input[name="import_file"]').set_input_files(str(csv))
    page.locator('input[type="submit"]').click()
    expect(page.get_by_text("Il manque les colonnes « type », « siret »")).to_be_visible()
