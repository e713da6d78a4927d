"""Public laureates: the list (grouping, order, filters), a laureate's page, caching, queries."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from calls.models import Call
from jury.models import Award, Deliberation
from submissions.models import Dossier, DossierState
from tests.calls.html import h1_count, text_by_id
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    DossierFactory,
    MinistryFactory,
    ProgrammeFactory,
    StaffFactory,
    agent_of,
)
from tests.jury.factories import AwardFactory, DeliberationFactory, JuryFactory
from tests.jury.stats_data import SECRETS, build, bulk_laureates

pytestmark = pytest.mark.django_db

LIST = reverse("jury:laureates")
NBSP = "\u00a0"


def publish(call, when):
    Call.objects.filter(pk=call.pk).update(results_published_at=when)
    call.refresh_from_db()
    return call


def past_call(programme, days_ago, **kwargs):
    now = timezone.now()
    call = CallFactory(
        programme=programme,
        opens_at=now - timedelta(days=200),
        closes_at=now - timedelta(days=150),
        **kwargs,
    )
    return publish(call, now - timedelta(days=days_ago))


def laureate(call, title, *, category, administration, slug="", amount="50000.00", **kwargs):
    dossier = DossierFactory(
        call=call,
        state=DossierState.LAUREATE,
        title=title,
        category=category,
        administration=administration,
        submitted_at=timezone.now() - timedelta(days=180),
        **kwargs,
    )
    return AwardFactory(dossier=dossier, granted_amount=Decimal(amount), slug=slug)


class World:
    """Three published calls over two programmes, laureates of every kind of administration."""

    def __init__(self):
        relance = ProgrammeFactory(title="France Relance", slug="france-relance")
        other = ProgrammeFactory(title="Autre programme", slug="autre-programme")
        self.round1 = past_call(relance, 30, title="Appel n° 1", slug="appel-1")
        self.round2 = past_call(relance, 2, title="Appel n° 2", slug="appel-2")
        self.other = past_call(other, 10, title="Appel du second programme", slug="appel-autre")
        # Created in reverse order: the category order decides, not the creation order.
        api1 = CategoryFactory(call=self.round1, name="Développement d’API", order=2)
        platforms = CategoryFactory(call=self.round1, name="Plateformes d’échange", order=1)
        api2 = CategoryFactory(call=self.round2, name="Développement d’API", order=1)
        data = CategoryFactory(call=self.other, name="Pilotage par la donnée", order=1)
        self.armed = MinistryFactory(name="Ministère des Armées")
        self.interior = MinistryFactory(name="Ministère de l’Intérieur")
        shom = AdministrationFactory(
            name="Service hydrographique et océanographique de la marine",
            acronym="SHOM",
            kind="operator",
            ministry=self.armed,
        )
        dnum = AdministrationFactory(
            name="Direction du numérique", acronym="DNUM", kind="central", ministry=self.interior
        )
        prefecture = AdministrationFactory(
            name="Préfecture du Nord", kind="deconcentrated", ministry=self.interior
        )
        self.anais = laureate(
            self.round1,
            "ANAIS",
            subtitle="Hub d’échange de données maritimes",
            category=platforms,
            administration=shom,
            slug="anais",
            amount="120000.00",
        )
        self.chorus = laureate(
            self.round1,
            "Chorus – API demandes d’achats",
            subtitle="Réduire le délai d’approvisionnement",
            category=api1,
            administration=dnum,
            slug="chorus-api",
        )
        self.secu = laureate(
            self.round2,
            "API Sécu",
            subtitle="Exposer les données de la sphère sociale",
            category=api2,
            administration=prefecture,
            slug="api-secu",
        )
        self.observatory = laureate(
            self.other,
            "Observatoire du covoiturage",
            subtitle="Suivre les pratiques",
            category=data,
            administration=dnum,
        )
        DeliberationFactory(
            jury=JuryFactory(call=self.round1),
            publish_amounts=True,
            # 23:30 UTC on 10 March is already 11 March in Paris.
            results_updated_at=datetime(2021, 3, 10, 23, 30, tzinfo=UTC),
        )
        DeliberationFactory(jury=JuryFactory(call=self.round2), publish_amounts=False)


@pytest.fixture
def world():
    return World()


def titles(content):
    """Laureate titles in page order."""
    return re.findall(r'class="fr-card__title"><a href="[^"]*">([^<]*)</a>', content)


def get(client, params=None, url=LIST):
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


# The list.


def test_latest_published_call_first_then_categories_in_order(client, world):
    content = get(client)
    assert re.findall(r'data-call="([^"]+)"', content) == ["appel-2", "appel-autre", "appel-1"]
    assert titles(content) == [
        "API Sécu",
        "Observatoire du covoiturage",
        "ANAIS",
        "Chorus – API demandes d’achats",
    ]
    assert "4 lauréats" in text_by_id(content, "result-count")
    assert h1_count(content) == 1


def test_each_laureate_shows_title_subtitle_administration_and_ministry(client, world):
    content = get(client)
    card = re.search(rf'data-laureate="{world.anais.pk}".*?</div>\s*</div>\s*</div>', content, re.S)
    text = card.group(0)
    assert 'href="/laureats/anais/"' in text
    assert "Hub d’échange de données maritimes" in text
    assert "Service hydrographique et océanographique de la marine (SHOM)" in text
    assert "Ministère des Armées" in text
    # A laureate without a slug is reached by its id.
    assert f'href="/laureats/{world.observatory.pk}/"' in content
    # The call heading links to the call page.
    assert f'href="{world.round1.get_absolute_url()}"' in content


def test_amounts_shown_only_where_the_deliberation_publishes_them(client, world):
    content = get(client)
    assert f"Cofinancement : 120{NBSP}000{NBSP}€" in content
    assert f"Cofinancement : 50{NBSP}000{NBSP}€" in content  # Chorus, same call
    secu = re.search(rf'data-laureate="{world.secu.pk}".*?fr-card__detail', content, re.S)
    assert "data-amount" not in secu.group(0)
    # No deliberation at all: no amount either.
    observatory = re.search(
        rf'data-laureate="{world.observatory.pk}".*?fr-card__detail', content, re.S
    )
    assert "data-amount" not in observatory.group(0)


def test_updated_date_in_paris_time_for_amended_results_only(client, world):
    content = get(client)
    sections = dict(re.findall(r'data-call="([^"]+)"(.*?)</section>\s*</section>', content, re.S))
    assert "Mis à jour le 11 mars 2021" in sections["appel-1"]
    assert "Mis à jour le" not in sections["appel-2"]
    assert "Mis à jour le" not in sections["appel-autre"]


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"programme": "autre-programme"}, ["Observatoire du covoiturage"]),
        ({"programme": "france-relance"}, ["API Sécu", "ANAIS", "Chorus – API demandes d’achats"]),
        ({"appel": "appel-1"}, ["ANAIS", "Chorus – API demandes d’achats"]),
        ({"appel": "appel-2"}, ["API Sécu"]),
        # One category name across rounds.
        ({"categorie": "Développement d’API"}, ["API Sécu", "Chorus – API demandes d’achats"]),
        ({"type": "deconcentrated"}, ["API Sécu"]),
        ({"type": "central"}, ["Observatoire du covoiturage", "Chorus – API demandes d’achats"]),
        ({"type": "local_authority"}, []),
        ({"q": "chorus"}, ["Chorus – API demandes d’achats"]),  # title, any case
        ({"q": "maritimes"}, ["ANAIS"]),  # subtitle
        ({"q": "shom"}, ["ANAIS"]),  # acronym
        ({"q": "préfecture du"}, ["API Sécu"]),  # administration name
        ({"q": "  "}, None),  # blank: everything
        ({"appel": "appel-1", "q": "dnum"}, ["Chorus – API demandes d’achats"]),
        ({"programme": "france-relance", "type": "operator"}, ["ANAIS"]),
    ],
)
def test_filters(client, world, params, expected):
    content = get(client, params)
    if expected is None:
        assert len(titles(content)) == 4
    else:
        assert titles(content) == expected
    if expected == []:
        assert "Aucun lauréat ne correspond à ces critères." in text_by_id(content, "result-count")
    assert 'href="/laureats/"' in content  # « Tout afficher »


def test_filter_by_ministry(client, world):
    assert titles(get(client, {"ministere": world.armed.pk})) == ["ANAIS"]
    assert titles(get(client, {"ministere": world.interior.pk})) == [
        "API Sécu",
        "Observatoire du covoiturage",
        "Chorus – API demandes d’achats",
    ]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"appel": "inconnu"}, "appel"),
        ({"programme": "inconnu"}, "programme"),
        ({"categorie": "Inconnue"}, "categorie"),
        ({"ministere": "999999"}, "ministere"),
        ({"type": "martien"}, "type"),
    ],
)
def test_bad_filter_values_are_said_next_to_the_field(client, world, params, field):
    content = get(client, params)
    assert titles(content) == []
    assert f'id="id_{field}_error"' in content
    assert "Ces critères ne sont pas valables" in text_by_id(content, "result-count")


def test_filter_form_is_labelled_and_offers_only_published_choices(client, world):
    hidden = CallFactory(title="Appel pas encore publié", slug="appel-cache")
    CategoryFactory(call=hidden, name="Catégorie cachée")
    MinistryFactory(name="Ministère sans lauréat")
    content = get(client)
    form = re.search(r'<form method="get".*?</form>', content, re.S).group(0)
    for name in ("q", "programme", "appel", "categorie", "ministere", "type"):
        assert f'<label class="fr-label" for="id_{name}">' in form
    assert 'class="fr-select"' in form and 'class="fr-input"' in form
    assert "Appel n° 2" in form and "Développement d’API" in form
    for absent in ("Appel pas encore publié", "Catégorie cachée", "Ministère sans lauréat"):
        assert absent not in form


def test_empty_state_when_nothing_is_published(client):
    DossierFactory(title="BROUILLON-SECRET")
    content = get(client)
    assert 'id="no-laureates"' in content
    assert "BROUILLON-SECRET" not in content
    assert h1_count(content) == 1


def test_public_for_every_role(client, world):
    for user in (None, StaffFactory(), agent_of(world.anais.dossier.administration)):
        if user is not None:
            client.force_login(user)
        assert "ANAIS" in get(client)
        client.logout()


def test_main_navigation_offers_the_public_results(client, world):
    content = get(client)
    nav = re.search(r'<nav class="fr-nav".*?</nav>', content, re.S).group(0)
    assert re.search(r'href="/laureats/" aria-current="page">Lauréats<', nav)
    assert 'href="/statistiques/">Statistiques<' in nav
    assert 'href="/donnees/">Données<' in nav


# Only published data.


def test_nothing_internal_ever_appears(client):
    data = build()
    # Give the published laureates slugs; a summary that is public on purpose.
    for index, award in enumerate(data.laureates):
        Award.objects.filter(pk=award.pk).update(slug=f"laureat-{index}")
    pages = [get(client), get(client, {"appel": "appel-1"})]
    pages += [get(client, url=f"/laureats/laureat-{i}/") for i in range(2)]
    pages.append(get(client, url=data.published.get_absolute_url()))
    for content in pages:
        for secret in SECRETS:
            assert secret not in content, secret
        # Nor the dossier's internal description.
        assert "Description du projet." not in content
    listed = titles(pages[0])
    assert len(listed) == 2 and "Projet lauréat signé" in listed


def test_unpublished_and_internal_awards_answer_404(client):
    data = build()
    hidden = Award.objects.filter(
        dossier__in=Dossier.objects.exclude(call=data.published)
    ) | Award.objects.filter(dossier__in=[data.others["not_selected"], data.others["pending"]])
    assert hidden.count() == 6
    for index, award in enumerate(hidden):
        Award.objects.filter(pk=award.pk).update(slug=f"cache-{index}")
        assert client.get(f"/laureats/cache-{index}/").status_code == 404
        assert client.get(f"/laureats/{award.pk}/").status_code == 404
    assert client.get("/laureats/inconnu/").status_code == 404
    assert client.get("/laureats/999999/").status_code == 404


# A laureate's page.


def test_laureate_page(client, world):
    Award.objects.filter(pk=world.anais.pk).update(
        public_summary="Un hub pour échanger les données maritimes entre services."
    )
    content = get(client, url="/laureats/anais/")
    assert h1_count(content) == 1
    assert re.search(r"<h1>ANAIS</h1>", content)
    assert "Hub d’échange de données maritimes" in text_by_id(content, "laureate-subtitle")
    assert "(SHOM)" in text_by_id(content, "laureate-administration")
    assert text_by_id(content, "laureate-ministry") == "Ministère des Armées"
    assert text_by_id(content, "laureate-category") == "Plateformes d’échange"
    assert text_by_id(content, "laureate-call") == "Appel n° 1"
    assert f'href="{world.round1.get_absolute_url()}"' in content
    assert text_by_id(content, "laureate-amount") == f"120{NBSP}000{NBSP}€"
    assert "échanger les données maritimes" in text_by_id(content, "laureate-summary")
    assert text_by_id(content, "laureate-updated") == "11 mars 2021"
    assert text_by_id(content, "laureate-published")
    # Back to the call's laureates.
    assert 'href="/laureats/?appel=appel-1"' in content


def test_laureate_page_without_summary_amount_or_update(client, world):
    content = get(client, url="/laureats/api-secu/")
    assert 'id="laureate-summary"' not in content
    assert 'id="laureate-amount"' not in content
    assert 'id="laureate-updated"' not in content
    # The dossier's own texts are not public.
    assert "Résumé du projet." not in content
    assert "Description du projet." not in content


def test_numeric_id_redirects_permanently_to_the_slug(client, world):
    response = client.get(f"/laureats/{world.anais.pk}/")
    assert response.status_code == 301
    assert response["Location"] == "/laureats/anais/"
    # Without a slug, the id address is the page itself.
    content = get(client, url=f"/laureats/{world.observatory.pk}/")
    assert re.search(r"<h1>Observatoire du covoiturage</h1>", content)


# Conditional requests and cached fragments.


@pytest.mark.parametrize("url", [LIST, f"{LIST}?appel=appel-1", "/laureats/anais/"])
def test_repeated_conditional_requests_answer_304(client, world, url):
    first = client.get(url)
    assert first.status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_amended_results_show_and_old_validators_expire(client, world):
    url = "/laureats/anais/"
    first = client.get(url)
    list_first = client.get(LIST)
    # A correction without publication: cached fragments keep the old title.
    Dossier.objects.filter(pk=world.anais.dossier_id).update(title="ANAIS 2")
    assert "<h1>ANAIS 2</h1>" not in get(client, url=url)
    assert "ANAIS 2" not in titles(get(client))
    # Amending the results makes every copy stale.
    Deliberation.objects.filter(jury__call=world.round1).update(results_updated_at=timezone.now())
    assert "<h1>ANAIS 2</h1>" in get(client, url=url)
    assert "ANAIS 2" in titles(get(client))
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert client.get(LIST, HTTP_IF_NONE_MATCH=list_first["ETag"]).status_code == 200
    since = http_date((timezone.now() - timedelta(minutes=1)).timestamp())
    assert client.get(LIST, HTTP_IF_MODIFIED_SINCE=since).status_code == 200


def test_newly_published_results_appear_and_old_validators_expire(client, world):
    first = client.get(LIST)
    call = CallFactory(
        programme=world.round1.programme,
        title="Appel n° 3",
        slug="appel-3",
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=30),
    )
    laureate(
        call,
        "SIMARA",
        category=CategoryFactory(call=call),
        administration=world.anais.dossier.administration,
    )
    assert "SIMARA" not in get(client)  # not published yet
    publish(call, timezone.now() + timedelta(days=1))
    assert "SIMARA" not in get(client)  # scheduled, not yet public
    assert client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    publish(call, timezone.now())
    content = get(client)
    assert titles(content)[0] == "SIMARA"
    assert client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


# Query counts.


def count_queries(client, url, params=None):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [None, {"q": "projet"}, {"appel": "appel-1", "type": "central"}, {"ministere": "x"}],
    ids=["all", "search", "call and kind", "bad value"],
)
def test_constant_queries_at_5_and_500_laureates(client, world, params):
    bulk_laureates(world.round1, 5, start=1000)
    small = count_queries(client, LIST, params)
    bulk_laureates(world.round1, 495, start=2000)
    large = count_queries(client, LIST, params)
    assert small == large
    assert large <= 12
    if params is None:
        assert "504 lauréats" in get(client)


def test_constant_queries_when_everything_is_shown(client, world):
    bulk_laureates(world.round1, 5, start=1000)
    small = count_queries(client, LIST, {"tout": "1"})
    bulk_laureates(world.round1, 495, start=2000)
    assert count_queries(client, LIST, {"tout": "1"}) == small


# Pages of the list.


def test_the_list_is_shown_by_pages_and_everything_on_demand(client, world):
    bulk_laureates(world.round1, 120, start=1000)  # 124 laureates: 3 pages of 60
    first = get(client)
    assert "124 lauréats" in first
    assert len(titles(first)) == 60
    assert 'aria-label="Pagination"' in first
    second, third = get(client, {"page": "2"}), get(client, {"page": "3"})
    assert len(titles(second)) == 60 and len(titles(third)) == 4
    listed = titles(first) + titles(second) + titles(third)
    assert len(set(listed)) == 124
    everything = get(client, {"tout": "1"})
    assert titles(everything) == listed  # same order, on one page
    assert 'aria-label="Pagination"' not in everything
    assert 'id="show-pages"' in everything
    assert 'id="show-all" href="?tout=1"' in first


@pytest.mark.parametrize("page", ["0", "999", "deux", "-1", "1e3", "' OR 1=1"])
def test_a_bad_page_number_shows_the_nearest_page(client, world, page):
    bulk_laureates(world.round1, 70, start=1000)
    assert len(titles(get(client, {"page": page}))) in (14, 60)


def test_pages_keep_the_filters(client, world):
    bulk_laureates(world.round1, 70, start=1000)
    content = get(client, {"appel": "appel-1"})
    assert "?appel=appel-1&amp;page=2" in content
    assert "?appel=appel-1&amp;tout=1" in content
    assert len(titles(get(client, {"appel": "appel-1", "tout": "1"}))) == 72


def test_cached_fragment_spares_the_listing_queries(client, world):
    bulk_laureates(world.round1, 50, start=1000)
    cold = count_queries(client, LIST)
    with CaptureQueriesContext(connection) as warm:
        client.get(LIST)
    assert len(warm) < cold
    assert len(warm) <= 2  # the results validator (1) and the session-less page


def test_laureate_page_queries_are_constant(client, world):
    bulk_laureates(world.round1, 5, start=1000)
    small = count_queries(client, "/laureats/anais/")
    bulk_laureates(world.round1, 495, start=2000)
    assert count_queries(client, "/laureats/anais/") == small
