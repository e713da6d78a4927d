"""The site's routes plus one that fails, to see the 500 page as users would."""

from django.urls import include, path


def fail(request):
    raise RuntimeError("Secret detail that must never reach the page")


urlpatterns = [path("panne/", fail), path("", include("relance.urls"))]

handler500 = "relance.views.server_error"
