"""A juror's bid on a dossier, posted from their dossier list during the bidding phase."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jury.permissions import get_juror_dossier_or_404, get_member_or_404
from jury.review import workflow as review
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
