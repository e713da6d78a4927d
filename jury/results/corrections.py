"""The public record of corrections: published « Rectificatifs » and their dates."""

from django.db.models import Max, OuterRef, Prefetch, Subquery

from jury.models import ResultAmendment, ResultCorrection


def published_corrections(call):
    """``call``'s published corrections, latest official date first, with their changes:
    three queries whatever their number."""
    return (
        ResultCorrection.objects.filter(call=call, published_at__isnull=False)
        .order_by("-official_date", "-published_at")
        .prefetch_related(
            Prefetch(
                "amendments",
                queryset=ResultAmendment.objects.select_related("dossier").order_by("at", "pk"),
            )
        )
    )


def last_official_dates(call_ids) -> dict:
    """Per call pk: the official date of its latest published correction."""
    return dict(
        ResultCorrection.objects.filter(call_id__in=call_ids, published_at__isnull=False)
        .values("call_id")
        .annotate(last=Max("official_date"))
        .values_list("call_id", "last")
    )


def last_correction_of_dossier(dossier_ref="dossier"):
    """A subquery: the official date of the latest published correction that changed the
    dossier at ``dossier_ref`` (``None`` if none), to annotate a queryset with in one query."""
    return Subquery(
        ResultAmendment.objects.filter(
            dossier=OuterRef(dossier_ref), correction__published_at__isnull=False
        )
        .order_by("-correction__official_date")
        .values("correction__official_date")[:1]
    )


def published_amendments(call_ids):
    """Every change of the published corrections of the calls ``call_ids``, in the order
    they were decided and applied, with what a listing shows (one query)."""
    return (
        ResultAmendment.objects.filter(
            correction__published_at__isnull=False, correction__call_id__in=call_ids
        )
        .select_related(
            "correction__call__programme",
            "correction__call__jury__deliberation",
            "dossier__award",
        )
        .order_by(
            "correction__official_date",
            "correction__published_at",
            "correction_id",
            "at",
            "pk",
        )
    )
