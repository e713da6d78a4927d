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
``ranking()`` runs three queries whatever the number of dossiers and members: the criteria,
the annotated dossiers, and the normalised scores.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    StdDev,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from calls.models import Criterion
from jury.models import ConflictOfInterest, Evaluation, JuryMember, Score, active_conflict
from jury.permissions import jury_dossiers
from jury.review_models import RapporteurAssignment

COMMON_SCALE = 20
# Below this a member's standard deviation is taken as zero (float rounding of equal totals).
ZERO_SPREAD = 1e-9


class Median(Aggregate):
    """``percentile_cont(0.5) WITHIN GROUP (ORDER BY expr)``: the PostgreSQL median."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


def _float(expression):
    return Cast(expression, FloatField())


def evaluation_total():
    """Subquery: the total /20 of the outer evaluation, ``Σ w·s / Σ w`` over its scores."""
    weight = _float(F("criterion__weight"))
    scaled = _float(F("value")) / _float(F("criterion__scale_max")) * Value(float(COMMON_SCALE))
    scores = (
        Score.objects.filter(evaluation=OuterRef("pk"))
        .order_by()
        .values("evaluation")
        .annotate(total=Sum(scaled * weight) / Sum(weight))
        .values("total")
    )
    return Subquery(scores, output_field=FloatField())


def countable_evaluations(jury):
    """Countable evaluations of the jury's dossiers by its members, each with its ``total``."""
    return (
        Evaluation.objects.countable()
        .filter(member__jury=jury, dossier__in=jury_dossiers(jury))
        .annotate(total=evaluation_total())
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


def criteria(jury) -> list[Criterion]:
    return list(Criterion.objects.filter(call_id=jury.call_id).order_by("order", "pk"))


def criterion_key(criterion) -> str:
    return f"criterion_mean_{criterion.pk}"


def annotated_dossiers(jury, criteria_list):
    """The jury's dossiers annotated with their raw statistics, counts and criterion means."""
    evaluations = Evaluation.objects.countable().filter(member__jury=jury)
    totals = evaluations.annotate(total=evaluation_total())
    # The rapporteurs' own figures, shown beside the whole jury's.
    by_rapporteurs = totals.filter(
        Exists(
            RapporteurAssignment.objects.filter(
                member=OuterRef("member"), dossier=OuterRef("dossier")
            )
        )
    )
    floats = FloatField()
    annotations = {
        "n_evaluations": Coalesce(_per_dossier(evaluations, Count("pk"), IntegerField()), Value(0)),
        "mean": _per_dossier(totals, Avg("total"), floats),
        "median": _per_dossier(totals, Median("total"), floats),
        "spread": _per_dossier(totals, StdDev("total", sample=False), floats),
        "min_total": _per_dossier(totals, Min("total"), floats),
        "max_total": _per_dossier(totals, Max("total"), floats),
        "n_totals": Coalesce(_per_dossier(totals, Count("total"), IntegerField()), Value(0)),
        "rapporteur_mean": _per_dossier(by_rapporteurs, Avg("total"), floats),
        "n_rapporteur_evaluations": Coalesce(
            _per_dossier(by_rapporteurs, Count("pk"), IntegerField()), Value(0)
        ),
        "n_rapporteurs": Coalesce(
            _per_dossier(
                RapporteurAssignment.objects.filter(member__jury=jury),
                Count("pk"),
                IntegerField(),
            ),
            Value(0),
        ),
        "n_conflicted": Coalesce(
            _per_dossier(
                ConflictOfInterest.objects.filter(member__jury=jury, lifted_at__isnull=True),
                Count("member", distinct=True),
                IntegerField(),
            ),
            Value(0),
        ),
        # Uncorrelated: PostgreSQL computes it once for the whole query.
        "n_members": Subquery(
            JuryMember.objects.filter(jury=jury)
            .order_by()
            .values("jury")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
    }
    for criterion in criteria_list:
        present = Score.objects.filter(
            criterion=criterion,
            evaluation__member__jury=jury,
            evaluation__submitted_at__isnull=False,
        ).filter(~active_conflict("evaluation__member", "evaluation__dossier"))
        annotations[criterion_key(criterion)] = Subquery(
            present.filter(evaluation__dossier=OuterRef("pk"))
            .order_by()
            .values("evaluation__dossier")
            .annotate(value=Avg(_float(F("value"))))
            .values("value"),
            output_field=floats,
        )
    return (
        jury_dossiers(jury)
        .select_related("category", "administration")
        .annotate(**annotations)
        .order_by("number")
    )


NORMALISED_SQL = """
SELECT dossier_id, AVG(z) FROM (
    SELECT dossier_id,
        CASE WHEN stddev_pop(total) OVER member_totals > %s
            THEN (total - AVG(total) OVER member_totals) / stddev_pop(total) OVER member_totals
            ELSE 0 END AS z
    FROM ({totals}) AS totals
    WINDOW member_totals AS (PARTITION BY member_id)
) AS z_scores
GROUP BY dossier_id
"""


def normalised_scores(jury) -> dict[int, float]:
    """``{dossier_id: mean z-score}`` for the dossiers with at least one countable total.

    The totals come from the same ORM queryset as the raw statistics; only the two outer
    levels (z-score per member, mean per dossier) are written in SQL, which the ORM cannot
    nest.
    """
    totals = (
        countable_evaluations(jury)
        .filter(total__isnull=False)
        .order_by()
        .values("dossier_id", "member_id", "total")
    )
    sql, params = totals.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(NORMALISED_SQL.format(totals=sql), (ZERO_SPREAD, *params))
        return {dossier_id: float(z) for dossier_id, z in cursor.fetchall()}


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
    rows = list(annotated_dossiers(jury, criteria_list))
    z_scores = normalised_scores(jury)
    for row in rows:
        if row.n_totals < 2:
            row.spread = None
        row.normalised = z_scores.get(row.pk)
        row.criterion_means = [
            CriterionMean(criterion, getattr(row, criterion_key(criterion)))
            for criterion in criteria_list
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
