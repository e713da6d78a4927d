"""Applicant screens (agents of administrations): their dossiers, from the draft to the outcome.

Views are thin: they read through ``submissions.permissions`` (a dossier of another
administration answers 404) and change things only through ``submissions.workflow``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls.models import Call
from relance.forms import refusal_shown_on
from relance.ordering import french
from relance.permissions import has_perm
from relance.workflow import WorkflowError
from submissions import intake, workflow
from submissions.display import (
    committee_hearing,
    dossier_rounds,
    dossier_summary,
    granted_amount,
    published_hearing_slot,
    published_jury_opinion,
)
from submissions.forms import (
    SECTIONS,
    CompleteForm,
    DossierCreateForm,
    WithdrawForm,
    section_statuses,
)
from submissions.models import (
    Administration,
    Dossier,
    DossierMessage,
    DossierState,
    MembershipRequest,
)
from submissions.permissions import get_dossier_or_404

S = DossierState
# The actions an applicant may see on their dossier, with the page that performs each.
ACTION_URLS = {
    "submit": "submissions:dossier_submit",
    "complete": "submissions:dossier_complete",
    "withdraw": "submissions:dossier_withdraw",
}
PUBLISHED_DECISION_STATES = (S.PRESELECTED, S.NOT_PRESELECTED, S.LAUREATE, S.NOT_SELECTED)
# The jury's outcome comes after the preselection; the callout says which decision it is.
JURY_DECISION_STATES = (S.LAUREATE, S.NOT_SELECTED)


def applicant_dossier(request, pk) -> Dossier:
    return get_dossier_or_404(request.user, pk, "submissions.act_as_applicant")


def next_action(dossier: Dossier, now) -> str:
    """What the applicant should do (or expect) next, in one sentence."""
    call = dossier.call
    is_open = call.is_open_at(now)
    if dossier.state == S.DRAFT:
        if not is_open:
            return _("Appel clos : ce brouillon ne peut plus être déposé.")
        if call.closes_at:
            return _("Compléter puis déposer avant le %(date)s à %(time)s.") % {
                "date": _date(call.closes_at),
                "time": _time(call.closes_at),
            }
        return _("Compléter puis déposer le dossier.")
    if dossier.state == S.INCOMPLETE:
        return _("Compléter le dossier à la demande de l’équipe d’instruction.")
    if dossier.state == S.SUBMITTED:
        if is_open and call.closes_at:
            return _("Déposé. Modifiable jusqu’à la clôture, le %(date)s à %(time)s.") % {
                "date": _date(call.closes_at),
                "time": _time(call.closes_at),
            }
        return _("Déposé : en cours d’instruction.")
    if dossier.state == S.PRESELECTED:
        return _("Présélectionné : attendre la convocation à l’audition.")
    if dossier.state == S.LAUREATE:
        return _("Lauréat : l’équipe du programme vous contactera.")
    return _("Aucune action attendue.")


def _date(value):
    return date_format(timezone.localtime(value), "j F Y")


def _time(value):
    return time_format(timezone.localtime(value), "H:i")


def applicant_actions(user, dossier) -> list[dict]:
    """Links to the transitions this applicant may fire now (from the workflow's table)."""
    actions = []
    for transition in workflow.allowed_transitions(user, dossier):
        if workflow.APPLICANT not in transition.roles or transition.name not in ACTION_URLS:
            continue
        actions.append(
            {
                "name": transition.name,
                "label": transition.label,
                "url": reverse(ACTION_URLS[transition.name], kwargs={"pk": dossier.pk}),
            }
        )
    return actions


def _acknowledgement_emails(user, dossier) -> list[str]:
    emails = [user.email]
    if dossier.contact_email and dossier.contact_email.lower() != user.email.lower():
        emails.append(dossier.contact_email)
    return emails


# « Mes dossiers » ---------------------------------------------------------------------


@login_required
def dossier_list(request):
    user = request.user
    now = timezone.now()
    dossiers = (
        Dossier.objects.of_applicant(user)
        .select_related("call", "administration")
        .order_by("-call__opens_at", "call__title", "call_id", "number")
    )
    calls = list(
        Call.objects.filter(dossiers__administration__memberships__user=user)
        .distinct()
        .order_by("-opens_at", "title")
    )
    selected_call = None
    call_slug = request.GET.get("appel", "")
    if call_slug:
        selected_call = next((c for c in calls if c.slug == call_slug), None)
        if selected_call is not None:
            dossiers = dossiers.filter(call=selected_call)
    dossiers = list(dossiers)
    for dossier in dossiers:
        dossier.next_action = next_action(dossier, now)
    administrations = list(
        Administration.objects.filter(memberships__user=user).order_by(*french("name"))
    )
    open_calls = (
        list(Call.objects.public().open(now).select_related("programme").order_by("closes_at"))
        if administrations
        else []
    )
    # Without an administration, the page leads to the request to join one.
    pending_requests = (
        []
        if administrations
        else list(
            MembershipRequest.objects.filter(
                user=user, status=MembershipRequest.Status.PENDING
            ).select_related("administration")
        )
    )
    return render(
        request,
        "submissions/applicant/dossier_list.html",
        {
            "dossiers": dossiers,
            "calls": calls,
            "selected_call": selected_call,
            "administrations": administrations,
            "open_calls": open_calls,
            "pending_requests": pending_requests,
            "can_request": has_perm(user, "submissions.request_membership"),
        },
    )


# Starting a dossier -------------------------------------------------------------------


@login_required
def dossier_create(request, call_slug):
    call = get_object_or_404(
        Call.objects.public().with_status().select_related("programme"), slug=call_slug
    )
    administrations = Administration.objects.filter(memberships__user=request.user).order_by(
        *french("name")
    )
    eligible = administrations.filter(kind__in=call.eligible_kinds)
    context = {"call": call, "refusal": None}
    if not call.is_open:
        context["refusal"] = "closed"
    elif not administrations.exists():
        context["refusal"] = "no_membership"
        context["can_request"] = has_perm(request.user, "submissions.request_membership")
    elif not eligible.exists():
        context["refusal"] = "ineligible"
        context["administrations"] = list(administrations)
        context["administration_names"] = ", ".join(a.name for a in context["administrations"])
    elif not request.user.email_confirmed:
        # Nothing is filed before the account's address is confirmed.
        context["refusal"] = "email_unconfirmed"
    if context["refusal"]:
        status = 403 if request.method == "POST" else 200
        return render(request, "submissions/applicant/dossier_create.html", context, status=status)

    if request.method == "POST":
        form = DossierCreateForm(request.POST, administrations=eligible)
        if form.is_valid():
            with refusal_shown_on(form):
                dossier, created = workflow.create_dossier(
                    request.user,
                    call,
                    form.cleaned_data["administration"],
                    title=form.cleaned_data["title"],
                    token=form.cleaned_data["token"],
                )
                if created:
                    messages.success(
                        request,
                        _("Dossier %(ref)s créé. Complétez-le section par section.")
                        % {"ref": dossier.reference},
                    )
                return redirect(dossier)
    else:
        form = DossierCreateForm(administrations=eligible, initial={"token": uuid.uuid4()})
    context["form"] = form
    return render(request, "submissions/applicant/dossier_create.html", context)


# The dossier page -----------------------------------------------------------------------


@login_required
def dossier_detail(request, pk):
    dossier = get_dossier_or_404(
        request.user,
        pk,
        "submissions.act_as_applicant",
        queryset=Dossier.objects.select_related("registered_by", "call__programme"),
    )
    return render(
        request,
        "submissions/applicant/dossier_detail.html",
        {
            "dossier": dossier,
            "summary": dossier_summary(dossier),
            "budget_lines": list(dossier.budget_lines.all()),
            "attachments": list(dossier.attachments.all()),
            "dossier_messages": list(dossier.messages.all()),
            "actions": applicant_actions(request.user, dossier),
            "editable": dossier.is_editable_by_applicant,
            "decision_published": dossier.state in PUBLISHED_DECISION_STATES,
            "jury_decision": dossier.state in JURY_DECISION_STATES,
            "granted_amount": granted_amount(dossier),
            "jury_opinion": published_jury_opinion(dossier),
            "hearing_slot": published_hearing_slot(dossier),
            "committee_hearing": committee_hearing(dossier),
            "rounds": dossier_rounds(dossier),
            "resubmission_calls": intake.resubmission_calls(dossier),
        },
    )


@login_required
@require_POST
def dossier_resubmit(request, pk, call_slug):
    """Copy a dossier not retained into a new draft of a later open call of its programme."""
    dossier = applicant_dossier(request, pk)
    call = Call.objects.select_related("programme").filter(slug=call_slug).first()
    if call is None:
        raise Http404
    try:
        draft, created = intake.resubmit(request.user, dossier, call)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect(dossier)
    if created:
        messages.success(
            request,
            _(
                "Brouillon %(ref)s créé dans l’appel « %(call)s » à partir du dossier %(from)s : "
                "relisez-le, complétez-le puis déposez-le."
            )
            % {"ref": draft.reference, "call": call.title, "from": dossier.reference},
        )
    else:
        messages.info(
            request,
            _("Ce dossier a déjà été redéposé dans l’appel « %(call)s » : voici ce brouillon.")
            % {"call": call.title},
        )
    return redirect(draft)


# Submission ------------------------------------------------------------------------------


@login_required
def dossier_submit(request, pk):
    dossier = applicant_dossier(request, pk)
    error = None
    if request.method == "POST":
        try:
            workflow.submit(request.user, dossier)
        except WorkflowError as exc:
            current = applicant_dossier(request, pk)
            if current.state == S.SUBMITTED:
                # A second click or a second tab: no second transition, say so.
                messages.info(request, _("Ce dossier a déjà été déposé."))
                return redirect("submissions:dossier_acknowledgement", pk=pk)
            error = exc.message
            dossier = current
        else:
            messages.success(request, _("Votre dossier a bien été déposé."))
            return redirect("submissions:dossier_acknowledgement", pk=pk)
    elif dossier.state == S.SUBMITTED:
        messages.info(request, _("Ce dossier a déjà été déposé."))
        return redirect("submissions:dossier_acknowledgement", pk=pk)
    elif dossier.state != S.DRAFT:
        messages.info(
            request,
            _("Un dossier « %(state)s » ne peut pas être déposé.")
            % {"state": dossier.get_state_display()},
        )
        return redirect(dossier)
    now = timezone.now()
    return render(
        request,
        "submissions/applicant/dossier_submit.html",
        {
            "dossier": dossier,
            "summary": dossier_summary(dossier),
            "budget_lines": list(dossier.budget_lines.all()),
            "attachments": list(dossier.attachments.all()),
            # The empty fields, grouped by section and linked to; then the other problems.
            "missing_sections": [status for status in section_statuses(dossier) if status.missing],
            "problems": dossier.consistency_errors(),
            "call_open": dossier.call.is_open_at(now),
            "error": error,
        },
    )


@login_required
def dossier_acknowledgement(request, pk):
    dossier = applicant_dossier(request, pk)
    if dossier.submitted_at is None:
        return redirect(dossier)
    return render(
        request,
        "submissions/applicant/acknowledgement.html",
        {"dossier": dossier, "emails": _acknowledgement_emails(request.user, dossier)},
    )


# Completion, withdrawal --------------------------------------------------------------------


@login_required
def dossier_complete(request, pk):
    dossier = applicant_dossier(request, pk)
    if dossier.state != S.INCOMPLETE:
        messages.info(request, _("Aucun complément n’est demandé pour ce dossier."))
        return redirect(dossier)
    error = None
    if request.method == "POST":
        form = CompleteForm(request.POST)
        if form.is_valid():
            try:
                workflow.complete(request.user, dossier, reply=form.cleaned_data["reply"])
            except WorkflowError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("Dossier complété : il est de nouveau transmis à l’équipe d’instruction."),
                )
                return redirect(dossier)
    else:
        form = CompleteForm()
    request_message = (
        dossier.messages.filter(kind=DossierMessage.Kind.REQUEST_ADDITIONS)
        .order_by("-created_at", "-pk")
        .first()
    )
    return render(
        request,
        "submissions/applicant/dossier_complete.html",
        {
            "dossier": dossier,
            "request_message": request_message,
            "problems": dossier.validation_errors(),
            "sections": SECTIONS.values(),
            "form": form,
            "error": error,
        },
    )


@login_required
def dossier_withdraw(request, pk):
    dossier = applicant_dossier(request, pk)
    can_withdraw = any(a["name"] == "withdraw" for a in applicant_actions(request.user, dossier))
    if not can_withdraw:
        messages.info(
            request,
            _("Un dossier « %(state)s » ne peut pas être retiré.")
            % {"state": dossier.get_state_display()},
        )
        return redirect(dossier)
    error = None
    if request.method == "POST":
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                workflow.withdraw(request.user, dossier, reason=form.cleaned_data["reason"])
            except WorkflowError as exc:
                error = exc.message
            else:
                messages.success(request, _("Le dossier a été retiré."))
                return redirect(dossier)
    else:
        form = WithdrawForm()
    return render(
        request,
        "submissions/applicant/dossier_withdraw.html",
        {"dossier": dossier, "form": form, "error": error},
    )
