"""The statistics charts' text stays readable on a phone: at 375 px the phone drawing is
shown, and its labels and values render at 12 px or more (the wide drawing squeezed to the
screen would render them at about 7 px); at 1280 px the wide drawing is back."""

import pytest
from playwright.sync_api import expect

from calls.demo import ROUND_1_SLUG
from tests.e2e.conftest import PHONE_VIEWPORT

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

# The rendered height of each text of a visible chart drawing, in CSS pixels: the font size
# in SVG units times the drawing's scale (its rendered width over its viewBox width).
TEXT_SIZES = """
(svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(
    (text) => parseFloat(text.getAttribute('font-size')) * scale
  );
}
"""


def test_chart_text_is_at_least_12_px_on_a_phone(seeded, page, check_screen):
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto("/statistiques/")
    section = page.locator(f'section[data-call="{ROUND_1_SLUG}"]')
    figure = section.locator("figure.relance-chart").first
    narrow = figure.locator("svg.relance-chart__narrow")
    wide = figure.locator("svg.relance-chart__wide")
    expect(narrow).to_be_visible()
    expect(wide).to_be_hidden()
    figure.scroll_into_view_if_needed()
    sizes = narrow.evaluate(TEXT_SIZES)
    assert sizes
    assert min(sizes) >= 12
    # A label as drawn: its box is at least 12 px high too.
    label_height = narrow.locator("text").first.evaluate("t => t.getBoundingClientRect().height")
    assert label_height >= 12
    # Every chart of the call, the one with two series and a legend included.
    for svg in section.locator("svg.relance-chart__narrow").all():
        assert min(svg.evaluate(TEXT_SIZES)) >= 12
        assert svg.evaluate("s => s.getBoundingClientRect().right") <= PHONE_VIEWPORT["width"]

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(wide).to_be_visible()
    expect(narrow).to_be_hidden()
    assert min(wide.evaluate(TEXT_SIZES)) >= 12
    check_screen("statistics-charts")
