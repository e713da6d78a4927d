"""Hearing sessions and their schedule, through the functions the screens call."""

from datetime import time, timedelta
from itertools import combinations

import pytest
from django.core import mail
from django.utils import timezone

from jury.hearings import publication
from jury.hearings import workflow as hearings
from jury.hearings.schedule import intervals_overlap
from jury.models import HearingBreak, HearingSession, HearingSlot
from relance import audit
from relance.models import OutgoingEmail
from relance.workflow import WorkflowError
from submissions.models import DossierState
from tests.factories import UserFactory
from tests.jury.factories import ConflictFactory, preselected
from tests.jury.hearing_data import (
    DAY,
    LUNCH,
    at,
    create_session,
    hearing_order,
    hearing_setup,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return hearing_setup(5)


@pytest.fixture
def session(staff, setup):
    return create_session(staff, setup.jury)


def slots_of(session):
    return list(
        HearingSlot.objects.filter(session=session).select_related("dossier").order_by("starts_at")
    )


def publish(user, session, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return publication.publish_schedule(user, session)


def emails_to(address):
    return [m for m in mail.outbox if address in m.to]


# Sessions -----------------------------------------------------------------------------------


def test_create_session_with_its_breaks(staff, setup):
    session = create_session(
        staff,
        setup.jury,
        breaks=[
            {"label": "", "starts_at": time(16, 0), "ends_at": time(16, 15)},
            LUNCH,
        ],
        place="  Salle 1  ",
    )
    assert session.place == "Salle 1"
    assert [(b.label, b.starts_at) for b in session.breaks.all()] == [
        ("Déjeuner", time(12, 30)),
        ("Pause", time(16, 0)),
    ]
    assert audit.history(session).filter(action="hearing_session_create").exists()


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        ([{"label": "Tôt", "starts_at": time(7, 0), "ends_at": time(9, 0)}], "sort des horaires"),
        (
            [{"label": "Tard", "starts_at": time(18, 0), "ends_at": time(19, 0)}],
            "sort des horaires",
        ),
        (
            [{"label": "À l’envers", "starts_at": time(12, 0), "ends_at": time(11, 0)}],
            "finir après",
        ),
        (
            [LUNCH, {"label": "Café", "starts_at": time(13, 0), "ends_at": time(13, 45)}],
            "se chevauchent",
        ),
        ([{"label": "Sans fin", "starts_at": time(12, 0), "ends_at": None}], "début et la fin"),
    ],
)
def test_bad_breaks_are_refused(staff, setup, breaks, message):
    with pytest.raises(WorkflowError, match=message):
        create_session(staff, setup.jury, breaks=breaks)
    assert not HearingSession.objects.exists()


def test_a_session_must_end_after_it_starts(staff, setup):
    with pytest.raises(WorkflowError, match="finir après son début"):
        create_session(staff, setup.jury, starts_at=time(14, 0), ends_at=time(9, 0), breaks=[])
    with pytest.raises(WorkflowError, match="entre 5 et 480 minutes"):
        create_session(staff, setup.jury, slot_minutes=2)


def test_update_session_replaces_the_breaks(staff, session):
    hearings.update_session(
        staff,
        session,
        breaks=[{"label": "Pause", "starts_at": time(10, 30), "ends_at": time(10, 45)}],
        place="Salle 2",
    )
    session.refresh_from_db()
    assert session.place == "Salle 2"
    assert list(session.breaks.values_list("starts_at", flat=True)) == [time(10, 30)]


def test_update_session_with_bad_breaks_changes_nothing(staff, session):
    with pytest.raises(WorkflowError, match="se chevauchent"):
        hearings.update_session(
            staff,
            session,
            breaks=[LUNCH, {"label": "Café", "starts_at": time(13, 0), "ends_at": time(14, 0)}],
            place="Ailleurs",
        )
    session.refresh_from_db()
    assert session.place != "Ailleurs"
    assert list(session.breaks.values_list("label", flat=True)) == ["Déjeuner"]


def test_shortening_a_session_keeps_its_breaks_inside(staff, session):
    # Without new breaks, the current ones must still fit in the new hours.
    with pytest.raises(WorkflowError, match="sort des horaires"):
        hearings.update_session(staff, session, ends_at=time(12, 0))


# Generating the schedule ---------------------------------------------------------------------


def test_generate_orders_by_category_then_reference(staff, setup, session):
    slots = hearings.generate_schedule(staff, session)

    assert [s.dossier_id for s in slots] == [d.pk for d in hearing_order(setup.dossiers)]
    stored = slots_of(session)
    assert [s.dossier_id for s in stored] == [d.pk for d in hearing_order(setup.dossiers)]
    assert stored[0].starts_at == at(8, 30)
    assert all(s.ends_at - s.starts_at == timedelta(minutes=15) for s in stored)
    assert hearings.overlaps(session) == []


def test_generate_skips_dossiers_not_preselected_or_heard_elsewhere(staff, setup, session):
    other = create_session(staff, setup.jury, date=DAY + timedelta(days=1))
    heard_elsewhere = setup.dossiers[0]
    HearingSlot.objects.create(
        session=other, dossier=heard_elsewhere, starts_at=at(9), ends_at=at(9, 15)
    )
    preselected(setup.jury, state=DossierState.NOT_SELECTED)
    preselected(setup.jury, state=DossierState.SUBMITTED)

    slots = hearings.generate_schedule(staff, session)

    assert {s.dossier_id for s in slots} == {d.pk for d in setup.dossiers[1:]}


def test_the_33_dossiers_of_the_reference_case_are_heard_in_one_day(staff):
    setup = hearing_setup(33, n_members=1, categories=6)
    session = create_session(staff, setup.jury)

    slots = hearings.generate_schedule(staff, session)

    assert len(slots) == 33
    assert hearings.overlaps(session) == []
    lunch = (at(12, 30), at(13, 30))
    for slot in slots:
        assert at(8, 30) <= slot.starts_at and slot.ends_at <= at(18, 30)
        assert not intervals_overlap(slot.starts_at, slot.ends_at, *lunch)
    for a, b in combinations(slots, 2):
        assert not intervals_overlap(a.starts_at, a.ends_at, b.starts_at, b.ends_at)
    assert [s.dossier_id for s in slots] == [d.pk for d in hearing_order(setup.dossiers)]


def test_generate_refuses_when_the_dossiers_do_not_fit(staff, setup):
    session = create_session(
        staff, setup.jury, starts_at=time(9, 0), ends_at=time(10, 0), breaks=[]
    )
    with pytest.raises(WorkflowError, match="4 auditions sur 5"):
        hearings.generate_schedule(staff, session)
    assert not HearingSlot.objects.exists()

    slots = hearings.generate_schedule(staff, session, fill=True)
    assert [s.dossier_id for s in slots] == [d.pk for d in hearing_order(setup.dossiers)[:4]]


def test_generate_without_dossiers_is_refused(staff):
    setup = hearing_setup(0)
    session = create_session(staff, setup.jury)
    with pytest.raises(WorkflowError, match="Aucun dossier"):
        hearings.generate_schedule(staff, session)


def test_generate_again_replaces_the_slots(staff, setup, session):
    hearings.generate_schedule(staff, session)
    hearings.update_session(staff, session, starts_at=time(9, 0))
    hearings.generate_schedule(staff, session)
    slots = slots_of(session)
    assert len(slots) == 5 and slots[0].starts_at == at(9, 0)


def test_regenerating_a_published_schedule_needs_the_flag(
    staff, setup, session, django_capture_on_commit_callbacks
):
    hearings.generate_schedule(staff, session)
    publish(staff, session, django_capture_on_commit_callbacks)
    with pytest.raises(WorkflowError, match="déjà publié"):
        hearings.generate_schedule(staff, session)

    hearings.update_session(staff, session, starts_at=time(9, 0))
    slots = hearings.generate_schedule(staff, session, regenerate=True)
    assert slots[0].starts_at == at(9, 0)
    session.refresh_from_db()
    assert session.published_at is not None
    assert publication.pending_changes(session, slots_of(session)) == {d.pk for d in setup.dossiers}


# Editing by hand -----------------------------------------------------------------------------


def test_move_slot_to_a_free_time(staff, session):
    hearings.generate_schedule(staff, session)
    slot = slots_of(session)[0]
    moved = hearings.move_slot(staff, slot, starts_at=at(17, 0))
    assert (moved.starts_at, moved.ends_at) == (at(17, 0), at(17, 15))
    assert hearings.overlaps(session) == []
    assert audit.history(moved).filter(action="hearing_move_slot").exists()


@pytest.mark.parametrize(
    ("hour", "minute", "message"),
    [
        (8, 40, "chevauche celui du dossier"),
        (12, 20, "chevauche la pause « Déjeuner »"),
        (18, 20, "sort des horaires"),
        (8, 0, "sort des horaires"),
    ],
)
def test_move_slot_onto_a_conflict_is_refused(staff, session, hour, minute, message):
    hearings.generate_schedule(staff, session)
    slot = slots_of(session)[-1]
    before = (slot.starts_at, slot.ends_at)
    with pytest.raises(WorkflowError, match=message):
        hearings.move_slot(staff, slot, starts_at=at(hour, minute))
    slot.refresh_from_db()
    assert (slot.starts_at, slot.ends_at) == before


def test_overlaps_reports_slots_breaks_and_hours(staff, setup, session):
    first, second, third = setup.dossiers[:3]
    HearingSlot.objects.create(session=session, dossier=first, starts_at=at(9), ends_at=at(9, 15))
    HearingSlot.objects.create(
        session=session, dossier=second, starts_at=at(9, 10), ends_at=at(9, 25)
    )
    HearingSlot.objects.create(
        session=session, dossier=third, starts_at=at(12, 20), ends_at=at(12, 35)
    )

    problems = hearings.overlaps(session)

    assert len(problems) == 2
    assert problems[0].slot.dossier == first and problems[0].other.dossier == second
    assert problems[1].slot.dossier == third and problems[1].brk.label == "Déjeuner"
    assert "chevauche" in problems[0].message and first.reference in problems[0].message

    hearings.update_session(staff, session, starts_at=time(9, 5), breaks=[])
    session.refresh_from_db()
    messages = [p.message for p in hearings.overlaps(session)]
    assert any("sort des horaires" in m and first.reference in m for m in messages)


def test_mark_absent_and_back(staff, session):
    hearings.generate_schedule(staff, session)
    slot = slots_of(session)[0]
    assert hearings.mark_absent(staff, slot).absent is True
    assert hearings.mark_absent(staff, slot, absent=False).absent is False
    actions = list(audit.history(slot.dossier).values_list("action", flat=True))
    assert actions[:2] == ["hearing_present", "hearing_absent"]


# Publication ---------------------------------------------------------------------------------


def test_publish_emails_each_applicant_their_slot_and_each_juror_the_day(
    staff, setup, session, django_capture_on_commit_callbacks
):
    conflicted = setup.dossiers[0]
    ConflictFactory(member=setup.members[0], dossier=conflicted)
    hearings.generate_schedule(staff, session)

    counts = publish(staff, session, django_capture_on_commit_callbacks)

    assert counts == {"applicants": 5, "jurors": 2}
    assert len(mail.outbox) == 7
    session.refresh_from_db()
    assert session.published_at is not None
    for index, dossier in enumerate(setup.dossiers):
        slot = HearingSlot.objects.get(dossier=dossier)
        start = timezone.localtime(slot.starts_at).strftime("%H:%M")
        [email] = emails_to(f"contact-{setup.jury.pk}-{index}@exemple.gouv.fr")
        # The administration's agents get the same email as the dossier's contact.
        assert f"agent-{setup.jury.pk}-{index}@exemple.gouv.fr" in email.to
        assert dossier.reference in email.subject and "Convocation" in email.subject
        assert f"de {start} à" in email.body
        assert "mercredi 10 février 2021" in email.body
        assert "20 avenue de Ségur" in email.body
        assert dossier.get_absolute_url() in email.body
        others = [d.reference for d in setup.dossiers if d != dossier]
        assert not any(ref in email.body for ref in others)

    first_juror, second_juror = (emails_to(m.user.email) for m in setup.members)
    assert len(first_juror) == len(second_juror) == 1
    body = first_juror[0].body
    assert all(d.reference in body for d in setup.dossiers)
    assert body.count("Conflit d’intérêts déclaré") == 1
    assert "Déjeuner" in body and "/jury/" in body
    assert "Conflit d’intérêts déclaré" not in second_juror[0].body
    assert OutgoingEmail.objects.filter(topic="hearing").count() == 7


def test_nothing_is_sent_before_commit(staff, session):
    hearings.generate_schedule(staff, session)
    mail.outbox.clear()
    publication.publish_schedule(staff, session)  # the test's transaction never commits
    assert mail.outbox == []


def test_publishing_again_notifies_only_the_changed_slots(
    staff, setup, session, django_capture_on_commit_callbacks
):
    hearings.generate_schedule(staff, session)
    publish(staff, session, django_capture_on_commit_callbacks)

    with pytest.raises(WorkflowError, match="déjà à jour"):
        publish(staff, session, django_capture_on_commit_callbacks)
    assert mail.outbox == []

    moved = slots_of(session)[0]
    hearings.move_slot(staff, moved, starts_at=at(17, 0))
    session.refresh_from_db()
    assert publication.pending_changes(session, slots_of(session)) == {moved.dossier_id}

    counts = publish(staff, session, django_capture_on_commit_callbacks)

    assert counts == {"applicants": 1, "jurors": 2}
    applicant_emails = [m for m in mail.outbox if "Audition modifiée" in m.subject]
    assert len(applicant_emails) == 1 and moved.dossier.reference in applicant_emails[0].subject
    assert "de 17:00 à 17:15" in applicant_emails[0].body
    assert sum("mis à jour" in m.subject for m in mail.outbox) == 2
    assert publication.pending_changes(session, slots_of(session)) == set()


def test_changing_the_place_notifies_every_applicant(
    staff, setup, session, django_capture_on_commit_callbacks
):
    hearings.generate_schedule(staff, session)
    publish(staff, session, django_capture_on_commit_callbacks)
    hearings.update_session(staff, session, video_link="https://webconf.numerique.gouv.fr/jury")

    counts = publish(staff, session, django_capture_on_commit_callbacks)

    assert counts == {"applicants": 5, "jurors": 2}
    assert all("webconf.numerique.gouv.fr/jury" in m.body for m in mail.outbox)


def test_removing_a_slot_lets_the_jurors_be_told(
    staff, setup, session, django_capture_on_commit_callbacks
):
    hearings.generate_schedule(staff, session)
    publish(staff, session, django_capture_on_commit_callbacks)
    slots_of(session)[-1].delete()

    counts = publish(staff, session, django_capture_on_commit_callbacks)

    assert counts == {"applicants": 0, "jurors": 2}


def test_publish_refuses_an_incomplete_schedule(
    staff, setup, session, django_capture_on_commit_callbacks
):
    with pytest.raises(WorkflowError, match="Générez le planning"):
        publish(staff, session, django_capture_on_commit_callbacks)

    first, second = setup.dossiers[:2]
    HearingSlot.objects.create(session=session, dossier=first, starts_at=at(9), ends_at=at(9, 15))
    HearingSlot.objects.create(
        session=session, dossier=second, starts_at=at(9, 5), ends_at=at(9, 20)
    )
    with pytest.raises(WorkflowError, match="chevauchements"):
        publish(staff, session, django_capture_on_commit_callbacks)

    HearingSlot.objects.filter(dossier=second).delete()
    hearings.update_session(staff, session, place="")
    with pytest.raises(WorkflowError, match="lieu ou le lien"):
        publish(staff, session, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    session.refresh_from_db()
    assert session.published_at is None


# Guards --------------------------------------------------------------------------------------


def test_every_action_is_refused_to_non_staff(staff, setup, session):
    hearings.generate_schedule(staff, session)
    slot = slots_of(session)[0]
    juror = setup.members[0].user
    for user in (juror, UserFactory()):
        for action in (
            lambda u: create_session(u, setup.jury),
            lambda u: hearings.update_session(u, session, place="Ailleurs"),
            lambda u: hearings.generate_schedule(u, session),
            lambda u: hearings.move_slot(u, slot, starts_at=at(17)),
            lambda u: hearings.mark_absent(u, slot),
            lambda u: publication.publish_schedule(u, session),
        ):
            with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
                action(user)
    assert HearingSession.objects.count() == 1
    assert HearingBreak.objects.count() == 1
    slot.refresh_from_db()
    assert slot.starts_at == at(8, 30) and not slot.absent
