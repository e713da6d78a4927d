"""Caching of public results pages and datasets.

Everything public about results changes only when results are published or amended, so the
latest of those moments is the validator: it yields the ETag/Last-Modified of every public
page (a conditional request answers 304) and is part of every cache key (publishing or
amending makes every cached copy stale at once, with nothing to purge).
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.http import condition

from calls.models import Call
from jury.models import Deliberation

CACHE_SECONDS = 300


def results_changed_at():
    """The latest publication or amendment of any call's results (``None`` if none yet)."""
    published = Call.objects.filter(results_published_at__lte=timezone.now()).aggregate(
        m=Max("results_published_at")
    )["m"]
    amended = Deliberation.objects.aggregate(m=Max("results_updated_at"))["m"]
    return max((d for d in (published, amended) if d is not None), default=None)


def _changed_at(request):
    # Asked for the ETag, Last-Modified and the response headers: one lookup per request.
    if not hasattr(request, "_results_changed_at"):
        request._results_changed_at = results_changed_at()
    return request._results_changed_at


def _viewer(request):
    # The page header differs for signed-in visitors: they never share a copy with others.
    return f"u{request.user.pk}" if request.user.is_authenticated else "anon"


def _etag(request, *args, **kwargs):
    changed = _changed_at(request)
    raw = "|".join(
        [
            changed.isoformat() if changed else "-",
            request.get_full_path(),
            get_language() or "",
            _viewer(request),
        ]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _last_modified(request, *args, **kwargs):
    return _changed_at(request)


def results_version():
    """A short token that changes whenever results are published or amended.

    HTML pages cache their expensive fragments under it (``{% cache … results_version %}``):
    whole pages are not shared, since each carries the visitor's CSRF token.
    """
    changed = results_changed_at()
    return changed.strftime("%Y%m%d%H%M%S%f") if changed else "none"


def public_results(view=None, *, store=False):
    """Conditional GET (ETag + Last-Modified) for a public view.

    With ``store=True`` (datasets: no token, no header) the whole response is also kept in
    the shared cache under a key that publishing or amending results changes.
    """
    if view is None:
        return lambda v: public_results(v, store=store)

    @wraps(view)
    def cached(request, *args, **kwargs):
        response = None
        key = "public-results:" + _etag(request, *args, **kwargs)
        if store:
            response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if store and response.status_code == 200:
                cache.set(key, response, CACHE_SECONDS)
        changed = _changed_at(request)
        if changed is not None:
            response.headers.setdefault("Last-Modified", http_date(changed.timestamp()))
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
        patch_cache_control(response, max_age=60)
        return response

    return condition(etag_func=_etag, last_modified_func=_last_modified)(cached)
