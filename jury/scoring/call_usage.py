"""What scoring tells the call editor (``calls.hooks``): the criteria that scored submitted
evaluations keep their weight and scale. Registered in ``JuryConfig.ready``."""

from __future__ import annotations

from jury.models import Score


def criteria_with_submitted_scores(call) -> set[int]:
    return set(
        Score.objects.filter(criterion__call=call, evaluation__submitted_at__isnull=False)
        .values_list("criterion_id", flat=True)
        .distinct()
    )
