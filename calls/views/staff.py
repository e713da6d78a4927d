"""Staff screens of programmes, under ``/instruction/programmes/``: their teams.

A staff account sees the programmes it has a role in; the superuser sees every programme,
to appoint their managers. Everything else answers 404. Changes go through ``calls.team``.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls import open_data, team
from calls.forms import ProgrammeOpenDataForm, RoleGrantForm
from calls.models import Programme, ProgrammeRole, ProgrammeRoleKind
from calls.permissions import managed_programmes, programme_roles, staff_programmes
from relance.forms import refusal_shown_on
from relance.permissions import has_perm, staff_required
from relance.workflow import WorkflowError


def _visible_programmes(user):
    if has_perm(user, "calls.appoint_managers"):
        return Programme.objects.all()
    return staff_programmes(user)


def _programme_or_404(user, slug) -> Programme:
    return get_object_or_404(_visible_programmes(user), slug=slug)


@staff_required
def programme_list(request):
    programmes = list(
        _visible_programmes(request.user)
        .annotate(n_calls=Count("calls", distinct=True), n_roles=Count("roles", distinct=True))
        .order_by("title")
    )
    roles = programme_roles(request.user)
    labels = dict(ProgrammeRoleKind.choices)
    for programme in programmes:
        programme.my_role = labels.get(roles.get(programme.pk), "")
        programme.is_managed = roles.get(programme.pk) == ProgrammeRoleKind.MANAGER
    return render(request, "calls/staff/programme_list.html", {"programmes": programmes})


def _render_team(request, programme, form=None):
    roles = list(
        ProgrammeRole.objects.filter(programme=programme)
        .select_related("user", "granted_by")
        .order_by("role", "user__email")
    )
    grantable = team.grantable_roles(request.user, programme)
    for role in roles:
        role.editable = team.may_grant(request.user, programme, role.role)
        role.other_roles = [
            (value, label) for value, label in grantable if value != role.role and role.editable
        ]
    if grantable and form is None:
        form = RoleGrantForm(roles=grantable)
    return render(
        request,
        "calls/staff/programme_team.html",
        {
            "programme": programme,
            "roles": roles,
            "form": form if grantable else None,
            "manages_calls": has_perm(request.user, "calls.manage", programme),
        },
    )


@staff_required
def programme_team(request, slug):
    programme = _programme_or_404(request.user, slug)
    if request.method != "POST":
        return _render_team(request, programme)
    grantable = team.grantable_roles(request.user, programme)
    if not grantable:
        raise Http404
    form = RoleGrantForm(request.POST, roles=grantable)
    if form.is_valid():
        with refusal_shown_on(form):
            granted = team.grant_role(request.user, programme, **form.cleaned_data)
            messages.success(
                request,
                _("%(email)s est désormais %(role)s du programme. Un courriel l’en informe.")
                % {"email": granted.user.email, "role": granted.get_role_display().lower()},
            )
            return redirect("calls:staff_programme_team", slug=programme.slug)
    return _render_team(request, programme, form=form)


def _role_or_404(request, slug, role_pk) -> ProgrammeRole:
    programme = _programme_or_404(request.user, slug)
    return get_object_or_404(
        ProgrammeRole.objects.select_related("programme", "user"),
        pk=role_pk,
        programme=programme,
    )


@staff_required
@require_POST
def role_change(request, slug, role_pk):
    role = _role_or_404(request, slug, role_pk)
    try:
        changed = team.change_role(request.user, role, new_role=request.POST.get("role", ""))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(email)s est désormais %(role)s du programme.")
            % {"email": changed.user.email, "role": changed.get_role_display().lower()},
        )
    return redirect("calls:staff_programme_team", slug=slug)


@staff_required
@require_POST
def role_revoke(request, slug, role_pk):
    role = _role_or_404(request, slug, role_pk)
    try:
        team.revoke_role(request.user, role)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(email)s n’a plus de rôle dans ce programme.") % {"email": role.user.email}
        )
    return redirect("calls:staff_programme_team", slug=slug)


@staff_required
def programme_open_data(request, slug):
    """The programme's open-data settings, by its managers only (404 for anyone else)."""
    programme = get_object_or_404(managed_programmes(request.user), slug=slug)
    initial = {"aid_scheme_id": programme.aid_scheme_id}
    form = ProgrammeOpenDataForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            open_data.set_aid_scheme_id(request.user, programme, form.cleaned_data["aid_scheme_id"])
            messages.success(request, _("Les données ouvertes du programme sont enregistrées."))
            return redirect("calls:staff_programme_open_data", slug=programme.slug)
    return render(
        request,
        "calls/staff/programme_open_data.html",
        {"programme": programme, "form": form},
    )
