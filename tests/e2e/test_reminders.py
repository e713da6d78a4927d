"""Automatic reminders in a real browser: a programme manager changes a call's reminders,
reads the log of the reminders sent, then each juror's totals on the progress page."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import ProgrammeRoleKind, ReminderKind, ReminderLog, ReminderSettings
from jury.models import HearingSlot
from relance.formatting import PARIS, paris_today
from tests.factories import DEFAULT_PASSWORD, StaffFactory
from tests.jury.factories import ConflictFactory, EvaluationFactory, HearingSessionFactory
from tests.jury.jury_core_data import jury_with_dossiers

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

DAY = timedelta(days=1)


def log_in(page, email, next_url):
    # The live server's first page (cold caches) can take long on a busy machine.
    page.goto(f"/compte/connexion/?next={next_url}", timeout=60_000)
    page.locator('input[name="username"]').fill(email)
    page.locator('input[name="password"]').fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def heard(dossier, day):
    session = HearingSessionFactory(jury=dossier.call.jury, date=day)
    start = datetime.combine(day, time(10), tzinfo=PARIS)
    HearingSlot.objects.create(
        session=session, dossier=dossier, starts_at=start, ends_at=start + timedelta(minutes=15)
    )


def test_a_manager_sets_the_reminders_and_follows_the_jurors(page, check_screen):
    setup = jury_with_dossiers(2)
    call = setup.jury.call
    late, soon = setup.dossiers
    heard(late, paris_today() - 2 * DAY)
    heard(soon, paris_today() + 2 * DAY)
    EvaluationFactory(member=setup.other, dossier=late)
    ConflictFactory(member=setup.other, dossier=soon)
    sent_at = timezone.now() - DAY
    ReminderLog.objects.create(
        call=call,
        kind=ReminderKind.JUROR,
        recipient=setup.member.user.email,
        object_key=f"dossier:{late.pk}",
        object_label=f"{late.reference} — {late.title}",
        due_on=paris_today() - DAY,
        sent_at=sent_at,
    )
    manager = StaffFactory(programmes=[call.programme], programmes__role=ProgrammeRoleKind.MANAGER)
    reminders_url = f"/instruction/programmes/{call.programme.slug}/appels/{call.slug}/relances/"

    log_in(page, manager.email, reminders_url)
    expect(page.get_by_role("heading", name="Relances automatiques", level=1)).to_be_visible()
    expect(page.locator("#journal + div table")).to_contain_text(setup.member.user.email)
    expect(page.locator("#journal + div table")).to_contain_text(late.reference)
    check_screen("reminders-settings")

    drafts = page.get_by_label("Relancer les agents qui ont un brouillon")
    expect(drafts).to_be_checked()
    # DSFR draws the box on the label, over the input: click it as users do.
    page.locator('label[for="id_drafts_enabled"]').click()
    expect(drafts).not_to_be_checked()
    page.get_by_label("En cas de retard, relance tous les (jours)").fill("4")
    page.get_by_label("Premier rappel, en jours avant la clôture").fill("10")
    page.get_by_role("button", name="Enregistrer les relances").click()
    expect(
        page.get_by_text("Les relances automatiques de l’appel sont enregistrées.")
    ).to_be_visible()
    expect(page.get_by_label("Relancer les agents qui ont un brouillon")).not_to_be_checked()
    expect(page.get_by_label("En cas de retard, relance tous les (jours)")).to_have_value("4")
    expect(page.get_by_label("Premier rappel, en jours avant la clôture")).to_have_value("10")
    check_screen("reminders-saved")
    saved = ReminderSettings.objects.get(call=call)
    assert (saved.drafts_enabled, saved.juror_repeat_days, saved.draft_first_days) == (False, 4, 10)

    # Bad input: a clear French message, nothing saved.
    page.get_by_label("Second rappel, en jours avant la clôture").fill("12")
    page.get_by_role("button", name="Enregistrer les relances").click()
    expect(
        page.locator(".fr-error-text", has_text="Le second rappel doit venir après le premier")
    ).to_be_visible()
    saved.refresh_from_db()
    assert saved.draft_second_days == 2

    page.goto(f"/instruction/appels/{call.slug}/jury/suivi/")
    totals = page.locator("#totals")
    alice = totals.locator(f'tr[data-member="{setup.member.pk}"]')
    bruno = totals.locator(f'tr[data-member="{setup.other.pk}"]')
    expect(alice.locator('[data-total="assigned"]')).to_have_text("2")
    expect(alice.locator('[data-total="submitted"]')).to_have_text("0")
    expect(alice.locator('[data-total="late"]')).to_have_text("1")
    expect(alice.locator('[data-total="last-reminder"]')).not_to_have_text("—")
    expect(bruno.locator('[data-total="assigned"]')).to_have_text("1")
    expect(bruno.locator('[data-total="submitted"]')).to_have_text("1")
    expect(bruno.locator('[data-total="late"]')).to_have_text("0")
    expect(bruno.locator('[data-total="last-reminder"]')).to_have_text("—")
    expect(page.locator("#reminders-link")).to_be_visible()
    check_screen("progress-totals")
