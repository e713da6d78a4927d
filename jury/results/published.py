"""What the public may see of results: the one place every public page and dataset reads.

A call has published decisions once a round's results are published, or once one committee
session of a continuous window is (the window stays open and publishes session by session).
Only such calls of public programmes count, and only awards whose dossier is a laureate and
whose decision is itself published (a window's award once its own session is); nothing
internal (scores, drafts, unpublished decisions) is reachable from these querysets.
"""

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.models import Call, CallKind
from jury.models import Award, CommitteeSession
from submissions.models import DossierState


def published_sessions(now=None):
    """Committee sessions whose decisions are public (their window's visibility aside)."""
    now = now or timezone.now()
    return CommitteeSession.objects.filter(published_at__isnull=False, published_at__lte=now)


def published_calls(now=None):
    now = now or timezone.now()
    return Call.objects.filter(
        Q(results_published_at__isnull=False, results_published_at__lte=now)
        | Q(
            Exists(published_sessions(now).filter(call=OuterRef("pk"))),
            kind=CallKind.CONTINUOUS,
        ),
        is_public=True,
        programme__is_public=True,
    )


def decisions_published_at(call_path="", now=None):
    """When the call at ``call_path`` last made decisions public: a round's results
    publication, a window's latest published session. ``call_path`` leads from the queried
    model to the call (``""`` on calls, ``"dossier__call"`` on awards)."""
    prefix = f"{call_path}__" if call_path else ""
    latest = (
        published_sessions(now)
        .filter(call=OuterRef(call_path or "pk"))
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    return Coalesce(F(f"{prefix}results_published_at"), Subquery(latest))


# What a public listing of laureates shows besides the award itself: each award's own
# relations, and its call's (read once per call by ``awards_in_order``).
AWARD_RELATED = ("session", "dossier__category", "dossier__administration__ministry")
CALL_RELATED = ("programme", "jury__deliberation")
LISTED_RELATED = (*AWARD_RELATED, *(f"dossier__call__{name}" for name in CALL_RELATED))


def published_laureates(now=None):
    """Awards of published laureates, with everything a public listing shows."""
    now = now or timezone.now()
    return (
        Award.objects.published(now)
        .filter(
            decision=Award.Decision.LAUREATE,
            dossier__state=DossierState.LAUREATE,
            dossier__call__in=published_calls(now),
        )
        .select_related(*LISTED_RELATED)
    )


def awards_in_order(ids):
    """The awards of ``ids``, in that order, with what a listing shows.

    For ids read from :func:`published_laureates`: their page is then one query by key,
    quick to plan (the whole filtered and ordered query with its joins took longer to plan
    than to run), and the few calls they belong to are read once, not once per award.
    (Deferring the dossiers' long texts made it slower: Django builds such rows the long
    way.)
    """
    found = Award.objects.select_related(*AWARD_RELATED).in_bulk(ids)
    calls = Call.objects.select_related(*CALL_RELATED).in_bulk(
        {award.dossier.call_id for award in found.values()}
    )
    for award in found.values():
        award.dossier.call = calls[award.dossier.call_id]
    return [found[pk] for pk in ids]


def shown_amount(award):
    """The granted amount if the public may read it, else ``None``.

    A round's deliberation says whether it publishes amounts; a window has no deliberation:
    its committee's grants are public with its decisions (they count against the envelope
    the call page shows).
    """
    call = award.dossier.call
    if call.is_continuous:
        return award.granted_amount
    deliberation = getattr(getattr(call, "jury", None), "deliberation", None)
    if deliberation is None or not deliberation.publish_amounts:
        return None
    return award.granted_amount
