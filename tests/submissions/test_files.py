"""Upload checks: the type is decided by the content, and the extension must match it."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from submissions.files import check_upload, format_size
from tests.submissions.sample_files import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    _zip,
    docx_bytes,
    docx_with,
    expanding_docx,
    ods_bytes,
    odt_bytes,
    plain_zip_bytes,
    upload,
    xlsx_bytes,
)


def refusal(file) -> str:
    with pytest.raises(ValidationError) as excinfo:
        check_upload(file)
    return " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    ("name", "builder", "content_type"),
    [
        ("dossier.pdf", lambda: PDF_BYTES, "application/pdf"),
        (
            "budget.docx",
            docx_bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "budget.xlsx",
            xlsx_bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("note.odt", odt_bytes, "application/vnd.oasis.opendocument.text"),
        ("tableau.ods", ods_bytes, "application/vnd.oasis.opendocument.spreadsheet"),
        ("MAJUSCULES.PDF", lambda: PDF_BYTES, "application/pdf"),
    ],
)
def test_real_documents_are_accepted(name, builder, content_type):
    data = builder()
    # The browser's claim is ignored: only the content counts.
    result = check_upload(upload(name, data, content_type="text/plain"))
    assert result == (content_type, len(data), hashlib.sha256(data).hexdigest())


def test_the_file_is_rewound_after_the_check():
    file = upload("budget.docx", docx_bytes())
    check_upload(file)
    assert file.read() == docx_bytes()


@pytest.mark.parametrize("data", [PNG_BYTES, EXE_BYTES, b"Bonjour, ceci est du texte."])
def test_a_pdf_name_on_other_content_is_refused(data):
    message = refusal(upload("dossier.pdf", data, content_type="application/pdf"))
    assert message == "Ce fichier n’est pas un PDF valide même si son nom se termine par .pdf."


def test_a_plain_zip_renamed_docx_is_refused():
    message = refusal(upload("budget.docx", plain_zip_bytes()))
    assert "n’est pas un document DOCX valide" in message
    assert ".docx" in message


def test_a_plain_zip_renamed_odt_is_refused():
    assert "n’est pas un document ODT valide" in refusal(upload("note.odt", plain_zip_bytes()))


@pytest.mark.parametrize(
    ("name", "builder", "expected"),
    [
        ("budget.docx", xlsx_bytes, "un document DOCX"),
        ("budget.xlsx", docx_bytes, "un tableur XLSX"),
        ("note.odt", ods_bytes, "un document ODT"),
        ("tableau.ods", odt_bytes, "un tableur ODS"),
        ("note.pdf", docx_bytes, "un PDF"),
        ("budget.docx", lambda: PDF_BYTES, "un document DOCX"),
    ],
)
def test_the_extension_must_match_the_detected_type(name, builder, expected):
    assert f"n’est pas {expected} valide" in refusal(upload(name, builder()))


def test_a_damaged_archive_is_refused():
    data = docx_bytes()
    assert "n’est pas un document DOCX valide" in refusal(upload("budget.docx", data[:200]))


@pytest.mark.parametrize("name", ["programme.exe", "image.png", "sans-extension", "note.doc"])
def test_other_extensions_are_refused(name):
    message = refusal(upload(name, PDF_BYTES))
    assert message == "Seuls les fichiers PDF, ODT, DOCX, ODS et XLSX sont acceptés."


def test_an_empty_file_is_refused():
    assert refusal(upload("vide.pdf", b"")) == "Le fichier est vide."


def test_a_file_over_ten_megabytes_is_refused():
    data = PDF_BYTES + b"0" * (10 * 1024 * 1024 + 1 - len(PDF_BYTES))
    assert refusal(upload("gros.pdf", data)) == "Le fichier dépasse 10 Mo."


def test_a_file_of_exactly_ten_megabytes_is_accepted():
    data = PDF_BYTES + b"0" * (10 * 1024 * 1024 - len(PDF_BYTES))
    assert check_upload(upload("limite.pdf", data))[1] == 10 * 1024 * 1024


def test_the_limit_comes_from_the_settings(settings):
    settings.RELANCE_MAX_UPLOAD_BYTES = 1024
    data = PDF_BYTES + b"0" * 2000
    assert refusal(upload("gros.pdf", data)) == "Le fichier dépasse 1 Ko."
    settings.RELANCE_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    assert check_upload(upload("petit.pdf", data))[0] == "application/pdf"


def test_megabytes_are_written_the_french_way():
    assert format_size(10 * 1024 * 1024) == "10 Mo"
    assert format_size(5_000_000) == "4,8 Mo"
    assert format_size(2048) == "2 Ko"


# Office files: decompressed size and required parts -----------------------------------------

DOCX_NAME = "budget.docx"


@pytest.fixture(scope="module")
def gigabyte_docx():
    data = expanding_docx(1024**3)
    assert len(data) < 10 * 1024 * 1024  # under the upload limit once compressed
    return data


def test_a_docx_expanding_to_a_gigabyte_is_refused(gigabyte_docx):
    assert "se décompresse au-delà de 100 Mo" in refusal(upload(DOCX_NAME, gigabyte_docx))


def test_the_decompressed_limit_follows_the_setting(settings):
    data = expanding_docx(3 * 1024 * 1024)
    assert check_upload(upload(DOCX_NAME, data))
    settings.RELANCE_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    assert "au-delà de 2 Mo" in refusal(upload(DOCX_NAME, data))


HTML_PAGE = b"<html><body><script>alert(1)</script><p>Budget</p></body></html>"
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"&lol2;</w:document>"
)
XLSX_ROOT_IN_A_DOCX = (
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
)


@pytest.mark.parametrize(
    "document",
    [HTML_PAGE, BILLION_LAUGHS, XLSX_ROOT_IN_A_DOCX, b"pas du XML"],
    ids=["html", "entities", "other-type", "not-xml"],
)
def test_a_docx_whose_document_part_is_not_a_word_document_is_refused(document):
    data = docx_with([], document=document)
    assert "n’est pas un document DOCX valide" in refusal(upload(DOCX_NAME, data))


def test_a_docx_without_its_document_part_is_refused():
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source:
        parts = [
            (i.filename, source.read(i))
            for i in source.infolist()
            if i.filename != "word/document.xml"
        ]
    data = _zip([*parts, ("word/styles.xml", b"<styles/>")])
    assert "n’est pas un document DOCX valide" in refusal(upload(DOCX_NAME, data))


def test_an_odt_without_content_is_refused():
    with zipfile.ZipFile(io.BytesIO(odt_bytes())) as source:
        parts = [
            (i.filename, source.read(i)) for i in source.infolist() if i.filename != "content.xml"
        ]
    data = _zip(parts, stored_first=True)
    assert "n’est pas un document ODT valide" in refusal(upload("note.odt", data))
