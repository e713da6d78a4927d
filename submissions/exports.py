"""Exports of the staff dossier list to CSV, XLSX and ODS.

Conventions:
- CSV is UTF-8 with a byte order mark (so that Excel detects the encoding) and a comma
  separator (RFC 4180, what LibreOffice and every CSV parser expect by default). Amounts
  are written with a dot as decimal separator and no grouping (``75000.00``).
- XLSX and ODS hold the amounts as numbers, everything else as text.
- Dates are in Paris time, ISO 8601 with their offset (``2026-11-28T14:05:00+01:00``).
- Formula injection: a text that a spreadsheet could run as a formula (starting with ``=``,
  ``+``, ``-``, ``@``, ``|``, ``%``, a tab or a carriage return) is prefixed with an
  apostrophe in every format, so it is shown as text and never evaluated. The CSV is also
  written through ``defusedcsv``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import tablib
from defusedcsv import csv as defusedcsv
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.formatting import paris_iso, to_paris

FORMULA_START = ("=", "+", "-", "@", "|", "%", "\t", "\r")
# A plain number such as « -12,5 » is not a formula and stays as typed.
PLAIN_NUMBER = re.compile(r"^-?[0-9][0-9 ,.]*$")
# Control characters XML (hence XLSX and ODS) cannot hold; tab, LF and CR are kept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Rows fetched at a time from PostgreSQL's server-side cursor by the streamed exports.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    content_type: str


FORMATS = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8"),
    "xlsx": ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "ods": ExportFormat("ods", "application/vnd.oasis.opendocument.spreadsheet"),
}


def headers() -> list[str]:
    return [
        _("Référence"),
        _("Titre"),
        _("Sous-titre"),
        _("Catégorie"),
        _("Administration"),
        _("Sigle"),
        _("Type d’administration"),
        _("Ministère"),
        _("État"),
        _("Décision enregistrée"),
        _("Budget total (€)"),
        _("Cofinancement demandé (€)"),
        _("Déposé le"),
        _("Contact"),
        _("Courriel du contact"),
    ]


def neutralise(value):
    """Make a text cell inert in spreadsheets; numbers and empty cells are left alone."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    if value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def export_queryset(queryset):
    """The rows' related objects in the same query, whatever the number of dossiers."""
    return queryset.select_related("category", "administration", "administration__ministry")


def dossier_row(dossier) -> list:
    administration = dossier.administration
    return [
        dossier.reference,
        dossier.title,
        dossier.subtitle,
        dossier.category.name if dossier.category_id else "",
        administration.name,
        administration.acronym,
        administration.get_kind_display(),
        administration.ministry.name if administration.ministry_id else "",
        dossier.get_state_display(),
        dossier.get_pending_decision_display() if dossier.pending_decision else "",
        dossier.total_budget,
        dossier.requested_amount,
        paris_iso(dossier.submitted_at),
        dossier.contact_name,
        dossier.contact_email,
    ]


def rows(queryset, chunk_size: int | None = None):
    """The export's rows; with ``chunk_size``, fetched that many at a time from a cursor."""
    dossiers = export_queryset(queryset)
    if chunk_size:
        dossiers = dossiers.iterator(chunk_size=chunk_size)
    for dossier in dossiers:
        yield [neutralise(value) for value in dossier_row(dossier)]


def csv_cell(value):
    """A cell as the CSV exports write it: texts made inert, amounts with a dot, None empty."""
    value = neutralise(value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        # Dot decimal, no exponent, whatever the locale.
        return format(value, "f")
    return value


def csv_chunks(header_row, data_rows, rows_per_chunk: int = 500):
    """The staff exports' CSV (see the module's docstring) as successive byte chunks.

    Only ``rows_per_chunk`` rows are held at a time, so a stream of them uses the same memory
    whatever the number of rows.
    """
    buffer = io.StringIO()
    writer = defusedcsv.writer(buffer)
    # UTF-8 with a BOM: Excel then reads accents correctly; other tools ignore it.
    buffer.write("\ufeff")
    writer.writerow([csv_cell(value) for value in header_row])
    for count, row in enumerate(data_rows, start=1):
        writer.writerow([csv_cell(value) for value in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_bytes(header_row, data_rows) -> bytes:
    """The staff exports' CSV (see the module's docstring), from a header row and rows."""
    return b"".join(csv_chunks(header_row, data_rows))


def to_csv(queryset) -> bytes:
    return csv_bytes(headers(), rows(queryset))


def stream_csv(queryset):
    """The CSV of ``queryset`` as byte chunks, read through a server-side cursor."""
    return csv_chunks(headers(), rows(queryset, chunk_size=CHUNK_SIZE))


def to_dataset(queryset) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=headers(), title=_("Dossiers"))
    for row in rows(queryset):
        dataset.append(row)
    return dataset


def export(queryset, fmt: str) -> bytes:
    """The dossiers of ``queryset`` (already filtered and sorted) in format ``fmt``."""
    if fmt == "csv":
        return to_csv(queryset)
    if fmt in ("xlsx", "ods"):
        return to_dataset(queryset).export(fmt)
    raise ValueError(f"Unknown export format: {fmt}")


def filename(call, fmt: str, now=None) -> str:
    day = to_paris(now or timezone.now()).date().isoformat()
    return f"relance-{call.slug}-dossiers-{day}.{FORMATS[fmt].extension}"
