"""A programme's calls, prepared and published by its managers, under
``/instruction/programmes/<slug>/appels/``.

Every page needs ``calls.manage`` on the programme: anonymous users go to the login page,
anyone else (instructors of the programme included) gets a 404. Changes go through
``calls.editor``.
"""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import editor, publication, reminders
from calls.forms import (
    CallForm,
    DuplicateForm,
    ExtendClosingForm,
    ReminderSettingsForm,
    add_refusal,
    row_formsets,
)
from calls.models import Call, CallKind, Programme, default_eligible_kinds
from calls.permissions import staff_programmes
from relance.formatting import to_paris
from relance.permissions import has_perm, staff_required
from relance.workflow import WorkflowError


def _programme_or_404(user, slug) -> Programme:
    programme = get_object_or_404(staff_programmes(user), slug=slug)
    if not has_perm(user, "calls.manage", programme):
        raise Http404
    return programme


def _call_or_404(user, slug, call_slug) -> tuple[Programme, Call]:
    programme = _programme_or_404(user, slug)
    call = get_object_or_404(
        Call.objects.with_status().select_related("programme"),
        programme=programme,
        slug=call_slug,
    )
    return programme, call


def _redirect_to(name, call):
    return redirect(name, slug=call.programme.slug, call_slug=call.slug)


@staff_required
def call_list(request, slug):
    programme = _programme_or_404(request.user, slug)
    calls = list(
        Call.objects.filter(programme=programme)
        .with_status()
        .annotate(
            n_categories=Count("categories", distinct=True),
            n_criteria=Count("criteria", distinct=True),
        )
        .order_by("-opens_at", "title")
    )
    return render(request, "calls/staff/call_list.html", {"programme": programme, "calls": calls})


def _render_editor(request, programme, call, form, formsets, *, status=200):
    return render(
        request,
        "calls/staff/call_form.html",
        {"programme": programme, "call": call, "form": form, "formsets": formsets},
        status=status,
    )


def _save(request, programme, call, form, formsets):
    """Validate the form and its tables and save through the workflow; the call or None."""
    if not (form.is_valid() and all(fs.is_valid() for fs in formsets.values())):
        return None
    rows = {name: fs.rows() for name, fs in formsets.items()}
    try:
        if call is None:
            return editor.create_call(request.user, programme, fields=form.call_fields(), **rows)
        return editor.update_call(request.user, call, fields=form.call_fields(), **rows)
    except WorkflowError as exc:
        add_refusal(form, exc)
    return None


@staff_required
def call_create(request, slug):
    programme = _programme_or_404(request.user, slug)
    data = request.POST if request.method == "POST" else None
    initial = {
        "kind": CallKind.ROUND,
        "number": editor.next_round_number(programme),
        "eligible_kinds": default_eligible_kinds(),
        "opens_time": time(9, 0),
        "closes_time": time(12, 0),
    }
    form = CallForm(data, initial=initial)
    formsets = row_formsets(None, data, extra=4)
    if data is not None:
        call = _save(request, programme, None, form, formsets)
        if call is not None:
            messages.success(
                request, _("Le brouillon « %(title)s » est créé.") % {"title": call.title}
            )
            return _redirect_to("calls:staff_call_check", call)
    return _render_editor(request, programme, None, form, formsets)


@staff_required
def call_edit(request, slug, call_slug):
    programme, call = _call_or_404(request.user, slug, call_slug)
    data = request.POST if request.method == "POST" else None
    form = CallForm(data, call=call, locks=editor.locked_fields(call))
    formsets = row_formsets(
        call,
        data,
        category_locks=editor.category_locks(call),
        criterion_locks=editor.criterion_locks(call),
    )
    if data is not None:
        saved = _save(request, programme, call, form, formsets)
        if saved is not None:
            messages.success(request, _("Les modifications de l’appel sont enregistrées."))
            return _redirect_to("calls:staff_call_check", saved)
    return _render_editor(request, programme, call, form, formsets)


@staff_required
def call_duplicate(request, slug, call_slug):
    programme, source = _call_or_404(request.user, slug, call_slug)
    if request.method == "POST":
        form = DuplicateForm(request.POST, source=source)
        if form.is_valid():
            try:
                call = editor.duplicate_call(request.user, source, fields=form.call_fields())
            except WorkflowError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Le brouillon « %(title)s » reprend l’appel « %(source)s » : vérifiez ses "
                        "dates et ses critères avant de le publier."
                    )
                    % {"title": call.title, "source": source.title},
                )
                return _redirect_to("calls:staff_call_edit", call)
    else:
        defaults = editor.duplicate_defaults(source)
        initial = {
            "number": defaults["number"],
            "title": defaults["title"],
            "slug": defaults["slug"],
        }
        for prefix, value in (("opens", defaults["opens_at"]), ("closes", defaults["closes_at"])):
            if value is not None:
                local = to_paris(value)
                initial[f"{prefix}_on"] = local.date()
                initial[f"{prefix}_time"] = local.time().replace(microsecond=0)
        form = DuplicateForm(initial=initial, source=source)
    if source.kind != CallKind.ROUND:
        del form.fields["number"]
    return render(
        request,
        "calls/staff/call_duplicate.html",
        {
            "programme": programme,
            "source": source,
            "form": form,
            "weeks": editor.shift_weeks(source),
        },
    )


@staff_required
def call_check(request, slug, call_slug):
    programme, call = _call_or_404(request.user, slug, call_slug)
    call = (
        Call.objects.with_status()
        .select_related("programme")
        .prefetch_related("categories", "criteria", "documents")
        .get(pk=call.pk)
    )
    return render(
        request,
        "calls/staff/call_check.html",
        {
            "programme": programme,
            "call": call,
            "problems": publication.call_problems(call),
            "locks": editor.locked_fields(call),
            "can_extend": call.is_open_at(timezone.now()) and call.closes_at is not None,
        },
    )


@staff_required
def call_publish(request, slug, call_slug):
    _programme, call = _call_or_404(request.user, slug, call_slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        publication.publish_call(request.user, call)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("L’appel « %(title)s » est publié : il paraît sur le site public.")
            % {"title": call.title},
        )
    return _redirect_to("calls:staff_call_check", call)


@staff_required
def call_extend(request, slug, call_slug):
    programme, call = _call_or_404(request.user, slug, call_slug)
    form = ExtendClosingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            publication.extend_closing(
                request.user, call, closes_at=form.closes_at(), reason=form.cleaned_data["reason"]
            )
        except WorkflowError as exc:
            add_refusal(form, exc)
        else:
            messages.success(
                request,
                _(
                    "La clôture est prolongée. Les administrations qui ont un brouillon dans "
                    "cet appel en sont informées par courriel."
                ),
            )
            return _redirect_to("calls:staff_call_check", call)
    return render(
        request,
        "calls/staff/call_extend.html",
        {"programme": programme, "call": call, "form": form},
    )


# The log shown under the settings: the latest reminders (a page, not the whole history).
REMINDER_LOG_ROWS = 200


@staff_required
def call_reminders(request, slug, call_slug):
    """« Relances automatiques »: the call's reminder settings and the reminders sent."""
    programme, call = _call_or_404(request.user, slug, call_slug)
    current = reminders.settings_for(call)
    form = ReminderSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            reminders.update_settings(request.user, call, form.cleaned_data)
        except WorkflowError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Les relances automatiques de l’appel sont enregistrées."))
            return _redirect_to("calls:staff_call_reminders", call)
    log = list(call.reminders.select_related(None).order_by("-sent_at", "-pk")[:REMINDER_LOG_ROWS])
    return render(
        request,
        "calls/staff/call_reminders.html",
        {"programme": programme, "call": call, "form": form, "log": log},
    )
