"""Staff screens (instruction), driven through their URLs as an instructor would."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relance.models import AuditEntry, OutgoingEmail
from submissions import correspondence, workflow
from submissions import preselection as preselection_workflow
from submissions.models import (
    BudgetLine,
    Dossier,
    DossierMessage,
    DossierState,
    InternalNote,
    PreselectionDecision,
    PreselectionPublication,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    MinistryFactory,
    StaffFactory,
    agent_of,
)
from tests.relance.dom import parse
from tests.relance.test_escaping import HOSTILE
from tests.submissions.sample_files import PDF_BYTES
from tests.submissions.staff_data import closed_call, filed, filed_batch, filed_in_bulk
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db

S = DossierState
P = PreselectionDecision


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def instructor():
    return StaffFactory(first_name="Dominique", last_name="Instructrice")


@pytest.fixture
def staff_client(client, instructor):
    client.force_login(instructor)
    return client


@pytest.fixture
def call():
    return closed_call(title="Appel à projets n° 1 — données", slug="donnees-1")


@pytest.fixture
def culture():
    return MinistryFactory(name="Ministère de la Culture")


@pytest.fixture
def interior():
    return MinistryFactory(name="Ministère de l’Intérieur")


@pytest.fixture
def dnum(culture):
    return AdministrationFactory(
        name="Direction du numérique", acronym="DNUM", kind="central", ministry=culture
    )


@pytest.fixture
def institute(interior):
    return AdministrationFactory(
        name="Institut national de la statistique routière",
        acronym="INSR",
        kind="operator",
        ministry=interior,
    )


@pytest.fixture
def pilotage(call):
    return CategoryFactory(call=call, name="Pilotage par la donnée")


@pytest.fixture
def ouverture(call):
    return CategoryFactory(call=call, name="Ouverture des données")


@pytest.fixture
def dossiers(call, dnum, institute, pilotage, ouverture):
    """A call's dossiers in every situation staff meet."""
    day = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    return {
        "rh": filed(
            call,
            administration=dnum,
            category=pilotage,
            title="Entrepôt de données RH",
            requested_amount=Decimal("20000.00"),
            submitted_at=day,
        ),
        "energie": filed(
            call,
            state=S.INCOMPLETE,
            administration=institute,
            category=ouverture,
            title="Tableau de bord énergie",
            requested_amount=Decimal("80000.00"),
            submitted_at=day + timedelta(days=1),
        ),
        "transport": filed(
            call,
            administration=institute,
            category=pilotage,
            title="Données ouvertes du transport",
            requested_amount=Decimal("50000.00"),
            pending_decision=P.PRESELECTED,
            decision_reason="Projet mûr.",
            submitted_at=day + timedelta(days=2),
        ),
        "chatbot": filed(
            call,
            state=S.WITHDRAWN,
            administration=dnum,
            category=ouverture,
            title="Agent conversationnel",
            requested_amount=Decimal("99999.99"),
            submitted_at=day + timedelta(days=3),
        ),
        "archives": filed(
            call,
            state=S.PRESELECTED,
            administration=dnum,
            category=pilotage,
            title="Archives numériques",
            requested_amount=Decimal("65000.00"),
            submitted_at=day + timedelta(days=4),
        ),
        "draft": filed(call, state=S.DRAFT, administration=dnum, title="Brouillon secret"),
        "withdrawn_draft": filed(
            call,
            state=S.WITHDRAWN,
            administration=dnum,
            title="Brouillon retiré",
            submitted_at=None,
        ),
    }


def list_url(call, query=""):
    url = reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
    return f"{url}?{query}" if query else url


def listed(response):
    """References of the dossiers shown in the list, in order."""
    return re.findall(r'data-reference="([^"]+)"', response.content.decode())


def refs(*dossiers):
    return [d.reference for d in dossiers]


def count_in_page(response, key):
    match = re.search(
        rf'data-count="{key}".*?class="relance-count">(\d+)<', response.content.decode(), re.S
    )
    return int(match.group(1))


# The list of calls ----------------------------------------------------------------------------


def test_call_list_counts_dossiers_by_state_and_links_each_call(staff_client, call, dossiers):
    other = CallFactory(title="Guichet en continu", slug="guichet")
    filed(other)
    response = staff_client.get(reverse("submissions:instruction_home"))
    assert response.status_code == 200
    row = next(p for p in response.context["calls"] if p.call.pk == call.pk)
    values = row.values
    # « Déposés »: every dossier submitted at least once, the withdrawn one included.
    assert values["submitted"] == 5
    assert (values["in_review"], values["incomplete"], values["preselected"]) == (2, 1, 1)
    assert (values["withdrawn"], values["not_preselected"]) == (1, 0)
    assert (values["draft"], values["pending_preselection"]) == (1, 1)
    html = response.content.decode()
    assert list_url(call) in html
    assert list_url(other) in html
    assert re.search(r'data-call="donnees-1".*?data-n="submitted">5<', html, re.S)
    assert re.search(r'data-call="donnees-1".*?data-n="in_review">2<', html, re.S)


def test_call_list_query_count_is_constant(staff_client, instructor):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(reverse("submissions:instruction_home")).status_code == 200
        return len(ctx.captured_queries)

    call = closed_call()
    filed(call)
    small = queries()
    for _ in range(5):
        extra = closed_call()
        filed_batch(
            extra,
            4,
            administrations=[AdministrationFactory()],
            category=CategoryFactory(call=extra),
        )
    assert queries() == small


def test_nav_shows_instruction_to_staff_only(client, staff_client, dnum):
    home = staff_client.get(reverse("home")).content.decode()
    assert reverse("submissions:instruction_home") in home
    client.force_login(agent_of(dnum))
    assert (
        reverse("submissions:instruction_home") not in client.get(reverse("home")).content.decode()
    )


# Counts and the list of one call --------------------------------------------------------------


def test_call_page_counts_every_state_and_unpublished_decisions(staff_client, call, dossiers):
    response = staff_client.get(list_url(call))
    assert response.status_code == 200
    values = response.context["progress"].values
    assert values["submitted"] == 5
    assert values["in_review"] == 2
    assert values["incomplete"] == 1
    assert values["preselected"] == 1
    assert values["not_preselected"] == 0
    # A draft withdrawn before any submission is not a withdrawn dossier for staff.
    assert values["withdrawn"] == 1
    assert values["draft"] == 1
    assert values["pending_preselection"] == 1
    assert count_in_page(response, "submitted") == 5
    assert count_in_page(response, "in_review") == 2
    assert count_in_page(response, "draft") == 1
    assert count_in_page(response, "pending_preselection") == 1


def test_list_shows_only_dossiers_submitted_at_least_once(staff_client, call, dossiers):
    response = staff_client.get(list_url(call))
    assert listed(response) == refs(
        dossiers["rh"],
        dossiers["energie"],
        dossiers["transport"],
        dossiers["chatbot"],
        dossiers["archives"],
    )
    html = response.content.decode()
    assert "Brouillon secret" not in html
    assert "Brouillon retiré" not in html
    assert "5 dossiers" in html


def test_each_row_shows_its_values_escaped_in_its_columns_and_its_details(staff_client, call):
    lone = AdministrationFactory(
        name=f"Service {HOSTILE}", acronym="", kind="operator", ministry=None
    )
    assert lone.ministry is None
    hostile = filed(
        call,
        administration=lone,
        category=None,
        title=f"Titre {HOSTILE}",
        requested_amount=None,
    )
    withdrawn = filed(
        call,
        state=S.WITHDRAWN,
        administration=lone,
        title="Retiré",
        requested_amount=Decimal("75000"),
    )

    html = staff_client.get(list_url(call)).content.decode()

    assert "<script>" not in html
    assert "<img src=x" not in html
    row = parse(html).one("tr", **{"data-reference": hostile.reference})
    cells = row.find_all("td")
    # A box to tick, the reference linked to the dossier, the title with its « Détails ».
    box = cells[0].one("input")
    assert (box.get("name"), box.get("value")) == ("dossiers", str(hostile.pk))
    assert cells[0].one("label").text() == f"Sélectionner {hostile.reference}"
    assert cells[1].one("a").get("href") == reverse(
        "submissions:instruction_dossier", kwargs={"pk": hostile.pk}
    )
    assert cells[2].one("span", lang="fr").text() == f"Titre {HOSTILE}"
    details = dict(
        zip(
            [dt.text() for dt in cells[2].find_all("dt")],
            [dd.text() for dd in cells[2].find_all("dd")],
            strict=True,
        )
    )
    assert details["Administration"] == f"Service {HOSTILE}"
    assert details["Catégorie"] == "—"
    assert details["Cofinancement demandé"] == "—"
    assert details["État"] == "Déposé"
    # No ministry, no acronym: the type alone under the name.
    assert cells[3].text().startswith(f"Service {HOSTILE}")
    assert cells[3].one("span").text() == "Opérateur"
    assert [cell.text() for cell in cells[4:7]] == ["—", "—", "Déposé"]
    # A withdrawn dossier takes no decision: no box to tick.
    other = parse(html).one("tr", **{"data-reference": withdrawn.reference})
    assert other.find_all("td")[0].find("input") is None
    # Amounts as everywhere else: cents shown, never wrapped before « € ».
    assert other.find_all("td")[5].text() == "75 000,00 €"
    assert ">75\u00a0000,00\u00a0€</td>" in html


def test_the_rows_speak_english_on_the_english_interface(staff_client, call, dossiers):
    html = staff_client.get(list_url(call), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = parse(html).one("tr", **{"data-reference": dossiers["rh"].reference})
    labels = [dt.text() for dt in row.find_all("dt")]
    assert labels == [
        "Administration",
        "Category",
        "Co-funding requested",
        "Status",
        "Submitted on",
    ]
    assert row.one("summary").text().startswith("Details")
    assert row.find_all("td")[0].one("label").text() == f"Select {dossiers['rh'].reference}"


def test_list_shows_the_unpublished_decision_to_staff(staff_client, call, dossiers):
    html = staff_client.get(list_url(call)).content.decode()
    assert 'data-pending="preselected"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("etat=submitted", ["rh", "transport"]),
        ("etat=incomplete", ["energie"]),
        ("etat=withdrawn", ["chatbot"]),
        ("type=operator", ["energie", "transport"]),
        ("type=central", ["rh", "chatbot", "archives"]),
        ("montant_min=50000", ["energie", "transport", "chatbot", "archives"]),
        ("montant_max=50000", ["rh", "transport"]),
        ("montant_min=50+000%2C01&montant_max=80+000", ["energie", "archives"]),
        ("montant_min=99999.99", ["chatbot"]),
        ("decision=aucune", ["rh", "energie", "chatbot", "archives"]),
        ("decision=enregistree", ["transport"]),
        ("decision=preselected", ["transport"]),
        ("decision=not_preselected", []),
        ("q=entrepôt", ["rh"]),
        ("q=DONNÉES", ["rh", "transport"]),
        ("q=insr", ["energie", "transport"]),
        ("q=statistique routière", ["energie", "transport"]),
        ("etat=submitted&type=operator", ["transport"]),
    ],
)
def test_each_filter(staff_client, call, dossiers, query, expected):
    response = staff_client.get(list_url(call, query))
    assert response.status_code == 200
    assert listed(response) == [dossiers[name].reference for name in expected]


def test_filter_by_ministry_category_and_reference(
    staff_client, call, dossiers, interior, pilotage
):
    assert listed(staff_client.get(list_url(call, f"ministere={interior.pk}"))) == refs(
        dossiers["energie"], dossiers["transport"]
    )
    assert listed(staff_client.get(list_url(call, f"categorie={pilotage.pk}"))) == refs(
        dossiers["rh"], dossiers["transport"], dossiers["archives"]
    )
    reference = dossiers["archives"].reference
    assert listed(staff_client.get(list_url(call, f"q={reference.lower()}"))) == [reference]


def test_category_filter_offers_only_this_calls_categories(staff_client, call, dossiers):
    foreign = CategoryFactory(call=CallFactory(), name="Catégorie d’un autre appel")
    response = staff_client.get(list_url(call))
    assert "Catégorie d’un autre appel" not in response.content.decode()
    refused = staff_client.get(list_url(call, f"categorie={foreign.pk}"))
    assert refused.context["filter"].errors
    # An invalid choice filters nothing, and says so next to the field.
    assert len(listed(refused)) == 5


@pytest.mark.parametrize(
    ("key", "ascending", "descending"),
    [
        ("reference", ["rh", "energie", "transport", "chatbot", "archives"], None),
        ("titre", ["chatbot", "archives", "transport", "rh", "energie"], None),
        # Ties keep the reference order in both directions.
        (
            "administration",
            ["rh", "chatbot", "archives", "energie", "transport"],
            ["energie", "transport", "rh", "chatbot", "archives"],
        ),
        ("montant", ["rh", "transport", "archives", "energie", "chatbot"], None),
        # States follow the lifecycle: submitted, incomplete, preselected… withdrawn.
        (
            "etat",
            ["rh", "transport", "energie", "archives", "chatbot"],
            ["chatbot", "archives", "energie", "rh", "transport"],
        ),
        ("depot", ["rh", "energie", "transport", "chatbot", "archives"], None),
    ],
)
def test_sorting_both_ways(staff_client, call, dossiers, key, ascending, descending):
    up = listed(staff_client.get(list_url(call, f"tri={key}")))
    down = listed(staff_client.get(list_url(call, f"tri=-{key}")))
    assert up == [dossiers[name].reference for name in ascending]
    assert down == [dossiers[name].reference for name in (descending or reversed(ascending))]


def test_unknown_sort_is_ignored(staff_client, call, dossiers):
    response = staff_client.get(list_url(call, "tri=-password"))
    assert response.status_code == 200
    assert listed(response) == refs(
        dossiers["rh"],
        dossiers["energie"],
        dossiers["transport"],
        dossiers["chatbot"],
        dossiers["archives"],
    )


def test_sort_links_toggle_direction_and_keep_filters(staff_client, call, dossiers):
    html = staff_client.get(list_url(call, "etat=submitted&tri=titre&page=1")).content.decode()
    link = re.search(r'href="([^"]+)" data-sort="titre"', html).group(1)
    assert "tri=-titre" in link
    assert "etat=submitted" in link
    assert "page=" not in link
    assert 'aria-sort="ascending"' in html


def test_pagination_keeps_filters_and_sort(staff_client, call, dnum, pilotage):
    batch = filed_batch(call, 120, administrations=[dnum], category=pilotage)
    first = staff_client.get(list_url(call, "etat=submitted&tri=-reference"))
    assert len(listed(first)) == 50
    assert listed(first)[0] == batch[-1].reference
    html = first.content.decode().replace("&amp;", "&")
    assert 'class="fr-pagination' in html
    assert "?etat=submitted&tri=-reference&page=2" in html
    assert "?etat=submitted&tri=-reference&page=3" in html
    third = staff_client.get(list_url(call, "etat=submitted&tri=-reference&page=3"))
    assert listed(third) == [d.reference for d in reversed(batch[:20])]
    # Out of range pages show the last one rather than an error.
    assert listed(staff_client.get(list_url(call, "etat=submitted&page=99"))) == listed(
        staff_client.get(list_url(call, "etat=submitted&page=3"))
    )


def test_export_links_carry_the_filters(staff_client, call, dossiers):
    html = staff_client.get(list_url(call, "etat=submitted&tri=titre&page=2")).content.decode()
    html = html.replace("&amp;", "&")
    for fmt in ("csv", "xlsx", "ods"):
        url = reverse("submissions:instruction_export", kwargs={"call_slug": call.slug, "fmt": fmt})
        assert f"{url}?etat=submitted&tri=titre" in html


def _list_queries(client, call, query=""):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(list_url(call, query))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_list_query_count_is_constant(staff_client, call, dnum, institute, pilotage):
    filed_batch(call, 5, administrations=[dnum, institute], category=pilotage)
    small, response = _list_queries(staff_client, call, "tri=administration")
    assert len(listed(response)) == 5
    # Session, user, the user's programme roles, call, counts, pagination count, filter
    # choices, page rows, the user's recent exports.
    assert small <= 14
    more = [AdministrationFactory() for _ in range(10)]
    filed_batch(call, 195, administrations=more, category=CategoryFactory(call=call))
    large, response = _list_queries(staff_client, call, "tri=administration")
    assert len(listed(response)) == 50
    assert large == small
    filtered_small, _ = _list_queries(staff_client, call, "q=direction&type=central&page=2")
    assert filtered_small == small


# Bulk decisions -------------------------------------------------------------------------------


def test_bulk_preselection_records_decisions_and_returns_to_the_filtered_list(
    staff_client, instructor, call, dossiers
):
    chosen = [dossiers["rh"], dossiers["energie"]]
    response = staff_client.post(
        reverse("submissions:instruction_bulk_decision", kwargs={"call_slug": call.slug}),
        {
            "dossiers": [d.pk for d in chosen],
            "decision": P.NOT_PRESELECTED,
            "reason": "Hors du périmètre de l’appel.",
            "retour": "etat=submitted&tri=-titre",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == list_url(call, "etat=submitted&tri=-titre")
    assert "Décision « Non présélectionné » enregistrée pour 2 dossier(s)." in (
        response.content.decode()
    )
    for dossier in chosen:
        dossier.refresh_from_db()
        assert dossier.pending_decision == P.NOT_PRESELECTED
        assert dossier.decision_reason == "Hors du périmètre de l’appel."
        # Recorded, not published: the state is unchanged.
        assert dossier.state in (S.SUBMITTED, S.INCOMPLETE)
    assert AuditEntry.objects.filter(action="record_decision", actor=instructor).count() == 2


def test_bulk_is_all_or_nothing_and_shows_the_refusal(staff_client, call, dossiers):
    # « energie » is incomplete: it cannot be preselected, so nothing is recorded.
    before = {d.pk: d.pending_decision for d in Dossier.objects.all()}
    response = staff_client.post(
        reverse("submissions:instruction_bulk_decision", kwargs={"call_slug": call.slug}),
        {"dossiers": [dossiers["rh"].pk, dossiers["energie"].pk], "decision": P.PRESELECTED},
        follow=True,
    )
    html = response.content.decode()
    assert "Aucune décision n’a été enregistrée." in html
    assert dossiers["energie"].reference in html
    assert {d.pk: d.pending_decision for d in Dossier.objects.all()} == before


@pytest.mark.parametrize("case", ["none", "other_call", "draft", "bad_decision"])
def test_bulk_refuses_bad_input(staff_client, call, dossiers, case):
    data = {"dossiers": [dossiers["rh"].pk], "decision": P.PRESELECTED}
    if case == "none":
        data["dossiers"] = []
    elif case == "other_call":
        data["dossiers"].append(filed(CallFactory()).pk)
    elif case == "draft":
        data["dossiers"].append(dossiers["draft"].pk)
    else:
        data["decision"] = "laureate"
    response = staff_client.post(
        reverse("submissions:instruction_bulk_decision", kwargs={"call_slug": call.slug}),
        data,
        follow=True,
    )
    assert response.status_code == 200
    assert "fr-alert--error" in response.content.decode()
    assert not Dossier.objects.filter(pk=dossiers["rh"].pk).exclude(pending_decision="").exists()


def test_bulk_checkboxes_only_on_decidable_dossiers(staff_client, call, dossiers):
    html = staff_client.get(list_url(call)).content.decode()
    boxes = set(re.findall(r'name="dossiers" value="(\d+)"', html))
    assert boxes == {str(dossiers[n].pk) for n in ("rh", "energie", "transport")}


# Publication of the preselection --------------------------------------------------------------


def publish_url(call):
    return reverse("submissions:instruction_publish", kwargs={"call_slug": call.slug})


def test_publish_confirmation_shows_counts_and_undecided(staff_client, call, dossiers):
    response = staff_client.get(publish_url(call))
    assert response.status_code == 200
    html = response.content.decode()

    def shown(key):
        return int(re.search(rf'data-count="{key}">[^<]*<strong>(\d+)<', html).group(1))

    assert (shown("preselected"), shown("not_preselected")) == (1, 0)
    assert (shown("undecided"), shown("incomplete")) == (1, 1)
    assert dossiers["rh"].reference in html[html.index('id="undecided"') :]
    # A GET never publishes.
    assert not PreselectionPublication.objects.exists()


def test_publish_confirmation_of_a_large_call_is_summarised_and_paginated(staff_client, dnum):
    call = closed_call()
    category = CategoryFactory(call=call)
    bulk = filed_in_bulk(call, 120, administration=dnum, category=category)
    Dossier.objects.filter(pk__in=[d.pk for d in bulk[:70]]).update(
        pending_decision=PreselectionDecision.PRESELECTED
    )
    Dossier.objects.filter(pk__in=[d.pk for d in bulk[70:115]]).update(
        pending_decision=PreselectionDecision.NOT_PRESELECTED
    )
    html = staff_client.get(publish_url(call)).content.decode()

    def shown(key):
        return int(re.search(rf'data-count="{key}">[^<]*<strong>(\d+)<', html).group(1))

    assert (shown("preselected"), shown("not_preselected"), shown("undecided")) == (70, 45, 5)
    # One page of rows, the undecided ones first.
    decisions = re.findall(r'<tr data-decision="([^"]+)"', html)
    assert len(decisions) == 50
    assert decisions[:5] == ["none"] * 5
    assert "none" not in decisions[5:]
    assert "120 dossiers concernés" in html
    assert 'class="fr-pagination' in html
    last = staff_client.get(publish_url(call) + "?page=3").content.decode()
    assert len(re.findall(r"<tr data-decision=", last)) == 20


def test_publish_refused_while_dossiers_are_undecided(staff_client, call, dossiers):
    response = staff_client.post(publish_url(call))
    assert response.status_code == 200
    html = response.content.decode()
    assert "La présélection n’a pas été publiée" in html
    assert f"1 dossier(s) déposé(s) sans décision : {dossiers['rh'].reference}." in html
    assert not PreselectionPublication.objects.exists()
    assert Dossier.objects.get(pk=dossiers["transport"].pk).state == S.SUBMITTED


def test_publish_refused_while_the_call_is_open(staff_client, dnum):
    call = CallFactory(slug="ouvert")
    dossier = filed(call, administration=dnum, pending_decision=P.PRESELECTED)
    page = staff_client.get(publish_url(call)).content.decode()
    assert 'id="call-open"' in page
    response = staff_client.post(publish_url(call))
    assert "L’appel est encore ouvert" in response.content.decode()
    dossier.refresh_from_db()
    assert (dossier.state, dossier.pending_decision) == (S.SUBMITTED, P.PRESELECTED)


def test_publish_applies_decisions_notifies_and_a_double_click_publishes_once(
    staff_client, instructor, call, dossiers, dnum
):
    agent = agent_of(dossiers["transport"].administration)
    preselection_workflow.record_preselection(
        instructor, dossiers["rh"], decision=P.NOT_PRESELECTED
    )
    response = staff_client.post(publish_url(call), follow=True)
    assert response.redirect_chain[-1][0] == list_url(call)
    html = response.content.decode()
    assert "Présélection publiée : 1 dossier(s) présélectionné(s), 1 non présélectionné(s)." in html
    assert Dossier.objects.get(pk=dossiers["transport"].pk).state == S.PRESELECTED
    assert Dossier.objects.get(pk=dossiers["rh"].pk).state == S.NOT_PRESELECTED
    # The incomplete dossier without decision stays as it was.
    assert Dossier.objects.get(pk=dossiers["energie"].pk).state == S.INCOMPLETE
    assert not OutgoingEmail.objects.exists()  # rendered by a task once the request commits
    run_tasks()
    emails = OutgoingEmail.objects.filter(topic="preselection")
    assert emails.count() == 2
    assert any(agent.email in e.to for e in emails)

    again = staff_client.post(publish_url(call))
    assert again.status_code == 200
    assert "Aucune décision de présélection à publier." in again.content.decode()
    assert PreselectionPublication.objects.filter(call=call).count() == 1
    run_tasks()
    assert OutgoingEmail.objects.filter(topic="preselection").count() == 2
    assert 'id="publications"' in again.content.decode()


# One dossier ------------------------------------------------------------------------------------


def dossier_url(dossier, name="instruction_dossier"):
    return reverse(f"submissions:{name}", kwargs={"pk": dossier.pk})


@pytest.fixture
def full_dossier(call, dnum, pilotage, instructor):
    """A dossier with budget lines, an attachment, history, messages and notes."""
    agent = agent_of(dnum, first_name="Camille", last_name="Déposante")
    dossier = filed(
        call,
        state=S.DRAFT,
        administration=dnum,
        category=pilotage,
        title="Cartographie des données sociales",
        subtitle="Mieux connaître les bénéficiaires",
        summary="Un résumé unique du projet.",
        benefits_others="Réutilisable par les autres directions.",
        contact_phone="01 23 45 67 89",
    )
    BudgetLine.objects.create(
        dossier=dossier, label="Prestation de développement", nature="services", amount=90000
    )
    workflow.add_attachment(
        agent,
        dossier,
        file=ContentFile(PDF_BYTES),
        original_name="annexe-technique.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    # Submitted while the call was open, through the workflow (real history).
    Dossier.objects.filter(pk=dossier.pk).update(submitted_at=None)
    call.closes_at = timezone.now() + timedelta(days=1)
    call.save()
    workflow.submit(agent, dossier)
    call.closes_at = timezone.now() - timedelta(minutes=1)
    call.save()
    correspondence.send_message(instructor, dossier, body="Pouvez-vous préciser le calendrier ?")
    correspondence.add_note(instructor, dossier, body="Budget à vérifier avec la DITP.")
    dossier.agent = agent
    return dossier


def test_detail_shows_everything_filed(staff_client, full_dossier):
    response = staff_client.get(dossier_url(full_dossier))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Cartographie des données sociales",
        "Mieux connaître les bénéficiaires",
        "Un résumé unique du projet.",
        "Réutilisable par les autres directions.",
        "Prestation de développement",
        "Direction du numérique",
        "Ministère de la Culture",
        "Pilotage par la donnée",
        "01 23 45 67 89",
        "annexe-technique.pdf",
    ):
        assert text in html, text
    attachment = full_dossier.attachments.get()
    download = reverse(
        "submissions:attachment_download",
        kwargs={"pk": full_dossier.pk, "attachment_pk": attachment.pk},
    )
    assert download in html
    assert staff_client.get(download).status_code == 200
    # Staff pages never offer the applicant's edit links.
    assert "/modifier/" not in html


def test_detail_shows_history_messages_and_notes(staff_client, full_dossier):
    html = staff_client.get(dossier_url(full_dossier)).content.decode()
    history = html[html.index('id="history"') : html.index('id="instruction-actions"')]
    assert "Dépôt" in history
    assert "Brouillon → Déposé" in history
    assert "Camille Déposante" in history
    assert "Ajout d’une pièce jointe" in history
    assert "annexe-technique.pdf" in history
    assert "Pouvez-vous préciser le calendrier ?" in history
    assert "Pouvez-vous préciser le calendrier ?" in html[html.index('id="messages"') :]
    assert "Budget à vérifier avec la DITP." in html[html.index('id="notes"') :]


def test_history_times_are_in_paris(staff_client, full_dossier):
    entry = AuditEntry.objects.filter(action="submit").get()
    AuditEntry.objects.filter(pk=entry.pk).update(at=datetime(2026, 11, 28, 22, 30, tzinfo=UTC))
    html = staff_client.get(dossier_url(full_dossier)).content.decode()
    # 22:30 UTC on 28 November is 23:30 in Paris (winter time).
    assert "28 novembre 2026 23:30" in html


def test_never_submitted_draft_is_not_found(staff_client, dossiers):
    for name in ("draft", "withdrawn_draft"):
        assert staff_client.get(dossier_url(dossiers[name])).status_code == 404
    assert staff_client.get(dossier_url(dossiers["chatbot"])).status_code == 200


def test_add_note(staff_client, instructor, full_dossier):
    response = staff_client.post(
        dossier_url(full_dossier, "instruction_note"),
        {"note-body": "Appeler le contact mardi."},
        follow=True,
    )
    assert "Note interne ajoutée." in response.content.decode()
    note = InternalNote.objects.filter(dossier=full_dossier).latest("pk")
    assert (note.body, note.author) == ("Appeler le contact mardi.", instructor)
    assert "Appeler le contact mardi." in response.content.decode()


def test_empty_note_is_refused_next_to_the_field(staff_client, full_dossier):
    response = staff_client.post(dossier_url(full_dossier, "instruction_note"), {"note-body": " "})
    assert response.status_code == 200
    assert "La note est vide." in response.content.decode()
    assert InternalNote.objects.filter(dossier=full_dossier).count() == 1


def test_send_message(staff_client, full_dossier):
    response = staff_client.post(
        dossier_url(full_dossier, "instruction_message"),
        {"message-body": "Merci pour votre dossier."},
        follow=True,
    )
    assert "Message envoyé à l’administration." in response.content.decode()
    assert DossierMessage.objects.filter(
        dossier=full_dossier, kind=DossierMessage.Kind.INFORMATION, body="Merci pour votre dossier."
    ).exists()
    assert OutgoingEmail.objects.filter(topic="message").count() == 2


def test_request_additions_flow(staff_client, full_dossier):
    agent = full_dossier.agent
    url = dossier_url(full_dossier, "instruction_request_additions")
    # The message is required: nothing changes without it.
    refused = staff_client.post(url, {"complements-message": ""})
    assert refused.status_code == 200
    assert "Écrivez ce que l’administration doit compléter." in refused.content.decode()
    assert Dossier.objects.get(pk=full_dossier.pk).state == S.SUBMITTED

    response = staff_client.post(
        url, {"complements-message": "Joignez le devis du prestataire."}, follow=True
    )
    assert "Demande de compléments envoyée" in response.content.decode()
    dossier = Dossier.objects.get(pk=full_dossier.pk)
    assert dossier.state == S.INCOMPLETE
    assert DossierMessage.objects.filter(
        dossier=dossier, kind=DossierMessage.Kind.REQUEST_ADDITIONS
    ).exists()
    email = OutgoingEmail.objects.get(topic="request_additions")
    assert agent.email in email.to
    html = response.content.decode()
    assert "Déposé → À compléter" in html
    # The form is gone while the dossier is being completed…
    assert 'id="additions-form"' not in html
    # …and asking again is refused with the workflow's message.
    again = staff_client.post(url, {"complements-message": "Encore ?"})
    assert "Impossible de demander des compléments pour un dossier « À compléter »." in (
        again.content.decode()
    )

    # The applicant completes: staff see it submitted again, with the reply.
    workflow.complete(agent, dossier, reply="Devis joint.")
    html = staff_client.get(dossier_url(dossier)).content.decode()
    assert "Devis joint." in html
    assert "À compléter → Déposé" in html


def test_record_and_clear_a_decision(staff_client, instructor, full_dossier):
    url = dossier_url(full_dossier, "instruction_decision")
    refused = staff_client.post(url, {"decision-reason": "Sans décision"})
    assert "Choisissez une décision." in refused.content.decode()

    response = staff_client.post(
        url,
        {"decision-decision": P.PRESELECTED, "decision-reason": "Projet exemplaire."},
        follow=True,
    )
    assert "Décision enregistrée." in response.content.decode()
    dossier = Dossier.objects.get(pk=full_dossier.pk)
    assert (dossier.state, dossier.pending_decision, dossier.decision_reason) == (
        S.SUBMITTED,
        P.PRESELECTED,
        "Projet exemplaire.",
    )
    html = response.content.decode()
    assert 'id="pending-decision"' in html
    assert "Décision de présélection enregistrée" in html

    response = staff_client.post(dossier_url(dossier, "instruction_clear_decision"), follow=True)
    assert "Décision effacée." in response.content.decode()
    dossier.refresh_from_db()
    assert (dossier.pending_decision, dossier.decision_reason) == ("", "")
    assert AuditEntry.objects.filter(action="clear_decision", actor=instructor).exists()


def test_decision_refused_on_a_published_dossier(staff_client, dossiers):
    dossier = dossiers["archives"]
    page = staff_client.get(dossier_url(dossier)).content.decode()
    assert 'id="decision-form"' not in page
    response = staff_client.post(
        dossier_url(dossier, "instruction_decision"),
        {"decision-decision": P.NOT_PRESELECTED, "decision-reason": "Erreur"},
    )
    assert response.status_code == 200
    assert "impossible d’enregistrer cette décision" in response.content.decode()
    dossier.refresh_from_db()
    assert (dossier.state, dossier.pending_decision) == (S.PRESELECTED, "")
