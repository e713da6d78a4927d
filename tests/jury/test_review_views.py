"""Staff screens of the review (phases, rapporteurs, progress) and the juror's bids."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury.review import workflow as review
from jury.review_models import Bid, RapporteurAssignment, ReviewPhase
from jury.scoring import workflow as scoring
from relance.models import AuditEntry
from tests.factories import StaffFactory
from tests.jury.factories import (
    ConflictFactory,
    EvaluationFactory,
    JuryMemberFactory,
    preselected,
)
from tests.jury.jury_core_data import full_scores, jury_with_dossiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return jury_with_dossiers(2)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def staff_url(setup, name, **kwargs):
    return reverse(f"jury:{name}", kwargs={"call_slug": setup.jury.call.slug, **kwargs})


def set_phase(setup, phase, n=1):
    settings = review.configure_review(StaffFactory(), setup.jury, rapporteurs_per_dossier=n)
    settings.phase = phase
    settings.save()


def test_staff_configure_switch_suggest_and_assign_through_the_page(staff_client, setup):
    page = staff_url(setup, "review")
    html = staff_client.get(page).content.decode()
    assert 'id="no-phases"' in html
    response = staff_client.post(page, {"action": "configure", "rapporteurs": "1"})
    assert response.status_code == 302
    html = staff_client.get(page).content.decode()
    assert 'data-phase="bidding"' in html
    staff_client.post(page, {"action": "phase", "phase": "assignment"})
    response = staff_client.post(page, {"action": "suggest"}, follow=True)
    assert "Attribution suggérée appliquée" in response.content.decode()
    assert RapporteurAssignment.objects.count() == 2
    # By hand: add the second member to the first dossier, then remove them.
    dossier = setup.dossiers[0]
    other = (
        setup.other
        if not RapporteurAssignment.objects.filter(member=setup.other, dossier=dossier).exists()
        else setup.member
    )
    staff_client.post(
        staff_url(setup, "review_assign"), {"member": other.pk, "dossier": dossier.pk}
    )
    assignment = RapporteurAssignment.objects.get(member=other, dossier=dossier)
    staff_client.post(staff_url(setup, "review_unassign", assignment_pk=assignment.pk))
    assert not RapporteurAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(action="jury_unassign_rapporteur").count() == 1


def test_bad_input_on_the_staff_page_is_refused_in_french(staff_client, setup):
    page = staff_url(setup, "review")
    response = staff_client.post(page, {"action": "configure", "rapporteurs": "<b>x"}, follow=True)
    assert "entre 1 et 5" in response.content.decode()
    response = staff_client.post(page, {"action": "phase", "phase": "discussion"}, follow=True)
    assert "ne sont pas configurées" in response.content.decode()
    response = staff_client.post(page, {"action": "hack"}, follow=True)
    assert "Action inconnue" in response.content.decode()
    response = staff_client.post(
        staff_url(setup, "review_assign"), {"member": "abc", "dossier": "1e9"}, follow=True
    )
    assert "Choisissez un membre du jury et un dossier" in response.content.decode()
    assert response.status_code == 200
    set_phase(setup, ReviewPhase.ASSIGNMENT)
    foreign = JuryMemberFactory()  # of another jury
    response = staff_client.post(
        staff_url(setup, "review_assign"),
        {"member": foreign.pk, "dossier": setup.dossiers[0].pk},
        follow=True,
    )
    assert "Choisissez un membre" in response.content.decode()
    assert not RapporteurAssignment.objects.exists()


@pytest.mark.parametrize("name", ["review", "progress", "progress_csv"])
def test_staff_pages_answer_404_to_jurors_and_other_programmes(client, setup, name):
    url = staff_url(setup, name)
    for user in (setup.member.user, StaffFactory(programmes=[])):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_unassign_of_another_jury_answers_404(staff_client, setup):
    other = jury_with_dossiers(1)
    set_phase(other, ReviewPhase.ASSIGNMENT)
    assignment = review.assign_rapporteur(StaffFactory(), other.member, other.dossiers[0])
    response = staff_client.post(staff_url(setup, "review_unassign", assignment_pk=assignment.pk))
    assert response.status_code == 404
    assert RapporteurAssignment.objects.filter(pk=assignment.pk).exists()


def test_progress_matrix_shows_every_status_and_exports_csv(staff_client, setup):
    set_phase(setup, ReviewPhase.ASSIGNMENT)
    first, second = setup.dossiers
    third_member = JuryMemberFactory(jury=setup.jury, public_name="Chloé Experte")
    staff = StaffFactory()
    review.assign_rapporteur(staff, setup.member, first)
    review.assign_rapporteur(staff, setup.other, second)
    set_phase(setup, ReviewPhase.SCORING)
    evaluation = scoring.save_evaluation(
        setup.member.user,
        setup.member,
        first,
        scores=full_scores(setup.criteria),
        recommendation="favourable",
    )
    scoring.submit_evaluation(setup.member.user, evaluation)
    scoring.save_evaluation(
        setup.other.user, setup.other, second, scores={}, recommendation="favourable"
    )
    ConflictFactory(member=third_member, dossier=first)
    html = staff_client.get(staff_url(setup, "progress")).content.decode()
    assert html.count('data-cell="submitted" data-rapporteur="1"') == 1
    assert html.count('data-cell="draft" data-rapporteur="1"') == 1
    assert html.count('data-cell="conflict"') == 1
    response = staff_client.get(staff_url(setup, "progress_csv") + "?tri=-soumises")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == [
        "Référence",
        "Titre",
        "Catégorie",
        "Évaluations soumises",
        "Rapporteurs ayant soumis",
    ]
    assert rows[0][5:] == ["Alice Experte", "Bruno Expert", "Chloé Experte"]
    assert rows[1][0] == first.reference  # sorted by submitted evaluations, most first
    assert rows[1][3:] == ["1", "1/1", "Soumise (rapporteur)", "", "Conflit d’intérêts"]
    assert rows[2][3:] == ["0", "0/1", "", "Brouillon (rapporteur)", ""]
    # Sorting, both ways, by any column; unknown keys give the default.
    for tri in ("titre", "-categorie", "rapporteurs", "'; select 1"):
        assert staff_client.get(staff_url(setup, "progress") + f"?tri={tri}").status_code == 200


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _grow(setup, size):
    staff = StaffFactory()
    for _ in range(size):
        member = JuryMemberFactory(jury=setup.jury)
        dossier = preselected(setup.jury)
        review.assign_rapporteur(staff, member, dossier)
        EvaluationFactory(member=member, dossier=dossier)
        ConflictFactory(member=member, dossier=setup.dossiers[0])


@pytest.mark.parametrize("name", ["review", "progress", "progress_csv"])
def test_staff_pages_run_a_constant_number_of_queries(staff_client, name):
    counts = []
    for size in (2, 8):
        setup = jury_with_dossiers(2)
        set_phase(setup, ReviewPhase.ASSIGNMENT)
        _grow(setup, size)
        counts.append(_count(staff_client, staff_url(setup, name)))
    assert counts[0] == counts[1]


def test_juror_list_in_phases_runs_a_constant_number_of_queries(client):
    counts = []
    for size in (2, 8):
        setup = jury_with_dossiers(2)
        set_phase(setup, ReviewPhase.BIDDING)
        for _ in range(size):
            dossier = preselected(setup.jury)
            Bid.objects.create(member=setup.member, dossier=dossier, preference="can")
        client.force_login(setup.member.user)
        counts.append(
            _count(client, reverse("jury:juror_dossier_list", kwargs={"jury_id": setup.jury.pk}))
        )
    assert counts[0] == counts[1]


def test_juror_bids_from_the_list(client, setup):
    set_phase(setup, ReviewPhase.BIDDING)
    client.force_login(setup.member.user)
    listing = reverse("jury:juror_dossier_list", kwargs={"jury_id": setup.jury.pk})
    html = client.get(listing).content.decode()
    assert 'id="phase-notice" data-phase="bidding"' in html and "bid-form" in html
    dossier = setup.dossiers[0]
    bid_url = reverse("jury:juror_bid", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})
    response = client.post(bid_url, {"preference": "wish"})
    assert response.status_code == 302 and response["Location"].endswith(f"#dossier-{dossier.pk}")
    assert Bid.objects.get(member=setup.member, dossier=dossier).preference == "wish"
    response = client.post(bid_url, {"preference": "<script>"}, follow=True)
    assert "Souhait inconnu" in response.content.decode()
    assert Bid.objects.get(member=setup.member, dossier=dossier).preference == "wish"
    # Another juror's bid URL on a conflicted dossier: 404.
    ConflictFactory(member=setup.other, dossier=dossier)
    client.force_login(setup.other.user)
    assert client.post(bid_url, {"preference": "wish"}).status_code == 404


def test_juror_sees_phase_rules_on_the_evaluations_page(client, setup):
    set_phase(setup, ReviewPhase.SCORING)
    dossier = setup.dossiers[0]
    EvaluationFactory(member=setup.member, dossier=dossier)
    EvaluationFactory(member=setup.other, dossier=dossier, comment="Avis de Bruno")
    client.force_login(setup.member.user)
    url = reverse("jury:juror_evaluations", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})
    html = client.get(url).content.decode()
    assert "pendant la discussion" in html and "Avis de Bruno" not in html


def test_ranking_page_shows_rapporteur_columns_only_with_rapporteurs(staff_client, setup):
    ranking = staff_url(setup, "ranking")
    assert 'data-value="rapporteur-mean"' not in staff_client.get(ranking).content.decode()
    set_phase(setup, ReviewPhase.ASSIGNMENT)
    review.assign_rapporteur(StaffFactory(), setup.member, setup.dossiers[0])
    html = staff_client.get(ranking).content.decode()
    assert html.count('data-value="rapporteur-mean"') == 2
    export = staff_client.get(staff_url(setup, "ranking_export", fmt="csv"))
    header = next(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert "Moyenne des rapporteurs (/20)" in header
