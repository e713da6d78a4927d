"""The public read-only API (``/api/v1/``), its OpenAPI description and documentation page.

Built with django-ninja; the operations are in ``endpoints``. The documentation page is the
site's own layout around Swagger UI's files served from the site (no outside script: the
Content-Security-Policy allows the site's files and the page's nonce only).
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from jury.results.api import endpoints

NAMESPACE = "jury:api"


class SiteSwagger(Swagger):
    def render_page(self, request, api, **kwargs):
        swagger = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "jury/api/docs.html", {"swagger": swagger, "api": api})


class PublicAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation):
        # Short and stable: the operation's function name (``laureates``, ``call``).
        return operation.view_func.__name__


api = PublicAPI(
    title="API publique Relance",
    version="1",
    description=(
        "Lecture seule : les programmes, les appels à projets publiés, les lauréats des "
        "résultats publiés et les statistiques publiées, comme sur le site public. "
        "Libellés en français ou en anglais (`?lang=` ou l’en-tête Accept-Language)."
    ),
    urls_namespace=NAMESPACE,  # included by jury.urls
    # Without deep links: Swagger UI would nest a link in each operation's button.
    docs=SiteSwagger(settings={"deepLinking": False, "defaultModelsExpandDepth": -1}),
    docs_url="/docs/",
    docs_decorator=require_safe,  # GET and HEAD only, like the operations
    openapi_url="/openapi.json",
)
api.add_router("/", endpoints.router)
