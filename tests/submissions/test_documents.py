"""The dossier's PDF documents: the acknowledgement of submission and the whole dossier,
read back with pypdf; their digest; who may download them."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from submissions import workflow
from submissions.documents import digest
from submissions.documents.content import document_context
from submissions.documents.render import BASE_URL, StaticFetcher, static_path
from submissions.models import BudgetLine, Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    DossierFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.jury.factories import JuryMemberFactory
from tests.jury.jury_core_data import attach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    # pypdf breaks lines where the layout wraps them.
    return " ".join(text.split())


@pytest.fixture
def submitted():
    """A dossier submitted through the workflow by an agent of its administration."""
    dossier = DossierFactory(administration=AdministrationFactory(name="Direction du numérique"))
    agent = agent_of(dossier.administration, first_name="Léa", last_name="Durand")
    BudgetLine.objects.create(
        dossier=dossier, label="Prestation de développement", nature="services", amount=9000
    )
    workflow.submit(agent, dossier)
    dossier = Dossier.objects.get(pk=dossier.pk)
    return dossier, agent


def url(name, dossier):
    return reverse(f"submissions:{name}", kwargs={"pk": dossier.pk})


def test_the_acknowledgement_says_what_was_received(client, submitted):
    dossier, agent = submitted
    client.force_login(agent)
    text = flat(pdf_text(client.get(url("acknowledgement_pdf", dossier))))
    assert "Accusé de réception" in text
    assert dossier.reference in text
    assert dossier.call.title in text
    assert "Direction du numérique" in text
    assert "Léa Durand" in text
    assert "heure de Paris" in text
    full = document_context(dossier)["digest"]
    assert digest.short(full) in text
    assert full in text.replace(" ", "")


def test_the_acknowledgement_is_downloaded_as_a_file(client, submitted):
    dossier, agent = submitted
    client.force_login(agent)
    response = client.get(url("acknowledgement_pdf", dossier))
    assert response["Content-Disposition"] == (
        f'attachment; filename="accuse-de-reception-{dossier.reference}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"


def test_the_digest_changes_with_the_content_and_only_with_it(submitted):
    dossier, _agent = submitted

    def current():
        return document_context(Dossier.objects.get(pk=dossier.pk))["digest"]

    first = current()
    assert len(first) == 64
    # Workflow fields are not content: a change of state leaves the digest as is.
    Dossier.objects.filter(pk=dossier.pk).update(
        state=DossierState.INCOMPLETE, version=dossier.version + 5
    )
    assert current() == first
    Dossier.objects.filter(pk=dossier.pk).update(total_budget=Decimal("150000"))
    assert current() == first  # the same amount, written without cents
    Dossier.objects.filter(pk=dossier.pk).update(summary="Résumé corrigé.")
    second = current()
    assert second != first
    BudgetLine.objects.filter(dossier=dossier).update(amount=9001)
    third = current()
    assert third != second
    attach(dossier)
    assert current() != third


def test_the_acknowledgement_follows_the_content(client, submitted):
    """Cached per content: a changed dossier gets a new acknowledgement, never the old one."""
    dossier, agent = submitted
    client.force_login(agent)
    before = flat(pdf_text(client.get(url("acknowledgement_pdf", dossier))))
    Dossier.objects.filter(pk=dossier.pk).update(timeline="Neuf mois.")
    after = flat(pdf_text(client.get(url("acknowledgement_pdf", dossier))))
    old = digest.short(document_context(dossier)["digest"])
    new = digest.short(document_context(Dossier.objects.get(pk=dossier.pk))["digest"])
    assert old in before and new in after and old not in after


def test_the_whole_dossier_as_submitted(client, submitted):
    dossier, agent = submitted
    attachment = attach(dossier, name="annexe-technique.pdf")
    client.force_login(agent)
    text = flat(pdf_text(client.get(url("dossier_pdf", dossier))))
    for expected in (
        dossier.title,
        dossier.reference,
        "Bénéfices et approche",
        "Gains pour les autres administrations.",
        "API et entrepôt de données.",
        "Prestation de développement",
        "9 000,00 €",
        "150 000,00 €",
        "Camille Martin",
        "annexe-technique.pdf",
        f"{attachment.size} octets",
    ):
        assert expected in text, expected
    assert attachment.sha256 in text.replace(" ", "")


def test_a_draft_has_no_document(client):
    draft = DossierFactory()
    client.force_login(agent_of(draft.administration))
    assert client.get(url("acknowledgement_pdf", draft)).status_code == 404
    assert client.get(url("dossier_pdf", draft)).status_code == 404


@pytest.mark.parametrize("name", ["acknowledgement_pdf", "dossier_pdf"])
def test_who_downloads_the_documents(client, submitted, name):
    dossier, agent = submitted
    roles = {
        "applicant": agent,
        "another agent of the administration": agent_of(dossier.administration),
        "agent of another administration": agent_of(AdministrationFactory()),
        "staff of the programme": StaffFactory(programmes=[dossier.call.programme]),
        "staff of another programme": StaffFactory(programmes=[ProgrammeFactory()]),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        # Jurors read the dossier from their own pages, for their preselected dossiers only.
        "juror of the call": JuryMemberFactory(jury__call=dossier.call).user,
        "plain account": UserFactory(),
    }
    allowed = {"applicant", "another agent of the administration", "staff of the programme"}
    for role, user in roles.items():
        client.force_login(user)
        response = client.get(url(name, dossier))
        assert response.status_code == (200 if role in allowed else 404), role
    client.logout()
    assert client.get(url(name, dossier)).status_code == 302


@pytest.mark.parametrize("name", ["acknowledgement_pdf", "dossier_pdf"])
def test_queries_do_not_grow_with_the_dossier(client, submitted, name):
    dossier, agent = submitted
    client.force_login(agent)

    def count():
        client.get(url("dossier_detail", dossier))  # the session, once
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(name, dossier)).status_code == 200
        return len(queries)

    small = count()
    for i in range(8):
        attach(dossier, name=f"piece-{i}.pdf")
        BudgetLine.objects.create(dossier=dossier, label=f"Ligne {i}", nature="staff", amount=10)
    assert count() == small


def test_the_documents_load_only_static_files():
    assert static_path(f"{BASE_URL}static/relance/documents.css").endswith("documents.css")
    font = static_path(f"{BASE_URL}static/dsfr/dist/fonts/Marianne-Regular.woff2")
    assert font and font.endswith("Marianne-Regular.woff2")
    fetcher = StaticFetcher()
    for refused in (
        "https://example.com/static/relance/documents.css",
        f"{BASE_URL}static/../relance/settings.py",
        f"{BASE_URL}media/dossiers/1/1/secret",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(refused)
