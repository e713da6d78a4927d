"""The site's routes with bare 403 and 404 answers, for the role × URL matrix
(``test_url_matrix``): it reads statuses only, thousands of them, and the service's error
pages have their own tests (``test_error_pages``)."""

from django.http import HttpResponseForbidden, HttpResponseNotFound

from relance.urls import handler500, urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def handler403(request, exception):
    return HttpResponseForbidden()


def handler404(request, exception):
    return HttpResponseNotFound()
