"""What the public may see of results: the one place every public page and dataset reads.

Only calls whose results are published (at or before now) on public programmes count, and
only awards whose dossier is a laureate; nothing internal (scores, drafts, unpublished
decisions) is reachable from these querysets.
"""

from django.utils import timezone

from calls.models import Call
from jury.models import Award
from submissions.models import DossierState


def published_calls(now=None):
    now = now or timezone.now()
    return Call.objects.filter(
        results_published_at__isnull=False,
        results_published_at__lte=now,
        is_public=True,
        programme__is_public=True,
    )


def published_laureates(now=None):
    """Awards of published laureates, with everything a public listing shows."""
    return Award.objects.filter(
        decision=Award.Decision.LAUREATE,
        dossier__state=DossierState.LAUREATE,
        dossier__call__in=published_calls(now),
    ).select_related(
        "dossier__call__programme",
        "dossier__call__jury__deliberation",
        "dossier__category",
        "dossier__administration__ministry",
    )


def shown_amount(award):
    """The granted amount if the call's deliberation publishes amounts, else ``None``."""
    deliberation = getattr(getattr(award.dossier.call, "jury", None), "deliberation", None)
    if deliberation is None or not deliberation.publish_amounts:
        return None
    return award.granted_amount
