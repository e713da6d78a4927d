"""The jury workflow: composition, conflicts of interest, evaluations, and every refusal."""

from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from jury.composition import workflow as composition
from jury.models import ConflictOfInterest, Evaluation, Jury, JuryMember, Recommendation, Score
from jury.scoring import workflow as scoring
from relance.models import AuditEntry, OutgoingEmail, User
from relance.workflow import StaleEditError, WorkflowError
from submissions.models import DossierState
from tests.factories import CallFactory, CriterionFactory, DossierFactory, UserFactory
from tests.jury.factories import (
    ConflictFactory,
    DeliberationFactory,
    EvaluationFactory,
    JuryFactory,
    JuryMemberFactory,
    preselected,
)
from tests.jury.jury_core_data import full_scores, jury_with_dossiers

pytestmark = pytest.mark.django_db

R = JuryMember.Role
K = JuryMember.AffiliationKind


@pytest.fixture
def setup():
    return jury_with_dossiers(2)


def actions(target=None):
    qs = AuditEntry.objects.all()
    if target is not None:
        qs = qs.filter(target_id=str(target.pk))
    return list(qs.values_list("action", flat=True))


# Jury -----------------------------------------------------------------------------------


def test_create_jury(staff):
    call = CallFactory()
    jury = composition.create_jury(staff, call, name="  Jury 2021  ")
    assert jury.call == call and jury.name == "Jury 2021"
    assert "jury_create" in actions(jury)


def test_create_jury_refused_to_non_staff(user):
    with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
        composition.create_jury(user, CallFactory())
    assert not Jury.objects.exists()


def test_create_jury_once_per_call(staff):
    call = CallFactory()
    composition.create_jury(staff, call)
    with pytest.raises(WorkflowError, match="déjà un jury"):
        composition.create_jury(staff, call)
    assert Jury.objects.filter(call=call).count() == 1


def test_publish_composition(staff):
    jury = JuryFactory()
    composition.set_composition_published(staff, jury, True)
    jury.refresh_from_db()
    assert jury.composition_published
    composition.set_composition_published(staff, jury, False)
    jury.refresh_from_db()
    assert not jury.composition_published
    assert sorted(actions(jury)) == ["jury_publish_composition", "jury_unpublish_composition"]
    # Setting the same value again changes nothing and records nothing.
    composition.set_composition_published(staff, jury, False)
    assert len(actions(jury)) == 2


def test_publish_composition_refused_to_non_staff(user):
    jury = JuryFactory()
    with pytest.raises(WorkflowError):
        composition.set_composition_published(user, jury, True)
    jury.refresh_from_db()
    assert not jury.composition_published


# Members --------------------------------------------------------------------------------


def test_add_member_creates_account_and_sends_invitation(
    staff, settings, django_capture_on_commit_callbacks
):
    jury = JuryFactory()
    with django_capture_on_commit_callbacks(execute=True):
        member = composition.add_member(
            staff,
            jury,
            email="  Nouvelle.Experte@Exemple.fr ",
            public_name="Nouvelle Experte",
            title="Cheffe de projet",
            affiliation="Université",
            affiliation_kind=K.RESEARCH,
            role=R.PRESIDENT,
        )
    account = member.user
    assert (account.first_name, account.last_name) == ("Nouvelle", "Experte")
    assert account.email == "nouvelle.experte@exemple.fr"
    assert not account.has_usable_password()
    assert member.invited_at is not None and member.role == R.PRESIDENT
    assert "jury_add_member" in actions(jury)
    email = OutgoingEmail.objects.get(topic="jury_invitation")
    assert email.to == ["nouvelle.experte@exemple.fr"]
    assert jury.call.title in email.subject
    assert f"{settings.SITE_URL.rstrip('/')}/jury/" in email.body
    # The link is a working « choose your password » link for that account.
    marker = "/compte/mot-de-passe/nouveau/"
    link = next(line for line in email.body.splitlines() if marker in line).strip()
    uidb64, token = link.split(marker)[1].strip("/").split("/")
    assert force_str(urlsafe_base64_decode(uidb64)) == str(account.pk)
    assert default_token_generator.check_token(account, token)
    assert "choisissez votre mot de passe" in email.body


def test_add_member_reuses_existing_account_case_insensitively(staff):
    existing = UserFactory(email="expert@exemple.gouv.fr")
    jury = JuryFactory()
    member = composition.add_member(
        staff,
        jury,
        email="EXPERT@exemple.gouv.fr",
        public_name="Expert",
        affiliation_kind=K.PUBLIC,
        role=R.MEMBER,
    )
    assert member.user == existing
    assert User.objects.filter(email__iexact="expert@exemple.gouv.fr").count() == 1
    assert existing.has_usable_password()
    body = OutgoingEmail.objects.get(topic="jury_invitation").body
    assert "compte habituel" in body


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"email": "pas-une-adresse"}, "adresse électronique valide"),
        ({"public_name": "  "}, "nom affiché"),
        ({"role": "chef"}, "Rôle inconnu"),
        ({"affiliation_kind": "autre"}, "affiliation inconnu"),
    ],
)
def test_add_member_refuses_bad_input(staff, kwargs, message):
    jury = JuryFactory()
    data = {
        "email": "a@exemple.fr",
        "public_name": "A",
        "affiliation_kind": K.PUBLIC,
        "role": R.MEMBER,
    } | kwargs
    with pytest.raises(WorkflowError, match=message):
        composition.add_member(staff, jury, **data)
    assert not JuryMember.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_add_member_refused_to_non_staff(user):
    jury = JuryFactory()
    with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
        composition.add_member(
            user,
            jury,
            email="a@exemple.fr",
            public_name="A",
            affiliation_kind=K.PUBLIC,
            role=R.MEMBER,
        )
    assert not JuryMember.objects.exists()


def test_add_member_twice_refused(staff):
    member = JuryMemberFactory()
    with pytest.raises(WorkflowError, match="déjà membre de ce jury"):
        composition.add_member(
            staff,
            member.jury,
            email=member.user.email.upper(),
            public_name="Encore",
            affiliation_kind=K.PUBLIC,
            role=R.MEMBER,
        )


def test_single_president(staff):
    president = JuryMemberFactory(role=R.PRESIDENT, public_name="Présidente")
    with pytest.raises(WorkflowError, match="déjà un·e président·e \\(Présidente\\)"):
        composition.add_member(
            staff,
            president.jury,
            email="b@exemple.fr",
            public_name="B",
            affiliation_kind=K.PUBLIC,
            role=R.PRESIDENT,
        )
    # Nothing was created, not even the account.
    assert not User.objects.filter(email="b@exemple.fr").exists()
    other = JuryMemberFactory(jury=president.jury)
    with pytest.raises(WorkflowError, match="président"):
        composition.update_member(staff, other, role=R.PRESIDENT)
    # The president may be edited and stays president.
    composition.update_member(staff, president, title="Nouvelle fonction", role=R.PRESIDENT)
    # Once the president steps down, another member may take the role.
    composition.update_member(staff, president, role=R.MEMBER)
    composition.update_member(staff, other, role=R.PRESIDENT)
    other.refresh_from_db()
    assert other.role == R.PRESIDENT


def test_update_member(staff):
    member = JuryMemberFactory(public_name="Ancien nom")
    composition.update_member(staff, member, public_name="Nouveau nom", affiliation_kind=K.COMPANY)
    member.refresh_from_db()
    assert member.public_name == "Nouveau nom" and member.affiliation_kind == K.COMPANY
    entry = AuditEntry.objects.get(action="jury_update_member")
    assert entry.data["fields"]["public_name"] == {"old": "Ancien nom", "new": "Nouveau nom"}


def test_update_member_refusals(staff, user):
    member = JuryMemberFactory(public_name="Nom")
    with pytest.raises(WorkflowError):
        composition.update_member(user, member, public_name="Autre")
    with pytest.raises(WorkflowError, match="nom affiché"):
        composition.update_member(staff, member, public_name="")
    member.refresh_from_db()
    assert member.public_name == "Nom"


def test_remove_member(staff, setup):
    EvaluationFactory(member=setup.member, dossier=setup.dossiers[0], submitted_at=None)
    composition.remove_member(staff, setup.member)
    assert not JuryMember.objects.filter(pk=setup.member.pk).exists()
    assert not Evaluation.objects.exists()
    assert "jury_remove_member" in actions(setup.jury)


def test_remove_member_refused_once_an_evaluation_is_submitted(staff, setup):
    EvaluationFactory(member=setup.member, dossier=setup.dossiers[0])
    with pytest.raises(WorkflowError, match="a déjà soumis 1 évaluation"):
        composition.remove_member(staff, setup.member)
    assert JuryMember.objects.filter(pk=setup.member.pk).exists()


def test_remove_member_refused_to_non_staff(setup):
    with pytest.raises(WorkflowError):
        composition.remove_member(setup.other.user, setup.member)
    assert JuryMember.objects.filter(pk=setup.member.pk).exists()


# Conflicts ------------------------------------------------------------------------------


def test_juror_declares_own_conflict(setup):
    dossier = setup.dossiers[0]
    conflict = composition.declare_conflict(
        setup.member.user, setup.member, dossier, kind="personal", comment=" Ancien collègue "
    )
    assert conflict.is_active and conflict.declared_by == setup.member.user
    assert conflict.comment == "Ancien collègue"
    assert "jury_declare_conflict" in actions(conflict)


def test_staff_declares_conflict_for_a_member(staff, setup):
    conflict = composition.declare_conflict(
        staff, setup.member, setup.dossiers[0], kind="same_administration"
    )
    assert conflict.declared_by == staff


def test_juror_cannot_declare_for_another_member(setup):
    with pytest.raises(WorkflowError, match="que pour vous-même"):
        composition.declare_conflict(
            setup.other.user, setup.member, setup.dossiers[0], kind="other"
        )
    assert not ConflictOfInterest.objects.exists()


def test_conflict_dossier_must_be_of_the_jury(staff, setup):
    foreign = preselected(JuryFactory())
    draft = DossierFactory(call=setup.jury.call, state=DossierState.SUBMITTED)
    for dossier in (foreign, draft):
        with pytest.raises(WorkflowError, match="n’est pas examiné par ce jury"):
            composition.declare_conflict(staff, setup.member, dossier, kind="other")
    assert not ConflictOfInterest.objects.exists()


def test_second_active_conflict_refused(staff, setup):
    dossier = setup.dossiers[0]
    composition.declare_conflict(setup.member.user, setup.member, dossier, kind="personal")
    with pytest.raises(WorkflowError, match="déjà déclaré"):
        composition.declare_conflict(staff, setup.member, dossier, kind="other")
    assert ConflictOfInterest.objects.count() == 1


def test_unknown_conflict_kind_refused(setup):
    with pytest.raises(WorkflowError, match="Type de conflit inconnu"):
        composition.declare_conflict(setup.member.user, setup.member, setup.dossiers[0], kind="x")


def test_lift_conflict_keeps_the_row(staff, setup):
    conflict = ConflictFactory(member=setup.member, dossier=setup.dossiers[0])
    composition.lift_conflict(staff, conflict, reason="  Erreur de déclaration ")
    conflict.refresh_from_db()
    assert not conflict.is_active
    assert conflict.lifted_by == staff and conflict.lift_reason == "Erreur de déclaration"
    assert "jury_lift_conflict" in actions(conflict)
    # A new conflict may then be declared again.
    composition.declare_conflict(staff, setup.member, setup.dossiers[0], kind="other")
    assert ConflictOfInterest.objects.filter(member=setup.member).count() == 2


def test_lift_conflict_refusals(staff, setup):
    conflict = ConflictFactory(member=setup.member, dossier=setup.dossiers[0])
    with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
        composition.lift_conflict(setup.member.user, conflict, reason="Je peux")
    with pytest.raises(WorkflowError, match="motif"):
        composition.lift_conflict(staff, conflict, reason="   ")
    conflict.refresh_from_db()
    assert conflict.is_active
    composition.lift_conflict(staff, conflict, reason="ok")
    with pytest.raises(WorkflowError, match="déjà été levé"):
        composition.lift_conflict(staff, conflict, reason="encore")


# Evaluations ----------------------------------------------------------------------------


def _save(setup, dossier=None, **kwargs):
    kwargs.setdefault("scores", full_scores(setup.criteria))
    kwargs.setdefault("comment", "Bon projet")
    kwargs.setdefault("recommendation", Recommendation.FAVOURABLE)
    return scoring.save_evaluation(
        setup.member.user, setup.member, dossier or setup.dossiers[0], **kwargs
    )


def test_save_evaluation_creates_a_draft(setup):
    c1, c2 = setup.criteria
    evaluation = _save(setup, scores={c1.pk: Decimal("4.5"), c2.pk: None}, recommendation="")
    assert not evaluation.is_submitted and evaluation.version == 1
    scores = {s.criterion_id: s.value for s in evaluation.scores.all()}
    # A blank score is missing (no row), never zero.
    assert scores == {c1.pk: Decimal("4.50")}
    assert "jury_save_evaluation" in actions(evaluation)


def test_save_evaluation_updates_and_removes_scores(setup):
    c1, c2 = setup.criteria
    evaluation = _save(setup, scores={c1.pk: "2", c2.pk: "7"})
    evaluation = _save(setup, scores={c1.pk: "", c2.pk: "8,5"}, version=evaluation.version)
    assert evaluation.version == 2
    assert {s.criterion_id: s.value for s in evaluation.scores.all()} == {c2.pk: Decimal("8.50")}
    assert Score.objects.count() == 1


def test_stale_version_overwrites_nothing(setup):
    c1, _c2 = setup.criteria
    evaluation = _save(setup, scores={c1.pk: "2"})
    _save(setup, scores={c1.pk: "3"}, version=evaluation.version)
    with pytest.raises(StaleEditError, match="entre-temps"):
        _save(setup, scores={c1.pk: "5"}, version=evaluation.version)
    assert Score.objects.get().value == Decimal("3")
    # A form opened before the evaluation existed (version 0) is stale too.
    with pytest.raises(StaleEditError):
        _save(setup, scores={c1.pk: "5"}, version=0)


@pytest.mark.parametrize(
    "value, message",
    [
        ("-1", "entre 0 et 5"),
        ("5.01", "entre 0 et 5"),
        ("abc", "doit être un nombre"),
        ("2.555", "deux décimales"),
        ("NaN", "doit être un nombre"),
    ],
)
def test_score_out_of_range_refused(setup, value, message):
    c1, _c2 = setup.criteria
    with pytest.raises(WorkflowError, match=message):
        _save(setup, scores={c1.pk: value})
    assert not Evaluation.objects.exists()


def test_scale_max_is_per_criterion(setup):
    _c1, c2 = setup.criteria
    evaluation = _save(setup, scores={c2.pk: "10"})
    assert evaluation.scores.get().value == Decimal("10")


def test_criterion_of_another_call_refused(setup):
    foreign = CriterionFactory()
    with pytest.raises(WorkflowError, match="n’appartient pas à l’appel"):
        _save(setup, scores={foreign.pk: "3"})
    assert not Evaluation.objects.exists()


def test_unknown_recommendation_refused(setup):
    with pytest.raises(WorkflowError, match="Avis inconnu"):
        _save(setup, recommendation="génial")


def test_only_the_member_saves_their_evaluation(setup, staff):
    for actor in (setup.other.user, staff):
        with pytest.raises(WorkflowError, match="Seul le membre"):
            scoring.save_evaluation(
                actor, setup.member, setup.dossiers[0], scores={}, comment="", recommendation=""
            )
    assert not Evaluation.objects.exists()


def test_conflicted_member_cannot_evaluate(setup):
    ConflictFactory(member=setup.member, dossier=setup.dossiers[0])
    with pytest.raises(WorkflowError, match="conflit d’intérêts"):
        _save(setup)
    assert not Evaluation.objects.exists()


def test_dossier_outside_the_jury_refused(setup):
    foreign = preselected(JuryFactory())
    not_preselected = DossierFactory(call=setup.jury.call, state=DossierState.NOT_PRESELECTED)
    for dossier in (foreign, not_preselected):
        with pytest.raises(WorkflowError, match="n’est pas examiné par votre jury"):
            _save(setup, dossier=dossier)
    assert not Evaluation.objects.exists()


def test_closed_deliberation_freezes_evaluations(setup):
    evaluation = scoring.submit_evaluation(setup.member.user, _save(setup))
    # An open deliberation does not prevent editing.
    deliberation = DeliberationFactory(jury=setup.jury)
    evaluation = _save(setup, comment="Relu", version=evaluation.version)
    deliberation.closed_at = timezone.now()
    deliberation.save()
    with pytest.raises(WorkflowError, match="délibération est close"):
        _save(setup, comment="Trop tard", version=evaluation.version)
    evaluation.refresh_from_db()
    assert evaluation.comment == "Relu"
    with pytest.raises(WorkflowError, match="délibération est close"):
        _save(setup, dossier=setup.dossiers[1])


def test_closed_deliberation_refuses_submission(setup):
    evaluation = _save(setup)
    DeliberationFactory(jury=setup.jury, closed_at=timezone.now())
    with pytest.raises(WorkflowError, match="délibération est close"):
        scoring.submit_evaluation(setup.member.user, evaluation)
    evaluation.refresh_from_db()
    assert not evaluation.is_submitted


def test_submit_evaluation(setup):
    evaluation = _save(setup)
    evaluation = scoring.submit_evaluation(setup.member.user, evaluation)
    assert evaluation.is_submitted and evaluation.version == 2
    assert "jury_submit_evaluation" in actions(evaluation)
    assert Evaluation.objects.countable().count() == 1


def test_submit_requires_recommendation(setup):
    evaluation = _save(setup, recommendation="")
    with pytest.raises(WorkflowError, match="Donnez votre avis"):
        scoring.submit_evaluation(setup.member.user, evaluation)
    evaluation.refresh_from_db()
    assert not evaluation.is_submitted


def test_submit_requires_every_criterion(setup):
    c1, c2 = setup.criteria
    evaluation = _save(setup, scores={c1.pk: "3", c2.pk: None})
    with pytest.raises(WorkflowError, match="Pertinence technique"):
        scoring.submit_evaluation(setup.member.user, evaluation)
    evaluation.refresh_from_db()
    assert not evaluation.is_submitted


def test_submit_twice_refused(setup):
    evaluation = scoring.submit_evaluation(setup.member.user, _save(setup))
    with pytest.raises(WorkflowError, match="déjà soumise"):
        scoring.submit_evaluation(setup.member.user, evaluation)


def test_submit_refused_to_others_and_when_conflicted(setup, staff):
    evaluation = _save(setup)
    with pytest.raises(WorkflowError, match="Seul le membre"):
        scoring.submit_evaluation(staff, evaluation)
    ConflictFactory(member=setup.member, dossier=setup.dossiers[0])
    with pytest.raises(WorkflowError, match="conflit d’intérêts"):
        scoring.submit_evaluation(setup.member.user, evaluation)
    evaluation.refresh_from_db()
    assert not evaluation.is_submitted


def test_submitted_evaluation_stays_editable_and_submitted(setup):
    evaluation = scoring.submit_evaluation(setup.member.user, _save(setup))
    submitted_at = evaluation.submitted_at
    c1, c2 = setup.criteria
    edited = _save(
        setup, scores={c1.pk: "1", c2.pk: "2"}, comment="Revu", version=evaluation.version
    )
    assert edited.submitted_at == submitted_at
    assert edited.comment == "Revu"
    entry = AuditEntry.objects.get(action="jury_edit_submitted_evaluation")
    assert entry.data["changes"]["comment"] == {"old": "Bon projet", "new": "Revu"}


def test_submitted_evaluation_must_stay_complete(setup):
    evaluation = scoring.submit_evaluation(setup.member.user, _save(setup))
    c1, c2 = setup.criteria
    with pytest.raises(WorkflowError, match="doit rester complète"):
        _save(setup, scores={c1.pk: "1", c2.pk: ""}, version=evaluation.version)
    with pytest.raises(WorkflowError, match="doit rester complète"):
        _save(setup, recommendation="", version=evaluation.version)
    # Nothing was changed.
    assert {s.value for s in Score.objects.all()} == {Decimal("3.00")}
    evaluation.refresh_from_db()
    assert evaluation.recommendation == Recommendation.FAVOURABLE


def test_missing_criteria(setup):
    c1, c2 = setup.criteria
    evaluation = _save(setup, scores={c1.pk: "3"})
    assert scoring.missing_criteria(evaluation) == [c2]
