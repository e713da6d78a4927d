"""The public « Historique des modifications » of a call's published results."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from calls.extensions import public_call
from jury.models import Award
from jury.results.cache import public_results
from jury.results.corrections import published_corrections


@require_safe
@public_results
def results_history(request, slug):
    call = public_call(request, slug)
    # Only a call whose results (or a window's decisions) the public may already read.
    if not Award.objects.published().filter(dossier__call=call).exists():
        raise Http404
    corrections = list(published_corrections(call))
    return render(
        request,
        "jury/public/history.html",
        {"call": call, "corrections": corrections},
    )
