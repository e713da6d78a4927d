"""Who may open the staff URLs: anonymous users log in, everyone but the instructors of the
call's programme gets 404."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from django.utils import timezone

from relance.models import AuditEntry, OutgoingEmail
from submissions import urls as submissions_urls
from submissions import workflow
from submissions.demarches import secrets as demarches_secrets
from submissions.models import (
    DemarcheImport,
    DemarcheLink,
    Dossier,
    DossierExport,
    DossierMessage,
    DossierState,
    InternalNote,
    PreselectionDecision,
    PreselectionPublication,
)
from tests.factories import (
    AdministrationFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.submissions.sample_files import PDF_BYTES
from tests.submissions.staff_data import closed_call, filed
from tests.submissions.test_directory_permissions import DIRECTORY_PREFIXES

pytestmark = pytest.mark.django_db

S = DossierState
P = PreselectionDecision


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def call():
    return closed_call(slug="appel-clos")


@pytest.fixture
def administration():
    return AdministrationFactory(name="Direction déposante")


@pytest.fixture
def owner(administration):
    """An agent of the dossier's own administration: still not an instructor."""
    return agent_of(administration)


@pytest.fixture
def dossier(call, administration, owner):
    dossier = filed(call, state=S.DRAFT, administration=administration)
    workflow.add_attachment(
        owner,
        dossier,
        file=ContentFile(PDF_BYTES),
        original_name="note.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    # Submitted with a decision recorded: every staff action has something to change.
    Dossier.objects.filter(pk=dossier.pk).update(
        state=S.SUBMITTED, submitted_at=timezone.now(), pending_decision=P.PRESELECTED
    )
    return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture
def draft(call, administration):
    return filed(call, state=S.DRAFT, administration=administration)


@pytest.fixture
def instructor():
    return StaffFactory()


@pytest.fixture
def export(call, instructor):
    """A background export of the call's list, built for ``instructor``."""
    export = DossierExport(
        call=call,
        requested_by=instructor,
        fmt="ods",
        filename="relance-export.ods",
        status=DossierExport.Status.READY,
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    export.file.save(export.filename, ContentFile(b"PK"), save=True)
    # And a finished Démarches Simplifiées import of the call, run by the same instructor.
    link = DemarcheLink.objects.create(
        call=call,
        procedure_number=61234,
        token_encrypted=demarches_secrets.encrypt("jeton"),
        mapping={"title": "Titre du projet"},
    )
    DemarcheImport.objects.create(
        link=link, requested_by=instructor, status=DemarcheImport.Status.DONE
    )
    return export


def page_urls(call, dossier, export):
    """Every page (GET) of the staff screens."""
    slug = {"call_slug": call.slug}
    return [
        reverse("submissions:instruction_home"),
        reverse("submissions:instruction_call", kwargs=slug),
        reverse("submissions:instruction_call", kwargs=slug) + "?etat=submitted&tri=-titre",
        reverse("submissions:instruction_publish", kwargs=slug),
        reverse("submissions:instruction_register_outside", kwargs=slug),
        reverse("submissions:instruction_export", kwargs={**slug, "fmt": "csv"}),
        reverse("submissions:instruction_export", kwargs={**slug, "fmt": "xlsx"}),
        reverse("submissions:instruction_export", kwargs={**slug, "fmt": "ods"}),
        reverse("submissions:instruction_dossier", kwargs={"pk": dossier.pk}),
        reverse("submissions:instruction_export_status", kwargs={"pk": export.pk}),
        reverse("submissions:instruction_export_download", kwargs={"pk": export.pk}),
        reverse("submissions:instruction_ds", kwargs=slug),
        reverse(
            "submissions:instruction_ds_import",
            kwargs={"pk": DemarcheImport.objects.get(link__call=call).pk},
        ),
    ]


def actions(call, dossier):
    """Every POST action of the staff screens, with data an instructor would send."""
    slug = {"call_slug": call.slug}
    pk = {"pk": dossier.pk}
    return [
        (
            reverse("submissions:instruction_bulk_decision", kwargs=slug),
            {"dossiers": [dossier.pk], "decision": P.NOT_PRESELECTED, "reason": "Non"},
        ),
        (reverse("submissions:instruction_publish", kwargs=slug), {}),
        (
            reverse("submissions:instruction_register_outside", kwargs=slug),
            {
                "reception-administration": dossier.administration_id,
                "reception-received_via": "email",
                "reception-received_at": "2020-12-01T10:00",
                "reception-token": "0b6f1c0e-5a43-4d8e-9a53-1c7d9a1c2b3e",
                "projet-title": "Dossier intrus",
                "original-file": SimpleUploadedFile("intrus.pdf", PDF_BYTES),
            },
        ),
        (
            reverse("submissions:instruction_request_additions", kwargs=pk),
            {"complements-message": "Complétez."},
        ),
        (reverse("submissions:instruction_message", kwargs=pk), {"message-body": "Bonjour"}),
        (reverse("submissions:instruction_note", kwargs=pk), {"note-body": "Note"}),
        (
            reverse("submissions:instruction_decision", kwargs=pk),
            {"decision-decision": P.NOT_PRESELECTED, "decision-reason": "Non"},
        ),
        (reverse("submissions:instruction_clear_decision", kwargs=pk), {}),
        (
            reverse("submissions:instruction_assign_instructor", kwargs=pk),
            {"instructor-instructor": ""},
        ),
        (
            reverse("submissions:instruction_due_date", kwargs=pk),
            {"due-due_on": "2030-01-01", "due-reason": "Pièces attendues"},
        ),
        (
            reverse("submissions:instruction_proposal", kwargs=pk),
            {"proposal-proposal": "refuse", "proposal-reason": "Hors champ"},
        ),
    ]


def test_every_staff_url_is_covered(call, dossier, export):
    """The lists above reach every route of the staff screens, all under /instruction/ (but
    the directory's, whose matrix is in test_directory_permissions)."""
    names = {
        p.name
        for p in submissions_urls.urlpatterns
        if str(p.pattern).startswith("instruction/")
        and not str(p.pattern).startswith(DIRECTORY_PREFIXES)
    }
    urls = page_urls(call, dossier, export) + [url for url, _data in actions(call, dossier)]
    reached = {resolve(url.split("?")[0]).url_name for url in urls}
    assert reached == names
    assert all(url.startswith("/instruction/") for url in urls)


def snapshot(dossier):
    return {
        "dossier": Dossier.objects.filter(pk=dossier.pk).values().get(),
        "dossiers": Dossier.objects.count(),
        "notes": InternalNote.objects.count(),
        "messages": DossierMessage.objects.count(),
        "publications": PreselectionPublication.objects.count(),
        "emails": OutgoingEmail.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_anonymous_users_are_sent_to_login(client, call, dossier, export):
    login = reverse("login")
    for url in page_urls(call, dossier, export):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{login}?next={quote(url, safe='/')}", url


def test_anonymous_posts_change_nothing(client, call, dossier):
    before = snapshot(dossier)
    for url, data in actions(call, dossier):
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert snapshot(dossier) == before


@pytest.mark.parametrize("who", ["owner", "other_agent", "plain_user"])
def test_non_staff_get_404_everywhere(client, call, dossier, export, owner, who):
    user = {
        "owner": lambda: owner,
        "other_agent": lambda: agent_of(AdministrationFactory()),
        "plain_user": UserFactory,
    }[who]()
    client.force_login(user)
    for url in page_urls(call, dossier, export):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["owner", "other_agent"])
def test_non_staff_posts_change_nothing(client, call, dossier, owner, who):
    client.force_login(owner if who == "owner" else agent_of(AdministrationFactory()))
    before = snapshot(dossier)
    for url, data in actions(call, dossier):
        assert client.post(url, data).status_code == 404, url
    assert snapshot(dossier) == before


OTHER_STAFF = {
    "staff_of_another_programme": lambda: StaffFactory(programmes=[ProgrammeFactory()]),
    "staff_without_a_programme": lambda: StaffFactory(programmes=[]),
}


@pytest.mark.parametrize("who", OTHER_STAFF)
def test_staff_of_another_programme_get_404_and_change_nothing(client, call, dossier, export, who):
    client.force_login(OTHER_STAFF[who]())
    home = reverse("submissions:instruction_home")
    for url in page_urls(call, dossier, export):
        response = client.get(url)
        if url == home:
            # Their own home page, without this call.
            assert response.status_code == 200
            assert call.slug not in response.content.decode()
        else:
            assert response.status_code == 404, url
    before = snapshot(dossier)
    for url, data in actions(call, dossier):
        assert client.post(url, data).status_code == 404, url
    assert snapshot(dossier) == before


def test_staff_open_every_page(client, call, dossier, export):
    client.force_login(export.requested_by)
    for url in page_urls(call, dossier, export):
        assert client.get(url).status_code == 200, url


def test_an_export_is_for_the_staff_member_who_asked_for_it(client, call, export):
    # A colleague instructing the same call.
    client.force_login(StaffFactory())
    status = reverse("submissions:instruction_export_status", kwargs={"pk": export.pk})
    download = reverse("submissions:instruction_export_download", kwargs={"pk": export.pk})
    assert client.get(status).status_code == 404
    assert client.get(download).status_code == 404


def test_staff_actions_are_post_only(client, call, dossier):
    client.force_login(StaffFactory())
    before = snapshot(dossier)
    for url, _data in actions(call, dossier):
        if url in (
            reverse("submissions:instruction_publish", kwargs={"call_slug": call.slug}),
            reverse("submissions:instruction_register_outside", kwargs={"call_slug": call.slug}),
        ):
            continue  # a confirmation page, a form
        assert client.get(url).status_code == 405, url
    assert snapshot(dossier) == before


def test_staff_never_reach_a_draft_never_submitted(client, call, dossier, draft):
    client.force_login(StaffFactory())
    before = snapshot(draft)
    assert (
        client.get(reverse("submissions:instruction_dossier", kwargs={"pk": draft.pk})).status_code
        == 404
    )
    for url, data in actions(call, draft):
        if "/appels/" in url:
            continue
        assert client.post(url, data).status_code == 404, url
    assert snapshot(draft) == before
    # Nor through the bulk action: the draft is not a choice of this call's list.
    client.post(
        reverse("submissions:instruction_bulk_decision", kwargs={"call_slug": call.slug}),
        {"dossiers": [draft.pk], "decision": P.PRESELECTED},
    )
    assert snapshot(draft) == before


def test_unknown_call_and_dossier_are_not_found_for_staff(client):
    client.force_login(StaffFactory())
    assert (
        client.get(
            reverse("submissions:instruction_call", kwargs={"call_slug": "nope"})
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("submissions:instruction_dossier", kwargs={"pk": 999999})).status_code
        == 404
    )


def test_staff_attachment_download_uses_the_shared_checked_view(client, call, dossier):
    attachment = dossier.attachments.get()
    url = reverse(
        "submissions:attachment_download", kwargs={"pk": dossier.pk, "attachment_pk": attachment.pk}
    )
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 200
    client.force_login(agent_of(AdministrationFactory()))
    assert client.get(url).status_code == 404
