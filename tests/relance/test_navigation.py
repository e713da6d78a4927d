"""Main navigation: the current section is marked, and only that one."""

import pytest
from django.urls import reverse

from tests.factories import CallFactory
from tests.relance.dom import parse

pytestmark = pytest.mark.django_db


def current_entries(response):
    links = parse(response.content).find_all("a", cls="fr-nav__link")
    return [link.text().strip() for link in links if link.get("aria-current") == "page"]


def test_home_marks_only_home(client):
    assert current_entries(client.get(reverse("home"))) == ["Accueil"]


def test_call_pages_mark_calls(client):
    call = CallFactory()
    assert current_entries(client.get(reverse("calls:list"))) == ["Appels à projets"]
    assert current_entries(client.get(call.get_absolute_url())) == ["Appels à projets"]


def test_staff_call_pages_mark_instruction_not_public_calls(client, staff):
    client.force_login(staff)
    response = client.get(reverse("submissions:instruction_home"))
    assert current_entries(response) == ["Instruction"]


def test_open_call_offers_a_signed_in_user_to_file_a_dossier(client, user):
    call = CallFactory()
    assert call.status == "open"
    client.force_login(user)
    content = client.get(call.get_absolute_url()).content.decode()
    assert reverse("submissions:dossier_create", args=[call.slug]) in content
    assert "Déposer un dossier" in content
