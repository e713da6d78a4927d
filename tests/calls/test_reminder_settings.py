"""« Relances automatiques »: a call's reminder settings and log, for its programme's managers."""

from datetime import date

import pytest
from django.urls import reverse

from calls.models import ProgrammeRoleKind, ReminderKind, ReminderLog, ReminderSettings
from relance.models import AuditEntry
from tests.factories import CallFactory, StaffFactory

pytestmark = pytest.mark.django_db


def url(call):
    return reverse(
        "calls:staff_call_reminders", kwargs={"slug": call.programme.slug, "call_slug": call.slug}
    )


def programme_manager(programme):
    return StaffFactory(programmes=[programme], programmes__role=ProgrammeRoleKind.MANAGER)


VALID = {
    "jurors_enabled": "on",
    "juror_days_before": "5",
    "juror_repeat_days": "3",
    "review_deadline": "2021-02-10",
    "draft_first_days": "10",
    "draft_second_days": "1",
    "instructor_waiting_days": "7",
}


def test_a_manager_changes_the_reminders_with_an_audit_entry(client):
    call = CallFactory()
    manager = programme_manager(call.programme)
    client.force_login(manager)
    page = client.get(url(call))
    assert page.status_code == 200
    assert "Aucune relance n’a encore été envoyée" in page.content.decode()

    response = client.post(url(call), VALID)
    assert response.status_code == 302
    row = ReminderSettings.objects.get(call=call)
    assert (row.juror_days_before, row.juror_repeat_days, row.review_deadline) == (
        5,
        3,
        date(2021, 2, 10),
    )
    assert row.drafts_enabled is False and row.instructors_enabled is False
    assert row.draft_days() == [10, 1]
    entry = AuditEntry.objects.get(action="call_update_reminders")
    assert entry.data["drafts_enabled"] == {"before": True, "after": False}
    # The same form again changes nothing and writes no entry (double submit).
    client.post(url(call), VALID)
    assert AuditEntry.objects.filter(action="call_update_reminders").count() == 1


def test_bad_input_is_refused_in_french(client):
    call = CallFactory()
    client.force_login(programme_manager(call.programme))
    response = client.post(
        url(call), {**VALID, "draft_second_days": "12", "juror_repeat_days": "0"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Le second rappel doit venir après le premier" in body
    assert not ReminderSettings.objects.exists()


def test_the_log_lists_the_reminders_sent(client, django_assert_max_num_queries):
    call = CallFactory()
    client.force_login(programme_manager(call.programme))
    for i in range(5):
        ReminderLog.objects.create(
            call=call,
            kind=ReminderKind.JUROR,
            recipient=f"jure{i}@exemple.fr",
            object_key=f"dossier:{i}",
            object_label=f"DOS-{i} — Projet {i}",
            due_on=date(2021, 2, 7),
        )
    with django_assert_max_num_queries(20) as few:
        client.get(url(call))
    for i in range(5, 30):
        ReminderLog.objects.create(
            call=call,
            kind=ReminderKind.DRAFT,
            recipient=f"agent{i}@exemple.fr",
            object_key=f"dossier:{i}",
            object_label=f"DOS-{i} — Projet {i}",
            due_on=date(2021, 2, 7),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url(call)).content.decode()
    assert "jure0@exemple.fr" in body and "agent29@exemple.fr" in body
    assert "Brouillon non déposé" in body and "Évaluations attendues" in body
