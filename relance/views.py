"""Home page (composition root) and the static legal pages."""

from django.http import Http404
from django.shortcuts import render

from calls.models import Call, Programme

STATIC_PAGES = {
    "accessibility": "relance/pages/accessibility.html",
    "legal": "relance/pages/legal.html",
    "privacy": "relance/pages/privacy.html",
}


def home(request):
    programmes = list(Programme.objects.public().order_by("title"))
    calls = Call.objects.public().select_related("programme").grouped_by_status()
    return render(
        request,
        "relance/home.html",
        {
            "programmes": programmes,
            "open_calls": calls.open,
            "upcoming_calls": calls.upcoming,
            "past_calls": calls.past,
        },
    )


def static_page(request, page):
    template = STATIC_PAGES.get(page)
    if template is None:
        raise Http404
    return render(request, template)
