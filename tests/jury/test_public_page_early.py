"""Anonymous visitors get public results pages before the session, language, CSRF and
authentication middleware run (jury.results.middleware), and the results' moment is kept a
few seconds in the cache without ever hiding a change."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jury.deliberation import workflow as wf
from jury.results.cache import version_lifetime
from tests.jury.factories import JuryFactory, preselected
from tests.jury.test_public_page_cache import LIST

pytestmark = pytest.mark.django_db


def early_pages(dossier):
    return [
        LIST,
        f"{LIST}?q=donn%C3%A9es",
        reverse("jury:laureate", args=[dossier.award.slug]),
        reverse("jury:statistics"),
        reverse("jury:open_data"),
        reverse("jury:laureates_csv"),
    ]


def test_a_second_visitor_is_answered_before_the_session_and_authentication(published):
    for url in early_pages(published):
        first = Client().get(url)
        assert first.status_code == 200, url
        assert hasattr(first.wsgi_request, "user")  # rendered through the whole stack
        with CaptureQueriesContext(connection) as queries:
            second = Client().get(url)
        assert second.status_code == 200, url
        assert second.content == first.content, url
        # Neither the session nor the account was looked at: only the results' moment read.
        assert not hasattr(second.wsgi_request, "user"), url
        assert not hasattr(second.wsgi_request, "session"), url
        assert len(queries) == 1, (url, [q["sql"][:120] for q in queries])
        # The headers the skipped middleware add were kept with the copy, the outer ones
        # (security policy) are added again.
        assert second["ETag"] == first["ETag"]
        assert second["X-Frame-Options"] == "DENY"
        assert second["Content-Language"] == "fr"
        assert {"Cookie", "Accept-Language"} <= {v.strip() for v in second["Vary"].split(",")}
        assert "Content-Security-Policy" in second


def test_the_early_copy_answers_304_and_follows_the_language(published):
    french = Client().get(LIST)
    assert Client().get(LIST, HTTP_IF_NONE_MATCH=french["ETag"]).status_code == 304
    english = Client().get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    again = Client().get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert not hasattr(again.wsgi_request, "user")
    assert again.content == english.content != french.content
    assert again["Content-Language"] == "en"
    assert Client().get(LIST, HTTP_IF_NONE_MATCH=english["ETag"]).status_code == 200


def test_a_visitor_with_a_session_is_never_answered_early(client, staff, published):
    Client().get(LIST)
    client.force_login(staff)
    response = client.get(LIST)
    assert response.wsgi_request.user == staff
    assert b"Se d\xc3\xa9connecter" in response.content
    # The call page follows its call too: always rendered through the view.
    Client().get(published.call.get_absolute_url())
    assert hasattr(Client().get(published.call.get_absolute_url()).wsgi_request, "user")


def test_an_unknown_host_is_refused_even_with_a_copy(published):
    Client().get(LIST)
    assert Client(HTTP_HOST="ailleurs.example").get(LIST).status_code == 400


@override_settings(RELANCE_RESULTS_VERSION_SECONDS=60)
def test_the_kept_moment_spares_the_database_and_a_publication_forgets_it(staff, published):
    Client().get(LIST)
    with CaptureQueriesContext(connection) as queries:
        kept = Client().get(LIST)
    assert len(queries) == 0
    assert "Observatoire des achats" not in kept.content.decode()
    jury = JuryFactory()
    dossier = preselected(jury, title="Observatoire des achats", requested_amount=Decimal("9000"))
    wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal("9000"))
    wf.publish_results(staff, jury.call)
    after = Client().get(LIST)
    assert "Observatoire des achats" in after.content.decode()
    assert after["ETag"] != kept["ETag"]


@override_settings(RELANCE_RESULTS_VERSION_SECONDS=60)
def test_a_publication_set_for_later_shortens_how_long_the_moment_is_kept(staff):
    now = timezone.now()
    assert version_lifetime(now) == 60
    jury = JuryFactory()
    jury.call.results_published_at = now + timedelta(seconds=20)
    jury.call.save(update_fields=["results_published_at"])
    assert 0 < version_lifetime(now) <= 20
