"""The continuous window on the public pages, in a real browser, on the demo data: the 2021
window's page with its envelope and its published committee sessions, a window laureate from
there and in the laureates list, the window's statistics, the open demonstration window."""

import re

import pytest
from playwright.sync_api import expect

from calls.demo import CONTINUOUS_SLUG, DEMO_WINDOW_SLUG

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

NBSP = "\u00a0"
PUBLISHED_SESSIONS = ["2021-07-15", "2021-06-15", "2021-05-17", "2021-04-15", "2021-03-15"]
LAUREATE = "API des installations de production d’électricité renouvelable"


def open_page(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_count(1)


def euros(text):
    return text.replace(" ", NBSP) + f"{NBSP}€"


def test_the_window_page_its_sessions_and_its_laureates(seeded, page, check_screen):
    open_page(page, f"/appels/{CONTINUOUS_SLUG}/")
    expect(page.locator("#window-status")).to_contain_text(
        "Le guichet est clos depuis le 31 décembre 2021"
    )
    expect(page.locator("#window-process")).to_contain_text("30 jours au plus")
    expect(page.locator("#call-envelope-figures .relance-amount")).to_have_text(
        [euros("3 000 000"), euros("1 164 000"), euros("1 836 000")]
    )
    sessions = page.locator("#window-decisions section[data-session]")
    expect(sessions).to_have_count(5)
    for session, day in zip(sessions.all(), PUBLISHED_SESSIONS, strict=True):
        expect(session).to_have_attribute("data-session", day)
    march = page.locator('section[data-session="2021-03-15"]')
    expect(march.locator("h4")).to_have_text("Décisions du comité du 15 mars 2021")
    expect(march.locator("[data-counts]")).to_contain_text("4 dossiers retenus, 2 dossiers refusés")
    expect(march.locator("[data-laureate]")).to_have_count(4)
    check_screen("window")

    # A laureate, from its session's table.
    march.get_by_role("link", name=LAUREATE).click()
    expect(page).to_have_url(re.compile(r"/laureats/api-des-installations-[\w-]+/$"))
    expect(page.locator("h1")).to_have_text(LAUREATE)
    expect(page.locator("#laureate-session")).to_have_text("15 mars 2021")
    expect(page.locator("#laureate-amount")).to_have_text(euros("85 000"))
    check_screen("window-laureate")

    # The laureates list: the window's, grouped by session, latest first.
    open_page(page, f"/laureats/?appel={CONTINUOUS_SLUG}")
    expect(page.locator("#result-count")).to_have_text("20 lauréats")
    expect(page.locator("section[data-session] > h3")).to_have_text(
        [
            "Décisions du comité du 15 juillet 2021",
            "Décisions du comité du 15 juin 2021",
            "Décisions du comité du 17 mai 2021",
            "Décisions du comité du 15 avril 2021",
            "Décisions du comité du 15 mars 2021",
        ]
    )
    expect(page.get_by_role("link", name=LAUREATE, exact=True)).to_be_visible()
    check_screen("window-laureates")

    # Every laureate: the window's with round 1's.
    open_page(page, "/laureats/")
    expect(page.locator("#result-count")).to_have_text("37 lauréats")
    expect(page.locator(f'section[data-call="{CONTINUOUS_SLUG}"] [data-laureate]')).to_have_count(
        20
    )

    # The window's statistics: its funnel and its months.
    open_page(page, "/statistiques/")
    window = page.locator(f'section[data-call="{CONTINUOUS_SLUG}"]')
    expect(window.locator("[data-step] .relance-count")).to_have_text(["34", "28", "20", "8", "6"])
    expect(window.locator("figure.relance-chart svg[role=img]:visible")).to_have_count(6)
    window.scroll_into_view_if_needed()
    check_screen("window-statistics")


def test_the_demonstration_window_is_open_with_its_envelope(seeded, page, check_screen):
    open_page(page, f"/appels/{DEMO_WINDOW_SLUG}/")
    expect(page.locator("#demo-call-notice")).to_be_visible()
    expect(page.locator("#window-status")).to_contain_text("Le guichet est ouvert")
    expect(page.locator("#call-envelope-figures .relance-amount")).to_have_text(
        [euros("1 000 000"), euros("0"), euros("1 000 000")]
    )
    expect(page.locator("#window-no-decisions")).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter pour déposer un dossier")).to_be_visible()
    check_screen("demo-window")

    # The home page sums the programme's envelopes (the demonstration window's aside).
    open_page(page, "/")
    expect(page.locator('[id$="-envelope-figures"] .relance-amount').first).to_have_text(
        euros("3 000 000")
    )
    check_screen("home")
