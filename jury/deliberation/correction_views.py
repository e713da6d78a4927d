"""Staff screens of the « Rectificatifs » of a call's published results, under
``/instruction/appels/<slug>/rectificatifs/``: prepare a correction, plan its changes, publish
it. Staff of the programme only (anyone else: login page or 404). Every change goes through
``jury.deliberation.corrections``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from calls.models import Category
from calls.permissions import get_staff_call_or_404
from jury.deliberation import corrections
from jury.deliberation.correction_forms import ChangeForm, CorrectionForm
from jury.models import ResultCorrection
from relance.formatting import format_euros
from relance.permissions import staff_required
from relance.workflow import WorkflowError
from submissions.models import Administration, Dossier


def _url(correction, dossier=None):
    url = reverse(
        "jury:correction", kwargs={"call_slug": correction.call.slug, "pk": correction.pk}
    )
    return f"{url}?dossier={dossier}" if dossier else url


def _dossier_param(request):
    """``?dossier=<pk>``, from a dossier's deliberation page: the dossier to preselect."""
    value = request.GET.get("dossier", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@staff_required
def correction_list(request, call_slug):
    call = get_staff_call_or_404(request.user, call_slug)
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            correction = corrections.create_correction(request.user, call, **form.cleaned_data)
        except WorkflowError as exc:
            error = exc.message
        else:
            messages.success(request, _("Rectificatif créé : ajoutez-y les modifications."))
            return redirect(_url(correction, _dossier_param(request)))
    return render(
        request,
        "jury/corrections/list.html",
        {
            "call": call,
            "form": form,
            "error": error,
            "error_form": "correction",
            "corrections": ResultCorrection.objects.filter(call=call).select_related(
                "created_by", "published_by"
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


def _planned_rows(correction):
    """The planned changes with what they name (three queries whatever their number)."""
    planned = correction.planned
    dossiers = Dossier.objects.in_bulk([c["dossier"] for c in planned])
    categories = Category.objects.in_bulk(
        [int(c["category"]) for c in planned if str(c.get("category", "")).isdigit()]
    )
    administrations = Administration.objects.in_bulk(
        [int(c["administration"]) for c in planned if str(c.get("administration", "")).isdigit()]
    )
    labels = dict(corrections.K.choices)
    rows = []
    for index, change in enumerate(planned):
        value = change.get("title") or ""
        if change.get("granted_amount"):
            try:
                value = format_euros(Decimal(change["granted_amount"]), cents=True)
            except InvalidOperation:
                value = change["granted_amount"]  # refused, with its reason, at publication
        if change.get("subtitle"):
            value = f"{value} — {change['subtitle']}"
        if change.get("category"):
            value = getattr(categories.get(int(change["category"])), "name", "")
        if change.get("administration"):
            value = getattr(administrations.get(int(change["administration"])), "name", "")
        rows.append(
            {
                "index": index,
                "kind": labels.get(change["kind"], change["kind"]),
                "dossier": dossiers.get(change["dossier"]),
                "value": value,
            }
        )
    return rows


@staff_required
def correction_page(request, call_slug, pk):
    call = get_staff_call_or_404(request.user, call_slug)
    correction = ResultCorrection.objects.filter(call=call, pk=pk).first()
    if correction is None:
        raise Http404
    correction.call = call
    header = CorrectionForm(
        initial={
            "official_date": correction.official_date,
            "act_reference": correction.act_reference,
            "reason": correction.reason,
            "summary": correction.summary,
        }
    )
    change = ChangeForm(call, initial={"dossier": _dossier_param(request)})
    error, error_form, status = None, "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "header":
                header = CorrectionForm(request.POST)
                if header.is_valid():
                    corrections.update_correction(request.user, correction, **header.cleaned_data)
                    messages.success(request, _("Rectificatif enregistré."))
                    return redirect(_url(correction))
            elif action == "add":
                change = ChangeForm(call, request.POST)
                if change.is_valid():
                    corrections.plan_change(
                        request.user,
                        correction,
                        change.cleaned_data["kind"],
                        change.cleaned_data["dossier"],
                        **change.parameters(),
                    )
                    messages.success(request, _("Modification ajoutée au rectificatif."))
                    return redirect(_url(correction))
            elif action == "drop":
                index = request.POST.get("index", "")
                corrections.drop_change(
                    request.user, correction, int(index) if index.isdigit() else -1
                )
                messages.success(request, _("Modification retirée du rectificatif."))
                return redirect(_url(correction))
            elif action == "publish":
                done = corrections.publish_correction(request.user, correction)
                messages.success(
                    request,
                    _("Rectificatif publié : %(n)s modification(s) appliquée(s).")
                    % {"n": len(done)},
                )
                return redirect(_url(correction))
            else:
                error, error_form = _("Action inconnue."), "publish"
        except WorkflowError as exc:
            error, error_form = (
                exc.message,
                {"header": "correction", "add": "change"}.get(action, "publish"),
            )
        status = 400
    correction.refresh_from_db()
    return render(
        request,
        "jury/corrections/page.html",
        {
            "call": call,
            "correction": correction,
            "header": header,
            "change": change,
            "rows": _planned_rows(correction),
            "amendments": correction.amendments.select_related("dossier").order_by("at", "pk"),
            "error": error,
            "error_form": error_form,
            "history_url": reverse("jury:results_history", args=[call.slug]),
        },
        status=status,
    )
