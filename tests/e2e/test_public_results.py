"""The public results in a real browser, on the demo data: every public page opens without a
console error, the laureates of round 1 are listed, filtered and opened, the statistics draw
their charts with table alternatives, and the open data files answer with their formats.
"""

import csv
import json
from io import StringIO

import pytest
from playwright.sync_api import expect

from calls.demo import ROUND_1_SLUG

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

MOBILE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
DATASETS = {
    "/donnees/laureats.csv": "text/csv; charset=utf-8",
    "/donnees/laureats.json": "application/json; charset=utf-8",
    "/donnees/subventions.csv": "text/csv; charset=utf-8",
    "/donnees/appels.json": "application/json; charset=utf-8",
    "/donnees/rectificatifs.csv": "text/csv; charset=utf-8",
    "/donnees/rectificatifs.json": "application/json; charset=utf-8",
}


def open_page(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() == 1
    assert "Marianne" in page.evaluate("getComputedStyle(document.body).fontFamily")


def laureate_cards(scope):
    """The laureate cards within a page or a part of it."""
    return scope.locator("[data-laureate]")


def test_every_public_results_page(seeded, page, screenshot):
    open_page(page, "/")
    open_page(page, "/appels/")
    expect(page.get_by_role("link", name="Premier appel à projets").first).to_be_visible()

    # The round-1 call page: funnel, laureates by category, jury composition.
    open_page(page, f"/appels/{ROUND_1_SLUG}/")
    numbers = page.locator("#call-funnel-numbers .relance-count").all_inner_texts()
    assert numbers == ["69", "30", "12", "33", "33", "17", "16"]
    assert laureate_cards(page.locator("#call-laureates")).count() == 17
    assert page.locator("#call-laureates section[data-category]").count() == 6
    assert page.locator("#call-jury li").count() == 16
    assert "fictive" in page.locator("#call-jury-name").inner_text()
    screenshot("call")

    # Every laureate, then round 1's alone.
    # Round 1's 17 laureates and the 2021 window's 20.
    open_page(page, "/laureats/")
    expect(laureate_cards(page)).to_have_count(37)
    screenshot("laureates")
    open_page(page, f"/laureats/?appel={ROUND_1_SLUG}")
    assert page.locator("#result-count").inner_text() == "17 lauréats"
    assert laureate_cards(page).count() == 17
    assert page.locator("#id_appel").input_value() == ROUND_1_SLUG

    # A laureate's page, reached from the list.
    page.get_by_role("link", name="DataMin 360", exact=True).click()
    page.wait_for_url("**/laureats/datamin-360/")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "DataMin 360"
    assert (
        page.locator("#laureate-administration").inner_text()
        == "Direction du numérique du ministère de l’Intérieur (DNUM)"
    )
    expect(page.locator("#laureate-amount")).to_be_visible()
    screenshot("laureate")

    # The filter form: one category.
    open_page(page, "/laureats/")
    page.get_by_label("Catégorie").select_option("Développement d’API")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_load_state("networkidle")
    assert "categorie=" in page.url
    # Round 1's four and the window's three.
    expect(page.locator("#result-count")).to_have_text("7 lauréats")
    expect(laureate_cards(page)).to_have_count(7)
    expect(page.get_by_role("link", name="API Sécu", exact=True)).to_be_visible()
    page.get_by_role("link", name="Tout afficher").click()
    page.wait_for_load_state("networkidle")
    expect(laureate_cards(page)).to_have_count(37)

    # Statistics: SVG charts, each followed by its data table.
    open_page(page, "/statistiques/")
    round_1 = page.locator(f'section[data-call="{ROUND_1_SLUG}"]')
    assert round_1.locator(".relance-count").all_inner_texts()[:7] == numbers
    charts = round_1.locator("figure.relance-chart svg[role=img]:visible")
    assert charts.count() == 5
    assert round_1.locator("table").count() == 5
    assert charts.first.locator("rect").count() >= 7
    chart_box = charts.first.bounding_box()
    assert chart_box["width"] > 300
    # Aligned with the text, not indented by the browser's default figure margins.
    assert chart_box["x"] == round_1.bounding_box()["x"]
    screenshot("statistics")
    # The table alternative opens from its accordion.
    button = round_1.locator(".fr-accordion__btn").first
    # A click lands only once the DSFR script has taken the accordion in hand.
    page.wait_for_selector(".fr-collapse[data-fr-js-collapse]", state="attached")
    button.click()
    # The DSFR script updates it after the click: wait for it.
    expect(button).to_have_attribute("aria-expanded", "true")
    table = round_1.locator("table").first
    table.wait_for(state="visible")
    assert table.locator("tbody tr").count() == 7

    # Open data: the page, its four datasets and their six files.
    open_page(page, "/donnees/")
    expect(page.locator("[data-dataset]")).to_have_count(4)
    screenshot("open-data")
    for url, content_type in DATASETS.items():
        response = page.request.get(url)
        assert response.status == 200, url
        assert response.headers["content-type"] == content_type, url
    laureates = json.loads(page.request.get("/donnees/laureats.json").text())
    assert len(laureates) == 37
    rows = list(csv.DictReader(StringIO(page.request.get("/donnees/laureats.csv").text())))
    assert len(rows) == 37
    assert {row["titre"] for row in rows} == {row["titre"] for row in laureates}
    calls = json.loads(page.request.get("/donnees/appels.json").text())
    assert any(call["slug"] == ROUND_1_SLUG for call in calls)

    # The list on a phone.
    page.set_viewport_size(MOBILE)
    open_page(page, "/laureats/")
    expect(laureate_cards(page)).to_have_count(37)
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot("laureates-mobile")
    page.set_viewport_size(DESKTOP)
