"""Per member totals of the progress page and its CSV: assigned, submitted, late (as the
reminders count them) and the last reminder sent, in a constant number of queries."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import ProgrammeRoleKind, ReminderKind, ReminderLog, ReminderSettings
from jury.models import HearingSlot
from jury.review import workflow as review
from jury.review_models import ReviewPhase
from relance.formatting import PARIS, paris_today
from tests.factories import CallFactory, StaffFactory
from tests.jury.factories import (
    ConflictFactory,
    EvaluationFactory,
    HearingSessionFactory,
    JuryMemberFactory,
    preselected,
)
from tests.jury.jury_core_data import jury_with_dossiers

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def url(jury, name="progress"):
    return reverse(f"jury:{name}", kwargs={"call_slug": jury.call.slug})


def heard(dossier, day):
    session = HearingSessionFactory(jury=dossier.call.jury, date=day)
    start = datetime.combine(day, time(10), tzinfo=PARIS)
    HearingSlot.objects.create(
        session=session, dossier=dossier, starts_at=start, ends_at=start + timedelta(minutes=15)
    )


def log(call, email, sent_at, kind=ReminderKind.JUROR, key="dossier:1"):
    return ReminderLog.objects.create(
        call=call,
        kind=kind,
        recipient=email,
        object_key=key,
        object_label="Dossier",
        due_on=sent_at.date(),
        sent_at=sent_at,
    )


def totals(html, member):
    """``{assigned, submitted, late, last-reminder}`` of ``member``'s row on the page."""
    row = re.search(rf'<tr data-member="{member.pk}">(.*?)</tr>', html, re.S).group(1)
    cells = dict(re.findall(r'data-total="([a-z-]+)"[^>]*>(.*?)</td>', row, re.S))
    return {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in cells.items()}


def csv_rows(client, jury):
    response = client.get(url(jury, "progress_csv"))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_without_phases_every_dossier_not_in_conflict_is_expected(client):
    setup = jury_with_dossiers(3)
    alice, bruno = setup.member, setup.other
    past, soon, unheard = setup.dossiers
    heard(past, paris_today() - 2 * DAY)  # due two days ago
    heard(soon, paris_today() + 3 * DAY)
    ConflictFactory(member=alice, dossier=soon)
    EvaluationFactory(member=alice, dossier=unheard)
    EvaluationFactory(member=bruno, dossier=soon)
    EvaluationFactory(member=bruno, dossier=past, submitted_at=None)  # a draft is not enough
    now = timezone.now()
    log(setup.jury.call, alice.user.email, now - 5 * DAY)
    last = log(setup.jury.call, alice.user.email, now - DAY, key="dossier:2")
    # Not Alice's juror reminders: another kind, another call.
    log(setup.jury.call, alice.user.email, now, kind=ReminderKind.DRAFT)
    log(CallFactory(), alice.user.email, now)

    client.force_login(StaffFactory())
    html = client.get(url(setup.jury)).content.decode()
    assert totals(html, alice)["assigned"] == "2"
    assert totals(html, alice)["submitted"] == "1"
    assert totals(html, alice)["late"] == "1"
    assert totals(html, alice)["last-reminder"] != "—"
    assert totals(html, bruno) == {
        "assigned": "3",
        "submitted": "1",
        "late": "1",
        "last-reminder": "—",
    }
    # Only the programme's managers get the link to the reminders' settings.
    assert 'id="reminders-link"' not in html
    rows = csv_rows(client, setup.jury)
    assert rows[0][5:] == ["Alice Experte", "Bruno Expert"]
    footer = {row[0]: row[5:] for row in rows[-4:]}
    assert footer["Dossiers attribués"] == ["2", "3"]
    assert footer["Évaluations soumises"] == ["1", "1"]
    assert footer["En retard"] == ["1", "1"]
    day = timezone.localtime(last.sent_at, PARIS).strftime("%Y-%m-%d %H:%M")
    assert footer["Dernière relance"] == [day, ""]


def test_with_phases_only_the_rapporteurs_are_expected_by_the_review_deadline(client):
    setup = jury_with_dossiers(2)
    first, second = setup.dossiers
    staff = StaffFactory()
    review.configure_review(staff, setup.jury, rapporteurs_per_dossier=1)
    review.set_phase(staff, setup.jury, ReviewPhase.ASSIGNMENT)
    review.assign_rapporteur(staff, setup.member, first)
    review.assign_rapporteur(staff, setup.member, second)
    # The deadline replaces the hearing day (still to come here).
    heard(first, paris_today() + 10 * DAY)
    ReminderSettings.objects.create(call=setup.jury.call, review_deadline=paris_today() - DAY)

    manager = StaffFactory(
        programmes=[setup.jury.call.programme], programmes__role=ProgrammeRoleKind.MANAGER
    )
    client.force_login(manager)
    html = client.get(url(setup.jury)).content.decode()
    assert totals(html, setup.member)["assigned"] == "2"
    assert totals(html, setup.member)["late"] == "2"
    assert totals(html, setup.other)["assigned"] == "0"
    assert totals(html, setup.other)["late"] == "0"
    assert 'id="reminders-link"' in html
    assert "après la date limite des évaluations" in html


def _grow(size):
    setup = jury_with_dossiers(2)
    members = [setup.member, setup.other] + [
        JuryMemberFactory(jury=setup.jury) for _ in range(size // 3)
    ]
    for i in range(size):
        dossier = preselected(setup.jury)
        heard(dossier, paris_today() + (i % 5 - 2) * DAY)
        member = members[i % len(members)]
        EvaluationFactory(member=member, dossier=dossier)
        ConflictFactory(member=members[(i + 1) % len(members)], dossier=dossier)
        log(setup.jury.call, member.user.email, timezone.now() - i * DAY, key=f"dossier:{i}")
    return setup


@pytest.mark.parametrize("name", ["progress", "progress_csv"])
def test_the_totals_run_a_constant_number_of_queries(client, name):
    client.force_login(StaffFactory())
    counts = []
    for size in (3, 30):
        setup = _grow(size)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(setup.jury, name)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
