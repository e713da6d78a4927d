"""Caching of public results pages and datasets.

Everything public about results changes only when a round's results are published or amended
or a window's committee session is published, so the latest of those moments is the
validator: it yields the ETag/Last-Modified of every public page (a conditional request
answers 304) and is part of every cache key (publishing or amending makes every cached copy
stale at once, on every app server sharing the cache, with nothing to purge).

A public page is the same bytes for every anonymous visitor in a language (the header's
language switch carries no token for them), so anonymous visitors share one copy of the
whole page; signed-in visitors' pages (their name, a sign-out form with its token) are
rendered for them and never stored.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.http import condition

from calls.models import Call
from jury.models import CommitteeSession, Deliberation, ResultCorrection

CACHE_SECONDS = 300


def _latest(queryset, field):
    return queryset.exclude(**{field: None}).order_by(f"-{field}").values_list(field, flat=True)[:1]


def results_changed_at():
    """The latest publication or amendment of any call's results, or publication of a
    committee session (``None`` if none yet). One query, asked on every public request."""
    now = timezone.now()
    moments = _latest(
        Call.objects.filter(results_published_at__lte=now), "results_published_at"
    ).union(
        _latest(Deliberation.objects.all(), "results_updated_at"),
        _latest(CommitteeSession.objects.filter(published_at__lte=now), "published_at"),
        _latest(ResultCorrection.objects.all(), "published_at"),
        all=True,
    )
    return max(moments, default=None)


VERSION_KEY = "public-results:changed-at"


def _next_scheduled(now):
    """The next moment results become public by themselves (a publication set for later)."""
    moments = (
        Call.objects.filter(results_published_at__gt=now)
        .order_by("results_published_at")
        .values_list("results_published_at", flat=True)[:1]
        .union(
            CommitteeSession.objects.filter(published_at__gt=now)
            .order_by("published_at")
            .values_list("published_at", flat=True)[:1],
            all=True,
        )
    )
    return min(moments, default=None)


def version_lifetime(now) -> float:
    """How long the cached moment may be trusted: the setting, shortened to the next
    scheduled publication."""
    seconds = float(settings.RELANCE_RESULTS_VERSION_SECONDS)
    upcoming = _next_scheduled(now) if seconds > 0 else None
    if upcoming is not None:
        seconds = min(seconds, (upcoming - now).total_seconds())
    return max(seconds, 0.0)


def current_changed_at():
    """``results_changed_at()``, kept a few seconds in the cache: most public requests then
    ask the database nothing. Forgotten whenever results change (:func:`forget_version`)."""
    if settings.RELANCE_RESULTS_VERSION_SECONDS <= 0:
        return results_changed_at()
    kept = cache.get(VERSION_KEY)
    if kept is not None:
        return kept[0]
    now = timezone.now()
    changed = results_changed_at()
    lifetime = version_lifetime(now)
    if lifetime > 0:
        cache.set(VERSION_KEY, (changed,), lifetime)
    return changed


def _forget_kept_moment():
    cache.delete(VERSION_KEY)


def forget_version(**kwargs):
    # At once (this request's next reads), and again once committed: a request reading
    # between the two would have kept the moment from before the change. Once per
    # transaction, however many rows it saves.
    _forget_kept_moment()
    pending = transaction.get_connection().run_on_commit
    if not any(callback is _forget_kept_moment for _sids, callback, _robust in pending):
        transaction.on_commit(_forget_kept_moment)


def connect_version_signals():
    """Whatever saves or deletes what the moment is read from forgets it (the workflows and
    the admin alike)."""
    for model in (Call, Deliberation, CommitteeSession, ResultCorrection):
        post_save.connect(forget_version, sender=model, dispatch_uid=f"results-version-{model}")
        post_delete.connect(
            forget_version, sender=model, dispatch_uid=f"results-version-{model}-del"
        )


def _changed_at(request):
    # Asked for the ETag, Last-Modified and the response headers: one lookup per request.
    if not hasattr(request, "_results_changed_at"):
        request._results_changed_at = current_changed_at()
    return request._results_changed_at


def anonymous_etag(changed, full_path: str, language: str) -> str:
    """The validator of a public page for anonymous visitors (see ``_etag``)."""
    raw = "|".join([changed.isoformat() if changed else "-", full_path, language, "anon"])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


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


def results_version(request=None):
    """A short token that changes whenever results or a committee session's decisions are
    published, or results amended.

    HTML pages cache their expensive fragments under it (``{% cache … results_version %}``),
    which spares signed-in visitors (whose pages are not shared) most of the work. Given the
    request, it reuses the lookup already made for the ETag.
    """
    changed = _changed_at(request) if request is not None else current_changed_at()
    return changed.strftime("%Y%m%d%H%M%S%f") if changed else "none"


def _pending_messages(request):
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _shareable(request):
    """Whether this request may be answered with, or fill, the anonymous copy."""
    if request.method not in ("GET", "HEAD"):
        return False  # the view answers other methods (405)
    return not request.user.is_authenticated and not _pending_messages(request)


def _per_visitor(request):
    # Rendering asked for a CSRF token or showed the visitor's messages: not for others.
    storage = getattr(request, "_messages", None)
    return request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or (storage is not None and storage.used)


def public_results(view=None, *, store=False, changed_at=None):
    """Conditional GET (ETag + Last-Modified) for a public view.

    The whole response is also kept in the shared cache under a key that publishing or
    amending results changes: always for datasets (``store=True``: no token, no header), for
    anonymous visitors only on HTML pages.

    ``changed_at(request, *args, **kwargs)``, if given, is the last change of what the page
    shows besides results (e.g. the call it presents); the validators then follow both.
    """
    if view is None:
        return lambda v: public_results(v, store=store, changed_at=changed_at)

    def _page_changed_at(request, *args, **kwargs):
        if not hasattr(request, "_page_changed_at"):
            moments = [_changed_at(request)]
            if changed_at is not None:
                moments.append(changed_at(request, *args, **kwargs))
            request._page_changed_at = max((m for m in moments if m is not None), default=None)
        return request._page_changed_at

    def etag(request, *args, **kwargs):
        if changed_at is None:
            return _etag(request, *args, **kwargs)
        page = _page_changed_at(request, *args, **kwargs)
        return _etag(request, *args, **kwargs) + (page.strftime("%Y%m%d%H%M%S%f") if page else "")

    @wraps(view)
    def cached(request, *args, **kwargs):
        response = None
        key = "public-results:" + etag(request, *args, **kwargs)
        shared = _shareable(request) or (store and request.method in ("GET", "HEAD"))
        if shared:
            response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if shared and response.status_code == 200 and not _per_visitor(request):
                cache.set(key, response, CACHE_SECONDS)
        if changed_at is None and response.status_code == 200 and _shareable(request):
            # The same bytes for every anonymous visitor: the early middleware may keep the
            # finished response (jury.results.middleware).
            response.relance_anonymous_copy = not _per_visitor(request)
        changed = _page_changed_at(request, *args, **kwargs)
        if changed is not None:
            response.headers.setdefault("Last-Modified", http_date(changed.timestamp()))
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
        patch_cache_control(response, max_age=60)
        return response

    conditional = condition(etag_func=etag, last_modified_func=_page_changed_at)(cached)
    # Pages whose validators follow results only can be answered before the view is found.
    conditional.relance_public_page = changed_at is None
    return conditional
