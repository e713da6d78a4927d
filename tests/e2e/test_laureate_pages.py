"""The laureates list by pages in a real browser, and the language switch of an anonymous
visitor (its form carries no token, so that the page can be shared)."""

import pytest
from playwright.sync_api import expect

from tests.jury.stats_data import bulk_laureates
from tests.jury.test_public_laureates import World

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_laureates_by_pages_then_all_then_in_english(page, check_screen):
    world = World()
    bulk_laureates(world.round1, 120, start=1000)  # 124 laureates

    page.goto("/laureats/")
    expect(page.locator("#result-count")).to_have_text("124 lauréats")
    cards = page.locator("[data-laureate]")
    expect(cards).to_have_count(60)
    pagination = page.get_by_role("navigation", name="Pagination")
    expect(pagination.locator("[aria-current=page]")).to_have_text("1")
    check_screen("laureates-page-1")

    pagination.get_by_role("link", name="Page suivante").click()
    expect(pagination.locator("[aria-current=page]")).to_have_text("2")
    expect(cards).to_have_count(60)

    page.get_by_role("link", name="Tout afficher sur une seule page (124 lauréats)").click()
    expect(cards).to_have_count(124)
    expect(page.get_by_role("navigation", name="Pagination")).to_have_count(0)
    expect(page.get_by_role("link", name="Afficher les lauréats page par page")).to_be_visible()
    check_screen("laureates-all")

    page.get_by_role("button", name="EN — English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#result-count")).to_have_text("124 laureates")
    expect(cards).to_have_count(124)
    page.get_by_role("button", name="FR — Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
