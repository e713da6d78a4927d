"""The benchmark's floor: a bare Django view answering a constant body of a given size.

Served by its own gunicorn (``gunicorn --pythonpath bench floor:application``): no middleware,
no database, no template; ``/<size>/`` answers ``size`` bytes of HTML.
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    SECRET_KEY="plancher-du-banc-d-essai-" + "x" * 40,
)

_BODIES: dict[int, bytes] = {}


def floor(request, size):
    body = _BODIES.get(size)
    if body is None:
        body = _BODIES.setdefault(size, b"x" * size)
    return HttpResponse(body, content_type="text/html; charset=utf-8")


urlpatterns = [path("<int:size>/", floor)]
application = get_wsgi_application()
