"""Staff ranking of a jury's dossiers, under ``/instruction/appels/<slug>/jury/classement/``.

Read only: the statistics come from ``jury.scoring.aggregates`` (see its docstring for the scoring
arithmetic). Staff only: anonymous users go to the login page, any other account gets a 404.
The ranking informs the deliberation; it does not decide it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import tablib
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from jury.permissions import get_staff_jury_or_404
from jury.scoring import aggregates
from relance.formatting import paris_today
from relance.permissions import staff_required
from submissions.exports import FORMATS, csv_bytes, neutralise
from submissions.filters import parse_sort

NORMALISED_MODE = "normalise"
RAW_MODE = "brut"
EXPORT_FORMATS = ("csv", "xlsx")

# ``?tri=`` keys (French, as in the other staff lists) → ``aggregates.ORDERS`` keys.
SORTS = {
    "rang": "rank",
    "reference": "reference",
    "titre": "title",
    "categorie": "category",
    "moyenne": "mean",
    "mediane": "median",
    "ecart": "spread",
    "normalise": "normalised",
    "nombre": "count",
}
# A first click on these columns shows the highest values first.
DESCENDING_FIRST = {"moyenne", "mediane", "ecart", "normalise", "nombre"}
DEFAULT_SORT = "rang"


def _options(request) -> dict:
    """Mode and sort read from the query string; anything unknown gives the defaults."""
    normalised = request.GET.get("mode") == NORMALISED_MODE
    key, descending = parse_sort(request.GET.get("tri"), SORTS, DEFAULT_SORT)
    return {
        "normalised": normalised,
        "sort_key": key,
        "descending": descending,
        "order": ("-" if descending else "") + SORTS[key],
    }


def _query(mode: str, tri: str) -> str:
    return f"mode={mode}&tri={tri}"


def _sort_links(options) -> dict:
    mode = NORMALISED_MODE if options["normalised"] else RAW_MODE
    links = {}
    for key in SORTS:
        active = key == options["sort_key"]
        if active:
            tri = key if options["descending"] else f"-{key}"
        else:
            tri = f"-{key}" if key in DESCENDING_FIRST else key
        links[key] = {
            "url": f"?{_query(mode, tri)}",
            "active": active,
            "descending": active and options["descending"],
            "aria_sort": (
                ("descending" if options["descending"] else "ascending") if active else ""
            ),
        }
    return links


def _rows(jury, options, criteria):
    return aggregates.ranking(
        jury, normalised=options["normalised"], order=options["order"], criteria_list=criteria
    )


@staff_required
def ranking_page(request, call_slug):
    jury = get_staff_jury_or_404(request.user, call_slug)
    options = _options(request)
    criteria = aggregates.criteria(jury)
    rows = _rows(jury, options, criteria)
    tri = ("-" if options["descending"] else "") + options["sort_key"]
    return render(
        request,
        "jury/ranking/ranking.html",
        {
            "jury": jury,
            "call": jury.call,
            "rows": rows,
            "criteria": criteria,
            "normalised": options["normalised"],
            "sort": _sort_links(options),
            "raw_query": _query(RAW_MODE, DEFAULT_SORT),
            "normalised_query": _query(NORMALISED_MODE, DEFAULT_SORT),
            "current_query": _query(NORMALISED_MODE if options["normalised"] else RAW_MODE, tri),
            "export_formats": EXPORT_FORMATS,
            "n_ranked": sum(1 for row in rows if row.rank is not None),
            # Rapporteur figures only where the jury has rapporteurs (no extra query).
            "has_rapporteurs": any(row.n_rapporteurs for row in rows),
        },
    )


# Exports -----------------------------------------------------------------------------------


def export_headers(criteria) -> list[str]:
    return [
        _("Rang (moyenne)"),
        _("Rang (score normalisé)"),
        _("Référence"),
        _("Titre"),
        _("Catégorie"),
        _("Administration"),
        _("Évaluations comptées"),
        _("Moyenne (/20)"),
        _("Médiane (/20)"),
        _("Écart-type"),
        _("Minimum (/20)"),
        _("Maximum (/20)"),
        _("Score normalisé"),
        _("Membres en conflit"),
        _("Membres n’ayant pas soumis"),
        _("Rapporteurs"),
        _("Évaluations des rapporteurs"),
        _("Moyenne des rapporteurs (/20)"),
        *[
            _("%(label)s — moyenne (/%(max)s)") % {"label": c.label, "max": c.scale_max}
            for c in criteria
        ],
    ]


def _number(value):
    """Two decimals, as a ``Decimal`` (a number in XLSX, a dot decimal in CSV)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def export_row(row) -> list:
    return [
        row.rank_raw,
        row.rank_normalised,
        row.reference,
        row.title,
        row.category.name if row.category_id else "",
        row.administration.name,
        row.n_evaluations,
        _number(row.mean),
        _number(row.median),
        _number(row.spread),
        _number(row.min_total),
        _number(row.max_total),
        _number(row.normalised),
        row.n_conflicted,
        row.n_not_submitted,
        row.n_rapporteurs,
        row.n_rapporteur_evaluations,
        _number(row.rapporteur_mean),
        *[_number(item.mean) for item in row.criterion_means],
    ]


def to_xlsx(headers, rows) -> bytes:
    dataset = tablib.Dataset(
        headers=[neutralise(value) for value in headers], title=_("Classement")
    )
    for row in rows:
        dataset.append([neutralise(value) for value in row])
    return dataset.export("xlsx")


@staff_required
def ranking_export(request, call_slug, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    jury = get_staff_jury_or_404(request.user, call_slug)
    criteria = aggregates.criteria(jury)
    rows = [export_row(row) for row in _rows(jury, _options(request), criteria)]
    headers = export_headers(criteria)
    content = csv_bytes(headers, rows) if fmt == "csv" else to_xlsx(headers, rows)
    response = HttpResponse(content, content_type=FORMATS[fmt].content_type)
    day = paris_today().isoformat()
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"relance-{jury.call.slug}-classement-{day}.{fmt}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
