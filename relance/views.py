"""Home page (composition root) and the static legal pages."""

from django.db.models import Max, Q
from django.http import Http404, HttpResponseServerError
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import timezone
from django.views import i18n
from django.views.decorators.csrf import csrf_exempt

from calls.models import Call, Programme
from jury.results.cache import public_results
from jury.results.window import public_envelopes, total_envelope

STATIC_PAGES = {
    "accessibility": "relance/pages/accessibility.html",
    "legal": "relance/pages/legal.html",
    "privacy": "relance/pages/privacy.html",
}


@csrf_exempt
def set_language(request):
    """Django's language switch, whose form carries no CSRF token for anonymous visitors.

    A public page is then the same bytes for every anonymous visitor, so it can be cached
    whole; forging an anonymous visitor's choice of language harms nobody. A signed-in user's
    switch still needs the token (their session is at stake).
    """
    if request.user.is_authenticated:
        check = CsrfViewMiddleware(lambda r: None)
        refused = check.process_view(request, i18n.set_language, (), {})
        if refused is not None:
            return refused
    return i18n.set_language(request)


def _home_changed_at(request):
    """The last change of what the home page lists besides results: an edit of a call or a
    programme, a call published, opening or closing by itself (its date passed)."""
    now = timezone.now()
    passed = ("published_at", "opens_at", "closes_at", "envelope_exhausted_at")
    moments = Call.objects.aggregate(
        edited=Max("updated_at"),
        programme_edited=Max("programme__updated_at"),
        **{f: Max(f, filter=Q(**{f"{f}__lte": now})) for f in passed},
    )
    moments["programmes"] = Programme.objects.aggregate(Max("updated_at"))["updated_at__max"]
    return max((m for m in moments.values() if m is not None), default=None)


# The same bytes for every anonymous visitor until a call, a programme or results change:
# kept whole, validated by ETag and Last-Modified (``jury.results.cache``).
@public_results(changed_at=_home_changed_at)
def home(request):
    programmes = list(Programme.objects.public().order_by("title"))
    calls = Call.objects.public().select_related("programme").grouped_by_status()
    # Each programme sums the envelopes its calls show the public (one query); a
    # demonstration call's envelope is fictitious and stays out of the total.
    every_call = [c for c in (*calls.open, *calls.upcoming, *calls.past) if not c.is_demo]
    envelopes = public_envelopes(every_call)
    for programme in programmes:
        programme.envelope = total_envelope(
            envelopes[c.pk]
            for c in every_call
            if c.programme_id == programme.pk and c.pk in envelopes
        )
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


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token: the French 403 page (``CSRF_FAILURE_VIEW``)."""
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """The 500 page, with the service's header and footer (``handler500``).

    Rendered with the request so that the layout has its usual context; if even that fails
    (the database is down, say), a plain French page is served instead.
    """
    try:
        return render(request, "500.html", status=500)
    except Exception:
        return HttpResponseServerError(
            '<!doctype html><html lang="fr"><meta charset="utf-8">'
            "<title>Erreur du service</title><h1>Erreur du service</h1>"
            "<p>Le service a rencontré un problème. Réessayez dans quelques minutes.</p>"
            '<p><a href="/">Page d’accueil</a></p></html>'
        )
