"""Error pages: in French, with the service's header and footer, a way home, no trace."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.relance.dom import parse

pytestmark = pytest.mark.django_db


def assert_error_page(response, status, heading):
    assert response.status_code == status
    html = response.content.decode()
    root = parse(html)
    assert root.one("html").get("lang") == "fr"
    assert "fr-header" in root.one("header").classes
    assert "fr-footer" in root.one("footer").classes
    assert f"<h1>{heading}</h1>" in html
    assert f"Erreur {status}" in html
    assert 'href="/"' in html
    for leak in ("Traceback", "Secret detail", "CSRF", "Forbidden", "Not Found"):
        assert leak not in html, leak


def test_an_unknown_address_answers_the_404_page(client, settings):
    settings.DEBUG = False
    assert_error_page(client.get("/nexiste-pas/"), 404, "Page non trouvée")


def test_a_forbidden_object_answers_the_same_404_page(client, user):
    client.force_login(user)
    response = client.get(reverse("submissions:dossier_detail", kwargs={"pk": 999999}))
    assert_error_page(response, 404, "Page non trouvée")


def test_a_post_without_csrf_token_answers_the_french_403_page(settings):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "a@b.fr", "password": "x"})
    assert_error_page(response, 403, "Formulaire expiré")


def test_a_bad_request_answers_the_400_page(client, settings):
    settings.DEBUG = False
    assert_error_page(client.get("/", HTTP_HOST="ailleurs.example"), 400, "Requête invalide")


@pytest.mark.urls("tests.relance.failing_urls")
def test_a_failure_answers_the_500_page_without_its_detail(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    assert_error_page(client.get("/panne/"), 500, "Erreur du service")


def test_a_body_above_the_upload_limit_is_refused_before_being_read(client, settings, user):
    settings.RELANCE_MAX_REQUEST_BYTES = 1024
    client.force_login(user)
    response = client.post(reverse("login"), {"username": "a@b.fr", "password": "x" * 2000})
    assert_error_page(response, 413, "Envoi trop volumineux")
