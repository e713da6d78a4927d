"""The progress matrix of a jury: its dossiers × its members, one status per cell, and each
member's totals (assigned, submitted, late, last reminder).

Eight queries whatever the size: members, dossiers (with their hearing slot), evaluations,
rapporteurs, conflicts, review phase, reminder settings, last reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from calls import reminders
from calls.models import ReminderKind, ReminderLog
from jury.models import HEARING_ORDER, ConflictOfInterest, Evaluation
from jury.permissions import jury_dossiers
from jury.review_models import RapporteurAssignment, ReviewSettings
from relance.formatting import paris_today, to_paris
from relance.ordering import french
from submissions.filters import parse_sort
from submissions.models import DossierState


class Cell(models.TextChoices):
    CONFLICT = "conflict", _("Conflit d’intérêts")
    SUBMITTED = "submitted", _("Soumise")
    DRAFT = "draft", _("Brouillon")
    ASSIGNED = "assigned", _("Rapporteur, à évaluer")
    NONE = "none", _("—")


@dataclass
class Row:
    dossier: object
    cells: list = field(default_factory=list)  # (Cell, is_rapporteur) per member
    n_submitted: int = 0
    n_rapporteurs: int = 0
    n_rapporteurs_submitted: int = 0


@dataclass
class Totals:
    """One member's review: dossiers expected, evaluations submitted, late, last reminder."""

    member: object
    assigned: int = 0
    submitted: int = 0
    late: int = 0
    last_reminder: datetime | None = None


@dataclass
class Matrix:
    members: list
    rows: list[Row]
    totals: list[Totals] = field(default_factory=list)  # in the order of ``members``
    config: object = None  # the call's ReminderSettings (saved or defaults)


SORTS = {
    "reference": lambda r: r.dossier.reference,
    "titre": lambda r: r.dossier.title.lower(),
    "categorie": lambda r: r.dossier.category.name if r.dossier.category_id else "\uffff",
    "soumises": lambda r: r.n_submitted,
    "rapporteurs": lambda r: (r.n_rapporteurs_submitted, r.n_rapporteurs),
}
DEFAULT_SORT = "reference"


def parse(value):
    return parse_sort(value, SORTS, DEFAULT_SORT)


def sort_links(key, descending) -> dict:
    links = {}
    for name in SORTS:
        active = name == key
        tri = (name if descending else f"-{name}") if active else name
        links[name] = {
            "url": f"?tri={tri}",
            "active": active,
            "aria_sort": ("descending" if descending else "ascending") if active else "",
        }
    return links


def matrix(jury, key=DEFAULT_SORT, descending=False, today=None) -> Matrix:
    members = list(jury.members.select_related("user").order_by(*french("public_name"), "pk"))
    dossiers = list(
        jury_dossiers(jury)
        .select_related("category", "administration", "hearing_slot")
        .order_by(*HEARING_ORDER)
    )
    ids = [d.pk for d in dossiers]
    evaluations = {
        (m, d): submitted is not None
        for m, d, submitted in Evaluation.objects.filter(
            member__jury=jury, dossier_id__in=ids
        ).values_list("member_id", "dossier_id", "submitted_at")
    }
    rapporteurs = set(
        RapporteurAssignment.objects.filter(member__jury=jury).values_list(
            "member_id", "dossier_id"
        )
    )
    conflicts = set(
        ConflictOfInterest.objects.filter(member__jury=jury, lifted_at__isnull=True).values_list(
            "member_id", "dossier_id"
        )
    )
    rows = []
    for dossier in dossiers:
        row = Row(dossier=dossier)
        for member in members:
            pair = (member.pk, dossier.pk)
            rapporteur = pair in rapporteurs
            if pair in conflicts:
                cell = Cell.CONFLICT
            elif evaluations.get(pair) is True:
                cell = Cell.SUBMITTED
                row.n_submitted += 1
            elif pair in evaluations:
                cell = Cell.DRAFT
            elif rapporteur:
                cell = Cell.ASSIGNED
            else:
                cell = Cell.NONE
            if rapporteur:
                row.n_rapporteurs += 1
                row.n_rapporteurs_submitted += cell == Cell.SUBMITTED
            row.cells.append((cell, rapporteur))
        rows.append(row)
    config = reminders.settings_for(jury.call)
    totals = member_totals(
        jury, config, members, dossiers, evaluations, rapporteurs, conflicts, today
    )
    # Stable sorts: the reference breaks ties.
    rows.sort(key=lambda r: r.dossier.reference)
    rows.sort(key=SORTS[key], reverse=descending)
    return Matrix(members=members, rows=rows, totals=totals, config=config)


def member_totals(jury, config, members, dossiers, evaluations, rapporteurs, conflicts, today=None):
    """Each member's totals, counted as the reminders (``jury.reminders``) count them.

    Expected of a member: with review phases, the dossiers they are rapporteur of; without,
    every dossier not in conflict. Late: expected, not submitted, still awaiting the jury
    (preselected) and past its due date (the call's review deadline, else the hearing day).
    """
    today = today or paris_today()
    with_phases = ReviewSettings.objects.filter(jury=jury).exists()
    due = {}
    for dossier in dossiers:
        slot = getattr(dossier, "hearing_slot", None)
        due[dossier.pk] = reminders.review_due_date(config, slot.starts_at if slot else None)
    last_sent = dict(
        ReminderLog.objects.filter(
            call_id=jury.call_id,
            kind=ReminderKind.JUROR,
            recipient__in={m.user.email for m in members if m.user.email},
        )
        .values("recipient")
        .annotate(last=Max("sent_at"))
        .values_list("recipient", "last")
    )
    totals = []
    for member in members:
        row = Totals(member=member, last_reminder=last_sent.get(member.user.email))
        for dossier in dossiers:
            pair = (member.pk, dossier.pk)
            submitted = evaluations.get(pair) is True
            row.submitted += submitted
            if pair in conflicts or (with_phases and pair not in rapporteurs):
                continue
            row.assigned += 1
            deadline = due[dossier.pk]
            if (
                not submitted
                and dossier.state == DossierState.PRESELECTED
                and deadline is not None
                and deadline < today
            ):
                row.late += 1
        totals.append(row)
    return totals


def export(m: Matrix):
    """Header row and data rows of the CSV export (the cells' French labels)."""
    header = [
        str(_("Référence")),
        str(_("Titre")),
        str(_("Catégorie")),
        str(_("Évaluations soumises")),
        str(_("Rapporteurs ayant soumis")),
        *[member.public_name for member in m.members],
    ]
    rows = []
    for row in m.rows:
        rows.append(
            [
                row.dossier.reference,
                row.dossier.title,
                row.dossier.category.name if row.dossier.category_id else "",
                row.n_submitted,
                f"{row.n_rapporteurs_submitted}/{row.n_rapporteurs}",
                *[
                    str(cell.label)
                    + (f" ({_('rapporteur')})" if rapporteur and cell != Cell.ASSIGNED else "")
                    if cell != Cell.NONE
                    else ""
                    for cell, rapporteur in row.cells
                ],
            ]
        )
    # Per member totals under their column, one row each.
    blank = ["", "", "", ""]
    rows.append([str(_("Dossiers attribués")), *blank, *[t.assigned for t in m.totals]])
    rows.append([str(_("Évaluations soumises")), *blank, *[t.submitted for t in m.totals]])
    rows.append([str(_("En retard")), *blank, *[t.late for t in m.totals]])
    rows.append(
        [
            str(_("Dernière relance")),
            *blank,
            *[
                to_paris(t.last_reminder).strftime("%Y-%m-%d %H:%M") if t.last_reminder else ""
                for t in m.totals
            ],
        ]
    )
    return header, rows
