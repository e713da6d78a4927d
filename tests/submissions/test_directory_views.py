"""The directory's staff screens and the agents' membership screens, through their URLs."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relance.audit import AuditAction
from relance.models import AuditEntry, OutgoingEmail
from submissions import administrations as workflow
from submissions.models import (
    Administration,
    Dossier,
    Membership,
    MembershipRequest,
    Ministry,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    DossierFactory,
    MembershipFactory,
    MinistryFactory,
    StaffFactory,
    UserFactory,
    agent_of,
    valid_siret,
)
from tests.relance.dom import parse

pytestmark = pytest.mark.django_db

R = MembershipRequest.Status
DINUM_SIRET = "13002526500013"


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(name, **kwargs):
    return reverse(f"submissions:{name}", kwargs=kwargs or None)


def field_errors(response, field_id) -> list[str]:
    container = parse(response.content).by_id(f"{field_id}_error")
    return [] if container is None else [p.text().strip() for p in container.find_all("p")]


@pytest.fixture
def instructor():
    return StaffFactory(email="instructrice@exemple.gouv.fr")


@pytest.fixture
def staff_client(client, instructor):
    client.force_login(instructor)
    return client


@pytest.fixture
def culture():
    return MinistryFactory(name="Ministère de la Culture", acronym="MC")


@pytest.fixture
def secretariat(culture):
    return AdministrationFactory(
        name="Secrétariat général du ministère de la Culture",
        acronym="SG Culture",
        ministry=culture,
        siret=DINUM_SIRET,  # a valid SIRET for the tests, not the secretariat's real one
    )


@pytest.fixture
def newcomer():
    return UserFactory(email="nouvel.agent@culture.gouv.fr", first_name="Alex", last_name="Martin")


@pytest.fixture
def agent_client(client, newcomer):
    client.force_login(newcomer)
    return client


def administration_data(**values):
    return {"name": "", "acronym": "", "kind": "central", "ministry": "", "siret": "", **values}


# Staff: the list of administrations -----------------------------------------------------------


def test_the_list_shows_counts_and_the_formatted_siret(staff_client, secretariat, newcomer):
    agent_of(secretariat)
    DossierFactory.create_batch(2, administration=secretariat)
    workflow.request_membership(newcomer, secretariat)
    response = staff_client.get(url("administration_list"))
    assert response.status_code == 200
    row = parse(response.content).one("tr", **{"data-administration": str(secretariat.pk)})
    assert "130 025 265 00013" in row.text()
    counts = {td.get("data-n"): td.text().strip() for td in row.find_all("td") if td.has("data-n")}
    assert counts == {"members": "1", "pending": "1", "dossiers": "2"}
    assert "1 en attente" in text(response)


@pytest.mark.parametrize(
    "query", ["secrétariat culture", "SG Culture", "130 025 265", "13002526500013", "ministère"]
)
def test_the_list_searches_by_name_acronym_siret_and_ministry(staff_client, secretariat, query):
    AdministrationFactory(name="Direction du budget", ministry=MinistryFactory(name="Économie"))
    response = staff_client.get(url("administration_list"), {"q": query})
    names = [a.name for a in response.context["page_obj"]]
    assert names == [secretariat.name]


def test_the_list_filters_by_ministry_and_kind(staff_client, secretariat, culture):
    operator = AdministrationFactory(name="Mobilier national", kind="operator", ministry=culture)
    AdministrationFactory(name="Direction du budget")
    response = staff_client.get(url("administration_list"), {"ministere": culture.pk})
    assert {a.name for a in response.context["page_obj"]} == {secretariat.name, operator.name}
    response = staff_client.get(
        url("administration_list"), {"ministere": culture.pk, "type": "operator"}
    )
    assert [a.name for a in response.context["page_obj"]] == [operator.name]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"ministere": "pas-un-nombre"},
        {"ministere": "987654"},
        {"type": "inconnu"},
        {"q": "x" * 500},
        {"q": "%_'\"; DROP TABLE submissions_administration; --"},
        {"q": "\x00"},
    ],
)
def test_hostile_list_parameters_never_fail(staff_client, secretariat, params):
    response = staff_client.get(url("administration_list"), params)
    assert response.status_code == 200
    assert Administration.objects.filter(pk=secretariat.pk).exists()


def test_the_list_is_paginated(staff_client, culture):
    for n in range(55):
        AdministrationFactory(name=f"Service {n:02d}", ministry=culture)
    first = staff_client.get(url("administration_list"))
    assert len(first.context["page_obj"]) == 50
    assert "55 administrations" in text(first)
    second = staff_client.get(url("administration_list"), {"page": 2})
    assert [a.name for a in second.context["page_obj"]][-1] == "Service 54"


def _list_queries(client, name, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(name), params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow_directory(size, ministry):
    for _ in range(size):
        n = Administration.objects.count()
        administration = AdministrationFactory(ministry=ministry, siret=valid_siret(5000 + n))
        agent_of(administration)
        DossierFactory(administration=administration)
        workflow.request_membership(UserFactory(), administration)


def test_the_staff_lists_run_a_constant_number_of_queries(staff_client, culture):
    _grow_directory(3, culture)
    small = {
        name: _list_queries(staff_client, name)
        for name in ("administration_list", "ministry_list", "membership_requests")
    }
    small_search = _list_queries(staff_client, "administration_list", {"q": "Direction"})
    _grow_directory(30, culture)
    MinistryFactory.create_batch(20)
    large = {
        name: _list_queries(staff_client, name)
        for name in ("administration_list", "ministry_list", "membership_requests")
    }
    assert large == small
    assert _list_queries(staff_client, "administration_list", {"q": "Direction"}) == small_search


# Staff: creating and editing ---------------------------------------------------------------------


def test_an_instructor_creates_an_administration_with_a_spaced_siret(staff_client, culture):
    response = staff_client.post(
        url("administration_create"),
        administration_data(
            name="  Direction   générale des patrimoines ",
            acronym="DGPA",
            ministry=culture.pk,
            siret="130 025 265 00013",
        ),
    )
    administration = Administration.objects.get(acronym="DGPA")
    assert response.status_code == 302
    assert response["Location"] == url("administration_detail", pk=administration.pk)
    assert administration.name == "Direction générale des patrimoines"
    assert administration.siret == DINUM_SIRET
    assert AuditEntry.objects.filter(action=AuditAction.ADMINISTRATION_CREATE).count() == 1
    page = text(staff_client.get(response["Location"]))
    assert "130 025 265 00013" in page
    assert "Administration créée" in page  # its history


@pytest.mark.parametrize(
    "siret,message,shown",
    [
        ("130 025 265 00012", "Ce SIRET n’est pas valide (clé de contrôle).", None),
        ("1300252650001", "Un SIRET compte exactement 14 chiffres.", None),
        ("1300252650001A", "Un SIRET compte exactement 14 chiffres.", None),
        # Fourteen digits are shown grouped, as they are read.
        ("13002526600003", "Ce SIRET n’est pas valide (clé de contrôle).", "130 025 266 00003"),
    ],
)
def test_an_invalid_siret_is_explained_next_to_the_field(
    staff_client, culture, siret, message, shown
):
    data = administration_data(name="Direction des tests", ministry=culture.pk, siret=siret)
    response = staff_client.post(url("administration_create"), data)
    assert response.status_code == 200
    assert field_errors(response, "id_siret") == [message]
    # What was typed is shown again.
    assert f'value="{shown or siret}"' in response.content.decode()
    assert not Administration.objects.exists()


def test_a_siret_already_used_is_refused_next_to_the_field(staff_client, secretariat, culture):
    data = administration_data(name="Jumelle", ministry=culture.pk, siret="130 025 265 00013")
    response = staff_client.post(url("administration_create"), data)
    assert response.status_code == 200
    assert "Une administration porte déjà ce SIRET." in text(response)
    assert Administration.objects.count() == 1


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"name": ""}, "id_name", "Indiquez le nom de l’administration."),
        ({"name": "   "}, "id_name", "Indiquez le nom de l’administration."),
        ({"kind": ""}, "id_kind", "Choisissez le type de structure."),
        (
            {"ministry": ""},
            "id_ministry",
            "Indiquez le ministère dont dépend cette administration.",
        ),
        (
            {"kind": "local_authority"},
            "id_ministry",
            "Une collectivité territoriale ne dépend d’aucun ministère : laissez-le vide.",
        ),
        (
            {"name": "Direction\u202e pirate"},
            "id_name",
            "Ce texte contient des caractères invisibles ou de contrôle : retapez-le.",
        ),
        ({"name": "Direction\x00"}, "id_name", "Le caractère nul n’est pas autorisé."),
        ({"ministry": "987654"}, "id_ministry", None),
        ({"kind": "galaxie"}, "id_kind", None),
        ({"name": "x" * 300}, "id_name", None),
    ],
)
def test_bad_input_is_explained_in_french(staff_client, culture, overrides, field, message):
    data = administration_data(
        **{"name": "Direction des tests", "ministry": culture.pk, **overrides}
    )
    response = staff_client.post(url("administration_create"), data)
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors, response.content.decode()[:500]
    if message:
        assert errors == [message]
    assert not Administration.objects.exists()


def test_names_are_escaped_everywhere(staff_client, culture):
    name = "<script>alert('x')</script> & Cie"
    staff_client.post(
        url("administration_create"), administration_data(name=name, ministry=culture.pk)
    )
    administration = Administration.objects.get()
    assert administration.name == name
    for page in (url("administration_list"), url("administration_detail", pk=administration.pk)):
        content = staff_client.get(page).content.decode()
        assert "<script>alert" not in content
        assert "&lt;script&gt;alert" in content


def test_an_instructor_edits_an_administration(staff_client, secretariat, culture):
    edit_url = url("administration_edit", pk=secretariat.pk)
    form_page = text(staff_client.get(edit_url))
    assert 'value="130 025 265 00013"' in form_page
    response = staff_client.post(
        edit_url,
        administration_data(
            name=secretariat.name, acronym="SG-MC", ministry=culture.pk, siret="130 025 265 00013"
        ),
    )
    assert response.status_code == 302
    secretariat.refresh_from_db()
    assert (secretariat.acronym, secretariat.siret) == ("SG-MC", DINUM_SIRET)
    entry = AuditEntry.objects.get(action=AuditAction.ADMINISTRATION_UPDATE)
    assert entry.data == {"fields": {"acronym": {"old": "SG Culture", "new": "SG-MC"}}}
    page = text(staff_client.get(url("administration_detail", pk=secretariat.pk)))
    assert "Administration modifiée" in page and "Sigle" in page


def test_a_refused_edit_keeps_the_saved_name_on_the_page(staff_client, secretariat, culture):
    response = staff_client.post(
        url("administration_edit", pk=secretariat.pk),
        administration_data(name="Nouveau nom", ministry=culture.pk, siret="123"),
    )
    assert response.status_code == 200
    page = text(response)
    assert secretariat.name in page  # the title shows the saved name
    assert 'value="Nouveau nom"' in page  # the form what was typed
    secretariat.refresh_from_db()
    assert secretariat.name == "Secrétariat général du ministère de la Culture"


def test_an_instructor_creates_and_renames_a_ministry(staff_client, culture):
    response = staff_client.post(url("ministry_create"), {"name": "Ministère de la Mer"})
    assert response.status_code == 302
    ministry = Ministry.objects.get(name="Ministère de la Mer")
    duplicate = staff_client.post(url("ministry_create"), {"name": "Ministère de la Culture"})
    assert duplicate.status_code == 200
    assert field_errors(duplicate, "id_name") == ["Un ministère porte déjà ce nom."]
    response = staff_client.post(
        url("ministry_edit", pk=ministry.pk), {"name": "Ministère de la Mer", "acronym": "MMer"}
    )
    assert response.status_code == 302
    ministry.refresh_from_db()
    assert ministry.acronym == "MMer"
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        AuditAction.MINISTRY_CREATE,
        AuditAction.MINISTRY_UPDATE,
    ]
    page = text(staff_client.get(url("ministry_list")))
    assert "Ministère de la Mer" in page and "MMer" in page


# Staff: members -----------------------------------------------------------------------------------


def test_the_detail_lists_members_and_pending_requests(staff_client, secretariat, newcomer):
    member = agent_of(secretariat, email="membre@culture.gouv.fr")
    membership_request, _ = workflow.request_membership(newcomer, secretariat)
    page = text(staff_client.get(url("administration_detail", pk=secretariat.pk)))
    assert member.email in page
    assert url("membership_request", pk=membership_request.pk) in page
    assert "Demande de rattachement" in page  # history


def test_an_instructor_removes_a_member_and_the_dossiers_stay(staff_client, secretariat):
    member = agent_of(secretariat, email="membre@culture.gouv.fr")
    dossier = DossierFactory(administration=secretariat, created_by=member)
    membership = Membership.objects.get(user=member)
    remove_url = url("administration_member_remove", pk=secretariat.pk, membership_pk=membership.pk)
    assert "Les dossiers restent à l’administration" in text(staff_client.get(remove_url))

    response = staff_client.post(remove_url)
    assert response.status_code == 302
    assert not Membership.objects.filter(user=member).exists()
    assert Dossier.objects.get(pk=dossier.pk).administration == secretariat
    # A second click: the membership is gone, the member is not found twice.
    assert staff_client.post(remove_url).status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.MEMBERSHIP_REMOVE).count() == 1


# Staff: membership requests -----------------------------------------------------------------------


def test_pending_requests_are_listed_and_approved(staff_client, secretariat, newcomer):
    membership_request, _ = workflow.request_membership(newcomer, secretariat, message="Cheffe")
    page = text(staff_client.get(url("membership_requests")))
    assert newcomer.email in page and secretariat.name in page and "Cheffe" in page

    approve = url("membership_request_approve", pk=membership_request.pk)
    response = staff_client.post(approve)
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, administration=secretariat).exists()
    assert OutgoingEmail.objects.filter(topic="membership_approved").count() == 1
    assert newcomer.email not in text(staff_client.get(url("membership_requests")))
    assert newcomer.email in text(
        staff_client.get(url("membership_requests"), {"statut": "traitees"})
    )

    # A double click, or another instructor: refused, said, nothing twice.
    again = staff_client.post(approve)
    assert again.status_code == 200
    assert "Cette demande a déjà été traitée (« Acceptée »)." in text(again)
    assert Membership.objects.filter(user=newcomer).count() == 1
    assert OutgoingEmail.objects.filter(topic="membership_approved").count() == 1


def test_refusing_requires_a_reason(staff_client, secretariat, newcomer):
    membership_request, _ = workflow.request_membership(newcomer, secretariat)
    refuse = url("membership_request_refuse", pk=membership_request.pk)
    response = staff_client.post(refuse, {"refus-reason": "   "})
    assert response.status_code == 200
    assert field_errors(response, "id_refus-reason") == [
        "Indiquez le motif du refus : il est envoyé à l’agent."
    ]
    membership_request.refresh_from_db()
    assert membership_request.status == R.PENDING
    assert not OutgoingEmail.objects.exists()

    response = staff_client.post(refuse, {"refus-reason": "Pas dans l’annuaire <b>du MC</b>."})
    assert response.status_code == 302
    membership_request.refresh_from_db()
    assert membership_request.status == R.REFUSED
    email = OutgoingEmail.objects.get(topic="membership_refused")
    assert "Pas dans l’annuaire <b>du MC</b>." in email.body  # plain text, as typed
    page = staff_client.get(url("membership_request", pk=membership_request.pk)).content.decode()
    assert "&lt;b&gt;du MC&lt;/b&gt;" in page
    assert 'name="refus-reason"' not in page  # decided: no more form


# Agents: from the dossiers home to the request ----------------------------------------------------


def test_the_dossiers_home_leads_an_agent_without_administration_to_the_search(agent_client):
    page = text(agent_client.get(url("dossier_list")))
    assert "Votre compte n’est rattaché à aucune administration" in page
    assert url("join_search") in page
    # The header leads to the account anytime.
    assert parse(agent_client.get(url("dossier_list")).content).by_id("account-link").get(
        "href"
    ) == url("my_administrations")


def test_the_dossiers_home_shows_a_pending_request(agent_client, newcomer, secretariat):
    workflow.request_membership(newcomer, secretariat)
    page = text(agent_client.get(url("dossier_list")))
    assert "Votre demande de rattachement est en attente" in page
    assert secretariat.name in page


def test_members_reach_their_administrations_from_the_dossiers_home(client, secretariat):
    client.force_login(agent_of(secretariat))
    assert url("my_administrations") in text(client.get(url("dossier_list")))


def test_instructors_have_no_account_link(staff_client):
    assert parse(staff_client.get(url("instruction_home")).content).by_id("account-link") is None


@pytest.mark.parametrize(
    "query", ["secrétariat général culture", "SG Culture", "130 025 265 00013", "13002526500013"]
)
def test_an_agent_finds_an_administration(agent_client, secretariat, query):
    AdministrationFactory(name="Direction du budget")
    response = agent_client.get(url("join_search"), {"q": query})
    assert [a.name for a in response.context["page_obj"]] == [secretariat.name]
    assert url("join_request", pk=secretariat.pk) in text(response)


def test_the_search_marks_memberships_and_pending_requests(agent_client, newcomer, culture):
    member_of = AdministrationFactory(name="Direction A", ministry=culture)
    asked = AdministrationFactory(name="Direction B", ministry=culture)
    free = AdministrationFactory(name="Direction C", ministry=culture)
    MembershipFactory(user=newcomer, administration=member_of)
    workflow.request_membership(newcomer, asked)
    page = text(agent_client.get(url("join_search"), {"q": "Direction"}))
    assert "Vous en êtes membre" in page and "Demande en attente" in page
    assert url("join_request", pk=free.pk) in page
    assert url("join_request", pk=member_of.pk) not in page
    assert url("join_request", pk=asked.pk) not in page


def test_an_empty_search_lists_nothing_and_a_long_one_is_explained(agent_client, secretariat):
    response = agent_client.get(url("join_search"))
    assert response.context["page_obj"] is None
    response = agent_client.get(url("join_search"), {"q": "x" * 101})
    assert response.status_code == 200
    assert field_errors(response, "id_q") == [
        "Assurez-vous que cette valeur comporte au plus 100 caractères (actuellement 101)."
    ]
    response = agent_client.get(url("join_search"), {"q": "%'\"<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
    assert re.search(r"0 administrations? pour", text(response))


def test_the_search_runs_a_constant_number_of_queries(agent_client, newcomer, culture):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert agent_client.get(url("join_search"), {"q": "Direction"}).status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        AdministrationFactory(name=f"Direction {n}", ministry=culture)
    small = queries()
    for n in range(3, 40):
        administration = AdministrationFactory(name=f"Direction {n}", ministry=culture)
        if n % 3 == 0:
            workflow.request_membership(newcomer, administration)
    assert queries() == small


def test_an_agent_sends_one_request_even_on_a_double_click(agent_client, newcomer, secretariat):
    request_url = url("join_request", pk=secretariat.pk)
    page = text(agent_client.get(request_url))
    assert secretariat.name in page and "130 025 265 00013" in page
    data = {"message": "Cheffe de projet données au secrétariat général."}
    first = agent_client.post(request_url, data)
    second = agent_client.post(request_url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == url("my_administrations")
    membership_request = MembershipRequest.objects.get()
    assert membership_request.user == newcomer and membership_request.status == R.PENDING
    assert membership_request.message == data["message"]
    assert AuditEntry.objects.filter(action=AuditAction.MEMBERSHIP_REQUEST).count() == 1
    account = text(agent_client.get(url("my_administrations")))
    assert "Demandes en attente" in account and secretariat.name in account


def test_a_too_long_message_is_explained(agent_client, secretariat):
    response = agent_client.post(url("join_request", pk=secretariat.pk), {"message": "x" * 1001})
    assert response.status_code == 200
    assert field_errors(response, "id_message") == [
        "Le message ne doit pas dépasser 1000 caractères."
    ]
    assert not MembershipRequest.objects.exists()


def test_an_agent_cancels_a_request(agent_client, newcomer, secretariat):
    membership_request, _ = workflow.request_membership(newcomer, secretariat)
    cancel = url("join_cancel", pk=membership_request.pk)
    assert agent_client.post(cancel).status_code == 302
    membership_request.refresh_from_db()
    assert membership_request.status == R.CANCELLED
    # Twice: said, not done twice.
    response = agent_client.post(cancel, follow=True)
    assert "Cette demande a déjà été traitée (« Annulée »)." in text(response)
    assert AuditEntry.objects.filter(action=AuditAction.MEMBERSHIP_REQUEST_CANCEL).count() == 1


def test_the_account_shows_a_refusal_with_its_reason(agent_client, newcomer, secretariat):
    membership_request, _ = workflow.request_membership(newcomer, secretariat)
    workflow.refuse_membership_request(StaffFactory(), membership_request, reason="Inconnu·e")
    page = text(agent_client.get(url("my_administrations")))
    assert "Refusée" in page and "Inconnu·e" in page


def test_an_agent_leaves_and_the_dossiers_stay(client, secretariat):
    agent = agent_of(secretariat)
    colleague = agent_of(secretariat)
    dossier = DossierFactory(administration=secretariat, created_by=agent, title="Projet SIMARA")
    client.force_login(agent)
    assert "Projet SIMARA" in text(client.get(url("dossier_list")))
    leave_url = url("leave_administration", pk=secretariat.pk)
    assert "Son dossier reste à l’administration" in text(client.get(leave_url))

    assert client.post(leave_url).status_code == 302
    assert not Membership.objects.filter(user=agent).exists()
    assert Dossier.objects.get(pk=dossier.pk).administration == secretariat
    assert "Projet SIMARA" not in text(client.get(url("dossier_list")))
    assert client.get(dossier.get_absolute_url()).status_code == 404
    client.force_login(colleague)
    assert client.get(dossier.get_absolute_url()).status_code == 200


def test_creation_without_administration_leads_to_the_request(agent_client):
    call = CallFactory(slug="appel-ouvert")
    page = text(agent_client.get(url("dossier_create", call_slug=call.slug)))
    assert "Votre compte n’est rattaché à aucune administration" in page
    assert url("join_search") in page


def test_the_instruction_home_links_the_directory(staff_client, secretariat, newcomer):
    workflow.request_membership(newcomer, secretariat)
    page = text(staff_client.get(url("instruction_home")))
    assert url("administration_list") in page
    assert re.search(r"Demandes de rattachement \(1 en attente\)", page)
