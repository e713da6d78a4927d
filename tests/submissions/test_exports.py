"""Exports of the staff dossier list: CSV, XLSX and ODS, read back with real parsers."""

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import ProgrammeRole
from submissions.background_exports import delete_expired_exports
from submissions.exports import FORMATS, neutralise
from submissions.models import DossierExport, DossierState, PreselectionDecision
from tests.factories import (
    AdministrationFactory,
    CategoryFactory,
    MinistryFactory,
    StaffFactory,
    UserFactory,
)
from tests.submissions.staff_data import closed_call, filed, filed_batch, filed_in_bulk
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db

S = DossierState

HEADERS = [
    "Référence",
    "Titre",
    "Sous-titre",
    "Catégorie",
    "Administration",
    "Sigle",
    "Type d’administration",
    "Ministère",
    "État",
    "Décision enregistrée",
    "Budget total (€)",
    "Cofinancement demandé (€)",
    "Déposé le",
    "Contact",
    "Courriel du contact",
]
EVIL = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def call():
    return closed_call(slug="donnees-1")


@pytest.fixture
def dossiers(call):
    ministry = MinistryFactory(name="Ministère de la Culture")
    dnum = AdministrationFactory(
        name="Direction du numérique", acronym="DNUM", kind="central", ministry=ministry
    )
    operator = AdministrationFactory(
        name="Agence des données", acronym="@AD", kind="operator", ministry=ministry
    )
    category = CategoryFactory(call=call, name="Pilotage par la donnée")
    return {
        "evil": filed(
            call,
            administration=dnum,
            category=category,
            title=EVIL,
            subtitle="\tcmd|' /C calc'!A0",
            total_budget=Decimal("150000.50"),
            requested_amount=Decimal("99999.99"),
            pending_decision=PreselectionDecision.PRESELECTED,
            contact_name="+33 Camille",
            contact_email="camille@exemple.gouv.fr",
            # 13:05 UTC on 3 March 2021 is 14:05 in Paris.
            submitted_at=datetime(2021, 3, 3, 13, 5, tzinfo=UTC),
        ),
        "plain": filed(
            call,
            state=S.INCOMPLETE,
            administration=operator,
            category=category,
            title="Tableau de bord énergie",
            subtitle="-Moins de papier",
            total_budget=Decimal("80000.00"),
            requested_amount=Decimal("40000.00"),
            submitted_at=datetime(2021, 7, 1, 8, 0, tzinfo=UTC),
        ),
        "draft": filed(call, state=S.DRAFT, administration=dnum, title="Brouillon"),
    }


def export_url(call, fmt, query=""):
    url = reverse("submissions:instruction_export", kwargs={"call_slug": call.slug, "fmt": fmt})
    return f"{url}?{query}" if query else url


def get_export(client, call, fmt, query=""):
    response = client.get(export_url(call, fmt, query))
    assert response.status_code == 200, response.status_code
    if response.streaming:
        # Read the stream here, inside the caller's query capture.
        response.body = b"".join(response.streaming_content)
    else:
        response.body = response.content
    return response


def read_csv(response):
    content = response.body
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    return sheet


def read_ods(response):
    dataset = tablib.Dataset()
    dataset.load(response.body, format="ods")
    return dataset


def test_csv_headers_rows_and_conventions(staff_client, call, dossiers):
    response = get_export(staff_client, call, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="relance-donnees-1-dossiers-')
    assert disposition.endswith('.csv"')
    rows = read_csv(response)
    assert rows[0] == HEADERS
    assert len(rows) == 3  # the draft is never exported
    evil, plain = rows[1], rows[2]
    assert evil[0] == dossiers["evil"].reference
    # Formulas and their lookalikes are neutralised by a leading apostrophe.
    assert evil[1] == "'" + EVIL
    assert evil[2].startswith("'\t")
    assert evil[13] == "'+33 Camille"
    assert plain[2] == "'-Moins de papier"
    assert plain[5] == "'@AD"
    assert evil[3:10] == [
        "Pilotage par la donnée",
        "Direction du numérique",
        "DNUM",
        "Administration centrale",
        "Ministère de la Culture",
        "Déposé",
        "Présélectionné",
    ]
    # Dot-decimal amounts, Paris time with its offset.
    assert evil[10:13] == ["150000.50", "99999.99", "2021-03-03T14:05:00+01:00"]
    assert plain[8:13] == ["À compléter", "", "80000.00", "40000.00", "2021-07-01T10:00:00+02:00"]
    assert evil[14] == "camille@exemple.gouv.fr"
    assert Decimal(evil[11]) == Decimal("99999.99")


def test_csv_is_streamed_whatever_the_size_of_the_call(staff_client, call):
    filed_in_bulk(
        call, 2500, administration=AdministrationFactory(), category=CategoryFactory(call=call)
    )
    response = staff_client.get(export_url(call, "csv"))
    assert response.status_code == 200
    # A stream, not a body built in the worker's memory.
    assert response.streaming
    assert not hasattr(response, "_container")
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b"\xef\xbb\xbf" + "Référence,".encode())
    body = first + b"".join(chunks)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert len(rows) == 2501
    assert len({row[0] for row in rows[1:]}) == 2500
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["Cache-Control"] == "private, no-store"


def test_xlsx_holds_numbers_and_inert_text(staff_client, call, dossiers):
    response = get_export(staff_client, call, "xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = read_xlsx(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 3
    title_cell = sheet.cell(row=2, column=2)
    assert title_cell.data_type == "s"  # text, not a formula
    assert title_cell.value == "'" + EVIL
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    budget, requested = sheet.cell(row=2, column=11), sheet.cell(row=2, column=12)
    assert budget.data_type == requested.data_type == "n"
    assert Decimal(str(budget.value)) == Decimal("150000.50")
    assert Decimal(str(requested.value)) == Decimal("99999.99")
    assert rows[1][12] == "2021-03-03T14:05:00+01:00"
    assert rows[2][:2] == (dossiers["plain"].reference, "Tableau de bord énergie")


def test_ods_holds_numbers_and_inert_text(staff_client, call, dossiers):
    response = get_export(staff_client, call, "ods")
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert response["Content-Disposition"].endswith('.ods"')
    dataset = read_ods(response)
    assert dataset.headers == HEADERS
    assert len(dataset) == 2
    evil = dataset[0]
    assert evil[1] == "'" + EVIL
    assert isinstance(evil[10], float) and isinstance(evil[11], float)
    assert Decimal(str(evil[10])) == Decimal("150000.5")
    assert Decimal(str(evil[11])) == Decimal("99999.99")
    assert evil[12] == "2021-03-03T14:05:00+01:00"
    # No cell is stored as a formula.
    assert b"table:formula" not in _ods_content(response.body)


def _ods_content(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("content.xml")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_exports_apply_the_list_filters_and_sort(staff_client, call, dossiers, fmt):
    response = get_export(staff_client, call, fmt, "etat=incomplete")
    if fmt == "csv":
        references = [row[0] for row in read_csv(response)[1:]]
    elif fmt == "xlsx":
        references = [row[0] for row in list(read_xlsx(response).iter_rows(values_only=True))[1:]]
    else:
        references = [row[0] for row in read_ods(response)]
    assert references == [dossiers["plain"].reference]

    sorted_rows = read_csv(get_export(staff_client, call, "csv", "tri=-montant"))
    assert [row[0] for row in sorted_rows[1:]] == [
        dossiers["evil"].reference,
        dossiers["plain"].reference,
    ]
    searched = read_csv(get_export(staff_client, call, "csv", "q=dnum&montant_min=50000"))
    assert [row[0] for row in searched[1:]] == [dossiers["evil"].reference]


def test_invalid_filters_export_nothing_and_send_back_to_the_list(staff_client, call, dossiers):
    response = staff_client.get(export_url(call, "csv", "montant_min=beaucoup"))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
        + "?montant_min=beaucoup"
    )


def test_unknown_format_is_not_found(staff_client, call):
    assert staff_client.get(export_url(call, "pdf")).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_export_query_count_is_constant(staff_client, call, fmt):
    category = CategoryFactory(call=call)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            get_export(staff_client, call, fmt, "tri=titre")
        return len(ctx.captured_queries)

    filed_batch(call, 5, administrations=[AdministrationFactory()], category=category)
    small = queries()
    more = [AdministrationFactory() for _ in range(10)]
    filed_batch(call, 195, administrations=more, category=CategoryFactory(call=call))
    assert queries() == small


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12,5", "-12,5"),
        ("Données", "Données"),
        ("a\x00b", "ab"),
        (Decimal("1.50"), Decimal("1.50")),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


# Large XLSX and ODS exports, built by a worker -----------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def spreadsheet_rows(fmt, content):
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    dataset = tablib.Dataset()
    dataset.load(content, format="ods")
    return [list(dataset.headers), *(list(row) for row in dataset)]


def ask_background_export(client, call, fmt, query, capture):
    """Ask for an export above the threshold; the worker runs once the request has committed."""
    with capture(execute=True):
        response = client.get(export_url(call, fmt, query))
    assert response.status_code == 302
    job = DossierExport.objects.get()
    assert response["Location"] == job.get_absolute_url()
    return job


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_background_export_has_the_rows_of_the_immediate_one(
    client, settings, media, call, dossiers, fmt, django_capture_on_commit_callbacks, mailoutbox
):
    staff = StaffFactory(email="instructrice@exemple.gouv.fr")
    client.force_login(staff)
    immediate = spreadsheet_rows(fmt, get_export(client, call, fmt, "tri=-montant").body)
    assert len(immediate) == 3

    settings.RELANCE_EXPORT_BACKGROUND_ROWS = 1
    job = ask_background_export(
        client, call, fmt, "tri=-montant", django_capture_on_commit_callbacks
    )
    job.refresh_from_db()
    assert job.status == DossierExport.Status.READY
    assert job.requested_by == staff
    assert job.rows_done == job.rows_total == 2

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    download_url = reverse("submissions:instruction_export_download", kwargs={"pk": job.pk})
    assert download_url in page.content.decode()
    # The list offers it too.
    listing = client.get(reverse("submissions:instruction_call", kwargs={"call_slug": call.slug}))
    assert job.get_absolute_url() in listing.content.decode()

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == FORMATS[fmt].content_type
    assert download["Content-Disposition"].endswith(f'.{fmt}"')
    assert download["Cache-Control"] == "private, no-store"
    assert spreadsheet_rows(fmt, b"".join(download.streaming_content)) == immediate

    [email] = [m for m in mailoutbox if "export" in m.subject]
    assert email.to == ["instructrice@exemple.gouv.fr"]
    assert job.get_absolute_url() in email.body


def test_small_spreadsheets_stay_immediate(staff_client, call, dossiers):
    response = get_export(staff_client, call, "xlsx")
    assert not response.streaming
    assert not DossierExport.objects.exists()


def test_large_csv_is_never_deferred(staff_client, settings, call, dossiers):
    settings.RELANCE_EXPORT_BACKGROUND_ROWS = 1
    response = get_export(staff_client, call, "csv")
    assert response.streaming
    assert not DossierExport.objects.exists()


def test_only_the_requester_while_staff_of_the_programme_gets_the_export(
    client, settings, media, call, dossiers, django_capture_on_commit_callbacks
):
    requester = StaffFactory()
    client.force_login(requester)
    settings.RELANCE_EXPORT_BACKGROUND_ROWS = 1
    job = ask_background_export(client, call, "xlsx", "", django_capture_on_commit_callbacks)
    status_url = job.get_absolute_url()
    download_url = reverse("submissions:instruction_export_download", kwargs={"pk": job.pk})
    assert client.get(download_url).status_code == 200

    # A colleague of the same programme, staff of another one, an applicant: not found.
    for other in (StaffFactory(), StaffFactory(programmes=[]), UserFactory()):
        client.force_login(other)
        assert client.get(status_url).status_code == 404
        assert client.get(download_url).status_code == 404
    client.logout()
    assert client.get(download_url).status_code == 302  # to the login page

    # The requester, once out of the programme's team.
    client.force_login(requester)
    ProgrammeRole.objects.filter(user=requester).delete()
    assert client.get(status_url).status_code == 404
    assert client.get(download_url).status_code == 404


def test_an_expired_export_is_no_longer_downloadable_and_is_deleted(
    client, settings, media, call, dossiers, django_capture_on_commit_callbacks
):
    client.force_login(StaffFactory())
    settings.RELANCE_EXPORT_BACKGROUND_ROWS = 1
    job = ask_background_export(client, call, "ods", "", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    name = job.file.name
    assert default_storage.exists(name)
    DossierExport.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    download_url = reverse("submissions:instruction_export_download", kwargs={"pk": job.pk})
    assert client.get(download_url).status_code == 404
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert download_url not in page.content.decode()

    assert delete_expired_exports.call() == 1
    assert not DossierExport.objects.exists()
    assert not default_storage.exists(name)


def test_a_pending_export_shows_its_progress(client, settings, call, dossiers):
    client.force_login(StaffFactory())
    settings.RELANCE_EXPORT_BACKGROUND_ROWS = 1
    # No worker has run yet: the request's transaction never commits in a test.
    response = client.get(export_url(call, "xlsx"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="pending"' in page
    assert "0 ligne(s) écrite(s) sur 2" in page
    assert 'http-equiv="refresh"' in page


@pytest.mark.tasks_by_hand
def test_an_export_whose_filter_has_gone_fails_visibly(client, settings, call, dossiers):
    client.force_login(StaffFactory())
    settings.RELANCE_EXPORT_BACKGROUND_ROWS = -1  # every spreadsheet in the background
    empty = CategoryFactory(call=call, name="Catégorie supprimée ensuite")
    response = client.get(export_url(call, "ods", f"categorie={empty.pk}"))
    assert response.status_code == 302
    empty.delete()
    run_tasks()
    job = DossierExport.objects.get()
    assert job.status == DossierExport.Status.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-status="failed"' in page
    assert not job.file
