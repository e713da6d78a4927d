"""Who may open the applicant URLs: anonymous users log in, others' dossiers answer 404."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.urls import resolve, reverse
from django.utils import timezone

from relance.models import AuditEntry
from relance.workflow import WorkflowError
from submissions import urls as submissions_urls
from submissions import workflow
from submissions.models import Attachment, Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    DossierFactory,
    UserFactory,
    agent_of,
)
from tests.submissions.sample_files import PDF_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def call():
    return CallFactory(slug="appel-ouvert")


@pytest.fixture
def administration():
    return AdministrationFactory(name="Direction propriétaire")


@pytest.fixture
def owner(administration):
    return agent_of(administration)


@pytest.fixture
def dossier(call, administration, owner, later_call):
    dossier = DossierFactory(
        call=call, administration=administration, category=CategoryFactory(call=call)
    )
    workflow.add_attachment(
        owner,
        dossier,
        file=ContentFile(PDF_BYTES),
        original_name="note.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture
def later_call(call):
    """An open call of the same programme, opened after ``call``."""
    return CallFactory(slug="appel-suivant", opens_at=call.opens_at + timedelta(days=1))


@pytest.fixture
def attachment(dossier):
    return Attachment.objects.get(dossier=dossier)


def dossier_urls(dossier, attachment, later_call_slug="appel-suivant"):
    """Every applicant URL about one dossier, with the methods it answers."""
    pk = dossier.pk
    return {
        "resubmit": reverse("submissions:dossier_resubmit", args=[pk, later_call_slug]),
        "detail": reverse("submissions:dossier_detail", args=[pk]),
        "edit": reverse("submissions:dossier_edit", args=[pk, "projet"]),
        "edit_budget": reverse("submissions:dossier_edit", args=[pk, "budget"]),
        "attachments": reverse("submissions:dossier_attachments", args=[pk]),
        "download": reverse("submissions:attachment_download", args=[pk, attachment.pk]),
        "delete": reverse("submissions:attachment_delete", args=[pk, attachment.pk]),
        "submit": reverse("submissions:dossier_submit", args=[pk]),
        "acknowledgement": reverse("submissions:dossier_acknowledgement", args=[pk]),
        "acknowledgement_pdf": reverse("submissions:acknowledgement_pdf", args=[pk]),
        "dossier_pdf": reverse("submissions:dossier_pdf", args=[pk]),
        "complete": reverse("submissions:dossier_complete", args=[pk]),
        "withdraw": reverse("submissions:dossier_withdraw", args=[pk]),
    }


POSTS = {
    "edit": {"version": "1", "title": "Titre détourné"},
    "edit_budget": {"version": "1", "total_budget": "1", "requested_amount": "1"},
    "attachments": {"description": "Intrus"},
    "delete": {},
    "submit": {},
    "complete": {"reply": "Intrus"},
    "withdraw": {"reason": "Intrus"},
}

# POST only: every GET answers 405, whoever asks.
POST_ONLY = ("delete", "resubmit")

DOSSIER_URL_NAMES = [
    "detail",
    "resubmit",
    "edit",
    "edit_budget",
    "attachments",
    "download",
    "delete",
    "submit",
    "acknowledgement",
    "complete",
    "withdraw",
]


def request(client, method, target, name):
    if method == "get":
        return client.get(target)
    return client.post(target, POSTS.get(name, {}))


def assert_untouched(dossier):
    assert Dossier.objects.count() == 1
    current = Dossier.objects.get(pk=dossier.pk)
    assert current.state == DossierState.DRAFT
    assert current.title == dossier.title
    assert current.version == dossier.version
    assert Attachment.objects.filter(dossier=dossier).count() == 1
    assert not AuditEntry.objects.exclude(action="attach").exists()


@pytest.mark.parametrize("name", DOSSIER_URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_are_sent_to_login(client, dossier, attachment, name, method):
    target = dossier_urls(dossier, attachment)[name]
    response = request(client, method, target, name)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(target)}"
    assert_untouched(dossier)


@pytest.mark.parametrize(
    "target",
    [
        lambda call: reverse("submissions:dossier_list"),
        lambda call: reverse("submissions:dossier_create", args=[call.slug]),
    ],
    ids=["list", "create"],
)
def test_anonymous_users_are_sent_to_login_from_the_list_and_create(client, call, target):
    path = target(call)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(path)}"


@pytest.mark.parametrize("name", DOSSIER_URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_agent_of_another_administration_gets_404(client, dossier, attachment, name, method):
    client.force_login(agent_of(AdministrationFactory(name="Autre direction")))
    target = dossier_urls(dossier, attachment)[name]
    response = request(client, method, target, name)
    # Deleting is POST only: every GET answers 405, whoever asks.
    assert response.status_code == (405 if name in POST_ONLY and method == "get" else 404)
    assert_untouched(dossier)


def test_every_applicant_url_is_covered(dossier, attachment):
    """The URLs above reach every route about one dossier, all under /dossiers/<pk>/."""
    names = {
        p.name
        for p in submissions_urls.urlpatterns
        if str(p.pattern).startswith("dossiers/<int:pk>/")
    }
    reached = {resolve(url).url_name for url in dossier_urls(dossier, attachment).values()}
    assert reached == names


def test_an_agent_cannot_reach_another_dossier_attachment_through_their_own(
    client, dossier, attachment, call
):
    intruder_administration = AdministrationFactory(name="Autre direction")
    intruder = agent_of(intruder_administration)
    own = DossierFactory(
        call=call, administration=intruder_administration, category=CategoryFactory(call=call)
    )
    client.force_login(intruder)
    download = reverse("submissions:attachment_download", args=[own.pk, attachment.pk])
    delete = reverse("submissions:attachment_delete", args=[own.pk, attachment.pk])
    assert client.get(download).status_code == 404
    assert client.post(delete).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_other_agent_does_not_see_the_dossier_in_their_list(client, dossier):
    client.force_login(agent_of(AdministrationFactory(name="Autre direction")))
    page = client.get(reverse("submissions:dossier_list")).content.decode()
    assert dossier.reference not in page
    assert dossier.title not in page


def test_a_user_without_membership_has_no_dossiers_and_cannot_create(client, call, dossier):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("submissions:dossier_list")).content.decode()
    assert "Votre compte n’est rattaché à aucune administration" in page
    assert dossier.title not in page
    assert "Aucun dossier pour le moment." in page

    create = reverse("submissions:dossier_create", args=[call.slug])
    assert "rattaché à aucune administration" in client.get(create).content.decode()
    response = client.post(
        create,
        {
            "administration": dossier.administration_id,
            "title": "Projet sans rattachement",
            "token": "5d0a4a63-1c2b-4f0f-9d7e-2b6d7a0e9c11",
        },
    )
    assert response.status_code == 403
    assert Dossier.objects.count() == 1


def test_an_agent_cannot_create_for_an_administration_they_do_not_belong_to(client, call, owner):
    other = AdministrationFactory(name="Direction voisine")
    client.force_login(owner)
    response = client.post(
        reverse("submissions:dossier_create", args=[call.slug]),
        {
            "administration": other.pk,
            "title": "Usurpation",
            "token": "7c3f1f0e-8a8e-4d5e-a4f4-1e2b3c4d5e6f",
        },
    )
    assert response.status_code == 200
    assert "administration" in response.context["form"].errors
    assert not Dossier.objects.filter(administration=other).exists()


@pytest.mark.parametrize("name", [n for n in DOSSIER_URL_NAMES if n != "download"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_cannot_use_the_applicant_screens(client, staff, dossier, attachment, name, method):
    client.force_login(staff)
    target = dossier_urls(dossier, attachment)[name]
    response = request(client, method, target, name)
    assert response.status_code == (405 if name in POST_ONLY and method == "get" else 404)
    assert_untouched(dossier)


def test_staff_can_download_attachments_of_a_submitted_dossier(client, staff, dossier, attachment):
    client.force_login(staff)
    target = dossier_urls(dossier, attachment)["download"]
    assert client.get(target).status_code == 404  # a draft is not theirs to read
    Dossier.objects.filter(pk=dossier.pk).update(
        state=DossierState.SUBMITTED, submitted_at=timezone.now()
    )
    response = client.get(target)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_cannot_submit_through_the_workflow_either(staff, dossier):
    with pytest.raises(WorkflowError):
        workflow.submit(staff, dossier)
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DRAFT


def test_state_changes_refuse_get(client, owner, dossier):
    client.force_login(owner)
    for name in ("submit", "complete", "withdraw"):
        client.get(reverse(f"submissions:dossier_{name}", args=[dossier.pk]))
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DRAFT


def test_csrf_is_enforced(owner, dossier):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(owner)
    response = csrf_client.post(reverse("submissions:dossier_submit", args=[dossier.pk]))
    assert response.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DRAFT
