"""The import of a call's dossiers from Démarches Simplifiées, against a local DS API."""

from datetime import datetime

import pytest
from django.urls import reverse

from relance.formatting import PARIS
from relance.models import AuditEntry
from relance.workflow import WorkflowError
from submissions.demarches import workflow
from submissions.models import (
    Attachment,
    DemarcheImport,
    DemarcheLink,
    Dossier,
    DossierState,
    ReceptionChannel,
)
from tests.demarches_server import TOKEN, LocalDemarches
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    StaffFactory,
    UserFactory,
)
from tests.submissions.sample_files import PDF_BYTES
from tests.tasks import run_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.tasks_by_hand]

MAPPING = {
    "title": "Titre du projet",
    "summary": "Q2hhbXAtMg==",  # by id
    "total_budget": "Budget total (€)",
    "requested_amount": "Montant demandé (€)",
    "subtitle": "Sous-titre",
    "category": "Catégorie",
    "description": "Description du projet",
    "benefits_self": "Bénéfices pour l’administration",
    "benefits_others": "Bénéfices pour d’autres administrations",
    "technical_approach": "Approche technique",
    "sustainability": "Pérennité",
    "timeline": "Calendrier",
    "contact_name": "Nom du contact",
    "contact_email": "Courriel du contact",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def call():
    # The recorded dossiers were filed in March 2026.
    call = CallFactory(
        slug="appel-ds",
        opens_at=datetime(2026, 2, 1, tzinfo=PARIS),
        closes_at=datetime(2026, 4, 1, tzinfo=PARIS),
    )
    CategoryFactory(call=call, name="Science des données")
    return call


@pytest.fixture
def administrations():
    return (
        AdministrationFactory(name="DNUM de l’Intérieur", siret="99999999800019"),
        AdministrationFactory(name="CNAV", siret="99999997200014"),
    )


@pytest.fixture
def instructor():
    return StaffFactory()


def connected(instructor, call):
    link = workflow.connect(instructor, call, procedure_number=61234, token=TOKEN)
    return workflow.save_mapping(instructor, link, MAPPING)


def run(instructor, link, **kwargs):
    job = workflow.start_import(instructor, link, **kwargs)
    run_tasks()
    job.refresh_from_db()
    return job


def test_import_creates_updates_and_skips_with_reasons(
    demarches, call, administrations, instructor
):
    link = connected(instructor, call)
    job = run(instructor, link)

    assert job.status == DemarcheImport.Status.DONE, job.error
    assert job.pages_done == 2  # two dossiers a page
    assert job.dossiers_seen == 4
    assert (job.created_count, job.updated_count, job.unchanged_count) == (2, 0, 0), job.skipped
    reasons = {item["number"]: item["reason"] for item in job.skipped}
    assert "99999996400015" in reasons[103]  # no administration has that SIRET
    assert "classé sans suite" in reasons[104]
    assert "budget-detaille.pdf" in reasons[101]  # a PNG named .pdf: refused as an upload is
    assert job.deleted == [
        {
            "number": 99,
            "deleted_at": "2026-03-01T12:00:00+01:00",
            "reason": "à la demande de l’usager",
            "reference": "",
        }
    ]

    titles = Dossier.objects.filter(call=call).get(ds_number=101)
    assert titles.administration == administrations[0]
    assert titles.title == "Entrepôt de données des titres"
    assert titles.summary.startswith("Un entrepôt commun")
    assert titles.state == DossierState.SUBMITTED
    assert titles.received_via == ReceptionChannel.OTHER_TOOL
    assert titles.submitted_at == datetime(2026, 3, 2, 10, 15, tzinfo=PARIS)
    attachment = Attachment.objects.get(dossier=titles)
    assert attachment.original_name == "feuille-de-route.pdf"
    assert attachment.file.read() == PDF_BYTES
    pensions = Dossier.objects.get(call=call, ds_number=102)
    assert str(pensions.total_budget) == "150000.50"
    assert pensions.administration == administrations[1]
    assert AuditEntry.objects.filter(action="register_outside").count() == 2
    # The cursor moved to the last modification read.
    link.refresh_from_db()
    assert link.updated_since == datetime(2026, 3, 7, 8, 0, tzinfo=PARIS)
    # Updated since: only the dossiers modified since were asked on the second run.
    assert demarches.requests[-1]["updatedSince"] is None


@pytest.mark.parametrize("from_start", [False, True])
def test_running_twice_changes_nothing(demarches, call, administrations, instructor, from_start):
    link = connected(instructor, call)
    run(instructor, link)
    before = (
        list(Dossier.objects.filter(call=call).values().order_by("pk")),
        list(Attachment.objects.values("pk", "sha256").order_by("pk")),
        AuditEntry.objects.count(),
    )
    job = run(instructor, link, from_start=from_start)
    assert job.status == DemarcheImport.Status.DONE
    assert job.created_count == job.updated_count == 0
    after = (
        list(Dossier.objects.filter(call=call).values().order_by("pk")),
        list(Attachment.objects.values("pk", "sha256").order_by("pk")),
        # The import's own start is recorded, nothing else.
        AuditEntry.objects.count() - 1,
    )
    assert after == before
    if not from_start:
        assert demarches.requests[-1]["updatedSince"].startswith("2026-03-07T07:00:00")


def test_a_changed_dossier_is_updated_once(demarches, call, administrations, instructor):
    link = connected(instructor, call)
    run(instructor, link)
    node = demarches.answers["dossiers"][1]
    node["champs"][0]["stringValue"] = "Tableau de bord des pensions"
    node["dateDerniereModification"] = "2026-03-08T09:00:00+01:00"
    job = run(instructor, link)
    assert job.updated_count == 1
    dossier = Dossier.objects.get(call=call, ds_number=102)
    assert dossier.title == "Tableau de bord des pensions"
    entry = AuditEntry.objects.get(action="ds_update")
    assert entry.data["before"] == {"title": "Tableau de bord des retraites"}
    assert Dossier.objects.filter(call=call).count() == 2


def test_a_decided_dossier_is_not_overwritten(demarches, call, administrations, instructor):
    link = connected(instructor, call)
    run(instructor, link)
    Dossier.objects.filter(ds_number=102).update(state=DossierState.PRESELECTED)
    demarches.answers["dossiers"][1]["champs"][0]["stringValue"] = "Autre titre"
    job = run(instructor, link, from_start=True)
    assert Dossier.objects.get(ds_number=102).title == "Tableau de bord des retraites"
    assert any(item["number"] == 102 for item in job.skipped)


def test_token_is_encrypted_checked_and_never_shown(demarches, client, call, instructor):
    client.force_login(instructor)
    url = reverse("submissions:instruction_ds", kwargs={"call_slug": call.slug})
    wrong = client.post(
        url,
        {"action": "connect", "connexion-procedure_number": "61234", "connexion-token": "faux"},
    )
    assert wrong.status_code == 200
    assert "refuse le jeton" in wrong.content.decode()
    assert not DemarcheLink.objects.exists()
    response = client.post(
        url,
        {"action": "connect", "connexion-procedure_number": "61234", "connexion-token": TOKEN},
    )
    assert response.status_code == 302
    link = DemarcheLink.objects.get(call=call)
    assert TOKEN not in link.token_encrypted
    page = client.get(url).content.decode()
    assert TOKEN not in page
    assert "61234" in page
    # Left empty, the stored token is kept.
    client.post(url, {"action": "connect", "connexion-procedure_number": "61234"})
    link.refresh_from_db()
    assert workflow.secrets.decrypt(link.token_encrypted) == TOKEN


def test_bad_input_gets_a_french_message(demarches, client, call, instructor):
    client.force_login(instructor)
    url = reverse("submissions:instruction_ds", kwargs={"call_slug": call.slug})
    for number in ("douze", "-3", "99999999999999"):
        page = client.post(url, {"action": "connect", "connexion-procedure_number": number})
        assert page.status_code == 200
        assert "Corrigez les champs" in page.content.decode()
    unknown = client.post(
        url, {"action": "connect", "connexion-procedure_number": "5", "connexion-token": TOKEN}
    )
    assert "Démarche introuvable" in unknown.content.decode()
    # A run before any connection, or a mapping without a title: refused, nothing written.
    refused = client.post(url, {"action": "run"})
    assert refused.status_code == 200
    assert "Connectez d’abord la démarche." in refused.content.decode()
    link = connected(instructor, call)
    with pytest.raises(WorkflowError):
        workflow.save_mapping(instructor, link, {"summary": "Résumé du projet"})
    page = client.post(url, {"action": "mapping", "correspondance-summary": "<script>x</script>"})
    assert "Indiquez le champ qui donne le titre" in page.content.decode()
    link.refresh_from_db()
    assert link.mapping == MAPPING


def test_a_double_click_starts_one_import(demarches, call, administrations, instructor):
    link = connected(instructor, call)
    first = workflow.start_import(instructor, link)
    second = workflow.start_import(instructor, link)
    assert first == second
    assert DemarcheImport.objects.count() == 1


def test_an_unreachable_service_fails_the_run_and_keeps_the_cursor(
    demarches, settings, call, administrations, instructor
):
    link = connected(instructor, call)
    demarches.stop()
    job = run(instructor, link)
    assert job.status == DemarcheImport.Status.FAILED
    assert "ne répond pas" in job.error
    link.refresh_from_db()
    assert link.updated_since is None


def test_only_the_programme_staff(demarches, client, call, administrations, instructor):
    link = connected(instructor, call)
    job = run(instructor, link)
    settings_url = reverse("submissions:instruction_ds", kwargs={"call_slug": call.slug})
    status_url = reverse("submissions:instruction_ds_import", kwargs={"pk": job.pk})
    outsider = StaffFactory(programmes=[])
    agent = UserFactory()
    for user in (outsider, agent):
        client.force_login(user)
        assert client.get(settings_url).status_code == 404
        assert client.get(status_url).status_code == 404
        assert client.post(settings_url, {"action": "run"}).status_code == 404
    with pytest.raises(WorkflowError):
        workflow.start_import(outsider, link)
    assert DemarcheImport.objects.count() == 1
    client.force_login(instructor)
    page = client.get(status_url).content.decode()
    assert "Dossiers créés" in page
    assert "99999996400015" in page


def test_an_oversize_attachment_is_refused_and_the_dossier_kept(
    demarches, settings, call, administrations, instructor
):
    settings.RELANCE_MAX_UPLOAD_BYTES = 100  # smaller than the recorded PDF
    link = connected(instructor, call)
    job = run(instructor, link)
    reasons = [item["reason"] for item in job.skipped if item["number"] == 101]
    assert any("feuille-de-route.pdf" in r and "taille autorisée" in r for r in reasons)
    dossier = Dossier.objects.get(call=call, ds_number=101)
    assert not dossier.attachments.exists()


def test_the_ds_number_shows_on_the_staff_dossier_page(
    demarches, client, call, administrations, instructor
):
    link = connected(instructor, call)
    run(instructor, link)
    dossier = Dossier.objects.get(call=call, ds_number=101)
    client.force_login(instructor)
    page = client.get(reverse("submissions:instruction_dossier", kwargs={"pk": dossier.pk}))
    assert "Démarches Simplifiées, dossier n° 101" in page.content.decode()
    assert "depuis un autre outil" in page.content.decode()


def _attachment_urls(server, url):
    for node in server.answers["dossiers"]:
        for champ in node["champs"]:
            for file in champ.get("files", []):
                if file["filename"] == "feuille-de-route.pdf":
                    file["url"] = url


@pytest.mark.parametrize("redirected", [False, True])
def test_an_attachment_elsewhere_on_the_network_is_not_fetched(
    demarches, call, administrations, instructor, redirected
):
    """The attachment URLs come from DS's answers: one pointing into the application's own
    network (here another local server), directly or through a redirect, is never fetched."""
    elsewhere = LocalDemarches().start()
    try:
        target = f"{elsewhere.base_url}/fichiers/feuille-de-route.pdf"
        _attachment_urls(
            demarches, f"{demarches.base_url}/redirige/{target}" if redirected else target
        )
        job = run(instructor, connected(instructor, call))
        reasons = [item["reason"] for item in job.skipped if item["number"] == 101]
        assert any(
            "feuille-de-route.pdf" in r and "adresse n’est pas autorisée" in r for r in reasons
        )
        assert not Dossier.objects.get(call=call, ds_number=101).attachments.exists()
        assert elsewhere.downloads == []
    finally:
        elsewhere.stop()


def test_a_redirect_within_the_service_is_followed(demarches, call, administrations, instructor):
    _attachment_urls(demarches, f"{demarches.base_url}/redirige//fichiers/feuille-de-route.pdf")
    run(instructor, connected(instructor, call))
    dossier = Dossier.objects.get(call=call, ds_number=101)
    assert dossier.attachments.filter(original_name="feuille-de-route.pdf").exists()
