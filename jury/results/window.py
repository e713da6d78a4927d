"""What the public reads of a continuous window's committee, and of every call's envelope.

A window publishes its decisions session by session: the public page lists each published
session with its laureates and the number of refused dossiers (never their names). The
envelope figures the public reads count published decisions only; they are public for a
window (its decisions come out as it goes) and for a round once its results are published
(before that, nothing committed would show while the jury decides).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.urls import reverse

from calls.models import CallStatus
from jury.committee.envelope import ZERO, envelopes_of
from jury.models import Award
from jury.results.published import published_laureates, published_sessions, shown_amount


def laureate_url(award):
    """The public address of a laureate: its slug, or its id while it has none."""
    return reverse("jury:laureate", kwargs={"slug": award.slug or str(award.pk)})


@dataclass(frozen=True)
class PublicEnvelope:
    """An envelope as the public reads it: committed by published decisions only."""

    amount: Decimal
    committed: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed

    @property
    def committed_percent(self) -> int:
        if not self.amount:
            return 0
        return max(0, min(100, round(self.committed * 100 / self.amount)))


def envelope_is_public(call) -> bool:
    """Whether the public reads ``call``'s envelope figures (no query: ``call.status``)."""
    if call.envelope is None:
        return False
    return call.is_continuous or call.status == CallStatus.RESULTS_PUBLISHED


def public_envelopes(calls, now=None) -> dict[int, PublicEnvelope]:
    """The public envelope of each call whose figures are public, by pk (one query)."""
    shown = [call for call in calls if envelope_is_public(call)]
    figures = envelopes_of(shown, now) if shown else {}
    return {call.pk: PublicEnvelope(call.envelope, figures[call.pk].published) for call in shown}


def total_envelope(envelopes) -> PublicEnvelope | None:
    """The sum of several public envelopes (a programme's), ``None`` if there is none."""
    envelopes = list(envelopes)
    if not envelopes:
        return None
    return PublicEnvelope(
        sum((e.amount for e in envelopes), ZERO), sum((e.committed for e in envelopes), ZERO)
    )


@dataclass
class SessionDecisions:
    session: object
    laureates: list = field(default_factory=list)  # awards, with ``amount`` and ``url``
    refused: int = 0

    @property
    def decided(self) -> int:
        return len(self.laureates) + self.refused

    @property
    def granted(self) -> Decimal:
        return sum((award.amount or ZERO for award in self.laureates), ZERO)


@dataclass
class WindowDecisions:
    sessions: list  # SessionDecisions, latest session first
    envelope: PublicEnvelope | None

    @property
    def laureates(self) -> int:
        return sum(len(s.laureates) for s in self.sessions)

    @property
    def refused(self) -> int:
        return sum(s.refused for s in self.sessions)

    @property
    def granted(self) -> Decimal:
        return sum((s.granted for s in self.sessions), ZERO)


def window_decisions(call, now=None) -> WindowDecisions:
    """The published sessions of a window with their decisions, in three queries."""
    sessions = list(
        published_sessions(now)
        .filter(call=call)
        .annotate(n_refused=Count("awards", filter=Q(awards__decision=Award.Decision.NOT_SELECTED)))
        .order_by("-date")
    )
    by_session = {s.pk: SessionDecisions(s, refused=s.n_refused) for s in sessions}
    awards = published_laureates(now).filter(dossier__call=call, session__in=sessions)
    for award in awards.order_by(
        "dossier__category__order", "dossier__category", "dossier__title", "pk"
    ):
        award.amount = shown_amount(award)
        award.url = laureate_url(award)
        by_session[award.session_id].laureates.append(award)
    envelope = public_envelopes([call], now).get(call.pk)
    return WindowDecisions([by_session[s.pk] for s in sessions], envelope)
