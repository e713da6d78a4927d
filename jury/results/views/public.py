"""Public results: the laureates list, one laureate's page, and the results on a call's page.

Everything shown comes from ``jury.results.published``. Pages answer conditional requests through
``public_results``, which keeps one whole copy per page and language for anonymous visitors;
their expensive parts are also template fragments cached under ``results_version`` (for
signed-in visitors, whose pages are not shared), and the data behind a fragment is read
lazily, only when the fragment is missing.

A continuous window's page has its own section: whether it is open, how long instruction
takes, its envelope and the decisions of its published committee sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

from calls.extensions import CallPageSection, public_call
from calls.models import CallStatus
from jury.models import HearingSlot, JuryMember
from jury.results.cache import public_results, results_version
from jury.results.corrections import last_official_dates
from jury.results.filters import PARAMETERS, LaureateFilter
from jury.results.published import (
    awards_in_order,
    decisions_published_at,
    published_laureates,
    shown_amount,
)
from jury.results.stats import Funnel
from jury.results.window import laureate_url, public_envelopes, window_decisions
from relance.formatting import format_euros
from submissions.models import PRESELECTED_STATES, Dossier


def results_updated_at(call):
    """When the call's published results were last amended (``None`` if never)."""
    deliberation = getattr(getattr(call, "jury", None), "deliberation", None)
    return deliberation.results_updated_at if deliberation is not None else None


def ordered(laureates):
    """Latest published call first (a window by its latest published session), a window's
    sessions latest first, then the call's category order, then titles."""
    return laureates.annotate(call_published_at=decisions_published_at("dossier__call")).order_by(
        F("call_published_at").desc(nulls_last=True),
        "dossier__call_id",
        F("session__date").desc(nulls_last=True),
        F("dossier__category__order").asc(nulls_last=True),
        F("dossier__category").asc(nulls_last=True),
        "dossier__title",
        "pk",
    )


@dataclass
class CategoryGroup:
    category: object  # ``None``: laureates filed without a category
    laureates: list = field(default_factory=list)


@dataclass
class SessionGroup:
    session: object  # ``None`` for a round: its results are published at once
    id: str  # unique on the page, for the headings' ids
    categories: list = field(default_factory=list)

    @property
    def laureates(self):
        return [award for category in self.categories for award in category.laureates]


@dataclass
class CallGroup:
    call: object
    updated_at: object
    sessions: list = field(default_factory=list)
    corrected_on: object = None  # official date of its latest published correction

    @property
    def categories(self):
        """A round's laureates by category (a round has one part, without session)."""
        return [c for part in self.sessions for c in part.categories]


def group_laureates(awards):
    """Awards (already ordered) grouped by call, for a window by committee session, then by
    category.

    What each card shows is prepared here, once for all: its address from one reversal, its
    amount's label from one translation lookup (hundreds of cards on a page)."""
    groups = []
    address = reverse("jury:laureate", kwargs={"slug": "-"})
    amount_label = gettext("Cofinancement : %(amount)s")
    for award in awards:
        award.amount = shown_amount(award)
        award.url = address.replace("/-/", f"/{award.slug or award.pk}/")
        award.amount_label = (
            amount_label % {"amount": format_euros(award.amount)}
            if award.amount is not None
            else ""
        )
        dossier = award.dossier
        if not groups or groups[-1].call.pk != dossier.call_id:
            groups.append(CallGroup(dossier.call, results_updated_at(dossier.call)))
        parts = groups[-1].sessions
        if not parts or parts[-1].session != award.session:
            part_id = f"{dossier.call_id}" + (f"-s{award.session_id}" if award.session_id else "")
            parts.append(SessionGroup(award.session, part_id))
        categories = parts[-1].categories
        if not categories or categories[-1].category != dossier.category:
            categories.append(CategoryGroup(dossier.category))
        categories[-1].laureates.append(award)
    return groups


def with_correction_dates(groups):
    """Give each call group the official date of its call's latest published correction
    (one query for the whole page)."""
    dates = last_official_dates([group.call.pk for group in groups]) if groups else {}
    for group in groups:
        group.corrected_on = dates.get(group.call.pk)
    return groups


# Laureates per page of the list: a few screens of cards (« tout afficher » lifts it).
PAGE_SIZE = 60
SHOW_ALL = "tout"


@dataclass
class LaureateList:
    groups: list
    count: int
    invalid: bool = False
    page: object = None  # the Paginator's page; ``None`` when everything is shown
    page_range: list = field(default_factory=list)
    all_shown: bool = False  # « tout afficher » on a list longer than a page


def _filter_key(request):
    # The filters only (not other parameters): whether the list is filtered.
    return urlencode([(name, value) for name in PARAMETERS for value in request.GET.getlist(name)])


def _fragment_key(request):
    # The fragment depends on the filters and on the page shown.
    pages = [(name, request.GET.get(name, "")) for name in ("page", SHOW_ALL)]
    return _filter_key(request) + "&" + urlencode(pages)


@public_results
def laureates(request):
    filterset = LaureateFilter(request.GET or None, queryset=published_laureates(), request=request)

    def read():
        # Bad filter values are said next to their field; nothing is listed meanwhile.
        if filterset.is_bound and not filterset.is_valid():
            return LaureateList([], 0, invalid=True)
        # Every id in one query (a few thousand integers at most): the count and the page
        # come from it, without a second pass over the joins.
        ids = list(ordered(filterset.qs).values_list("pk", flat=True))
        if request.GET.get(SHOW_ALL):
            awards = awards_in_order(ids)
            many = len(awards) > PAGE_SIZE
            groups = with_correction_dates(group_laureates(awards))
            return LaureateList(groups, len(awards), all_shown=many)
        # A page number out of range or not a number shows the nearest page.
        page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
        page_range = list(page.paginator.get_elided_page_range(page.number))
        return LaureateList(
            with_correction_dates(group_laureates(awards_in_order(page.object_list))),
            page.paginator.count,
            page=page,
            page_range=page_range,
        )

    return render(
        request,
        "jury/public/laureates.html",
        {
            "filter": filterset,
            "results": SimpleLazyObject(read),
            "filtered": bool(_filter_key(request)),
            "filter_key": _fragment_key(request),
            "results_version": results_version(request),
        },
    )


@public_results
def laureate(request, slug):
    awards = published_laureates()
    award = awards.filter(slug=slug).first()
    if award is None:
        # Numeric ids are accepted too; they lead to the slug address once there is one.
        if not slug.isdigit():
            raise Http404
        award = get_object_or_404(awards, pk=int(slug))
        if award.slug:
            return redirect(laureate_url(award), permanent=True)
    award.amount = shown_amount(award)
    call = award.dossier.call
    return render(
        request,
        "jury/public/laureate.html",
        {
            "award": award,
            "dossier": award.dossier,
            "call": call,
            "session": award.session,
            "updated_at": results_updated_at(call),
            # A callable: a cached fragment asks nothing.
            "corrected_on": lambda: last_official_dates([call.pk]).get(call.pk),
            "results_version": results_version(request),
        },
    )


# The call page, with its results once they are published.


@dataclass
class CallResults:
    funnel: Funnel
    groups: list
    members: list
    composition_published: bool
    granted: Decimal | None
    jury_name: str = ""
    envelope: object = None  # PublicEnvelope, when the call has an envelope


def call_results(call):
    """What a call's page shows of its published results."""
    awards = list(ordered(published_laureates().filter(dossier__call=call)))
    counts = Dossier.objects.filter(call=call, submitted_at__isnull=False).aggregate(
        submitted=Count("pk"),
        administrations=Count("administration", distinct=True),
        ministries=Count("administration__ministry", distinct=True),
        preselected=Count("pk", filter=Q(state__in=PRESELECTED_STATES)),
    )
    jury = getattr(call, "jury", None)
    published = jury is not None and jury.composition_published
    members = []
    if published:
        # Only what the members agreed to show: name, title, affiliation.
        members = list(
            JuryMember.objects.filter(jury=jury).only("public_name", "title", "affiliation", "role")
        )
    funnel = Funnel(
        heard=HearingSlot.objects.heard().filter(dossier__call=call).count(),
        laureates=len(awards),
        jury_members=(
            len(members) if published else JuryMember.objects.filter(jury__call=call).count()
        ),
        **counts,
    )
    groups = group_laureates(awards)
    granted = None
    if awards and all(award.amount is not None for award in awards):
        granted = sum((award.amount for award in awards), Decimal("0"))
    # The jury's name says, for instance, that a demonstration composition is fictitious.
    jury_name = jury.name if published else ""
    envelope = public_envelopes([call]).get(call.pk)
    return CallResults(funnel, groups, members, published, granted, jury_name, envelope)


def _results_context(request, call) -> dict:
    return {
        "results_published": True,
        "results": SimpleLazyObject(lambda: call_results(call)),
        # The date of the latest official corrective decision, when there is one, else the
        # moment of the latest amendment; callables, so that a cached fragment asks nothing.
        "results_corrected_on": lambda: last_official_dates([call.pk]).get(call.pk),
        "results_updated_at": lambda: results_updated_at(call),
        "results_version": results_version(request),
        "laureates_url": reverse("jury:laureates") + "?" + urlencode({"appel": call.slug}),
    }


def _page_changed_at(request, slug):
    """The last change of the call page besides results: an edit of the call, and for a
    window the moments its status changed by itself (opening, closing date)."""
    call = public_call(request, slug)
    now = timezone.now()
    passed = [call.opens_at, call.closes_at, call.envelope_exhausted_at]
    return max([call.updated_at, *(m for m in passed if m is not None and m <= now)])


def _conditional_call_page(view):
    # The page also follows the call itself (an edited description shows).
    return public_results(view, changed_at=_page_changed_at)


CALL_RESULTS_SECTION = CallPageSection(
    name="jury-results",
    template="jury/public/_call_results.html",
    shows=lambda call: call.status == CallStatus.RESULTS_PUBLISHED,
    context=_results_context,
    # For « Mis à jour le »: read with the call, no query of its own.
    select_related=("jury__deliberation",),
    decorate=_conditional_call_page,
)


def _window_context(request, call) -> dict:
    return {
        "window": SimpleLazyObject(lambda: window_decisions(call)),
        "window_corrected_on": lambda: last_official_dates([call.pk]).get(call.pk),
        "results_version": results_version(request),
        "laureates_url": reverse("jury:laureates") + "?" + urlencode({"appel": call.slug}),
    }


# A window publishes its committee's decisions while it stays open: its page is a results
# page from the start (its validators move with every published session).
WINDOW_SECTION = CallPageSection(
    name="jury-window",
    template="jury/public/_window.html",
    shows=lambda call: call.is_continuous,
    context=_window_context,
    decorate=_conditional_call_page,
)
