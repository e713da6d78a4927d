"""Dossier displays shared by the applicant, staff and juror screens.

Each caller checks access first (through ``submissions.permissions`` or the jury's own
querysets); these helpers only read and render.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.text import capfirst

from relance.formatting import format_euros
from submissions.forms import SECTIONS
from submissions.models import Attachment, Dossier, DossierState


@dataclass
class SummaryRow:
    label: str
    value: object
    kind: str  # "text", "long", "money"


def dossier_summary(dossier: Dossier) -> list[dict]:
    """The dossier's content by section, as label/value rows for the summary pages."""
    sections = []
    for section in SECTIONS.values():
        rows = []
        for name in section.fields:
            field = Dossier._meta.get_field(name)
            value = getattr(dossier, name)
            kind = "text"
            if name in ("total_budget", "requested_amount"):
                kind = "money"
                value = format_euros(value, cents=True) if value is not None else None
            elif field.get_internal_type() == "TextField":
                kind = "long"
            rows.append(SummaryRow(capfirst(field.verbose_name), value, kind))
        sections.append({"section": section, "rows": rows})
    return sections


# Bounds the walk up a chain of re-submissions (one per later round in practice).
MAX_ROUNDS = 20


@dataclass
class DossierRounds:
    """The other rounds of a dossier: the earlier dossiers it was copied from (the latest
    first) and the later ones it was copied into."""

    previous: list
    later: list

    def __bool__(self):
        return bool(self.previous or self.later)


def dossier_rounds(dossier: Dossier) -> DossierRounds:
    previous = []
    current = dossier
    while current.resubmitted_from_id and len(previous) < MAX_ROUNDS:
        current = Dossier.objects.select_related("call").get(pk=current.resubmitted_from_id)
        previous.append(current)
    later = list(dossier.resubmissions.select_related("call").order_by("call__opens_at", "pk"))
    return DossierRounds(previous, later)


def attachment_response(dossier: Dossier, attachment_pk) -> FileResponse:
    """The file of one of ``dossier``'s attachments, once the caller has checked access."""
    attachment = get_object_or_404(Attachment, pk=attachment_pk, dossier=dossier)
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# What the applicant's dossier page reads of the jury, through reverse relations --------

# States in which a dossier may have a hearing slot to show.
HEARD_STATES = (DossierState.PRESELECTED, DossierState.LAUREATE, DossierState.NOT_SELECTED)


def published_hearing_slot(dossier: Dossier):
    """The dossier's hearing slot (with its session) once the schedule is published.

    Hearings belong to the ``jury`` app, which depends on this one: the slot is reached
    through the reverse relation's name, never by importing it.
    """
    if dossier.state not in HEARD_STATES:
        return None
    try:
        slot_model = Dossier._meta.get_field("hearing_slot").related_model
    except FieldDoesNotExist:
        return None
    return (
        slot_model.objects.filter(dossier=dossier, session__published_at__isnull=False)
        .select_related("session")
        .first()
    )


def granted_amount(dossier: Dossier):
    """The cofinancing granted to a laureate, through the ``award`` reverse relation."""
    if dossier.state != DossierState.LAUREATE:
        return None
    try:
        return dossier.award.granted_amount
    except ObjectDoesNotExist:
        return None


def published_jury_opinion(dossier: Dossier):
    """The jury's approved opinion for the applicant, once the call's results are published.

    The opinion belongs to the ``jury`` app: reached through the reverse relation's name. A
    draft, or any opinion before the publication, is never shown."""
    if dossier.state not in (DossierState.LAUREATE, DossierState.NOT_SELECTED):
        return None
    if dossier.call.results_published_at is None:
        return None
    opinion = getattr(dossier, "jury_opinion", None)
    if opinion is None or not opinion.is_approved:
        return None
    return opinion


def committee_hearing(dossier: Dossier):
    """A window's committee hearing of the dossier (its agenda item), while still to come.

    The committee belongs to the ``jury`` app: reached through the reverse relation's name."""
    if dossier.state != DossierState.SUBMITTED:
        return None
    item = getattr(dossier, "agenda_item", None)
    if item is None or item.hearing_at is None or item.session.published_at is not None:
        return None
    return item
