"""Hearing sessions: staff build, adjust and publish the schedule; jurors read it.

Staff pages live under ``/instruction/appels/<slug>/jury/auditions/`` (anonymous → login page,
any other account → 404, like every ``/instruction/`` page). The juror page
``/jury/<jury_id>/auditions/`` needs the membership of that jury and shows only published
sessions; a dossier the juror is in conflict with is marked, never linked.

Views are thin: every change goes through ``jury.hearings.workflow`` or
``jury.hearings.publication``; a refusal is shown as an error message with what was typed
still in the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from jury.hearings import publication
from jury.hearings import workflow as hearings
from jury.hearings.forms import GenerateForm, PublishForm, SessionForm, SlotForm, break_formset
from jury.hearings.workflow import slot_datetime
from jury.models import HEARING_ORDER, HearingBreak, HearingSession, HearingSlot, heard
from jury.permissions import (
    JURY_STATES,
    conflicted_dossier_ids,
    get_member_or_404,
    get_staff_jury_or_404,
    jury_dossiers,
)
from relance.formatting import PARIS, paris_today
from relance.permissions import staff_required
from relance.workflow import WorkflowError
from submissions.exports import FORMATS, csv_bytes
from submissions.models import DossierState

# Lookups ------------------------------------------------------------------------------------


def _data(request):
    # An empty POST (e.g. an unticked confirmation box) must still bind the form.
    return request.POST if request.method == "POST" else None


def _session(jury, session_id) -> HearingSession:
    # Breaks prefetched: the page and the breaks formset read them once.
    session = get_object_or_404(
        HearingSession.objects.prefetch_related("breaks"), pk=session_id, jury=jury
    )
    session.jury = jury  # already fetched with its call
    return session


def _slot(session, slot_id) -> HearingSlot:
    return get_object_or_404(
        HearingSlot.objects.select_related("dossier__administration", "dossier__category"),
        pk=slot_id,
        session=session,
    )


def _sessions_url(jury) -> str:
    return reverse("jury:hearing_sessions", kwargs={"call_slug": jury.call.slug})


def _session_url(session) -> str:
    return reverse(
        "jury:hearing_session",
        kwargs={"call_slug": session.jury.call.slug, "session_id": session.pk},
    )


def _unscheduled(jury):
    """Preselected dossiers of the jury without a slot in any session."""
    return (
        jury_dossiers(jury)
        .filter(state=DossierState.PRESELECTED, hearing_slot__isnull=True)
        .order_by(*HEARING_ORDER)
    )


def hearing_counts(jury) -> dict:
    """The jury's dossiers to hear (every preselected one, decided or not), how many have a
    slot and how many were heard (``jury.models.heard``, as on the instruction pages)."""
    return jury_dossiers(jury).aggregate(
        n_to_hear=Count("pk"),
        n_scheduled=Count("pk", filter=Q(hearing_slot__isnull=False)),
        n_heard=Count("pk", filter=heard(prefix="hearing_slot__")),
    )


def _staff_slots(session) -> list[HearingSlot]:
    """The session's slots with their dossier and the number of members in conflict."""
    return list(
        HearingSlot.objects.filter(session=session)
        .select_related("dossier__administration", "dossier__category")
        .annotate(
            n_conflicts=Count(
                "dossier__conflicts",
                filter=Q(
                    dossier__conflicts__lifted_at__isnull=True,
                    dossier__conflicts__member__jury_id=session.jury_id,
                ),
                distinct=True,
            )
        )
        .order_by("starts_at", "pk")
    )


@dataclass
class Row:
    """One line of a day's timeline: a slot or a break."""

    starts_at: datetime
    ends_at: datetime
    slot: HearingSlot | None = None
    brk: HearingBreak | None = None
    conflicted: bool = False
    link: str = ""
    problem: bool = False

    @property
    def is_break(self) -> bool:
        return self.brk is not None


def timeline(session, slots, breaks) -> list[Row]:
    """Slots and breaks in the order of the day (a break first when both start together)."""
    rows = [Row(s.starts_at, s.ends_at, slot=s) for s in slots]
    rows += [
        Row(slot_datetime(session, b.starts_at), slot_datetime(session, b.ends_at), brk=b)
        for b in breaks
    ]
    rows.sort(key=lambda r: (r.starts_at, not r.is_break, r.slot.pk if r.slot else 0))
    return rows


# Staff: the list of sessions ----------------------------------------------------------------


@staff_required
def session_list(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    form = SessionForm(_data(request))
    formset = break_formset(_data(request))
    status = 200
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            try:
                session = hearings.create_session(
                    request.user, jury, breaks=formset.breaks(), **form.session_fields()
                )
            except WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("Session d’auditions créée. Générez maintenant son planning."),
                )
                return redirect(_session_url(session))
        status = 400
    sessions = list(
        jury.sessions.annotate(
            n_slots=Count("slots", distinct=True),
            n_absent=Count("slots", filter=Q(slots__absent=True), distinct=True),
        )
        .prefetch_related("breaks")
        .order_by("date", "starts_at", "pk")
    )
    return render(
        request,
        "jury/hearings/session_list.html",
        {
            "jury": jury,
            "call": jury.call,
            "sessions": sessions,
            "form": form,
            "formset": formset,
            **hearing_counts(jury),
            "unscheduled": list(_unscheduled(jury).values_list("reference", flat=True)),
        },
        status=status,
    )


# Staff: one session -------------------------------------------------------------------------


def _render_session(
    request, jury, session, *, session_form=None, formset=None, generate_form=None, status=200
):
    slots = _staff_slots(session)
    breaks = list(session.breaks.all())
    problems = hearings.overlaps(session, slots=slots, breaks=breaks)
    in_problem = {p.slot.pk for p in problems} | {p.other.pk for p in problems if p.other}
    rows = timeline(session, slots, breaks)
    for row in rows:
        row.problem = row.slot is not None and row.slot.pk in in_problem
    pending = publication.pending_changes(session, slots) if session.published_at else None
    if generate_form is None:
        generate_form = GenerateForm(published=session.published_at is not None)
    generate_form.helper.form_action = reverse(
        "jury:hearing_generate", kwargs={"call_slug": jury.call.slug, "session_id": session.pk}
    )
    return render(
        request,
        "jury/hearings/session.html",
        {
            "jury": jury,
            "call": jury.call,
            "session": session,
            "slots": slots,
            "breaks": breaks,
            "rows": rows,
            "problems": problems,
            "pending": pending,
            "n_absent": sum(1 for s in slots if s.absent),
            # A session whose day has gone: its planning is a record, nothing to publish or move.
            "past": session.date < paris_today(),
            "unscheduled": list(_unscheduled(jury).values_list("reference", flat=True)),
            "session_form": session_form or SessionForm(instance=session),
            "formset": formset or break_formset(session=session),
            "generate_form": generate_form,
        },
        status=status,
    )


@staff_required
def session_page(request, call_slug, session_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    session = _session(jury, session_id)
    if request.method != "POST":
        return _render_session(request, jury, session)
    form = SessionForm(request.POST, instance=session)
    formset = break_formset(request.POST, session=session)
    if form.is_valid() and formset.is_valid():
        try:
            hearings.update_session(
                request.user, session, breaks=formset.breaks(), **form.session_fields()
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Session enregistrée."))
            return redirect(_session_url(session))
    return _render_session(request, jury, session, session_form=form, formset=formset, status=400)


@staff_required
@require_POST
def generate(request, call_slug, session_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    session = _session(jury, session_id)
    form = GenerateForm(request.POST, published=session.published_at is not None)
    if form.is_valid():
        try:
            slots = hearings.generate_schedule(
                request.user,
                session,
                regenerate=form.cleaned_data.get("regenerate", False),
                fill=form.cleaned_data["fill"],
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Planning généré : %(n)s audition.",
                    "Planning généré : %(n)s auditions.",
                    len(slots),
                )
                % {"n": len(slots)},
            )
            left = _unscheduled(jury).count()
            if left:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)s dossier présélectionné n’a pas encore de créneau : créez une "
                        "autre session pour l’auditionner.",
                        "%(n)s dossiers présélectionnés n’ont pas encore de créneau : créez "
                        "une autre session pour les auditionner.",
                        left,
                    )
                    % {"n": left},
                )
            return redirect(_session_url(session))
    return _render_session(request, jury, session, generate_form=form, status=400)


@staff_required
def slot_edit(request, call_slug, session_id, slot_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    session = _session(jury, session_id)
    slot = _slot(session, slot_id)
    form = SlotForm(
        _data(request),
        session=session,
        cancel_url=_session_url(session),
        initial={"starts_at": timezone.localtime(slot.starts_at, PARIS).time()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                hearings.move_slot(request.user, slot, starts_at=form.start_datetime())
            except WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("Créneau du dossier %(ref)s déplacé.") % {"ref": slot.dossier.reference},
                )
                return redirect(f"{_session_url(session)}#slot-{slot.pk}")
        status = 400
    return render(
        request,
        "jury/hearings/slot_form.html",
        {"jury": jury, "call": jury.call, "session": session, "slot": slot, "form": form},
        status=status,
    )


@staff_required
@require_POST
def slot_absent(request, call_slug, session_id, slot_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    session = _session(jury, session_id)
    slot = _slot(session, slot_id)
    absent = request.POST.get("absent") == "1"
    try:
        hearings.mark_absent(request.user, slot, absent=absent)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (
                _("Dossier %(ref)s noté absent à son audition.")
                if absent
                else _("Dossier %(ref)s noté présent à son audition.")
            )
            % {"ref": slot.dossier.reference},
        )
    return redirect(f"{_session_url(session)}#slot-{slot.pk}")


@staff_required
def publish(request, call_slug, session_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    session = _session(jury, session_id)
    form = PublishForm(_data(request), cancel_url=_session_url(session))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                counts = publication.publish_schedule(request.user, session)
            except WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Planning publié : %(applicants)s courriel(s) aux administrations, "
                        "%(jurors)s courriel(s) aux membres du jury."
                    )
                    % counts,
                )
                return redirect(_session_url(session))
        status = 400
    slots = list(HearingSlot.objects.filter(session=session).select_related("dossier"))
    breaks = list(session.breaks.all())
    return render(
        request,
        "jury/hearings/publish.html",
        {
            "jury": jury,
            "call": jury.call,
            "session": session,
            "form": form,
            "n_slots": len(slots),
            "pending": publication.pending_changes(session, slots)
            if session.published_at
            else None,
            "problems": hearings.overlaps(session, slots=slots, breaks=breaks),
            "n_jurors": jury.members.filter(user__is_active=True).count(),
        },
        status=status,
    )


# Staff: print and export --------------------------------------------------------------------


@staff_required
def print_schedule(request, call_slug, session_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    session = _session(jury, session_id)
    slots = _staff_slots(session)
    breaks = list(session.breaks.all())
    return render(
        request,
        "jury/hearings/print.html",
        {
            "jury": jury,
            "call": jury.call,
            "session": session,
            "rows": timeline(session, slots, breaks),
            "n_slots": len(slots),
            "printed_at": timezone.now(),
        },
    )


def export_headers() -> list[str]:
    return [
        _("Date"),
        _("Début"),
        _("Fin"),
        _("Référence"),
        _("Titre"),
        _("Administration"),
        _("Catégorie"),
        _("Contact"),
        _("Courriel du contact"),
        _("Absent"),
        _("Membres en conflit"),
    ]


def export_row(slot) -> list:
    dossier = slot.dossier
    start = timezone.localtime(slot.starts_at, PARIS)
    return [
        start.date().isoformat(),
        start.strftime("%H:%M"),
        timezone.localtime(slot.ends_at, PARIS).strftime("%H:%M"),
        dossier.reference,
        dossier.title,
        dossier.administration.name,
        dossier.category.name if dossier.category_id else "",
        dossier.contact_name,
        dossier.contact_email,
        _("oui") if slot.absent else _("non"),
        slot.n_conflicts,
    ]


def to_csv(slots) -> bytes:
    return csv_bytes(export_headers(), (export_row(slot) for slot in slots))


@staff_required
def export_csv(request, call_slug, session_id):
    jury = get_staff_jury_or_404(request.user, call_slug)
    session = _session(jury, session_id)
    response = HttpResponse(to_csv(_staff_slots(session)), content_type=FORMATS["csv"].content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=f"relance-{jury.call.slug}-auditions-{session.date.isoformat()}.csv",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Jurors -------------------------------------------------------------------------------------


@login_required
def juror_hearings(request, jury_id):
    member = get_member_or_404(request.user, jury_id)
    jury = member.jury
    sessions = list(
        HearingSession.objects.filter(jury=jury, published_at__isnull=False)
        .prefetch_related(
            Prefetch(
                "slots",
                queryset=HearingSlot.objects.select_related(
                    "dossier__administration", "dossier__category"
                ).order_by("starts_at", "pk"),
            ),
            "breaks",
        )
        .order_by("date", "starts_at", "pk")
    )
    conflicted = {row["dossier_id"] for row in conflicted_dossier_ids(member)}
    days = []
    for session in sessions:
        rows = timeline(session, session.slots.all(), session.breaks.all())
        for row in rows:
            if row.slot is None:
                continue
            dossier = row.slot.dossier
            row.conflicted = dossier.pk in conflicted
            if not row.conflicted and dossier.state in JURY_STATES:
                row.link = reverse(
                    "jury:juror_dossier", kwargs={"jury_id": jury.pk, "pk": dossier.pk}
                )
        days.append({"session": session, "rows": rows})
    return render(
        request,
        "jury/hearings/juror.html",
        {"member": member, "jury": jury, "call": jury.call, "days": days},
    )
