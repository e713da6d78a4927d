"""Smoke test of the public pages in a real browser, with the demo calls loaded."""

from io import StringIO

import pytest
from playwright.sync_api import expect

from calls import demo as calls_demo

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def assert_dsfr_is_applied(page):
    # The DSFR stylesheet is loaded and applied: the header uses its layout and the
    # Marianne font (not the browser's default serif).
    expect(page.locator("header.fr-header")).to_be_visible()
    expect(page.locator("footer.fr-footer")).to_be_visible()
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Marianne" in font
    # Fonts load asynchronously: check once the pending loads are done.
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('1rem Marianne'))")
    assert page.locator("h1").count() == 1


def test_public_pages_and_language_switch(page, screenshot, check_screen):
    calls_demo.load(StringIO())

    page.goto("/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_dsfr_is_applied(page)
    expect(
        page.get_by_role("link", name="[Démonstration] Appel à projets pour essayer le service")
    ).to_be_visible()
    check_screen("home")

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Appels à projets"
    ).click()
    page.wait_for_url("**/appels/")
    page.wait_for_load_state("networkidle")
    assert_dsfr_is_applied(page)
    expect(page.get_by_text("Guichet en continu 2021").first).to_be_visible()
    screenshot("calls")

    page.goto(f"/appels/{calls_demo.ROUND_1_SLUG}/")
    page.wait_for_load_state("networkidle")
    assert_dsfr_is_applied(page)
    assert "Premier appel à projets" in page.locator("h1").inner_text()
    check_screen("call-fr")

    page.get_by_role("button", name="EN — English").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/appels/{calls_demo.ROUND_1_SLUG}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_dsfr_is_applied(page)
    screenshot("call-en")

    page.get_by_role("button", name="FR — Français").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="EN — English")).to_be_visible()
