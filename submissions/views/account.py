"""The agent's administrations, from their account (``/compte/administrations/``): the ones
they belong to (they may leave any), their requests to join one, and the search to ask.

Every page needs ``submissions.request_membership`` (a signed-in account outside the
instruction team): anonymous visitors log in, instructors get 404. Views are thin; changes go
through ``submissions.administrations``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.forms import refusal_shown_on
from relance.ordering import french
from relance.permissions import permission_required
from relance.workflow import WorkflowError
from submissions import administrations as workflow
from submissions.administration_forms import JoinSearchForm, MembershipRequestForm
from submissions.filters import search_administrations
from submissions.models import Administration, Dossier, Membership, MembershipRequest

R = MembershipRequest.Status
RESULTS_PAGE_SIZE = 20
# Decided requests shown on the account page: the latest ones.
RECENT_DECISIONS = 10

agent_required = permission_required("submissions.request_membership")


def _annotated_for(user, queryset):
    """``queryset`` with, per administration, whether ``user`` belongs or has asked."""
    return queryset.annotate(
        is_member=Exists(Membership.objects.filter(administration=OuterRef("pk"), user=user)),
        is_pending=Exists(
            MembershipRequest.objects.filter(
                administration=OuterRef("pk"), user=user, status=R.PENDING
            )
        ),
    )


@agent_required
def my_administrations(request):
    user = request.user
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("administration__ministry")
        .order_by(*french("administration__name"))
    )
    requests = MembershipRequest.objects.filter(user=user).select_related("administration")
    pending = list(requests.filter(status=R.PENDING).order_by("created_at", "pk"))
    decided = list(
        requests.exclude(status=R.PENDING).order_by("-decided_at", "-pk")[:RECENT_DECISIONS]
    )
    return render(
        request,
        "submissions/account/administrations.html",
        {"memberships": memberships, "pending": pending, "decided": decided},
    )


@agent_required
def join_search(request):
    form = JoinSearchForm(request.GET or None)
    page = page_range = None
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
    if query:
        results = search_administrations(
            _annotated_for(request.user, Administration.objects.select_related("ministry")),
            query,
        ).order_by(*french("name"), "pk")
        page = Paginator(results, RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
        page_range = list(
            page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        )
    return render(
        request,
        "submissions/account/join_search.html",
        {"form": form, "query": query, "page_obj": page, "page_range": page_range},
    )


@agent_required
def join_request(request, pk):
    administration = get_object_or_404(
        _annotated_for(request.user, Administration.objects.select_related("ministry")), pk=pk
    )
    back = reverse("submissions:join_search")
    if administration.is_member:
        messages.info(
            request,
            _("Vous êtes déjà rattaché·e à « %(name)s ».") % {"name": administration.name},
        )
        return redirect("submissions:my_administrations")
    form = MembershipRequestForm(request.POST or None, cancel_url=back)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            _request, created = workflow.request_membership(
                request.user, administration, message=form.cleaned_data["message"]
            )
            if created:
                messages.success(
                    request,
                    _(
                        "Demande envoyée. L’équipe d’instruction va l’examiner ; vous serez "
                        "informé·e de sa décision par courriel."
                    ),
                )
            else:
                messages.info(
                    request,
                    _("Votre demande de rattachement à « %(name)s » est déjà en attente.")
                    % {"name": administration.name},
                )
            return redirect("submissions:my_administrations")
    return render(
        request,
        "submissions/account/join_request.html",
        {"administration": administration, "form": form},
    )


@agent_required
@require_POST
def join_cancel(request, pk):
    membership_request = get_object_or_404(
        MembershipRequest.objects.select_related("administration"), pk=pk, user=request.user
    )
    try:
        workflow.cancel_membership_request(request.user, membership_request)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Demande de rattachement à « %(name)s » annulée.")
            % {"name": membership_request.administration_label},
        )
    return redirect("submissions:my_administrations")


@agent_required
def leave(request, pk):
    membership = get_object_or_404(
        Membership.objects.select_related("administration"), administration_id=pk, user=request.user
    )
    administration = membership.administration
    if request.method == "POST":
        try:
            workflow.leave_administration(request.user, administration)
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Vous n’êtes plus rattaché·e à « %(name)s ». Ses dossiers lui restent.")
                % {"name": administration.name},
            )
        return redirect("submissions:my_administrations")
    return render(
        request,
        "submissions/account/leave.html",
        {
            "administration": administration,
            "n_dossiers": Dossier.objects.filter(administration=administration).count(),
        },
    )
