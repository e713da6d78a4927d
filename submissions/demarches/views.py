"""The staff screen of a call's Démarches Simplifiées import, under ``/instruction/``.

Staff of the call's programme only (404 for anyone else): connect the procedure, map its
champs, start an import and follow it. Thin: every change goes through ``workflow``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from calls.permissions import get_staff_call_or_404
from relance.permissions import has_perm, staff_required
from relance.workflow import WorkflowError
from submissions.demarches import workflow
from submissions.demarches.forms import ConnectionForm, MappingForm, RunForm
from submissions.models import DemarcheImport, DemarcheLink


@staff_required
def settings_page(request, call_slug):
    call = get_staff_call_or_404(request.user, call_slug)
    link = DemarcheLink.objects.filter(call=call).first()
    action = request.POST.get("action") if request.method == "POST" else None
    connection = ConnectionForm(
        request.POST if action == "connect" else None,
        connected=link is not None,
        initial={"procedure_number": link.procedure_number} if link else None,
    )
    mapping = MappingForm(
        request.POST if action == "mapping" else None, initial=link.mapping if link else None
    )
    run = RunForm(request.POST if action == "run" else None)
    error = None
    if action == "connect" and connection.is_valid():
        try:
            workflow.connect(
                request.user,
                call,
                procedure_number=connection.cleaned_data["procedure_number"],
                token=connection.cleaned_data["token"],
            )
        except WorkflowError as exc:
            error = exc.message
        else:
            messages.success(request, _("La démarche est connectée à cet appel."))
            return redirect("submissions:instruction_ds", call_slug=call.slug)
    elif action == "mapping" and link is not None and mapping.is_valid():
        try:
            workflow.save_mapping(request.user, link, mapping.cleaned_data)
        except WorkflowError as exc:
            error = exc.message
        else:
            messages.success(request, _("La correspondance des champs est enregistrée."))
            return redirect("submissions:instruction_ds", call_slug=call.slug)
    elif action == "run" and link is not None and run.is_valid():
        try:
            job = workflow.start_import(
                request.user, link, from_start=run.cleaned_data["from_start"]
            )
        except WorkflowError as exc:
            error = exc.message
        else:
            return redirect(job.get_absolute_url())
    elif action in ("mapping", "run") and link is None:
        error = _("Connectez d’abord la démarche.")
    elif action in ("connect", "mapping", "run"):
        error = _("Corrigez les champs signalés ci-dessous.")
    return render(
        request,
        "submissions/staff/demarches.html",
        {
            "call": call,
            "link": link,
            "connection_form": connection,
            "mapping_form": mapping,
            "run_form": run,
            "error": error,
            "imports": list(link.imports.select_related("requested_by")[:5]) if link else [],
        },
    )


@staff_required
@require_GET
def import_status(request, pk):
    job = get_object_or_404(
        DemarcheImport.objects.select_related("link__call__programme", "requested_by"), pk=pk
    )
    if not has_perm(request.user, "calls.instruct", job.link.call):
        raise Http404
    return render(
        request,
        "submissions/staff/demarches_import.html",
        {"call": job.link.call, "job": job, "statuses": DemarcheImport.Status},
    )
