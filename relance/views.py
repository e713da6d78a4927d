"""Home page (composition root) and the static legal pages."""

from django.http import Http404
from django.shortcuts import render

from calls.models import Call, CallStatus, Programme

STATIC_PAGES = {
    "accessibility": "relance/pages/accessibility.html",
    "legal": "relance/pages/legal.html",
    "privacy": "relance/pages/privacy.html",
}


def home(request):
    programmes = list(Programme.objects.public().order_by("title"))
    calls = list(
        Call.objects.public().with_status().select_related("programme").order_by("opens_at")
    )
    open_calls = sorted(
        (c for c in calls if c.status == CallStatus.OPEN),
        key=lambda c: (c.closes_at is None, c.closes_at or c.opens_at),
    )
    upcoming_calls = [c for c in calls if c.status == CallStatus.UPCOMING]
    past_calls = [
        c for c in reversed(calls) if c.status in (CallStatus.CLOSED, CallStatus.RESULTS_PUBLISHED)
    ]
    return render(
        request,
        "relance/home.html",
        {
            "programmes": programmes,
            "open_calls": open_calls,
            "upcoming_calls": upcoming_calls,
            "past_calls": past_calls,
        },
    )


def static_page(request, page):
    template = STATIC_PAGES.get(page)
    if template is None:
        raise Http404
    return render(request, template)
