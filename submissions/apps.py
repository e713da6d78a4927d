from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = _("Dossiers")

    def ready(self):
        # The app's ``rules`` permissions are declared when their module is imported: do it
        # at start-up, so that no check depends on which module happened to be loaded first.
        from submissions import permissions  # noqa: F401
