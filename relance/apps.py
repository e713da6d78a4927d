from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelanceConfig(AppConfig):
    name = "relance"
    verbose_name = _("Relance")
