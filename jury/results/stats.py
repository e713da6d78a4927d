"""Public statistics of calls whose results are published.

Everything is aggregated in SQL (``values`` + ``annotate``): the number of queries is the same
whatever the number of calls, dossiers or laureates. Only published calls count, and
laureates come from ``jury.results.published`` like every public page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from calls.models import AdministrationKind
from jury.models import HearingSlot, JuryMember
from jury.results.published import published_calls, published_laureates
from submissions.models import PRESELECTED_STATES, Dossier


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


@dataclass
class ProgrammeStats:
    programme: object
    calls: list = field(default_factory=list)
    funnel: Funnel = field(default_factory=Funnel)
    amounts: Amounts = field(default_factory=Amounts)

    @property
    def granted_complete(self):
        """Whether every call of the programme publishes its granted amounts."""
        return all(c.amounts.granted is not None for c in self.calls)


def _publishes_amounts(call):
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


def statistics(now=None) -> list[ProgrammeStats]:
    """The statistics of every call with published results, grouped by programme."""
    calls = list(
        published_calls(now)
        .select_related("programme", "jury__deliberation")
        .order_by("programme__title", "programme_id", "opens_at", "pk")
    )
    if not calls:
        return []
    call_ids = [c.pk for c in calls]
    by_call = {c.pk: CallStats(call=c) for c in calls}
    submitted = Dossier.objects.filter(call_id__in=call_ids, submitted_at__isnull=False)
    laureates = published_laureates(now).filter(dossier__call_id__in=call_ids).order_by()

    for item in (
        submitted.values("call_id")
        .annotate(
            n=Count("pk"),
            administrations=Count("administration", distinct=True),
            ministries=Count("administration__ministry", distinct=True),
            preselected=Count("pk", filter=Q(state__in=PRESELECTED_STATES)),
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

    # Programme totals; administrations and ministries counted once across the calls.
    programmes = {}
    for call in calls:
        entry = programmes.setdefault(call.programme_id, ProgrammeStats(call.programme))
        stats = by_call[call.pk]
        entry.calls.append(stats)
        entry.funnel.add(stats.funnel)
        entry.amounts.requested += stats.amounts.requested
        entry.amounts.requested_by_laureates += stats.amounts.requested_by_laureates
        if stats.amounts.granted is not None:
            entry.amounts.granted = (entry.amounts.granted or Decimal("0")) + stats.amounts.granted
    for item in (
        submitted.values("call__programme_id")
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
