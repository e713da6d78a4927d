"""A juror's bid on a dossier (from their dossier list, during the bidding phase) and the
jury's opinion for the applicant (from the dossier's page, rapporteurs and president)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jury.permissions import get_juror_dossier_or_404, get_member_or_404
from jury.review import opinions
from jury.review import workflow as review
from jury.review.forms import OpinionForm, opinion_initial
from relance.workflow import WorkflowError


@login_required
@require_POST
def juror_bid(request, jury_id, pk):
    member = get_member_or_404(request.user, jury_id)
    dossier = get_juror_dossier_or_404(member, pk)
    try:
        review.place_bid(request.user, member, dossier, request.POST.get("preference", ""))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Souhait enregistré pour le dossier %(ref)s.") % {"ref": dossier.reference}
        )
    return redirect(f"{_list_url(member)}#dossier-{dossier.pk}")


def _list_url(member):
    return reverse("jury:juror_dossier_list", kwargs={"jury_id": member.jury_id})


@login_required
def juror_opinion(request, jury_id, pk):
    member = get_member_or_404(request.user, jury_id)
    dossier = get_juror_dossier_or_404(member, pk)
    # Only its rapporteurs and the president write it; the other members do not see it.
    if not opinions.is_writer(member, dossier.pk):
        raise Http404
    opinion = opinions.opinion_of(dossier)
    refusal = opinions.writing_refusal(member.jury, dossier.call)
    form = None
    if request.method == "POST":
        form = OpinionForm(request.POST)
        if form.is_valid():
            try:
                opinions.save_opinion(
                    request.user,
                    member,
                    dossier,
                    text=form.cleaned_data["text"],
                    version=form.cleaned_data.get("version"),
                )
            except WorkflowError as exc:
                # The form is shown again with what was typed: nothing is lost.
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("Avis enregistré. L’équipe d’instruction le relira et l’approuvera.")
                )
                return redirect("jury:juror_opinion", jury_id=member.jury_id, pk=dossier.pk)
    if form is None:
        form = OpinionForm(initial=opinion_initial(opinion))
    return render(
        request,
        "jury/juror/opinion.html",
        {
            "member": member,
            "jury": member.jury,
            "call": dossier.call,
            "dossier": dossier,
            "opinion": opinion,
            "refusal": refusal,
            "form": form,
        },
    )
