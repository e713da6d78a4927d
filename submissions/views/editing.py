"""Applicant screens for editing a dossier: its sections, one form each, and its attachments.

Views are thin: they read through ``submissions.permissions`` (a dossier of another
administration answers 404) and change things only through ``submissions.workflow``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.workflow import WorkflowError
from submissions import workflow
from submissions.display import attachment_response
from submissions.forms import SECTIONS, AttachmentForm, budget_line_formset, section_statuses
from submissions.models import Attachment, DossierState
from submissions.permissions import get_dossier_or_404
from submissions.views.applicant import applicant_dossier

S = DossierState

# Editing by sections ------------------------------------------------------------------


def _not_editable(request, dossier):
    messages.warning(
        request,
        _("Ce dossier « %(state)s » ne peut plus être modifié.")
        % {"state": dossier.get_state_display()},
    )
    return redirect(dossier)


@login_required
def dossier_edit(request, pk, section):
    spec = SECTIONS.get(section)
    if spec is None:
        raise Http404
    dossier = applicant_dossier(request, pk)
    if request.method != "POST" and not dossier.is_editable_by_applicant:
        return _not_editable(request, dossier)
    error = None
    if request.method == "POST":
        form = spec.form_class(request.POST, dossier=dossier)
        formset = (
            budget_line_formset(request.POST, dossier=dossier) if spec.has_budget_lines else None
        )
        if form.is_valid() and (formset is None or formset.is_valid()):
            try:
                _save_section(request.user, dossier, form, formset)
            except WorkflowError as exc:
                # Stale version, deadline, closed state: the typed values are shown again.
                error = exc.message
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(
                    request,
                    _("Section « %(section)s » enregistrée.") % {"section": spec.title},
                )
                if NEXT_SECTION in request.POST:
                    return redirect(_following_page(dossier, spec))
                return redirect(f"{dossier.get_absolute_url()}#section-{spec.slug}")
    else:
        form = spec.form_class(dossier=dossier)
        formset = budget_line_formset(dossier=dossier) if spec.has_budget_lines else None
    statuses = section_statuses(dossier)
    current = next(status for status in statuses if status.section.slug == spec.slug)
    following = statuses[current.number] if current.number < len(statuses) else None
    return render(
        request,
        "submissions/applicant/dossier_edit.html",
        {
            "dossier": dossier,
            "section": spec,
            "statuses": statuses,
            "current": current,
            "following": following,
            # After the last section, a draft is checked on the submit page.
            "checks_next": following is None and dossier.state == S.DRAFT,
            "form": form,
            "formset": formset,
            "budget_total": formset.typed_total() if formset is not None else None,
            "error": error,
        },
    )


# The name of the button « Enregistrer et passer à la section suivante ».
NEXT_SECTION = "suivante"


def _following_page(dossier, spec) -> str:
    """The next section; after the last one, the submit page (a draft) or the dossier."""
    slugs = list(SECTIONS)
    index = slugs.index(spec.slug)
    if index + 1 < len(slugs):
        return reverse(
            "submissions:dossier_edit", kwargs={"pk": dossier.pk, "section": slugs[index + 1]}
        )
    if dossier.state == S.DRAFT:
        return reverse("submissions:dossier_submit", kwargs={"pk": dossier.pk})
    return dossier.get_absolute_url()


def _save_section(user, dossier, form, formset):
    # One transaction: the fields and the budget lines are saved together or not at all.
    with transaction.atomic():
        updated = workflow.update_dossier(
            user, dossier, form.changes(), version=form.cleaned_data["version"]
        )
        if formset is None:
            return
        lines = formset.lines()
        current = [
            {"label": line.label, "nature": line.nature, "amount": line.amount}
            for line in dossier.budget_lines.all()
        ]
        if lines != current:
            workflow.replace_budget_lines(user, updated, lines, version=updated.version)


# Attachments ------------------------------------------------------------------------------


@login_required
def attachments(request, pk):
    dossier = applicant_dossier(request, pk)
    error = None
    if request.method == "POST":
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            content_type, size, sha256 = form.checked
            upload = form.cleaned_data["file"]
            try:
                attachment = workflow.add_attachment(
                    request.user,
                    dossier,
                    file=upload,
                    original_name=upload.name,
                    content_type=content_type,
                    size=size,
                    sha256=sha256,
                    description=form.cleaned_data["description"],
                )
            except WorkflowError as exc:
                error = exc.message
            else:
                messages.success(
                    request, _("Pièce « %(name)s » ajoutée.") % {"name": attachment.original_name}
                )
                return redirect("submissions:dossier_attachments", pk=dossier.pk)
    else:
        form = AttachmentForm()
    return render(
        request,
        "submissions/applicant/attachments.html",
        {
            "dossier": dossier,
            "attachments": list(dossier.attachments.all()),
            "form": form,
            "error": error,
            "editable": dossier.is_editable_by_applicant,
        },
    )


@login_required
def attachment_download(request, pk, attachment_pk):
    # Shared with the staff screens: members of the administration and instructors.
    dossier = get_dossier_or_404(request.user, pk, "submissions.see_dossier")
    return attachment_response(dossier, attachment_pk)


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    dossier = applicant_dossier(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, dossier=dossier)
    try:
        workflow.remove_attachment(request.user, attachment)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Pièce « %(name)s » supprimée.") % {"name": attachment.original_name}
        )
    return redirect("submissions:dossier_attachments", pk=dossier.pk)
