"""What the current review phase allows a juror: read by the scoring guards and screens.

Without review settings nothing changes (``None`` / today's rule). With phases:

- bidding, assignment: nobody scores yet;
- individual scoring: a dossier's rapporteurs score it; the other jurors may score it once
  all its rapporteurs have submitted; nobody sees anyone else's scores;
- discussion: every juror without conflict may score and revise, and sees the submitted
  scores and comments of a dossier once all its rapporteurs have submitted;
- deliberation: scores are frozen and visible as in the discussion.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from jury.models import Evaluation
from jury.review_models import RapporteurAssignment, ReviewPhase, ReviewSettings

VISIBLE_PHASES = frozenset({ReviewPhase.DISCUSSION, ReviewPhase.DELIBERATION})


def phase_of(jury_id) -> str | None:
    return ReviewSettings.objects.filter(jury_id=jury_id).values_list("phase", flat=True).first()


def rapporteur_ids(dossier_id) -> set[int]:
    return set(
        RapporteurAssignment.objects.filter(dossier_id=dossier_id).values_list(
            "member_id", flat=True
        )
    )


def rapporteurs_done(dossier_id) -> bool:
    """Every rapporteur of the dossier has submitted (a dossier without any: never)."""
    # Distinct: the join to the members' evaluations repeats each assignment row.
    counts = RapporteurAssignment.objects.filter(dossier_id=dossier_id).aggregate(
        total=Count("pk", distinct=True),
        submitted=Count(
            "pk",
            distinct=True,
            filter=Q(
                member__evaluations__dossier_id=dossier_id,
                member__evaluations__submitted_at__isnull=False,
            ),
        ),
    )
    return counts["total"] > 0 and counts["submitted"] == counts["total"]


def scoring_refusal(member, dossier_id) -> str | None:
    """Why ``member`` may not save an evaluation of the dossier now, or ``None``."""
    phase = phase_of(member.jury_id)
    if phase is None or phase == ReviewPhase.DISCUSSION:
        return None
    if phase in (ReviewPhase.BIDDING, ReviewPhase.ASSIGNMENT):
        return _("La notation n’est pas encore ouverte pour ce jury.")
    if phase == ReviewPhase.DELIBERATION:
        return _("Le jury délibère : les évaluations ne peuvent plus être modifiées.")
    if member.pk in rapporteur_ids(dossier_id) or rapporteurs_done(dossier_id):
        return None
    return _("Les rapporteurs de ce dossier notent d’abord : vous pourrez le noter ensuite.")


def may_see_others(member, dossier_id, mine: Evaluation | None) -> bool:
    """Whether ``member`` may read the other jurors' submitted evaluations of the dossier."""
    phase = phase_of(member.jury_id)
    if phase is None:
        return mine is not None and mine.is_submitted
    return phase in VISIBLE_PHASES and rapporteurs_done(dossier_id)
