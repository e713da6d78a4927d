"""Benchmark: the suggested assignment of rapporteurs on a generated call.

Creates a scratch database next to ``DATABASE_URL`` (dropped at the end), generates a call of
``--dossiers`` preselected dossiers (300 by default) and ``--jurors`` members (20), with
conflicts of interest and bids (``jury.review.generate``), then times
``jury.review.workflow.apply_suggestion`` (read the data, compute, write the rows, audit)
``--runs`` times and checks every result: each dossier has ``--rapporteurs`` (2) distinct
rapporteurs, none in conflict, and no member is above ⌈dossiers × N / jurors⌉ + 1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres uv run python bench/rapporteurs.py

Exit status 0 when every run is valid and the slowest is under 5 s, 1 otherwise. Not part of
the test suite (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scratch import scratch_database  # noqa: E402

GOAL_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--jurors", type=int, default=20)
    parser.add_argument("--rapporteurs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (a scratch database is made).")
    with scratch_database(server_url) as database_url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "relance.settings",
            "DATABASE_URL": database_url,
            # DEBUG=1 would keep every query in memory and skew the measure.
            "DEBUG": "0",
            "SECRET_KEY": "cle-du-banc-d-essai-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "ERROR",
        }
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=env,
            check=True,
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        from calls.models import Programme
        from jury.models import ConflictOfInterest
        from jury.review import workflow as review
        from jury.review.generate import generate_call
        from jury.review_models import RapporteurAssignment
        from tests.factories import StaffFactory

        programme = Programme.objects.create(
            title="Programme du banc d’essai", slug="banc", operator="DINUM"
        )
        jury = generate_call(
            programme,
            slug="banc-rapporteurs",
            dossiers=options.dossiers,
            jurors=options.jurors,
            per_dossier=options.rapporteurs,
        )
        staff = StaffFactory(programmes=[programme])
        conflicts = set(
            ConflictOfInterest.objects.filter(
                member__jury=jury, lifted_at__isnull=True
            ).values_list("member_id", "dossier_id")
        )
        bound = math.ceil(options.dossiers * options.rapporteurs / options.jurors) + 1
        timings, valid = [], True
        for _run in range(options.runs):
            start = time.perf_counter()
            result = review.apply_suggestion(staff, jury)
            timings.append(time.perf_counter() - start)
            pairs = list(RapporteurAssignment.objects.values_list("member_id", "dossier_id"))
            per_dossier: dict[int, set[int]] = {}
            for member_id, dossier_id in pairs:
                per_dossier.setdefault(dossier_id, set()).add(member_id)
            loads = result.loads()
            checks = {
                "every dossier covered": len(per_dossier) == options.dossiers
                and all(len(m) == options.rapporteurs for m in per_dossier.values()),
                "no conflict": not conflicts & set(pairs),
                "load bound": max(loads.values()) <= bound,
            }
            valid &= all(checks.values())
        connections.close_all()
    print(
        f"{options.dossiers} dossiers, {options.jurors} members, {options.rapporteurs} "
        f"rapporteurs each, {len(conflicts)} conflicts; load bound {bound}, loads "
        f"{min(loads.values())}–{max(loads.values())}"
    )
    print("checks: " + ", ".join(f"{k}: {'ok' if v else 'FAILED'}" for k, v in checks.items()))
    print(
        "apply_suggestion: "
        + ", ".join(f"{t:.3f} s" for t in timings)
        + f" (slowest {max(timings):.3f} s, goal < {GOAL_SECONDS:.0f} s)"
    )
    return 0 if valid and max(timings) < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
