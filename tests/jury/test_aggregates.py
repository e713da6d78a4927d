"""Score aggregates and ranking, checked against values computed by hand."""

from decimal import Decimal
from math import sqrt

import pytest

from jury.composition import workflow as composition
from jury.models import ConflictOfInterest
from jury.scoring.aggregates import parse_order, ranking
from submissions.models import DossierState
from tests.factories import CriterionFactory, DossierFactory
from tests.jury.factories import (
    EvaluationFactory,
    JuryFactory,
    JuryMemberFactory,
    ScoreFactory,
    preselected,
)

pytestmark = pytest.mark.django_db

approx = pytest.approx


def score(member, dossier, values, *, submitted=True):
    """An evaluation of ``dossier`` by ``member`` with ``{criterion: value}`` scores."""
    evaluation = EvaluationFactory(
        member=member, dossier=dossier, **({} if submitted else {"submitted_at": None})
    )
    for criterion, value in values.items():
        ScoreFactory(evaluation=evaluation, criterion=criterion, value=Decimal(str(value)))
    return evaluation


def by_reference(rows):
    return {row.reference: row for row in rows}


@pytest.fixture
def grid():
    """Two criteria with different weights and scales, one dossier, three members.

    - « Bénéfices »: weight 2, out of 5; « Budget »: weight 1, out of 10.
    - A: 4/5 (16/20) and 5/10 (10/20) → (2·16 + 1·10) / 3 = 14
    - B: 5/5 (20/20), budget not scored → 20 (and not (2·20 + 0) / 3)
    - C: 2/5 (8/20) and 10/10 (20/20) → (2·8 + 20) / 3 = 12
    """
    jury = JuryFactory()
    benefits = CriterionFactory(call=jury.call, label="Bénéfices", weight=2, scale_max=5, order=1)
    budget = CriterionFactory(call=jury.call, label="Budget", weight=1, scale_max=10, order=2)
    dossier = preselected(jury)
    a, b, c = (JuryMemberFactory(jury=jury) for _ in range(3))
    score(a, dossier, {benefits: 4, budget: 5})
    score(b, dossier, {benefits: 5})
    score(c, dossier, {benefits: 2, budget: 10})
    return {
        "jury": jury,
        "dossier": dossier,
        "benefits": benefits,
        "budget": budget,
        "members": (a, b, c),
    }


def test_weights_scales_and_a_missing_score(grid):
    (row,) = ranking(grid["jury"])
    assert row.pk == grid["dossier"].pk
    assert row.n_evaluations == 3
    assert row.mean == approx((14 + 20 + 12) / 3)
    assert row.median == approx(14)
    assert row.min_total == approx(12)
    assert row.max_total == approx(20)
    # Population standard deviation of 14, 20, 12.
    mean = 46 / 3
    assert row.spread == approx(sqrt(((14 - mean) ** 2 + (20 - mean) ** 2 + (12 - mean) ** 2) / 3))
    assert row.spread == approx(3.39935, abs=1e-5)
    # Criterion means on their own scale; the missing budget score is not a zero.
    benefits, budget = row.criterion_means
    assert benefits.criterion == grid["benefits"] and benefits.mean == approx(11 / 3)
    assert budget.criterion == grid["budget"] and budget.mean == approx(7.5)
    assert row.n_conflicted == 0 and row.n_not_submitted == 0
    assert row.rank_raw == 1


def test_draft_is_excluded_and_counted_as_not_submitted(grid):
    draft_member = JuryMemberFactory(jury=grid["jury"])
    score(draft_member, grid["dossier"], {grid["benefits"]: 0, grid["budget"]: 0}, submitted=False)
    JuryMemberFactory(jury=grid["jury"])  # has not started at all
    (row,) = ranking(grid["jury"])
    assert row.n_evaluations == 3
    assert row.mean == approx(46 / 3)
    assert row.min_total == approx(12)
    assert row.criterion_means[0].mean == approx(11 / 3)
    assert row.n_not_submitted == 2


def test_conflicted_member_is_excluded_until_the_conflict_is_lifted(grid, staff):
    late = JuryMemberFactory(jury=grid["jury"])
    # Submitted 0/20 first, declared a conflict afterwards.
    score(late, grid["dossier"], {grid["benefits"]: 0, grid["budget"]: 0})
    conflict = composition.declare_conflict(
        staff, late, grid["dossier"], kind=ConflictOfInterest.Kind.PERSONAL
    )
    (row,) = ranking(grid["jury"])
    assert row.n_evaluations == 3
    assert row.mean == approx(46 / 3)
    assert row.min_total == approx(12)
    assert row.criterion_means[0].mean == approx(11 / 3)
    assert row.n_conflicted == 1
    assert row.n_not_submitted == 0

    composition.lift_conflict(staff, conflict, reason="Lien de parenté vérifié : aucun.")
    (row,) = ranking(grid["jury"])
    assert row.n_evaluations == 4
    assert row.mean == approx((14 + 20 + 12 + 0) / 4)
    # Even count: the mean of the two middle totals (12 and 14).
    assert row.median == approx(13)
    assert row.min_total == approx(0)
    assert row.criterion_means[0].mean == approx(11 / 4)
    assert row.criterion_means[1].mean == approx(15 / 3)
    assert row.n_conflicted == 0


def test_median_with_an_even_count_and_spread():
    jury = JuryFactory()
    criterion = CriterionFactory(call=jury.call, weight=1, scale_max=20)
    dossier = preselected(jury)
    for value in (10, 12, 14, 20):
        score(JuryMemberFactory(jury=jury), dossier, {criterion: value})
    (row,) = ranking(jury)
    assert row.median == approx(13)
    assert row.mean == approx(14)
    # Population: sqrt((16 + 4 + 0 + 36) / 4) = sqrt(14).
    assert row.spread == approx(sqrt(14))


def test_spread_needs_two_totals_and_unscored_dossiers_are_unranked():
    jury = JuryFactory()
    criterion = CriterionFactory(call=jury.call, weight=1, scale_max=20)
    scored, unscored = preselected(jury), preselected(jury)
    member = JuryMemberFactory(jury=jury)
    score(member, scored, {criterion: 15})
    rows = by_reference(ranking(jury))
    assert rows[scored.reference].spread is None
    assert rows[scored.reference].mean == approx(15)
    assert rows[scored.reference].normalised == approx(0)  # a single total: z = 0
    assert rows[unscored.reference].n_evaluations == 0
    assert rows[unscored.reference].mean is None
    assert rows[unscored.reference].normalised is None
    assert rows[unscored.reference].rank_raw is None
    assert rows[unscored.reference].n_not_submitted == 1
    # Unranked dossiers come last.
    assert [row.pk for row in ranking(jury)] == [scored.pk, unscored.pk]


def test_an_evaluation_without_scores_counts_but_has_no_total_nor_z_score():
    """A member with one total and one unscored evaluation: z = 0 on the total only."""
    jury = JuryFactory()
    criterion = CriterionFactory(call=jury.call, weight=1, scale_max=20)
    scored, empty = preselected(jury), preselected(jury)
    member = JuryMemberFactory(jury=jury)
    score(member, scored, {criterion: 12})
    score(member, empty, {})
    rows = by_reference(ranking(jury))
    assert rows[scored.reference].normalised == approx(0)
    assert rows[empty.reference].n_evaluations == 1
    assert rows[empty.reference].n_totals == 0
    assert rows[empty.reference].mean is None
    assert rows[empty.reference].normalised is None
    assert rows[empty.reference].rank_raw is None
    assert rows[empty.reference].rank_normalised is None
    assert [m.mean for m in rows[empty.reference].criterion_means] == [None]
    assert [m.mean for m in rows[scored.reference].criterion_means] == [approx(12)]


def test_only_the_jury_dossiers_are_listed():
    jury = JuryFactory()
    criterion = CriterionFactory(call=jury.call, weight=1, scale_max=20)
    listed = preselected(jury)
    laureate = preselected(jury, state=DossierState.LAUREATE)
    refused = DossierFactory(call=jury.call, state=DossierState.NOT_PRESELECTED)
    other_call = DossierFactory(state=DossierState.PRESELECTED)
    member = JuryMemberFactory(jury=jury)
    score(member, listed, {criterion: 10})
    score(member, refused, {criterion: 20})
    assert {row.pk for row in ranking(jury)} == {listed.pk, laureate.pk}
    assert other_call.pk not in {row.pk for row in ranking(jury)}


@pytest.fixture
def normalisation_grid():
    """Three members × three dossiers, one criterion out of 20 (total = score).

    |    | X  | Y  | Z  | mean | σ (population) |
    | M1 | 8  | 10 | 12 | 10   | √(8/3)         |  harsh, narrow
    | M2 | 20 | 8  | 14 | 14   | √24            |  lenient, wide
    | M3 | 15 | 15 | 15 | 15   | 0 → z = 0      |

    z(M1) = (−√(3/2), 0, √(3/2)); z(M2) = (√(3/2), −√(3/2), 0); √(3/2) ≈ 1.2247.
    Raw means: X 43/3, Y 11, Z 41/3 → X 1st, Z 2nd, Y 3rd.
    Normalised: X 0, Y −√(3/2)/3, Z √(3/2)/3 → Z 1st, X 2nd, Y 3rd.
    """
    jury = JuryFactory()
    criterion = CriterionFactory(call=jury.call, weight=3, scale_max=20)
    x, y, z = (preselected(jury, title=title) for title in ("X", "Y", "Z"))
    grid = {
        JuryMemberFactory(jury=jury): (8, 10, 12),
        JuryMemberFactory(jury=jury): (20, 8, 14),
        JuryMemberFactory(jury=jury): (15, 15, 15),
    }
    for member, values in grid.items():
        for dossier, value in zip((x, y, z), values, strict=True):
            score(member, dossier, {criterion: value})
    return jury, x, y, z


def test_normalisation_by_hand(normalisation_grid):
    jury, x, y, z = normalisation_grid
    rows = by_reference(ranking(jury))
    k = sqrt(3 / 2)
    assert rows[x.reference].mean == approx(43 / 3)
    assert rows[y.reference].mean == approx(11)
    assert rows[z.reference].mean == approx(41 / 3)
    assert rows[x.reference].normalised == approx(0, abs=1e-9)
    assert rows[y.reference].normalised == approx(-k / 3)
    assert rows[z.reference].normalised == approx(k / 3)
    assert [rows[d.reference].rank_raw for d in (x, y, z)] == [1, 3, 2]
    assert [rows[d.reference].rank_normalised for d in (x, y, z)] == [2, 3, 1]


def test_ranking_order_follows_the_mode(normalisation_grid):
    jury = normalisation_grid[0]
    assert [row.title for row in ranking(jury)] == ["X", "Z", "Y"]
    normalised = ranking(jury, normalised=True)
    assert [row.title for row in normalised] == ["Z", "X", "Y"]
    assert [row.rank for row in normalised] == [1, 2, 3]
    assert [row.title for row in ranking(jury, order="-rank")] == ["Y", "Z", "X"]
    assert [row.title for row in ranking(jury, order="title")] == ["X", "Y", "Z"]
    assert [row.title for row in ranking(jury, order="-mean")] == ["X", "Z", "Y"]
    assert [row.title for row in ranking(jury, order="normalised")] == ["Y", "X", "Z"]


def test_conflict_removes_the_evaluation_from_the_member_statistics(normalisation_grid, staff):
    jury, x, y, z = normalisation_grid
    m1 = jury.members.order_by("pk").first()
    composition.declare_conflict(staff, m1, x, kind=ConflictOfInterest.Kind.OTHER)
    rows = by_reference(ranking(jury))
    # M1 now has 10 and 12: mean 11, σ 1 → z = −1 on Y, +1 on Z.
    k = sqrt(3 / 2)
    assert rows[x.reference].normalised == approx((k + 0) / 2)
    assert rows[y.reference].normalised == approx((-1 - k + 0) / 3)
    assert rows[z.reference].normalised == approx((1 + 0 + 0) / 3)
    assert rows[x.reference].n_conflicted == 1


def test_ties_share_a_rank():
    jury = JuryFactory()
    criterion = CriterionFactory(call=jury.call, weight=1, scale_max=20)
    member = JuryMemberFactory(jury=jury)
    dossiers = [preselected(jury) for _ in range(4)]
    for dossier, value in zip(dossiers, (18, 15, 15, 10), strict=True):
        score(member, dossier, {criterion: value})
    rows = by_reference(ranking(jury))
    assert [rows[d.reference].rank_raw for d in dossiers] == [1, 2, 2, 4]


def test_parse_order():
    assert parse_order("-mean") == ("mean", True)
    assert parse_order("count") == ("count", False)
    assert parse_order("title; DROP TABLE") == ("rank", False)
    assert parse_order(None) == ("rank", False)


def test_title_order_ignores_accents_and_case():
    jury = JuryFactory()
    for title in ("Fichiers", "école des données", "Données"):
        preselected(jury, title=title)
    assert [row.title for row in ranking(jury, order="title")] == [
        "Données",
        "école des données",
        "Fichiers",
    ]
