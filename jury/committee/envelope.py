"""The envelope of a call: what its decisions commit, and what remains.

Committed is the sum of the amounts granted to its laureates, decisions recorded but not yet
published included (staff see both); the public sees only published decisions. A decision
that would take the committed amount beyond the envelope is refused: callers check it with
the call's row locked, so that two decisions racing for the last euros never both pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jury.models import Award
from relance.formatting import format_euros
from relance.workflow import WorkflowError
from submissions.models import DossierState

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Envelope:
    amount: Decimal | None
    committed: Decimal
    published: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.committed

    @property
    def published_remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.published

    @property
    def committed_percent(self) -> int:
        """The committed share, for the gauge (0 to 100)."""
        if not self.amount:
            return 0
        return max(0, min(100, round(self.committed * 100 / self.amount)))

    @property
    def published_percent(self) -> int:
        if not self.amount:
            return 0
        return max(0, min(100, round(self.published * 100 / self.amount)))


def _laureate_awards():
    # A laureate removed by an amendment keeps its award, now « non retenu »: not counted.
    return Award.objects.filter(decision=Award.Decision.LAUREATE).exclude(
        dossier__state__in=[DossierState.NOT_SELECTED, DossierState.WITHDRAWN]
    )


def envelopes_of(calls, now=None) -> dict[int, Envelope]:
    """The envelope figures of each call, by pk: one query whatever the number of calls."""
    now = now or timezone.now()
    published = Award.objects.published(now).values("pk")
    rows = (
        _laureate_awards()
        .filter(dossier__call__in=[c.pk for c in calls])
        .values("dossier__call_id")
        .annotate(
            committed=Sum("granted_amount"),
            published=Sum("granted_amount", filter=Q(pk__in=published)),
        )
    )
    sums = {row["dossier__call_id"]: row for row in rows}
    return {
        call.pk: Envelope(
            call.envelope,
            sums.get(call.pk, {}).get("committed") or ZERO,
            sums.get(call.pk, {}).get("published") or ZERO,
        )
        for call in calls
    }


def envelope_of(call, now=None) -> Envelope:
    return envelopes_of([call], now)[call.pk]


def committed_amount(call) -> Decimal:
    """What the call's recorded laureate decisions commit (published or not)."""
    return (
        _laureate_awards()
        .filter(dossier__call_id=call.pk)
        .aggregate(total=Sum("granted_amount"))["total"]
        or ZERO
    )


def check_envelope(call, dossier, amount: Decimal | None) -> None:
    """Refuse a decision granting ``amount`` to ``dossier`` beyond ``call``'s envelope.

    The caller holds the call's row lock: the committed sum cannot move meanwhile.
    """
    if call.envelope is None or amount is None:
        return
    others = (
        _laureate_awards()
        .filter(dossier__call_id=call.pk)
        .exclude(dossier_id=dossier.pk)
        .aggregate(total=Sum("granted_amount"))["total"]
        or ZERO
    )
    remaining = call.envelope - others
    if amount > remaining:
        raise WorkflowError(
            _(
                "%(ref)s : cette décision dépasserait l’enveloppe de l’appel. Il reste "
                "%(remaining)s à engager sur %(envelope)s ; la décision en engagerait "
                "%(amount)s."
            )
            % {
                "ref": dossier.reference,
                "remaining": format_euros(max(remaining, ZERO), cents=True),
                "envelope": format_euros(call.envelope, cents=True),
                "amount": format_euros(amount, cents=True),
            }
        )
