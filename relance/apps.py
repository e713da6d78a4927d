from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RelanceConfig(AppConfig):
    name = "relance"
    verbose_name = _("Relance")

    def ready(self):
        # Sessions end after inactivity, counted from the sign-in.
        from django.contrib.auth.signals import user_logged_in

        from relance.middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="relance.start_idle_clock")


class RelanceAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the site of ``relance.admin_site`` as ``admin.site``."""

    default = False  # named in INSTALLED_APPS; ``relance`` itself is RelanceConfig
    default_site = "relance.admin_site.RelanceAdminSite"
