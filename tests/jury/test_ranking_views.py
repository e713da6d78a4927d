"""The staff ranking page and its exports: permissions, content, constant queries."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jury.models import ConflictOfInterest, Evaluation, Score
from submissions.models import Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CategoryFactory,
    CriterionFactory,
    DossierFactory,
    agent_of,
)
from tests.jury.factories import (
    ConflictFactory,
    EvaluationFactory,
    JuryFactory,
    JuryMemberFactory,
    ScoreFactory,
    preselected,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def url(jury, **query):
    base = reverse("jury:ranking", kwargs={"call_slug": jury.call.slug})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def export_url(jury, fmt, query=""):
    base = reverse("jury:ranking_export", kwargs={"call_slug": jury.call.slug, "fmt": fmt})
    return base + (f"?{query}" if query else "")


@pytest.fixture
def small():
    """Two dossiers, one criterion out of 20 weighted 1, three members.

    « Haut »: 16, 18 (and a conflicted member) → mean 17; « =Bas »: 10, 12, 14 → mean 12.
    """
    jury = JuryFactory()
    criterion = CriterionFactory(call=jury.call, label="Bénéfices", weight=1, scale_max=20)
    high = preselected(jury, title="Haut")
    low = preselected(jury, title='=HYPERLINK("http://exemple.test")')
    members = [JuryMemberFactory(jury=jury) for _ in range(3)]
    for member, value in zip(members, (16, 18), strict=False):
        ScoreFactory(
            evaluation=EvaluationFactory(member=member, dossier=high),
            criterion=criterion,
            value=Decimal(value),
        )
    ConflictFactory(member=members[2], dossier=high)
    for member, value in zip(members, (10, 12, 14), strict=True):
        ScoreFactory(
            evaluation=EvaluationFactory(member=member, dossier=low),
            criterion=criterion,
            value=Decimal(value),
        )
    return {"jury": jury, "high": high, "low": low, "members": members, "criterion": criterion}


# Permissions --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, small):
    for address in (url(small["jury"]), export_url(small["jury"], "csv")):
        response = client.get(address)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_applicant_and_jurors_get_404(client, small):
    applicant = agent_of(small["high"].administration)
    juror = small["members"][0].user
    conflicted = small["members"][2].user
    other_jury_juror = JuryMemberFactory().user
    for account in (applicant, juror, conflicted, other_jury_juror):
        client.force_login(account)
        assert client.get(url(small["jury"])).status_code == 404
        assert client.get(export_url(small["jury"], "csv")).status_code == 404
        assert client.get(export_url(small["jury"], "xlsx")).status_code == 404


def test_staff_sees_the_page(staff_client, small):
    response = staff_client.get(url(small["jury"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le classement éclaire la délibération, il ne la décide pas." in html
    assert html.count("<h1") == 1
    dossier_url = reverse("submissions:instruction_dossier", kwargs={"pk": small["high"].pk})
    assert f'href="{dossier_url}"' in html


def test_unknown_jury_and_format_are_404(staff_client, small):
    assert (
        staff_client.get(reverse("jury:ranking", kwargs={"call_slug": "appel-inconnu"})).status_code
        == 404
    )
    assert staff_client.get(export_url(small["jury"], "pdf")).status_code == 404


# Content ------------------------------------------------------------------------------------


def test_rows_in_rank_order_with_counts(staff_client, small):
    response = staff_client.get(url(small["jury"]))
    rows = response.context["rows"]
    assert [row.pk for row in rows] == [small["high"].pk, small["low"].pk]
    high, low = rows
    assert high.mean == pytest.approx(17) and high.rank_raw == 1
    assert high.n_evaluations == 2 and high.n_conflicted == 1 and high.n_not_submitted == 0
    assert low.mean == pytest.approx(12) and low.rank_raw == 2
    html = response.content.decode()
    assert "17,00" in html and "12,00" in html
    assert 'data-value="conflicted">1<' in html


def test_sort_and_mode_links(staff_client, small):
    response = staff_client.get(url(small["jury"], tri="-rang"))
    assert [row.pk for row in response.context["rows"]] == [small["low"].pk, small["high"].pk]
    response = staff_client.get(url(small["jury"], tri="moyenne", mode="normalise"))
    assert response.context["normalised"] is True
    assert [row.pk for row in response.context["rows"]] == [small["low"].pk, small["high"].pk]
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'data-mode="normalise" aria-current="true"' in html
    # Unknown values fall back to the defaults.
    response = staff_client.get(url(small["jury"], tri="evil", mode="x"))
    assert response.status_code == 200 and response.context["normalised"] is False


def test_empty_jury(staff_client):
    jury = JuryFactory()
    response = staff_client.get(url(jury))
    assert response.status_code == 200
    assert "Aucun dossier devant ce jury" in response.content.decode()


# Exports ------------------------------------------------------------------------------------


def test_csv_export(staff_client, small):
    response = staff_client.get(export_url(small["jury"], "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "classement" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, high, low = rows
    assert header[:8] == [
        "Rang (moyenne)",
        "Rang (score normalisé)",
        "Référence",
        "Titre",
        "Catégorie",
        "Administration",
        "Évaluations comptées",
        "Moyenne (/20)",
    ]
    assert header[-1] == "Bénéfices — moyenne (/20)"
    assert high[0] == "1" and high[2] == small["high"].reference and high[3] == "Haut"
    assert high[6] == "2" and high[7] == "17.00" and high[-1] == "17.00"
    assert high[header.index("Membres en conflit")] == "1"
    # The title starting with « = » is inert.
    assert low[3] == "'" + small["low"].title
    assert low[7] == "12.00"
    assert low[header.index("Écart-type")] == "1.63"


def test_export_follows_mode_and_sort(staff_client, small):
    response = staff_client.get(export_url(small["jury"], "csv", "mode=brut&tri=-rang"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert [row[2] for row in rows[1:]] == [small["low"].reference, small["high"].reference]


def test_xlsx_export(staff_client, small):
    response = staff_client.get(export_url(small["jury"], "xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][2] == "Référence" and values[0][7] == "Moyenne (/20)"
    assert values[1][3] == "Haut" and values[1][7] == 17
    assert values[2][3] == "'" + small["low"].title
    assert isinstance(values[2][7], (int, float)) and values[2][7] == 12


# Constant number of queries ----------------------------------------------------------------


def build_grid(n_dossiers, n_members, *, conflicts=True):
    """A jury with two criteria, ``n_dossiers`` × ``n_members`` submitted evaluations."""
    jury = JuryFactory()
    criteria = [
        CriterionFactory(call=jury.call, weight=2, scale_max=5),
        CriterionFactory(call=jury.call, weight=1, scale_max=10),
    ]
    category = CategoryFactory(call=jury.call)
    administration = AdministrationFactory()
    dossiers = Dossier.objects.bulk_create(
        DossierFactory.build(
            call=jury.call,
            administration=administration,
            category=category,
            state=DossierState.PRESELECTED,
            submitted_at=timezone.now(),
        )
        for _ in range(n_dossiers)
    )
    members = [JuryMemberFactory(jury=jury) for _ in range(n_members)]
    now = timezone.now()
    evaluations = Evaluation.objects.bulk_create(
        Evaluation(
            member=member,
            dossier=dossier,
            submitted_at=now if (i + j) % 7 else None,
            recommendation="favourable",
        )
        for i, dossier in enumerate(dossiers)
        for j, member in enumerate(members)
    )
    Score.objects.bulk_create(
        Score(evaluation=evaluation, criterion=criterion, value=Decimal((k + e.pk) % 5))
        for k, criterion in enumerate(criteria)
        for e in evaluations
        for evaluation in [e]
        if not (k and e.pk % 5 == 0)  # some missing scores
    )
    if conflicts:
        ConflictOfInterest.objects.bulk_create(
            ConflictOfInterest(
                member=members[i % n_members],
                dossier=dossier,
                kind="other",
                declared_by=members[0].user,
            )
            for i, dossier in enumerate(dossiers[::3])
        )
    return jury


def count_queries(client, address):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def test_queries_do_not_depend_on_size(staff_client):
    small = build_grid(5, 3)
    big = build_grid(200, 16)
    for query in ({}, {"mode": "normalise", "tri": "-moyenne"}):
        counts = {count_queries(staff_client, url(jury, **query)) for jury in (small, big)}
        assert len(counts) == 1, counts
        # Session, user, the user’s programme roles, jury, criteria, dossiers, statistics,
        # two for the navigation.
        assert counts.pop() <= 9
    for fmt in ("csv", "xlsx"):
        counts = {count_queries(staff_client, export_url(jury, fmt)) for jury in (small, big)}
        assert len(counts) == 1, counts
    response = staff_client.get(url(big))
    assert len(response.context["rows"]) == 200
    assert all(row.n_members == 16 for row in response.context["rows"])
