"""Exports of the staff dossier list to CSV, XLSX and ODS.

Conventions:
- CSV is UTF-8 with a byte order mark (so that Excel detects the encoding) and a comma
  separator (RFC 4180, what LibreOffice and every CSV parser expect by default). Amounts
  are written with a dot as decimal separator and no grouping (``75000.00``).
- XLSX and ODS hold the amounts as numbers, everything else as text. Both are written row by
  row (openpyxl's write-only mode; a plain ODF writer for ODS), so that a large call's file
  is built in a background task without holding every row in memory.
- Dates are in Paris time, ISO 8601 with their offset (``2026-11-28T14:05:00+01:00``).
- Formula injection: a text that a spreadsheet could run as a formula (starting with ``=``,
  ``+``, ``-``, ``@``, ``|``, ``%``, a tab or a carriage return) is prefixed with an
  apostrophe in every format, so it is shown as text and never evaluated. The CSV is also
  written through ``defusedcsv``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from defusedcsv import csv as defusedcsv
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

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
    """The rows' related objects in the same query, whatever the number of dossiers, and only
    the columns written (a dossier's long texts would be most of what is read)."""
    return queryset.select_related("category", "administration", "administration__ministry").only(
        "reference",
        "title",
        "subtitle",
        "state",
        "pending_decision",
        "total_budget",
        "requested_amount",
        "submitted_at",
        "contact_name",
        "contact_email",
        "category__name",
        "administration__name",
        "administration__acronym",
        "administration__kind",
        "administration__ministry__name",
    )


def _labels(model, field: str) -> dict:
    # Translated once per export: ``get_FOO_display`` per row costs more than the query.
    return {key: str(label) for key, label in model._meta.get_field(field).flatchoices}


def display_labels() -> dict:
    from submissions.models import Administration, Dossier

    return {
        "kind": _labels(Administration, "kind"),
        "state": _labels(Dossier, "state"),
        "decision": _labels(Dossier, "pending_decision"),
    }


def dossier_row(dossier, labels: dict | None = None) -> list:
    labels = labels or display_labels()
    administration = dossier.administration
    return [
        dossier.reference,
        dossier.title,
        dossier.subtitle,
        dossier.category.name if dossier.category_id else "",
        administration.name,
        administration.acronym,
        labels["kind"].get(administration.kind, administration.kind),
        administration.ministry.name if administration.ministry_id else "",
        labels["state"].get(dossier.state, dossier.state),
        labels["decision"].get(dossier.pending_decision, dossier.pending_decision)
        if dossier.pending_decision
        else "",
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
    labels = display_labels()
    for dossier in dossiers:
        yield [neutralise(value) for value in dossier_row(dossier, labels)]


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
    # The header goes out before the first query: the download starts at once.
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
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


def write_xlsx(header_row, data_rows, fileobj, title: str) -> None:
    """An XLSX workbook of one sheet, written row by row (openpyxl's write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(header_row)
    for row in data_rows:
        sheet.append(row)
    workbook.save(fileobj)


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" \
manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
ODS_CONTENT_START = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" \
xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2">
<office:automatic-styles><style:style style:name="header" style:family="table-cell">\
<style:text-properties fo:font-weight="bold"/></style:style></office:automatic-styles>
<office:body><office:spreadsheet><table:table table:name={title}>
"""
ODS_CONTENT_END = "</table:table></office:spreadsheet></office:body></office:document-content>\n"


def _ods_cell(value, style: str = "") -> str:
    style = f' table:style-name="{style}"' if style else ""
    if value is None or value == "":
        return f"<table:table-cell{style}/>"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = format(value, "f") if isinstance(value, Decimal) else str(value)
        return (
            f'<table:table-cell{style} office:value-type="float" office:value="{number}">'
            f"<text:p>{number}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell{style} office:value-type="string">'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )


def _ods_row(row, style: str = "") -> str:
    return (
        "<table:table-row>"
        + "".join(_ods_cell(value, style) for value in row)
        + ("</table:table-row>\n")
    )


def write_ods(header_row, data_rows, fileobj, title: str) -> None:
    """An ODS spreadsheet of one sheet, its ``content.xml`` written into the zip row by row.

    Only what an ODS needs is written (mimetype, manifest, content); LibreOffice and the ODF
    readers supply the default styles.
    """
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The mimetype comes first and uncompressed, so that the file type can be sniffed.
        archive.writestr(
            zipfile.ZipInfo("mimetype"), ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        with archive.open("content.xml", "w", force_zip64=True) as raw:
            content = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            content.write(ODS_CONTENT_START.format(title=quoteattr(title)))
            content.write(_ods_row(header_row, "header"))
            for row in data_rows:
                content.write(_ods_row(row))
            content.write(ODS_CONTENT_END)
            content.flush()
            content.detach()


SPREADSHEET_WRITERS = {"xlsx": write_xlsx, "ods": write_ods}


def sheet_title() -> str:
    return _("Dossiers")


def write_spreadsheet(queryset, fmt: str, fileobj, chunk_size: int | None = None) -> None:
    """The dossiers of ``queryset`` as an XLSX or ODS file, written into ``fileobj``."""
    SPREADSHEET_WRITERS[fmt](
        headers(), rows(queryset, chunk_size=chunk_size), fileobj, title=sheet_title()
    )


def export(queryset, fmt: str) -> bytes:
    """The dossiers of ``queryset`` (already filtered and sorted) in format ``fmt``."""
    if fmt == "csv":
        return to_csv(queryset)
    if fmt in SPREADSHEET_WRITERS:
        buffer = io.BytesIO()
        write_spreadsheet(queryset, fmt, buffer)
        return buffer.getvalue()
    raise ValueError(f"Unknown export format: {fmt}")


def filename(call, fmt: str, now=None) -> str:
    day = to_paris(now or timezone.now()).date().isoformat()
    return f"relance-{call.slug}-dossiers-{day}.{FORMATS[fmt].extension}"
