"""Open data page and datasets: exact fields and formats, published data only, caching."""

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from jury.models import Deliberation
from jury.results.grants import OBJECT_MAX, grant_object
from submissions.models import Administration, Dossier
from tests.factories import DossierFactory
from tests.jury.factories import DeliberationFactory, JuryFactory
from tests.jury.stats_data import AID_SCHEME_ID, GRANT_SIRET, SECRETS, build, bulk_laureates

pytestmark = pytest.mark.django_db

LAUREATE_KEYS = [
    "programme",
    "appel",
    "appel_slug",
    "categorie",
    "titre",
    "sous_titre",
    "administration",
    "ministere",
    "type_administration",
    "montant_accorde",
    "date_publication",
    "reference",
    "date_seance_comite",
    "date_mise_a_jour",
]
SCDL_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]
CALL_KEYS = [
    "slug",
    "title",
    "programme",
    "kind",
    "number",
    "opens_at",
    "closes_at",
    "status",
    "amount_ceiling",
    "results_published_at",
    "dossiers_submitted",
    "dossiers_preselected",
    "laureates",
    "instruction_days",
    "envelope",
    "envelope_committed",
    "envelope_remaining",
    "committee_sessions",
]
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
DATASETS = ["jury:laureates_csv", "jury:laureates_json", "jury:grants_csv", "jury:calls_json"]


def read_csv(response):
    text = response.content.decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def read_json(response):
    return json.loads(response.content.decode("utf-8"))


def test_laureates_csv_header_values_and_formats(client):
    data = build()
    response = client.get(reverse("jury:laureates_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert not response.content.startswith(b"\xef\xbb\xbf")  # no BOM
    rows = read_csv(response)
    assert rows[0] == LAUREATE_KEYS
    assert len(rows) == 3  # the two published laureates
    by_title = {row[4]: dict(zip(LAUREATE_KEYS, row, strict=True)) for row in rows[1:]}
    signed = by_title["Projet lauréat signé"]
    assert signed["programme"] == "France Relance"
    assert signed["appel"] == "Appel n° 1"
    assert signed["appel_slug"] == "appel-1"
    assert signed["categorie"] == "Données"
    assert signed["sous_titre"] == "Un sous-titre"
    assert signed["administration"] == "Direction centrale"
    assert signed["ministere"] == "Intérieur"
    assert signed["type_administration"] == "Administration centrale"
    assert signed["montant_accorde"] == "50000.00"
    assert ISO_DATETIME.match(signed["date_publication"])
    assert signed["date_publication"] == timezone.localtime(
        data.published.results_published_at
    ).isoformat(timespec="seconds")
    assert signed["reference"] == data.laureates[0].dossier.reference
    assert signed["date_seance_comite"] == ""  # a round's laureate
    # A title a spreadsheet would run is made inert, nothing else changes.
    assert '\'=HYPERLINK("http://exemple.org")' in by_title
    assert by_title['\'=HYPERLINK("http://exemple.org")']["montant_accorde"] == "30000.50"


def test_laureates_json_keys_and_exact_values(client):
    build()
    response = client.get(reverse("jury:laureates_json"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Intérieur".encode() in response.content  # ensure_ascii=False
    rows = read_json(response)
    assert [list(row) for row in rows] == [LAUREATE_KEYS, LAUREATE_KEYS]
    titles = {row["titre"]: row for row in rows}
    # JSON keeps the exact value.
    assert titles['=HYPERLINK("http://exemple.org")']["montant_accorde"] == "30000.50"
    assert titles["Projet lauréat signé"]["montant_accorde"] == "50000.00"
    assert ISO_DATETIME.match(titles["Projet lauréat signé"]["date_publication"])


def test_amounts_empty_when_deliberation_withholds_them(client):
    build(publish_amounts=False)
    rows = read_csv(client.get(reverse("jury:laureates_csv")))
    assert [row[9] for row in rows[1:]] == ["", ""]
    assert [
        row["montant_accorde"] for row in read_json(client.get(reverse("jury:laureates_json")))
    ] == [
        None,
        None,
    ]
    # The SCDL file requires an amount: none of these rows can be published there.
    assert read_csv(client.get(reverse("jury:grants_csv"))) == [SCDL_COLUMNS]


def test_grants_csv_follows_scdl(client, settings):
    settings.RELANCE_GRANTOR_NAME = "Direction interministérielle du numérique"
    settings.RELANCE_GRANTOR_SIRET = "13002526500013"
    data = build()
    response = client.get(reverse("jury:grants_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert rows[0] == SCDL_COLUMNS
    # Only the laureate whose convention is filled in; the other lacks required data.
    assert len(rows) == 2
    row = dict(zip(SCDL_COLUMNS, rows[1], strict=True))
    assert row == {
        "nomAttribuant": "Direction interministérielle du numérique",
        "idAttribuant": "13002526500013",
        "dateConvention": "2021-04-01",
        "referenceDecision": "DEC-2021-07",
        "nomBeneficiaire": "Direction centrale",
        "idBeneficiaire": GRANT_SIRET,
        "rnaBeneficiaire": "",
        "objet": "Projet lauréat signé — Un sous-titre",
        "montant": "50000.00",
        "nature": "aide en numéraire",
        "conditionsVersement": "échelonné",
        "datesPeriodeVersement": "2021-04-15/2021-12-31",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "1.00",
        "dispositifAide": AID_SCHEME_ID,
    }
    assert re.match(r"^\d{14}$", row["idAttribuant"])
    # The open data page says how many laureates wait for their convention.
    page = client.get(reverse("jury:open_data")).content.decode()
    assert 'id="subventions-pending"' in page
    assert data.laureates[1].dossier.title not in rows[1]


@pytest.mark.parametrize(
    ("change", "issue"),
    [
        ({"siret": ""}, "siret_missing"),
        # 14 digits but a wrong key (saved past the form, as an import could).
        ({"siret": "21750001600018"}, "siret_invalid"),
    ],
)
def test_grant_without_valid_beneficiary_siret_is_left_out(client, change, issue):
    from jury.results.grants import grant_issues

    data = build()
    award = data.laureates[0]
    Administration.objects.filter(pk=award.dossier.administration_id).update(**change)
    # SCDL 2.1.1: a row names its beneficiary by SIRET (or RNA number); none without.
    assert read_csv(client.get(reverse("jury:grants_csv"))) == [SCDL_COLUMNS]
    award.dossier.administration.refresh_from_db()
    assert grant_issues(award) == [issue]


def test_grant_without_aid_scheme_identifier_is_left_out(client):
    data = build()
    data.laureates[0].dossier.call.programme.__class__.objects.update(aid_scheme_id="")
    assert read_csv(client.get(reverse("jury:grants_csv"))) == [SCDL_COLUMNS]


@pytest.mark.parametrize("period", ["2021-13-01", "2021-04-15/2021-01-01", "2021-04-15_2021"])
def test_grant_with_an_invalid_payment_period_is_left_out(client, period):
    data = build()
    data.laureates[0].__class__.objects.filter(pk=data.laureates[0].pk).update(
        payment_period=period
    )
    assert read_csv(client.get(reverse("jury:grants_csv"))) == [SCDL_COLUMNS]


def test_grant_reference_falls_back_to_dossier_and_object_is_cut_cleanly(client):
    data = build()
    award = data.laureates[0]
    award.decision_reference = ""
    award.aid_nature = award.AidNature.BOTH
    award.eu_notification = True
    award.save()
    Dossier.objects.filter(pk=award.dossier_id).update(
        title="Projet " + "très " * 30 + "long", subtitle="suite " * 40
    )
    row = dict(zip(SCDL_COLUMNS, read_csv(client.get(reverse("jury:grants_csv")))[1], strict=True))
    assert row["referenceDecision"] == award.dossier.reference
    assert row["nature"] == "aide en numéraire;aide en nature"
    assert row["notificationUE"] == "oui"
    assert len(row["objet"]) <= OBJECT_MAX
    assert row["objet"].endswith("…")
    assert row["objet"].startswith("Projet très")
    # Whole words only.
    assert row["objet"][:-1].split(" ")[-1] in {"très", "long", "suite"}


def test_grant_object_short_text_is_untouched():
    dossier = Dossier(title="Titre", subtitle="")
    assert grant_object(dossier) == "Titre"
    dossier = Dossier(title="x" * 300, subtitle="")
    assert len(grant_object(dossier)) == OBJECT_MAX


def test_calls_json_counts_only_for_published_results(client):
    data = build()
    response = client.get(reverse("jury:calls_json"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    rows = read_json(response)
    assert all(list(row) == CALL_KEYS for row in rows)
    by_slug = {row["slug"]: row for row in rows}
    # Non-public calls and calls of non-public programmes are not listed.
    assert data.others["private_call"].slug not in by_slug
    assert len(rows) == 3
    published = by_slug["appel-1"]
    assert published["status"] == "results_published"
    assert published["programme"] == "France Relance"
    assert published["kind"] == "round"
    assert ISO_DATETIME.match(published["opens_at"])
    assert ISO_DATETIME.match(published["results_published_at"])
    assert published["dossiers_submitted"] == 6
    assert published["dossiers_preselected"] == 4
    assert published["laureates"] == 2
    for key in ("unpublished", "future"):
        row = by_slug[data.others[key].slug]
        assert row["status"] == "closed"
        assert row["results_published_at"] is None  # a scheduled date does not leak
        assert row["dossiers_submitted"] is None
        assert row["dossiers_preselected"] is None
        assert row["laureates"] is None


def test_calls_json_amount_ceiling_is_a_decimal_string(client):
    now = timezone.now()
    from tests.factories import ContinuousCallFactory

    ContinuousCallFactory(slug="guichet", opens_at=now - timedelta(days=1))
    row = read_json(client.get(reverse("jury:calls_json")))[0]
    assert row["amount_ceiling"] == "100000.00"
    assert row["closes_at"] is None
    assert row["number"] is None
    assert row["status"] == "open"
    assert row["kind"] == "continuous"


def test_nothing_internal_in_any_dataset_or_page(client):
    build()
    urls = [reverse(name) for name in DATASETS] + [
        reverse("jury:open_data"),
        reverse("jury:statistics"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        for secret in SECRETS:
            assert secret not in content, (url, secret)


def test_open_data_page_describes_datasets(client):
    build()
    response = client.get(reverse("jury:open_data"))
    content = response.content.decode()
    assert content.count("<h1") == 1
    assert "Licence Ouverte / Etalab 2.0" in content
    assert "Fréquence de mise à jour" in content
    for name in DATASETS:
        assert f'href="{reverse(name)}"' in content
    for key in LAUREATE_KEYS + SCDL_COLUMNS + CALL_KEYS:
        assert f"<code>{key}</code>" in content


def test_repeated_conditional_request_answers_304(client):
    build()
    for name in DATASETS:
        url = reverse(name)
        first = client.get(url)
        assert first.status_code == 200
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert since.status_code == 304


def test_dataset_is_served_from_cache_until_results_change(client):
    data = build()
    url = reverse("jury:laureates_json")
    first = client.get(url)
    # An edit without republication is not seen: the cached file is served.
    Dossier.objects.filter(pk=data.laureates[0].dossier_id).update(title="Titre corrigé")
    assert client.get(url).content == first.content
    # Amending results (results_updated_at) makes every copy stale.
    Deliberation.objects.filter(jury=data.jury).update(results_updated_at=timezone.now())
    second = client.get(url)
    assert "Titre corrigé" in second.content.decode()
    assert second["ETag"] != first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_publishing_a_call_invalidates_datasets(client):
    data = build()
    url = reverse("jury:laureates_csv")
    before = client.get(url).content.decode()
    assert "LAUREAT-NON-PUBLIE" not in before
    call = data.others["unpublished"]
    DeliberationFactory(jury=JuryFactory(call=call))
    Call.objects.filter(pk=call.pk).update(results_published_at=timezone.now())
    after = client.get(url).content.decode()
    assert "LAUREAT-NON-PUBLIE" in after
    calls = {row["slug"]: row for row in read_json(client.get(reverse("jury:calls_json")))}
    assert calls[call.slug]["laureates"] == 1


@pytest.mark.parametrize("name", [*DATASETS, "jury:open_data"])
def test_constant_queries_whatever_the_number_of_laureates(client, name):
    from django.core.cache import cache

    data = build()
    url = reverse(name)
    bulk_laureates(data.published, 5, start=1000)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    bulk_laureates(data.published, 495, start=2000)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(large) == len(small)
    assert len(large) <= 14
    if name == "jury:laureates_json":
        assert len(read_json(response)) == 502
    if name == "jury:grants_csv":
        assert len(read_csv(response)) == 1 + 1 + 500


def test_laureate_of_a_call_with_amended_out_dossier_is_not_listed(client):
    data = build()
    # A laureate removed by an amendment is no longer a laureate dossier.
    Dossier.objects.filter(pk=data.laureates[1].dossier_id).update(state="not_selected")
    rows = read_json(client.get(reverse("jury:laureates_json")))
    assert [row["titre"] for row in rows] == ["Projet lauréat signé"]


def test_datasets_empty_but_valid_before_any_publication(client):
    DossierFactory(title="BROUILLON-SECRET")
    assert read_csv(client.get(reverse("jury:laureates_csv"))) == [LAUREATE_KEYS]
    assert read_json(client.get(reverse("jury:laureates_json"))) == []
    assert read_csv(client.get(reverse("jury:grants_csv"))) == [SCDL_COLUMNS]


def test_laureate_helper_amount_formats():
    # Guard against float formatting: amounts stay Decimal end to end.
    from jury.results.opendata import money

    assert money(Decimal("75000")) == "75000.00"
    assert money(Decimal("99999.99")) == "99999.99"
    assert money(Decimal("1E+5")) == "100000.00"
    assert money(None) is None
