"""Hearing screens: staff sessions and schedule, the juror's page, the applicant's slot."""

import csv
import io
import re
from datetime import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury.hearings import publication
from jury.hearings import workflow as hearings
from jury.models import HearingSession, HearingSlot
from submissions.models import Membership
from tests.jury.factories import ConflictFactory, JuryMemberFactory
from tests.jury.hearing_data import PARIS, at, create_session, hearing_order, hearing_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return hearing_setup(5)


@pytest.fixture
def session(staff, setup):
    return create_session(staff, setup.jury)


@pytest.fixture
def scheduled(staff, session):
    hearings.generate_schedule(staff, session)
    return session


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def publish(staff, session, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publication.publish_schedule(staff, session)
    session.refresh_from_db()


def url(name, session=None, jury=None, **kwargs):
    jury = jury or session.jury
    if name == "juror_hearings":
        kwargs["jury_id"] = jury.pk
    else:
        kwargs["call_slug"] = jury.call.slug
    if session is not None and name not in ("hearing_sessions", "juror_hearings"):
        kwargs["session_id"] = session.pk
    return reverse(f"jury:{name}", kwargs=kwargs)


def first_slot(session):
    return HearingSlot.objects.filter(session=session).order_by("starts_at").first()


def agent_of_dossier(dossier):
    return Membership.objects.filter(administration=dossier.administration).first().user


def html(response):
    return response.content.decode()


def session_data(**overrides):
    data = {
        "date": "2021-02-11",
        "place": "Salle Lumière",
        "video_link": "",
        "starts_at": "08:30",
        "ends_at": "18:30",
        "slot_minutes": "15",
        "gap_minutes": "0",
        "pauses-TOTAL_FORMS": "2",
        "pauses-INITIAL_FORMS": "0",
        "pauses-MIN_NUM_FORMS": "0",
        "pauses-MAX_NUM_FORMS": "20",
        "pauses-0-label": "Déjeuner",
        "pauses-0-starts_at": "12:30",
        "pauses-0-ends_at": "13:30",
    }
    return data | overrides


# Who may see what ----------------------------------------------------------------------------

STAFF_PAGES = ["hearing_sessions", "hearing_session", "hearing_publish", "hearing_print"]


def staff_urls(session):
    slot = first_slot(session)
    return [url(name, session) for name in STAFF_PAGES] + [
        url("hearing_csv", session),
        url("hearing_slot", session, slot_id=slot.pk),
    ]


def post_urls(session):
    slot = first_slot(session)
    return [
        url("hearing_generate", session),
        url("hearing_absent", session, slot_id=slot.pk),
    ]


def test_anonymous_users_are_sent_to_the_login_page(client, scheduled):
    for target in [*staff_urls(scheduled), *post_urls(scheduled), url("juror_hearings", scheduled)]:
        response = client.get(target)
        assert response.status_code == 302, target
        assert response.url.startswith(reverse("login")), target


def test_applicants_and_jurors_get_404_on_staff_pages(client, setup, scheduled):
    for user in (agent_of_dossier(setup.dossiers[0]), setup.members[0].user):
        client.force_login(user)
        for target in staff_urls(scheduled):
            assert client.get(target).status_code == 404, target
        for target in post_urls(scheduled):
            assert client.post(target, {"absent": "1"}).status_code == 404, target
    assert not first_slot(scheduled).absent


def test_staff_see_every_staff_page(staff_client, scheduled):
    for target in staff_urls(scheduled):
        assert staff_client.get(target).status_code == 200, target


def test_a_session_is_only_reached_through_its_own_jury(staff, staff_client, scheduled):
    other = hearing_setup(1)
    assert staff_client.get(url("hearing_session", scheduled, jury=other.jury)).status_code == 404
    slot = first_slot(scheduled)
    other_session = create_session(staff, other.jury)
    target = reverse(
        "jury:hearing_slot",
        kwargs={
            "call_slug": other.jury.call.slug,
            "session_id": other_session.pk,
            "slot_id": slot.pk,
        },
    )
    assert staff_client.get(target).status_code == 404


def test_the_juror_page_is_for_members_of_the_jury_only(
    client, staff, setup, scheduled, django_capture_on_commit_callbacks
):
    publish(staff, scheduled, django_capture_on_commit_callbacks)
    target = url("juror_hearings", scheduled)
    other_member = JuryMemberFactory()  # of another jury
    for user in (other_member.user, agent_of_dossier(setup.dossiers[0]), staff):
        client.force_login(user)
        assert client.get(target).status_code == 404
    client.force_login(setup.members[0].user)
    assert client.get(target).status_code == 200


# The list of sessions and the creation -------------------------------------------------------


def test_create_a_session_from_the_list(staff_client, setup):
    page = staff_client.get(url("hearing_sessions", jury=setup.jury))
    assert "Nouvelle session" in html(page) and html(page).count("<h1") == 1

    response = staff_client.post(url("hearing_sessions", jury=setup.jury), session_data())

    session = HearingSession.objects.get(jury=setup.jury)
    assert response.status_code == 302 and response.url == url("hearing_session", session)
    assert session.place == "Salle Lumière" and session.starts_at == time(8, 30)
    assert list(session.breaks.values_list("label", "starts_at")) == [("Déjeuner", time(12, 30))]
    listing = html(staff_client.get(url("hearing_sessions", jury=setup.jury)))
    assert f'data-session="{session.pk}"' in listing


def test_a_refused_session_keeps_what_was_typed(staff_client, setup):
    data = session_data(**{"pauses-1-label": "Café", "pauses-1-starts_at": "13:00"})
    data["pauses-1-ends_at"] = "13:45"

    response = staff_client.post(url("hearing_sessions", jury=setup.jury), data)

    assert response.status_code == 400
    page = html(response)
    assert "se chevauchent" in page and "fr-alert--error" in page
    assert 'value="Salle Lumière"' in page and 'value="Café"' in page
    assert not HearingSession.objects.exists()


def test_an_invalid_form_is_shown_with_its_errors(staff_client, setup):
    response = staff_client.post(
        url("hearing_sessions", jury=setup.jury), session_data(ends_at="08:00")
    )
    assert response.status_code == 400
    assert "La session doit finir après son début." in html(response)
    assert not HearingSession.objects.exists()


def test_a_break_needs_both_times_but_a_blank_row_is_no_break(staff_client, setup):
    form = html(staff_client.get(url("hearing_sessions", jury=setup.jury)))
    # Blank break rows are optional: no field of theirs is marked required.
    label = re.search(r'<label[^>]*for="id_pauses-1-starts_at".*?</label>', form, re.S).group(0)
    assert "relance-required" not in label

    data = session_data(**{"pauses-1-label": "Café"})
    response = staff_client.post(url("hearing_sessions", jury=setup.jury), data)
    assert response.status_code == 400
    page = html(response)
    assert "Indiquez l’heure de début de la pause." in page and 'value="Café"' in page
    assert not HearingSession.objects.exists()


def test_update_the_session_and_its_breaks(staff_client, session):
    data = session_data(
        date="2021-02-10",
        place="Salle 2",
        **{
            "pauses-INITIAL_FORMS": "1",
            "pauses-0-DELETE": "on",
            "pauses-1-label": "Pause",
            "pauses-1-starts_at": "10:30",
            "pauses-1-ends_at": "10:45",
        },
    )
    response = staff_client.post(url("hearing_session", session), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.place == "Salle 2"
    assert list(session.breaks.values_list("starts_at", flat=True)) == [time(10, 30)]


# The session page ----------------------------------------------------------------------------


def test_session_page_shows_the_schedule_in_order_with_breaks(staff_client, setup, scheduled):
    ConflictFactory(member=setup.members[0], dossier=setup.dossiers[0])
    ConflictFactory(member=setup.members[1], dossier=setup.dossiers[0])

    response = staff_client.get(url("hearing_session", scheduled))

    page = html(response)
    positions = [
        page.index(f'data-reference="{d.reference}"') for d in hearing_order(setup.dossiers)
    ]
    assert positions == sorted(positions)
    assert "Déjeuner" in page and "08:30–08:45" in page
    slots = {s.dossier_id: s for s in response.context["slots"]}
    assert slots[setup.dossiers[0].pk].n_conflicts == 2
    assert slots[setup.dossiers[1].pk].n_conflicts == 0
    assert setup.dossiers[0].administration.name in page
    assert 'id="problems"' not in page
    assert page.count("<h1") == 1


def test_session_page_shows_overlaps_as_alerts(staff, staff_client, setup, session):
    first, second = setup.dossiers[:2]
    HearingSlot.objects.create(session=session, dossier=first, starts_at=at(9), ends_at=at(9, 15))
    HearingSlot.objects.create(
        session=session, dossier=second, starts_at=at(9, 10), ends_at=at(9, 25)
    )
    page = html(staff_client.get(url("hearing_session", session)))
    assert 'id="problems"' in page and "fr-alert--error" in page
    assert f"{first.reference} (09:00–09:15) chevauche {second.reference}" in page
    assert page.count('data-problem="1"') == 2


def test_generate_from_the_page(staff_client, setup, session):
    response = staff_client.post(url("hearing_generate", session), {})
    assert response.status_code == 302
    assert HearingSlot.objects.filter(session=session).count() == 5
    page = html(staff_client.get(response.url))
    assert "Planning généré : 5 auditions." in page


def test_generate_refusal_is_shown_and_the_form_kept(staff, staff_client, setup):
    session = create_session(staff, setup.jury, starts_at=time(9), ends_at=time(10), breaks=[])
    response = staff_client.post(url("hearing_generate", session), {})
    assert response.status_code == 400
    assert "4 auditions sur 5" in html(response)
    assert not HearingSlot.objects.exists()

    response = staff_client.post(url("hearing_generate", session), {"fill": "on"})
    assert response.status_code == 302
    assert HearingSlot.objects.filter(session=session).count() == 4
    page = html(staff_client.get(response.url))
    assert 'id="unscheduled"' in page and "1 dossier présélectionné" in page


def test_regenerating_a_published_schedule_asks_for_confirmation(
    staff, staff_client, scheduled, django_capture_on_commit_callbacks
):
    publish(staff, scheduled, django_capture_on_commit_callbacks)
    page = html(staff_client.get(url("hearing_session", scheduled)))
    assert 'name="regenerate"' in page

    response = staff_client.post(url("hearing_generate", scheduled), {})
    assert response.status_code == 400 and "déjà publié" in html(response)

    response = staff_client.post(url("hearing_generate", scheduled), {"regenerate": "on"})
    assert response.status_code == 302


def test_move_a_slot_by_hand(staff_client, scheduled):
    slot = first_slot(scheduled)
    page = staff_client.get(url("hearing_slot", scheduled, slot_id=slot.pk))
    assert 'value="08:30"' in html(page)

    response = staff_client.post(
        url("hearing_slot", scheduled, slot_id=slot.pk), {"starts_at": "17:00"}
    )

    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.starts_at == at(17) and slot.ends_at == at(17, 15)


def test_a_refused_move_keeps_the_typed_time(staff_client, scheduled):
    slot = first_slot(scheduled)
    response = staff_client.post(
        url("hearing_slot", scheduled, slot_id=slot.pk), {"starts_at": "12:20"}
    )
    assert response.status_code == 400
    page = html(response)
    assert "chevauche la pause « Déjeuner »" in page and 'value="12:20"' in page
    slot.refresh_from_db()
    assert slot.starts_at == at(8, 30)


def test_mark_absent_from_the_page(staff_client, scheduled):
    slot = first_slot(scheduled)
    target = url("hearing_absent", scheduled, slot_id=slot.pk)
    assert staff_client.get(target).status_code == 405
    assert staff_client.post(target, {"absent": "1"}).status_code == 302
    slot.refresh_from_db()
    assert slot.absent
    page = html(staff_client.get(url("hearing_session", scheduled)))
    assert "Noter présent" in page
    staff_client.post(target, {"absent": "0"})
    slot.refresh_from_db()
    assert not slot.absent


# Publication ---------------------------------------------------------------------------------


def test_publish_needs_the_confirmation(
    staff_client, setup, scheduled, django_capture_on_commit_callbacks
):
    page = staff_client.get(url("hearing_publish", scheduled))
    assert "Première publication" in html(page)

    response = staff_client.post(url("hearing_publish", scheduled), {})
    assert response.status_code == 400 and "Cochez la case" in html(response)
    scheduled.refresh_from_db()
    assert scheduled.published_at is None

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("hearing_publish", scheduled), {"confirm": "on"})
    assert response.status_code == 302
    assert len(mail.outbox) == 5 + 2
    scheduled.refresh_from_db()
    assert scheduled.published_at is not None


def test_republish_page_counts_the_changes_and_refuses_when_none(
    staff, staff_client, scheduled, django_capture_on_commit_callbacks
):
    publish(staff, scheduled, django_capture_on_commit_callbacks)
    page = html(staff_client.get(url("hearing_publish", scheduled)))
    assert "Aucun créneau n’a changé" in page

    mail.outbox.clear()
    response = staff_client.post(url("hearing_publish", scheduled), {"confirm": "on"})
    assert response.status_code == 400 and "déjà à jour" in html(response)
    assert mail.outbox == []

    hearings.move_slot(staff, first_slot(scheduled), starts_at=at(17))
    page = html(staff_client.get(url("hearing_session", scheduled)))
    assert 'id="pending"' in page and "1 créneau a changé" in page
    page = html(staff_client.get(url("hearing_publish", scheduled)))
    assert "1 créneau a changé" in page


# Print and export ----------------------------------------------------------------------------


def test_print_page_is_clean(staff_client, setup, scheduled):
    page = html(staff_client.get(url("hearing_print", scheduled)))
    assert "fr-header" not in page and "fr-footer" not in page and "fr-breadcrumb" not in page
    assert "@media print" in page
    assert "mercredi 10 février 2021" in page and "Déjeuner" in page
    positions = [page.index(d.reference) for d in hearing_order(setup.dossiers)]
    assert positions == sorted(positions)


def test_csv_export(staff, staff_client, setup, session):
    dossier = setup.dossiers[0]
    dossier.title = '=HYPERLINK("http://exemple.org")'
    dossier.save(update_fields=["title"])
    hearings.generate_schedule(staff, session)
    hearings.mark_absent(staff, HearingSlot.objects.get(dossier=dossier))

    response = staff_client.get(url("hearing_csv", session))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "auditions-2021-02-10.csv" in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Date", "Début", "Fin", "Référence"]
    assert len(rows) == 1 + 5
    assert [r[3] for r in rows[1:]] == [d.reference for d in hearing_order(setup.dossiers)]
    assert rows[1][:3] == ["2021-02-10", "08:30", "08:45"]
    row = next(r for r in rows if r[3] == dossier.reference)
    assert row[4].startswith("'=")
    assert row[9] == "oui"


# The juror's page ----------------------------------------------------------------------------


def test_juror_page_shows_only_published_schedules(
    client, staff, setup, scheduled, django_capture_on_commit_callbacks
):
    client.force_login(setup.members[0].user)
    target = url("juror_hearings", scheduled)
    page = html(client.get(target))
    assert 'id="nothing-published"' in page
    assert setup.dossiers[0].reference not in page

    publish(staff, scheduled, django_capture_on_commit_callbacks)
    page = html(client.get(target))
    assert 'id="nothing-published"' not in page
    assert all(d.reference in page for d in setup.dossiers)
    assert "Déjeuner" in page and "20 avenue de Ségur" in page
    assert page.count("<h1") == 1


def test_juror_page_marks_conflicts_without_a_link(
    client, staff, setup, scheduled, django_capture_on_commit_callbacks
):
    conflicted, clear = setup.dossiers[:2]
    ConflictFactory(member=setup.members[0], dossier=conflicted)
    publish(staff, scheduled, django_capture_on_commit_callbacks)
    client.force_login(setup.members[0].user)

    page = html(client.get(url("juror_hearings", scheduled)))

    assert page.count("Conflit d’intérêts déclaré") == 1
    assert page.count('data-conflicted="1"') == 1

    def link(dossier):
        return reverse("jury:juror_dossier", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})

    assert link(conflicted) not in page
    assert link(clear) in page


def test_juror_dossier_list_links_to_the_schedule(client, setup):
    client.force_login(setup.members[0].user)
    page = html(client.get(reverse("jury:juror_dossier_list", kwargs={"jury_id": setup.jury.pk})))
    assert reverse("jury:juror_hearings", kwargs={"jury_id": setup.jury.pk}) in page


def test_staff_jury_page_links_to_the_hearings(staff_client, setup):
    page = html(
        staff_client.get(reverse("jury:staff_jury", kwargs={"call_slug": setup.jury.call.slug}))
    )
    assert url("hearing_sessions", jury=setup.jury) in page


# The applicant's page ------------------------------------------------------------------------


def test_applicant_sees_their_slot_only_once_published(
    client, staff, setup, scheduled, django_capture_on_commit_callbacks
):
    mine, theirs = setup.dossiers[:2]
    client.force_login(agent_of_dossier(mine))
    detail = reverse("submissions:dossier_detail", kwargs={"pk": mine.pk})
    assert 'id="hearing"' not in html(client.get(detail))

    publish(staff, scheduled, django_capture_on_commit_callbacks)

    page = html(client.get(detail))
    slot = HearingSlot.objects.get(dossier=mine)
    other = HearingSlot.objects.get(dossier=theirs)
    assert 'id="hearing"' in page
    assert "mercredi 10 février 2021" in page
    mine_time = f"{slot.starts_at.astimezone(PARIS):%H:%M}"
    other_time = f"{other.starts_at.astimezone(PARIS):%H:%M}"
    assert f"de {mine_time} à" in page
    assert f"de {other_time} à" not in page
    assert theirs.reference not in page
    assert "20 avenue de Ségur" in page
    # Another administration's dossier stays out of reach.
    other_detail = reverse("submissions:dossier_detail", kwargs={"pk": theirs.pk})
    assert client.get(other_detail).status_code == 404


# Query counts --------------------------------------------------------------------------------


def _session_page_queries(client, staff, size):
    setup = hearing_setup(size, categories=3)
    session = create_session(staff, setup.jury)
    hearings.generate_schedule(staff, session)
    for dossier in setup.dossiers[:3]:
        ConflictFactory(member=setup.members[0], dossier=dossier)
    publication.publish_schedule(staff, session)
    hearings.move_slot(staff, HearingSlot.objects.get(dossier=setup.dossiers[0]), starts_at=at(18))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("hearing_session", session))
    assert response.status_code == 200
    assert len(response.context["slots"]) == size
    return len(queries)


def test_session_page_runs_a_constant_number_of_queries(staff, staff_client):
    at_5 = _session_page_queries(staff_client, staff, 5)
    at_33 = _session_page_queries(staff_client, staff, 33)
    assert at_5 == at_33, (at_5, at_33)
    # Session, user, jury, session with its breaks, slots, last publication, dossiers
    # without a slot, menu entries.
    assert at_33 <= 11


def test_juror_page_runs_a_constant_number_of_queries(
    client, staff, django_capture_on_commit_callbacks
):
    def count(size):
        setup = hearing_setup(size)
        session = create_session(staff, setup.jury)
        hearings.generate_schedule(staff, session)
        ConflictFactory(member=setup.members[0], dossier=setup.dossiers[0])
        publication.publish_schedule(staff, session)
        client.force_login(setup.members[0].user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("juror_hearings", session)).status_code == 200
        return len(queries)

    assert count(5) == count(33)
