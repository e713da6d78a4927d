"""The progress matrix of a jury: its dossiers × its members, one status per cell.

Five queries whatever the size: members, dossiers, evaluations, rapporteurs, conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from jury.models import HEARING_ORDER, ConflictOfInterest, Evaluation
from jury.permissions import jury_dossiers
from jury.review_models import RapporteurAssignment
from relance.ordering import french
from submissions.filters import parse_sort


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
class Matrix:
    members: list
    rows: list[Row]


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


def matrix(jury, key=DEFAULT_SORT, descending=False) -> Matrix:
    members = list(jury.members.order_by(*french("public_name"), "pk"))
    dossiers = list(
        jury_dossiers(jury).select_related("category", "administration").order_by(*HEARING_ORDER)
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
    # Stable sorts: the reference breaks ties.
    rows.sort(key=lambda r: r.dossier.reference)
    rows.sort(key=SORTS[key], reverse=descending)
    return Matrix(members=members, rows=rows)


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
    return header, rows
