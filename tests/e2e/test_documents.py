"""The PDF documents, downloaded from the dossier pages of the demo data in a real browser:
the CNAV's agent takes the acknowledgement, the whole dossier and the decision letter of its
round-1 laureate dossier; the instructor the same from the instruction page; the demo juror
the whole dossier from the jury's page. Each file is read back with pypdf; each document's
HTML is also shown in the browser with the print style, for a screenshot."""

from io import BytesIO
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect
from pypdf import PdfReader

from jury.deliberation.letters import letter_context
from jury.models import JuryMember
from submissions.display import dossier_summary
from submissions.documents.content import DOCUMENT_QUERYSET, document_context
from submissions.documents.render import BASE_URL, static_path
from submissions.models import Dossier, DossierState
from tests.e2e.test_dossier_path import INSTRUCTOR, log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

CNAV = ("agent.cnav@demo.relance.gouv.fr", "Exposer-Donnees-2021")
JUROR = ("jure@demo.relance.gouv.fr", "Evaluer-Relance-2021")


def download_text(page, link_name) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    reader = PdfReader(BytesIO(Path(download.path()).read_bytes()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def show_document(page, screenshot, template, context, name):
    """The document's HTML in the browser with the print style, its resources served from
    the static files as the PDF's fetcher does."""

    def serve(route):
        path = static_path(route.request.url)
        if route.request.url == BASE_URL:
            route.fulfill(body="<!DOCTYPE html><title>-</title>", content_type="text/html")
        elif path is None:
            route.abort()
        else:
            route.fulfill(path=path)

    page.route(f"{BASE_URL}**", serve)
    page.emulate_media(media="print")
    page.goto(BASE_URL)  # the documents' origin, so that their relative URLs resolve
    page.set_content(render_to_string(template, context))
    expect(page.locator("h1")).to_be_visible()
    screenshot(f"pdf-{name}")
    page.emulate_media(media="screen")
    page.unroute(f"{BASE_URL}**")


def test_download_the_documents_from_the_dossier_pages(seeded, page, screenshot, check_screen):
    dossier = (
        DOCUMENT_QUERYSET.filter(
            administration__memberships__user__email=CNAV[0], state=DossierState.LAUREATE
        )
        .order_by("pk")
        .first()
    )
    assert dossier is not None

    log_in(page, CNAV, dossier.get_absolute_url())
    documents = page.locator("#documents")
    expect(documents.get_by_role("link")).to_have_count(3)
    check_screen("applicant-dossier")
    text = download_text(page, "Accusé de réception du dépôt PDF")
    short = document_context(dossier)["short_digest"]
    assert "Accusé de réception" in text and dossier.reference in text and short in text
    text = download_text(page, "Dossier complet tel que déposé PDF")
    assert dossier.title.split()[0] in text and "Pièces jointes" in text
    text = download_text(page, "Notification de la décision PDF")
    assert "Notification de décision" in text and "lauréat" in text and "€" in text
    log_out(page)

    log_in(page, INSTRUCTOR, f"/instruction/dossiers/{dossier.pk}/")
    expect(page.locator("#documents").get_by_role("link")).to_have_count(3)
    check_screen("staff-dossier")
    text = download_text(page, "Notification de la décision PDF")
    assert dossier.reference in text
    log_out(page)

    member = JuryMember.objects.get(user__email=JUROR[0], jury__call=dossier.call)
    log_in(page, JUROR, f"/jury/{member.jury_id}/dossiers/{dossier.pk}/")
    juror_links = page.locator("#documents").get_by_role("link")
    expect(juror_links).to_have_count(1)
    check_screen("juror-dossier")
    text = download_text(page, "Dossier complet tel que déposé PDF")
    assert dossier.reference in text

    # What the documents look like (their HTML in the print style).
    dossier = DOCUMENT_QUERYSET.get(pk=dossier.pk)
    context = document_context(dossier)
    show_document(
        page, screenshot, "submissions/documents/acknowledgement.html", context, "acknowledgement"
    )
    show_document(
        page,
        screenshot,
        "submissions/documents/dossier.html",
        {**context, "summary": dossier_summary(Dossier.objects.get(pk=dossier.pk))},
        "dossier",
    )
    show_document(
        page, screenshot, "jury/documents/decision_letter.html", letter_context(dossier), "letter"
    )
