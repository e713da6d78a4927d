"""A continuous window's instruction and committee, through their workflow functions."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from calls.models import CallStatus
from jury.committee import workflow as committee
from jury.committee.envelope import envelope_of
from jury.deliberation import workflow as deliberation
from jury.models import AgendaItem, Award
from relance.formatting import PARIS
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import WorkflowError
from submissions import instruction
from submissions import workflow as dossier_workflow
from submissions.models import DossierState, Proposal
from tests.factories import (
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
)
from tests.jury.factories import AwardFactory, JuryFactory, preselected
from tests.jury.window_data import on_agenda, proposed, session, submitted, window

pytestmark = pytest.mark.django_db
S = DossierState


def refresh(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def w():
    return window(envelope=Decimal("200000.00"))


# Instruction -------------------------------------------------------------------------------


def test_submission_sets_the_instruction_due_date(w):
    dossier, _ = submitted(w)
    today = timezone.localtime(dossier.submitted_at, PARIS).date()
    assert dossier.instruction_due_on == today + timedelta(days=30)


def test_a_round_has_no_instruction_due_date():
    from tests.factories import CallFactory, CategoryFactory

    w2 = window()
    w2.call = CallFactory(instruction_days=30)
    w2.category = CategoryFactory(call=w2.call)
    dossier, _ = submitted(w2)
    assert dossier.instruction_due_on is None


def test_the_instructor_is_one_of_the_programme(w):
    dossier, agent = submitted(w)
    colleague = StaffFactory(programmes=[w.call.programme])
    assert instruction.assign_instructor(w.staff, dossier, instructor=colleague).instructor == (
        colleague
    )
    outsider = StaffFactory(programmes=[ProgrammeFactory()])
    with pytest.raises(WorkflowError, match="n’instruit pas"):
        instruction.assign_instructor(w.staff, dossier, instructor=outsider)
    with pytest.raises(WorkflowError):
        instruction.assign_instructor(agent, dossier, instructor=colleague)
    with pytest.raises(WorkflowError):
        instruction.assign_instructor(outsider, dossier, instructor=colleague)
    assert refresh(dossier).instructor == colleague
    assert AuditEntry.objects.filter(action="assign_instructor").count() == 1


def test_the_due_date_moves_for_a_reason(w):
    dossier, _ = submitted(w)
    later = dossier.instruction_due_on + timedelta(days=15)
    with pytest.raises(WorkflowError, match="motif"):
        instruction.set_due_date(w.staff, dossier, due_on=later, reason="")
    with pytest.raises(WorkflowError, match="précéder le dépôt"):
        instruction.set_due_date(w.staff, dossier, due_on=date(2000, 1, 1), reason="x")
    instruction.set_due_date(w.staff, dossier, due_on=later, reason="Pièces attendues")
    assert refresh(dossier).instruction_due_on == later


def test_a_proposal_grants_at_most_the_requested_amount(w):
    dossier, _ = submitted(w, requested=Decimal("40000.00"))
    with pytest.raises(WorkflowError, match="dépasse le montant demandé"):
        instruction.record_proposal(w.staff, dossier, proposal=Proposal.ACCEPT, amount="40000.01")
    with pytest.raises(WorkflowError, match="positif"):
        instruction.record_proposal(w.staff, dossier, proposal=Proposal.ACCEPT, amount="0")
    with pytest.raises(WorkflowError, match="montant"):
        instruction.record_proposal(w.staff, dossier, proposal=Proposal.ACCEPT, amount="abc")
    with pytest.raises(WorkflowError, match="motif"):
        instruction.record_proposal(w.staff, dossier, proposal=Proposal.REFUSE)
    with pytest.raises(WorkflowError, match="inconnue"):
        instruction.record_proposal(w.staff, dossier, proposal="maybe")
    assert refresh(dossier).proposal == ""
    instruction.record_proposal(w.staff, dossier, proposal=Proposal.ACCEPT, amount="35 000,50")
    dossier = refresh(dossier)
    assert (dossier.proposal, dossier.proposed_amount) == (Proposal.ACCEPT, Decimal("35000.50"))
    assert dossier.proposed_by == w.staff


def test_a_proposal_waits_for_the_additions(w):
    dossier, agent = submitted(w)
    proposed(w, dossier)
    dossier_workflow.request_additions(w.staff, dossier, message="Le budget détaillé, svp.")
    dossier = refresh(dossier)
    assert dossier.state == S.INCOMPLETE and dossier.proposal == ""
    with pytest.raises(WorkflowError, match="Seul un dossier déposé"):
        proposed(w, dossier)
    dossier_workflow.complete(agent, dossier, reply="Voici le budget.")
    assert proposed(w, refresh(dossier)).proposal == Proposal.ACCEPT


def test_the_applicant_no_longer_edits_a_proposed_dossier(w):
    dossier, agent = submitted(w)
    dossier_workflow.update_dossier(
        agent, dossier, {"timeline": "Huit mois."}, version=dossier.version
    )
    dossier = proposed(w, refresh(dossier))
    with pytest.raises(WorkflowError, match="instruction de ce dossier est terminée"):
        dossier_workflow.update_dossier(
            agent, dossier, {"timeline": "Dix mois."}, version=dossier.version
        )
    assert refresh(dossier).timeline == "Huit mois."


def test_a_withdrawn_dossier_loses_its_proposal(w):
    dossier, agent = submitted(w)
    proposed(w, dossier)
    dossier_workflow.withdraw(agent, dossier)
    assert refresh(dossier).proposal == ""


# Sessions and agenda -----------------------------------------------------------------------


def test_sessions_belong_to_published_windows_only(w):
    from tests.factories import CallFactory

    with pytest.raises(WorkflowError, match="guichet en continu"):
        committee.create_session(w.staff, CallFactory(), date=date(2021, 3, 1))
    draft = window(published_at=None)
    draft.staff = w.staff
    with pytest.raises(WorkflowError, match="Publiez le guichet"):
        session(draft)
    session(w, date(2021, 3, 15))
    with pytest.raises(WorkflowError, match="déjà une séance le 15 mars 2021"):
        session(w, date(2021, 3, 15))
    outsider = StaffFactory(programmes=[ProgrammeFactory()])
    with pytest.raises(WorkflowError):
        committee.create_session(outsider, w.call, date=date(2021, 4, 15))


def test_the_agenda_takes_proposed_dossiers_once(w):
    ready, _ = submitted(w)
    unproposed, _ = submitted(w)
    proposed(w, ready)
    march, april = session(w, date(2021, 3, 15)), session(w, date(2021, 4, 15))
    with pytest.raises(WorkflowError, match="pas encore de proposition"):
        committee.add_to_agenda(w.staff, march, [ready, unproposed])
    assert not AgendaItem.objects.exists()  # all or nothing
    assert list(committee.agenda_candidates(w.call)) == [ready]
    on_agenda(w, march, ready)
    with pytest.raises(WorkflowError, match="déjà à l’ordre du jour du Comité du 15 mars 2021"):
        committee.add_to_agenda(w.staff, april, [ready])
    other_window = window()
    foreign, _ = submitted(other_window)
    with pytest.raises(WorkflowError, match="n’appartient pas"):
        committee.add_to_agenda(w.staff, march, [foreign])
    assert list(committee.agenda_candidates(w.call)) == []


def test_a_dossier_taken_off_the_agenda_waits_for_the_next_session(w):
    dossier, _ = submitted(w)
    proposed(w, dossier)
    march, april = session(w, date(2021, 3, 15)), session(w, date(2021, 4, 15))
    [item] = on_agenda(w, march, dossier)
    committee.follow_proposal(w.staff, item)
    committee.remove_from_agenda(w.staff, item)
    assert not Award.objects.filter(dossier=dossier).exists()
    on_agenda(w, april, dossier)
    assert refresh(dossier).agenda_item.session == april


# Decisions and publication -----------------------------------------------------------------


def test_a_decision_is_at_most_the_requested_amount_and_a_refusal_has_a_reason(w):
    dossier, _ = submitted(w, requested=Decimal("30000.00"))
    proposed(w, dossier)
    [item] = on_agenda(w, session(w), dossier)
    with pytest.raises(WorkflowError, match="dépasse le cofinancement demandé"):
        committee.record_decision(
            w.staff, item, decision=Award.Decision.LAUREATE, granted_amount="30000.01"
        )
    with pytest.raises(WorkflowError, match="motif du refus"):
        committee.record_decision(w.staff, item, decision=Award.Decision.NOT_SELECTED)
    with pytest.raises(WorkflowError, match="ne reçoit pas de cofinancement"):
        committee.record_decision(
            w.staff, item, decision=Award.Decision.NOT_SELECTED, granted_amount="10", reason="x"
        )
    award = committee.record_decision(
        w.staff, item, decision=Award.Decision.LAUREATE, granted_amount="25000"
    )
    assert award.session == item.session and award.granted_amount == Decimal("25000.00")
    assert refresh(dossier).state == S.SUBMITTED  # recorded, not published


def test_a_decision_beyond_the_envelope_is_refused(w):
    big, _ = submitted(w, requested=Decimal("99999.99"))
    bigger, _ = submitted(w, requested=Decimal("99999.99"))
    third, _ = submitted(w, requested=Decimal("20000.00"))
    for d in (big, bigger, third):
        proposed(w, d)
    items = on_agenda(w, session(w), big, bigger, third)
    committee.follow_proposal(w.staff, items[0])
    committee.follow_proposal(w.staff, items[1])
    assert envelope_of(w.call).remaining == Decimal("0.02")
    with pytest.raises(WorkflowError) as refused:
        committee.follow_proposal(w.staff, items[2])
    assert refused.value.message == (
        f"{third.reference} : cette décision dépasserait l’enveloppe de l’appel. Il reste "
        "0,02\u00a0€ à engager sur 200\u00a0000,00\u00a0€ ; la décision en engagerait "
        "20\u00a0000,00\u00a0€."
    )
    # Lowering one decision makes room; changing a decision counts it once.
    committee.record_decision(
        w.staff, items[1], decision=Award.Decision.LAUREATE, granted_amount="79999.99"
    )
    committee.follow_proposal(w.staff, items[2])
    assert envelope_of(w.call).remaining == Decimal("0.02")
    assert envelope_of(w.call).published == Decimal("0")


def test_publication_decides_emails_and_keeps_the_window_open(
    w, django_capture_on_commit_callbacks
):
    accepted, agent = submitted(w, requested=Decimal("99999.99"))
    refused, other_agent = submitted(w)
    proposed(w, accepted)
    proposed(w, refused, accept=False, reason="Le projet ne porte pas sur la donnée.")
    march = session(w)
    items = on_agenda(w, march, accepted, refused)
    committee.follow_proposal(w.staff, items[0])
    with pytest.raises(
        WorkflowError,
        match=f"1 dossier de l’ordre du jour sans décision du comité : {refused.reference}",
    ):
        committee.publish_session(w.staff, march)
    committee.follow_proposal(w.staff, items[1])
    outsider = StaffFactory(programmes=[ProgrammeFactory()])
    with pytest.raises(WorkflowError):
        committee.publish_session(outsider, march)
    with django_capture_on_commit_callbacks(execute=True):
        assert committee.publish_session(w.staff, march) == {"laureate": 1, "not_selected": 1}
    accepted, refused = refresh(accepted), refresh(refused)
    assert accepted.state == S.LAUREATE and accepted.award.slug
    assert refused.state == S.NOT_SELECTED
    assert refused.decision_reason == "Le projet ne porte pas sur la donnée."
    assert refresh(march).published_at is not None
    laureate_mail, refusal_mail = (
        OutgoingEmail.objects.get(topic="results", to__contains=[a.email])
        for a in (agent, other_agent)
    )
    assert "est lauréat" in laureate_mail.body and "99\u00a0999,99\u00a0€" in laureate_mail.body
    assert "Motif : Le projet ne porte pas sur la donnée." in refusal_mail.body
    call = refresh(w.call)
    assert call.results_published_at is None and call.status == CallStatus.OPEN
    assert envelope_of(call).published == Decimal("99999.99")
    # The window takes the next dossier; the published session is frozen.
    later, _ = submitted(w)
    assert later.state == S.SUBMITTED
    with pytest.raises(WorkflowError, match="sont publiées"):
        committee.publish_session(w.staff, march)
    proposed(w, later)
    with pytest.raises(WorkflowError, match="sont publiées"):
        committee.add_to_agenda(w.staff, march, [later])
    with pytest.raises(WorkflowError, match="sont publiées"):
        committee.remove_from_agenda(w.staff, items[0])
    with pytest.raises(WorkflowError, match="sont publiées"):
        committee.delete_session(w.staff, march)


def test_a_withdrawn_dossier_must_leave_the_agenda_before_publication(w):
    dossier, agent = submitted(w)
    proposed(w, dossier)
    march = session(w)
    [item] = on_agenda(w, march, dossier)
    committee.follow_proposal(w.staff, item)
    dossier_workflow.withdraw(agent, dossier)
    with pytest.raises(WorkflowError, match="n’est plus en instruction"):
        committee.publish_session(w.staff, march)
    with pytest.raises(WorkflowError, match="« Retiré » : le comité ne peut plus en décider"):
        committee.record_decision(w.staff, item, decision="not_selected", reason="Retiré")
    committee.remove_from_agenda(w.staff, item)
    with pytest.raises(WorkflowError, match="ordre du jour est vide"):
        committee.publish_session(w.staff, march)


def test_a_window_closes_once_its_published_decisions_use_the_envelope_up():
    w = window(envelope=Decimal("60000.00"))
    a, _ = submitted(w, requested=Decimal("40000.00"))
    b, _ = submitted(w, requested=Decimal("20000.00"))
    for d in (a, b):
        proposed(w, d)
    march = session(w)
    for item in on_agenda(w, march, a, b):
        committee.follow_proposal(w.staff, item)
    assert refresh(w.call).status == CallStatus.OPEN  # recorded is not published
    committee.publish_session(w.staff, march)
    call = refresh(w.call)
    assert call.envelope_exhausted_at is not None and call.status == CallStatus.CLOSED
    assert not call.is_open
    from calls.models import Call

    assert Call.objects.with_status().get(pk=call.pk).status_value == CallStatus.CLOSED


def test_a_window_never_publishes_round_results(w):
    with pytest.raises(WorkflowError, match="séance par séance"):
        deliberation.publish_results(w.staff, w.call)


def test_a_session_deleted_forgets_its_agenda_and_decisions(w):
    dossier, _ = submitted(w)
    proposed(w, dossier)
    march = session(w)
    [item] = on_agenda(w, march, dossier)
    committee.follow_proposal(w.staff, item)
    committee.delete_session(w.staff, march)
    assert not Award.objects.exists() and not AgendaItem.objects.exists()
    assert list(committee.agenda_candidates(w.call)) == [refresh(dossier)]


def test_a_round_decision_respects_the_envelope_too():
    staff = StaffFactory()
    jury = JuryFactory(call__envelope=Decimal("50000.00"))
    first, second = (
        preselected(jury, requested_amount=Decimal("40000.00")),
        preselected(jury, requested_amount=Decimal("40000.00")),
    )
    deliberation.record_award(staff, first, decision="laureate", granted_amount="40000")
    with pytest.raises(WorkflowError, match="dépasserait l’enveloppe"):
        deliberation.record_award(staff, second, decision="laureate", granted_amount="10000.01")
    deliberation.record_award(staff, second, decision="laureate", granted_amount="10000")
    assert envelope_of(jury.call).remaining == Decimal("0.00")


def test_only_staff_of_the_programme_act(w):
    dossier, agent = submitted(w)
    nobody = UserFactory()
    for user in (agent, nobody):
        with pytest.raises(WorkflowError):
            instruction.record_proposal(user, dossier, proposal=Proposal.REFUSE, reason="x")
        with pytest.raises(WorkflowError):
            committee.create_session(user, w.call, date=date(2021, 5, 1))
    assert refresh(dossier).proposal == ""


@pytest.mark.django_db(transaction=True)
def test_two_decisions_racing_for_the_last_euros_one_wins():
    w = window(envelope=Decimal("100000.00"))
    a, _ = submitted(w, requested=Decimal("60000.00"))
    b, _ = submitted(w, requested=Decimal("60000.00"))
    for d in (a, b):
        proposed(w, d)
    items = on_agenda(w, session(w), a, b)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(item):
        try:
            barrier.wait()
            committee.follow_proposal(w.staff, item.pk)
            outcomes.append("recorded")
        except WorkflowError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[1] == "recorded" and "dépasserait l’enveloppe" in sorted(outcomes)[0]
    assert Award.objects.filter(decision="laureate").count() == 1
    assert envelope_of(w.call).committed == Decimal("60000.00")


def test_the_figures_of_a_call_count_its_own_laureates_only(w):
    jury = JuryFactory()
    AwardFactory(dossier=preselected(jury), granted_amount=Decimal("5000.00"))
    dossier, _ = submitted(w, requested=Decimal("10000.00"))
    proposed(w, dossier)
    [item] = on_agenda(w, session(w), dossier)
    committee.follow_proposal(w.staff, item)
    assert envelope_of(w.call).committed == Decimal("10000.00")
    assert envelope_of(jury.call).committed == Decimal("5000.00")
    assert envelope_of(jury.call).remaining is None  # no envelope: nothing remains to show


# The call's other screens --------------------------------------------------------------------


def test_the_envelope_cannot_go_below_what_the_decisions_commit(w):
    from calls import editor
    from calls.editor import CallEditError
    from calls.models import ProgrammeRoleKind
    from tests.factories import grant

    manager = StaffFactory(programmes=[])
    grant(manager, w.call.programme, ProgrammeRoleKind.MANAGER)
    dossier, _ = submitted(w, requested=Decimal("80000.00"))
    proposed(w, dossier)
    [item] = on_agenda(w, session(w), dossier)
    committee.follow_proposal(w.staff, item)
    with pytest.raises(CallEditError) as refused:
        editor.update_call(manager, w.call, fields={"envelope": Decimal("79999.99")})
    assert "engagent 80\u00a0000,00\u00a0€" in str(refused.value.errors["envelope"][0])
    assert refresh(w.call).envelope == Decimal("200000.00")
    editor.update_call(manager, w.call, fields={"envelope": Decimal("80000.00")})
    assert refresh(w.call).envelope == Decimal("80000.00")


def test_the_instruction_dashboard_leads_a_window_through_its_committee(client, w):
    from django.urls import reverse

    def step():
        client.force_login(w.staff)
        page = client.get(reverse("submissions:instruction_home")).content.decode()
        row = page.split(f'data-call="{w.call.slug}"', 1)[1].split("</tr>", 1)[0]
        return row

    assert "Guichet ouvert : aucun dossier déposé" in step()
    dossier, _ = submitted(w)
    assert "Publier la présélection" not in step()
    assert "Guichet ouvert : 1 dossier(s) en instruction." in step()
    proposed(w, dossier)
    assert "Inscrire des dossiers au comité" in step()
    march = session(w)
    [item] = on_agenda(w, march, dossier)
    assert "Réunir le comité" in step()
    committee.follow_proposal(w.staff, item)
    row = step()
    assert "Publier les décisions du comité" in row and 'data-n="pending_committee">1<' in row
    committee.publish_session(w.staff, march)
    assert "Guichet ouvert" in step()


def test_a_hearing_takes_place_on_the_session_day_and_not_after_publication(w):
    from datetime import datetime

    dossier, _ = submitted(w)
    proposed(w, dossier)
    march = session(w, date(2021, 3, 15))
    [item] = on_agenda(w, march, dossier)
    with pytest.raises(WorkflowError, match="pendant la séance, le 15 mars 2021"):
        committee.invite_to_hearing(w.staff, item, at=datetime(2021, 3, 16, 10, 0, tzinfo=PARIS))
    committee.invite_to_hearing(w.staff, item, at=datetime(2021, 3, 15, 10, 0, tzinfo=PARIS))
    committee.follow_proposal(w.staff, item)
    committee.publish_session(w.staff, march)
    with pytest.raises(WorkflowError, match="sont publiées"):
        committee.cancel_hearing(w.staff, item)
