"""Screens of a jury's composition: staff pages under ``/instruction/appels/<slug>/jury/``
and the juror's declaration of a conflict of interest.

Staff pages: anonymous → login, other accounts → 404, like every ``/instruction/`` page.
Every change goes through ``jury.composition.workflow``; a refusal is shown with what was
typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from calls.permissions import get_staff_call_or_404
from jury.composition import workflow
from jury.composition.forms import ConflictForm, JuryCreateForm, LiftConflictForm, MemberForm
from jury.models import ConflictOfInterest, Jury, JuryMember
from jury.permissions import (
    get_juror_dossier_or_404,
    get_member_or_404,
    get_staff_jury_or_404,
    jury_dossiers,
)
from relance.forms import refusal_shown_on
from relance.ordering import french
from relance.permissions import staff_required
from relance.workflow import WorkflowError


def _member(jury, member_pk) -> JuryMember:
    return get_object_or_404(JuryMember.objects.select_related("user"), jury=jury, pk=member_pk)


def _jury_url(call):
    return reverse("jury:staff_jury", kwargs={"call_slug": call.slug})


@staff_required
def jury_page(request, call_slug):
    call = get_staff_call_or_404(request.user, call_slug)
    jury = Jury.objects.filter(call=call).first()
    if jury is None:
        form = JuryCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.create_jury(request.user, call, name=form.cleaned_data["name"])
            except WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Jury créé. Ajoutez maintenant ses membres."))
            return redirect(_jury_url(call))
        return render(request, "jury/staff/jury_create.html", {"call": call, "form": form})
    members = list(
        jury.members.select_related("user")
        .annotate(
            n_submitted=Count(
                "evaluations", distinct=True, filter=Q(evaluations__submitted_at__isnull=False)
            ),
            n_drafts=Count(
                "evaluations", distinct=True, filter=Q(evaluations__submitted_at__isnull=True)
            ),
            n_conflicts=Count(
                "conflicts", distinct=True, filter=Q(conflicts__lifted_at__isnull=True)
            ),
        )
        # A grouped query ignores the model's ordering: the members' order is said again.
        .order_by("-role", *french("public_name"), "pk")
    )
    conflicts = list(
        ConflictOfInterest.objects.filter(member__jury=jury)
        .select_related("member", "dossier__administration", "declared_by", "lifted_by")
        .order_by("lifted_at", "-declared_at")
    )
    lift_forms = {c.pk: LiftConflictForm(conflict=c) for c in conflicts if c.lifted_at is None}
    for conflict in conflicts:
        conflict.lift_form = lift_forms.get(conflict.pk)
        if conflict.lift_form is not None:
            conflict.lift_form.helper.form_action = reverse(
                "jury:staff_conflict_lift",
                kwargs={"call_slug": call.slug, "conflict_pk": conflict.pk},
            )
    return render(
        request,
        "jury/staff/jury.html",
        {
            "call": call,
            "jury": jury,
            "members": members,
            "conflicts": conflicts,
            "n_dossiers": jury_dossiers(jury).count(),
        },
    )


@staff_required
@require_POST
def publish_composition(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    published = request.POST.get("published") == "1"
    try:
        workflow.set_composition_published(request.user, jury, published)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Composition du jury publiée.") if published else _("Composition du jury masquée."),
        )
    return redirect(_jury_url(jury.call))


MEMBER_FIELDS = ("public_name", "title", "affiliation", "affiliation_kind", "role")


@staff_required
def member_add(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    form = MemberForm(request.POST or None, cancel_url=_jury_url(jury.call))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_shown_on(form):
            member = workflow.add_member(
                request.user, jury, email=data["email"], **{f: data[f] for f in MEMBER_FIELDS}
            )
            messages.success(
                request,
                _("%(name)s a été ajouté·e au jury ; une invitation a été envoyée à %(email)s.")
                % {"name": member.public_name, "email": member.user.email},
            )
            return redirect(_jury_url(jury.call))
    return render(
        request,
        "jury/staff/member_form.html",
        {"call": jury.call, "jury": jury, "form": form, "title": _("Ajouter un membre")},
    )


@staff_required
def member_edit(request, call_slug, member_pk):
    jury = get_staff_jury_or_404(request.user, call_slug)
    member = _member(jury, member_pk)
    form = MemberForm(
        request.POST or None,
        initial={f: getattr(member, f) for f in MEMBER_FIELDS},
        cancel_url=_jury_url(jury.call),
        submit_label=_("Enregistrer"),
        with_email=False,
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            workflow.update_member(
                request.user, member, **{f: form.cleaned_data[f] for f in MEMBER_FIELDS}
            )
            messages.success(request, _("Membre modifié."))
            return redirect(_jury_url(jury.call))
    return render(
        request,
        "jury/staff/member_form.html",
        {
            "call": jury.call,
            "jury": jury,
            "member": member,
            "form": form,
            "title": _("Modifier %(name)s") % {"name": member.public_name},
        },
    )


@staff_required
def member_remove(request, call_slug, member_pk):
    jury = get_staff_jury_or_404(request.user, call_slug)
    member = _member(jury, member_pk)
    if request.method == "POST":
        try:
            workflow.remove_member(request.user, member)
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("%(name)s a été retiré·e du jury.") % {"name": member.public_name}
            )
        return redirect(_jury_url(jury.call))
    n_submitted = member.evaluations.filter(submitted_at__isnull=False).count()
    return render(
        request,
        "jury/staff/member_remove.html",
        {"call": jury.call, "jury": jury, "member": member, "n_submitted": n_submitted},
    )


@staff_required
def conflict_add(request, call_slug, member_pk):
    jury = get_staff_jury_or_404(request.user, call_slug)
    member = _member(jury, member_pk)
    dossiers = (
        jury_dossiers(jury)
        .exclude(
            pk__in=ConflictOfInterest.objects.filter(member=member, lifted_at__isnull=True).values(
                "dossier_id"
            )
        )
        .order_by("reference")
    )
    form = ConflictForm(
        request.POST or None,
        dossiers=dossiers,
        cancel_url=_jury_url(jury.call),
        submit_label=_("Enregistrer le conflit d’intérêts"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_shown_on(form):
            workflow.declare_conflict(
                request.user, member, data["dossier"], kind=data["kind"], comment=data["comment"]
            )
            messages.success(
                request,
                _("Conflit d’intérêts enregistré pour %(name)s sur le dossier %(ref)s.")
                % {"name": member.public_name, "ref": data["dossier"].reference},
            )
            return redirect(_jury_url(jury.call))
    return render(
        request,
        "jury/staff/conflict_form.html",
        {"call": jury.call, "jury": jury, "member": member, "form": form},
    )


@staff_required
@require_POST
def conflict_lift(request, call_slug, conflict_pk):
    jury = get_staff_jury_or_404(request.user, call_slug)
    conflict = get_object_or_404(
        ConflictOfInterest.objects.select_related("member", "dossier"),
        pk=conflict_pk,
        member__jury=jury,
    )
    form = LiftConflictForm(request.POST, conflict=conflict)
    if not form.is_valid():
        # Several conflicts are listed, each with its form: name the one refused.
        messages.error(
            request,
            _(
                "Conflit de %(name)s sur le dossier %(ref)s non levé : indiquez le motif "
                "de la levée."
            )
            % {"name": conflict.member.public_name, "ref": conflict.dossier.reference},
        )
        return redirect(_jury_url(jury.call))
    try:
        workflow.lift_conflict(request.user, conflict, reason=form.cleaned_data["reason"])
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Conflit d’intérêts levé : %(name)s peut de nouveau évaluer le dossier %(ref)s.")
            % {"name": conflict.member.public_name, "ref": conflict.dossier.reference},
        )
    return redirect(_jury_url(jury.call))


@staff_required
@require_POST
def conflict_confirm(request, call_slug, conflict_pk):
    jury = get_staff_jury_or_404(request.user, call_slug)
    conflict = get_object_or_404(
        ConflictOfInterest.objects.select_related("member", "dossier"),
        pk=conflict_pk,
        member__jury=jury,
    )
    try:
        workflow.confirm_conflict(request.user, conflict)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Conflit d’intérêts confirmé : %(name)s ne verra pas le dossier %(ref)s.")
            % {"name": conflict.member.public_name, "ref": conflict.dossier.reference},
        )
    return redirect(_jury_url(jury.call))


@staff_required
@require_POST
def conflicts_suggest(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    created = workflow.suggest_jury_conflicts(request.user, jury)
    if created:
        messages.warning(
            request,
            ngettext(
                "%(count)s conflit d’intérêts apparent suggéré : confirmez-le ou levez-le.",
                "%(count)s conflits d’intérêts apparents suggérés : confirmez-les ou levez-les.",
                len(created),
            )
            % {"count": len(created)},
        )
    else:
        messages.info(request, _("Aucun nouveau conflit d’intérêts apparent."))
    return redirect(_jury_url(jury.call))


@login_required
def juror_conflict(request, jury_id, pk):
    member = get_member_or_404(request.user, jury_id)
    dossier = get_juror_dossier_or_404(member, pk)
    cancel_url = reverse("jury:juror_dossier", kwargs={"jury_id": member.jury_id, "pk": dossier.pk})
    form = ConflictForm(request.POST or None, cancel_url=cancel_url)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.declare_conflict(
                request.user,
                member,
                dossier,
                kind=form.cleaned_data["kind"],
                comment=form.cleaned_data["comment"],
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Conflit d’intérêts déclaré : le dossier %(ref)s n’apparaît plus dans vos "
                    "évaluations et votre avis ne comptera pas."
                )
                % {"ref": dossier.reference},
            )
            return redirect("jury:juror_dossier_list", jury_id=member.jury_id)
    return render(
        request,
        "jury/juror/conflict.html",
        {"member": member, "jury": member.jury, "dossier": dossier, "form": form},
    )
