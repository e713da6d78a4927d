"""The decision letter to an administration: the published outcome of its dossier (the
preselection, the jury's or the window committee's decision, the amount granted).

Only published decisions are written: before publication the letter does not exist (404).
"""

from __future__ import annotations

from django.http import Http404

from jury.models import Award
from jury.review_models import JuryOpinion
from submissions.documents.content import document_context
from submissions.documents.render import render_pdf
from submissions.models import Dossier, DossierState, PreselectionPublication

S = DossierState
# The states a published decision leaves a dossier in.
DECIDED_STATES = (S.NOT_PRESELECTED, S.LAUREATE, S.NOT_SELECTED)


def published_award(dossier: Dossier):
    return Award.objects.published().filter(dossier=dossier).select_related("session").first()


def letter_context(dossier: Dossier) -> dict:
    """The letter's content, or 404 while no decision on ``dossier`` is published."""
    if dossier.state not in DECIDED_STATES:
        raise Http404
    award = None
    if dossier.state != S.NOT_PRESELECTED:
        award = published_award(dossier)
        if award is None:
            raise Http404
    if award is not None and award.session_id:
        decided_at = award.session.published_at
    elif award is not None:
        decided_at = dossier.call.results_published_at
    else:
        publication = (
            PreselectionPublication.objects.filter(call=dossier.call_id)
            .order_by("-published_at")
            .first()
        )
        decided_at = publication.published_at if publication else None
    context = document_context(dossier)
    context.update(
        {
            "award": award,
            "committee": award is not None and award.session_id is not None,
            # A window has no preselection: its committee decides directly.
            "preselected": None
            if award is not None and award.session_id
            else dossier.state != S.NOT_PRESELECTED,
            "decided_at": decided_at,
            # The jury's approved opinion goes with a round's published decision, never a draft.
            "jury_opinion": JuryOpinion.objects.filter(
                dossier=dossier, status=JuryOpinion.Status.APPROVED
            ).first()
            if award is not None and not award.session_id
            else None,
        }
    )
    return context


def decision_letter_pdf(dossier: Dossier) -> bytes:
    return render_pdf("jury/documents/decision_letter.html", letter_context(dossier))
