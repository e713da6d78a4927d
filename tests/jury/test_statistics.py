"""Public statistics: funnel numbers, breakdowns, amounts, charts, caching, query counts."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jury.models import Deliberation
from jury.results.charts import bar_chart
from jury.results.stats import statistics
from submissions.models import Dossier
from tests.factories import DossierFactory, StaffFactory, agent_of
from tests.jury.stats_data import SECRETS, build, bulk_laureates

pytestmark = pytest.mark.django_db


def call_stats(data):
    [programme] = statistics()
    [stats] = programme.calls
    assert stats.call == data.published
    return programme, stats


def test_funnel_numbers_on_a_hand_built_call():
    data = build()
    _programme, stats = call_stats(data)
    funnel = stats.funnel
    # Submitted: every dossier with a submission date (withdrawn included), never the draft.
    assert funnel.submitted == 6
    assert funnel.administrations == 4
    assert funnel.ministries == 3
    # Preselected: reached preselected, laureate or not selected.
    assert funnel.preselected == 4
    # Heard: a hearing slot where the administration came.
    assert funnel.heard == 2
    # Laureates: published laureates only (not the recorded, unpublished decision).
    assert funnel.laureates == 2
    assert funnel.jury_members == 3


def test_breakdowns_by_ministry_category_and_kind():
    data = build()
    _programme, stats = call_stats(data)
    ministries = {row.label: (row.dossiers, row.laureates) for row in stats.by_ministry}
    assert ministries["Intérieur"] == (4, 1)
    assert ministries["Économie"] == (1, 1)
    assert sum(d for d, _l in ministries.values()) == 6
    categories = {row.label: (row.dossiers, row.laureates) for row in stats.by_category}
    assert categories["Données"] == (2, 1)
    assert categories["Algorithmes"] == (3, 1)
    kinds = {row.label: (row.dossiers, row.laureates) for row in stats.by_kind}
    assert kinds["Administration centrale"] == (3, 1)
    assert kinds["Opérateur"] == (1, 1)
    assert kinds["Service déconcentré"] == (2, 0)


def test_amounts_requested_and_granted():
    data = build()
    programme, stats = call_stats(data)
    requested = 6 * Decimal("75000.00")  # factory default for the dossiers not set by hand
    requested += Decimal("60000.00") + Decimal("35000.00") - 2 * Decimal("75000.00")
    assert stats.amounts.requested == requested
    assert stats.amounts.requested_by_laureates == Decimal("95000.00")
    assert stats.amounts.granted == Decimal("80000.50")
    assert programme.amounts.granted == Decimal("80000.50")


def test_granted_amounts_hidden_when_not_published(client):
    data = build(publish_amounts=False)
    _programme, stats = call_stats(data)
    assert stats.amounts.granted is None
    content = client.get(reverse("jury:statistics")).content.decode()
    assert 'data-amounts="hidden"' in content
    assert "80\u00a0000,5" not in content
    assert "Cofinancement accordé aux lauréats" not in content


def test_page_shows_numbers_chart_and_table(client):
    data = build()
    response = client.get(reverse("jury:statistics"))
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("<h1") == 1
    prefix = f"call-{data.published.pk}"
    numbers = re.search(rf'id="{prefix}-funnel-numbers">(.*?)</ul>', content, re.S).group(1)
    values = re.findall(r'data-step="(\w+)".*?relance-count">([^<]+)<', numbers, re.S)
    assert dict(values) == {
        "submitted": "6",
        "administrations": "4",
        "ministries": "3",
        "preselected": "4",
        "heard": "2",
        "laureates": "2",
        "jury_members": "3",
    }
    for chart in ("funnel", "ministry", "category", "kind", "amounts"):
        chart_id = f"{prefix}-{chart}"
        svg = re.search(rf'<figure[^>]*id="{chart_id}">\s*<svg(.*?)</svg>', content, re.S)
        assert svg, chart_id
        assert 'role="img"' in svg.group(1)
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg.group(1)
        assert f'<title id="{chart_id}-title">' in svg.group(1)
        assert f'<desc id="{chart_id}-desc">' in svg.group(1)
        assert "<rect" in svg.group(1)
        # The table alternative follows the chart.
        table_at = content.index(f'<table id="{chart_id}-table"')
        assert table_at > content.index(f'id="{chart_id}"')
    funnel_table = re.search(
        rf'<table id="{prefix}-funnel-table"[^>]*>(.*?)</table>', content, re.S
    )
    assert re.search(r"Dossiers déposés</th>\s*<td>6</td>", funnel_table.group(1))
    assert re.search(r"Lauréats</th>\s*<td>2</td>", funnel_table.group(1))
    ministry_table = re.search(
        rf'<table id="{prefix}-ministry-table"[^>]*>(.*?)</table>', content, re.S
    )
    assert re.search(r"Intérieur</th>\s*<td>4</td><td>1</td>", ministry_table.group(1))
    desc = re.search(rf'<desc id="{prefix}-funnel-desc">([^<]*)<', content).group(1)
    assert "Dossiers déposés : 6" in desc


def test_only_published_calls_count(client):
    data = build()
    programmes = statistics()
    assert [s.call for p in programmes for s in p.calls] == [data.published]
    content = client.get(reverse("jury:statistics")).content.decode()
    for key in ("unpublished", "future", "private_call"):
        assert f'data-call="{data.others[key].slug}"' not in content
    for secret in SECRETS:
        assert secret not in content


def test_page_without_published_results(client):
    DossierFactory(title="BROUILLON-SECRET")
    content = client.get(reverse("jury:statistics")).content.decode()
    assert 'id="no-statistics"' in content
    assert "BROUILLON-SECRET" not in content


def test_page_is_public_for_every_role(client):
    build()
    url = reverse("jury:statistics")
    assert client.get(url).status_code == 200
    for user in (StaffFactory(), agent_of(Dossier.objects.first().administration)):
        client.force_login(user)
        assert client.get(url).status_code == 200
        client.logout()


def test_conditional_request_answers_304(client):
    build()
    url = reverse("jury:statistics")
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_cached_fragment_is_refreshed_when_results_are_amended(client):
    data = build()
    url = reverse("jury:statistics")
    client.get(url)
    # Not visible until the results are amended: the fragment is cached.
    DossierFactory(call=data.published, submitted_at=timezone.now(), state="not_preselected")
    stale = client.get(url).content.decode()
    assert 'data-step="submitted"' in stale
    assert re.search(r'data-step="submitted".*?relance-count">6<', stale, re.S)
    Deliberation.objects.filter(jury=data.jury).update(results_updated_at=timezone.now())
    fresh = client.get(url).content.decode()
    assert re.search(r'data-step="submitted".*?relance-count">7<', fresh, re.S)


def test_programme_totals_across_calls(client):
    data = build()
    second = data.others["unpublished"]
    from calls.models import Call

    Call.objects.filter(pk=second.pk).update(results_published_at=timezone.now())
    [programme] = statistics()
    assert len(programme.calls) == 2
    assert programme.funnel.laureates == 3
    assert programme.funnel.submitted == 7
    content = client.get(reverse("jury:statistics")).content.decode()
    assert f'id="programme-{data.programme.pk}-funnel"' in content


def test_constant_queries_whatever_the_number_of_laureates(client):
    data = build()
    url = reverse("jury:statistics")
    bulk_laureates(data.published, 5, start=1000)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    bulk_laureates(data.published, 495, start=2000)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(large) == len(small)
    assert len(large) <= 24
    [programme] = statistics()
    assert programme.calls[0].funnel.laureates == 502
    assert 'data-step="laureates"' in response.content.decode()


def test_bar_chart_geometry():
    chart = bar_chart("c", "Titre", [("A", [10, 5]), ("B", [0, None])], ["x", "y"], str)
    assert [len(row.bars) for row in chart.rows] == [2, 2]
    longest = chart.rows[0].bars[0]
    assert longest.width == chart.width - 110
    assert chart.rows[0].bars[1].width == pytest.approx(longest.width / 2, abs=0.1)
    assert chart.rows[1].bars[0].width == 1  # a zero stays visible
    assert chart.rows[1].bars[1].width == 0
    assert chart.rows[1].bars[1].text == "—"
    assert chart.description == "A : x 10, y 5 ; B : x 0, y —"
    assert len(chart.legend) == 2
