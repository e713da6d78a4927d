"""A programme manager (not the superuser) duplicates round 1 of the demo into a new round,
changes its dates and one criterion's weight, checks and publishes it, in a real browser."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls import demo as calls_demo
from calls.models import Call
from relance import demo as relance_demo
from relance.formatting import to_paris

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_manager_duplicates_checks_and_publishes_a_round(page, check_screen):
    relance_demo.load(StringIO())
    calls_demo.load(StringIO())
    login = relance_demo.MANAGER_LOGIN

    page.goto("/compte/connexion/?next=/instruction/")
    page.locator('input[name="username"]').fill(login.email)
    page.locator('input[name="password"]').fill(login.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Instruction des dossiers")

    page.get_by_role("link", name="Appels du programme « Développer").click()
    expect(page.locator("h1")).to_have_text("Appels du programme")
    check_screen("programme-calls")

    row = page.locator(f'tr[data-call="{calls_demo.ROUND_1_SLUG}"]')
    row.get_by_role("link", name="Dupliquer l’appel").click()
    expect(page.locator("h1")).to_have_text("Dupliquer l’appel")
    expect(page.locator('input[name="number"]')).to_have_value("4")
    check_screen("call-duplicate")

    opens = to_paris(timezone.now() + timedelta(days=30)).date()
    closes = opens + timedelta(days=45)
    page.locator('input[name="opens_on"]').fill(opens.isoformat())
    page.locator('input[name="opens_time"]').fill("09:30")
    page.locator('input[name="closes_on"]').fill(closes.isoformat())
    page.locator('input[name="closes_time"]').fill("12:00")
    page.get_by_role("button", name="Créer le brouillon").click()

    expect(page.locator("h1")).to_have_text("Modifier l’appel")
    expect(page.get_by_role("status")).to_contain_text("reprend l’appel")
    weight = page.locator('input[name="criteria-0-weight"]')
    expect(weight).to_have_value("1")
    weight.fill("2,5")
    check_screen("call-edit")
    page.locator("#call-form").get_by_role("button", name="Enregistrer").click()

    expect(page.locator("h1")).to_contain_text("Appel à projets n° 4")
    expect(page.locator("#problems")).to_contain_text("Rien ne manque")
    expect(page.locator("#criteria-summary")).to_contain_text("pondération 2,5")
    check_screen("call-check")
    page.get_by_role("button", name="Publier l’appel").click()
    expect(page.get_by_role("status")).to_contain_text("est publié")
    expect(page.get_by_role("link", name="Voir la page publique")).to_be_visible()

    call = Call.objects.get(programme__slug=calls_demo.PROGRAMME_SLUG, number=4)
    assert not call.is_draft
    assert to_paris(call.opens_at).date() == opens and to_paris(call.opens_at).hour == 9
    assert call.criteria.order_by("order").first().weight == Decimal("2.5")
    assert call.categories.count() == len(calls_demo.CATEGORIES)

    page.get_by_role("link", name="Voir la page publique").click()
    expect(page.locator("h1")).to_contain_text("Appel à projets n° 4")
