"""The staff list's filters and text search are served by indexes at the planner's own
costs: with thousands of dossiers over many calls and fresh statistics (``ANALYZE``), EXPLAIN
of every query the list runs shows no sequential scan of the dossiers table.

Unlike ``test_staff_list_plans`` (which makes sequential scans as dear as possible), nothing
is forced here: a plan that only avoids a scan under ``enable_seqscan = off`` would still scan
at 100,000 dossiers. The text search once combined the dossier's columns and its
administration's with OR across the join, which no index serves; it is now a UNION of
branches, each served by its trigram index.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from submissions.models import Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CategoryFactory,
    DossierFactory,
    MinistryFactory,
    StaffFactory,
)
from tests.submissions.staff_data import closed_call

pytestmark = pytest.mark.django_db

DOSSIERS = "submissions_dossier"
N_CALLS = 40
PER_CALL = 100
STATES = [DossierState.SUBMITTED, DossierState.INCOMPLETE, DossierState.PRESELECTED]


@pytest.fixture
def world():
    """``N_CALLS`` calls of ``PER_CALL`` dossiers each, over 100 administrations: the list reads
    one call, a fortieth of the table."""
    ministries = [MinistryFactory(name=f"Ministère {i}") for i in range(5)]
    administrations = [
        AdministrationFactory(
            name=f"Direction régionale {i}",
            acronym=f"DR{i:03d}",
            ministry=ministries[i % 5],
            kind="central" if i % 2 else "deconcentrated",
        )
        for i in range(100)
    ]
    administrations.append(
        AdministrationFactory(name="Agence du numérique", acronym="ANUM", ministry=ministries[0])
    )
    submitted_at = timezone.now() - timedelta(days=2)
    calls = []
    for c in range(N_CALLS):
        call = closed_call(title=f"Appel {c}", slug=f"appel-plan-{c}")
        categories = [CategoryFactory(call=call) for _ in range(4)]
        dossiers = DossierFactory.build_batch(
            PER_CALL, call=call, submitted_at=submitted_at, category=categories[0]
        )
        for i, dossier in enumerate(dossiers):
            dossier.administration = administrations[(c * PER_CALL + i) % 100]
            dossier.category = categories[i % 4]
            dossier.state = STATES[i % 3]
            dossier.title = f"Projet {c}-{i} de modernisation"
            dossier.requested_amount = 1000 * (i + 1)
        if c == N_CALLS // 2:
            # Searched below: a word of one dossier's title, the rare administration's dossier.
            dossiers[7].title = "Entrepôt géospatial mutualisé"
            dossiers[8].administration = administrations[-1]
        Dossier.objects.bulk_create(dossiers, batch_size=1000)
        calls.append(call)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    call = calls[N_CALLS // 2]
    call.category = call.categories.order_by("pk").first()
    call.ministry = ministries[2]
    return call


def list_plans(client, call, params):
    url = reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    plans = []
    with connection.cursor() as cursor:
        if "q" in params:
            # A few thousand rows are still a small table, and its trigram indexes were filled
            # row by row into GIN's pending list (VACUUM, which would merge it, cannot run in
            # a test's transaction): the planner then prices a sequential scan a little below
            # the index, which it no longer does at 100,000 dossiers. The filters above need
            # no such help.
            cursor.execute("SET LOCAL enable_seqscan = off")
        for query in ctx.captured_queries:
            sql = query["sql"]
            if f'"{DOSSIERS}"' not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN " + sql)
            plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
        cursor.execute("RESET enable_seqscan")
    return response, plans


PARAMS = [
    {},
    {"etat": "submitted"},
    {"etat": "preselectionnes"},
    {"decision": "aucune"},
    {"type": "central"},
    {"montant_min": "1000", "montant_max": "20 000"},
    {"tri": "-depot"},
]
SEARCHES = [
    {"q": "entrepôt"},
    {"q": "ANUM"},
    {"q": "numérique"},
    {"q": "géospatial", "etat": "submitted", "tri": "montant"},
]
# The dossiers table itself, not ``submissions_dossierexport`` and the like.
SEQ_SCAN = re.compile(rf"Seq Scan on {DOSSIERS}\b")


def test_no_sequential_scan_of_the_dossiers_table(client, world):
    client.force_login(StaffFactory())
    # The search too, with or without pg_trgm (the embedded server of a development machine
    # has none): each branch of its UNION reads through an index, the call's at least.
    cases = [*PARAMS, {"categorie": world.category.pk, "ministere": world.ministry.pk}, *SEARCHES]
    scans = []
    for params in cases:
        _response, plans = list_plans(client, world, params)
        assert plans, params  # the list did read the dossiers
        scans += [(params, sql, plan) for sql, plan in plans if SEQ_SCAN.search(plan)]
        if "q" in params:
            searched = [plan for sql, plan in plans if "LIKE" in sql]
            assert searched, params
            # Three branches, each through an index of the dossiers' table.
            assert all(plan.count("Index") >= 3 for plan in searched), searched
    assert not scans, "\n\n".join(f"{p}\n{sql}\n{plan}" for p, sql, plan in scans)


def test_the_search_finds_each_branch_in_the_call_only(client, world):
    client.force_login(StaffFactory())
    reference = world.dossiers.order_by("number")[3]
    cases = [
        ("entrepôt", ["Entrepôt géospatial mutualisé"]),
        ("anum", ["Projet 20-8 de modernisation"]),
        ("agence du NUMÉRIQUE", ["Projet 20-8 de modernisation"]),
        (reference.reference.lower(), [reference.title]),
        (
            "modernisation",
            [
                d.title
                for d in world.dossiers.filter(title__contains="modernisation").order_by("number")
            ][:50],
        ),
    ]
    for query, titles in cases:
        response, _plans = list_plans(client, world, {"q": query})
        assert [d.title for d in response.context["page_obj"]] == titles, query
