"""The API's documentation page in a real browser, on the demo data: the site's layout around
Swagger UI served from the site (the Content-Security-Policy lets no other script run), every
operation listed, and one tried from the page."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_documentation_page_lists_and_tries_the_operations(seeded, page, check_screen):
    response = page.goto("/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Documentation de l’API")
    # Swagger UI draws the operations once it has read the OpenAPI description.
    operations = page.locator("#swagger-ui .opblock-get")
    expect(operations).to_have_count(7)
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/laureates")
    check_screen("api-docs")

    laureates = page.locator("#operations-Lauréats-laureates")
    laureates.locator(".opblock-summary").click()
    laureates.get_by_role("button", name="Try it out").click()
    laureates.get_by_role("button", name="Execute").click()
    expect(
        laureates.locator(".live-responses-table tbody .response-col_status").first
    ).to_have_text("200")
    expect(laureates.locator(".live-responses-table .microlight").first).to_contain_text(
        '"count": 37'
    )
