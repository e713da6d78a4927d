"""« Rectificatifs » of published results: prepared, then published as one, with the official
date, the history page and the emails to the administrations concerned."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jury.deliberation import corrections
from jury.deliberation import workflow as wf
from jury.models import Award, ResultAmendment, ResultCorrection
from jury.results.cache import results_changed_at
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import WorkflowError
from submissions.models import DossierState
from tests.factories import AdministrationFactory, CategoryFactory, DossierFactory, agent_of
from tests.jury.factories import JuryFactory, preselected

pytestmark = pytest.mark.django_db
S = DossierState
K = ResultAmendment.Kind
PAST = date(2021, 4, 12)


@pytest.fixture
def world(staff):
    jury = JuryFactory(call__envelope=Decimal("200000"))
    call = jury.call
    data, tools = CategoryFactory(call=call, name="Données"), CategoryFactory(call=call)
    first, second = AdministrationFactory(), AdministrationFactory()
    agent_one = agent_of(first, email="agente@premiere.gouv.fr")
    agent_two = agent_of(second, email="agent@seconde.gouv.fr")
    one = preselected(jury, administration=first, category=data, title="Entrepôt RH")
    two = preselected(jury, category=data, title="Tableau de bord")
    three = preselected(
        jury, category=tools, title="Référentiel", requested_amount=Decimal("140000")
    )
    for dossier in (one, two, three):
        wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal("30000"))
    wf.publish_results(staff, call)
    registered = DossierFactory(
        call=call,
        administration=second,
        state=S.SUBMITTED,
        submitted_at=timezone.now(),
        registered_by=staff,
        registered_at=timezone.now(),
        received_via="email",
        requested_amount=Decimal("50000"),
        title="Dossier reçu par courrier",
    )
    return {
        "call": call,
        "data": data,
        "tools": tools,
        "second": second,
        "one": one,
        "two": two,
        "three": three,
        "registered": registered,
        "agents": (agent_one, agent_two),
    }


def refresh(obj):
    obj.refresh_from_db()
    return obj


def prepared(staff, w, **header):
    correction = corrections.create_correction(
        staff,
        w["call"],
        official_date=header.get("official_date", PAST),
        reason="Arrêté modificatif du jury.",
        act_reference="Décision n° 2021-042",
    )
    corrections.plan_change(
        staff, correction, K.ADD_LAUREATE, w["registered"], granted_amount="25000"
    )
    corrections.plan_change(staff, correction, K.MOVE_CATEGORY, w["two"], category=w["tools"])
    corrections.plan_change(
        staff, correction, K.CORRECT_TITLE, w["three"], title="Référentiel unique", subtitle="v2"
    )
    corrections.plan_change(
        staff, correction, K.CHANGE_ADMINISTRATION, w["one"], administration=w["second"]
    )
    return correction


def test_publish_applies_every_change_as_one_correction(staff, world, mailoutbox):
    before = results_changed_at()
    correction = prepared(staff, world)
    assert refresh(world["two"]).category == world["data"]  # nothing applied before publishing
    done = corrections.publish_correction(staff, correction)
    assert [a.kind for a in done] == [
        K.ADD_LAUREATE,
        K.MOVE_CATEGORY,
        K.CORRECT_TITLE,
        K.CHANGE_ADMINISTRATION,
    ]
    assert {a.correction_id for a in done} == {correction.pk}
    registered = refresh(world["registered"])
    assert registered.state == S.LAUREATE
    assert registered.award.granted_amount == Decimal("25000")
    assert registered.award.slug
    assert refresh(world["two"]).category == world["tools"]
    assert refresh(world["three"]).title == "Référentiel unique"
    assert refresh(world["one"]).administration == world["second"]
    correction = refresh(correction)
    assert correction.published_at is not None and correction.official_date == PAST
    assert results_changed_at() > before  # every cached copy is stale
    assert AuditEntry.objects.filter(action="correction_publish").count() == 1
    assert AuditEntry.objects.filter(action="amend_results_move_category").count() == 1


def test_publication_emails_every_administration_concerned(staff, world):
    corrections.publish_correction(staff, prepared(staff, world))
    emails = list(OutgoingEmail.objects.filter(subject__contains="Rectificatif"))
    recipients = {address for email in emails for address in email.to}
    # The first administration lost a dossier, the second gained two.
    assert {"agente@premiere.gouv.fr", "agent@seconde.gouv.fr"} <= recipients
    body = next(e.body for e in emails if "agent@seconde.gouv.fr" in e.to)
    assert "12 avril 2021" in body and "Décision n° 2021-042" in body


def test_one_failing_change_applies_nothing_and_keeps_the_draft(staff, world):
    correction = prepared(staff, world)
    # Beyond the envelope: 90 000 € committed, 200 000 € in all.
    corrections.plan_change(
        staff, correction, K.CHANGE_AMOUNT, world["three"], granted_amount="140000"
    )
    with pytest.raises(WorkflowError, match=r"Modification 5 : .*enveloppe"):
        corrections.publish_correction(staff, correction)
    assert refresh(world["registered"]).state == S.SUBMITTED
    assert refresh(world["two"]).category == world["data"]
    assert not ResultAmendment.objects.exists()
    assert refresh(correction).published_at is None
    assert len(refresh(correction).planned) == 5
    assert not OutgoingEmail.objects.filter(subject__contains="Rectificatif").exists()


def test_remove_and_change_amount(staff, world):
    correction = corrections.create_correction(
        staff, world["call"], official_date=timezone.localdate(), reason="Projet abandonné."
    )
    corrections.plan_change(staff, correction, K.REMOVE_LAUREATE, world["one"])
    corrections.plan_change(staff, correction, K.CHANGE_AMOUNT, world["two"], granted_amount="1")
    corrections.publish_correction(staff, correction)
    assert refresh(world["one"]).state == S.NOT_SELECTED
    assert Award.objects.get(dossier=world["two"]).granted_amount == Decimal("1.00")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"official_date": "hier"}, "date de la décision"),
        ({"official_date": timezone.localdate() + timedelta(days=2)}, "à venir"),
        ({"reason": "  "}, "motif"),
        ({"act_reference": "x" * 201}, "trop longue"),
        ({"summary": "x" * 601}, "trop long"),
    ],
)
def test_correction_header_is_checked(staff, world, header, message):
    values = {"official_date": PAST, "reason": "Motif.", "act_reference": "", "summary": ""}
    with pytest.raises(WorkflowError, match=message):
        corrections.create_correction(staff, world["call"], **{**values, **header})
    assert not ResultCorrection.objects.exists()


def test_only_the_programmes_staff_prepare_and_publish(staff, user, world):
    with pytest.raises(WorkflowError):
        corrections.create_correction(user, world["call"], official_date=PAST, reason="Motif.")
    correction = prepared(staff, world)
    with pytest.raises(WorkflowError):
        corrections.publish_correction(user, correction)
    with pytest.raises(WorkflowError):
        corrections.plan_change(user, correction, K.REMOVE_LAUREATE, world["one"])
    assert refresh(correction).published_at is None


def test_published_correction_is_frozen_and_publishes_once(staff, world):
    correction = prepared(staff, world)
    corrections.publish_correction(staff, correction)
    with pytest.raises(WorkflowError, match="déjà publié"):
        corrections.publish_correction(staff, correction)
    with pytest.raises(WorkflowError, match="déjà publié"):
        corrections.plan_change(staff, correction, K.REMOVE_LAUREATE, world["one"])
    assert ResultAmendment.objects.count() == 4


def test_changes_are_checked_on_the_call(staff, world):
    correction = prepared(staff, world)
    with pytest.raises(WorkflowError, match="n’appartient pas"):
        corrections.plan_change(staff, correction, K.REMOVE_LAUREATE, DossierFactory())
    with pytest.raises(WorkflowError, match="inconnu"):
        corrections.plan_change(staff, correction, "rename_everything", world["one"])
    other_category = CategoryFactory()
    corrections.drop_change(staff, correction, 3)
    corrections.plan_change(
        staff, correction, K.MOVE_CATEGORY, world["one"], category=other_category
    )
    with pytest.raises(WorkflowError, match=r"Modification 4 : .*catégorie"):
        corrections.publish_correction(staff, correction)


def test_a_plain_submitted_dossier_cannot_be_added(staff, world):
    plain = DossierFactory(call=world["call"], state=S.SUBMITTED, submitted_at=timezone.now())
    correction = corrections.create_correction(
        staff, world["call"], official_date=PAST, reason="Motif."
    )
    corrections.plan_change(staff, correction, K.ADD_LAUREATE, plain, granted_amount="100")
    with pytest.raises(WorkflowError, match="ne peut pas devenir lauréat"):
        corrections.publish_correction(staff, correction)
    assert refresh(plain).state == S.SUBMITTED


def test_history_page_and_call_page_show_the_official_date(client, staff, world):
    history = reverse("jury:results_history", args=[world["call"].slug])
    assert "n’ont pas été modifiés" in client.get(history).content.decode()
    corrections.publish_correction(staff, prepared(staff, world))
    page = client.get(history).content.decode()
    assert "Rectificatif du 12 avril 2021" in page
    assert page.count('class="history-change"') == 4
    assert "Référentiel → " not in page  # before and after are separate columns
    assert "Référentiel unique" in page and world["tools"].name in page
    assert "Arrêté modificatif du jury." in page
    call_page = client.get(reverse("calls:detail", args=[world["call"].slug])).content.decode()
    assert "Résultats mis à jour le" in call_page
    assert '<time datetime="2021-04-12">12 avril 2021</time>' in call_page


def test_history_page_runs_constant_queries(client, staff, world, django_assert_max_num_queries):
    history = reverse("jury:results_history", args=[world["call"].slug])
    corrections.publish_correction(staff, prepared(staff, world))
    with django_assert_max_num_queries(40) as one:
        client.get(history)
    correction = corrections.create_correction(
        staff, world["call"], official_date=PAST, reason="Second."
    )
    corrections.plan_change(staff, correction, K.REMOVE_LAUREATE, world["three"])
    corrections.plan_change(staff, correction, K.CHANGE_AMOUNT, world["two"], granted_amount="2")
    corrections.publish_correction(staff, correction)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(history)


def test_history_of_unpublished_results_is_not_found(client, staff):
    jury = JuryFactory()
    preselected(jury)
    response = client.get(reverse("jury:results_history", args=[jury.call.slug]))
    assert response.status_code == 404


def test_a_windows_published_decisions_can_be_corrected(client):
    from jury.committee import workflow as committee
    from tests.jury import window_data as wd

    w = wd.window(envelope=Decimal("120000"))
    accepted, _ = wd.submitted(w)
    refused, _ = wd.submitted(w)
    waiting, _ = wd.submitted(w)
    wd.proposed(w, accepted)
    wd.proposed(w, refused, accept=False)
    march = wd.session(w)
    for item in wd.on_agenda(w, march, accepted, refused):
        committee.follow_proposal(w.staff, item)
    # Not published yet: nothing to correct.
    correction = corrections.create_correction(
        w.staff, w.call, official_date=PAST, reason="Erreur de saisie."
    )
    corrections.plan_change(
        w.staff, correction, K.CORRECT_TITLE, accepted, title="Nouveau titre", subtitle=""
    )
    with pytest.raises(WorkflowError, match="Aucune séance"):
        corrections.publish_correction(w.staff, correction)
    committee.publish_session(w.staff, march)
    # A dossier still waiting for the committee is not part of the published results.
    corrections.plan_change(w.staff, correction, K.REMOVE_LAUREATE, waiting)
    with pytest.raises(WorkflowError, match=r"Modification 2 : .*résultats publiés"):
        corrections.publish_correction(w.staff, correction)
    corrections.drop_change(w.staff, correction, 1)
    corrections.plan_change(w.staff, correction, K.ADD_LAUREATE, refused, granted_amount="40000")
    done = corrections.publish_correction(w.staff, correction)
    assert [a.deliberation_id for a in done] == [None, None]
    refused = refresh(refused)
    assert refused.state == S.LAUREATE
    assert Award.objects.published().filter(dossier=refused).exists()
    assert refresh(accepted).title == "Nouveau titre"
    history = client.get(reverse("jury:results_history", args=[w.call.slug]))
    assert history.content.decode().count('class="history-change"') == 2


def test_the_demo_shows_a_published_correction(seeded, client):
    from calls.demo import CONTINUOUS_SLUG

    history = client.get(reverse("jury:results_history", args=[CONTINUOUS_SLUG]))
    content = history.content.decode()
    assert "Rectificatif du 24 juin 2021" in content
    assert content.count('class="history-change"') == 1
    assert "Projet porté avec les services déconcentrés" in content
