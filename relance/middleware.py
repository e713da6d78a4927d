"""Request guards that run before any view reads the request."""

from django.conf import settings
from django.shortcuts import render


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is above ``RELANCE_MAX_REQUEST_BYTES`` (413),
    before anything reads it.

    Django bounds the form fields of a body (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but streams
    uploaded files to disk whatever their size; the reverse proxy should refuse such bodies
    first (see the README), and this holds when it does not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.RELANCE_MAX_REQUEST_BYTES:
            return render(request, "413.html", status=413)
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user is ``Cache-Control: private, no-store``.

    A page seen by a signed-in user shows their name and may show dossiers, scores or
    decisions: no browser or shared cache keeps it (after a logout, « back » must not show
    it again). Anonymous responses keep the caching their views give them (public results
    pages and datasets); static files are answered by whitenoise before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        return response
