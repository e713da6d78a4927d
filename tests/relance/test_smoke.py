import pytest


@pytest.mark.django_db
def test_home_page_renders_in_french(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    assert b'<html lang="fr"' in response.content
