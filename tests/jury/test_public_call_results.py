"""Results on a call's public page: funnel, jury, laureates; nothing before publication."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from calls.extensions import call_page_sections
from calls.models import Call
from calls.views import public as calls_public
from jury.models import Deliberation, Jury
from jury.results.views.public import CALL_RESULTS_SECTION
from submissions.models import DossierState
from tests.calls.html import h1_count, text_by_id
from tests.factories import CallFactory, CategoryFactory, CriterionFactory, StaffFactory, agent_of
from tests.jury.factories import (
    AwardFactory,
    DeliberationFactory,
    JuryFactory,
    JuryMemberFactory,
    preselected,
)
from tests.jury.stats_data import SECRETS, build, bulk_laureates

pytestmark = pytest.mark.django_db


def page(client, call, **headers):
    response = client.get(call.get_absolute_url(), **headers)
    assert response.status_code == 200
    return response


def content_of(client, call):
    return page(client, call).content.decode()


def funnel_numbers(content):
    numbers = re.search(r'id="call-funnel-numbers">(.*?)</ul>', content, re.S).group(1)
    return dict(re.findall(r'data-step="(\w+)".*?relance-count">([^<]+)<', numbers, re.S))


def card_titles(content):
    return re.findall(r'class="fr-card__title"><a href="[^"]*">([^<]*)</a>', content)


def test_the_call_page_is_the_calls_view_with_the_results_section():
    # One view serves /appels/<slug>/; the results come in through the extension point.
    match = resolve(reverse("calls:detail", kwargs={"slug": "x"}))
    assert match.view_name == "calls:detail"
    assert match.func is calls_public.call_detail
    assert CALL_RESULTS_SECTION in call_page_sections()


def test_funnel_of_a_published_call(client):
    data = build()
    content = content_of(client, data.published)
    assert h1_count(content) == 1
    assert funnel_numbers(content) == {
        "submitted": "6",  # the draft never counts; the withdrawn, once submitted, does
        "administrations": "4",
        "ministries": "3",
        "preselected": "4",
        "heard": "2",  # the absent one is not heard
        "laureates": "2",  # not the recorded, unpublished decision
        "jury_members": "3",
    }
    # The criteria are on the page, and the results say what they served for.
    assert 'id="criteria"' in content
    assert "selon les critères présentés plus bas" in text_by_id(content, "call-results")


def test_laureates_by_category_in_the_call_order(client):
    data = build()
    content = content_of(client, data.published)
    results = text_by_id(content, "call-laureates")
    # « Données » was created first (lower order) then « Algorithmes ».
    assert results.index("Données") < results.index("Projet lauréat signé")
    assert results.index("Projet lauréat signé") < results.index("Algorithmes")
    assert card_titles(content) == [
        "Projet lauréat signé",
        "=HYPERLINK(&quot;http://exemple.org&quot;)",
    ]
    assert "Direction centrale" in results and "Intérieur" in results
    assert "Cofinancement : 50\u00a0000\u00a0€" in results
    assert "Cofinancement accordé aux lauréats : 80\u00a0000,50\u00a0€" in content
    assert 'href="/laureats/?appel=appel-1"' in content


def test_amounts_hidden_when_not_published(client):
    data = build(publish_amounts=False)
    content = content_of(client, data.published)
    assert "data-amount" not in content
    assert 'id="call-granted"' not in content
    assert "50\u00a0000" not in text_by_id(content, "call-laureates")


def test_jury_composition_only_when_published(client):
    data = build()
    member = data.jury.members.first()
    content = content_of(client, data.published)
    assert 'id="call-jury"' not in content
    assert member.public_name not in content
    Jury.objects.filter(pk=data.jury.pk).update(composition_published=True)
    cache.clear()
    content = content_of(client, data.published)
    jury = text_by_id(content, "call-jury")
    assert member.public_name in jury
    assert member.title in jury and member.affiliation in jury
    # Only the public name, title and affiliation: never the account.
    assert member.user.email not in content
    assert member.user.last_name not in content


def test_nothing_internal_appears(client):
    data = build()
    Jury.objects.filter(pk=data.jury.pk).update(composition_published=True)
    for user in (None, StaffFactory(), agent_of(data.laureates[0].dossier.administration)):
        if user is not None:
            client.force_login(user)
        for call in [data.published, data.others["unpublished"], data.others["future"]]:
            content = content_of(client, call)
            for secret in SECRETS:
                assert secret not in content, secret
        client.logout()


def test_nothing_of_the_results_before_publication(client):
    now = timezone.now()
    call = CallFactory(opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=30))
    jury = JuryFactory(call=call, composition_published=True)
    JuryMemberFactory(jury=jury, public_name="Experte Visible-Trop-Tot")
    DeliberationFactory(jury=jury)
    dossier = preselected(jury, title="LAUREAT-ENREGISTRE", state=DossierState.LAUREATE)
    AwardFactory(dossier=dossier)
    for published_at in (None, now + timedelta(days=2)):
        Call.objects.filter(pk=call.pk).update(results_published_at=published_at)
        response = page(client, call)
        content = response.content.decode()
        assert 'id="call-results"' not in content
        assert "LAUREAT-ENREGISTRE" not in content
        assert "Visible-Trop-Tot" not in content
        assert "ETag" not in response  # the page is not a results page yet
    Call.objects.filter(pk=call.pk).update(results_published_at=now)
    content = content_of(client, call)
    assert "LAUREAT-ENREGISTRE" in text_by_id(content, "call-results")
    assert "Visible-Trop-Tot" in text_by_id(content, "call-jury")


def test_call_without_laureates_says_so(client):
    call = CallFactory(
        opens_at=timezone.now() - timedelta(days=90), closes_at=timezone.now() - timedelta(days=30)
    )
    Call.objects.filter(pk=call.pk).update(results_published_at=timezone.now())
    content = content_of(client, call)
    assert "Aucun lauréat n’a été retenu pour cet appel." in text_by_id(content, "call-results")
    assert funnel_numbers(content)["laureates"] == "0"


def test_hidden_and_unknown_calls_answer_404(client):
    data = build()
    assert client.get(data.others["private_call"].get_absolute_url()).status_code == 404
    assert client.get("/appels/inconnu/").status_code == 404


def test_updated_date_in_paris_time(client):
    data = build()
    content = content_of(client, data.published)
    assert 'id="results-updated"' not in content
    Deliberation.objects.filter(jury=data.jury).update(
        results_updated_at=datetime(2021, 3, 10, 23, 30, tzinfo=UTC)
    )
    cache.clear()
    content = content_of(client, data.published)
    assert text_by_id(content, "results-updated") == "Mis à jour le 11 mars 2021."


# Conditional requests and cached fragments.


def test_repeated_conditional_requests_answer_304(client):
    data = build()
    first = page(client, data.published)
    url = data.published.get_absolute_url()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_amended_results_show_and_old_validators_expire(client):
    data = build()
    # Dates have a one-second resolution in Last-Modified: the call was edited long ago.
    Call.objects.filter(pk=data.published.pk).update(updated_at=timezone.now() - timedelta(days=1))
    url = data.published.get_absolute_url()
    first = page(client, data.published)
    signed = data.laureates[0].dossier
    type(signed).objects.filter(pk=signed.pk).update(title="Projet lauréat renommé")
    assert "Projet lauréat renommé" not in content_of(client, data.published)  # cached fragment
    Deliberation.objects.filter(jury=data.jury).update(results_updated_at=timezone.now())
    assert "Projet lauréat renommé" in content_of(client, data.published)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_republished_results_show_and_old_validators_expire(client):
    data = build()
    url = data.published.get_absolute_url()
    first = page(client, data.published)
    Call.objects.filter(pk=data.published.pk).update(results_published_at=timezone.now())
    content = content_of(client, data.published)
    assert 'id="call-results"' in content
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_an_edited_call_is_not_answered_304(client):
    data = build()
    url = data.published.get_absolute_url()
    first = page(client, data.published)
    Call.objects.filter(pk=data.published.pk).update(
        description="Nouvelle présentation", updated_at=timezone.now() + timedelta(seconds=1)
    )
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert "Nouvelle présentation" in response.content.decode()
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 200


# Query counts.


def count_queries(client, call):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        page(client, call)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("composition_published", [False, True])
def test_constant_queries_at_5_and_500_laureates(client, composition_published):
    data = build()
    Jury.objects.filter(pk=data.jury.pk).update(composition_published=composition_published)
    for _ in range(3):
        CriterionFactory(call=data.published)
        CategoryFactory(call=data.published)
    bulk_laureates(data.published, 5, start=1000)
    small = count_queries(client, data.published)
    bulk_laureates(data.published, 495, start=2000)
    large = count_queries(client, data.published)
    assert small == large
    assert large <= 12
    content = content_of(client, data.published)
    assert funnel_numbers(content)["laureates"] == "502"


def test_cached_fragment_spares_the_results_queries(client):
    data = build()
    bulk_laureates(data.published, 50, start=1000)
    cold = count_queries(client, data.published)
    with CaptureQueriesContext(connection) as warm:
        page(client, data.published)
    # The call with its categories and criteria, and the results validator (one query).
    assert len(warm) == 4 < cold
