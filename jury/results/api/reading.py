"""How every API operation reads: per-address throttling, the language asked for, and
conditional GET on the same validator as the public pages (``jury.results.cache``).

The throttle runs before the ETag is compared, so a 304 counts like any other request.
Calls and programmes also change when a call is edited or one of its dates passes (its
status follows the clock): their validator adds that moment to the results' last change.
"""

import math
from functools import wraps

from django.conf import settings
from django.db.models import Max, Q
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.throttling import SimpleRateThrottle

from calls.models import Call, Programme
from jury.results.cache import public_results

LANGUAGES = {code for code, _name in settings.LANGUAGES}


class AddressThrottle(SimpleRateThrottle):
    """Requests per client address, signed in or not (the API has no accounts).

    The rate is read at each request (``RELANCE_API_RATE``), so that it follows settings.
    """

    scope = "relance-api"

    def __init__(self):
        super().__init__(rate=settings.RELANCE_API_RATE)

    def allow_request(self, request):
        self.rate = settings.RELANCE_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def catalogue_changed_at(request, **kwargs):
    """The last edit of a public call or programme, or the latest of their dates already
    passed (a call opens or closes). Two queries."""
    now = timezone.now()
    calls = Call.objects.public().aggregate(
        edited=Max("updated_at"),
        opened=Max("opens_at", filter=Q(opens_at__lte=now)),
        closed=Max("closes_at", filter=Q(closes_at__lte=now)),
        exhausted=Max("envelope_exhausted_at", filter=Q(envelope_exhausted_at__lte=now)),
    )
    programme = Programme.objects.public().aggregate(edited=Max("updated_at"))["edited"]
    return max((m for m in (*calls.values(), programme) if m is not None), default=None)


def requested_language(request):
    """``?lang=`` first, then what the browser asks for (``Accept-Language``)."""
    lang = request.GET.get("lang")
    return lang if lang in LANGUAGES else translation.get_language()


def too_many_requests(wait):
    seconds = math.ceil(wait) if wait is not None else None
    response = JsonResponse(
        {
            "detail": _("Trop de requêtes depuis votre adresse : patientez avant de réessayer."),
            "retry_after": seconds,
        },
        status=429,
    )
    if seconds is not None:
        response["Retry-After"] = str(seconds)
    return response


def public_read(*, changed_at=None):
    """Decorate an operation's ``run``: language, throttle, then the conditional GET."""
    throttle = AddressThrottle()

    def decorator(run):
        conditional = public_results(run, changed_at=changed_at)

        @wraps(run)
        def read(request, *args, **kwargs):
            with translation.override(requested_language(request)):
                if not throttle.allow_request(request):
                    response = too_many_requests(throttle.wait())
                else:
                    response = conditional(request, *args, **kwargs)
                response.headers.setdefault("Content-Language", translation.get_language())
                return response

        return read

    return decorator
