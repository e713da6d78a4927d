"""Benchmark: the jury ranking of 1,000 dossiers scored by 30 jurors, and its staff page.

On a scratch database created next to ``DATABASE_URL`` (dropped at the end), a closed call
with four criteria (different weights and scales) and a jury of ``--jurors`` members (30) is
made with the tests' factories. First ``--small`` preselected dossiers (10): every juror saves
and submits an evaluation of each one through ``jury.scoring.workflow`` (a score on every
criterion, within its bounds, and a recommendation). After ``ANALYZE``,
``jury.scoring.aggregates.ranking(jury)`` and the variants the staff ranking page uses
(normalised mode, each sort key of its columns, the criteria passed in) are timed
``--runs`` times each, with their SQL query counts, and so is the staff ranking page over
the Django test client (a signed-in staff member). The call then grows to ``--dossiers``
dossiers (1,000), every juror having submitted an evaluation of each (30,000 evaluations,
written with ``bulk_create`` in the shape the workflow gives: submitted, version 2, every
criterion scored with two decimals at most, within its scale), ``ANALYZE`` runs again and
everything is measured once more. The means and both ranks of the large case are checked
against the same arithmetic done in Python on the generated scores.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres uv run python bench/ranking.py

Exit status 0 when every query count is the same at both sizes, the large ranking is right
and each ``ranking()`` variant's p50 at the large size is under 100 ms; 1 otherwise. Not part
of the test suite (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import log, production_database  # noqa: E402

GOAL_MS = 100.0
# (label, weight, scale_max) of the call's criteria.
CRITERIA = (
    ("Bénéfices", Decimal("2"), 5),
    ("Pertinence technique", Decimal("1.5"), 10),
    ("Pérennité", Decimal("1"), 20),
    ("Mutualisation", Decimal("0.5"), 5),
)
CATEGORIES = 4
ADMINISTRATIONS = 20
# ``ranking()`` keyword arguments measured: the page's modes and its columns' first click.
VARIANTS = {
    "ranking(jury)": {},
    "normalised=True": {"normalised": True},
    "criteria_list given": {"criteria_list": "given"},
    "order=-rank": {"order": "-rank"},
    "order=reference": {"order": "reference"},
    "order=title": {"order": "title"},
    "order=category": {"order": "category"},
    "order=-mean": {"order": "-mean"},
    "order=-median": {"order": "-median"},
    "order=-spread": {"order": "-spread"},
    "order=-normalised": {"order": "-normalised"},
    "order=-count": {"order": "-count"},
    "normalised, order=-mean": {"normalised": True, "order": "-mean"},
}
# Query strings of the staff ranking page measured.
PAGE_QUERIES = ("", "?mode=normalise&tri=rang", "?mode=brut&tri=-moyenne", "?mode=brut&tri=titre")


class Data:
    """The call, its jury and the generated scores (kept to check the large ranking)."""

    def __init__(self, seed: int):
        from django.utils import timezone

        from tests.factories import (
            AdministrationFactory,
            CallFactory,
            CategoryFactory,
            CriterionFactory,
            StaffFactory,
        )
        from tests.jury.factories import JuryFactory

        self.rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
        now = timezone.now()
        call = CallFactory(
            title="Appel du banc d’essai du classement",
            slug="banc-classement",
            opens_at=now - timedelta(days=90),
            closes_at=now - timedelta(days=30),
        )
        self.criteria = [
            CriterionFactory(call=call, label=label, weight=weight, scale_max=scale, order=i)
            for i, (label, weight, scale) in enumerate(CRITERIA, start=1)
        ]
        self.categories = [
            CategoryFactory(call=call, name=f"Catégorie {i}", order=i)
            for i in range(1, CATEGORIES + 1)
        ]
        self.administrations = [AdministrationFactory() for _ in range(ADMINISTRATIONS)]
        self.jury = JuryFactory(call=call)
        self.staff = StaffFactory(email="instructeur@banc.relance.gouv.fr")
        self.members = []
        self.leniency = {}
        self.scores: dict[tuple[int, int], dict[int, Decimal]] = {}

    def add_members(self, count: int):
        from tests.jury.factories import JuryMemberFactory

        for _ in range(count):
            member = JuryMemberFactory(jury=self.jury)
            self.members.append(member)
            # Some jurors score high, others low: the normalised ranking differs from the raw.
            self.leniency[member.pk] = self.rng.uniform(-0.2, 0.2)

    def new_dossiers(self, count: int):
        from django.utils import timezone

        from submissions.models import Dossier, DossierState
        from tests.factories import DossierFactory

        submitted_at = timezone.now() - timedelta(days=35)
        dossiers = Dossier.objects.bulk_create(
            DossierFactory.build(
                call=self.jury.call,
                administration=self.rng.choice(self.administrations),
                category=self.rng.choice(self.categories),
                state=DossierState.PRESELECTED,
                submitted_at=submitted_at,
            )
            for _ in range(count)
        )
        for dossier in dossiers:
            dossier.quality = self.rng.uniform(0.2, 0.9)
        return dossiers

    def draw_scores(self, member, dossier) -> dict[int, Decimal]:
        """A score on every criterion, within its scale, with two decimals at most."""
        scores = {}
        for criterion in self.criteria:
            share = dossier.quality + self.leniency[member.pk] + self.rng.gauss(0, 0.12)
            share = min(1.0, max(0.0, share))
            # Quarter points: 3.25 /5, 14.75 /20.
            value = Decimal(round(share * criterion.scale_max * 4)) / 4
            scores[criterion.pk] = value.quantize(Decimal("0.01"))
        self.scores[(member.pk, dossier.pk)] = scores
        return scores

    def evaluate_through_workflow(self, dossiers):
        """Each juror saves then submits an evaluation of each dossier, as on their screen."""
        from jury.models import Recommendation
        from jury.scoring import workflow

        for dossier in dossiers:
            for member in self.members:
                evaluation = workflow.save_evaluation(
                    member.user,
                    member,
                    dossier,
                    scores={str(pk): str(v) for pk, v in self.draw_scores(member, dossier).items()},
                    comment="Projet solide, bien documenté.",
                    recommendation=Recommendation.FAVOURABLE,
                )
                workflow.submit_evaluation(member.user, evaluation)

    def evaluate_in_bulk(self, dossiers):
        """The same rows as ``evaluate_through_workflow`` (without its audit entries)."""
        from django.utils import timezone

        from jury.models import Evaluation, Recommendation, Score

        submitted_at = timezone.now()
        for start in range(0, len(dossiers), 100):
            chunk = dossiers[start : start + 100]
            evaluations = Evaluation.objects.bulk_create(
                Evaluation(
                    member=member,
                    dossier=dossier,
                    comment="Projet solide, bien documenté.",
                    recommendation=Recommendation.FAVOURABLE,
                    submitted_at=submitted_at,
                    version=2,  # saved once, then submitted
                )
                for dossier in chunk
                for member in self.members
            )
            Score.objects.bulk_create(
                Score(evaluation=evaluation, criterion_id=pk, value=value)
                for evaluation in evaluations
                for pk, value in self.draw_scores(evaluation.member, evaluation.dossier).items()
            )


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(function, runs: int) -> tuple[list[float], int]:
    """``runs`` timings (ms) of ``function()`` after one warm-up call, and its query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        function()
    # Counted now: a request made by the timed runs resets the connection's query log.
    count = len(queries.captured_queries)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return timings, count


def measure_all(data: Data, runs: int) -> dict[str, tuple[list[float], int]]:
    from django.test import Client, override_settings
    from django.urls import reverse

    from jury.scoring import aggregates

    results = {}
    given = aggregates.criteria(data.jury)
    for name, kwargs in VARIANTS.items():
        kwargs = {**kwargs}
        if kwargs.get("criteria_list") == "given":
            kwargs["criteria_list"] = given
        results[name] = measure(lambda kwargs=kwargs: aggregates.ranking(data.jury, **kwargs), runs)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(data.staff)
    url = reverse("jury:ranking", kwargs={"call_slug": data.jury.call.slug})

    def page(address):
        # The idle clock writes the session once a minute: on slow pages that write fell in
        # whichever page was counted a minute after signing in. Counted pages never write it.
        with override_settings(RELANCE_SESSION_ACTIVITY_WRITE_SECONDS=24 * 3600):
            response = client.get(address)
        if response.status_code != 200:
            raise SystemExit(f"{address} answered {response.status_code}")

    for query in PAGE_QUERIES:
        results[f"page {query or '(default)'}"] = measure(lambda q=query: page(url + q), runs)
    export = reverse("jury:ranking_export", kwargs={"call_slug": data.jury.call.slug, "fmt": "csv"})
    results["page export csv"] = measure(lambda: page(export), runs)
    return results


def print_results(title: str, results) -> None:
    log(title)
    for name, (timings, queries) in results.items():
        log(
            f"  {name:<34} p50 {statistics.median(timings):8.1f} ms  max {max(timings):8.1f} ms"
            f"  {queries:3} queries"
        )


def expected_means(data: Data) -> dict[int, float]:
    """The raw mean /20 of each dossier: the weighted mean of each juror, then their mean."""
    weights = {c.pk: float(c.weight) for c in data.criteria}
    scales = {c.pk: c.scale_max for c in data.criteria}
    totals: dict[int, list[float]] = {}
    for (_member, dossier), scores in data.scores.items():
        weighted = sum(float(v) / scales[pk] * 20 * weights[pk] for pk, v in scores.items())
        totals.setdefault(dossier, []).append(weighted / sum(weights[pk] for pk in scores))
    return {dossier: statistics.fmean(values) for dossier, values in totals.items()}


def check_large(data: Data, n_dossiers: int, n_jurors: int) -> list[str]:
    """What is wrong with the large ranking (nothing when it is right)."""
    from jury.models import Evaluation, Score
    from jury.scoring import aggregates

    problems = []
    evaluations = Evaluation.objects.filter(member__jury=data.jury)
    if evaluations.filter(submitted_at__isnull=False).count() != n_dossiers * n_jurors:
        problems.append("not every evaluation is submitted")
    if Score.objects.filter(evaluation__member__jury=data.jury).count() != (
        n_dossiers * n_jurors * len(data.criteria)
    ):
        problems.append("not every criterion is scored")
    rows = aggregates.ranking(data.jury)
    expected = expected_means(data)
    if len(rows) != n_dossiers:
        problems.append(f"{len(rows)} rows for {n_dossiers} dossiers")
    if any(row.n_evaluations != n_jurors or row.n_totals != n_jurors for row in rows):
        problems.append("a dossier does not count every juror")
    if any(abs(row.mean - expected[row.pk]) > 1e-9 for row in rows):
        problems.append("a mean differs from the arithmetic on the generated scores")
    means = sorted((round(expected[row.pk], 9) for row in rows), reverse=True)
    if any(row.rank_raw != means.index(round(expected[row.pk], 9)) + 1 for row in rows):
        problems.append("a raw rank differs from the competition rank of the means")
    normalised = aggregates.ranking(data.jury, normalised=True)
    if [row.rank for row in normalised] != sorted(row.rank_normalised for row in rows):
        problems.append("the normalised mode is not in normalised rank order")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10, help="dossiers of the first measure")
    parser.add_argument("--jurors", type=int, default=30)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    with ExitStack() as stack:
        env = production_database(stack)
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        data = Data(options.seed)
        data.add_members(options.jurors)

        start = time.perf_counter()
        data.evaluate_through_workflow(data.new_dossiers(options.small))
        log(
            f"{options.small} dossiers × {options.jurors} jurors evaluated through the workflow"
            f" in {time.perf_counter() - start:.1f} s"
        )
        analyze()
        small = measure_all(data, options.runs)
        print_results(f"At {options.small} dossiers × {options.jurors} jurors:", small)

        start = time.perf_counter()
        data.evaluate_in_bulk(data.new_dossiers(options.dossiers - options.small))
        analyze()
        log(
            f"Grown to {options.dossiers} dossiers × {options.jurors} jurors"
            f" ({options.dossiers * options.jurors} evaluations) in"
            f" {time.perf_counter() - start:.1f} s"
        )
        large = measure_all(data, options.runs)
        print_results(f"At {options.dossiers} dossiers × {options.jurors} jurors:", large)

        problems = check_large(data, options.dossiers, options.jurors)
        connections.close_all()

    for name in small:
        if small[name][1] != large[name][1]:
            problems.append(f"{name}: {small[name][1]} queries, then {large[name][1]}")
    slow = [name for name in VARIANTS if statistics.median(large[name][0]) >= GOAL_MS]
    if slow:
        problems.append(f"p50 at or above {GOAL_MS:.0f} ms: " + ", ".join(slow))
    log(
        "checks: "
        + (
            "; ".join(problems)
            if problems
            else f"constant queries, right ranking, every ranking() p50 under {GOAL_MS:.0f} ms"
        )
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
