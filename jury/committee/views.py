"""Staff screens of a window's committee, under ``/instruction/appels/<slug>/comite/``.

The sessions with the envelope and the instructed dossiers waiting for a session, then one
page per session: its agenda with each instructor's proposal and the committee's decision,
and the publication of its decisions. Staff of the programme only (anonymous → login page,
any other account, or a round, → 404). Every change goes through ``jury.committee.workflow``.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from calls.permissions import get_staff_call_or_404
from jury.committee import workflow as committee
from jury.committee.envelope import envelope_of
from jury.committee.forms import AgendaForm, CommitteeDecisionForm, HearingForm, SessionForm
from jury.models import AgendaItem, Award, CommitteeSession
from relance.formatting import PARIS, paris_today
from relance.forms import refusal_shown_on
from relance.permissions import staff_required
from relance.workflow import WorkflowError
from submissions.models import Dossier, DossierState

S = DossierState


def _window_or_404(request, call_slug):
    call = get_staff_call_or_404(request.user, call_slug)
    if not call.is_continuous:
        raise Http404
    return call


def _session_or_404(call, session_id) -> CommitteeSession:
    session = get_object_or_404(CommitteeSession, pk=session_id, call=call)
    session.call = call
    return session


def _sessions_url(call) -> str:
    return reverse("jury:committee_sessions", kwargs={"call_slug": call.slug})


def _session_url(session) -> str:
    return reverse(
        "jury:committee_session",
        kwargs={"call_slug": session.call.slug, "session_id": session.pk},
    )


def _candidates(call):
    return (
        committee.agenda_candidates(call)
        .select_related("administration", "instructor")
        .order_by("submitted_at", "number")
    )


def _in_instruction(call):
    """Dossiers still being instructed (no proposal yet), the oldest due date first."""
    return (
        Dossier.objects.filter(
            call=call, state__in=[S.SUBMITTED, S.INCOMPLETE], agenda_item__isnull=True
        )
        .filter(Q(proposal="") | Q(state=S.INCOMPLETE))
        .select_related("administration", "instructor")
        .order_by("instruction_due_on", "number")
    )


# The sessions -----------------------------------------------------------------------------


@staff_required
def session_list(request, call_slug):
    call = _window_or_404(request, call_slug)
    form = SessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            session = committee.create_session(
                request.user, call, date=form.cleaned_data["date"], place=form.cleaned_data["place"]
            )
            messages.success(
                request,
                _("Séance créée : inscrivez les dossiers instruits à son ordre du jour."),
            )
            return redirect(_session_url(session))
    sessions = list(
        CommitteeSession.objects.filter(call=call)
        .annotate(
            n_items=Count("items", distinct=True),
            n_decided=Count("awards", distinct=True),
            n_laureates=Count(
                "awards", filter=Q(awards__decision=Award.Decision.LAUREATE), distinct=True
            ),
        )
        .order_by("-date")
    )
    return render(
        request,
        "jury/committee/sessions.html",
        {
            "call": call,
            "sessions": sessions,
            "form": form,
            "envelope": envelope_of(call),
            "candidates": list(_candidates(call)),
            "in_instruction": list(_in_instruction(call)),
            "today": paris_today(),
        },
    )


def _agenda(session) -> list[AgendaItem]:
    items = list(
        AgendaItem.objects.filter(session=session)
        .select_related("dossier__administration", "dossier__instructor", "dossier__award")
        .order_by("dossier__number")
    )
    for item in items:
        award = getattr(item.dossier, "award", None)
        item.award = award if award is not None and award.session_id == session.pk else None
    return items


def _render_session(
    request, session, *, forms=None, hearing_forms=None, error_item=None, agenda_form=None
):
    call = session.call
    items = _agenda(session)
    forms = forms or {}
    hearing_forms = hearing_forms or {}
    for item in items:
        award = item.award
        item.form = forms.get(item.pk) or CommitteeDecisionForm(
            prefix=f"item-{item.pk}",
            initial=(
                {
                    "decision": award.decision,
                    "granted_amount": award.granted_amount,
                    "reason": award.reason,
                }
                if award
                else {}
            ),
        )
        item.hearing_form = hearing_forms.get(item.pk) or HearingForm(
            prefix=f"hearing-{item.pk}",
            initial=(
                {
                    "time": timezone.localtime(item.hearing_at, PARIS).time(),
                    "place": item.hearing_place,
                }
                if item.hearing_at
                else {}
            ),
        )
    candidates = _candidates(call)
    decided = sum(1 for item in items if item.award)
    return render(
        request,
        "jury/committee/session.html",
        {
            "call": call,
            "session": session,
            "items": items,
            "decided": decided,
            "ready": bool(items) and decided == len(items),
            "error_item": error_item,
            "agenda_form": agenda_form or AgendaForm(candidates=candidates),
            "candidates": list(candidates),
            "envelope": envelope_of(call),
            "session_form": SessionForm(initial={"date": session.date, "place": session.place}),
        },
    )


@staff_required
def session_page(request, call_slug, session_id):
    call = _window_or_404(request, call_slug)
    return _render_session(request, _session_or_404(call, session_id))


def _act(request, session, act, success):
    try:
        act()
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(_session_url(session))


@staff_required
@require_POST
def session_edit(request, call_slug, session_id):
    call = _window_or_404(request, call_slug)
    session = _session_or_404(call, session_id)
    form = SessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_session_url(session))
    return _act(
        request,
        session,
        lambda: committee.update_session(
            request.user, session, date=form.cleaned_data["date"], place=form.cleaned_data["place"]
        ),
        _("Séance modifiée."),
    )


@staff_required
@require_POST
def session_delete(request, call_slug, session_id):
    call = _window_or_404(request, call_slug)
    session = _session_or_404(call, session_id)
    try:
        committee.delete_session(request.user, session)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect(_session_url(session))
    messages.success(request, _("Séance supprimée : ses dossiers attendent une autre séance."))
    return redirect(_sessions_url(call))


@staff_required
@require_POST
def agenda_add(request, call_slug, session_id):
    call = _window_or_404(request, call_slug)
    session = _session_or_404(call, session_id)
    form = AgendaForm(request.POST, candidates=_candidates(call))
    if not form.is_valid():
        return _render_session(request, session, agenda_form=form)
    try:
        added = committee.add_to_agenda(request.user, session, form.cleaned_data["dossiers"])
    except WorkflowError as exc:
        form.add_error(None, exc.message)
        return _render_session(request, session, agenda_form=form)
    messages.success(
        request,
        ngettext(
            "%(n)s dossier inscrit à l’ordre du jour.",
            "%(n)s dossiers inscrits à l’ordre du jour.",
            added,
        )
        % {"n": added},
    )
    return redirect(_session_url(session))


def _item_or_404(request, call_slug, session_id, item_id) -> tuple[CommitteeSession, AgendaItem]:
    """The session and its agenda item named by the address, for the programme's staff."""
    session = _session_or_404(_window_or_404(request, call_slug), session_id)
    return session, get_object_or_404(AgendaItem, pk=item_id, session=session)


@staff_required
@require_POST
def agenda_remove(request, call_slug, session_id, item_id):
    session, item = _item_or_404(request, call_slug, session_id, item_id)
    return _act(
        request,
        session,
        lambda: committee.remove_from_agenda(request.user, item),
        _("Dossier retiré de l’ordre du jour : il attend une prochaine séance."),
    )


@staff_required
@require_POST
def follow_proposal(request, call_slug, session_id, item_id):
    session, item = _item_or_404(request, call_slug, session_id, item_id)
    return _act(
        request,
        session,
        lambda: committee.follow_proposal(request.user, item),
        _("Décision du comité enregistrée, conforme à la proposition."),
    )


@staff_required
@require_POST
def record_decision(request, call_slug, session_id, item_id):
    session, item = _item_or_404(request, call_slug, session_id, item_id)
    form = CommitteeDecisionForm(request.POST, prefix=f"item-{item.pk}")
    if form.is_valid():
        with refusal_shown_on(form):
            committee.record_decision(
                request.user,
                item,
                decision=form.cleaned_data["decision"],
                granted_amount=form.cleaned_data["granted_amount"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Décision du comité enregistrée."))
            return redirect(f"{_session_url(session)}#item-{item.pk}")
    # What was typed stays in the row, next to the refusal.
    return _render_session(request, session, forms={item.pk: form}, error_item=item.pk)


@staff_required
@require_POST
def hearing(request, call_slug, session_id, item_id):
    session, item = _item_or_404(request, call_slug, session_id, item_id)
    if "annuler" in request.POST:
        return _act(
            request,
            session,
            lambda: committee.cancel_hearing(request.user, item),
            _("Audition annulée : l’administration est prévenue par courriel."),
        )
    form = HearingForm(request.POST, prefix=f"hearing-{item.pk}")
    if form.is_valid():
        at = datetime.combine(session.date, form.cleaned_data["time"], tzinfo=PARIS)
        with refusal_shown_on(form):
            committee.invite_to_hearing(request.user, item, at=at, place=form.cleaned_data["place"])
            messages.success(
                request, _("Audition demandée : l’administration est convoquée par courriel.")
            )
            return redirect(f"{_session_url(session)}#item-{item.pk}")
    return _render_session(request, session, hearing_forms={item.pk: form}, error_item=item.pk)


@staff_required
def publish(request, call_slug, session_id):
    call = _window_or_404(request, call_slug)
    session = _session_or_404(call, session_id)
    if request.method == "POST":
        try:
            counts = committee.publish_session(request.user, session)
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Décisions publiées : %(laureate)s accordé(s), %(refused)s refusé(s). Les "
                    "administrations sont prévenues par courriel ; le guichet reste ouvert."
                )
                % {"laureate": counts["laureate"], "refused": counts["not_selected"]},
            )
        return redirect(_session_url(session))
    items = _agenda(session)
    return render(
        request,
        "jury/committee/publish.html",
        {
            "call": call,
            "session": session,
            "items": items,
            "missing": [item for item in items if item.award is None],
            "envelope": envelope_of(call),
        },
    )
