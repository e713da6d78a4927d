"""One ``now`` per transaction: the time the deadline check used is the time stored.

Taken after the row lock, it stamps the dossier, its attachment and the audit entry, so that
nothing checked as before the closing is stored as after it.
"""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from relance.audit import AuditAction
from relance.models import AuditEntry
from submissions import workflow
from submissions.models import Attachment, Dossier, DossierState
from tests.factories import DossierFactory, agent_of
from tests.submissions.sample_files import PDF_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def dossier():
    return DossierFactory()


@pytest.fixture
def agent(dossier):
    return agent_of(dossier.administration)


def entry(dossier, action) -> AuditEntry:
    return AuditEntry.objects.filter(target_id=str(dossier.pk), action=action).latest("pk")


def test_a_submission_is_stamped_once(agent, dossier):
    workflow.submit(agent, dossier)
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.submitted_at == stored.updated_at == entry(dossier, AuditAction.SUBMIT).at


def test_an_amendment_is_stamped_with_the_time_of_its_deadline_check(agent, dossier):
    submitted = workflow.submit(agent, dossier)

    amended = workflow.update_dossier(
        agent, submitted, {"title": "Titre corrigé"}, version=submitted.version
    )
    assert Dossier.objects.get(pk=dossier.pk).updated_at == entry(dossier, AuditAction.AMEND).at

    workflow.replace_budget_lines(
        agent,
        amended,
        [{"label": "Prestation", "nature": "services", "amount": Decimal("1000.00")}],
        version=amended.version,
    )
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.state == DossierState.SUBMITTED
    assert stored.updated_at == entry(dossier, AuditAction.AMEND).at


def test_an_attachment_is_stamped_with_the_time_of_its_deadline_check(agent, dossier):
    attachment = workflow.add_attachment(
        agent,
        dossier,
        file=ContentFile(PDF_BYTES),
        original_name="devis.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    stored = Attachment.objects.get(pk=attachment.pk)
    assert stored.uploaded_at == entry(dossier, AuditAction.ATTACH).at
