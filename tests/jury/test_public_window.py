"""A continuous window on the public pages: its call page (status, instruction delay,
envelope, decisions by committee session), the laureates list and pages, the validators."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from jury.committee import workflow as committee
from jury.models import Award
from tests.calls.html import h1_count, text_by_id
from tests.factories import CallFactory, StaffFactory, agent_of
from tests.jury.factories import AwardFactory, DeliberationFactory, JuryFactory
from tests.jury.window_data import window
from tests.jury.window_public_data import APRIL, bulk_window_decisions, decided_window

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
LIST = reverse("jury:laureates")
SECRETS = ["PROJET-REFUSE-EN-MARS", "MOTIF-DU-REFUS", "PROJET-EN-INSTRUCTION"]


def get(client, url, params=None, **headers):
    response = client.get(url, params or {}, **headers)
    assert response.status_code == 200
    return response.content.decode()


def sessions_on(content):
    return re.findall(r'data-session="([\d-]+)"', content)


def figures(content, prefix="call-envelope"):
    block = re.search(rf'id="{prefix}-figures">(.*?)</ul>', content, re.S).group(1)
    return dict(re.findall(r'data-figure="(\w+)".*?class="relance-amount">([^<]+)<', block, re.S))


# The window's page.


def test_an_open_window_says_so_and_how_long_instruction_takes(client):
    w = window(envelope=Decimal("200000.00"))
    content = get(client, w.call.get_absolute_url())
    assert h1_count(content) == 1
    assert "Le guichet est ouvert" in text_by_id(content, "window-status")
    assert "30 jours au plus" in text_by_id(content, "window-process")
    assert "Aucune décision n’a encore été publiée" in text_by_id(content, "window-no-decisions")
    assert figures(content) == {
        "amount": f"200{NBSP}000{NBSP}€",
        "committed": f"0{NBSP}€",
        "remaining": f"200{NBSP}000{NBSP}€",
    }


def test_a_window_without_envelope_or_delay_shows_neither(client):
    w = window(instruction_days=None)
    content = get(client, w.call.get_absolute_url())
    assert 'id="call-envelope"' not in content
    assert "jours au plus" not in text_by_id(content, "window-process")


def test_published_sessions_list_laureates_and_count_refusals(client):
    data = decided_window()
    content = get(client, data.call.get_absolute_url())
    # Only the March session is published: the April decision stays internal.
    assert sessions_on(content) == ["2021-03-15"]
    decisions = text_by_id(content, "window-decisions")
    assert "Décisions du comité du 15 mars 2021" in decisions
    assert "1 dossier retenu, 1 dossier refusé" in decisions
    assert "Projet retenu en mars" in decisions
    assert "Direction du numérique (DNUM)" in decisions
    assert f"40{NBSP}000{NBSP}€" in decisions
    award = data.dossiers["accepted"].award
    assert f'href="/laureats/{award.slug}/"' in content
    assert "Projet décidé en avril" not in content
    for secret in SECRETS:
        assert secret not in content
    # The envelope counts the published grant only, not April's recorded one.
    assert figures(content) == {
        "amount": f"200{NBSP}000{NBSP}€",
        "committed": f"40{NBSP}000{NBSP}€",
        "remaining": f"160{NBSP}000{NBSP}€",
    }
    assert "20 % de l’enveloppe engagés" in text_by_id(content, "call-envelope-note")
    # The window stays open.
    assert "Le guichet est ouvert" in text_by_id(content, "window-status")
    assert 'href="/laureats/?appel=guichet-des-tests"' in content


def test_sessions_latest_first_once_published(client):
    data = decided_window(publish_april=True)
    content = get(client, data.call.get_absolute_url())
    assert sessions_on(content) == ["2021-04-15", "2021-03-15"]
    assert "2 dossiers retenus, 1 dossier refusé" in text_by_id(content, "window-summary")
    assert figures(content)["committed"] == f"100{NBSP}000{NBSP}€"


def test_a_window_past_its_closing_date_or_out_of_envelope_says_it_is_closed(client):
    data = decided_window()
    now = timezone.now()
    Call.objects.filter(pk=data.call.pk).update(
        opens_at=now - timedelta(days=400), closes_at=now - timedelta(days=3)
    )
    status = text_by_id(get(client, data.call.get_absolute_url()), "window-status")
    assert "Le guichet est clos depuis le" in status
    assert "ne reçoit plus de dossiers" in status
    Call.objects.filter(pk=data.call.pk).update(closes_at=None, envelope_exhausted_at=now)
    cache.clear()
    content = get(client, data.call.get_absolute_url())
    assert "son enveloppe est entièrement engagée" in text_by_id(content, "window-status")
    assert "Le dépôt des dossiers est clos." in content


def test_an_upcoming_window_says_when_it_opens(client):
    w = window(opens_at=timezone.now() + timedelta(days=3))
    assert "Le guichet ouvrira le" in text_by_id(
        get(client, w.call.get_absolute_url()), "window-status"
    )


def test_the_window_page_is_public_for_every_role(client):
    data = decided_window()
    url = data.call.get_absolute_url()
    agent = agent_of(data.dossiers["accepted"].administration)
    for user in (None, StaffFactory(), agent, data.w.staff):
        if user is not None:
            client.force_login(user)
        content = get(client, url)
        assert "Projet retenu en mars" in content
        for secret in SECRETS:
            assert secret not in content
        client.logout()


def test_a_draft_window_answers_404(client):
    w = window(published_at=None)
    assert client.get(w.call.get_absolute_url()).status_code == 404


def test_publishing_a_session_moves_the_validators(client):
    data = decided_window()
    url = data.call.get_absolute_url()
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    committee.publish_session(data.w.staff, data.april)
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert "Projet décidé en avril" in response.content.decode()
    list_page = client.get(LIST)
    assert "Projet décidé en avril" in list_page.content.decode()


def test_the_closing_date_passing_moves_the_validators(client):
    w = window()
    now = timezone.now()
    Call.objects.filter(pk=w.call.pk).update(
        updated_at=now - timedelta(days=2), closes_at=now + timedelta(seconds=1)
    )
    url = w.call.get_absolute_url()
    first = client.get(url)
    Call.objects.filter(pk=w.call.pk).update(closes_at=now - timedelta(seconds=1))
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert "Le guichet est clos" in text_by_id(response.content.decode(), "window-status")


# Rounds with an envelope.


def test_a_round_shows_its_envelope_once_its_results_are_published(client):
    now = timezone.now()
    call = CallFactory(
        envelope=Decimal("500000.00"),
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=30),
    )
    jury = JuryFactory(call=call)
    DeliberationFactory(jury=jury, publish_amounts=True)
    AwardFactory(dossier__call=call, dossier__state="laureate", granted_amount=Decimal("125000"))
    content = get(client, call.get_absolute_url())
    assert 'id="call-envelope"' not in content  # the jury decides: nothing shows yet
    Call.objects.filter(pk=call.pk).update(results_published_at=now)
    content = get(client, call.get_absolute_url())
    assert figures(content) == {
        "amount": f"500{NBSP}000{NBSP}€",
        "committed": f"125{NBSP}000{NBSP}€",
        "remaining": f"375{NBSP}000{NBSP}€",
    }


def test_the_home_page_sums_the_envelopes_of_each_programme(client):
    data = decided_window()
    programme = data.call.programme
    now = timezone.now()
    round_ = CallFactory(
        programme=programme,
        envelope=Decimal("300000.00"),
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=30),
    )
    AwardFactory(dossier__call=round_, dossier__state="laureate", granted_amount=Decimal("10000"))
    # A round whose results are not published yet does not count, nor a demonstration call.
    CallFactory(programme=programme, envelope=Decimal("999000.00"))
    window(envelope=Decimal("888000.00"), is_demo=True, slug="guichet-de-demo")
    prefix = f"programme-{programme.slug}-envelope"
    assert figures(get(client, "/"), prefix) == {
        "amount": f"200{NBSP}000{NBSP}€",
        "committed": f"40{NBSP}000{NBSP}€",
        "remaining": f"160{NBSP}000{NBSP}€",
    }
    Call.objects.filter(pk=round_.pk).update(results_published_at=now)
    assert figures(get(client, "/"), prefix) == {
        "amount": f"500{NBSP}000{NBSP}€",
        "committed": f"50{NBSP}000{NBSP}€",
        "remaining": f"450{NBSP}000{NBSP}€",
    }


# The laureates list and pages.


def test_window_laureates_are_listed_by_session_latest_first(client):
    data = decided_window(publish_april=True)
    content = get(client, LIST)
    assert re.findall(r'data-call="([^"]+)"', content) == ["guichet-des-tests"]
    assert sessions_on(content) == ["2021-04-15", "2021-03-15"]
    assert "Décisions du comité du 15 avril 2021" in content
    assert "2 lauréats" in text_by_id(content, "result-count")
    titles = re.findall(r'class="fr-card__title"><a href="[^"]*">([^<]*)</a>', content)
    assert titles == ["Projet décidé en avril", "Projet retenu en mars"]
    # A window's amounts are public with its decisions.
    assert f"Cofinancement : 40{NBSP}000{NBSP}€" in content
    for secret in SECRETS:
        assert secret not in content
    assert h1_count(content) == 1
    assert data.call.slug in content


def test_the_list_filters_offer_and_apply_the_window(client):
    decided_window()
    content = get(client, LIST, {"appel": "guichet-des-tests"})
    form = re.search(r'<form method="get".*?</form>', content, re.S).group(0)
    assert "Guichet des tests" in form
    assert "1 lauréat" in text_by_id(content, "result-count")
    assert "Projet retenu en mars" in content
    assert "Projet retenu en mars" in get(client, LIST, {"q": "DNUM"})
    assert "Données ouvertes" in form  # the window's category


def test_an_unpublished_window_offers_nothing(client):
    w = window()
    CallFactory(title="Appel sans résultat")
    content = get(client, LIST)
    assert 'id="no-laureates"' in content
    form = re.search(r'<form method="get".*?</form>', content, re.S).group(0)
    assert w.call.title not in form


def test_the_laureate_page_says_which_committee_decided(client):
    data = decided_window()
    award = Award.objects.get(dossier=data.dossiers["accepted"])
    content = get(client, reverse("jury:laureate", kwargs={"slug": award.slug}))
    facts = text_by_id(content, "laureate-facts")
    assert "Décision du comité du 15 mars 2021" in facts
    assert text_by_id(content, "laureate-session") == "15 mars 2021"
    assert text_by_id(content, "laureate-amount") == f"40{NBSP}000{NBSP}€"
    assert "Résultats publiés le" not in facts


def test_unpublished_window_decisions_answer_404(client):
    data = decided_window()
    april = Award.objects.get(dossier=data.dossiers["april"])
    refused = Award.objects.get(dossier=data.dossiers["refused"])
    for award in (april, refused):
        Award.objects.filter(pk=award.pk).update(slug=f"cache-{award.pk}")
        assert client.get(f"/laureats/cache-{award.pk}/").status_code == 404
        assert client.get(f"/laureats/{award.pk}/").status_code == 404


def test_a_future_publication_stays_hidden():
    from jury.results.published import published_calls, published_laureates

    data = decided_window()
    type(data.march).objects.filter(pk=data.march.pk).update(
        published_at=timezone.now() + timedelta(days=1)
    )
    assert not published_calls().filter(pk=data.call.pk).exists()
    assert not published_laureates().exists()


# Constant query counts.


def count_queries(client, url, params=None):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
def test_the_window_page_runs_as_many_queries_at_5_and_200_dossiers(client, logged_in):
    data = decided_window()
    if logged_in:
        client.force_login(agent_of(data.dossiers["accepted"].administration))
    url = data.call.get_absolute_url()
    bulk_window_decisions(data.call, date(2021, 5, 17), 5, start=1000)
    small = count_queries(client, url)
    bulk_window_decisions(data.call, date(2021, 6, 15), 195, start=2000)
    large = count_queries(client, url)
    assert small == large
    content = get(client, url)
    assert sessions_on(content) == ["2021-06-15", "2021-05-17", "2021-03-15"]
    if not logged_in:
        # The call, its categories and criteria; the validator; sessions, laureates, envelope;
        # the date of its latest published correction.
        assert large == 8


@pytest.mark.parametrize(
    "params",
    [None, {"appel": "guichet-des-tests"}, {"q": "guichet"}],
    ids=["all", "by call", "search"],
)
def test_the_laureates_list_runs_as_many_queries_at_5_and_200_dossiers(client, params):
    data = decided_window()
    bulk_window_decisions(data.call, date(2021, 5, 17), 5, start=1000)
    small = count_queries(client, LIST, params)
    bulk_window_decisions(data.call, date(2021, 6, 15), 195, start=2000)
    assert count_queries(client, LIST, params) == small
    assert small <= 12


def test_the_laureate_page_runs_as_many_queries_whatever_the_window(client):
    data = decided_window()
    url = reverse("jury:laureate", kwargs={"slug": data.dossiers["accepted"].award.slug})
    small = count_queries(client, url)
    bulk_window_decisions(data.call, APRIL + timedelta(days=30), 200)
    assert count_queries(client, url) == small
