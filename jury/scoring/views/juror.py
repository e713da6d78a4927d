"""Juror screens, under ``/jury/``: my juries, my dossiers, scoring (the declaration of a
conflict of interest is in ``jury.composition.views``).

Every page needs a login and the membership of the jury in the URL
(``jury.permissions.get_member_or_404``); a dossier comes from ``juror_dossiers(member)``,
which leaves out the dossiers the member is in conflict with: those answer 404 here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from calls.models import Criterion
from jury.models import HEARING_ORDER, ConflictOfInterest, Deliberation, Evaluation
from jury.permissions import get_juror_dossier_or_404, get_member_or_404, juror_dossiers
from jury.review.opinions import is_writer
from jury.review.rules import may_see_others, phase_of
from jury.review_models import Bid, RapporteurAssignment, ReviewPhase
from jury.scoring import workflow as scoring
from jury.scoring.forms import EvaluationForm, criterion_field_name
from relance.ordering import french
from relance.workflow import WorkflowError
from submissions.display import attachment_response, dossier_rounds, dossier_summary
from submissions.documents.content import DOCUMENT_RELATED, dossier_pdf
from submissions.documents.render import pdf_response


def _ordered_dossiers(member):
    return juror_dossiers(member).order_by(*HEARING_ORDER)


def _deliberation_closed(member) -> bool:
    return Deliberation.objects.filter(jury_id=member.jury_id, closed_at__isnull=False).exists()


@login_required
def juror_home(request):
    members = list(
        request.user.jury_memberships.select_related("jury__call__programme").order_by(
            "-jury__call__opens_at", "jury_id"
        )
    )
    if not members:
        raise Http404
    return render(request, "jury/juror/home.html", {"members": members})


@login_required
def juror_dossier_list(request, jury_id):
    member = get_member_or_404(request.user, jury_id)
    mine = Evaluation.objects.filter(member=member, dossier=OuterRef("pk"))
    dossiers = list(
        _ordered_dossiers(member)
        .select_related("administration", "category")
        .annotate(
            has_evaluation=Exists(mine),
            evaluation_submitted_at=Subquery(mine.values("submitted_at")[:1]),
            my_bid=Subquery(
                Bid.objects.filter(member=member, dossier=OuterRef("pk")).values("preference")[:1]
            ),
            is_rapporteur=Exists(
                RapporteurAssignment.objects.filter(member=member, dossier=OuterRef("pk"))
            ),
        )
    )
    phase = phase_of(member.jury_id)
    conflicts = list(
        ConflictOfInterest.objects.filter(member=member, lifted_at__isnull=True)
        .select_related("dossier__administration")
        .order_by("dossier__reference")
    )
    counts = {
        "total": len(dossiers),
        "submitted": sum(1 for d in dossiers if d.evaluation_submitted_at),
        "drafts": sum(1 for d in dossiers if d.has_evaluation and not d.evaluation_submitted_at),
    }
    return render(
        request,
        "jury/juror/dossier_list.html",
        {
            "member": member,
            "jury": member.jury,
            "call": member.jury.call,
            "dossiers": dossiers,
            "conflicts": conflicts,
            "counts": counts,
            "phase": ReviewPhase(phase) if phase else None,
            "bidding": phase == ReviewPhase.BIDDING,
            "preferences": Bid.Preference.choices,
        },
    )


def _next_dossier_pk(member, dossier):
    pks = list(_ordered_dossiers(member).values_list("pk", flat=True))
    try:
        index = pks.index(dossier.pk)
    except ValueError:
        return None
    return pks[index + 1] if index + 1 < len(pks) else None


def _criteria(call):
    return list(Criterion.objects.filter(call=call).order_by("order", "pk"))


def _evaluation_initial(evaluation):
    if evaluation is None:
        return {"version": 0}
    initial = {
        "comment": evaluation.comment,
        "recommendation": evaluation.recommendation,
        "version": evaluation.version,
    }
    for score in evaluation.scores.all():
        initial[f"criterion_{score.criterion_id}"] = score.value
    return initial


@login_required
def juror_dossier(request, jury_id, pk):
    member = get_member_or_404(request.user, jury_id)
    dossier = get_juror_dossier_or_404(member, pk)
    criteria = _criteria(dossier.call)
    evaluation = (
        Evaluation.objects.filter(member=member, dossier=dossier).prefetch_related("scores").first()
    )
    closed = _deliberation_closed(member)
    submitted = evaluation is not None and evaluation.is_submitted
    form = None
    if request.method == "POST" and not closed:
        form = EvaluationForm(request.POST, criteria=criteria, submitted=submitted)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = scoring.save_evaluation(
                    request.user,
                    member,
                    dossier,
                    scores=form.scores(),
                    comment=data["comment"],
                    recommendation=data["recommendation"],
                    version=data.get("version"),
                )
            except WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                if EvaluationForm.SUBMIT in request.POST and not saved.is_submitted:
                    try:
                        scoring.submit_evaluation(request.user, saved)
                    except WorkflowError as exc:
                        # The draft is saved: nothing typed is lost, the page says what is missing.
                        messages.warning(
                            request,
                            _("Brouillon enregistré, mais l’évaluation n’est pas soumise : %(why)s")
                            % {"why": exc.message},
                        )
                    else:
                        messages.success(request, _("Évaluation soumise. Merci !"))
                elif saved.is_submitted:
                    messages.success(
                        request, _("Modifications enregistrées ; l’évaluation reste soumise.")
                    )
                else:
                    messages.success(request, _("Brouillon enregistré."))
                return redirect("jury:juror_dossier", jury_id=member.jury_id, pk=dossier.pk)
    elif request.method == "POST":
        messages.error(
            request,
            _("La délibération est close : les évaluations ne peuvent plus être modifiées."),
        )
        return redirect("jury:juror_dossier", jury_id=member.jury_id, pk=dossier.pk)
    if form is None:
        form = EvaluationForm(
            initial=_evaluation_initial(evaluation), criteria=criteria, submitted=submitted
        )
    form.helper.form_action = reverse(
        "jury:juror_dossier", kwargs={"jury_id": member.jury_id, "pk": dossier.pk}
    )
    next_pk = _next_dossier_pk(member, dossier)
    attachments = list(dossier.attachments.all())
    for attachment in attachments:
        # Jurors download through their own view, which checks their jury and conflicts.
        attachment.download_url = reverse(
            "jury:juror_attachment",
            kwargs={"jury_id": member.jury_id, "pk": dossier.pk, "attachment_pk": attachment.pk},
        )
    return render(
        request,
        "jury/juror/dossier_detail.html",
        {
            "member": member,
            "jury": member.jury,
            "call": dossier.call,
            "dossier": dossier,
            "summary": dossier_summary(dossier),
            "rounds": dossier_rounds(dossier),
            "budget_lines": list(dossier.budget_lines.all()),
            "attachments": attachments,
            "criteria": criteria,
            "evaluation": evaluation,
            "form": form,
            "closed": closed,
            "may_write_opinion": is_writer(member, dossier.pk),
            "next_url": reverse(
                "jury:juror_dossier", kwargs={"jury_id": member.jury_id, "pk": next_pk}
            )
            if next_pk
            else None,
            "criterion_field_name": criterion_field_name,
        },
    )


@login_required
def juror_attachment(request, jury_id, pk, attachment_pk):
    member = get_member_or_404(request.user, jury_id)
    dossier = get_juror_dossier_or_404(member, pk)
    return attachment_response(dossier, attachment_pk)


@login_required
@require_safe
def juror_dossier_pdf(request, jury_id, pk):
    member = get_member_or_404(request.user, jury_id)
    queryset = juror_dossiers(member).select_related(*DOCUMENT_RELATED)
    dossier = get_juror_dossier_or_404(member, pk, queryset=queryset)
    return pdf_response(dossier_pdf(dossier), f"dossier-{dossier.reference}.pdf")


@login_required
def juror_evaluations(request, jury_id, pk):
    member = get_member_or_404(request.user, jury_id)
    dossier = get_juror_dossier_or_404(member, pk)
    mine = Evaluation.objects.filter(member=member, dossier=dossier).first()
    may_see = may_see_others(member, dossier.pk, mine)
    others = []
    if may_see:
        # Drafts are never shown, nor the evaluations of members in conflict.
        others = list(
            Evaluation.objects.countable()
            .filter(dossier=dossier)
            .exclude(member=member)
            .select_related("member")
            .prefetch_related("scores")
            .order_by(*french("member__public_name"), "pk")
        )
    criteria = _criteria(dossier.call)
    rows = [
        {
            "evaluation": evaluation,
            "scores": [
                next((s.value for s in evaluation.scores.all() if s.criterion_id == c.pk), None)
                for c in criteria
            ],
        }
        for evaluation in others
    ]
    return render(
        request,
        "jury/juror/evaluations.html",
        {
            "member": member,
            "jury": member.jury,
            "dossier": dossier,
            "may_see": may_see,
            "phased": phase_of(member.jury_id) is not None,
            "mine": mine,
            "criteria": criteria,
            "rows": rows,
        },
    )
