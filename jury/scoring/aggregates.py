"""Score aggregates and the ranking of a jury's dossiers, computed in SQL.

Scoring arithmetic
------------------
Only *countable* evaluations enter any figure (``Evaluation.objects.countable()``): submitted,
by a member of the jury who is not in an active conflict of interest with the dossier. A
member who had submitted before declaring a conflict no longer counts; once the conflict is
lifted, their submitted evaluation counts again. Only the dossiers of
``jury.permissions.jury_dossiers(jury)`` are listed.

1. **Common scale.** Every score is first brought to « /20 »: ``value / scale_max × 20``
   (a 4 on a criterion scored out of 5 is 16/20).
2. **A member's total** for a dossier is the weighted mean of the scores they gave:
   ``Σ w·s / Σ w`` over the criteria *that member scored*. A missing score is missing, never
   zero: it drops out of both sums. An evaluation without any score has no total; it is
   still counted as submitted but enters no statistic.
3. **Dossier statistics** are taken over the members' totals, each member counting once:
   the *mean* (« moyenne pondérée » — the weights act inside each member's total), the
   *median* (``percentile_cont(0.5)``: with an even count, the mean of the two middle
   totals), the *spread* (population standard deviation, ``stddev_pop``: the members who
   scored are the whole set of opinions on the dossier, not a sample of them; it is shown
   only from two totals on, since one opinion has no spread), the *minimum* and *maximum*.
4. **Per-criterion means** are the mean of the present scores on that criterion, on the
   criterion's own scale (as typed by the members, e.g. 3.5 /5).

Optional per-member normalisation
---------------------------------
Some members score high, others low. Each member's totals are turned into z-scores across
the dossiers they scored: ``z = (total − m) / σ`` where ``m`` and ``σ`` are the mean and the
population standard deviation of that member's totals over their countable evaluations of
the jury's dossiers. A member with a single total, or whose totals are all equal (σ = 0),
gets ``z = 0`` on each of them: nothing tells how lenient or harsh they are. The
*normalised score* of a dossier is the mean of its z-scores (0 is « average », positive is
better than the members' usual scores, in their standard deviations).

Ranking
-------
Both ranks are given for every dossier: by mean (raw) and by normalised score, highest first,
ties sharing a rank (1, 2, 2, 4). A dossier without any countable total is not ranked. The
ranking informs the deliberation; it does not decide it.

Queries
-------
``ranking()`` runs three queries whatever the number of dossiers and members (two when the
criteria are given): the criteria; the dossiers, with their category, administration and
rapporteur, conflict and member counts; and one statement for every other figure. That
statement computes each countable evaluation's total once (its scores grouped per
evaluation, with its score on each criterion), the z-scores from those totals by a window per
member, then every statistic, the normalised score and the per-criterion means in one
GROUP BY per dossier.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from calls.models import Criterion
from jury.models import ConflictOfInterest, Evaluation, JuryMember
from jury.permissions import jury_dossiers
from jury.review_models import RapporteurAssignment

COMMON_SCALE = 20
# Below this a member's standard deviation is taken as zero (float rounding of equal totals).
ZERO_SPREAD = 1e-9


def _float(expression):
    return Cast(expression, FloatField())


def criteria(jury) -> list[Criterion]:
    return list(Criterion.objects.filter(call_id=jury.call_id).order_by("order", "pk"))


def countable_evaluations(jury):
    """Countable evaluations of the jury's dossiers by its members."""
    return Evaluation.objects.countable().filter(member__jury=jury, dossier__in=jury_dossiers(jury))


def criterion_column(index: int) -> str:
    return f"criterion_{index}"


def evaluation_totals(jury, criteria_list):
    """One row per countable evaluation: ``pk``, ``dossier_id``, ``member_id``, ``total`` and
    its score on each criterion of ``criteria_list`` (``criterion_0``, ``criterion_1``…).

    ``total`` is ``Σ w·s / Σ w`` over the evaluation's scores brought to /20 (a grouped LEFT
    JOIN: each total is computed once); ``None`` for an evaluation without any score. A
    criterion left blank is ``None`` too.
    """
    weight = _float(F("scores__criterion__weight"))
    scaled = (
        _float(F("scores__value"))
        / _float(F("scores__criterion__scale_max"))
        * Value(float(COMMON_SCALE))
    )
    # One score per evaluation and criterion: the maximum is that score.
    scores = {
        criterion_column(index): Max(
            _float(F("scores__value")), filter=Q(scores__criterion_id=criterion.pk)
        )
        for index, criterion in enumerate(criteria_list)
    }
    return (
        countable_evaluations(jury)
        .order_by()
        .values("pk", "dossier_id", "member_id")
        .annotate(total=Sum(scaled * weight) / Sum(weight), **scores)
    )


def _per_dossier(queryset, aggregate, output_field):
    """Subquery: ``aggregate`` over the rows of ``queryset`` of the outer dossier."""
    return Subquery(
        queryset.filter(dossier=OuterRef("pk"))
        .order_by()
        .values("dossier")
        .annotate(value=aggregate)
        .values("value"),
        output_field=output_field,
    )


def annotated_dossiers(jury):
    """The jury's dossiers with their category, administration and member counts."""
    return (
        jury_dossiers(jury)
        .select_related("category", "administration")
        .annotate(
            n_rapporteurs=Coalesce(
                _per_dossier(
                    RapporteurAssignment.objects.filter(member__jury=jury),
                    Count("pk"),
                    IntegerField(),
                ),
                Value(0),
            ),
            n_conflicted=Coalesce(
                _per_dossier(
                    ConflictOfInterest.objects.filter(member__jury=jury, lifted_at__isnull=True),
                    Count("member", distinct=True),
                    IntegerField(),
                ),
                Value(0),
            ),
            # Uncorrelated: PostgreSQL computes it once for the whole query.
            n_members=Subquery(
                JuryMember.objects.filter(jury=jury)
                .order_by()
                .values("jury")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
        )
        .order_by("number")
    )


# Every per-dossier figure from the same per-evaluation rows, in one statement: each total
# computed once, the z-scores by a window per member, then one GROUP BY per dossier (the
# per-criterion means are the means of the evaluations' scores on each criterion).
STATISTICS_SQL = """
WITH totals AS ({totals}),
rapporteurs AS ({rapporteurs}),
z_scores AS (
    SELECT totals.*,
        rapporteurs.member_id IS NOT NULL AS by_rapporteur,
        CASE WHEN totals.total IS NULL THEN NULL
            WHEN stddev_pop(totals.total) OVER member_totals > %s
            THEN (totals.total - AVG(totals.total) OVER member_totals)
                / stddev_pop(totals.total) OVER member_totals
            ELSE 0 END AS z
    FROM totals
    LEFT JOIN rapporteurs
        ON rapporteurs.member_id = totals.member_id
        AND rapporteurs.dossier_id = totals.dossier_id
    WINDOW member_totals AS (PARTITION BY totals.member_id)
)
SELECT dossier_id,
    COUNT(*),
    AVG(total),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY total),
    stddev_pop(total),
    MIN(total),
    MAX(total),
    COUNT(total),
    AVG(total) FILTER (WHERE by_rapporteur),
    COUNT(*) FILTER (WHERE by_rapporteur),
    AVG(z){criterion_means}
FROM z_scores
GROUP BY dossier_id
"""
STATISTICS = (
    "n_evaluations",
    "mean",
    "median",
    "spread",
    "min_total",
    "max_total",
    "n_totals",
    "rapporteur_mean",
    "n_rapporteur_evaluations",
    "normalised",
)
NO_STATISTICS = dict.fromkeys(STATISTICS) | {
    "n_evaluations": 0,
    "n_totals": 0,
    "n_rapporteur_evaluations": 0,
}


def dossier_statistics(jury, criteria_list) -> dict[int, dict]:
    """``{dossier_id: {statistic: value}}`` (keys of ``STATISTICS``, and ``criterion_means``:
    the mean of the present scores on each criterion of ``criteria_list``, in its order, on
    the criterion's own scale), in one query.

    Only the dossiers with at least one countable evaluation have an entry. The per-evaluation
    rows and the rapporteur assignments come from ORM querysets; the window per member and
    the grouping per dossier over them are written in SQL, which the ORM cannot nest.
    """
    totals_sql, totals_params = evaluation_totals(jury, criteria_list).query.sql_with_params()
    rapporteurs = (
        RapporteurAssignment.objects.filter(member__jury=jury)
        .order_by()
        .values("member_id", "dossier_id")
    )
    rapporteurs_sql, rapporteurs_params = rapporteurs.query.sql_with_params()
    sql = STATISTICS_SQL.format(
        totals=totals_sql,
        rapporteurs=rapporteurs_sql,
        criterion_means="".join(
            f", AVG({criterion_column(index)})" for index in range(len(criteria_list))
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*totals_params, *rapporteurs_params, ZERO_SPREAD))
        statistics = {}
        for dossier_id, *values in cursor.fetchall():
            row = dict(zip(STATISTICS, values[: len(STATISTICS)], strict=True))
            row["criterion_means"] = values[len(STATISTICS) :]
            statistics[dossier_id] = row
        return statistics


def _text_key(text: str) -> str:
    # « École » sorts with the E's, not after « Z ».
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _tie_key(value):
    # Equal totals averaged in another order may differ in the last bits of a float.
    return round(value, 9)


def _competition_ranks(rows, attribute, rank_attribute):
    """Highest first; ties share a rank (1, 2, 2, 4); rows without a value get ``None``."""
    for row in rows:
        setattr(row, rank_attribute, None)
    ranked = sorted(
        (row for row in rows if getattr(row, attribute) is not None),
        key=lambda row: _tie_key(getattr(row, attribute)),
        reverse=True,
    )
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        value = _tie_key(getattr(row, attribute))
        if value != previous:
            rank, previous = position, value
        setattr(row, rank_attribute, rank)


@dataclass(frozen=True)
class CriterionMean:
    criterion: Criterion
    mean: float | None


# Sort keys of ``ranking(order=...)`` (a leading « - » sorts descending) → row attribute.
# ``rank`` is the rank of the chosen mode (raw or normalised).
ORDERS = {
    "rank": None,
    "reference": "number",
    "title": "title_sort",
    "category": "category_sort",
    "mean": "mean",
    "median": "median",
    "spread": "spread",
    "normalised": "normalised",
    "count": "n_evaluations",
}
DEFAULT_ORDER = "rank"


def parse_order(value: str | None) -> tuple[str, bool]:
    """``"-mean"`` → ``("mean", True)``; an unknown key gives the default order."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if key not in ORDERS:
        return DEFAULT_ORDER, False
    return key, descending


def _sort(rows, order, normalised):
    key, descending = parse_order(order)
    attribute = ORDERS[key] or ("rank_normalised" if normalised else "rank_raw")
    present = [row for row in rows if getattr(row, attribute) is not None]
    missing = [row for row in rows if getattr(row, attribute) is None]
    # The reference number breaks ties; rows without a value come last either way.
    present.sort(key=lambda row: row.number)
    present.sort(key=lambda row: getattr(row, attribute), reverse=descending)
    missing.sort(key=lambda row: row.number)
    return present + missing


def ranking(jury, *, normalised=False, order=None, criteria_list=None):
    """The jury's dossiers with their statistics and both ranks, as a list.

    Each row is a ``Dossier`` (with ``category`` and ``administration`` loaded) carrying:
    ``n_evaluations`` (countable evaluations), ``mean``, ``median``, ``spread`` (``None`` under
    two totals), ``min_total``, ``max_total`` (all /20), ``normalised`` (mean z-score),
    ``criterion_means`` (``CriterionMean`` list in the criteria order), ``n_conflicted``
    (members in active conflict), ``n_not_submitted`` (members neither conflicted nor having
    submitted), ``n_rapporteurs``, ``n_rapporteur_evaluations`` and ``rapporteur_mean`` (the
    mean over the countable evaluations of the dossier's rapporteurs only), ``rank_raw``,
    ``rank_normalised`` and ``rank`` (the one of the chosen mode).

    ``order`` is a key of ``ORDERS``, optionally prefixed by « - »; the default is the rank of
    the chosen mode. Three queries (two if ``criteria_list`` is given), whatever the size.
    """
    if criteria_list is None:
        criteria_list = criteria(jury)
    rows = list(annotated_dossiers(jury))
    statistics = dossier_statistics(jury, criteria_list)
    no_means = [None] * len(criteria_list)
    for row in rows:
        figures = statistics.get(row.pk, NO_STATISTICS)
        for name in STATISTICS:
            setattr(row, name, figures[name])
        if row.n_totals < 2:
            row.spread = None
        row.criterion_means = [
            CriterionMean(criterion, mean)
            for criterion, mean in zip(
                criteria_list, figures.get("criterion_means", no_means), strict=True
            )
        ]
        row.n_not_submitted = max((row.n_members or 0) - row.n_conflicted - row.n_evaluations, 0)
        row.title_sort = _text_key(row.title)
        category = row.category
        row.category_sort = (category.order, category.name) if category else None
    _competition_ranks(rows, "mean", "rank_raw")
    _competition_ranks(rows, "normalised", "rank_normalised")
    for row in rows:
        row.rank = row.rank_normalised if normalised else row.rank_raw
    return _sort(rows, order, normalised)
