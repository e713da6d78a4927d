"""Checks of uploaded attachments: type by content, extension, size.

The declared name and the browser's content type are never trusted: the bytes are sniffed
with ``filetype`` and, for the zip-based office formats, the inner structure of the archive
is checked (``[Content_Types].xml`` and the main part for OOXML, the ``mimetype`` entry for
OpenDocument). The extension must match what the content really is.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192
# Bounds on what is read inside an archive, so that a crafted zip cannot exhaust memory.
MAX_MIMETYPE_ENTRY = 200
MAX_CONTENT_TYPES_ENTRY = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    label: object  # as in « Ce fichier n’est pas <label> valide »


PDF = FileKind("pdf", "application/pdf", gettext_lazy("un PDF"))
DOCX = FileKind(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    gettext_lazy("un document DOCX"),
)
XLSX = FileKind(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    gettext_lazy("un tableur XLSX"),
)
ODT = FileKind("odt", "application/vnd.oasis.opendocument.text", gettext_lazy("un document ODT"))
ODS = FileKind(
    "ods", "application/vnd.oasis.opendocument.spreadsheet", gettext_lazy("un tableur ODS")
)

KINDS = {kind.extension: kind for kind in (PDF, ODT, DOCX, ODS, XLSX)}
ALLOWED_EXTENSIONS = tuple(KINDS)

# The main part each OOXML kind declares in [Content_Types].xml, and its folder.
OOXML_MAIN_PARTS = {
    "docx": (
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "word/",
    ),
    "xlsx": (
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "xl/",
    ),
}

# What ``filetype`` may call a zip-based document (it reports most of them as plain zip).
ZIP_MIMES = frozenset(
    {
        "application/zip",
        DOCX.content_type,
        XLSX.content_type,
        ODT.content_type,
        ODS.content_type,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.presentation",
        "application/epub+zip",
    }
)


def max_upload_bytes() -> int:
    return int(getattr(settings, "RELANCE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def format_size(size: int) -> str:
    """``10485760`` → ``10 Mo``; ``5000000`` → ``4,8 Mo``; ``2048`` → ``2 Ko``."""
    if size < 1024 * 1024:
        return _("%(size)s Ko") % {"size": max(1, round(size / 1024))}
    value = size / (1024 * 1024)
    text = str(int(value)) if value == int(value) else f"{value:.1f}".replace(".", ",")
    return _("%(size)s Mo") % {"size": text}


def accept_attribute() -> str:
    """Value for the ``accept`` attribute of the file input."""
    return ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


def _zip_is(archive: zipfile.ZipFile, kind: FileKind) -> bool:
    names = set(archive.namelist())
    if kind.extension in ("odt", "ods"):
        if "mimetype" not in names or "META-INF/manifest.xml" not in names:
            return False
        info = archive.getinfo("mimetype")
        if info.file_size > MAX_MIMETYPE_ENTRY:
            return False
        return archive.read(info).strip() == kind.content_type.encode("ascii")
    content_types, folder = OOXML_MAIN_PARTS[kind.extension]
    if "[Content_Types].xml" not in names:
        return False
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > MAX_CONTENT_TYPES_ENTRY:
        return False
    if content_types not in archive.read(info):
        return False
    return any(name.startswith(folder) for name in names)


def _content_matches(file, head: bytes, kind: FileKind) -> bool:
    guessed = filetype.guess(head)
    if guessed is None:
        return False
    if kind is PDF:
        return guessed.mime == PDF.content_type
    if guessed.mime not in ZIP_MIMES:
        return False
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return _zip_is(archive, kind)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError):
        # RuntimeError: encrypted entries; the others: a damaged or truncated archive.
        return False
    finally:
        file.seek(0)


def check_upload(file) -> tuple[str, int, str]:
    """Check an uploaded file; return ``(content_type, size, sha256)`` or raise ValidationError.

    ``file`` is a Django ``UploadedFile`` (or any seekable file object with ``name``).
    """
    name = PurePath(getattr(file, "name", "") or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    kind = KINDS.get(extension)
    if kind is None:
        raise ValidationError(
            _("Seuls les fichiers PDF, ODT, DOCX, ODS et XLSX sont acceptés."),
            code="extension",
        )
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            _("Le fichier dépasse %(size)s.") % {"size": format_size(limit)},
            code="too_large",
        )
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    if not _content_matches(file, head, kind):
        raise ValidationError(
            _("Ce fichier n’est pas %(kind)s valide même si son nom se termine par .%(ext)s.")
            % {"kind": kind.label, "ext": extension},
            code="content",
        )
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return kind.content_type, size, digest.hexdigest()
