"""The suggested assignment of rapporteurs: a deterministic greedy with one-step repair.

Hard rules: a juror is never rapporteur of a dossier they are in conflict with (declared or
suggested, not lifted), never twice on one dossier, and never above
``load_bound = ⌈dossiers × N / jurors⌉ + 1`` dossiers. Within those rules each choice takes
the juror of least cost, in this order of weight: a dossier of the juror's own ministry, the
juror's bid (« je souhaite » < « je peux » < no bid < « je préfère éviter »), the juror's
current load, and how many dossiers of the same category they already have (to spread
categories). Dossiers are taken most constrained first (fewest eligible jurors), then by id,
so that the same data always gives the same result.

When every eligible juror of a dossier is full, one repair is tried: move one dossier of a
full eligible juror to a juror below the bound who may take it, freeing a place.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

# Costs of a bid (no bid sits between « je peux » and « je préfère éviter »).
BID_COST = {"wish": 0, "can": 1, None: 2, "avoid": 6}
OWN_MINISTRY_COST = 20
LOAD_COST = 1.0
CATEGORY_COST = 0.5


@dataclass(frozen=True)
class DossierInfo:
    pk: int
    category_id: int | None
    ministry_id: int | None


@dataclass
class Problem:
    dossiers: list[DossierInfo]
    jurors: list[int]  # member ids
    per_dossier: int
    conflicts: set[tuple[int, int]] = field(default_factory=set)  # (member, dossier)
    bids: dict[tuple[int, int], str] = field(default_factory=dict)  # (member, dossier) → pref
    ministries: dict[int, set[int]] = field(default_factory=dict)  # member → ministry ids

    @property
    def load_bound(self) -> int:
        if not self.jurors:
            return 0
        return math.ceil(len(self.dossiers) * self.per_dossier / len(self.jurors)) + 1


@dataclass
class Result:
    assignments: dict[int, list[int]]  # dossier → member ids
    uncovered: list[int]  # dossiers left with fewer than ``per_dossier`` rapporteurs
    load_bound: int

    def loads(self) -> dict[int, int]:
        loads: dict[int, int] = defaultdict(int)
        for members in self.assignments.values():
            for member in members:
                loads[member] += 1
        return dict(loads)


def suggest(problem: Problem) -> Result:
    bound = problem.load_bound
    per = min(problem.per_dossier, len(problem.jurors))
    load: dict[int, int] = dict.fromkeys(problem.jurors, 0)
    by_category: dict[tuple[int, int | None], int] = defaultdict(int)
    assigned: dict[int, list[int]] = {d.pk: [] for d in problem.dossiers}
    info = {d.pk: d for d in problem.dossiers}

    def eligible(member, dossier):
        return (member, dossier.pk) not in problem.conflicts and member not in assigned[dossier.pk]

    def cost(member, dossier):
        own = dossier.ministry_id is not None and dossier.ministry_id in problem.ministries.get(
            member, ()
        )
        return (
            OWN_MINISTRY_COST * own
            + BID_COST.get(problem.bids.get((member, dossier.pk)), BID_COST[None])
            + LOAD_COST * load[member] * 4 / max(bound, 1)
            + CATEGORY_COST * by_category[(member, dossier.category_id)],
            member,
        )

    def take(member, dossier):
        assigned[dossier.pk].append(member)
        load[member] += 1
        by_category[(member, dossier.category_id)] += 1

    def release(member, dossier):
        assigned[dossier.pk].remove(member)
        load[member] -= 1
        by_category[(member, dossier.category_id)] -= 1

    def repair(dossier) -> bool:
        """Free a place for ``dossier``: move one of a full eligible juror's dossiers."""
        for full in sorted(m for m in problem.jurors if eligible(m, dossier)):
            for other_pk in sorted(pk for pk, ms in assigned.items() if full in ms):
                other = info[other_pk]
                release(full, other)
                spare = [
                    m
                    for m in problem.jurors
                    if m != full and load[m] < bound and eligible(m, other)
                ]
                if spare:
                    take(min(spare, key=lambda m: cost(m, other)), other)
                    take(full, dossier)
                    return True
                take(full, other)
        return False

    order = sorted(
        problem.dossiers,
        key=lambda d: (sum((m, d.pk) not in problem.conflicts for m in problem.jurors), d.pk),
    )
    uncovered = []
    for dossier in order:
        for _slot in range(per):
            candidates = [m for m in problem.jurors if load[m] < bound and eligible(m, dossier)]
            if candidates:
                take(min(candidates, key=lambda m: cost(m, dossier)), dossier)
            elif not repair(dossier):
                uncovered.append(dossier.pk)
                break
    if per < problem.per_dossier:
        uncovered = sorted(set(uncovered) | set(assigned))
    return Result(
        assignments={pk: sorted(ms) for pk, ms in assigned.items()},
        uncovered=sorted(set(uncovered)),
        load_bound=bound,
    )
