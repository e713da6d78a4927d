"""Staff screens (instruction and preselection), all under ``/instruction/``.

Every page requires a staff account (``staff_required``), and a call's or a dossier's pages a
role in its programme (``calls.instruct``): anonymous users go to the login page, other
accounts get a 404 so the screens' existence does not leak. Views
are thin: they read, filter and render; every change goes through ``submissions.workflow``
or ``submissions.preselection``.

Staff only ever see dossiers submitted at least once (``submitted_at`` set): a draft that
was never submitted belongs to its administration alone, and is only counted.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls import hooks
from calls.models import Call
from calls.permissions import get_staff_call_or_404, managed_programmes, staff_calls
from relance import audit
from relance.formatting import paris_today
from relance.permissions import staff_required
from relance.workflow import WorkflowError
from submissions import (
    background_exports,
    correspondence,
    dashboard,
    exports,
    instruction,
    intake,
    workflow,
)
from submissions import preselection as preselection_workflow
from submissions.display import dossier_rounds, dossier_summary
from submissions.filters import SORTS, DossierFilter, parse_sort, sort_dossiers
from submissions.models import (
    Dossier,
    DossierState,
    MembershipRequest,
    PreselectionDecision,
    PreselectionPublication,
)
from submissions.permissions import get_dossier_or_404
from submissions.staff_forms import (
    BulkDecisionForm,
    DecisionForm,
    DueDateForm,
    InstructorForm,
    MessageForm,
    NoteForm,
    OriginalFileForm,
    OutsideReceptionForm,
    ProposalForm,
    RequestAdditionsForm,
    content_forms,
)

S = DossierState
PAGE_SIZE = 50
# States a preselection decision can be recorded on (the workflow checks it again).
DECIDABLE_STATES = (S.SUBMITTED, S.INCOMPLETE)


def _call_or_404(request, call_slug) -> Call:
    return get_staff_call_or_404(request.user, call_slug)


def listed_dossiers(call):
    """The dossiers of ``call`` staff see: those submitted at least once."""
    return Dossier.objects.filter(call=call, submitted_at__isnull=False)


def _staff_dossier(request, pk) -> Dossier:
    return get_dossier_or_404(
        request.user,
        pk,
        "submissions.instruct_dossier",
        queryset=Dossier.objects.filter(submitted_at__isnull=False).select_related(
            "call__programme", "administration__ministry", "registered_by"
        ),
    )


def _list_url(call, querystring: str = "") -> str:
    url = reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
    # Re-encoded, so that only a query string (never another address) is appended.
    query = QueryDict(querystring.lstrip("?")).urlencode() if querystring else ""
    return f"{url}?{query}" if query else url


def _sort_links(request) -> dict:
    """For each sortable column: the address sorting by it (toggling), and its state."""
    current, descending = parse_sort(request.GET.get("tri"))
    links = {}
    for key in SORTS:
        params = request.GET.copy()
        params.pop("page", None)
        active = key == current
        params["tri"] = f"-{key}" if active and not descending else key
        links[key] = {
            "url": f"?{params.urlencode()}",
            "active": active,
            "descending": active and descending,
            "aria_sort": ("descending" if descending else "ascending") if active else "",
        }
    return links


# The list of calls ------------------------------------------------------------------------


@staff_required
def call_list(request):
    calls = dashboard.calls_progress(
        staff_calls(request.user)
        .with_status()
        .select_related("programme")
        .order_by("-opens_at", "title")
    )
    n_pending_requests = MembershipRequest.objects.filter(
        status=MembershipRequest.Status.PENDING
    ).count()
    managed = list(managed_programmes(request.user).order_by("title"))
    return render(
        request,
        "submissions/staff/call_list.html",
        {
            "calls": calls,
            "numbers": dashboard.funnel_numbers(),
            "n_pending_requests": n_pending_requests,
            "managed_programmes": managed,
        },
    )


# One call: counts, filtered list, bulk decisions ------------------------------------------


@staff_required
def call_dossiers(request, call_slug):
    call = _call_or_404(request, call_slug)
    progress = dashboard.call_progress(call)
    filterset = DossierFilter(request.GET or None, queryset=listed_dossiers(call), call=call)
    dossiers = sort_dossiers(filterset.qs, request.GET.get("tri")).select_related(
        "category", "administration", "administration__ministry"
    )
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    page_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    params = request.GET.copy()
    params.pop("page", None)
    filters_query = params.urlencode()
    return render(
        request,
        "submissions/staff/call_dossiers.html",
        {
            "call": call,
            "progress": progress,
            "numbers": dashboard.funnel_numbers(),
            "filter": filterset,
            "page_obj": page,
            "page_range": list(page_range),
            "sort": _sort_links(request),
            "current_query": request.GET.urlencode(),
            "filters_query": filters_query,
            "decidable_states": DECIDABLE_STATES,
            # The bulk decision buttons only show with a box to tick.
            "bulk": any(dossier.state in DECIDABLE_STATES for dossier in page),
            "decisions": PreselectionDecision,
            "export_formats": exports.FORMATS,
            "my_exports": background_exports.recent_exports(request.user, call),
            "envelope": _envelope(call),
        },
    )


def _envelope(call) -> dict | None:
    """The call's envelope and what its recorded decisions commit (told by ``calls.hooks``)."""
    if call.envelope is None:
        return None
    committed = hooks.committed_amount(call)
    return {"amount": call.envelope, "committed": committed, "remaining": call.envelope - committed}


@staff_required
@require_POST
def bulk_decision(request, call_slug):
    call = _call_or_404(request, call_slug)
    back = _list_url(call, request.POST.get("retour", ""))
    form = BulkDecisionForm(request.POST, dossiers=listed_dossiers(call))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    decision = form.cleaned_data["decision"]
    try:
        count = preselection_workflow.record_preselection_bulk(
            request.user,
            list(form.cleaned_data["dossiers"]),
            decision=decision,
            reason=form.cleaned_data["reason"],
        )
    except WorkflowError as exc:
        # All or nothing: the workflow rolled back every decision of the batch.
        messages.error(
            request,
            _("Aucune décision n’a été enregistrée. %(error)s") % {"error": exc.message},
        )
    else:
        messages.success(
            request,
            _("Décision « %(decision)s » enregistrée pour %(count)s dossier(s).")
            % {"decision": PreselectionDecision(decision).label, "count": count},
        )
    return redirect(back)


# A dossier received outside the platform ----------------------------------------------------


@staff_required
def register_outside(request, call_slug):
    call = _call_or_404(request, call_slug)
    error = None
    if request.method == "POST":
        reception = OutsideReceptionForm(request.POST, call=call)
        sections = content_forms(request.POST, call)
        original = OriginalFileForm(request.POST, request.FILES)
        forms_valid = [f.is_valid() for f in (reception, original, *sections)]
        if not all(forms_valid):
            error = _("Corrigez les champs signalés ci-dessous.")
        else:
            content = {}
            for form in sections:
                content.update(form.changes())
            data = reception.cleaned_data
            content_type, size, sha256 = original.checked
            upload = original.cleaned_data["file"]
            try:
                dossier, created = intake.register_outside_dossier(
                    request.user,
                    call,
                    administration=data["administration"],
                    content=content,
                    received_via=data["received_via"],
                    received_at=data["received_at"],
                    reception_note=data["reception_note"],
                    original=intake.CheckedFile(upload, upload.name, content_type, size, sha256),
                    token=data["token"],
                )
            except WorkflowError as exc:
                error = exc.message
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                if created:
                    messages.success(
                        request,
                        _(
                            "Dossier %(ref)s enregistré pour %(administration)s : il est déposé "
                            "et ses agents sont prévenus par courriel."
                        )
                        % {"ref": dossier.reference, "administration": dossier.administration},
                    )
                else:
                    messages.info(request, _("Ce dossier était déjà enregistré."))
                return redirect("submissions:instruction_dossier", pk=dossier.pk)
    else:
        reception = OutsideReceptionForm(call=call, initial={"token": uuid.uuid4()})
        sections = content_forms(None, call)
        original = OriginalFileForm()
    return render(
        request,
        "submissions/staff/register_outside.html",
        {
            "call": call,
            "reception_form": reception,
            "section_forms": sections,
            "original_form": original,
            "error": error,
            # Browsers never refill a file input: say so when the page comes back.
            "file_to_attach_again": request.method == "POST",
        },
    )


# Publication of the preselection -----------------------------------------------------------


@staff_required
def publish(request, call_slug):
    call = _call_or_404(request, call_slug)
    error = None
    if request.method == "POST":
        try:
            publication = preselection_workflow.publish_preselection(request.user, call)
        except WorkflowError as exc:
            # Includes a second click: the first publication left nothing to publish.
            error = exc.message
        else:
            messages.success(
                request,
                _(
                    "Présélection publiée : %(pre)s dossier(s) présélectionné(s), %(not)s non "
                    "présélectionné(s). Les administrations sont prévenues par courriel."
                )
                % {
                    "pre": publication.preselected_count,
                    "not": publication.not_preselected_count,
                },
            )
            return redirect("submissions:instruction_call", call_slug=call.slug)
    counts = dashboard.dossier_counts(call)
    undecided = counts["undecided"] > 0
    # The dossiers a publication concerns, one page at a time (a large call has tens of
    # thousands): those still without a decision first, as they hold the publication back.
    concerned = (
        listed_dossiers(call)
        .filter(state__in=DECIDABLE_STATES)
        .annotate(
            undecided_first=Case(
                When(state=S.SUBMITTED, pending_decision="", then=Value(0)),
                default=Value(1),
            )
        )
        .order_by("undecided_first", "number")
        .only("pk", "reference", "title", "state", "pending_decision")
    )
    page = Paginator(concerned, PAGE_SIZE).get_page(request.GET.get("page"))
    page_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    publications = list(
        PreselectionPublication.objects.filter(call=call)
        .select_related("published_by")
        .order_by("-published_at")
    )
    # The workflow publishes a round only once it has closed.
    call_still_open = call.closes_at is not None and timezone.now() < call.closes_at
    return render(
        request,
        "submissions/staff/publish.html",
        {
            "call": call,
            "counts": counts,
            "undecided": undecided,
            "page_obj": page,
            "page_range": list(page_range),
            "publications": publications,
            "call_still_open": call_still_open,
            # No confirmation the workflow would refuse.
            "can_publish": not call_still_open
            and not undecided
            and counts["pending_preselection"] > 0,
            "error": error,
        },
    )


# One dossier -------------------------------------------------------------------------------


def _field_label(name: str) -> str:
    try:
        return capfirst(str(Dossier._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


def _history(dossier) -> list[dict]:
    entries = []
    for entry in audit.history(dossier):
        details = ""
        data = entry.data or {}
        if entry.action == "record_decision" and data.get("new") in PreselectionDecision.values:
            details = PreselectionDecision(data["new"]).label
        elif entry.action in ("attach", "detach", "register_outside") and data.get("name"):
            details = data["name"]
        elif entry.action in ("edit", "amend") and isinstance(data.get("fields"), dict):
            details = ", ".join(_field_label(name) for name in data["fields"])
        elif entry.action in ("edit", "amend") and "budget_lines" in data:
            details = _("Lignes de budget")
        entries.append(
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": audit.label(entry.action),
                "from_state": S(entry.from_state).label if entry.from_state in S.values else "",
                "to_state": S(entry.to_state).label if entry.to_state in S.values else "",
                "reason": entry.reason,
                "details": details,
            }
        )
    return entries


def _render_dossier(request, dossier, *, forms=None, error=None, error_form=None):
    forms = forms or {}
    can_request_additions = dossier.state in workflow.TRANSITIONS["request_additions"].sources
    context = {
        "dossier": dossier,
        "call": dossier.call,
        "summary": dossier_summary(dossier),
        "budget_lines": list(dossier.budget_lines.all()),
        "attachments": list(dossier.attachments.all()),
        "dossier_messages": list(dossier.messages.select_related("author")),
        "notes": list(dossier.notes.select_related("author")),
        "history": _history(dossier),
        "rounds": dossier_rounds(dossier),
        "can_decide": dossier.state in DECIDABLE_STATES,
        "can_request_additions": can_request_additions,
        "request_form": forms.get("complements") or RequestAdditionsForm(),
        "message_form": forms.get("message") or MessageForm(),
        "note_form": forms.get("note") or NoteForm(),
        "decision_form": forms.get("decision")
        or DecisionForm(
            initial={"decision": dossier.pending_decision, "reason": dossier.decision_reason}
        ),
        # A window's dossier is instructed on its own (no preselection).
        "window": dossier.call.is_continuous,
        "today": paris_today(),
        "in_instruction": dossier.state in instruction.INSTRUCTED_STATES,
        "can_propose": dossier.state == S.SUBMITTED,
        "instructor_form": forms.get("instructor")
        or InstructorForm(dossier=dossier, initial={"instructor": dossier.instructor_id}),
        "due_form": forms.get("due")
        or DueDateForm(dossier=dossier, initial={"due_on": dossier.instruction_due_on}),
        "proposal_form": forms.get("proposal")
        or ProposalForm(
            dossier=dossier,
            initial={
                "proposal": dossier.proposal,
                "amount": dossier.proposed_amount,
                "reason": dossier.proposal_reason,
            },
        ),
        "error": error,
        "error_form": error_form,
    }
    return render(request, "submissions/staff/dossier_detail.html", context)


@staff_required
def dossier_detail(request, pk):
    return _render_dossier(request, _staff_dossier(request, pk))


def _dossier_action(request, pk, form_class, act, success, *, with_dossier=False):
    """Validate ``form_class``, run ``act(dossier, cleaned_data)``; on refusal show the page."""
    dossier = _staff_dossier(request, pk)
    form = form_class(request.POST, **({"dossier": dossier} if with_dossier else {}))
    error = None
    if form.is_valid():
        try:
            act(dossier, form.cleaned_data)
        except WorkflowError as exc:
            error = exc.message
        else:
            messages.success(request, success)
            return redirect("submissions:instruction_dossier", pk=dossier.pk)
    # What was typed is shown again next to the error; nothing is lost.
    return _render_dossier(
        request,
        _staff_dossier(request, pk),
        forms={form.form_prefix: form},
        error=error,
        error_form=form.form_prefix,
    )


@staff_required
@require_POST
def request_additions(request, pk):
    return _dossier_action(
        request,
        pk,
        RequestAdditionsForm,
        lambda dossier, data: workflow.request_additions(
            request.user, dossier, message=data["message"]
        ),
        _("Demande de compléments envoyée : le dossier est « À compléter »."),
    )


@staff_required
@require_POST
def send_message(request, pk):
    return _dossier_action(
        request,
        pk,
        MessageForm,
        lambda dossier, data: correspondence.send_message(request.user, dossier, body=data["body"]),
        _("Message envoyé à l’administration."),
    )


@staff_required
@require_POST
def add_note(request, pk):
    return _dossier_action(
        request,
        pk,
        NoteForm,
        lambda dossier, data: correspondence.add_note(request.user, dossier, body=data["body"]),
        _("Note interne ajoutée."),
    )


@staff_required
@require_POST
def record_decision(request, pk):
    return _dossier_action(
        request,
        pk,
        DecisionForm,
        lambda dossier, data: preselection_workflow.record_preselection(
            request.user, dossier, decision=data["decision"], reason=data["reason"]
        ),
        _("Décision enregistrée. Elle sera communiquée à la publication de la présélection."),
    )


@staff_required
@require_POST
def clear_decision(request, pk):
    dossier = _staff_dossier(request, pk)
    try:
        preselection_workflow.clear_preselection(request.user, dossier)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Décision effacée."))
    return redirect("submissions:instruction_dossier", pk=dossier.pk)


# Instruction of a window's dossier: instructor, due date, proposal to the committee ---------


@staff_required
@require_POST
def assign_instructor(request, pk):
    return _dossier_action(
        request,
        pk,
        InstructorForm,
        lambda dossier, data: instruction.assign_instructor(
            request.user, dossier, instructor=data["instructor"]
        ),
        _("Instructeur du dossier enregistré."),
        with_dossier=True,
    )


@staff_required
@require_POST
def set_due_date(request, pk):
    return _dossier_action(
        request,
        pk,
        DueDateForm,
        lambda dossier, data: instruction.set_due_date(
            request.user, dossier, due_on=data["due_on"], reason=data["reason"]
        ),
        _("Échéance de l’instruction modifiée."),
        with_dossier=True,
    )


@staff_required
@require_POST
def record_proposal(request, pk):
    return _dossier_action(
        request,
        pk,
        ProposalForm,
        lambda dossier, data: instruction.record_proposal(
            request.user,
            dossier,
            proposal=data["proposal"],
            amount=data["amount"],
            reason=data["reason"],
        ),
        _("Proposition enregistrée : le dossier peut être inscrit à l’ordre du jour du comité."),
        with_dossier=True,
    )
