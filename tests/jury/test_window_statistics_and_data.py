"""A continuous window in the public statistics and open datasets: its funnel (deposited,
decided, laureates, refused, in instruction), its months, its rows and its sessions."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury.committee import workflow as committee
from jury.results.stats import statistics
from relance.formatting import PARIS
from submissions.models import Dossier
from tests.jury.window_public_data import bulk_window_decisions, decided_window

pytestmark = pytest.mark.django_db

SECRETS = ["PROJET-REFUSE-EN-MARS", "MOTIF-DU-REFUS", "PROJET-EN-INSTRUCTION"]


def window_stats():
    [programme] = statistics()
    [stats] = programme.calls
    return programme, stats


def test_nothing_before_the_first_published_session(client):
    from tests.jury.window_data import submitted, window

    w = window()
    submitted(w)
    assert statistics() == []
    assert 'id="no-statistics"' in client.get(reverse("jury:statistics")).content.decode()


def test_the_window_funnel_counts_published_decisions_only():
    decided_window()
    programme, stats = window_stats()
    funnel = stats.window_funnel
    # April's decision is recorded, not published: that dossier is still in instruction.
    assert (
        funnel.submitted,
        funnel.decided,
        funnel.laureates,
        funnel.refused,
        funnel.in_instruction,
    ) == (4, 2, 1, 1, 2)
    assert programme.window_funnel.decided == 2
    assert not programme.has_rounds
    assert stats.amounts.granted == Decimal("40000.00")


def test_months_count_deposits_and_decisions():
    data = decided_window(publish_april=True)
    # Deposits spread over the spring, in Paris time (23:30 UTC on 31 January is February).
    deposits = {
        "accepted": datetime(2021, 1, 31, 23, 30, tzinfo=UTC),
        "refused": datetime(2021, 2, 3, 10, tzinfo=PARIS),
        "april": datetime(2021, 3, 20, 10, tzinfo=PARIS),
        "pending": datetime(2021, 5, 2, 10, tzinfo=PARIS),
    }
    for key, at in deposits.items():
        Dossier.objects.filter(pk=data.dossiers[key].pk).update(submitted_at=at)
    _programme, stats = window_stats()
    rows = [(row.month, row.submitted, row.decided) for row in stats.by_month]
    assert rows == [
        (date(2021, 2, 1), 2, 0),
        (date(2021, 3, 1), 1, 2),  # the session of 15 March decided two dossiers
        (date(2021, 4, 1), 0, 1),
        (date(2021, 5, 1), 1, 0),
    ]
    assert stats.by_month[0].label == "février 2021"


def test_the_statistics_page_shows_the_window_funnel_and_months(client):
    data = decided_window()
    content = client.get(reverse("jury:statistics")).content.decode()
    prefix = f"call-{data.call.pk}"
    numbers = re.search(rf'id="{prefix}-funnel-numbers">(.*?)</ul>', content, re.S).group(1)
    assert dict(re.findall(r'data-step="(\w+)".*?relance-count">([^<]+)<', numbers, re.S)) == {
        "submitted": "4",
        "decided": "2",
        "laureates": "1",
        "refused": "1",
        "in_instruction": "2",
    }
    assert f'<figure class="relance-chart fr-mx-0 fr-mb-2w" id="{prefix}-months">' in content
    table = re.search(rf'<table id="{prefix}-months-table"[^>]*>(.*?)</table>', content, re.S)
    assert "Décisions publiées" in table.group(1)
    assert "Dossiers présélectionnés" not in re.search(
        rf'data-call="{data.call.slug}"(.*?)</section>\s*</section>', content, re.S
    ).group(1)
    for secret in SECRETS:
        assert secret not in content


def test_a_programme_with_rounds_and_windows_keeps_their_funnels_apart():
    from tests.jury.stats_data import build

    data = build()
    window = decided_window()
    type(window.call).objects.filter(pk=window.call.pk).update(programme=data.programme)
    [programme] = statistics()
    assert programme.has_rounds
    assert programme.funnel.submitted == 6  # the round's only
    assert programme.funnel.preselected == 4
    assert programme.window_funnel.submitted == 4
    assert programme.window_funnel.laureates == 1


def test_the_page_queries_are_constant_at_5_and_200_window_dossiers(client):
    data = decided_window()
    url = reverse("jury:statistics")
    bulk_window_decisions(data.call, date(2021, 5, 17), 5, start=1000)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    bulk_window_decisions(data.call, date(2021, 6, 15), 195, start=2000)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


# Open data.


def read_json(client, name):
    return json.loads(client.get(reverse(name)).content.decode("utf-8"))


def test_laureate_rows_carry_the_session(client):
    data = decided_window()
    [row] = read_json(client, "jury:laureates_json")
    assert row["titre"] == "Projet retenu en mars"
    assert row["appel_slug"] == "guichet-des-tests"
    assert row["montant_accorde"] == "40000.00"
    assert row["date_seance_comite"] == "2021-03-15"
    data.march.refresh_from_db()
    assert row["date_publication"] == data.march.published_at.astimezone(PARIS).isoformat(
        timespec="seconds"
    )
    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("jury:laureates_csv")).content.decode()))
    )
    assert [r["date_seance_comite"] for r in rows] == ["2021-03-15"]


def test_a_window_grant_is_in_the_scdl_file_once_its_convention_is_known(client):
    from jury.models import Award

    data = decided_window()
    award = Award.objects.get(dossier=data.dossiers["accepted"])

    def grant_rows():
        cache.clear()
        content = client.get(reverse("jury:grants_csv")).content.decode()
        return list(csv.DictReader(io.StringIO(content)))

    assert grant_rows() == []
    Award.objects.filter(pk=award.pk).update(
        convention_date=date(2021, 4, 2), payment_period="2021-04-30"
    )
    # Still out: the beneficiary has no SIRET and the programme no aid scheme identifier.
    assert grant_rows() == []
    administration = award.dossier.administration
    administration.siret = "21750001600019"
    administration.save(update_fields=["siret"])
    assert grant_rows() == []
    programme = award.dossier.call.programme
    programme.aid_scheme_id = "dispositif-guichet-des-tests"
    programme.save(update_fields=["aid_scheme_id"])
    [row] = grant_rows()
    assert row["dateConvention"] == "2021-04-02"
    assert row["montant"] == "40000.00"
    assert row["nomBeneficiaire"] == "Direction du numérique"
    assert row["idBeneficiaire"] == "21750001600019"
    assert row["dispositifAide"] == "dispositif-guichet-des-tests"


def test_calls_json_gives_the_envelope_and_the_published_sessions(client):
    data = decided_window()
    [row] = read_json(client, "jury:calls_json")
    assert row["kind"] == "continuous"
    assert row["status"] == "open"
    assert row["results_published_at"] is None
    assert row["dossiers_submitted"] == 4
    assert row["dossiers_preselected"] is None
    assert row["laureates"] == 1
    assert row["instruction_days"] == 30
    assert (row["envelope"], row["envelope_committed"], row["envelope_remaining"]) == (
        "200000.00",
        "40000.00",
        "160000.00",
    )
    [march] = row["committee_sessions"]
    assert march["date"] == "2021-03-15"
    assert (march["laureates"], march["refused"]) == (1, 1)
    committee.publish_session(data.w.staff, data.april)
    cache.clear()
    [row] = read_json(client, "jury:calls_json")
    assert [s["date"] for s in row["committee_sessions"]] == ["2021-03-15", "2021-04-15"]
    assert row["envelope_committed"] == "100000.00"


def test_calls_json_before_any_session_is_published(client):
    from tests.jury.window_data import window

    window()
    [row] = read_json(client, "jury:calls_json")
    assert row["committee_sessions"] == []
    assert row["dossiers_submitted"] is None
    assert row["envelope"] is None  # no envelope on this window


def test_datasets_never_show_internal_window_material(client):
    decided_window()
    for name in ("jury:laureates_csv", "jury:laureates_json", "jury:grants_csv", "jury:calls_json"):
        content = client.get(reverse(name)).content.decode()
        for secret in SECRETS:
            assert secret not in content, (name, secret)
