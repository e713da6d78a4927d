"""The site's Django admin (``admin.site``): Django's, but its « Voir sur le site » redirect
(``admin/r/<content type>/<id>/``) needs a right on the object's model, like every other page
of the admin.

Django lets any staff account through that redirect, whatever its rights: here staff are
scoped to programmes, and the redirect would tell them the address of another programme's
draft call, or that a dossier exists.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


class RelanceAdminSite(admin.AdminSite):
    site_header = _("Relance — administration")
    site_title = _("Relance")

    def get_urls(self):
        view_on_site = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [
            view_on_site if getattr(pattern, "name", None) == "view_on_site" else pattern
            for pattern in super().get_urls()
        ]

    def view_on_site(self, request, content_type_id, object_id):
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ContentType.DoesNotExist, ValueError):
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None:
            raise Http404
        if not model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        return shortcut(request, content_type_id, object_id)
