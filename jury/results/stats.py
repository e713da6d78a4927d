"""Public statistics of calls whose results are published (a window: once one committee
session is).

Everything is aggregated in SQL (``values`` + ``annotate``): the number of queries is the same
whatever the number of calls, dossiers or laureates. Only published calls count, and
laureates come from ``jury.results.published`` like every public page.

A window has no preselection, hearing or jury: its funnel counts the dossiers deposited, the
published decisions (laureates and refused) and those still in instruction (no published
decision yet), and its dossiers are also counted month by month (deposits, and decisions by
the month of their committee session).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from calls.models import AdministrationKind
from jury.models import Award, HearingSlot, JuryMember
from jury.results.published import published_calls, published_laureates
from relance.formatting import PARIS
from submissions.models import PRESELECTED_STATES, Dossier, DossierState

# A window's dossier with no published decision yet (additions requested included).
IN_INSTRUCTION = (DossierState.SUBMITTED, DossierState.INCOMPLETE)


@dataclass
class Funnel:
    submitted: int = 0
    administrations: int = 0
    ministries: int = 0
    preselected: int = 0
    heard: int = 0
    laureates: int = 0
    jury_members: int = 0

    def steps(self):
        """(key, label, value) of each step, in order."""
        return [
            ("submitted", _("Dossiers déposés"), self.submitted),
            ("administrations", _("Administrations candidates"), self.administrations),
            ("ministries", _("Ministères représentés"), self.ministries),
            ("preselected", _("Dossiers présélectionnés"), self.preselected),
            ("heard", _("Dossiers auditionnés"), self.heard),
            ("laureates", _("Lauréats"), self.laureates),
            ("jury_members", _("Membres du jury"), self.jury_members),
        ]

    def add(self, other: Funnel):
        # Administrations and ministries are distinct counts: they are not summed here.
        for name in ("submitted", "preselected", "heard", "laureates", "jury_members"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class WindowFunnel:
    """A continuous window's dossiers, from deposit to the published decisions."""

    submitted: int = 0
    decided: int = 0
    laureates: int = 0
    refused: int = 0
    in_instruction: int = 0

    def steps(self):
        return [
            ("submitted", _("Dossiers déposés"), self.submitted),
            ("decided", _("Décisions publiées"), self.decided),
            ("laureates", _("Lauréats"), self.laureates),
            ("refused", _("Dossiers refusés"), self.refused),
            ("in_instruction", _("Dossiers en instruction"), self.in_instruction),
        ]

    def add(self, other: WindowFunnel):
        for name in ("submitted", "decided", "laureates", "refused", "in_instruction"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class MonthRow:
    month: date  # the first day of the month
    submitted: int = 0
    decided: int = 0

    @property
    def label(self) -> str:
        return date_format(self.month, "F Y")


@dataclass
class BreakdownRow:
    label: str
    dossiers: int = 0
    laureates: int = 0


@dataclass
class Amounts:
    requested: Decimal = Decimal("0")  # by every submitted dossier
    requested_by_laureates: Decimal = Decimal("0")
    granted: Decimal | None = None  # ``None``: the deliberation does not publish amounts


@dataclass
class CallStats:
    call: object
    funnel: Funnel = field(default_factory=Funnel)
    by_ministry: list = field(default_factory=list)
    by_category: list = field(default_factory=list)
    by_kind: list = field(default_factory=list)
    amounts: Amounts = field(default_factory=Amounts)
    # Windows only: their own funnel, and deposits and decisions month by month.
    window_funnel: WindowFunnel | None = None
    by_month: list = field(default_factory=list)


@dataclass
class ProgrammeStats:
    programme: object
    calls: list = field(default_factory=list)
    # Rounds and windows go through different steps: each has its own totals.
    funnel: Funnel = field(default_factory=Funnel)
    window_funnel: WindowFunnel | None = None
    amounts: Amounts = field(default_factory=Amounts)

    @property
    def has_rounds(self):
        return any(not c.call.is_continuous for c in self.calls)

    @property
    def granted_complete(self):
        """Whether every call of the programme publishes its granted amounts."""
        return all(c.amounts.granted is not None for c in self.calls)


def _publishes_amounts(call):
    if call.is_continuous:
        return True  # a window's committee grants are public with its decisions
    deliberation = getattr(getattr(call, "jury", None), "deliberation", None)
    return deliberation is not None and deliberation.publish_amounts


def _breakdown(dossiers, laureates, call_ids, dossier_key, laureate_key, label):
    """Rows per call: dossiers (submitted) and laureates per value of one dimension."""
    rows = defaultdict(dict)
    for item in dossiers.values("call_id", dossier_key).annotate(n=Count("pk")).order_by():
        row = rows[item["call_id"]].setdefault(item[dossier_key], BreakdownRow(label(item)))
        row.dossiers = item["n"]
    for item in laureates.values("dossier__call_id", laureate_key).annotate(n=Count("pk")):
        key = item[laureate_key]
        row = rows[item["dossier__call_id"]].setdefault(
            key, BreakdownRow(label({dossier_key: key, **item}))
        )
        row.laureates = item["n"]
    return {
        call_id: sorted(rows[call_id].values(), key=lambda r: (-r.dossiers, -r.laureates, r.label))
        for call_id in call_ids
    }


def statistics(now=None, call_slug: str | None = None) -> list[ProgrammeStats]:
    """The statistics of every call with published results, grouped by programme; with
    ``call_slug``, of that call alone (its programme's totals then count only that call)."""
    calls = published_calls(now)
    if call_slug is not None:
        calls = calls.filter(slug=call_slug)
    calls = list(
        calls.select_related("programme", "jury__deliberation").order_by(
            "programme__title", "programme_id", "opens_at", "pk"
        )
    )
    if not calls:
        return []
    call_ids = [c.pk for c in calls]
    by_call = {
        c.pk: CallStats(call=c, window_funnel=WindowFunnel() if c.is_continuous else None)
        for c in calls
    }
    submitted = Dossier.objects.filter(call_id__in=call_ids, submitted_at__isnull=False)
    laureates = published_laureates(now).filter(dossier__call_id__in=call_ids).order_by()

    for item in (
        submitted.values("call_id")
        .annotate(
            n=Count("pk"),
            administrations=Count("administration", distinct=True),
            ministries=Count("administration__ministry", distinct=True),
            preselected=Count("pk", filter=Q(state__in=PRESELECTED_STATES)),
            in_instruction=Count("pk", filter=Q(state__in=IN_INSTRUCTION)),
            requested=Sum("requested_amount"),
        )
        .order_by()
    ):
        stats = by_call[item["call_id"]]
        stats.funnel.submitted = item["n"]
        stats.funnel.administrations = item["administrations"]
        stats.funnel.ministries = item["ministries"]
        stats.funnel.preselected = item["preselected"]
        stats.amounts.requested = item["requested"] or Decimal("0")
        if stats.window_funnel is not None:
            stats.window_funnel.submitted = item["n"]
            stats.window_funnel.in_instruction = item["in_instruction"]

    heard = (
        HearingSlot.objects.heard(now)
        .filter(dossier__call_id__in=call_ids)
        .values("dossier__call_id")
        .annotate(n=Count("dossier", distinct=True))
        .order_by()
    )
    for item in heard:
        by_call[item["dossier__call_id"]].funnel.heard = item["n"]

    for item in laureates.values("dossier__call_id").annotate(
        n=Count("pk"), granted=Sum("granted_amount"), requested=Sum("dossier__requested_amount")
    ):
        stats = by_call[item["dossier__call_id"]]
        stats.funnel.laureates = item["n"]
        stats.amounts.requested_by_laureates = item["requested"] or Decimal("0")
        if _publishes_amounts(stats.call):
            stats.amounts.granted = item["granted"] or Decimal("0")
    for stats in by_call.values():
        if stats.amounts.granted is None and _publishes_amounts(stats.call):
            stats.amounts.granted = Decimal("0")

    members = (
        JuryMember.objects.filter(jury__call_id__in=call_ids)
        .values("jury__call_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in members:
        by_call[item["jury__call_id"]].funnel.jury_members = item["n"]

    no_ministry = _("Sans ministère de rattachement")
    no_category = _("Sans catégorie")
    kinds = dict(AdministrationKind.choices)
    dimensions = {
        "by_ministry": (
            "administration__ministry__name",
            "dossier__administration__ministry__name",
            lambda item: item["administration__ministry__name"] or no_ministry,
        ),
        "by_category": (
            "category__name",
            "dossier__category__name",
            lambda item: item["category__name"] or no_category,
        ),
        "by_kind": (
            "administration__kind",
            "dossier__administration__kind",
            lambda item: str(kinds.get(item["administration__kind"], item["administration__kind"])),
        ),
    }
    for attribute, (dossier_key, laureate_key, label) in dimensions.items():
        rows = _breakdown(submitted, laureates, call_ids, dossier_key, laureate_key, label)
        for call_id, stats in by_call.items():
            setattr(stats, attribute, rows[call_id])

    windows = [c.pk for c in calls if c.is_continuous]
    if windows:
        _window_stats(by_call, windows, submitted, now)

    # Programme totals; administrations and ministries counted once across the rounds.
    programmes = {}
    for call in calls:
        entry = programmes.setdefault(call.programme_id, ProgrammeStats(call.programme))
        stats = by_call[call.pk]
        entry.calls.append(stats)
        if stats.window_funnel is not None:
            entry.window_funnel = entry.window_funnel or WindowFunnel()
            entry.window_funnel.add(stats.window_funnel)
        else:
            entry.funnel.add(stats.funnel)
        entry.amounts.requested += stats.amounts.requested
        entry.amounts.requested_by_laureates += stats.amounts.requested_by_laureates
        if stats.amounts.granted is not None:
            entry.amounts.granted = (entry.amounts.granted or Decimal("0")) + stats.amounts.granted
    for item in (
        submitted.exclude(call_id__in=windows)
        .values("call__programme_id")
        .annotate(
            administrations=Count("administration", distinct=True),
            ministries=Count("administration__ministry", distinct=True),
        )
        .order_by()
    ):
        entry = programmes[item["call__programme_id"]]
        entry.funnel.administrations = item["administrations"]
        entry.funnel.ministries = item["ministries"]
    return list(programmes.values())


def _window_stats(by_call, windows, submitted, now) -> None:
    """The windows' funnels and months: two queries whatever the number of windows."""
    # Published decisions: the laureates the public pages list, and the refusals.
    decisions = (
        Award.objects.published(now)
        .filter(dossier__call_id__in=windows, session__isnull=False)
        .filter(
            Q(decision=Award.Decision.LAUREATE, dossier__state=DossierState.LAUREATE)
            | Q(decision=Award.Decision.NOT_SELECTED)
        )
        .annotate(month=TruncMonth("session__date"))
        .values("dossier__call_id", "month")
        .annotate(
            n=Count("pk"), refused=Count("pk", filter=Q(decision=Award.Decision.NOT_SELECTED))
        )
        .order_by()
    )
    months = defaultdict(dict)
    for item in decisions:
        stats = by_call[item["dossier__call_id"]]
        stats.window_funnel.refused += item["refused"]
        row = months[stats.call.pk].setdefault(item["month"], MonthRow(item["month"]))
        row.decided += item["n"]
    deposits = (
        submitted.filter(call_id__in=windows)
        .annotate(month=TruncMonth("submitted_at", tzinfo=PARIS))
        .values("call_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in deposits:
        month = item["month"].date()
        months[item["call_id"]].setdefault(month, MonthRow(month)).submitted += item["n"]
    for call_id in windows:
        stats = by_call[call_id]
        funnel = stats.window_funnel
        funnel.laureates = stats.funnel.laureates
        funnel.decided = funnel.laureates + funnel.refused
        stats.by_month = _every_month(months[call_id])


def _every_month(rows: dict) -> list[MonthRow]:
    """The rows from the first month to the last, months without a dossier included."""
    if not rows:
        return []
    first, last = min(rows), max(rows)
    result, month = [], first
    while month <= last:
        result.append(rows.get(month) or MonthRow(month))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return result
