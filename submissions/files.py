"""Checks of uploaded attachments (type by content, extension, size), and their storage.

The declared name and the browser's content type are never trusted: the bytes are sniffed
with ``filetype`` and, for the zip-based office formats, the inner structure of the archive
is checked: its decompressed size and number of entries are bounded, and the parts its type
requires are there and are what they claim (for OOXML, ``[Content_Types].xml`` names the
main part, which is an XML document of the type's namespace; for OpenDocument, the
``mimetype`` entry, the manifest and ``content.xml``). XML is read with ``defusedxml``. The
extension must match what the content really is.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from defusedxml import ElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from submissions.models import Attachment

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192
# Bounds on what is read inside an archive, so that a crafted zip cannot exhaust memory.
MAX_MIMETYPE_ENTRY = 200
MAX_CONTENT_TYPES_ENTRY = 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 10_000


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

# The main part of each OOXML kind: its content type in [Content_Types].xml, and the
# qualified name of its root element.
OOXML_MAIN_PARTS = {
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}document",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}workbook",
    ),
}
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
ODF_CONTENT_ROOT = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}document-content"


class UnsafeArchive(Exception):
    """The archive would expand beyond the limits: refused whatever its type."""


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


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "RELANCE_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES))


def _root_tag(archive: zipfile.ZipFile, name: str) -> str | None:
    """The qualified name of the root element of XML entry ``name``, or None if not XML."""
    try:
        with archive.open(name) as entry:
            for _event, element in ElementTree.iterparse(entry, events=("start",)):
                return element.tag
    except (ElementTree.ParseError, ValueError, KeyError):
        return None
    except Exception as exc:  # defusedxml refuses DTDs, entities and external references
        if type(exc).__module__.startswith("defusedxml"):
            return None
        raise
    return None


def _ooxml_main_part(archive: zipfile.ZipFile, content_type: str) -> str | None:
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > MAX_CONTENT_TYPES_ENTRY:
        return None
    try:
        types = ElementTree.fromstring(archive.read(info))
    except Exception:  # malformed, or refused by defusedxml
        return None
    for override in types.iter(f"{CONTENT_TYPES_NS}Override"):
        if override.get("ContentType") == content_type:
            return (override.get("PartName") or "").lstrip("/")
    return None


def _zip_is(archive: zipfile.ZipFile, kind: FileKind) -> bool:
    infos = archive.infolist()
    if len(infos) > MAX_ARCHIVE_ENTRIES or (
        sum(info.file_size for info in infos) > max_uncompressed_bytes()
    ):
        raise UnsafeArchive
    names = {info.filename for info in infos}
    if kind.extension in ("odt", "ods"):
        if not {"mimetype", "META-INF/manifest.xml", "content.xml"} <= names:
            return False
        info = archive.getinfo("mimetype")
        if info.file_size > MAX_MIMETYPE_ENTRY:
            return False
        if archive.read(info).strip() != kind.content_type.encode("ascii"):
            return False
        return _root_tag(archive, "content.xml") == ODF_CONTENT_ROOT
    content_type, root = OOXML_MAIN_PARTS[kind.extension]
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        return False
    main = _ooxml_main_part(archive, content_type)
    if not main or main not in names:
        return False
    return _root_tag(archive, main) == root


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
    except UnsafeArchive:
        raise ValidationError(
            _("Ce fichier se décompresse au-delà de %(size)s : il est refusé.")
            % {"size": format_size(max_uncompressed_bytes())},
            code="too_large_uncompressed",
        ) from None
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


# Storing checked files ------------------------------------------------------------------


def store_attachment(
    user, dossier, *, file, original_name, content_type, size, sha256, description="", now=None
) -> Attachment:
    """Write an already checked file and its row, inside the caller's transaction."""
    attachment = Attachment(
        uploaded_at=now or timezone.now(),
        dossier=dossier,
        original_name=original_name[:255],
        content_type=content_type,
        size=size,
        sha256=sha256,
        description=description[:255],
        uploaded_by=user,
    )
    attachment.file.save(original_name, file, save=False)
    attachment.save()
    return attachment


@contextmanager
def stored_files_removed_on_error():
    """Files are not transactional: those stored in the block are deleted if it raises.

    Yields a list to which the block appends ``(storage, name)`` for every file it writes.
    """
    stored = []
    try:
        yield stored
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete %s after a rollback.", name)
        raise
