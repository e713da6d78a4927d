"""Reminders to jurors with evaluations due: once per date, again every M days while late,
never after the evaluation is submitted or when turned off; two workers at once (threads
meeting at a barrier, then real worker processes) send once."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from calls.models import ReminderKind, ReminderLog, ReminderSettings
from jury import reminders
from jury.models import HearingSlot, JuryMember
from relance import tasks
from relance.formatting import PARIS, paris_today
from relance.models import OutgoingEmail
from submissions import jobs
from tests.factories import AdministrationFactory, CallFactory, DossierFactory, agent_of
from tests.jury.factories import (
    EvaluationFactory,
    HearingSessionFactory,
    JuryMemberFactory,
    preselected,
)
from tests.relance.smtp_servers import smtp_server
from tests.relance.test_worker_process import WAIT, worker

DAY = timedelta(days=1)


def heard_on(jury, day):
    """A preselected dossier of ``jury`` heard at 10:00 (Paris) on ``day``."""
    dossier = preselected(jury)
    session = HearingSessionFactory(jury=jury, date=day)
    start = datetime.combine(day, time(10), tzinfo=PARIS)
    HearingSlot.objects.create(
        session=session, dossier=dossier, starts_at=start, ends_at=start + timedelta(minutes=15)
    )
    return dossier


def sent():
    return OutgoingEmail.objects.filter(topic="review_reminder")


def test_the_job_is_declared_periodic():
    assert tasks.PERIODIC["jury.reminders.remind_jurors"].task is reminders.remind_jurors


@pytest.mark.django_db
def test_a_juror_is_reminded_before_then_every_m_days_while_late(settings):
    settings.SITE_URL = "https://relance.exemple.gouv.fr"
    member = JuryMemberFactory(user__email="jure@exemple.fr")
    hearing = paris_today() + 10 * DAY
    dossier = heard_on(member.jury, hearing)

    assert reminders.send_juror_reminders(hearing - 4 * DAY) == 0  # too early (N = 3)
    assert reminders.send_juror_reminders(hearing - 3 * DAY) == 1
    email = sent().get()
    assert email.to == ["jure@exemple.fr"]
    assert email.subject == f"[Relance] Évaluations à transmettre — {member.jury.call.title}"
    assert dossier.reference in email.body
    assert f"https://relance.exemple.gouv.fr/jury/{member.jury_id}/" in email.body
    log = ReminderLog.objects.get()
    assert (log.kind, log.due_on, log.email) == (ReminderKind.JUROR, hearing - 3 * DAY, email)
    # Later runs before the hearing: the « before » reminder was sent already.
    assert reminders.send_juror_reminders(hearing - 3 * DAY) == 0
    assert reminders.send_juror_reminders(hearing) == 0

    # Late: the day after, not again the same day, then M = 2 days later.
    assert reminders.send_juror_reminders(hearing + DAY) == 1
    assert "[Relance] Évaluations en retard" in sent().order_by("-pk")[0].subject
    assert reminders.send_juror_reminders(hearing + DAY) == 0
    assert reminders.send_juror_reminders(hearing + 2 * DAY) == 0
    assert reminders.send_juror_reminders(hearing + 3 * DAY) == 1
    assert sent().count() == 3

    # A submitted evaluation stops the reminders.
    EvaluationFactory(member=member, dossier=dossier)
    assert reminders.send_juror_reminders(hearing + 5 * DAY) == 0


@pytest.mark.django_db
def test_turned_off_reminders_send_nothing_and_a_deadline_replaces_the_hearing_day():
    member = JuryMemberFactory()
    hearing = paris_today() + 10 * DAY
    heard_on(member.jury, hearing)
    settings_row = ReminderSettings.objects.create(call=member.jury.call, jurors_enabled=False)
    assert reminders.send_juror_reminders(hearing - 3 * DAY) == 0
    assert reminders.send_juror_reminders(hearing + DAY) == 0
    settings_row.jurors_enabled = True
    settings_row.review_deadline = hearing - 5 * DAY
    settings_row.juror_days_before = 1
    settings_row.save()
    assert reminders.send_juror_reminders(hearing - 6 * DAY) == 1
    assert ReminderLog.objects.get().due_on == hearing - 6 * DAY


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_email_per_date():
    members = [JuryMemberFactory() for _ in range(3)]
    jury = members[0].jury
    for member in members[1:]:
        member.jury = jury
        member.save()
    hearing = paris_today() + 3 * DAY
    for _ in range(2):
        heard_on(jury, hearing)
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = reminders.send_juror_reminders()
        except Exception as exc:  # reported in the assertion below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 3, results
    assert sent().count() == 3
    assert sorted(e.to[0] for e in sent()) == sorted(m.user.email for m in members)
    assert ReminderLog.objects.count() == 6  # three jurors × two dossiers, one date


@pytest.mark.django_db(transaction=True)
@pytest.mark.tasks_by_hand
def test_two_worker_processes_send_each_reminder_once():
    """Every reminder job queued twice (a requeued stalled run, two schedulers racing) and two
    ``run_worker`` processes taking them: each juror and draft holder gets one email per date,
    as the mail server counts them."""
    members = [JuryMemberFactory() for _ in range(3)]
    jury = members[0].jury
    JuryMember.objects.filter(pk__in=[m.pk for m in members]).update(jury=jury)
    hearing = paris_today() + 3 * DAY
    for _ in range(2):
        heard_on(jury, hearing)
    administration = AdministrationFactory()
    agent = agent_of(administration, email="porteur@exemple.gouv.fr")
    now = timezone.now()
    call = CallFactory(opens_at=now - 30 * DAY, closes_at=now + 5 * DAY)
    draft = DossierFactory(call=call, administration=administration)
    for _ in range(2):
        reminders.remind_jurors.enqueue()
        jobs.remind_draft_holders.enqueue()

    with smtp_server() as server:
        workers = [worker(server.port, "--batch") for _ in range(2)]
        outputs = [process.communicate(timeout=WAIT)[0] for process in workers]
    assert [process.returncode for process in workers] == [0, 0], outputs

    for job, emails in [("remind_jurors", 3), ("remind_draft_holders", 2)]:
        runs = DBTaskResult.objects.filter(task_path__endswith=job)
        assert [r.status for r in runs] == [TaskResultStatus.SUCCESSFUL] * 2
        # However the two runs overlapped, together they queued each email once.
        assert sum(r.return_value for r in runs) == emails
    received = sorted(address for recipients, _ in server.messages for address in recipients)
    expected = [m.user.email for m in members] + [agent.email, draft.contact_email]
    assert received == sorted(expected)
    assert ReminderLog.objects.filter(kind=ReminderKind.JUROR).count() == 6
    assert ReminderLog.objects.filter(kind=ReminderKind.DRAFT).count() == 2
