"""Staff screens of a jury's review: phases, rapporteurs, and the progress matrix.

Under ``/instruction/appels/<slug>/jury/``; programme staff only (404 for anyone else). The
views are thin: every change goes through ``jury.review.workflow``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from jury.models import HEARING_ORDER, JuryMember
from jury.permissions import get_staff_jury_or_404, jury_dossiers
from jury.review import opinions, progress
from jury.review import workflow as review
from jury.review.forms import OpinionForm, opinion_initial
from jury.review_models import (
    PHASE_TRANSITIONS,
    JuryOpinion,
    RapporteurAssignment,
    ReviewPhase,
)
from relance.formatting import paris_today
from relance.ordering import french
from relance.permissions import has_perm, staff_required
from relance.workflow import WorkflowError
from submissions.exports import FORMATS, csv_bytes


def _back(jury):
    return redirect("jury:review", call_slug=jury.call.slug)


@staff_required
def review_page(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "configure":
                review.configure_review(
                    request.user, jury, rapporteurs_per_dossier=request.POST.get("rapporteurs")
                )
                messages.success(request, _("Phases d’examen enregistrées."))
            elif action == "phase":
                settings = review.set_phase(request.user, jury, request.POST.get("phase", ""))
                messages.success(
                    request,
                    _("Le jury est passé à la phase « %(phase)s ».")
                    % {"phase": settings.get_phase_display()},
                )
            elif action == "suggest":
                result = review.apply_suggestion(request.user, jury)
                loads = result.loads()
                messages.success(
                    request,
                    _(
                        "Attribution suggérée appliquée : de %(min)s à %(max)s dossiers par "
                        "membre (au plus %(bound)s)."
                    )
                    % {
                        "min": min(loads.values(), default=0),
                        "max": max(loads.values(), default=0),
                        "bound": result.load_bound,
                    },
                )
            else:
                messages.error(request, _("Action inconnue."))
        except WorkflowError as exc:
            messages.error(request, exc.message)
        return _back(jury)
    settings = review.settings_of(jury)
    members = list(jury.members.order_by(*french("public_name"), "pk"))
    dossiers = list(
        jury_dossiers(jury).select_related("administration", "category").order_by(*HEARING_ORDER)
    )
    by_dossier: dict[int, list] = {}
    loads: dict[int, int] = {}
    for assignment in RapporteurAssignment.objects.filter(member__jury=jury).select_related(
        "member"
    ):
        by_dossier.setdefault(assignment.dossier_id, []).append(assignment)
        loads[assignment.member_id] = loads.get(assignment.member_id, 0) + 1
    for dossier in dossiers:
        dossier.assignments = sorted(
            by_dossier.get(dossier.pk, []), key=lambda a: a.member.public_name
        )
    for member in members:
        member.load = loads.get(member.pk, 0)
    next_phases = [ReviewPhase(p) for p in PHASE_TRANSITIONS[settings.phase]] if settings else []
    return render(
        request,
        "jury/review/review.html",
        {
            "jury": jury,
            "call": jury.call,
            "settings": settings,
            "phases": list(ReviewPhase),
            "next_phases": next_phases,
            "members": members,
            "dossiers": dossiers,
            "may_assign": settings is not None
            and settings.phase in review.MANUAL_ASSIGNMENT_PHASES,
            "may_suggest": settings is not None and settings.phase == ReviewPhase.ASSIGNMENT,
        },
    )


@staff_required
@require_POST
def assign(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    member = JuryMember.objects.filter(jury=jury, pk=_int(request.POST.get("member"))).first()
    dossier = jury_dossiers(jury).filter(pk=_int(request.POST.get("dossier"))).first()
    if member is None or dossier is None:
        messages.error(request, _("Choisissez un membre du jury et un dossier."))
        return _back(jury)
    try:
        review.assign_rapporteur(request.user, member, dossier)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s est rapporteur du dossier %(reference)s.")
            % {"name": member.public_name, "reference": dossier.reference},
        )
    return _back(jury)


@staff_required
@require_POST
def unassign(request, call_slug, assignment_pk):
    jury = get_staff_jury_or_404(request.user, call_slug)
    assignment = (
        RapporteurAssignment.objects.filter(member__jury=jury, pk=assignment_pk)
        .select_related("member__jury", "dossier")
        .first()
    )
    if assignment is None:
        raise Http404
    try:
        review.unassign_rapporteur(request.user, assignment)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rapporteur retiré."))
    return _back(jury)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@staff_required
def progress_page(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    key, descending = progress.parse(request.GET.get("tri"))
    matrix = progress.matrix(jury, key, descending)
    return render(
        request,
        "jury/review/progress.html",
        {
            "jury": jury,
            "call": jury.call,
            "matrix": matrix,
            "sort": progress.sort_links(key, descending),
            "current_sort": ("-" if descending else "") + key,
            "legend": progress.Cell,
            "config": matrix.config,
            "can_manage_call": has_perm(request.user, "calls.manage", jury.call.programme),
        },
    )


@staff_required
def progress_csv(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    key, descending = progress.parse(request.GET.get("tri"))
    matrix = progress.matrix(jury, key, descending)
    content = csv_bytes(*progress.export(matrix))
    response = HttpResponse(content, content_type=FORMATS["csv"].content_type)
    day = paris_today().isoformat()
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"relance-{jury.call.slug}-suivi-{day}.csv"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# The jury's opinions for the applicants -------------------------------------------------------


@staff_required
@require_safe
def opinions_page(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    dossiers = list(
        jury_dossiers(jury)
        .select_related("administration", "jury_opinion__author")
        .order_by(*HEARING_ORDER)
    )
    for dossier in dossiers:
        dossier.opinion = _opinion_or_none(dossier)
    return render(
        request,
        "jury/review/opinions.html",
        {
            "jury": jury,
            "call": jury.call,
            "dossiers": dossiers,
            "approved": sum(1 for d in dossiers if d.opinion and d.opinion.is_approved),
            "refusal": opinions.writing_refusal(jury, jury.call),
        },
    )


def _opinion_or_none(dossier):
    try:
        return dossier.jury_opinion
    except JuryOpinion.DoesNotExist:
        return None


@staff_required
def opinion_page(request, call_slug, dossier_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    dossier = (
        jury_dossiers(jury).select_related("administration", "call").filter(pk=dossier_id).first()
    )
    if dossier is None:
        raise Http404
    opinion = opinions.opinion_of(dossier)
    form = None
    if request.method == "POST":
        form = OpinionForm(request.POST, staff=True)
        if form.is_valid():
            approve = OpinionForm.APPROVE in request.POST
            try:
                opinions.staff_save_opinion(
                    request.user,
                    jury,
                    dossier,
                    text=form.cleaned_data["text"],
                    version=form.cleaned_data.get("version"),
                    approve=approve,
                )
            except WorkflowError as exc:
                # The form is shown again with what was typed: nothing is lost.
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    (_("Avis du dossier %(ref)s approuvé.") if approve else _("Avis enregistré."))
                    % {"ref": dossier.reference},
                )
                return redirect("jury:opinions", call_slug=jury.call.slug)
    if form is None:
        form = OpinionForm(initial=opinion_initial(opinion), staff=True)
    rapporteurs = list(
        RapporteurAssignment.objects.filter(dossier=dossier)
        .select_related("member")
        .order_by(*french("member__public_name"))
    )
    return render(
        request,
        "jury/review/opinion.html",
        {
            "jury": jury,
            "call": jury.call,
            "dossier": dossier,
            "opinion": opinion,
            "rapporteurs": rapporteurs,
            "refusal": opinions.writing_refusal(jury, jury.call),
            "form": form,
        },
    )
