"""Later rounds: a dossier not preselected or not selected, re-submitted by its administration
to a later open call of the same programme."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from calls.models import AdministrationKind
from relance.models import AuditEntry
from relance.workflow import WorkflowError
from submissions import intake, workflow
from submissions.models import Attachment, BudgetLine, Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.submissions.sample_files import PDF_BYTES
from tests.submissions.staff_data import closed_call, filed

pytestmark = pytest.mark.django_db

S = DossierState


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def round_1():
    return closed_call(slug="vague-1", title="Appel n° 1")


@pytest.fixture
def round_2(round_1):
    CategoryFactory.reset_sequence()
    return CallFactory(slug="vague-2", title="Appel n° 2")


@pytest.fixture
def administration():
    return AdministrationFactory(name="Direction des archives")


@pytest.fixture
def agent(administration):
    return agent_of(administration)


@pytest.fixture
def original(round_1, round_2, administration):
    category = CategoryFactory(call=round_1, name="Développement d’API")
    CategoryFactory(call=round_2, name="Développement d’API")
    dossier = filed(round_1, state=S.NOT_SELECTED, administration=administration, category=category)
    BudgetLine.objects.create(dossier=dossier, label="Prestation", nature="services", amount=1000)
    BudgetLine.objects.create(dossier=dossier, label="Serveurs", nature="hardware", amount=500)
    attachment = Attachment(
        dossier=dossier,
        original_name="devis.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
        description="Devis",
    )
    attachment.file.save("devis.pdf", ContentFile(PDF_BYTES), save=False)
    attachment.save()
    return dossier


def test_resubmission_copies_content_lines_and_files_into_a_linked_draft(original, round_2, agent):
    draft, created = intake.resubmit(agent, original, round_2)
    assert created
    assert draft.call == round_2 and draft.state == S.DRAFT
    assert draft.resubmitted_from == original
    assert list(original.resubmissions.all()) == [draft]
    assert draft.title == original.title and draft.summary == original.summary
    assert draft.total_budget == original.total_budget
    assert draft.category.call == round_2 and draft.category.name == original.category.name
    assert draft.created_by == agent and draft.submitted_at is None
    assert [(line.label, line.amount) for line in draft.budget_lines.all()] == [
        ("Prestation", 1000),
        ("Serveurs", 500),
    ]
    copy = draft.attachments.get()
    source = original.attachments.get()
    assert copy.file.name != source.file.name
    assert copy.file.read() == PDF_BYTES and copy.description == "Devis"
    # The copy is a file of its own: deleting the original's leaves it.
    source.file.storage.delete(source.file.name)
    assert copy.file.storage.exists(copy.file.name)
    actions = set(AuditEntry.objects.values_list("action", "target_id"))
    assert actions == {("resubmit", str(draft.pk)), ("resubmitted", str(original.pk))}
    # The original keeps its state.
    assert Dossier.objects.get(pk=original.pk).state == S.NOT_SELECTED


def test_a_second_click_returns_the_first_draft(original, round_2, agent):
    first, _ = intake.resubmit(agent, original, round_2)
    again, created = intake.resubmit(agent_of(original.administration), original, round_2)
    assert not created and again.pk == first.pk
    assert Dossier.objects.filter(resubmitted_from=original).count() == 1
    assert Attachment.objects.count() == 2


def test_the_cap_per_administration_counts_the_new_draft(original, round_2, agent):
    round_2.max_dossiers_per_administration = 1
    round_2.save()
    filed(round_2, state=S.DRAFT, administration=original.administration)
    with pytest.raises(WorkflowError, match="au plus 1 dossier par administration"):
        intake.resubmit(agent, original, round_2)
    assert not Dossier.objects.filter(resubmitted_from=original).exists()


def test_a_not_preselected_dossier_can_be_resubmitted(original, round_2, agent):
    Dossier.objects.filter(pk=original.pk).update(state=S.NOT_PRESELECTED)
    original.refresh_from_db()
    _draft, created = intake.resubmit(agent, original, round_2)
    assert created


@pytest.mark.parametrize(
    "state", [S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.PRESELECTED, S.LAUREATE, S.WITHDRAWN]
)
def test_other_states_are_refused(original, round_2, agent, state):
    Dossier.objects.filter(pk=original.pk).update(state=state)
    original.refresh_from_db()
    with pytest.raises(WorkflowError, match="non présélectionné ou non retenu"):
        intake.resubmit(agent, original, round_2)
    assert intake.resubmission_calls(original) == []
    assert Dossier.objects.count() == 1


def refused_call(kind, round_1):
    now = timezone.now()
    if kind == "closed":
        return closed_call(slug="close", opens_at=round_1.opens_at + timedelta(days=1))
    if kind == "upcoming":
        return CallFactory(slug="a-venir", opens_at=now + timedelta(days=2))
    if kind == "other_programme":
        return CallFactory(slug="autre", programme=ProgrammeFactory())
    if kind == "unpublished":
        return CallFactory(slug="brouillon", is_public=False)
    if kind == "earlier":
        return CallFactory(slug="plus-ancien", opens_at=round_1.opens_at - timedelta(days=1))
    if kind == "same":
        return round_1
    if kind == "ineligible":
        return CallFactory(slug="operateurs", eligible_kinds=[AdministrationKind.OPERATOR])
    raise AssertionError(kind)


REFUSED = ["closed", "upcoming", "other_programme", "unpublished", "earlier", "same", "ineligible"]


@pytest.mark.parametrize("kind", REFUSED)
def test_calls_that_are_not_eligible_are_refused(original, round_2, agent, round_1, kind):
    call = refused_call(kind, round_1)
    with pytest.raises(WorkflowError):
        intake.resubmit(agent, original, call)
    assert [c.slug for c in intake.resubmission_calls(original)] == ["vague-2"]
    assert Dossier.objects.count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("who", ["other_agent", "staff", "plain"])
def test_only_members_of_the_administration_may_resubmit(original, round_2, who):
    user = {
        "other_agent": lambda: agent_of(AdministrationFactory()),
        "staff": StaffFactory,
        "plain": UserFactory,
    }[who]()
    with pytest.raises(WorkflowError):
        intake.resubmit(user, original, round_2)
    assert Dossier.objects.count() == 1


# Screens ------------------------------------------------------------------------------------


def resubmit_url(dossier, call):
    return reverse("submissions:dossier_resubmit", args=[dossier.pk, call.slug])


def test_the_applicant_page_offers_one_button_per_eligible_call(
    client, original, round_2, agent, round_1
):
    CallFactory(slug="vague-3", title="Appel n° 3")
    refused_call("closed", round_1)
    client.force_login(agent)
    page = client.get(original.get_absolute_url()).content.decode()
    assert "Redéposer dans l’appel « Appel n° 2 »" in page
    assert "Redéposer dans l’appel « Appel n° 3 »" in page
    assert page.count("data-resubmit=") == 2


def test_resubmitting_through_the_page_and_the_history_on_every_page(
    client, original, round_2, agent
):
    client.force_login(agent)
    response = client.post(resubmit_url(original, round_2))
    draft = Dossier.objects.get(resubmitted_from=original)
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    # A double click: the same draft, no second one.
    again = client.post(resubmit_url(original, round_2))
    assert again["Location"] == draft.get_absolute_url()
    assert Dossier.objects.filter(resubmitted_from=original).count() == 1

    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Déjà déposé à l’appel « Appel n° 1 » : non retenu." in page
    old = client.get(original.get_absolute_url()).content.decode()
    assert "Redéposé à l’appel « Appel n° 2 »." in old
    assert f"Voir le dossier {draft.reference} redéposé" in old
    assert "data-resubmit=" not in old

    # Staff see it on the new dossier once it is submitted, and on the old one.
    workflow.submit(agent, draft)
    client.force_login(StaffFactory())
    staff_page = client.get(reverse("submissions:instruction_dossier", args=[draft.pk]))
    assert "Déjà déposé à l’appel « Appel n° 1 » : non retenu." in staff_page.content.decode()
    assert reverse("submissions:instruction_dossier", args=[original.pk]) in (
        staff_page.content.decode()
    )
    staff_old = client.get(reverse("submissions:instruction_dossier", args=[original.pk]))
    assert "Redéposé à l’appel « Appel n° 2 »." in staff_old.content.decode()


def test_a_refused_call_says_why_and_creates_nothing(client, original, agent, round_1):
    call = refused_call("other_programme", round_1)
    client.force_login(agent)
    response = client.post(resubmit_url(original, call), follow=True)
    assert "appel suivant du même programme" in response.content.decode()
    assert Dossier.objects.count() == 1


def test_an_unknown_call_is_not_found(client, original, agent):
    client.force_login(agent)
    url = reverse("submissions:dossier_resubmit", args=[original.pk, "inconnu"])
    assert client.post(url).status_code == 404


def test_get_is_refused(client, original, round_2, agent):
    client.force_login(agent)
    assert client.get(resubmit_url(original, round_2)).status_code == 405
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize("who", ["other_agent", "staff", "staff_other", "plain"])
def test_others_get_404_and_change_nothing(client, original, round_2, who):
    user = {
        "other_agent": lambda: agent_of(AdministrationFactory()),
        "staff": StaffFactory,
        "staff_other": lambda: StaffFactory(programmes=[ProgrammeFactory()]),
        "plain": UserFactory,
    }[who]()
    client.force_login(user)
    assert client.post(resubmit_url(original, round_2)).status_code == 404
    assert Dossier.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_anonymous_is_sent_to_login(client, original, round_2):
    response = client.post(resubmit_url(original, round_2))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Dossier.objects.count() == 1
