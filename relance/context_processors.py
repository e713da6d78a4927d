from django.conf import settings


def service(request):
    """Service name and tagline for the DSFR header, from settings rather than the database."""
    return {"SERVICE_NAME": settings.SERVICE_NAME, "SERVICE_TAGLINE": settings.SERVICE_TAGLINE}
