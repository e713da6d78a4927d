"""Staff screens of the deliberation, under ``/instruction/appels/<slug>/jury/deliberation/``.

The table of the dossiers before the jury with their recorded decision, one page per
dossier to record it (once the results are published, it lists their amendments and links
to the call's « rectificatifs », the only way to change them), the minutes, closing, and the
publication of the results. Staff only: anonymous users go to the login page, any other
account gets a 404. Every change goes through ``jury.deliberation.workflow``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from jury.deliberation import letters, workflow
from jury.deliberation.forms import AwardForm, GrantDetailsForm, MinutesForm, ReopenForm
from jury.models import Award, Deliberation, ResultAmendment, ResultCorrection
from jury.permissions import JURY_STATES, get_staff_jury_or_404
from jury.review.rules import phase_of
from relance.formatting import format_euros
from relance.permissions import staff_required
from relance.workflow import WorkflowError
from submissions.documents.content import submitted_dossier_or_404
from submissions.documents.render import pdf_response
from submissions.models import Dossier, DossierState

S = DossierState

CHANGE_LABELS = {
    "state": gettext_lazy("État du dossier"),
    "decision": gettext_lazy("Décision"),
    "granted_amount": gettext_lazy("Cofinancement accordé"),
    "reason": gettext_lazy("Motif du jury"),
    "decision_reason": gettext_lazy("Motif communiqué à l’administration"),
    "title": gettext_lazy("Titre"),
    "subtitle": gettext_lazy("Sous-titre"),
    "administration": gettext_lazy("Administration"),
}


def _deliberation(jury) -> Deliberation:
    # Read without creating: a GET changes nothing; the workflow creates it when needed.
    return Deliberation.objects.filter(jury=jury).first() or Deliberation(jury=jury)


def _dossiers(jury):
    return (
        Dossier.objects.filter(call_id=jury.call_id, state__in=JURY_STATES)
        .select_related("administration", "category", "award")
        .order_by("number")
    )


def _dossier_or_404(jury, dossier_id) -> Dossier:
    try:
        return (
            Dossier.objects.filter(call_id=jury.call_id, state__in=JURY_STATES)
            .select_related("call", "administration__ministry", "category", "award")
            .get(pk=dossier_id)
        )
    except Dossier.DoesNotExist:
        raise Http404 from None


def _award(dossier) -> Award | None:
    # A missing reverse one-to-one raises an AttributeError subclass.
    return getattr(dossier, "award", None)


def _ranking_url(jury) -> str:
    try:
        return reverse("jury:ranking", kwargs={"call_slug": jury.call.slug})
    except NoReverseMatch:
        return ""


def _home_url(jury) -> str:
    return reverse("jury:deliberation", kwargs={"call_slug": jury.call.slug})


def _dossier_url(jury, dossier) -> str:
    return reverse(
        "jury:deliberation_dossier", kwargs={"call_slug": jury.call.slug, "dossier_id": dossier.pk}
    )


def _show(key, value) -> str:
    """A before/after value as shown in the history of amendments."""
    if value is None or value == "":
        return "—"
    if key == "state" and value in S.values:
        return str(S(value).label)
    if key == "decision" and value in Award.Decision.values:
        return str(Award.Decision(value).label)
    if key == "granted_amount":
        return format_euros(value)
    if key == "administration" and isinstance(value, dict):
        return value.get("name", "—")
    return str(value)


def amendment_rows(amendments) -> list[dict]:
    rows = []
    for amendment in amendments:
        before, after = amendment.before or {}, amendment.after or {}
        changes = [
            {
                "label": CHANGE_LABELS.get(key, key),
                "before": _show(key, before.get(key)),
                "after": _show(key, after.get(key)),
            }
            for key in [*before, *(k for k in after if k not in before)]
            if before.get(key) != after.get(key)
        ]
        rows.append({"amendment": amendment, "changes": changes})
    return rows


def _amendments(deliberation, dossier=None):
    if deliberation.pk is None:
        return []
    amendments = ResultAmendment.objects.filter(deliberation=deliberation).select_related(
        "dossier", "actor"
    )
    if dossier is not None:
        amendments = amendments.filter(dossier=dossier)
    return amendment_rows(amendments.order_by("-at", "-pk"))


# The deliberation's page --------------------------------------------------------------------


def _render_home(request, jury, *, forms=None, error=None, error_form=None, status=200):
    forms = forms or {}
    call = jury.call
    deliberation = _deliberation(jury)
    dossiers = list(_dossiers(jury))
    rows = [{"dossier": d, "award": _award(d)} for d in dossiers]
    decided = [r["award"] for r in rows if r["award"] is not None]
    counts = {
        "dossiers": len(rows),
        "laureate": sum(1 for a in decided if a.decision == Award.Decision.LAUREATE),
        "not_selected": sum(1 for a in decided if a.decision == Award.Decision.NOT_SELECTED),
        "undecided": sum(
            1 for r in rows if r["award"] is None and r["dossier"].state == S.PRESELECTED
        ),
    }
    return render(
        request,
        "jury/deliberation/home.html",
        {
            "jury": jury,
            "call": call,
            "deliberation": deliberation,
            "published": call.results_published_at is not None,
            "phase": phase_of(jury.pk),
            "rows": rows,
            "counts": counts,
            "minutes_form": forms.get("minutes")
            or MinutesForm(
                initial={
                    "held_on": deliberation.held_on,
                    "minutes": deliberation.minutes,
                    "publish_amounts": deliberation.publish_amounts,
                }
            ),
            "reopen_form": forms.get("reopen") or ReopenForm(),
            "amendments": _amendments(deliberation),
            "ranking_url": _ranking_url(jury),
            "error": error,
            "error_form": error_form,
        },
        status=status,
    )


@staff_required
def deliberation_home(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    if request.method != "POST":
        return _render_home(request, jury)
    action = request.POST.get("action")
    form = None
    try:
        if action == "minutes":
            form = MinutesForm(request.POST)
            if not form.is_valid():
                return _render_home(request, jury, forms={"minutes": form}, status=400)
            workflow.update_minutes(
                request.user,
                workflow.get_or_create_deliberation(jury),
                minutes=form.cleaned_data["minutes"],
                held_on=form.cleaned_data["held_on"],
                publish_amounts=form.cleaned_data["publish_amounts"],
            )
            messages.success(request, _("Procès-verbal enregistré."))
        elif action == "close":
            workflow.close_deliberation(request.user, workflow.get_or_create_deliberation(jury))
            messages.success(
                request,
                _(
                    "Délibération close : les décisions et les évaluations ne sont plus "
                    "modifiables."
                ),
            )
        elif action == "reopen":
            form = ReopenForm(request.POST)
            if not form.is_valid():
                return _render_home(request, jury, forms={"reopen": form}, status=400)
            workflow.reopen_deliberation(
                request.user,
                workflow.get_or_create_deliberation(jury),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Délibération rouverte."))
        else:
            raise Http404
    except WorkflowError as exc:
        forms = {action: form} if form is not None else {}
        return _render_home(
            request, jury, forms=forms, error=exc.message, error_form=action, status=400
        )
    return redirect(_home_url(jury))


# One dossier: the decision, the grant details, the amendments ----------------------------------

# Each action of the dossier page: its form, and how it calls the workflow. Published results
# change only through a « rectificatif » (``correction_views``), never from this page.
DOSSIER_ACTIONS = {
    "award": AwardForm,
    "grant": GrantDetailsForm,
}


def _blank_forms(award) -> dict:
    forms = {
        "award": AwardForm(
            initial={
                "decision": award.decision,
                "granted_amount": award.granted_amount,
                "reason": award.reason,
                "public_summary": award.public_summary,
            }
            if award
            else None
        ),
    }
    if award is not None:
        forms["grant"] = GrantDetailsForm(
            initial={
                "convention_date": award.convention_date,
                "decision_reference": award.decision_reference,
                "aid_nature": award.aid_nature,
                "payment_terms": award.payment_terms,
                "payment_period": award.payment_period,
                "eu_notification": award.eu_notification,
            }
        )
    return forms


def _correction_url(call, dossier) -> str:
    """Where to prepare a correction of this dossier: the call's draft if there is one, else
    the call's corrections, to create it; the dossier is preselected either way."""
    draft = (
        ResultCorrection.objects.filter(call=call, published_at__isnull=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if draft is None:
        url = reverse("jury:corrections", kwargs={"call_slug": call.slug})
    else:
        url = reverse("jury:correction", kwargs={"call_slug": call.slug, "pk": draft})
    return f"{url}?dossier={dossier.pk}"


def _render_dossier(request, jury, dossier, *, bound=None, error=None, error_form=None, status=200):
    call = jury.call
    deliberation = _deliberation(jury)
    award = _award(dossier)
    published = call.results_published_at is not None
    forms = _blank_forms(award)
    if bound is not None:
        forms[error_form] = bound
    return render(
        request,
        "jury/deliberation/dossier.html",
        {
            "jury": jury,
            "call": call,
            "deliberation": deliberation,
            "dossier": dossier,
            "award": award,
            "published": published,
            "can_decide": not published
            and deliberation.closed_at is None
            and dossier.state == S.PRESELECTED,
            "can_edit_grant": award is not None and award.decision == Award.Decision.LAUREATE,
            "forms": forms,
            "amendments": _amendments(deliberation, dossier),
            "correction_url": _correction_url(call, dossier) if published else "",
            "error": error,
            "error_form": error_form,
        },
        status=status,
    )


def _call_workflow(user, action, dossier, award, data):
    if action == "award":
        return workflow.record_award(
            user,
            dossier,
            decision=data["decision"],
            granted_amount=data["granted_amount"],
            reason=data["reason"],
            public_summary=data["public_summary"],
        )
    if action == "grant":
        if award is None:
            raise WorkflowError(_("Seul un lauréat a une convention de cofinancement."))
        return workflow.update_award_grant_details(user, award, **data)
    raise Http404


SUCCESS_MESSAGES = {
    "award": gettext_lazy("Décision enregistrée pour %(ref)s."),
    "clear": gettext_lazy("Décision effacée pour %(ref)s."),
    "grant": gettext_lazy("Informations de la convention enregistrées pour %(ref)s."),
}


@staff_required
def deliberation_dossier(request, call_slug, dossier_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    dossier = _dossier_or_404(jury, dossier_id)
    if request.method != "POST":
        return _render_dossier(request, jury, dossier)
    action = request.POST.get("action")
    if action == "clear":
        try:
            workflow.clear_award(request.user, dossier)
        except WorkflowError as exc:
            return _render_dossier(
                request, jury, dossier, error=exc.message, error_form="award", status=400
            )
        messages.success(request, SUCCESS_MESSAGES["clear"] % {"ref": dossier.reference})
        return redirect(_home_url(jury) + f"#dossier-{dossier.pk}")
    form_class = DOSSIER_ACTIONS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_dossier(request, jury, dossier, bound=form, error_form=action, status=400)
    try:
        _call_workflow(request.user, action, dossier, _award(dossier), form.cleaned_data)
    except WorkflowError as exc:
        return _render_dossier(
            request,
            jury,
            dossier,
            bound=form,
            error=exc.message,
            error_form=action,
            status=400,
        )
    messages.success(request, SUCCESS_MESSAGES[action] % {"ref": dossier.reference})
    if action == "award":
        return redirect(_home_url(jury) + f"#dossier-{dossier.pk}")
    return redirect(_dossier_url(jury, dossier))


# Publication of the results ---------------------------------------------------------------------


@staff_required
def deliberation_publish(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    call = jury.call
    error = None
    if request.method == "POST":
        try:
            counts = workflow.publish_results(request.user, call)
        except WorkflowError as exc:
            # Includes a second click: the first publication is already done.
            error = exc.message
        else:
            messages.success(
                request,
                _(
                    "Résultats publiés : %(laureate)s lauréat(s), %(not)s dossier(s) non "
                    "retenu(s). Les administrations sont prévenues par courriel."
                )
                % {"laureate": counts["laureate"], "not": counts["not_selected"]},
            )
            return redirect(_home_url(jury))
        call.refresh_from_db(fields=["results_published_at"])
    preselected = Dossier.objects.filter(call_id=call.pk, state=S.PRESELECTED)
    counts = preselected.aggregate(
        total=Count("pk"),
        laureate=Count("pk", filter=Q(award__decision=Award.Decision.LAUREATE)),
        not_selected=Count("pk", filter=Q(award__decision=Award.Decision.NOT_SELECTED)),
        undecided=Count("pk", filter=Q(award__isnull=True)),
    )
    undecided = list(
        preselected.filter(award__isnull=True)
        .order_by("number")
        .values_list("pk", "reference", "title")
    )
    return render(
        request,
        "jury/deliberation/publish.html",
        {
            "jury": jury,
            "call": call,
            "deliberation": _deliberation(jury),
            "counts": counts,
            "undecided": undecided,
            "published": call.results_published_at is not None,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_safe
def decision_letter(request, pk):
    """The decision letter, for those who see the dossier (its administration, its staff)."""
    dossier = submitted_dossier_or_404(request.user, pk)
    return pdf_response(letters.decision_letter_pdf(dossier), f"decision-{dossier.reference}.pdf")
