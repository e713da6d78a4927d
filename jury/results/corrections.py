"""The public record of corrections: published « Rectificatifs » and their dates."""

from django.db.models import Max, Prefetch

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
