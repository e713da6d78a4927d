"""Demo data of the continuous windows' dossiers: the 2021 window's, instructed, and the
demonstration window's (called by ``submissions.demo``).

The 2021 window's dossiers are fictitious (``submissions.demo_window_data``). Like round 1,
they are loaded as their instruction ended instead of replaying it (which would email
applicants today): submitted on their date, given to the demo instructor with the window's
due date, proposed to the committee (or asked for additions), with the audit entries dated
as it happened. The committee's sessions and decisions are the jury's (``jury.demo``), which
moves the decided dossiers to their outcome through the dossier workflow.

Idempotent and convergent: dossiers are keyed on (call, reference); a rerun restores each
one as the seed left it, except a dossier whose decision was published since (by the seed or
while trying the service), which keeps its outcome. The demonstration window's dossier is
created once and then left alone, like the demonstration call's.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from calls import demo as calls_demo
from calls.models import Call
from relance.formatting import PARIS
from submissions import demo_window_data
from submissions.demo import (
    CONTACTS,
    history_entry,
    load_demo_dossiers,
    money,
    round_down,
    seed_texts,
    seeded,
    set_budget_lines,
    split_budget,
)
from submissions.models import Dossier, DossierState

S = DossierState
DECIDED = (S.LAUREATE, S.NOT_SELECTED)
INSTRUCTION_DAYS = calls_demo.WINDOW_INSTRUCTION_DAYS


def at(day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def window_dossiers() -> list[tuple[int, demo_window_data.WindowSeed]]:
    """The 2021 window's dossiers numbered in the order they were submitted."""
    seeds = sorted(demo_window_data.WINDOW_2021, key=lambda seed: seed.submitted)
    return list(enumerate(seeds, start=1))


def proposed_amount(seed) -> Decimal | None:
    if seed.proposal != demo_window_data.ACCEPT:
        return None
    return money(seed.amount if seed.amount is not None else seed.requested)


def window_values(number: int, seed, reference: str) -> dict:
    """Everything a window dossier holds and when, derived deterministically from its seed."""
    rng = seeded(f"window/{reference}")
    submitted_at = at(seed.submitted, rng.randint(9, 17), rng.randint(0, 59))
    created_at = submitted_at - timedelta(days=rng.randint(3, 15), hours=rng.randint(0, 5))
    requested = money(seed.requested)
    # The requested amount is 40 to 80 % of the budget, rounded to the hundred.
    total = money(round_down(requested * 100 / rng.randint(40, 80), 100))
    total = max(total, requested)
    proposed_at = None
    if seed.proposal:
        # Within the instruction delay, and a few days before the committee.
        latest = at(seed.committee - timedelta(days=4), 18)
        proposed_at = min(submitted_at + timedelta(days=rng.randint(8, 25)), latest)
        proposed_at = proposed_at.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59))
    contact = CONTACTS[(number + 5) % len(CONTACTS)]
    return {
        "created_at": created_at,
        "assigned_at": submitted_at + timedelta(days=1, hours=1),
        "proposed_at": proposed_at,
        "additions_at": (
            submitted_at + timedelta(days=rng.randint(6, 12)) if seed.additions else None
        ),
        "lines": split_budget(total, rng),
        "defaults": {
            **seed_texts(
                number,
                seed,
                "Dossier fictif du guichet en continu : ses textes, ses montants, son "
                "instruction et sa décision sont des données de démonstration.",
            ),
            "timeline": (
                f"Réalisation en {rng.randint(4, 9)} mois à partir de la décision du comité, "
                "mise en service progressive."
            ),
            "total_budget": total,
            "requested_amount": requested,
            "contact_name": contact,
            "contact_email": f"projet-{reference.lower()}@demo.relance.gouv.fr",
            "contact_phone": f"01 42 00 {number // 100:02d} {number % 100:02d}",
            "submitted_at": submitted_at,
            "created_by": None,
            "instruction_due_on": seed.submitted + timedelta(days=INSTRUCTION_DAYS),
            "proposal": seed.proposal,
            "proposed_amount": proposed_amount(seed),
            "proposal_reason": seed.reason,
            "proposed_at": proposed_at,
            "pending_decision": "",
        },
    }


def load_window_2021(administrations, staff) -> Call:
    call = Call.objects.get(slug=calls_demo.CONTINUOUS_SLUG)
    categories = {c.name: c for c in call.categories.all()}
    current_states = dict(Dossier.objects.filter(call=call).values_list("reference", "state"))
    for number, seed in window_dossiers():
        reference = Dossier.reference_for(call, number)
        values = window_values(number, seed, reference)
        state = S.INCOMPLETE if seed.additions else S.SUBMITTED
        if current_states.get(reference) in DECIDED:
            # A published decision is never undone: the committee's outcome is kept.
            state = current_states[reference]
        defaults = values["defaults"] | {
            "administration_id": administrations[seed.administration].pk,
            "category": categories[calls_demo.CATEGORIES[seed.category]],
            "state": state,
            "instructor": staff,
            "proposed_by": staff if seed.proposal else None,
        }
        if state not in DECIDED:
            defaults["decision_reason"] = ""
        dossier, _ = Dossier.objects.update_or_create(
            call=call, reference=reference, defaults=defaults
        )
        Dossier.objects.filter(pk=dossier.pk).update(created_at=values["created_at"])
        set_budget_lines(dossier, values["lines"])
        load_window_history(dossier, seed, values, staff)
    return call


def load_window_history(dossier, seed, values, staff) -> None:
    submitted_at = values["defaults"]["submitted_at"]
    history_entry(dossier, "create", at=values["created_at"], to_state=S.DRAFT)
    history_entry(dossier, "submit", at=submitted_at, from_state=S.DRAFT, to_state=S.SUBMITTED)
    history_entry(
        dossier,
        "assign_instructor",
        at=values["assigned_at"],
        actor=staff,
        data={"before": None, "after": staff.pk if staff else None},
    )
    if seed.additions:
        history_entry(
            dossier,
            "request_additions",
            at=values["additions_at"],
            actor=staff,
            from_state=S.SUBMITTED,
            to_state=S.INCOMPLETE,
            reason=seed.additions,
        )
    if seed.proposal:
        amount = values["defaults"]["proposed_amount"]
        history_entry(
            dossier,
            "record_proposal",
            at=values["proposed_at"],
            actor=staff,
            reason=seed.reason,
            data={
                "before": {"proposal": "", "proposed_amount": None, "proposal_reason": ""},
                "after": {
                    "proposal": seed.proposal,
                    "proposed_amount": None if amount is None else str(amount),
                    "proposal_reason": seed.reason,
                },
            },
        )


def load_demo_window_dossiers(administrations, users, staff) -> int:
    """The demonstration window's dossier waiting for instruction, created once."""
    created = load_demo_dossiers(
        calls_demo.DEMO_WINDOW_SLUG, demo_window_data.DEMO_WINDOW_DOSSIERS, administrations, users
    )
    for dossier in created:
        if dossier.state == S.SUBMITTED:
            # Given to the demo instructor, due within the window's delay.
            due = dossier.submitted_at.astimezone(PARIS).date() + timedelta(days=INSTRUCTION_DAYS)
            Dossier.objects.filter(pk=dossier.pk).update(instructor=staff, instruction_due_on=due)
            history_entry(
                dossier,
                "assign_instructor",
                at=dossier.submitted_at + timedelta(minutes=30),
                actor=staff,
                data={"before": None, "after": staff.pk if staff else None},
            )
    return len(demo_window_data.DEMO_WINDOW_DOSSIERS)
