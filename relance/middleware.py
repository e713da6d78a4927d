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
