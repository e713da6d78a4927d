"""Staff screens of the directory: ministries, administrations, their members, and the
agents' requests to join one. All under ``/instruction/``, all ``relance.instruct``
(administrations are shared by every programme).

Views are thin: they read, filter and render; every change goes through
``submissions.administrations``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance import audit
from relance.forms import refusal_shown_on
from relance.ordering import french
from relance.permissions import staff_required
from relance.workflow import WorkflowError
from submissions import administrations as workflow
from submissions.administration_forms import (
    AdministrationForm,
    AssignAdministrationForm,
    MinistryForm,
    RefuseRequestForm,
)
from submissions.filters import AdministrationFilter
from submissions.models import (
    Administration,
    Dossier,
    Membership,
    MembershipRequest,
    Ministry,
)

PAGE_SIZE = 50
R = MembershipRequest.Status


def _count(model, **filters):
    """Per administration, the number of ``model`` rows about it (a subquery: no join fan-out)."""
    rows = (
        model.objects.filter(administration=OuterRef("pk"), **filters)
        .order_by()
        .values("administration")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page, list(page_range)


def pending_requests_count() -> int:
    return MembershipRequest.objects.filter(status=R.PENDING).count()


# Administrations ------------------------------------------------------------------------------


@staff_required
def administration_list(request):
    filterset = AdministrationFilter(
        request.GET or None,
        queryset=Administration.objects.select_related("ministry").annotate(
            n_members=_count(Membership),
            n_dossiers=_count(Dossier),
            n_pending=_count(MembershipRequest, status=R.PENDING),
        ),
    )
    page, page_range = _page(request, filterset.qs.order_by(*french("name"), "pk"))
    return render(
        request,
        "submissions/staff/administrations/list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "page_range": page_range,
            "n_pending_requests": pending_requests_count(),
        },
    )


def _form_page(request, form, *, title, obj=None, template):
    return render(request, template, {"form": form, "title": title, "object": obj})


def _request_to_identify(request):
    """The pending request, without administration, the creation was started from
    (``?demande=<pk>``), or ``None``."""
    pk = request.GET.get("demande", "")
    if not pk.isdigit():
        return None
    return MembershipRequest.objects.filter(
        pk=int(pk), status=R.PENDING, administration__isnull=True
    ).first()


@staff_required
def administration_create(request):
    # From a request with an unknown SIRET: that SIRET, and back to the request once created.
    to_identify = _request_to_identify(request)
    cancel_url = (
        reverse("submissions:membership_request", kwargs={"pk": to_identify.pk})
        if to_identify
        else reverse("submissions:administration_list")
    )
    form = AdministrationForm(
        request.POST or None,
        initial={"siret": to_identify.siret} if to_identify else None,
        cancel_url=cancel_url,
        submit_label=_("Créer l’administration"),
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            administration = workflow.create_administration(request.user, **form.changes())
            messages.success(
                request, _("Administration « %(name)s » créée.") % {"name": administration.name}
            )
            if to_identify is not None:
                try:
                    workflow.assign_request_administration(
                        request.user, to_identify, administration
                    )
                except WorkflowError as exc:
                    messages.error(request, exc.message)
                return redirect("submissions:membership_request", pk=to_identify.pk)
            return redirect("submissions:administration_detail", pk=administration.pk)
    return _form_page(
        request,
        form,
        title=_("Nouvelle administration"),
        template="submissions/staff/administrations/form.html",
    )


@staff_required
def administration_edit(request, pk):
    administration = get_object_or_404(Administration.objects.select_related("ministry"), pk=pk)
    cancel_url = reverse("submissions:administration_detail", kwargs={"pk": pk})
    form = AdministrationForm(
        request.POST or None,
        instance=Administration.objects.get(pk=pk),  # the form's copy; the page keeps the saved one
        cancel_url=cancel_url,
        submit_label=_("Enregistrer"),
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            workflow.update_administration(request.user, administration, form.changes())
            messages.success(request, _("Administration enregistrée."))
            return redirect("submissions:administration_detail", pk=pk)
    return _form_page(
        request,
        form,
        title=_("Modifier l’administration"),
        obj=administration,
        template="submissions/staff/administrations/form.html",
    )


def _history(administration) -> list[dict]:
    entries = []
    for entry in audit.history(administration)[:100]:
        data = entry.data or {}
        fields = data.get("fields") if isinstance(data.get("fields"), dict) else {}
        details = ""
        if entry.action == audit.AuditAction.ADMINISTRATION_UPDATE:
            details = ", ".join(
                str(Administration._meta.get_field(name).verbose_name)
                for name in fields
                if name in workflow.ADMINISTRATION_FIELDS
            )
        elif data.get("email"):
            details = str(data["email"])
        entries.append(
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": audit.label(entry.action),
                "details": details,
                "reason": entry.reason,
            }
        )
    return entries


@staff_required
def administration_detail(request, pk):
    administration = get_object_or_404(
        Administration.objects.select_related("ministry").annotate(n_dossiers=_count(Dossier)),
        pk=pk,
    )
    return render(
        request,
        "submissions/staff/administrations/detail.html",
        {
            "administration": administration,
            "memberships": list(
                administration.memberships.select_related("user").order_by(
                    "user__last_name", "user__first_name", "user__email"
                )
            ),
            "pending_requests": list(
                administration.membership_requests.filter(status=R.PENDING)
                .select_related("user")
                .order_by("created_at", "pk")
            ),
            "history": _history(administration),
        },
    )


@staff_required
def member_remove(request, pk, membership_pk):
    membership = get_object_or_404(
        Membership.objects.select_related("user", "administration"),
        pk=membership_pk,
        administration_id=pk,
    )
    if request.method == "POST":
        try:
            workflow.remove_member(request.user, membership)
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "%(agent)s n’est plus rattaché·e à « %(name)s ». Ses dossiers restent à "
                    "l’administration."
                )
                % {
                    "agent": membership.user.get_full_name() or membership.user.email,
                    "name": membership.administration.name,
                },
            )
        return redirect("submissions:administration_detail", pk=pk)
    return render(
        request,
        "submissions/staff/administrations/member_remove.html",
        {"membership": membership, "administration": membership.administration},
    )


# Ministries -----------------------------------------------------------------------------------


@staff_required
def ministry_list(request):
    ministries = Ministry.objects.annotate(n_administrations=Count("administrations")).order_by(
        "name", "pk"
    )
    page, page_range = _page(request, ministries)
    return render(
        request,
        "submissions/staff/administrations/ministry_list.html",
        {"page_obj": page, "page_range": page_range},
    )


@staff_required
def ministry_create(request):
    form = MinistryForm(
        request.POST or None,
        cancel_url=reverse("submissions:ministry_list"),
        submit_label=_("Créer le ministère"),
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            ministry = workflow.create_ministry(request.user, **form.cleaned_data)
            messages.success(request, _("Ministère « %(name)s » créé.") % {"name": ministry.name})
            return redirect("submissions:ministry_list")
    return _form_page(
        request,
        form,
        title=_("Nouveau ministère"),
        template="submissions/staff/administrations/ministry_form.html",
    )


@staff_required
def ministry_edit(request, pk):
    ministry = get_object_or_404(Ministry, pk=pk)
    form = MinistryForm(
        request.POST or None,
        instance=Ministry.objects.get(pk=pk),
        cancel_url=reverse("submissions:ministry_list"),
        submit_label=_("Enregistrer"),
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            workflow.update_ministry(request.user, ministry, **form.cleaned_data)
            messages.success(request, _("Ministère enregistré."))
            return redirect("submissions:ministry_list")
    return _form_page(
        request,
        form,
        title=_("Modifier le ministère"),
        obj=ministry,
        template="submissions/staff/administrations/ministry_form.html",
    )


# Membership requests --------------------------------------------------------------------------


@staff_required
def request_list(request):
    show = request.GET.get("statut", "")
    queryset = MembershipRequest.objects.select_related(
        "user", "administration__ministry", "decided_by"
    )
    if show == "traitees":
        queryset = queryset.exclude(status=R.PENDING).order_by("-decided_at", "-pk")
    else:
        show = ""
        queryset = queryset.filter(status=R.PENDING).order_by("created_at", "pk")
    page, page_range = _page(request, queryset)
    return render(
        request,
        "submissions/staff/administrations/request_list.html",
        {"page_obj": page, "page_range": page_range, "show": show},
    )


def _request_or_404(pk) -> MembershipRequest:
    return get_object_or_404(
        MembershipRequest.objects.select_related("user", "administration__ministry", "decided_by"),
        pk=pk,
    )


def _render_request(request, membership_request, *, refuse_form=None, assign_form=None, error=None):
    agent = membership_request.user
    if assign_form is None and membership_request.administration_id is None:
        match = workflow.find_by_siret(membership_request.siret)
        assign_form = AssignAdministrationForm(initial={"administration": match})
    return render(
        request,
        "submissions/staff/administrations/request_detail.html",
        {
            "membership_request": membership_request,
            "administration": membership_request.administration,
            "agent": agent,
            "agent_administrations": list(
                Administration.objects.filter(memberships__user=agent).order_by(*french("name"))
            ),
            "refuse_form": refuse_form or RefuseRequestForm(),
            "assign_form": assign_form,
            "error": error,
        },
    )


@staff_required
def request_detail(request, pk):
    return _render_request(request, _request_or_404(pk))


@staff_required
@require_POST
def request_approve(request, pk):
    membership_request = _request_or_404(pk)
    try:
        workflow.approve_membership_request(request.user, membership_request)
    except WorkflowError as exc:
        return _render_request(request, _request_or_404(pk), error=exc.message)
    messages.success(
        request,
        _(
            "Demande acceptée : %(agent)s est rattaché·e à « %(name)s » et en est informé·e "
            "par courriel."
        )
        % {
            "agent": membership_request.user.get_full_name() or membership_request.user.email,
            "name": membership_request.administration_label,
        },
    )
    return redirect("submissions:membership_requests")


@staff_required
@require_POST
def request_refuse(request, pk):
    membership_request = _request_or_404(pk)
    form = RefuseRequestForm(request.POST)
    if not form.is_valid():
        return _render_request(request, membership_request, refuse_form=form)
    try:
        workflow.refuse_membership_request(
            request.user, membership_request, reason=form.cleaned_data["reason"]
        )
    except WorkflowError as exc:
        return _render_request(request, _request_or_404(pk), refuse_form=form, error=exc.message)
    messages.success(
        request,
        _("Demande refusée : %(agent)s en est informé·e par courriel, avec le motif.")
        % {"agent": membership_request.user.get_full_name() or membership_request.user.email},
    )
    return redirect("submissions:membership_requests")


@staff_required
@require_POST
def request_assign(request, pk):
    """Name the administration of a request that only has the SIRET ProConnect gave."""
    membership_request = _request_or_404(pk)
    form = AssignAdministrationForm(request.POST)
    if not form.is_valid():
        return _render_request(request, membership_request, assign_form=form)
    try:
        workflow.assign_request_administration(
            request.user, membership_request, form.cleaned_data["administration"]
        )
    except WorkflowError as exc:
        return _render_request(request, _request_or_404(pk), assign_form=form, error=exc.message)
    messages.success(
        request,
        _("Administration « %(name)s » choisie : vous pouvez accepter ou refuser la demande.")
        % {"name": form.cleaned_data["administration"].name},
    )
    return redirect("submissions:membership_request", pk=pk)
