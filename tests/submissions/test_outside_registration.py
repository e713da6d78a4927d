"""Dossiers received outside the platform, registered by an instructor of the programme."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from relance.formatting import PARIS
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import WorkflowError
from submissions import intake, workflow
from submissions.models import Attachment, Dossier, DossierState, ReceptionChannel
from tests.factories import (
    AdministrationFactory,
    CategoryFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.submissions.sample_files import EXE_BYTES, PDF_BYTES, upload
from tests.submissions.staff_data import closed_call

pytestmark = pytest.mark.django_db

S = DossierState


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def call():
    return closed_call(slug="appel-clos")


@pytest.fixture
def category(call):
    return CategoryFactory(call=call, name="Développement d’API")


@pytest.fixture
def administration():
    return AdministrationFactory(name="Direction des archives")


@pytest.fixture
def agents(administration):
    return [agent_of(administration, email=f"agent{i}@archives.gouv.fr") for i in range(2)]


def content(category, **overrides):
    values = {
        "title": "Numérisation des registres",
        "subtitle": "Des registres consultables en ligne",
        "category": category,
        "summary": "Résumé.",
        "description": "Description.",
        "benefits_self": "Gains propres.",
        "benefits_others": "Gains pour d’autres.",
        "technical_approach": "API.",
        "sustainability": "Équipe pérenne.",
        "timeline": "Six mois.",
        "total_budget": 150000,
        "requested_amount": 75000,
        "contact_name": "Alix Martin",
        "contact_email": "alix.martin@archives.gouv.fr",
        "contact_phone": "",
    }
    return values | overrides


def original():
    return intake.CheckedFile(
        ContentFile(PDF_BYTES), "dossier-recu.pdf", "application/pdf", len(PDF_BYTES), "0" * 64
    )


def register(user, call, administration, category, *, received_at=None, token=None, **over):
    return intake.register_outside_dossier(
        user,
        call,
        administration=administration,
        content=content(category, **over),
        received_via=ReceptionChannel.EMAIL,
        received_at=received_at or call.closes_at - timedelta(days=3),
        reception_note="Courriel du 3 janvier",
        original=original(),
        token=token,
    )


# The workflow function -------------------------------------------------------------------


def test_registration_creates_a_submitted_dossier_marked_audited_and_emailed(
    call, category, administration, agents
):
    staff = StaffFactory(first_name="Dominique", last_name="Instructeur")
    received_at = call.closes_at - timedelta(days=3)
    dossier, created = register(staff, call, administration, category, received_at=received_at)
    assert created
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED
    assert dossier.submitted_at == received_at
    assert dossier.registered_by == staff
    assert dossier.registered_at is not None and dossier.registered_at > received_at
    assert dossier.received_via == ReceptionChannel.EMAIL
    assert dossier.registered_outside
    assert dossier.reference.startswith(f"R{call.number}-")
    attachment = dossier.attachments.get()
    assert attachment.original_name == "dossier-recu.pdf"
    assert attachment.file.read() == PDF_BYTES
    entry = AuditEntry.objects.get(action="register_outside")
    assert entry.actor == staff and entry.to_state == S.SUBMITTED
    assert entry.data["received_via"] == "email"
    email = OutgoingEmail.objects.get(topic="registered_outside")
    assert set(email.to) == {a.email for a in agents} | {"alix.martin@archives.gouv.fr"}
    assert dossier.reference in email.subject
    assert "par courriel" in email.body
    assert "Dominique Instructeur" in email.body


def test_a_registered_dossier_follows_the_ordinary_workflow(call, category, administration):
    staff = StaffFactory()
    dossier, _ = register(staff, call, administration, category)
    workflow.request_additions(staff, dossier, message="Il manque le devis.")
    assert Dossier.objects.get(pk=dossier.pk).state == S.INCOMPLETE


def test_the_original_date_may_not_be_in_the_future(call, category, administration):
    staff = StaffFactory()
    with pytest.raises(WorkflowError, match="futur"):
        register(
            staff, call, administration, category, received_at=timezone.now() + timedelta(hours=1)
        )
    assert not Dossier.objects.exists()
    assert not AuditEntry.objects.exists() and not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("where", ["before_opening", "at_closing"])
def test_the_original_date_must_be_within_the_call(call, category, administration, where):
    received_at = (
        call.opens_at - timedelta(minutes=1) if where == "before_opening" else call.closes_at
    )
    expected = "ouverture" if where == "before_opening" else "clôture"
    with pytest.raises(WorkflowError, match=expected):
        register(StaffFactory(), call, administration, category, received_at=received_at)
    assert not Dossier.objects.exists()


def test_staff_of_another_programme_and_non_staff_are_refused(call, category, administration):
    for user in (StaffFactory(programmes=[ProgrammeFactory()]), agent_of(administration)):
        with pytest.raises(WorkflowError):
            register(user, call, administration, category)
    assert not Dossier.objects.exists()


def test_the_cap_per_administration_counts_registered_dossiers(call, category, administration):
    Call.objects.filter(pk=call.pk).update(max_dossiers_per_administration=1)
    call.refresh_from_db()
    register(StaffFactory(), call, administration, category)
    with pytest.raises(WorkflowError, match="au plus 1 dossier par administration"):
        register(StaffFactory(), call, administration, category, title="Un second projet")
    assert Dossier.objects.filter(call=call).count() == 1


def test_an_ineligible_administration_is_refused(call, category):
    region = AdministrationFactory(kind="local_authority", ministry=None)
    with pytest.raises(WorkflowError, match="pas éligibles"):
        register(StaffFactory(), call, region, category)
    assert not Dossier.objects.exists()


def test_incomplete_content_is_refused_and_no_file_is_left(
    call, category, administration, tmp_path
):
    with pytest.raises(WorkflowError, match="Champs à remplir"):
        register(StaffFactory(), call, administration, category, summary="")
    assert not Dossier.objects.exists() and not Attachment.objects.exists()
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_the_same_token_registers_one_dossier(call, category, administration):
    staff = StaffFactory()
    token = uuid.uuid4()
    first, created = register(staff, call, administration, category, token=token)
    again, created_again = register(staff, call, administration, category, token=token)
    assert created and not created_again and again.pk == first.pk
    assert Dossier.objects.count() == 1 and OutgoingEmail.objects.count() == 1
    with pytest.raises(WorkflowError):
        register(StaffFactory(), call, administration, category, token=token)


# The screen ----------------------------------------------------------------------------------


def url(call):
    return reverse("submissions:instruction_register_outside", kwargs={"call_slug": call.slug})


def post_data(call, administration, category, **overrides):
    received = timezone.localtime(call.closes_at - timedelta(days=2), PARIS)
    data = {
        "reception-administration": administration.pk,
        "reception-received_via": "post",
        "reception-received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "reception-reception_note": "Courrier n° 42",
        "reception-token": str(uuid.uuid4()),
        "projet-title": "Numérisation des registres",
        "projet-subtitle": "Des registres en ligne",
        "projet-category": category.pk,
        "projet-summary": "Résumé.",
        "projet-description": "Description.",
        "benefices-benefits_self": "Gains.",
        "benefices-benefits_others": "Gains.",
        "benefices-technical_approach": "API.",
        "benefices-sustainability": "Pérenne.",
        "benefices-timeline": "Six mois.",
        "budget-total_budget": "150 000,00",
        "budget-requested_amount": "75 000",
        "contact-contact_name": "Alix Martin",
        "contact-contact_email": "alix.martin@archives.gouv.fr",
        "contact-contact_phone": "",
        "original-file": upload("courrier.pdf", PDF_BYTES),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_call_page_links_to_the_screen(client, call):
    client.force_login(StaffFactory())
    page = client.get(reverse("submissions:instruction_call", kwargs={"call_slug": call.slug}))
    assert url(call) in page.content.decode()
    assert "Enregistrer un dossier reçu hors plateforme" in page.content.decode()


def test_an_instructor_registers_a_dossier_through_the_screen(
    client, call, category, administration
):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get(url(call)).status_code == 200
    data = post_data(call, administration, category)
    response = client.post(url(call), data)
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:instruction_dossier", args=[dossier.pk])
    assert dossier.state == S.SUBMITTED and dossier.received_via == "post"
    assert dossier.total_budget == 150000 and dossier.category == category
    received = datetime.strptime(data["reception-received_at"], "%Y-%m-%dT%H:%M")
    assert timezone.localtime(dossier.submitted_at, PARIS).replace(tzinfo=None) == received
    # Listed, and marked on the staff and the applicant pages.
    listing = client.get(reverse("submissions:instruction_call", kwargs={"call_slug": call.slug}))
    assert dossier.reference in listing.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert "Dossier reçu hors plateforme (par courrier postal" in page
    assert "Courrier n° 42" in page
    assert staff.get_full_name() in page
    client.force_login(agent_of(administration))
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert "Dossier reçu hors plateforme" in page and staff.get_full_name() in page
    # Posting the same form again (double click) registers nothing more.
    data["original-file"] = upload("courrier.pdf", PDF_BYTES)
    client.force_login(staff)
    assert client.post(url(call), data).status_code == 302
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"original-file": None}, "file", "Joignez le fichier du dossier original reçu."),
        (
            {"original-file": upload("courrier.pdf", EXE_BYTES)},
            "file",
            "Ce fichier n’est pas un PDF valide",
        ),
        ({"original-file": upload("courrier.exe", PDF_BYTES)}, "file", "Seuls les fichiers"),
        ({"reception-received_at": "31/02/2021"}, "received_at", "date et une heure valides"),
        ({"reception-received_via": "pigeon"}, "received_via", "Sélectionnez un choix valide"),
        ({"projet-summary": ""}, "summary", "obligatoire"),
    ],
)
def test_bad_input_is_said_next_to_the_field_and_nothing_is_saved(
    client, call, category, administration, overrides, field, message
):
    client.force_login(StaffFactory())
    response = client.post(url(call), post_data(call, administration, category, **overrides))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert "joignez de nouveau le dossier original" in content
    # What was typed is shown again.
    assert "Numérisation des registres" in content
    assert not Dossier.objects.exists() and not OutgoingEmail.objects.exists()


def test_a_future_date_is_refused_with_a_clear_message(client, call, category, administration):
    client.force_login(StaffFactory())
    future = timezone.localtime(timezone.now() + timedelta(days=1), PARIS)
    response = client.post(
        url(call),
        post_data(
            call,
            administration,
            category,
            **{"reception-received_at": future.strftime("%Y-%m-%dT%H:%M")},
        ),
    )
    assert response.status_code == 200
    assert "La date de réception ne peut pas être dans le futur." in response.content.decode()
    assert not Dossier.objects.exists()


def test_hostile_strings_are_stored_as_typed_and_escaped(client, call, category, administration):
    client.force_login(StaffFactory())
    hostile = '<script>alert("x")</script> =HYPERLINK("http://evil")'
    response = client.post(
        url(call),
        post_data(
            call,
            administration,
            category,
            **{"projet-title": hostile, "reception-reception_note": hostile},
        ),
    )
    dossier = Dossier.objects.get()
    assert dossier.title == hostile and dossier.reception_note == hostile
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_another_administration_id_is_refused(client, call, category):
    region = AdministrationFactory(kind="local_authority", ministry=None)
    client.force_login(StaffFactory())
    response = client.post(url(call), post_data(call, region, category))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    "who", ["other_programme", "agent", "plain"], ids=["staff_other", "agent", "plain"]
)
def test_others_get_404_and_change_nothing(client, call, category, administration, who):
    user = {
        "other_programme": lambda: StaffFactory(programmes=[ProgrammeFactory()]),
        "agent": lambda: agent_of(administration),
        "plain": UserFactory,
    }[who]()
    client.force_login(user)
    assert client.get(url(call)).status_code == 404
    assert client.post(url(call), post_data(call, administration, category)).status_code == 404
    assert not Dossier.objects.exists()
