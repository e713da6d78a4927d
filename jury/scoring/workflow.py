"""Evaluations: a juror's scores saved as a draft, then submitted, one function per action.

Each function takes the acting user first, checks the guard, changes the rows inside one
transaction, writes an audit entry and queues the emails (sent after commit). A refusal
raises :class:`relance.workflow.WorkflowError` with a message meant for the user.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Criterion
from jury.composition.workflow import lock_member
from jury.models import (
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    JuryMember,
    Recommendation,
    Score,
)
from jury.permissions import juror_dossiers
from jury.review.rules import scoring_refusal
from relance import audit
from relance.audit import AuditAction
from relance.permissions import require
from relance.workflow import StaleEditError, WorkflowError, clean_choice, lock

SCORE_STEP = Decimal("0.01")


def _check_can_evaluate(user, member: JuryMember, dossier_pk):
    """Guards shared by saving and submitting; ``member`` is locked by the caller."""
    require(
        user,
        "jury.evaluate",
        member,
        message=_("Seul le membre du jury concerné peut saisir cette évaluation."),
    )
    if ConflictOfInterest.objects.filter(
        member=member, dossier_id=dossier_pk, lifted_at__isnull=True
    ).exists():
        raise WorkflowError(
            _("Vous avez un conflit d’intérêts avec ce dossier : vous ne pouvez pas l’évaluer.")
        )
    if not juror_dossiers(member).filter(pk=dossier_pk).exists():
        raise WorkflowError(_("Ce dossier n’est pas examiné par votre jury."))
    closed = (
        Deliberation.objects.filter(jury_id=member.jury_id, closed_at__isnull=False)
        .values_list("closed_at", flat=True)
        .first()
    )
    if closed is not None:
        raise WorkflowError(
            _("La délibération est close : les évaluations ne peuvent plus être modifiées.")
        )
    refusal = scoring_refusal(member, dossier_pk)
    if refusal:
        raise WorkflowError(refusal)


def _criteria(member: JuryMember) -> dict[int, Criterion]:
    return {c.pk: c for c in Criterion.objects.filter(call_id=member.jury.call_id)}


def _clean_scores(scores: dict, criteria: dict[int, Criterion]) -> dict[int, Decimal]:
    """Validated scores by criterion pk; blank or ``None`` means missing (no row)."""
    cleaned = {}
    for key, raw in (scores or {}).items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            pk = None
        criterion = criteria.get(pk)
        if criterion is None:
            raise WorkflowError(_("Ce critère n’appartient pas à l’appel de ce jury."))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            value = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise WorkflowError(
                _("« %(criterion)s » : la note doit être un nombre.")
                % {"criterion": criterion.label}
            )
        if value < 0 or value > criterion.scale_max:
            raise WorkflowError(
                _("« %(criterion)s » : la note doit être comprise entre 0 et %(max)s.")
                % {"criterion": criterion.label, "max": criterion.scale_max}
            )
        if value != value.quantize(SCORE_STEP):
            raise WorkflowError(
                _("« %(criterion)s » : deux décimales au plus.") % {"criterion": criterion.label}
            )
        cleaned[pk] = value.quantize(SCORE_STEP)
    return cleaned


def missing_criteria(evaluation: Evaluation, criteria=None) -> list[Criterion]:
    """Criteria of the call left without a score on ``evaluation``."""
    if criteria is None:
        criteria = Criterion.objects.filter(call_id=evaluation.dossier.call_id)
    scored = set(evaluation.scores.values_list("criterion_id", flat=True))
    return [c for c in criteria if c.pk not in scored]


def _completeness_error(evaluation, criteria) -> str | None:
    if not evaluation.recommendation:
        return _("Donnez votre avis (favorable, réservé ou défavorable) avant de soumettre.")
    missing = missing_criteria(evaluation, sorted(criteria.values(), key=lambda c: c.order))
    if missing:
        return _("Notez chaque critère avant de soumettre. Sans note : %(labels)s.") % {
            "labels": ", ".join(f"« {c.label} »" for c in missing)
        }
    return None


def save_evaluation(
    user,
    member: JuryMember,
    dossier,
    *,
    scores: dict,
    comment="",
    recommendation="",
    version=None,
) -> Evaluation:
    """Save a member's scores, comment and recommendation on a dossier.

    ``version`` is the evaluation version the form was opened on (``None`` or 0 when it had
    none yet): if the evaluation was saved since, nothing is overwritten. A submitted
    evaluation stays submitted when edited (until the deliberation is closed) and must stay
    complete.
    """
    recommendation = recommendation or ""
    clean_choice(recommendation, ["", *Recommendation.values], _("Avis inconnu."))
    comment = (comment or "").strip()
    with transaction.atomic():
        # The member row lock serialises the member's saves (and the first creation).
        locked_member = lock_member(member)
        _check_can_evaluate(user, locked_member, dossier.pk)
        criteria = _criteria(locked_member)
        cleaned = _clean_scores(scores, criteria)
        evaluation = (
            Evaluation.objects.select_for_update()
            .filter(member=locked_member, dossier_id=dossier.pk)
            .first()
        )
        if evaluation is not None and version is not None and evaluation.version != version:
            raise StaleEditError(
                _(
                    "Cette évaluation a été enregistrée entre-temps (dans un autre onglet ?). "
                    "Rien n’a été écrasé : rechargez la page pour voir la dernière version, "
                    "puis reportez vos modifications."
                )
            )
        if evaluation is None and version:
            raise StaleEditError(
                _("Cette évaluation n’existe plus : rechargez la page avant d’enregistrer.")
            )
        created = evaluation is None
        if created:
            evaluation = Evaluation(member=locked_member, dossier_id=dossier.pk, version=0)
            old_scores = {}
        else:
            old_scores = {s.criterion_id: s.value for s in evaluation.scores.all()}
        changes = {}
        if evaluation.comment != comment:
            changes["comment"] = {"old": evaluation.comment, "new": comment}
        if evaluation.recommendation != recommendation:
            changes["recommendation"] = {"old": evaluation.recommendation, "new": recommendation}
        for pk in sorted(set(old_scores) | set(cleaned)):
            if old_scores.get(pk) != cleaned.get(pk):
                changes.setdefault("scores", {})[str(pk)] = {
                    "old": _str_or_none(old_scores.get(pk)),
                    "new": _str_or_none(cleaned.get(pk)),
                }
        if not changes and not created:
            return evaluation
        evaluation.comment = comment
        evaluation.recommendation = recommendation
        evaluation.version += 1
        evaluation.save()
        removed = set(old_scores) - set(cleaned)
        if removed:
            evaluation.scores.filter(criterion_id__in=removed).delete()
        for pk, value in cleaned.items():
            if old_scores.get(pk) != value:
                Score.objects.update_or_create(
                    evaluation=evaluation, criterion_id=pk, defaults={"value": value}
                )
        if evaluation.is_submitted:
            error = _completeness_error(evaluation, criteria)
            if error:
                # Rolls back the whole save: a submitted evaluation stays complete.
                raise WorkflowError(
                    _("Votre évaluation est soumise et doit rester complète. %(error)s")
                    % {"error": error}
                )
        audit.record(
            user,
            AuditAction.JURY_EDIT_SUBMITTED_EVALUATION
            if evaluation.is_submitted
            else AuditAction.JURY_SAVE_EVALUATION,
            evaluation,
            data={"version": evaluation.version, "changes": changes},
        )
        return evaluation


def _str_or_none(value):
    return None if value is None else str(value)


def submit_evaluation(user, evaluation: Evaluation) -> Evaluation:
    """Submit an evaluation: every criterion scored and a recommendation are required."""
    with transaction.atomic():
        locked_member = lock_member(evaluation.member_id)
        _check_can_evaluate(user, locked_member, evaluation.dossier_id)
        locked = lock(Evaluation, evaluation)
        if locked.is_submitted:
            raise WorkflowError(_("Cette évaluation est déjà soumise."))
        error = _completeness_error(locked, _criteria(locked_member))
        if error:
            raise WorkflowError(error)
        locked.submitted_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["submitted_at", "version", "updated_at"])
        audit.record(
            user, AuditAction.JURY_SUBMIT_EVALUATION, locked, data={"version": locked.version}
        )
        return locked
