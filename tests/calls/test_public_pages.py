"""Public pages of calls: home, list (filters, pagination) and detail."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import AdministrationKind, Call, CallStatus
from tests.calls.html import h1_count, page_title, text_by_id, texts_of
from tests.factories import (
    CallFactory,
    CategoryFactory,
    ContinuousCallFactory,
    CriterionFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
LIST_URL = reverse("calls:list")


def days(n):
    return timezone.now() + timedelta(days=n)


def published(call, when):
    Call.objects.filter(pk=call.pk).update(results_published_at=when)
    return call


@pytest.fixture
def calls_in_every_status():
    """One call per status, in one public programme, plus hidden ones."""
    programme = ProgrammeFactory(title="France Relance", slug="france-relance")
    calls = {
        CallStatus.OPEN: CallFactory(
            programme=programme,
            title="Appel ouvert",
            opens_at=days(-10),
            closes_at=datetime(2099, 6, 30, 21, 59, tzinfo=UTC),  # 23:59 in Paris (CEST)
        ),
        CallStatus.UPCOMING: CallFactory(
            programme=programme, title="Appel à venir", opens_at=days(30), closes_at=days(60)
        ),
        CallStatus.CLOSED: CallFactory(
            programme=programme, title="Appel clos", opens_at=days(-60), closes_at=days(-30)
        ),
        CallStatus.RESULTS_PUBLISHED: published(
            CallFactory(
                programme=programme,
                title="Appel avec résultats",
                opens_at=days(-200),
                closes_at=days(-150),
            ),
            days(-100),
        ),
    }
    CallFactory(programme=programme, title="Appel masqué", is_public=False)
    CallFactory(
        programme=ProgrammeFactory(title="Programme masqué", is_public=False),
        title="Appel d’un programme masqué",
    )
    return calls


def card_titles(content, within_id=None) -> list[str]:
    return texts_of(content, "h3", within_id=within_id)


# Home ----------------------------------------------------------------------------------------


def test_home_lists_open_then_upcoming_then_past_calls(client, calls_in_every_status):
    response = client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert h1_count(content) == 1
    assert page_title(content).startswith("Accueil — ")
    assert card_titles(content, "open-calls-section") == ["Appel ouvert"]
    assert card_titles(content, "upcoming-calls-section") == ["Appel à venir"]
    assert card_titles(content, "past-calls-section") == ["Appel clos", "Appel avec résultats"]
    # Open calls come first on the page, with their deadline in Paris time.
    assert card_titles(content) == [
        "Appel ouvert",
        "Appel à venir",
        "Appel clos",
        "Appel avec résultats",
    ]
    assert "Dépôt jusqu’au 30 juin 2099 à 23:59 (heure de Paris)" in text_by_id(
        content, "open-calls-section"
    )
    assert "France Relance" in text_by_id(
        content, f"programme-{calls_in_every_status[CallStatus.OPEN].programme_id}"
    )
    assert "masqué" not in content


def test_home_orders_open_calls_by_deadline_continuous_last(client):
    later = CallFactory(title="Clôture lointaine", opens_at=days(-5), closes_at=days(40))
    ContinuousCallFactory(title="Guichet continu", opens_at=days(-5))
    sooner = CallFactory(title="Clôture proche", opens_at=days(-1), closes_at=days(3))
    content = client.get("/").content.decode()
    assert card_titles(content, "open-calls-section") == [
        sooner.title,
        later.title,
        "Guichet continu",
    ]
    assert "Dépôt en continu, sans date de clôture" in text_by_id(content, "open-calls-section")


def test_home_without_calls(client):
    content = client.get("/").content.decode()
    assert "Aucun appel n’est ouvert aujourd’hui." in content
    assert h1_count(content) == 1


# List ----------------------------------------------------------------------------------------


def test_list_shows_public_calls_with_count(client, calls_in_every_status):
    response = client.get(LIST_URL)
    content = response.content.decode()
    assert h1_count(content) == 1
    assert page_title(content).startswith("Appels à projets — ")
    assert set(card_titles(content)) == {c.title for c in calls_in_every_status.values()}
    assert text_by_id(content, "result-count") == "4 appels"
    assert "masqué" not in content
    # The filter form is labelled DSFR markup.
    assert '<label class="fr-label" for="id_status">Statut</label>' in content
    assert '<select name="status" class="fr-select" id="id_status">' in content
    assert '<label class="fr-label" for="id_programme">Programme</label>' in content


@pytest.mark.parametrize("status", CallStatus.values)
def test_list_filters_by_each_status(client, calls_in_every_status, status):
    response = client.get(LIST_URL, {"status": status})
    content = response.content.decode()
    assert card_titles(content) == [calls_in_every_status[status].title]
    assert text_by_id(content, "result-count") == "1 appel"
    assert f'<option value="{status}" selected>' in content


def test_list_filters_by_each_programme(client, calls_in_every_status):
    other = CallFactory(title="Appel d’un autre programme")
    for programme, expected in [
        ("france-relance", {c.title for c in calls_in_every_status.values()}),
        (other.programme.slug, {other.title}),
    ]:
        content = client.get(LIST_URL, {"programme": programme}).content.decode()
        assert set(card_titles(content)) == expected, programme


def test_list_filters_combine(client, calls_in_every_status):
    other_open = CallFactory(title="Autre appel ouvert")
    content = client.get(LIST_URL, {"status": "open", "programme": "france-relance"}).content
    assert card_titles(content) == ["Appel ouvert"]
    content = client.get(
        LIST_URL, {"status": "open", "programme": other_open.programme.slug}
    ).content
    assert card_titles(content) == ["Autre appel ouvert"]


def test_list_does_not_offer_hidden_programmes(client, calls_in_every_status):
    content = client.get(LIST_URL, {"programme": "france-relance"}).content.decode()
    assert "Programme masqué" not in content


@pytest.mark.parametrize("params", [{"status": "nimporte"}, {"programme": "inconnu"}])
def test_list_with_an_invalid_filter_says_so(client, calls_in_every_status, params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    content = response.content.decode()
    assert card_titles(content) == []
    assert "fr-select-group--error" in content
    assert "Sélectionnez un choix valide" in content
    assert text_by_id(content, "result-count") == "Aucun appel ne correspond à ces critères."


def test_list_paginates_by_twenty_and_keeps_filters_in_links(client):
    programme = ProgrammeFactory(slug="grand-programme")
    start = days(-100)
    for i in range(45):
        CallFactory(programme=programme, opens_at=start + timedelta(hours=i))
    CallFactory(title="Appel clos hors filtre", opens_at=days(-300), closes_at=days(-200))

    first = client.get(LIST_URL, {"status": "open"}).content.decode()
    assert text_by_id(first, "result-count") == "45 appels"
    assert len(card_titles(first)) == 20
    assert 'class="fr-pagination' in first
    assert 'href="?status=open&amp;page=2"' in first
    assert 'href="?status=open&amp;page=3"' in first  # last page

    response = client.get(LIST_URL, {"status": "open", "page": 3})
    third = response.content.decode()
    assert len(card_titles(third)) == 5
    assert 'aria-current="page" title="Page 3"' in third
    assert 'href="?status=open"' in third  # first page, filter kept, no page parameter
    assert "Appel clos hors filtre" not in third
    # The pages never overlap.
    second = client.get(LIST_URL, {"status": "open", "page": 2}).content.decode()
    titles = card_titles(first) + card_titles(second) + card_titles(third)
    assert len(set(titles)) == 45


def test_list_without_pagination_under_twenty(client, calls_in_every_status):
    assert "fr-pagination" not in client.get(LIST_URL).content.decode()


# Detail --------------------------------------------------------------------------------------


@pytest.fixture
def continuous_call():
    call = ContinuousCallFactory(
        title="Guichet en continu 2021",
        slug="guichet-2021",
        programme=ProgrammeFactory(title="France Relance", operator="Etalab — DINUM"),
        opens_at=datetime(2021, 1, 31, 23, 0, tzinfo=UTC),  # 1er février 00:00 in Paris (CET)
        closes_at=datetime(2099, 6, 30, 21, 59, 59, tzinfo=UTC),  # 23:59:59 in Paris (CEST)
        amount_ceiling=Decimal("100000.00"),
        eligible_kinds=[AdministrationKind.CENTRAL, AdministrationKind.OPERATOR],
        ineligible_note="Les collectivités sont orientées vers un autre fonds.",
        ineligible_link="https://exemple.gouv.fr/fonds-collectivites",
        description="Présentation détaillée de l’appel.",
        how_to_apply="Déposez le dossier en ligne.",
    )
    for order, name in [(3, "Troisième"), (1, "Première"), (2, "Deuxième")]:
        CategoryFactory(call=call, name=name, order=order)
    CriterionFactory(
        call=call,
        label="Pérennité",
        description="La capacité du projet à durer.",
        weight=Decimal("2.50"),
        scale_max=10,
        order=2,
    )
    CriterionFactory(call=call, label="Bénéfices", order=1)
    return call


def test_detail_shows_the_call(client, continuous_call):
    response = client.get(continuous_call.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert h1_count(content) == 1
    assert texts_of(content, "h1") == ["Guichet en continu 2021"]
    assert page_title(content).startswith("Guichet en continu 2021 — ")
    assert "Ouvert" in texts_of(content, "p")  # status badge
    assert "Guichet en continu" in texts_of(content, "p")  # kind badge
    assert "Programme « France Relance », porté par Etalab — DINUM." in content
    assert "Présentation détaillée de l’appel." in content
    assert "Déposez le dossier en ligne." in content
    assert "demo-call-notice" not in content


def test_detail_dates_are_in_paris_time(client, continuous_call):
    facts = text_by_id(client.get(continuous_call.get_absolute_url()).content, "key-facts")
    assert "Ouverture : le 1er février 2021 à 00:00 (heure de Paris)" in facts
    assert "Clôture : le 30 juin 2099 à 23:59 (heure de Paris)" in facts


def test_detail_of_a_window_without_closing_date(client):
    call = ContinuousCallFactory(opens_at=datetime(2021, 2, 1, tzinfo=PARIS))
    facts = text_by_id(client.get(call.get_absolute_url()).content, "key-facts")
    assert "Clôture : aucune, dépôt en continu" in facts


def test_detail_shows_the_strict_ceiling_in_french(client, continuous_call):
    content = client.get(continuous_call.get_absolute_url()).content.decode()
    assert (
        f"Le cofinancement demandé doit être strictement inférieur à 100{NBSP}000{NBSP}€."
        == text_by_id(content, "amount-ceiling")
    )


def test_detail_without_ceiling_says_nothing_of_it(client):
    call = CallFactory(amount_ceiling=None)
    assert "amount-ceiling" not in client.get(call.get_absolute_url()).content.decode()


def test_detail_shows_eligibility_and_where_to_go_otherwise(client, continuous_call):
    content = client.get(continuous_call.get_absolute_url()).content.decode()
    assert texts_of(content, "li", within_id="eligible-kinds") == [
        "Administration centrale",
        "Opérateur",
    ]
    assert texts_of(content, "li", within_id="ineligible-kinds") == [
        "Service déconcentré",
        "Collectivité territoriale",
    ]
    assert "Les collectivités sont orientées vers un autre fonds." in content
    assert 'href="https://exemple.gouv.fr/fonds-collectivites"' in content


def test_detail_lists_categories_in_order(client, continuous_call):
    content = client.get(continuous_call.get_absolute_url()).content
    assert texts_of(content, "li", within_id="categories") == [
        "Première",
        "Deuxième",
        "Troisième",
    ]


def test_detail_lists_criteria_with_weight_and_scale(client, continuous_call):
    content = client.get(continuous_call.get_absolute_url()).content
    rows = texts_of(content, "tr", within_id="criteria")
    assert rows[1:] == [
        "Bénéfices 1 de 0 à 5",
        "Pérennité La capacité du projet à durer. 2,5 de 0 à 10",
    ]


def test_detail_of_an_open_call_invites_to_log_in_and_come_back(client, continuous_call):
    content = client.get(continuous_call.get_absolute_url()).content.decode()
    assert (
        f'href="{reverse("login")}?next=/appels/guichet-2021/">'
        "Se connecter pour déposer un dossier</a>"
    ) in content


def test_detail_of_upcoming_and_closed_calls(client):
    upcoming = CallFactory(
        opens_at=datetime(2099, 4, 15, 7, 0, tzinfo=UTC), closes_at=datetime(2099, 6, 1, tzinfo=UTC)
    )
    content = client.get(upcoming.get_absolute_url()).content.decode()
    assert "Le dépôt des dossiers ouvrira le 15 avril 2099 à 09:00 (heure de Paris)." in content
    assert "Se connecter pour déposer" not in content
    closed = CallFactory(opens_at=days(-60), closes_at=days(-30))
    content = client.get(closed.get_absolute_url()).content.decode()
    assert "Le dépôt des dossiers est clos." in content
    assert "Se connecter pour déposer" not in content


def test_detail_of_a_call_with_published_results(client):
    call = published(
        CallFactory(opens_at=days(-200), closes_at=days(-150)),
        datetime(2021, 3, 3, 11, 4, tzinfo=UTC),
    )
    content = client.get(call.get_absolute_url()).content.decode()
    assert "Résultats publiés" in texts_of(content, "p")
    assert "Résultats publiés le 3 mars 2021" in text_by_id(content, "key-facts")


def test_detail_of_a_demo_call_says_so(client):
    call = CallFactory(is_demo=True)
    content = client.get(call.get_absolute_url()).content.decode()
    assert "Appel de démonstration — les dossiers déposés ici ne sont pas instruits" in text_by_id(
        content, "demo-call-notice"
    )
    assert 'class="fr-alert fr-alert--warning' in content


def test_detail_of_a_demo_window_says_only_demo_accounts_decide(client):
    call = ContinuousCallFactory(is_demo=True)
    notice = text_by_id(client.get(call.get_absolute_url()).content.decode(), "demo-call-notice")
    assert "Guichet de démonstration" in notice
    assert "seuls les comptes de démonstration y instruisent et y décident" in notice


def test_detail_has_a_breadcrumb(client, continuous_call):
    content = client.get(continuous_call.get_absolute_url()).content.decode()
    assert 'class="fr-breadcrumb"' in content
    assert texts_of(content, "li", within_id="breadcrumb-calls") == [
        "Accueil",
        "Appels à projets",
        "Guichet en continu 2021",
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda: CallFactory(is_public=False),
        lambda: CallFactory(programme=ProgrammeFactory(is_public=False)),
    ],
    ids=["hidden call", "hidden programme"],
)
def test_hidden_calls_answer_404(client, make):
    call = make()
    assert client.get(call.get_absolute_url()).status_code == 404
    assert call.title not in client.get(LIST_URL).content.decode()
    assert call.title not in client.get("/").content.decode()


def test_unknown_slug_answers_404(client):
    assert client.get(reverse("calls:detail", kwargs={"slug": "inconnu"})).status_code == 404
