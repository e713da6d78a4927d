"""Review phases, bids and rapporteurs through ``jury.review.workflow`` and the scoring guards."""

import math

import pytest

from jury.models import ConflictOfInterest, Evaluation, Jury
from jury.review import workflow as review
from jury.review.generate import generate_call
from jury.review.rules import may_see_others
from jury.review_models import Bid, RapporteurAssignment, ReviewPhase
from jury.scoring import workflow as scoring
from relance.models import AuditEntry
from relance.workflow import WorkflowError
from submissions.models import Membership
from tests.factories import AdministrationFactory, StaffFactory, default_programme
from tests.jury.factories import ConflictFactory, JuryMemberFactory
from tests.jury.jury_core_data import full_scores, jury_with_dossiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return jury_with_dossiers(2)


@pytest.fixture
def staff(db):
    return StaffFactory()


def phased(setup, staff, phase=ReviewPhase.BIDDING, n=2):
    settings = review.configure_review(staff, setup.jury, rapporteurs_per_dossier=n)
    settings.phase = phase  # test set-up: jump straight to the phase under test
    settings.save()
    return settings


def test_configure_then_walk_every_phase_forward_with_audit(setup, staff):
    settings = review.configure_review(staff, setup.jury, rapporteurs_per_dossier=1)
    assert settings.phase == ReviewPhase.BIDDING
    review.set_phase(staff, setup.jury, ReviewPhase.ASSIGNMENT)
    for dossier in setup.dossiers:
        review.assign_rapporteur(staff, setup.member, dossier)
    for phase in (ReviewPhase.SCORING, ReviewPhase.DISCUSSION, ReviewPhase.DELIBERATION):
        settings = review.set_phase(staff, setup.jury, phase)
        assert settings.phase == phase
    entries = AuditEntry.objects.filter(action="jury_set_phase").order_by("pk")
    assert [(e.from_state, e.to_state) for e in entries] == [
        ("bidding", "assignment"),
        ("assignment", "scoring"),
        ("scoring", "discussion"),
        ("discussion", "deliberation"),
    ]


def test_phase_transitions_outside_the_table_are_refused(setup, staff):
    phased(setup, staff)
    with pytest.raises(WorkflowError, match="On ne passe pas"):
        review.set_phase(staff, setup.jury, ReviewPhase.DISCUSSION)
    with pytest.raises(WorkflowError, match="Phase inconnue"):
        review.set_phase(staff, setup.jury, "'; DROP TABLE")
    assert review.settings_of(setup.jury).phase == ReviewPhase.BIDDING


def test_scoring_needs_every_dossier_covered(setup, staff):
    phased(setup, staff, ReviewPhase.ASSIGNMENT, n=1)
    review.assign_rapporteur(staff, setup.member, setup.dossiers[0])
    with pytest.raises(WorkflowError, match="1 dossier"):
        review.set_phase(staff, setup.jury, ReviewPhase.SCORING)


def test_only_programme_staff_switch_phases(setup, staff):
    phased(setup, staff)
    for user in (setup.member.user, StaffFactory(programmes=[])):
        with pytest.raises(WorkflowError):
            review.set_phase(user, setup.jury, ReviewPhase.ASSIGNMENT)
        with pytest.raises(WorkflowError):
            review.configure_review(user, setup.jury, rapporteurs_per_dossier=3)


def test_rapporteur_count_is_checked_and_frozen_once_scoring_starts(setup, staff):
    for bad in ("abc", 0, 9, None):
        with pytest.raises(WorkflowError, match="entre 1 et 5"):
            review.configure_review(staff, setup.jury, rapporteurs_per_dossier=bad)
    phased(setup, staff, ReviewPhase.SCORING)
    with pytest.raises(WorkflowError, match="ne peut plus changer"):
        review.configure_review(staff, setup.jury, rapporteurs_per_dossier=3)


def test_bids_only_in_bidding_by_the_member_and_not_on_a_conflict(setup, staff):
    dossier, conflicted = setup.dossiers
    ConflictFactory(member=setup.member, dossier=conflicted)
    with pytest.raises(WorkflowError, match="pas ouverts"):
        review.place_bid(setup.member.user, setup.member, dossier, "wish")
    phased(setup, staff)
    bid = review.place_bid(setup.member.user, setup.member, dossier, "wish")
    assert bid.preference == "wish"
    review.place_bid(setup.member.user, setup.member, dossier, "avoid")
    assert Bid.objects.get(member=setup.member, dossier=dossier).preference == "avoid"
    review.place_bid(setup.member.user, setup.member, dossier, "")
    assert not Bid.objects.exists()
    assert AuditEntry.objects.filter(action="jury_bid").count() == 3
    with pytest.raises(WorkflowError, match="Souhait inconnu"):
        review.place_bid(setup.member.user, setup.member, dossier, "maybe")
    with pytest.raises(WorkflowError):
        review.place_bid(setup.other.user, setup.member, dossier, "wish")
    with pytest.raises(WorkflowError, match="pas examiné"):
        review.place_bid(setup.member.user, setup.member, conflicted, "wish")


def test_manual_assignment_refuses_conflicts_and_duplicates(setup, staff):
    dossier, conflicted = setup.dossiers
    ConflictFactory(member=setup.member, dossier=conflicted)
    with pytest.raises(WorkflowError, match="pas configurées"):
        review.assign_rapporteur(staff, setup.member, dossier)
    phased(setup, staff, ReviewPhase.ASSIGNMENT)
    assignment = review.assign_rapporteur(staff, setup.member, dossier)
    with pytest.raises(WorkflowError, match="déjà rapporteur"):
        review.assign_rapporteur(staff, setup.member, dossier)
    with pytest.raises(WorkflowError, match="conflit"):
        review.assign_rapporteur(staff, setup.member, conflicted)
    with pytest.raises(WorkflowError):
        review.assign_rapporteur(setup.member.user, setup.other, dossier)
    review.unassign_rapporteur(staff, assignment)
    with pytest.raises(WorkflowError, match="déjà été retiré"):
        review.unassign_rapporteur(staff, assignment)
    assert not RapporteurAssignment.objects.exists()


def test_without_phases_scoring_works_as_before(setup):
    evaluation = scoring.save_evaluation(
        setup.member.user,
        setup.member,
        setup.dossiers[0],
        scores=full_scores(setup.criteria),
        recommendation="favourable",
    )
    assert not may_see_others(setup.member, setup.dossiers[0].pk, evaluation)
    scoring.submit_evaluation(setup.member.user, evaluation)
    evaluation.refresh_from_db()
    assert may_see_others(setup.member, setup.dossiers[0].pk, evaluation)


def _score(member, dossier, criteria, submit=True):
    evaluation = scoring.save_evaluation(
        member.user, member, dossier, scores=full_scores(criteria), recommendation="favourable"
    )
    if submit:
        evaluation = scoring.submit_evaluation(member.user, evaluation)
    return evaluation


def test_phases_control_scoring_and_what_jurors_see(setup, staff):
    dossier = setup.dossiers[0]
    phased(setup, staff, ReviewPhase.BIDDING, n=1)
    with pytest.raises(WorkflowError, match="pas encore ouverte"):
        _score(setup.member, dossier, setup.criteria)
    review.set_phase(staff, setup.jury, ReviewPhase.ASSIGNMENT)
    for d in setup.dossiers:
        review.assign_rapporteur(staff, setup.member, d)
    review.set_phase(staff, setup.jury, ReviewPhase.SCORING)
    # The other juror waits for the rapporteur.
    with pytest.raises(WorkflowError, match="rapporteurs de ce dossier notent d’abord"):
        _score(setup.other, dossier, setup.criteria)
    mine = _score(setup.member, dossier, setup.criteria)
    # Individual scoring: nobody sees anyone else's scores, even after submitting.
    assert not may_see_others(setup.member, dossier.pk, mine)
    theirs = _score(setup.other, dossier, setup.criteria)
    assert not may_see_others(setup.other, dossier.pk, theirs)
    review.set_phase(staff, setup.jury, ReviewPhase.DISCUSSION)
    assert may_see_others(setup.other, dossier.pk, theirs)
    # The second dossier's rapporteur has not submitted: its scores stay hidden.
    assert not may_see_others(setup.member, setup.dossiers[1].pk, None)
    review.set_phase(staff, setup.jury, ReviewPhase.DELIBERATION)
    with pytest.raises(WorkflowError, match="délibère"):
        _score(setup.member, setup.dossiers[1], setup.criteria)
    assert Evaluation.objects.filter(dossier=setup.dossiers[1]).count() == 0


def test_suggestion_respects_conflicts_ministry_bids_and_bound(setup, staff):
    jury = setup.jury
    extra = [JuryMemberFactory(jury=jury) for _ in range(2)]
    members = [setup.member, setup.other, *extra]
    dossier_a, dossier_b = setup.dossiers
    ConflictFactory(member=members[0], dossier=dossier_a)
    # members[1] is an agent of dossier_b's ministry (another administration).
    Membership.objects.create(
        user=members[1].user,
        administration=AdministrationFactory(ministry=dossier_b.administration.ministry),
    )
    phased(setup, staff, ReviewPhase.BIDDING)
    review.place_bid(members[2].user, members[2], dossier_a, "wish")
    review.place_bid(members[3].user, members[3], dossier_a, "avoid")
    review.set_phase(staff, jury, ReviewPhase.ASSIGNMENT)
    result = review.apply_suggestion(staff, jury)
    assigned = {}
    for dossier_id, member_id in RapporteurAssignment.objects.values_list(
        "dossier_id", "member_id"
    ):
        assigned.setdefault(dossier_id, set()).add(member_id)
    assert all(len(ms) == 2 for ms in assigned.values()) and len(assigned) == 2
    assert members[0].pk not in assigned[dossier_a.pk]
    assert members[1].pk not in assigned[dossier_b.pk]
    assert members[2].pk in assigned[dossier_a.pk]
    assert members[3].pk not in assigned[dossier_a.pk]
    assert max(result.loads().values()) <= result.load_bound == math.ceil(2 * 2 / 4) + 1
    assert AuditEntry.objects.filter(action="jury_apply_suggestion").count() == 1


def test_suggestion_refused_outside_assignment_and_when_impossible(setup, staff):
    phased(setup, staff, ReviewPhase.BIDDING)
    with pytest.raises(WorkflowError, match="phase d’attribution"):
        review.apply_suggestion(staff, setup.jury)
    review.set_phase(staff, setup.jury, ReviewPhase.ASSIGNMENT)
    ConflictFactory(member=setup.member, dossier=setup.dossiers[0])
    # Two members, one in conflict: dossier 0 cannot get 2 rapporteurs.
    with pytest.raises(WorkflowError, match="1 dossier"):
        review.apply_suggestion(staff, setup.jury)
    assert not RapporteurAssignment.objects.exists()


def test_suggestion_on_a_generated_call_of_300_dossiers_and_20_jurors(staff):
    programme = default_programme()
    jury = generate_call(programme, slug="appel-genere", dossiers=300, jurors=20)
    assert ConflictOfInterest.objects.filter(member__jury=jury).exists()
    result = review.apply_suggestion(staff, jury)
    bound = math.ceil(300 * 2 / 20) + 1
    assert result.load_bound == bound and not result.uncovered
    pairs = list(RapporteurAssignment.objects.values_list("member_id", "dossier_id"))
    assert len(pairs) == 600 and len(set(pairs)) == 600
    per_dossier = {}
    for member_id, dossier_id in pairs:
        per_dossier.setdefault(dossier_id, []).append(member_id)
    assert len(per_dossier) == 300 and all(len(m) == 2 for m in per_dossier.values())
    conflicts = set(
        ConflictOfInterest.objects.filter(member__jury=jury, lifted_at__isnull=True).values_list(
            "member_id", "dossier_id"
        )
    )
    assert conflicts and not conflicts & set(pairs)
    assert max(result.loads().values()) <= bound


def test_ranking_shows_rapporteur_and_whole_jury_figures_apart(setup, staff):
    from jury.scoring import aggregates

    dossier = setup.dossiers[0]
    phased(setup, staff, ReviewPhase.ASSIGNMENT, n=1)
    for d in setup.dossiers:
        review.assign_rapporteur(staff, setup.member, d)
    review.set_phase(staff, setup.jury, ReviewPhase.SCORING)
    high = {c.pk: str(c.scale_max) for c in setup.criteria}  # 20/20
    evaluation = scoring.save_evaluation(
        setup.member.user, setup.member, dossier, scores=high, recommendation="favourable"
    )
    scoring.submit_evaluation(setup.member.user, evaluation)
    _score(setup.other, dossier, setup.criteria)  # 3/5 and 3/10: 9/20 on equal weights
    row = next(r for r in aggregates.ranking(setup.jury) if r.pk == dossier.pk)
    assert row.n_rapporteurs == 1 and row.n_rapporteur_evaluations == 1
    assert row.rapporteur_mean == pytest.approx(20)
    assert row.n_evaluations == 2 and row.mean < row.rapporteur_mean


def test_generation_command_builds_a_call_ready_for_assignment(staff):
    from django.core.management import CommandError, call_command

    default_programme()
    call_command("generate_review_call", "--slug", "grand-appel", "--dossiers", "30")
    jury = Jury.objects.get(call__slug="grand-appel")
    assert jury.members.count() == 20
    assert review.settings_of(jury).phase == ReviewPhase.ASSIGNMENT
    assert review.apply_suggestion(staff, jury).uncovered == []
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("generate_review_call", "--slug", "grand-appel")


def test_decisions_are_recorded_only_in_the_deliberation_phase(client, setup, staff):
    from django.urls import reverse

    from jury.deliberation import workflow as deliberation
    from jury.models import Award

    dossier = setup.dossiers[0]
    phased(setup, staff, ReviewPhase.DISCUSSION)
    with pytest.raises(WorkflowError, match="pas en phase de délibération"):
        deliberation.record_award(staff, dossier, decision="not_selected", reason="Hors champ")
    client.force_login(staff)
    page = reverse("jury:deliberation", kwargs={"call_slug": setup.jury.call.slug})
    assert 'id="not-deliberating"' in client.get(page).content.decode()
    review.set_phase(staff, setup.jury, ReviewPhase.DELIBERATION)
    deliberation.record_award(staff, dossier, decision="not_selected", reason="Hors champ")
    assert Award.objects.filter(dossier=dossier).exists()
    assert 'id="not-deliberating"' not in client.get(page).content.decode()


def test_rapporteurs_done_counts_each_rapporteur_once(setup, staff):
    """A rapporteur's evaluations of other dossiers do not hide this dossier's scores."""
    first, second = setup.dossiers
    phased(setup, staff, ReviewPhase.ASSIGNMENT, n=1)
    review.assign_rapporteur(staff, setup.member, first)
    review.assign_rapporteur(staff, setup.member, second)
    review.set_phase(staff, setup.jury, ReviewPhase.SCORING)
    _score(setup.member, second, setup.criteria)
    _score(setup.member, first, setup.criteria)
    theirs = _score(setup.other, first, setup.criteria)
    review.set_phase(staff, setup.jury, ReviewPhase.DISCUSSION)
    assert may_see_others(setup.other, first.pk, theirs)
    assert may_see_others(setup.other, second.pk, None)
