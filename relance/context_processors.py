from django.conf import settings

from relance import proconnect


def service(request):
    """Service name and tagline for the DSFR header, from settings rather than the database;
    whether the ProConnect button is shown."""
    return {
        "SERVICE_NAME": settings.SERVICE_NAME,
        "SERVICE_TAGLINE": settings.SERVICE_TAGLINE,
        "PROCONNECT_ENABLED": proconnect.enabled(),
    }
