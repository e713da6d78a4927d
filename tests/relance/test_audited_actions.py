"""Actions that used to leave no trace: internal notes, and the admin's mail queue and site
settings."""

import pytest
from django.urls import reverse
from django.utils import timezone

from relance.audit import AuditAction
from relance.models import OutgoingEmail
from submissions.models import DossierState
from tests.admin_helpers import audit_entries, bulk_delete, url
from tests.factories import DossierFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_an_internal_note_is_audited_on_the_dossier(client):
    staff = StaffFactory()
    dossier = DossierFactory(state=DossierState.SUBMITTED, submitted_at=timezone.now())
    client.force_login(staff)

    client.post(
        reverse("submissions:instruction_note", kwargs={"pk": dossier.pk}),
        {"note-body": "Appeler le contact mardi."},
    )

    (entry,) = audit_entries(dossier, action=AuditAction.NOTE)
    assert (entry.actor, entry.reason) == (staff, "Appeler le contact mardi.")
    history = client.get(reverse("submissions:instruction_dossier", kwargs={"pk": dossier.pk}))
    assert "Note interne ajoutée" in history.content.decode()


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


def test_resending_and_deleting_queued_emails_in_the_admin_is_audited(admin_client_, superuser):
    emails = [
        OutgoingEmail.objects.create(to=["a@exemple.gouv.fr"], subject=f"Objet {n}", body="…")
        for n in range(2)
    ]

    admin_client_.post(
        url(OutgoingEmail, "changelist"),
        {"action": "resend", "_selected_action": [emails[0].pk]},
    )
    bulk_delete(admin_client_, OutgoingEmail, [emails[1]])

    (resent,) = audit_entries(emails[0], action=AuditAction.ADMIN_RESEND_EMAIL)
    assert (resent.actor, resent.data) == (superuser, {"queued": True})
    (deleted,) = audit_entries(emails[1], action=AuditAction.ADMIN_DELETE)
    assert deleted.data["values"]["subject"] == "Objet 1"
    assert not OutgoingEmail.objects.filter(pk=emails[1].pk).exists()
