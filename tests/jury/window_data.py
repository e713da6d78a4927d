"""A continuous window with its staff and applicants, for the instruction and committee tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calls.models import Call, CallKind
from jury.committee import workflow as committee
from jury.models import CommitteeSession
from submissions import instruction
from submissions import workflow as dossier_workflow
from submissions.models import Dossier, Proposal
from tests.factories import (
    AdministrationFactory,
    CategoryFactory,
    ContinuousCallFactory,
    DossierFactory,
    StaffFactory,
    agent_of,
    default_programme,
)


@dataclass
class Window:
    call: Call
    staff: object
    category: object


def window(**call_kwargs) -> Window:
    call_kwargs.setdefault("instruction_days", 30)
    call = ContinuousCallFactory(**call_kwargs)
    assert call.kind == CallKind.CONTINUOUS
    return Window(
        call=call,
        staff=StaffFactory(programmes=[default_programme()]),
        category=CategoryFactory(call=call),
    )


def submitted(w: Window, *, requested=Decimal("50000.00"), total=None, administration=None):
    """A dossier of ``w`` submitted by an agent of its administration, through the workflow."""
    administration = administration or AdministrationFactory()
    agent = agent_of(administration)
    dossier = DossierFactory(
        call=w.call,
        administration=administration,
        category=w.category,
        requested_amount=requested,
        total_budget=total or max(requested * 2, Decimal("1.00")),
        created_by=agent,
    )
    return dossier_workflow.submit(agent, dossier), agent


def proposed(w: Window, dossier, *, accept=True, amount=None, reason="") -> Dossier:
    if accept:
        return instruction.record_proposal(
            w.staff,
            dossier,
            proposal=Proposal.ACCEPT,
            amount=amount if amount is not None else dossier.requested_amount,
        )
    return instruction.record_proposal(
        w.staff, dossier, proposal=Proposal.REFUSE, reason=reason or "Hors du champ de l’appel."
    )


def session(w: Window, day=date(2021, 3, 15)) -> CommitteeSession:
    return committee.create_session(w.staff, w.call, date=day)


def on_agenda(w: Window, sess, *dossiers):
    committee.add_to_agenda(w.staff, sess, dossiers)
    return [Dossier.objects.get(pk=d.pk).agenda_item for d in dossiers]
