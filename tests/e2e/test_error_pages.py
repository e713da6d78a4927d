"""The error pages in a real browser: a visitor who mistypes an address, and a form sent
after its session expired (no CSRF cookie), land on the service's own French pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS_DIR, PHONE_VIEWPORT, serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

# The browser reports the error status of the document itself; nothing else may fail.
EXPECTED_STATUS = re.compile(r"status of 40[34]")


@pytest.fixture
def error_page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not EXPECTED_STATUS.search(m.text)
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, "\n".join(errors)


def check(page, name, request):
    """Screenshots at 1280 and 375 px (test-artifacts/), no serious axe-core violation."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    desktop = page.viewport_size
    for width, viewport in (("1280", desktop), ("375", PHONE_VIEWPORT)):
        page.set_viewport_size(viewport)
        page.screenshot(
            path=str(ARTIFACTS_DIR / f"{request.node.name}-{name}-{width}.png"), full_page=True
        )
        violations = serious_axe_violations(page)
        assert not violations, f"{name} at {width} px:\n" + "\n".join(violations)
    page.set_viewport_size(desktop)


def assert_service_page(page, heading):
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("header.fr-header")).to_be_visible()
    expect(page.locator("footer.fr-footer")).to_be_visible()
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.get_by_role("link", name="Page d’accueil")).to_be_visible()


def test_a_mistyped_address_and_an_expired_form(error_page, request):
    page = error_page
    response = page.goto("/nexiste-pas/")
    assert response.status == 404
    assert_service_page(page, "Page non trouvée")
    check(page, "404", request)

    page.goto("/compte/connexion/")
    page.context.clear_cookies()  # the session and the CSRF cookie are gone
    page.get_by_label("Adresse électronique").fill("agent@exemple.gouv.fr")
    page.get_by_label("Mot de passe").fill("mot-de-passe")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").last.click()
    assert_service_page(page, "Formulaire expiré")
    check(page, "403-csrf", request)

    page.get_by_role("link", name="Page d’accueil").click()
    expect(page).to_have_url(re.compile(r"/$"))
