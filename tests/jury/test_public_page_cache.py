"""Public pages cached whole for anonymous visitors, keyed on the results' last change."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jury.deliberation import corrections
from jury.deliberation import workflow as wf
from jury.models import ResultAmendment
from tests.jury.factories import JuryFactory, preselected

pytestmark = pytest.mark.django_db

# ``published``: a laureate of published results (tests/jury/conftest.py).

LIST = reverse("jury:laureates")


def pages(dossier):
    award = reverse("jury:laureate", args=[dossier.award.slug])
    statistics = reverse("jury:statistics")
    return [LIST, f"{LIST}?q=donn%C3%A9es", statistics, dossier.call.get_absolute_url(), award]


def fetch(url, **headers):
    response = Client().get(url, **headers)
    assert response.status_code == 200, url
    return response


def test_two_anonymous_visitors_get_the_same_bytes_from_one_rendering(published):
    for url in pages(published):
        first = fetch(url)
        with CaptureQueriesContext(connection) as second_queries:
            second = fetch(url)
        assert second.content == first.content, url
        assert second["ETag"] == first["ETag"]
        # The second visitor is answered from the copy: only the results' validator is read
        # (a call page also reads its call, its categories and criteria, for its validator).
        expected = 4 if url == published.call.get_absolute_url() else 1
        assert len(second_queries) == expected, (url, [q["sql"][:150] for q in second_queries])
        assert b"csrfmiddlewaretoken" not in first.content
        assert "Set-Cookie" not in second.headers or "csrftoken" not in second["Set-Cookie"]


def test_each_language_has_its_own_copy(published):
    french = fetch(LIST)
    english = fetch(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert english.content != french.content
    assert b'lang="en"' in english.content
    assert fetch(LIST, HTTP_ACCEPT_LANGUAGE="en").content == english.content
    assert fetch(LIST).content == french.content


def test_an_amendment_changes_every_copy_at_once(staff, published):
    url = LIST
    before = fetch(url)
    assert "Entrepôt de données RH" in before.content.decode()
    correction = corrections.create_correction(
        staff, published.call, official_date=timezone.localdate(), reason="Coquille"
    )
    corrections.plan_change(
        staff,
        correction,
        ResultAmendment.Kind.CORRECT_TITLE,
        published,
        title="Entrepôt de données RH mutualisé",
        subtitle="",
    )
    corrections.publish_correction(staff, correction)
    after = fetch(url)
    assert "Entrepôt de données RH mutualisé" in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert Client().get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200
    assert Client().get(url, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


def test_a_publication_changes_every_copy_at_once(staff, published):
    before = fetch(LIST).content.decode()
    jury = JuryFactory()
    dossier = preselected(jury, title="Observatoire des achats", requested_amount=Decimal("9000"))
    wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal("9000"))
    assert "Observatoire des achats" not in fetch(LIST).content.decode()  # recorded only
    wf.publish_results(staff, jury.call)
    after = fetch(LIST).content.decode()
    assert "Observatoire des achats" in after and before != after


def test_signed_in_pages_never_leak_into_the_anonymous_copy(client, staff, published):
    client.force_login(staff)
    for url in pages(published):
        signed_in = client.get(url)
        assert signed_in["Cache-Control"] == "private, no-store"
        assert b"csrfmiddlewaretoken" in signed_in.content  # the sign-out form
        anonymous = fetch(url)
        assert b"Se d\xc3\xa9connecter" not in anonymous.content
        assert staff.email.encode() not in anonymous.content
        # And the other way round: the signed-in visitor never gets the anonymous copy.
        assert b"Se d\xc3\xa9connecter" in client.get(url).content


def test_a_visitor_with_pending_messages_is_not_served_nor_stored(client, published):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    plain = fetch(LIST)
    storage = CookieStorage(HttpRequest())
    storage.add(constants.WARNING, "Votre session a expiré")
    response = plain.__class__()
    storage.update(response)
    client.cookies.update(response.cookies)
    shown = client.get(LIST)
    assert "Votre session a expiré" in shown.content.decode()
    assert "Votre session a expiré" not in fetch(LIST).content.decode()


def test_language_switch_works_without_token_for_anonymous_visitors_only(staff, published):
    anonymous = Client(enforce_csrf_checks=True)
    switched = anonymous.post(reverse("set_language"), {"language": "en", "next": LIST})
    assert switched.status_code == 302
    assert b'lang="en"' in anonymous.get(LIST).content
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(staff)
    refused = signed_in.post(reverse("set_language"), {"language": "en", "next": LIST})
    assert refused.status_code == 403
    page = signed_in.get(LIST).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    accepted = signed_in.post(
        reverse("set_language"), {"language": "en", "next": LIST, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302


def test_other_methods_are_still_refused_once_a_copy_exists(published):
    url = published.call.get_absolute_url()
    fetch(url)
    assert Client().post(url).status_code == 405
